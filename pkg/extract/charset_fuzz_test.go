package extract

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzCharset checks the text extractor's charset handling with properties
// stronger than FuzzText's:
//
//   - plain text (no controls but tab, LF, VT and FF; no private-use
//     characters, U+FFFD or U+FEFF) written as UTF-8, UTF-8 with a BOM, or
//     UTF-16 LE/BE with a BOM reads back exactly;
//   - any bytes, cut at a small MaxTextBytes, give valid UTF-8 without NUL
//     within the limit, or ErrCorrupt;
//   - every code page an RTF file can name (\ansicpg, \fcharset) decodes
//     any byte and byte pair to valid UTF-8.
func FuzzCharset(f *testing.F) {
	f.Add("hello, world\n", []byte("caf\xe9"), uint8(0), uint16(1252))
	f.Add("Grüße, Ελληνικά, 日本語\tend", []byte("\xff\xfeA\x00\x00\xd8"), uint8(2), uint16(932))
	f.Add("€ ½ ﬁ 😀\f\v", []byte("\xef\xbb\xbf\xe2\x82"), uint8(3), uint16(936))
	f.Add("", []byte{0, 'a', 0, 'b', 0, 'c', 0xd8, 0x3d}, uint8(1), uint16(128))
	f.Add("a\u00a0b", []byte("\x82\xa0\x82"), uint8(2), uint16(949))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text string, raw []byte, form uint8, cp uint16) {
		if plainText(text) {
			data := encodeText(text, form)
			out, err := fuzzReadText(t, dir, data, 1<<20)
			if err != nil {
				t.Fatalf("%q as %s: %v", text, textForms[int(form)%len(textForms)], err)
			}
			if out.Text != text {
				t.Fatalf("%q as %s (% x) reads back as %q", text, textForms[int(form)%len(textForms)], data, out.Text)
			}
		}

		max := 1 + int(cp)%64
		out, err := fuzzReadText(t, dir, raw, max)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("% x at %d bytes: error %v wraps no ErrCorrupt", raw, max, err)
			}
		} else if len(out.Text) > max || !utf8.ValidString(out.Text) || strings.ContainsRune(out.Text, 0) {
			t.Fatalf("% x at %d bytes: %q", raw, max, out.Text)
		}

		for _, page := range []int{int(cp), charsetCodePage(int(cp) % 256)} {
			for _, b := range raw[:min(len(raw), 16)] {
				if r := decodeSingleByte(page, b); !utf8.ValidRune(r) {
					t.Fatalf("code page %d, byte %#x: %U", page, b, r)
				}
			}
			if len(raw) >= 2 {
				if s := decodeCodePageBytes(page, raw[:2]); !utf8.ValidString(s) {
					t.Fatalf("code page %d, % x: %q", page, raw[:2], s)
				}
			}
		}
	})
}

var textForms = []string{"UTF-8", "UTF-8 with BOM", "UTF-16LE with BOM", "UTF-16BE with BOM"}

// plainText reports whether the text extractor must keep s as it is.
func plainText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\v' || r == '\f':
		case unicode.IsControl(r), r == utf8.RuneError, r == 0xFEFF, r >= 0xE000 && r <= 0xF8FF:
			return false
		}
	}
	return true
}

func encodeText(s string, form uint8) []byte {
	switch int(form) % len(textForms) {
	case 1:
		return append([]byte("\xEF\xBB\xBF"), s...)
	case 2:
		return utf16Bytes(s, false, true)
	case 3:
		return utf16Bytes(s, true, true)
	}
	return []byte(s)
}

// fuzzReadText runs extractText on data, with text cut at max bytes.
func fuzzReadText(t *testing.T, dir string, data []byte, max int) (Output, error) {
	p := filepath.Join(dir, "text")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	lim := fuzzLimits()
	lim.MaxTextBytes = max
	return extractText(context.Background(), Input{Path: p, Size: int64(len(data)), ContentType: "text/plain"}, lim)
}
