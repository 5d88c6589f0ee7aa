package extract

import (
	"errors"
	"io"
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
