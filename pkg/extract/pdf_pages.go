package extract

import "context"

// extractPDF reads a PDF's text layer (extractPDFText).
func (e *Extractor) extractPDF(ctx context.Context, in Input, lim Limits) (Output, error) {
	return e.extractPDFText(ctx, in, lim)
}
