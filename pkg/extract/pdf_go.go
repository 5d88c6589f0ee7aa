package extract

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// extractPDFGo is the pure-Go PDF extractor (Method "go-pdf"). It reads the
// file's objects itself (pdf_parse.go, pdf_doc.go, pdf_filter.go), places
// each glyph from the content streams (pdf_content.go, pdf_font.go) and
// rebuilds words and lines from the glyphs' positions (pdf_layout.go).
//
// Errors wrap ErrEncrypted (the file has an /Encrypt dictionary), ErrCorrupt
// (no PDF, or no catalog or pages to be found even by scanning the file),
// ErrTooBig (its streams decode to more than Limits.MaxZipUncompressed), or
// the context's error, which is checked between pages and every few
// thousand operators.
func extractPDFGo(ctx context.Context, in Input, lim Limits) (Output, error) {
	out, _, err := extractPDFGoStats(ctx, in, lim)
	return out, err
}

// extractPDFGoStats is extractPDFGo that also returns what the reader saw
// (pdfTextStats), for PDFAuto to judge the text by.
func extractPDFGoStats(ctx context.Context, in Input, lim Limits) (Output, pdfTextStats, error) {
	data, release, err := pdfMapFile(in.Path)
	if err != nil {
		return Output{}, pdfTextStats{}, fmt.Errorf("read the PDF: %w", err)
	}
	defer release()
	return pdfTextGoStats(ctx, data, lim)
}

// pdfTextStats is what the Go reader saw while reading a PDF's text.
type pdfTextStats struct {
	pages     int // pages read
	textPages int // of them, pages on which at least one glyph was drawn
	glyphs    int // glyphs drawn, spaces not counted
	unmapped  int // of them, glyphs whose code has no Unicode text (dropped)
}

// pdfTextGo extracts the text of the PDF in data, turning a panic (a bug:
// the reader is written not to panic) into ErrCorrupt.
func pdfTextGo(ctx context.Context, data []byte, lim Limits) (Output, error) {
	out, _, err := pdfTextGoStats(ctx, data, lim)
	return out, err
}

// pdfTextGoStats is pdfTextGo that also returns the reader's statistics.
func pdfTextGoStats(ctx context.Context, data []byte, lim Limits) (out Output, st pdfTextStats, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, st, err = Output{}, pdfTextStats{}, fmt.Errorf("%w: the PDF reader failed on it (%v)", ErrCorrupt, r)
		}
	}()
	return pdfReadTextStats(ctx, data, lim)
}

// pdfReadText extracts the text of the PDF in data.
func pdfReadText(ctx context.Context, data []byte, lim Limits) (Output, error) {
	out, _, err := pdfReadTextStats(ctx, data, lim)
	return out, err
}

// pdfReadTextStats extracts the text of the PDF in data and counts the
// glyphs it drew and those it could not map to Unicode.
func pdfReadTextStats(ctx context.Context, data []byte, lim Limits) (out Output, st pdfTextStats, err error) {
	doc, err := openPDF(data, lim.MaxZipUncompressed)
	if err != nil {
		return Output{}, st, pdfGoError(err)
	}
	if doc.encrypted() {
		return Output{}, st, fmt.Errorf("%w (the PDF has an /Encrypt dictionary)", ErrEncrypted)
	}
	pages := doc.pages()
	if len(pages) == 0 {
		return Output{}, st, fmt.Errorf("%w: the PDF has no pages", ErrCorrupt)
	}
	interp := newPDFInterp(ctx, doc)
	var lay pdfLayout
	text := make([]byte, 0, min(len(data), lim.MaxTextBytes, 1<<20))
	damaged, full := 0, 0
	for _, p := range pages {
		if err := ctx.Err(); err != nil {
			return Output{}, st, err
		}
		if err := interp.page(p); err != nil {
			return Output{}, st, pdfGoError(err) // the budget or the context
		}
		st.pages++
		if interp.drawn > 0 {
			st.textPages++
			st.glyphs += interp.drawn
			st.unmapped += interp.unmapped
		}
		if interp.damaged {
			damaged++
		}
		if interp.full {
			full++
		}
		if interp.damaged {
			interp.image = -1 // what the damaged part drew is not known
		}
		out.pageImages = append(out.pageImages, interp.image)
		text = lay.write(text, interp.glyphs)
		text = append(text, '\f')
		if len(text) > lim.MaxTextBytes {
			out.Truncated = true
			break
		}
	}
	out.Text, out.Method = string(text), "go-pdf"
	var notes []string
	if damaged > 0 {
		notes = append(notes, fmt.Sprintf("%d of %d pages have damaged content that could not be read", damaged, len(pages)))
	}
	if full > 0 {
		notes = append(notes, fmt.Sprintf("%d pages have more than %d characters; the rest was skipped", full, maxPDFGlyphsPerPage))
	}
	out.Note = strings.Join(notes, "; ")
	return out, st, nil
}

// pdfGoError maps a reader error to the package's sentinels.
func pdfGoError(err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, errPDFBudget):
		return fmt.Errorf("%w: %v", ErrTooBig, err)
	default:
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
}
