package extract

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

func utf16Bytes(s string, bigEndian, bom bool) []byte {
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	var b []byte
	for _, u := range units {
		if bigEndian {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return b
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

// TestTextCharsets: each charset comes out as the same UTF-8 text, line
// breaks normalised to LF.
func TestTextCharsets(t *testing.T) {
	const want = "Grüße, café naïve €5\nzweite Zeile"
	tests := []struct {
		name string
		data []byte
	}{
		{"utf-8", []byte("Grüße, café naïve €5\nzweite Zeile")},
		{"utf-8 with BOM", append([]byte{0xEF, 0xBB, 0xBF}, "Grüße, café naïve €5\r\nzweite Zeile"...)},
		{"utf-16le with BOM", utf16Bytes("Grüße, café naïve €5\r\nzweite Zeile", false, true)},
		{"utf-16be with BOM", utf16Bytes("Grüße, café naïve €5\nzweite Zeile", true, true)},
		{"utf-16le without BOM", utf16Bytes("Grüße, café naïve €5\nzweite Zeile", false, false)},
		{"windows-1252", []byte("Gr\xfc\xdfe, caf\xe9 na\xefve \x805\r\nzweite Zeile")},
		{"windows-1252 with CR line breaks", []byte("Gr\xfc\xdfe, caf\xe9 na\xefve \x805\rzweite Zeile")},
		{"utf-8 with one stray latin-1 byte", []byte("Grüße, café naïve €5\nzweite Zeile\xe9")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := extractData(t, "text/plain", "notes.txt", tt.data)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			got := strings.TrimSuffix(out.Text, "\uFFFD")
			if got != want || out.Method != "text" || out.Truncated {
				t.Errorf("got %q (method %q, truncated %v); want %q by text", out.Text, out.Method, out.Truncated, want)
			}
		})
	}
}

// TestTextContentTypes: Markdown and CSV are read as text, unchanged.
func TestTextContentTypes(t *testing.T) {
	for _, tt := range []struct{ ct, name, data string }{
		{"text/markdown", "README.md", "# Title\n\n* item *one*\n"},
		{"text/csv", "people.csv", "name,city\nAlice,Zürich\n"},
	} {
		t.Run(tt.ct, func(t *testing.T) {
			out, err := extractData(t, tt.ct, tt.name, []byte(tt.data))
			if err != nil || out.Text != tt.data || out.Method != "text" {
				t.Fatalf("got %q, %q, %v; want %q by text", out.Text, out.Method, err, tt.data)
			}
		})
	}
}

// TestTextJunk: binary data claiming to be text is ErrCorrupt; a few
// control characters in real text are dropped, not an error.
func TestTextJunk(t *testing.T) {
	pngHead := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), randomBytes(4000, 7)...)
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"random bytes", randomBytes(64<<10, 1)},
		{"zeros (valid UTF-8)", make([]byte, 10000)},
		{"a PNG", pngHead},
		{"random bytes after a UTF-16 BOM", append([]byte{0xFF, 0xFE}, randomBytes(8000, 3)...)},
		{"random bytes after a UTF-8 BOM", append([]byte{0xEF, 0xBB, 0xBF}, randomBytes(8000, 4)...)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := extractData(t, "text/plain", "junk.txt", tt.data)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err = %v (text %d bytes); want ErrCorrupt", err, len(out.Text))
			}
		})
	}
	t.Run("ANSI colours in a log", func(t *testing.T) {
		data := []byte(strings.Repeat("\x1b[31merror\x1b[0m: disk full on /dev/sda1\n", 50) + "bell\x07 here\n")
		out, err := extractData(t, "text/plain", "build.log", data)
		if err != nil {
			t.Fatalf("Extract: %v", err)
		}
		if strings.ContainsAny(out.Text, "\x1b\x07") || !strings.Contains(out.Text, "[31merror[0m: disk full") || !strings.Contains(out.Text, "bell here") {
			t.Errorf("control characters not dropped cleanly: %q", out.Text[:80])
		}
	})
}

