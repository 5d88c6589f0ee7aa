package extract

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPDFCapWriter checks the limit on pdftotext's output both ways
// os/exec may feed it: Write, and ReadFrom (which io.Copy prefers).
func TestPDFCapWriter(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		max     int
		want    string
		wantErr bool
	}{
		{"empty", "", 10, "", false},
		{"under", "hello", 10, "hello", false},
		{"exactly", "0123456789", 10, "0123456789", false},
		{"one over", "0123456789A", 10, "0123456789", true},
		{"far over", strings.Repeat("x", 100000), 1000, strings.Repeat("x", 1000), true},
		{"no room", "x", 0, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// io.Copy from a plain reader uses ReadFrom.
			w := &pdfCapWriter{max: tc.max}
			_, err := io.Copy(w, struct{ io.Reader }{strings.NewReader(tc.in)})
			if got := w.buf.String(); got != tc.want || w.over != tc.wantErr || errors.Is(err, errPDFCapReached) != tc.wantErr {
				t.Errorf("ReadFrom: kept %d bytes, over %v, err %v; want %d bytes, over %v", len(got), w.over, err, len(tc.want), tc.wantErr)
			}
			// Small writes, as from a pipe read in pieces.
			w = &pdfCapWriter{max: tc.max}
			err = nil
			for i := 0; i < len(tc.in) && err == nil; i += 7 {
				_, err = w.Write([]byte(tc.in[i:min(i+7, len(tc.in))]))
			}
			if got := w.buf.String(); got != tc.want || w.over != tc.wantErr || errors.Is(err, errPDFCapReached) != tc.wantErr {
				t.Errorf("Write: kept %d bytes, over %v, err %v; want %d bytes, over %v", len(got), w.over, err, len(tc.want), tc.wantErr)
			}
		})
	}
}

// TestPDFCapWriterDiscard: with discard set (pdftotext's stderr) the
// writer keeps the first max bytes and accepts the rest without an error,
// both through ReadFrom and through Write.
func TestPDFCapWriterDiscard(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       string
		max      int
		want     string
		wantOver bool
	}{
		{"under", "hello", 10, "hello", false},
		{"exactly", "0123456789", 10, "0123456789", false},
		{"one over", "0123456789A", 10, "0123456789", true},
		{"far over", strings.Repeat("x", 200<<10), 1000, strings.Repeat("x", 1000), true},
		{"no room", "x", 0, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &pdfCapWriter{max: tc.max, discard: true}
			n, err := io.Copy(w, struct{ io.Reader }{strings.NewReader(tc.in)})
			if err != nil || n != int64(len(tc.in)) || w.buf.String() != tc.want || w.over != tc.wantOver {
				t.Errorf("ReadFrom: read %d of %d bytes, kept %d, over %v, err %v; want all read, %d kept, over %v", n, len(tc.in), w.buf.Len(), w.over, err, len(tc.want), tc.wantOver)
			}
			w = &pdfCapWriter{max: tc.max, discard: true}
			for i := 0; i < len(tc.in); i += 7 {
				piece := tc.in[i:min(i+7, len(tc.in))]
				if n, err := w.Write([]byte(piece)); err != nil || n != len(piece) {
					t.Fatalf("Write at %d: %d, %v; want %d, nil", i, n, err, len(piece))
				}
			}
			if w.buf.String() != tc.want || w.over != tc.wantOver {
				t.Errorf("Write: kept %d bytes, over %v; want %d, over %v", w.buf.Len(), w.over, len(tc.want), tc.wantOver)
			}
		})
	}
}

// TestPdftotextNoisyStderr: a readable PDF whose content stream has
// thousands of unknown operators makes pdftotext write over 200 KiB of
// "Syntax Error" warnings to stderr. Its text is still extracted: stderr
// past the cap is dropped, not cut off (which killed pdftotext with
// SIGPIPE and reported the document damaged).
func TestPdftotextNoisyStderr(t *testing.T) {
	tool := pdfRequirePdftotext(t)
	content := "BT /F1 12 Tf 72 720 Td (Noisy but readable) Tj ET\n" + strings.Repeat("bogus\n", 5000)
	path := filepath.Join(t.TempDir(), "noisy.pdf")
	if err := os.WriteFile(path, pdfOnePage(content), 0o600); err != nil {
		t.Fatal(err)
	}
	// The premise: this pdftotext does warn past the cap.
	var stderr bytes.Buffer
	cmd := exec.Command(tool, "-enc", "UTF-8", path, os.DevNull)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pdftotext with stderr read in full: %v\n%s", err, stderr.String()[:min(stderr.Len(), 500)])
	}
	if stderr.Len() <= pdftotextStderrMax || !strings.Contains(stderr.String(), "Unknown operator 'bogus'") {
		t.Fatalf("pdftotext wrote %d bytes of warnings; the test needs over %d", stderr.Len(), pdftotextStderrMax)
	}

	out, err := extractPDFPdftotext(context.Background(), tool, Input{Path: path, ContentType: "application/pdf"}, DefaultLimits())
	if err != nil {
		t.Fatalf("extractPDFPdftotext: %v", err)
	}
	if got := strings.TrimSpace(out.Text); got != "Noisy but readable" || out.Method != "pdftotext" || out.Truncated {
		t.Errorf("got %q by %q, truncated %v; want \"Noisy but readable\" by pdftotext, not truncated", got, out.Method, out.Truncated)
	}
}

// TestPdftotextUnderLimits: pdftotext runs under the memory limit (issue
// 20, D1: a PDF of millions of text operators took it to 3 GB), and going
// over it is the document's fault, ErrTooBig, which the worker does not
// retry. A limit far below what pdftotext needs to start stands in for
// such a PDF.
func TestPdftotextUnderLimits(t *testing.T) {
	tool := pdfRequirePdftotext(t)
	if _, err := exec.LookPath("prlimit"); err != nil {
		t.Fatal("prlimit (util-linux, installed by scripts/services.sh) is not installed")
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdfOnePage("BT /F1 12 Tf 72 720 Td (Bounded) Tj ET"), 0o600); err != nil {
		t.Fatal(err)
	}
	lim := DefaultLimits()
	if out, err := extractPDFPdftotext(context.Background(), tool, Input{Path: path}, lim); err != nil || strings.TrimSpace(out.Text) != "Bounded" {
		t.Fatalf("with the default limits: %q, %v", out.Text, err)
	}
	lim.ToolMemory = 4 << 20
	_, err := extractPDFPdftotext(context.Background(), tool, Input{Path: path}, lim)
	if !errors.Is(err, ErrTooBig) || !strings.Contains(err.Error(), "needed more than 4 MiB") {
		t.Fatalf("under 4 MiB: %v, want ErrTooBig saying so", err)
	}
}
