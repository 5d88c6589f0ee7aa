package extract

import "context"

// extractPDFAuto is the PDF extractor of PDFAuto: today pdftotext when it
// is on PATH, else the pure-Go reader.
func (e *Extractor) extractPDFAuto(ctx context.Context, in Input, lim Limits) (Output, error) {
	if path, err := e.opts.LookPath("pdftotext"); err == nil {
		return extractPDFPdftotext(ctx, path, in, lim)
	}
	return extractPDFGo(ctx, in, lim)
}
