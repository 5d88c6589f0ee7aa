package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/ocr"
)

// extractScan extracts a PDF of pkg/ocr's fixtures with the given options.
func extractScan(t *testing.T, opts Options, file string) (Output, error) {
	t.Helper()
	path := "../ocr/testdata/" + file
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return New(opts).Extract(context.Background(), Input{Path: path, Size: st.Size(), ContentType: "application/pdf", Filename: file})
}

// TestPDFScanOCR: an image-only PDF (a page of a real manual, scanned
// upright, turned and skewed) is read page by page by OCR, whichever
// reader reads its (empty) text layer.
func TestPDFScanOCR(t *testing.T) {
	requireTool(t, "tesseract")
	requireTool(t, "pdftoppm")
	for _, reader := range []string{PDFGo, PDFAuto} {
		t.Run(reader, func(t *testing.T) {
			out, err := extractScan(t, Options{PDF: reader, OCR: ocr.New(ocr.Options{Parallel: 2})}, "scan.pdf")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(out.Method, "+tesseract") {
				t.Errorf("method %q, want the reader's +tesseract", out.Method)
			}
			pages := strings.Split(strings.TrimSuffix(out.Text, "\f"), "\f")
			if len(pages) != 3 || len(out.Pages) != 3 {
				t.Fatalf("%d pages of text, %d page records; want 3 and 3", len(pages), len(out.Pages))
			}
			for i, p := range out.Pages {
				if p.Number != i+1 || p.Source != PageOCR || p.Confidence == nil || *p.Confidence < 80 {
					t.Errorf("page %d: %+v, want OCR with confidence ≥ 80", i+1, p)
				}
				for _, w := range []string{"structure", "parser", "DEFINITIONS"} {
					if !strings.Contains(pages[i], w) {
						t.Errorf("page %d: %q not read", i+1, w)
					}
				}
			}
			if out.Pages[1].Rotation != 270 || out.Pages[2].Skew < 2 {
				t.Errorf("page 2 turned by %d (want 270), page 3 straightened by %.2f (want about 2.5)", out.Pages[1].Rotation, out.Pages[2].Skew)
			}
			if out.Note != "" {
				t.Errorf("note %q, want none", out.Note)
			}
		})
	}
}

// TestPDFMixedPages: a born-digital page keeps its text layer; only the
// scanned page is read by OCR.
func TestPDFMixedPages(t *testing.T) {
	requireTool(t, "tesseract")
	out, err := extractScan(t, Options{PDF: PDFGo}, "mixed.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Pages) != 2 || out.Pages[0].Source != PageText || out.Pages[0].Confidence != nil || out.Pages[1].Source != PageOCR {
		t.Fatalf("pages %+v, want text then OCR", out.Pages)
	}
	pages := strings.Split(out.Text, "\f")
	if !strings.Contains(pages[0], "DEFINITIONS") || !strings.Contains(pages[1], "DEFINITIONS") {
		t.Errorf("both pages should have the manual's words:\n%s", out.Text)
	}
}

// TestPDFOCRModes: never reads no page by OCR (and says the pages have
// no text); always reads every page by OCR, text layer or not.
func TestPDFOCRModes(t *testing.T) {
	requireTool(t, "tesseract")
	out, err := extractScan(t, Options{PDF: PDFGo, OCRMode: OCRNever}, "mixed.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Pages) != 2 || out.Pages[0].Source != PageText || out.Pages[1].Source != PageNone || out.Method != "go-pdf" {
		t.Errorf("never: %+v by %s, want text then none by go-pdf", out.Pages, out.Method)
	}
	path := "../ocr/testdata/mixed.pdf"
	out, err = New(Options{PDF: PDFGo, OCRMode: OCRNever}).Extract(context.Background(),
		Input{Path: path, ContentType: "application/pdf", OCR: OCRAlways})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Pages) != 2 || out.Pages[0].Source != PageOCR || out.Pages[1].Source != PageOCR {
		t.Errorf("always (the document's override): %+v, want OCR on both", out.Pages)
	}
}

// TestPDFOCRMissing: without tesseract, a scan's pages are PageNone and
// the note says why; nothing fails.
func TestPDFOCRMissing(t *testing.T) {
	onlyPdftotext := func(name string) (string, error) {
		if name == "pdftotext" {
			return exec.LookPath(name)
		}
		return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
	}
	out, err := extractScan(t, Options{LookPath: onlyPdftotext}, "scan.pdf")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range out.Pages {
		if p.Source != PageNone {
			t.Errorf("page %d: %s, want none", p.Number, p.Source)
		}
	}
	// The Go reader saw the pages' images: they are known as scans, not
	// read, without poppler's pdfimages.
	if len(out.Pages) != 3 || !strings.Contains(out.Note, "3 pages have no text layer and were not read") || !strings.Contains(out.Note, "tesseract-ocr") {
		t.Errorf("%d pages, note %q; want 3 and a note naming the package", len(out.Pages), out.Note)
	}
	// Read by pdftotext, whose text says nothing of images, and without
	// pdfimages, they cannot be told from blank pages.
	out, err = extractScan(t, Options{PDF: PDFPdftotext, LookPath: onlyPdftotext}, "scan.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Pages) != 3 || !strings.Contains(out.Note, "no page has text, and scanned pages cannot be read") || !strings.Contains(out.Note, "tesseract-ocr") {
		t.Errorf("pdftotext: %d pages, note %q; want 3 and a note naming the package", len(out.Pages), out.Note)
	}
}

