package extract

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/docuvault/docuvault/pkg/ocr"
)

// Thresholds that tell a page's text layer usable.
const (
	// minPageLetters: a page with fewer letters and digits has no usable
	// text layer (a scan, perhaps with a page number or a scanner's stamp).
	minPageLetters = 20
	// shortPageLetters: a page with fewer, that also carries a large image
	// (minScanPixels), is read both ways: its text layer is likely a
	// caption or a header over a scanned page.
	shortPageLetters = 200
	minScanPixels    = 1 << 20
	// minImagePixels: a page without text is a scan when it carries an
	// image of at least this many pixels (a 150 dpi scan of a business
	// card has 100,000); smaller ones are logos and rules.
	minImagePixels = 40_000
	// junkShare: a page with an image whose text layer has more than this
	// share of unmapped glyphs (U+FFFD, private use) among its letters is
	// read by OCR instead (a scanner's layer of glyphs without Unicode).
	junkShare = 0.5
)

// extractPDF reads a PDF's text layer (extractPDFText), then, unless OCR
// is off, reads by OCR the pages whose layer has no usable text, and says
// in Output.Pages how each page was read.
//
// OCR that is not installed, or that fails on a page, is a note: the
// text layer is kept. A page too large for OCR's limits is ErrTooBig. OCR
// still running near the per-document timeout is stopped, and the pages
// it read are kept, with a note saying which were not.
func (e *Extractor) extractPDF(ctx context.Context, in Input, lim Limits) (Output, error) {
	out, err := e.extractPDFText(ctx, in, lim)
	if err != nil {
		return out, err
	}
	mode := e.opts.OCRMode
	if in.OCR != "" {
		mode = in.OCR
	}
	layers := splitPDFPages(out.Text)
	pages := make([]Page, len(layers))
	letters := make([]int, len(layers))
	usable := make([]bool, len(layers))
	short := false // a page that may be a scan
	for i, layer := range layers {
		letters[i], usable[i] = textQuality(layer)
		short = short || letters[i] < shortPageLetters || !usable[i]
	}
	// Which pages carry an image, and at what resolution: a page without
	// text and without an image is blank (or a drawing), not a scan.
	// Unknown (nil) without poppler's pdfimages: then every page without
	// text is taken for a scan.
	var images map[int]ocr.PDFImage
	ocrErr := e.opts.OCR.Available()
	goImages := goPageImages(out.pageImages, len(layers))
	if mode == OCRAlways || (mode != OCRNever && short) {
		// Only for PDFs that may hold a scan: a born-digital PDF whose
		// pages all have text needs no more. The Go reader, when it read
		// the PDF, knows each page's largest image; else one more process.
		images = goImages
		if images == nil {
			images, _ = e.opts.OCR.PDFImages(ctx, in.Path)
		}
	}
	// Without pdfimages nor tesseract, pages cannot be told apart; they
	// are not counted as unread scans.
	unknown := images == nil && ocrErr == nil
	var todo []int // page numbers to read by OCR
	blank := 0
	for i := range layers {
		pages[i] = Page{Number: i + 1, Source: PageText}
		img, hasImage := images[i+1]
		hasImage = unknown || (hasImage && img.Pixels >= minImagePixels)
		switch {
		case mode == OCRNever || (letters[i] < minPageLetters && !hasImage):
			if letters[i] < minPageLetters {
				pages[i].Source = PageNone
				blank++
			}
			continue
		case mode == OCRAlways || letters[i] < minPageLetters || (!usable[i] && hasImage):
			pages[i].Source = PageOCR
		case letters[i] < shortPageLetters && img.Pixels >= minScanPixels:
			pages[i].Source = PageBoth
		default:
			continue
		}
		todo = append(todo, i+1)
	}
	var notes []string
	if out.Note != "" {
		notes = append(notes, out.Note)
	}
	if mode != OCRNever && images == nil && ocrErr != nil && blank == len(layers) && len(layers) > 0 {
		notes = append(notes, fmt.Sprintf("no page has text, and scanned pages cannot be read: %v", ocrErr))
	}
	out.Pages = pages
	if len(todo) > 0 && goImages != nil && ocrErr == nil {
		// The pages to read are known; pdfimages adds their images'
		// resolution, which OCR renders them at.
		if listed, err := e.opts.OCR.PDFImages(ctx, in.Path); err == nil {
			images = listed
		}
	}
	if len(todo) > 0 {
		note, err := e.readScannedPages(ctx, in.Path, &out, layers, todo, images)
		if err != nil {
			return Output{}, err
		}
		if note != "" {
			notes = append(notes, note)
		}
	}
	out.Note = strings.Join(notes, "; ")
	return out, nil
}

