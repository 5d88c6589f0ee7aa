package extract

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzPDFGo feeds arbitrary bytes, written to a file, to the pure-Go PDF
// extractor. Properties: no panic (the reader is written not to panic; one
// caught by its recover is re-run without it, so the fuzzer reports the
// stack), at most fuzzMaxAlloc allocated, the text stays within
// MaxTextBytes and is valid UTF-8, and every error wraps one of the
// package's sentinels. Inputs that once failed are
// kept in testdata/fuzz/FuzzPDFGo as regression seeds.
//
// The seeds include real PDFs of 6–80 KB; the fuzzer minimizes every new
// input before going on, which on inputs that large takes most of its time,
// so a short run is best given -fuzzminimizetime 5s:
//
//	go test -run XXX -fuzz FuzzPDFGo -fuzztime 60s -fuzzminimizetime 5s ./pkg/extract/
func FuzzPDFGo(f *testing.F) {
	for _, name := range []string{"groff-ms.pdf", "libreoffice.pdf", "pdflatex.pdf", "cairo-multilingual.pdf", "encrypted.pdf", "truncated.pdf"} {
		data, err := os.ReadFile(pdfFixturePath(f, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(pdfOnePage("BT /F1 12 Tf 72 700 Td [(Hello) -600 (World)] TJ ET"))
	f.Add(pdfBuild(pdfTestCatalog, pdfTestPages, pdfTestPage, pdfTestHelvetica,
		pdfStreamObj("/Filter /FlateDecode", pdfDeflate([]byte("BT /F1 12 Tf 72 700 Td (Compressed) Tj ET")))))
	f.Add([]byte("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"))
	lim := Limits{MaxTextBytes: 64 << 10, Timeout: 20 * time.Second, MaxZipUncompressed: 64 << 20}.withDefaults()
	e := New(Options{PDF: PDFGo, Limits: lim, LookPath: pdfNoTool})
	sentinels := []error{ErrCorrupt, ErrEncrypted, ErrTooBig, ErrTimeout}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f.pdf")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		out, err := e.Extract(context.Background(), Input{Path: path, ContentType: "application/pdf"})
		runtime.ReadMemStats(&after)
		if n := after.TotalAlloc - before.TotalAlloc; n > fuzzMaxAlloc {
			t.Fatalf("%d MB allocated for %d bytes of input (err %v)", n>>20, len(data), err)
		}
		if err != nil {
			if strings.Contains(err.Error(), "failed on it") {
				// A recovered panic: run again without the recover.
				_, _ = pdfReadText(context.Background(), data, lim)
				t.Fatalf("recovered panic: %v", err)
			}
			if !pdfWrapsAny(err, sentinels) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		if len(out.Text) > lim.MaxTextBytes || !utf8.ValidString(out.Text) {
			t.Fatalf("text of %d bytes (valid UTF-8: %v)", len(out.Text), utf8.ValidString(out.Text))
		}
		if out.Method != "go-pdf" {
			t.Fatalf("Method %q", out.Method)
		}
	})
}

func pdfWrapsAny(err error, targets []error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