// TestPDFShortPagesNeedNoPdfimages: a born-digital PDF with a short page
// (under 200 letters: a scan with a caption could look so) is told from a
// scan by the Go reader, which sees it draws no image, without running
// pdfimages (a process per document cost more than reading the text);
// a scan's pages still are.
func TestPDFShortPagesNeedNoPdfimages(t *testing.T) {
	requireTool(t, "tesseract")
	requireTool(t, "pdftoppm")
	var asked []string
	look := func(name string) (string, error) {
		asked = append(asked, name)
		return exec.LookPath(name)
	}
	path := filepath.Join(t.TempDir(), "short.pdf")
	if err := os.WriteFile(path, pdfOnePage("BT /F1 12 Tf 72 720 Td (A short page of born-digital text.) Tj ET"), 0o600); err != nil {
		t.Fatal(err)
	}
	x := New(Options{LookPath: look, OCR: ocr.New(ocr.Options{LookPath: look})})
	out, err := x.Extract(context.Background(), Input{Path: path, ContentType: "application/pdf", Filename: "short.pdf"})
	if err != nil || len(out.Pages) != 1 || out.Pages[0].Source != PageText || out.Method != "go-pdf" {
		t.Fatalf("short page: %+v, %v", out, err)
	}
	if slices.Contains(asked, "pdfimages") {
		t.Errorf("pdfimages was looked for: %v", asked)
	}
	// The Go reader tells the mixed PDF's scanned page by its image.
	out, err = extractScan(t, Options{OCR: ocr.New(ocr.Options{})}, "mixed.pdf")
	if err != nil || len(out.Pages) != 2 || out.Pages[0].Source != PageText || out.Pages[1].Source != PageOCR {
		t.Fatalf("mixed: %+v, %v", out.Pages, err)
	}
}

