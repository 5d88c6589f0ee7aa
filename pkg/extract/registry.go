package extract

import (
	"os/exec"

	"github.com/docuvault/docuvault/pkg/ocr"
)

// imageTypes are read by OCR (tesseract) when it is installed.
var imageTypes = []string{"image/png", "image/jpeg", "image/tiff", "image/webp"}

// New returns an Extractor for every content type DocuVault accepts.
func New(opts Options) *Extractor {
	if opts.LookPath == nil {
		opts.LookPath = exec.LookPath
	}
	if opts.PDF == "" {
		opts.PDF = PDFAuto
	}
	if opts.OCRMode == "" {
		opts.OCRMode = OCRAuto
	}
	if opts.OCR == nil {
		opts.OCR = ocr.New(ocr.Options{LookPath: opts.LookPath})
	}
	e := &Extractor{opts: opts, funcs: map[string]Func{}}
	for ct, f := range documentFuncs() {
		e.funcs[ct] = f
	}
	e.funcs["application/pdf"] = e.extractPDF
	for _, ct := range imageTypes {
		e.funcs[ct] = e.extractImage
	}
	return e
}

// Supports reports whether there is an extractor for contentType.
func (e *Extractor) Supports(contentType string) bool {
	_, ok := e.funcs[contentType]
	return ok
}