// goPageImages is the Go reader's largest image of each of n pages
// (Output.pageImages) as PDFImages has them, pages without images absent;
// nil when the Go reader did not read the PDF or does not know a page's
// images (an inline image, a damaged or undrawn part).
func goPageImages(pixels []int64, n int) map[int]ocr.PDFImage {
	if len(pixels) != n {
		return nil
	}
	m := map[int]ocr.PDFImage{}
	for i, p := range pixels {
		switch {
		case p < 0:
			return nil
		case p > 0:
			m[i+1] = ocr.PDFImage{Pixels: int(min(p, 1<<40))}
		}
	}
	return m
}

// readScannedPages reads pages todo of the PDF at path by OCR into out:
// their text in place of (or after) their layers, their records, the
// method, and the searchable copy when the Extractor makes them. A page
// left without letters is PageNone.
func (e *Extractor) readScannedPages(ctx context.Context, path string, out *Output, layers []string, todo []int, images map[int]ocr.PDFImage) (string, error) {
	var pdfDir string
	if e.opts.SearchableCopy {
		dir, err := os.MkdirTemp(e.opts.TempDir, "docuvault-pages-*")
		if err != nil {
			return "", fmt.Errorf("OCR's page folder: %w", err)
		}
		defer os.RemoveAll(dir)
		pdfDir = dir
	}
	read, note, err := e.ocrPages(ctx, path, layers, out.Pages, todo, images, pdfDir)
	if err != nil {
		return "", err
	}
	if read > 0 {
		out.Method += "+tesseract"
	}
	if pdfDir != "" && read > 0 {
		copyPath, err := e.searchableCopy(ctx, path, pdfDir, len(layers))
		if err != nil {
			note = strings.TrimPrefix(note+"; no searchable copy: "+err.Error(), "; ")
		}
		out.SearchablePDF = copyPath
	}
	for _, n := range todo {
		p := &out.Pages[n-1]
		if l, _ := textQuality(layers[n-1]); l == 0 || (l < minPageLetters && p.Source == PageText) {
			p.Source = PageNone
		}
	}
	// The text again, with what OCR read.
	endsPage := strings.HasSuffix(out.Text, "\f")
	var text strings.Builder
	for i, layer := range layers {
		text.WriteString(layer)
		if i < len(layers)-1 || endsPage {
			text.WriteByte('\f') // not after a page cut off by the text limit
		}
	}
	out.Text = text.String()
	return note, nil
}

// ocrPages reads pages todo by OCR and puts their text into layers (in
// place of the layer for PageOCR, after it for PageBoth), their
// confidence, rotation and skew into pages. A page OCR could not read
// keeps its layer and becomes PageText or PageNone; the note says why.
// read counts the pages OCR read (found text on or not).
func (e *Extractor) ocrPages(ctx context.Context, path string, layers []string, pages []Page, todo []int, images map[int]ocr.PDFImage, pdfDir string) (read int, note string, err error) {
	if err := e.opts.OCR.Available(); err != nil {
		for _, n := range todo {
			pages[n-1].Source = PageText
		}
		return 0, fmt.Sprintf("%d pages have no text layer and were not read: %v", len(todo), err), nil
	}
	// Stop OCR a little before the document's deadline, so that what it
	// read is kept rather than lost to the timeout.
	octx := ctx
	if d, ok := ctx.Deadline(); ok {
		margin := min(max(time.Until(d)/20, 500*time.Millisecond), 5*time.Second)
		var cancel context.CancelFunc
		octx, cancel = context.WithDeadline(ctx, d.Add(-margin))
		defer cancel()
	}
	dpi := map[int]int{}
	for n, im := range images {
		dpi[n] = im.PPI
	}
	var unread, failed []int
	var firstErr error
	for _, r := range e.opts.OCR.ReadPDF(octx, path, todo, ocr.ReadOptions{DPI: dpi, PDFDir: pdfDir}) {
		p := &pages[r.Number-1]
		switch {
		case errors.Is(r.Err, ocr.ErrTooBig):
			return 0, "", fmt.Errorf("%w: page %d: %v", ErrTooBig, r.Number, r.Err)
		case r.Err != nil && octx.Err() != nil && ctx.Err() == nil:
			unread = append(unread, r.Number)
			p.Source = PageText
			continue
		case r.Err != nil && ctx.Err() != nil:
			return 0, "", ctx.Err()
		case r.Err != nil:
			failed = append(failed, r.Number)
			if firstErr == nil {
				firstErr = r.Err
			}
			p.Source = PageText
			continue
		}
		read++
		if strings.TrimSpace(r.Text) != "" { // a blank page has no confidence
			conf := float64(int(r.Confidence*10+0.5)) / 10
			p.Confidence = &conf
		}
		p.Rotation, p.Skew = r.Rotation, float64(int(r.Skew*100))/100
		if p.Source == PageBoth {
			layers[r.Number-1] = strings.TrimRight(layers[r.Number-1], "\n") + "\n\n" + r.Text
		} else {
			layers[r.Number-1] = r.Text
		}
	}
	var notes []string
	if len(unread) > 0 {
		notes = append(notes, fmt.Sprintf("OCR stopped at the time limit (DOCUVAULT_EXTRACT_TIMEOUT): pages %s were not read", pageList(unread)))
	}
	if len(failed) > 0 {
		notes = append(notes, fmt.Sprintf("OCR failed on pages %s: %v", pageList(failed), firstErr))
	}
	return read, strings.Join(notes, "; "), nil
}