// TestPDFOCRMissingTesseract: with poppler but without tesseract, the
// scanned pages are known as such and the note says they were not read.
func TestPDFOCRMissingTesseract(t *testing.T) {
	requireTool(t, "pdfimages")
	noTesseract := func(name string) (string, error) {
		if name == "tesseract" {
			return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
		}
		return exec.LookPath(name)
	}
	out, err := extractScan(t, Options{PDF: PDFGo, LookPath: noTesseract}, "mixed.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Pages) != 2 || out.Pages[0].Source != PageText || out.Pages[1].Source != PageNone ||
		!strings.Contains(out.Note, "1 pages have no text layer and were not read: OCR is not available: tesseract is not installed") {
		t.Errorf("pages %+v, note %q", out.Pages, out.Note)
	}
}

// TestPDFOCRTimeout: OCR still running near the timeout stops; the text
// pages are kept and the note says which pages were not read.
func TestPDFOCRTimeout(t *testing.T) {
	requireTool(t, "tesseract")
	slow := fakeTool(t, `exec sleep 30`)
	look := func(name string) (string, error) {
		if name == "tesseract" {
			return slow, nil
		}
		return exec.LookPath(name)
	}
	start := time.Now()
	out, err := extractScan(t, Options{PDF: PDFGo, LookPath: look, Limits: Limits{Timeout: 3 * time.Second}}, "mixed.pdf")
	if err != nil {
		t.Fatalf("err %v, want the text page kept", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
	if len(out.Pages) != 2 || out.Pages[0].Source != PageText || out.Pages[1].Source != PageNone ||
		!strings.Contains(out.Note, "OCR stopped at the time limit") || !strings.Contains(out.Note, "pages 2 were") {
		t.Errorf("pages %+v, note %q", out.Pages, out.Note)
	}
	if !strings.Contains(out.Text, "DEFINITIONS") {
		t.Errorf("the text page was lost")
	}
}

// TestPDFOCRTooBig: a page that needs more memory than OCR's limit fails
// the document as its own fault.
func TestPDFOCRTooBig(t *testing.T) {
	requireTool(t, "tesseract")
	requireTool(t, "prlimit")
	_, err := extractScan(t, Options{PDF: PDFGo, OCR: ocr.New(ocr.Options{MaxMemory: 40 << 20})}, "scan.pdf")
	if !errors.Is(err, ErrTooBig) {
		t.Fatalf("err %v, want ErrTooBig", err)
	}
}

func TestTextQuality(t *testing.T) {
	for _, c := range []struct {
		s       string
		letters int
		usable  bool
	}{
		{"Hello, world 42", 12, true},
		{"", 0, true},
		{"  \n 3 \n", 1, true},
		{"\uFFFD\uFFFD\uFFFD ab", 2, false},
		{"Introduction . . . . . . . . . . . . 1", 13, true},
		{"\ue000\ue001\ue002\ue003\ue004 abcd", 4, false},
	} {
		l, u := textQuality(c.s)
		if l != c.letters || u != c.usable {
			t.Errorf("%q: %d %v, want %d %v", c.s, l, u, c.letters, c.usable)
		}
	}
	if got := pageList([]int{1, 2, 3, 5, 7, 8}); got != "1–3, 5, 7–8" {
		t.Errorf("pageList: %q", got)
	}
}

func TestHasText(t *testing.T) {
	for s, want := range map[string]bool{
		"": false, "  \n\f ": false, "12 .": false, "ee": false, "a b c d e f": false, "~~ | —": false,
		"bank invoice": true, "Invoice": true, "Rechnung 2024": true, "税务申报书": true, "ab cd": true,
	} {
		if got := HasText(s); got != want {
			t.Errorf("HasText(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestPDFSearchableCopy: the searchable copy of a mixed PDF keeps its
// born-digital page and has the scanned one upright with a text layer
// that pdftotext reads; the copy lives in TempDir until removed.
func TestPDFSearchableCopy(t *testing.T) {
	requireTool(t, "tesseract")
	requireTool(t, "qpdf")
	tmp := t.TempDir()
	for _, file := range []string{"mixed.pdf", "scan.pdf"} {
		out, err := extractScan(t, Options{PDF: PDFGo, SearchableCopy: true, TempDir: tmp}, file)
		if err != nil {
			t.Fatal(err)
		}
		if out.SearchablePDF == "" || filepath.Dir(out.SearchablePDF) != tmp {
			t.Fatalf("%s: searchable copy %q (note %q), want one in %s", file, out.SearchablePDF, out.Note, tmp)
		}
		info, err := exec.Command("pdfinfo", out.SearchablePDF).Output()
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"mixed.pdf": "Pages:           2", "scan.pdf": "Pages:           3"}[file]
		if !strings.Contains(string(info), want) {
			t.Errorf("%s: copy's pdfinfo:\n%s\nwant %q", file, info, want)
		}
		text, err := exec.Command("pdftotext", out.SearchablePDF, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		pages := strings.Split(strings.TrimSuffix(string(text), "\f"), "\f")
		for i, p := range pages {
			if !strings.Contains(p, "DEFINITIONS") || !strings.Contains(p, "parser") {
				t.Errorf("%s: page %d of the copy lacks the manual's words:\n%s", file, i+1, p)
			}
		}
		if err := os.Remove(out.SearchablePDF); err != nil {
			t.Fatal(err)
		}
	}
	left, _ := os.ReadDir(tmp)
	if len(left) != 0 {
		t.Errorf("left in TempDir: %v", left)
	}
	// Without qpdf: no copy, and a note that says why.
	noQpdf := func(name string) (string, error) {
		if name == "qpdf" {
			return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
		}
		return exec.LookPath(name)
	}
	out, err := extractScan(t, Options{PDF: PDFGo, SearchableCopy: true, TempDir: tmp, LookPath: noQpdf}, "mixed.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if out.SearchablePDF != "" || !strings.Contains(out.Note, "no searchable copy: qpdf is not installed") {
		t.Errorf("without qpdf: copy %q, note %q", out.SearchablePDF, out.Note)
	}
}

// hugePagePDF writes a one-page PDF of 200 × 200 inches whose only
// content is a 300 × 300 grey image stretched over it: a scan by its
// looks, and a bitmap of 40,000 × 40,000 pixels at OCR's least resolution.
func hugePagePDF(t *testing.T) string {
	t.Helper()
	img := bytes.Repeat([]byte{0xff}, 300*300)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
		fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width 300 /Height 300 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream", len(img), img),
		"<< /Length 34 >>\nstream\nq 14400 0 0 14400 0 0 cm /Im0 Do Q\nendstream",
	}
	path := filepath.Join(t.TempDir(), "huge.pdf")
	if err := os.WriteFile(path, pdfBuild(objs...), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPDFHugePage: a page whose bitmap would be 1.6 gigapixels fails the
// document at once as too big, within OCR's memory limit.
func TestPDFHugePage(t *testing.T) {
	requireTool(t, "tesseract")
	requireTool(t, "prlimit")
	path := hugePagePDF(t)
	start := time.Now()
	_, err := New(Options{PDF: PDFGo}).Extract(context.Background(), Input{Path: path, ContentType: "application/pdf", Filename: "huge.pdf"})
	if !errors.Is(err, ErrTooBig) {
		t.Fatalf("err %v, want ErrTooBig", err)
	}
	t.Logf("%v after %v", err, time.Since(start))
}
