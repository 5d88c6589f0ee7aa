package extract

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode"

	"github.com/docuvault/docuvault/pkg/ocr"
)

// noTesseractNote is the Note of an image read without OCR.
const noTesseractNote = "tesseract is not installed: the image is classified by its filename only"

// extractImage reads an image's text by OCR (pkg/ocr) when tesseract is
// on PATH (Options.LookPath): PNG and JPEG turned upright and straightened
// first, other types as they are. Without tesseract, or with OCR off, it
// returns the words of its filename (Method "filename") with a Note saying
// so. An image OCR cannot read is ErrCorrupt, except a WebP image, which
// tesseract builds without WebP support cannot read: that one falls back
// to its filename too.
func (e *Extractor) extractImage(ctx context.Context, in Input, lim Limits) (Output, error) {
	if _, err := e.opts.LookPath("tesseract"); err != nil {
		return filenameOutput(in.Filename, noTesseractNote), nil
	}
	mode := e.opts.OCRMode
	if in.OCR != "" {
		mode = in.OCR
	}
	if mode == OCRNever {
		return filenameOutput(in.Filename, "OCR is off (DOCUVAULT_OCR=never): the image is classified by its filename only"), nil
	}
	// PNG and JPEG (photos and scans of paper) are turned upright and
	// straightened first; other types go to tesseract as they are.
	page, err := e.opts.OCR.ReadImage(ctx, in.Path)
	if errors.Is(err, ocr.ErrUndecodable) {
		page, err = e.opts.OCR.ReadFile(ctx, in.Path)
	}
	switch {
	case ctx.Err() != nil:
		return Output{}, fmt.Errorf("run tesseract: %w", ctx.Err())
	case errors.Is(err, ocr.ErrTooBig):
		return Output{}, fmt.Errorf("%w: %v", ErrTooBig, err)
	case err != nil && in.ContentType == "image/webp":
		return filenameOutput(in.Filename, fmt.Sprintf("OCR could not read this WebP image (%v): the image is classified by its filename only", err)), nil
	case err != nil:
		return Output{}, fmt.Errorf("%w: OCR could not read the image (%v)", ErrCorrupt, err)
	}
	out := Output{Text: strings.TrimSpace(page.Text), Method: "tesseract"}
	p := Page{Number: 1, Source: PageOCR, Rotation: page.Rotation, Skew: float64(int(page.Skew*100)) / 100}
	if out.Text == "" {
		out.Note, p.Source = "OCR found no text in the image", PageNone
	} else {
		conf := float64(int(page.Confidence*10+0.5)) / 10
		p.Confidence = &conf
	}
	out.Pages = []Page{p}
	return out, nil
}

// filenameOutput is the text of an image read by its name only.
func filenameOutput(filename, note string) Output {
	return Output{Text: filenameWords(filename), Method: "filename", Note: note}
}

// filenameWords returns a filename without folder and extension, its
// words split on _ - . and spaces: "scan_2024-03.invoice.png" → "scan 2024
// 03 invoice".
func filenameWords(name string) string {
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	name = strings.TrimSuffix(name, path.Ext(name))
	words := strings.FieldsFunc(name, func(r rune) bool {
		return r == '_' || r == '-' || r == '.' || unicode.IsSpace(r)
	})
	return strings.Join(words, " ")
}