// searchableCopy merges the original PDF at path with the one-page PDFs
// OCR wrote into dir (page-N.pdf): each OCR'd page is replaced by its
// upright image under an invisible text layer, the other pages are kept
// as they are. It returns the copy's path (in Options.TempDir, the
// caller's to remove). qpdf does the merge; without it there is no copy.
func (e *Extractor) searchableCopy(ctx context.Context, path, dir string, pages int) (string, error) {
	qpdf, err := e.opts.LookPath("qpdf")
	if err != nil {
		return "", errors.New("qpdf is not installed (Debian package qpdf)")
	}
	// qpdf --empty --pages orig.pdf 1-2 page-3.pdf 1 orig.pdf 4-z -- out.pdf
	args := []string{"--empty", "--warning-exit-0", "--pages"}
	from := 1 // first original page not yet taken
	flush := func(to int) {
		if to >= from {
			args = append(args, path, fmt.Sprintf("%d-%d", from, to))
		}
	}
	for n := 1; n <= pages; n++ {
		page := filepath.Join(dir, fmt.Sprintf("page-%d.pdf", n))
		if _, err := os.Stat(page); err != nil {
			continue
		}
		flush(n - 1)
		args = append(args, page, "1")
		from = n + 1
	}
	args = append(args, path, fmt.Sprintf("%d-z", from))
	if from > pages {
		args = args[:len(args)-2]
	}
	out, err := os.CreateTemp(e.opts.TempDir, "docuvault-searchable-*.pdf")
	if err != nil {
		return "", err
	}
	out.Close()
	args = append(args, "--", out.Name())
	lim := e.opts.Limits.withDefaults()
	cmd := toolCommand(ctx, lim, qpdf, args...)
	stderr := &pdfCapWriter{max: 4 << 10, discard: true}
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		os.Remove(out.Name())
		if over := toolOverLimit("qpdf", err, stderr.buf.String(), lim); over != nil {
			return "", over
		}
		return "", fmt.Errorf("qpdf: %s", pdftotextReason(stderr.buf.String()))
	}
	return out.Name(), nil
}

// splitPDFPages splits a PDF extractor's text into its pages (each ends
// with '\f').
func splitPDFPages(text string) []string {
	pages := strings.Split(text, "\f")
	if len(pages) > 0 && strings.TrimSpace(pages[len(pages)-1]) == "" {
		pages = pages[:len(pages)-1]
	}
	return pages
}

// textQuality counts a page's letters and digits, and says whether its
// text looks like text rather than glyphs without Unicode (see junkShare).
func textQuality(s string) (letters int, usable bool) {
	var unmapped int
	for _, r := range s {
		switch {
		case r == '\uFFFD' || unicode.In(r, unicode.Co):
			unmapped++
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			letters++
		}
	}
	return letters, float64(unmapped) <= junkShare*float64(letters+unmapped)
}

// pageList writes page numbers as "1–3, 5".
func pageList(ns []int) string {
	var parts []string
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d–%d", ns[i], ns[j]))
		} else {
			parts = append(parts, fmt.Sprint(ns[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}
