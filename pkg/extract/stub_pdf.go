package extract

import "context"

// STUB: replaced by the real PDF extractors (pdftotext and pure Go).

func (e *Extractor) extractPDF(ctx context.Context, in Input, lim Limits) (Output, error) {
	return Output{}, ErrUnsupported
}