// TestTextEmpty: an empty file, or one of whitespace, is empty text.
func TestTextEmpty(t *testing.T) {
	for _, data := range []string{"", "\xEF\xBB\xBF", "\xFF\xFE"} {
		out, err := extractData(t, "text/plain", "empty.txt", []byte(data))
		if err != nil || out.Text != "" {
			t.Errorf("%q: got %q, %v; want empty text, no error", data, out.Text, err)
		}
	}
}

// TestTextLarge: a file larger than twice MaxTextBytes is read only that
// far, the text cut at MaxTextBytes on a character boundary.
func TestTextLarge(t *testing.T) {
	const max = 64 << 10
	tests := []struct {
		name string
		data []byte
	}{
		{"utf-8", bytes.Repeat([]byte("naïve café €\n"), 50000)},
		{"utf-16le", utf16Bytes(strings.Repeat("naïve café €\n", 50000), false, true)},
		{"windows-1252", bytes.Repeat([]byte("na\xefve caf\xe9 \x80\n"), 50000)},
	}
	e := New(Options{Limits: Limits{MaxTextBytes: max}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := extractDataWith(t, e, "text/plain", "big.txt", tt.data)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if !out.Truncated || len(out.Text) > max || len(out.Text) < max-16 {
				t.Fatalf("Truncated %v, %d bytes; want truncated at about %d", out.Truncated, len(out.Text), max)
			}
			if !strings.HasPrefix(out.Text, "naïve café €\nnaïve") || strings.Contains(out.Text, "\uFFFD") {
				t.Errorf("text is not the file's start, cleanly cut: %q…", out.Text[:40])
			}
		})
	}
}

// TestTextReadsOnlyTheHead: of a 1 GiB file whose first 256 KiB are text
// and the rest zeros (sparse), only the head is read: the text is cut at
// MaxTextBytes, and the zeros (which would make it junk) are never seen.
func TestTextReadsOnlyTheHead(t *testing.T) {
	const max = 64 << 10
	p := filepath.Join(t.TempDir(), "huge.txt")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(bytes.Repeat([]byte("line of text\n"), 256<<10/13)); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	e := New(Options{Limits: Limits{MaxTextBytes: max}})
	out, err := e.Extract(context.Background(), Input{Path: p, ContentType: "text/plain", Filename: "huge.txt"})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if !out.Truncated || len(out.Text) > max || !strings.HasPrefix(out.Text, "line of text\nline") {
		t.Fatalf("Truncated %v, %d bytes; want the head, truncated at %d", out.Truncated, len(out.Text), max)
	}
}

// TestTextOverstrikes: a manual page with nroff overstrikes (groff -man
// -Tutf8 -P-c, testdata/overstrike.1: bold, underline, both, on UTF-8
// letters) is its text, as col -bx gives it; and the cases col -b
// handles so: the character written last is kept.
func TestTextOverstrikes(t *testing.T) {
	want := string(readFixture(t, "overstrike.col-bx.txt"))
	out, err := extractFixture(t, New(Options{}), "text/plain", "overstrike.txt")
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if out.Text != want || out.Method != "text" {
		t.Errorf("got %q by %q; want %q by text", out.Text, out.Method, want)
	}
	for _, line := range []string{"NAME", "       vault [OPTION]... FILE...", "       -q, --quiet"} {
		if !strings.Contains(out.Text, "\n"+line+"\n") {
			t.Errorf("no line %q in:\n%s", line, out.Text)
		}
	}
	assertInOrder(t, out.Text, "the café of naïve résumés", "bold italic words")

	for _, tt := range []struct{ in, want string }{
		{"B\bBo\bol\bld\bd", "Bold"},
		{"_\bu_\bn_\bd_\be_\br", "under"},
		{"_\bx\bx", "x"},
		{"a\b_", "_"},
		{"\bstart", "start"},
		{"end\b\nnext", "end\nnext"},
		{"é\bé ü\bü", "é ü"},
	} {
		if got := stripOverstrikes(tt.in); got != tt.want {
			t.Errorf("stripOverstrikes(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
