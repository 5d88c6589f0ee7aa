package extract

import (
	"context"
	"errors"
	"fmt"
)

// ErrPdftotextMissing is returned for every PDF when the PDF extractor is
// set to PDFPdftotext and pdftotext is not installed: a configuration
// problem, not a property of the document.
var ErrPdftotextMissing = errors.New("pdftotext is not installed (DOCUVAULT_PDF_EXTRACTOR=pdftotext); install poppler-utils or choose auto or go")

// extractPDFText reads a PDF's text layer with the extractor chosen by
// Options.PDF: poppler's pdftotext ("pdftotext"), the pure-Go reader
// ("go"), or the Go reader with pdftotext where its text looks wrong
// ("auto", extractPDFAuto). Output.Method says which ran.
//
// Errors wrap ErrEncrypted (a password is needed), ErrCorrupt (the file is
// damaged or is no PDF), ErrTooBig (its streams expand beyond the limits),
// ErrPdftotextMissing, or the context's error.
func (e *Extractor) extractPDFText(ctx context.Context, in Input, lim Limits) (Output, error) {
	switch e.opts.PDF {
	case PDFGo:
		return extractPDFGo(ctx, in, lim)
	case PDFPdftotext:
		path, err := e.opts.LookPath("pdftotext")
		if err != nil {
			return Output{}, fmt.Errorf("%w: %w", ErrPdftotextMissing, err)
		}
		return extractPDFPdftotext(ctx, path, in, lim)
	case PDFAuto, "":
		return e.extractPDFAuto(ctx, in, lim)
	default:
		return Output{}, fmt.Errorf("unknown PDF extractor %q (want %s, %s or %s)", e.opts.PDF, PDFAuto, PDFGo, PDFPdftotext)
	}
}
