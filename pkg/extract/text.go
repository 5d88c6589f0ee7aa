package extract

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// junkPercent is the share of control characters (other than whitespace
// and ESC) above which a "text" file is taken for binary data.
const junkPercent = 5

// extractText reads a plain-text document (text/plain, text/markdown,
// text/csv) in UTF-8, UTF-16 or Windows-1252 and returns it as UTF-8. It
// reads at most twice Limits.MaxTextBytes of the file, which is enough for
// the text that is kept in every supported charset. A file that is mostly
// control bytes is binary data claiming to be text: ErrCorrupt. Nroff
// overstrikes (man pages written to a file) are resolved as col -b does.
func extractText(ctx context.Context, in Input, lim Limits) (Output, error) {
	head, more, err := readHead(in.Path, 2*int64(lim.MaxTextBytes))
	if err != nil {
		return Output{}, err
	}
	if err := ctx.Err(); err != nil {
		return Output{}, err
	}
	enc, body := detectCharset(head, more)
	text, err := decodeBounded(body, enc, lim.MaxTextBytes)
	if err != nil {
		return Output{}, err
	}
	text = stripOverstrikes(text)
	text, junk := cleanControls(text)
	if junk {
		return Output{}, fmt.Errorf("%w: it claims to be text but is mostly control bytes (binary data?)", ErrCorrupt)
	}
	text, truncated := capText(text, lim.MaxTextBytes, more)
	return Output{Text: text, Method: "text", Truncated: truncated}, nil
}

// readHead reads up to max bytes of the file at path; more reports that the
// file goes on.
func readHead(path string, max int64) (head []byte, more bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, fmt.Errorf("open the spooled document: %w", err)
	}
	defer f.Close()
	head, err = io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, false, fmt.Errorf("read the spooled document: %w", err)
	}
	if int64(len(head)) > max {
		return head[:max], true, nil
	}
	return head, false, nil
}

// detectCharset returns the encoding of b (nil for UTF-8) and b without its
// byte-order mark and, when the file was cut (more), without a character
// split by the cut.
func detectCharset(b []byte, more bool) (encoding.Encoding, []byte) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return nil, trimPartialUTF8(b[3:], more)
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), trimPartialUTF16(b[2:], more, false)
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), trimPartialUTF16(b[2:], more, true)
	}
	if bigEndian, ok := looksUTF16(b); ok {
		order := unicode.LittleEndian
		if bigEndian {
			order = unicode.BigEndian
		}
		return unicode.UTF16(order, unicode.IgnoreBOM), trimPartialUTF16(b, more, bigEndian)
	}
	b = trimPartialUTF8(b, more)
	if looksUTF8(b) {
		return nil, b
	}
	// Windows-1252 is a superset of ISO-8859-1's printable characters and
	// is what "Latin-1" text almost always is (the WHATWG treats the two
	// labels as one).
	return charmap.Windows1252, b
}

// looksUTF16 spots UTF-16 without a byte-order mark by the zero high bytes
// of Latin-script text: most odd (LE) or even (BE) bytes are zero while the
// others are not.
func looksUTF16(b []byte) (bigEndian, ok bool) {
	const sample = 4096
	if len(b) > sample {
		b = b[:sample]
	}
	pairs := len(b) / 2
	if pairs < 2 {
		return false, false
	}
	var evenZero, oddZero int
	for i := 0; i+1 < len(b); i += 2 {
		if b[i] == 0 {
			evenZero++
		}
		if b[i+1] == 0 {
			oddZero++
		}
	}
	switch {
	case oddZero*10 >= pairs*4 && evenZero*20 < pairs:
		return false, true
	case evenZero*10 >= pairs*4 && oddZero*20 < pairs:
		return true, true
	}
	return false, false
}

// looksUTF8 reports whether b is UTF-8: valid, or with more well-formed
// multi-byte characters than invalid bytes (a UTF-8 file with a stray
// Latin-1 byte is still UTF-8; a Latin-1 file is never valid UTF-8).
func looksUTF8(b []byte) bool {
	if utf8.Valid(b) {
		return true
	}
	var multi, invalid int
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n == 1:
			invalid++
		case n > 1:
			multi++
		}
		b = b[n:]
	}
	return multi > invalid
}

// trimPartialUTF8 drops an incomplete character at the end of a cut file.
func trimPartialUTF8(b []byte, more bool) []byte {
	if !more {
		return b
	}
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			return b
		}
	}
	return b
}

// trimPartialUTF16 drops an odd byte and a lone high surrogate at the end
// of a cut file.
func trimPartialUTF16(b []byte, more, bigEndian bool) []byte {
	if !more {
		return b
	}
	b = b[:len(b)&^1]
	if len(b) >= 2 {
		hi := b[len(b)-1]
		if bigEndian {
			hi = b[len(b)-2]
		}
		if hi >= 0xD8 && hi <= 0xDB {
			b = b[:len(b)-2]
		}
	}
	return b
}

// decodeBounded converts b from enc (nil: UTF-8) to UTF-8, keeping at most
// max bytes (and one character more, so that the cap is noticed).
func decodeBounded(b []byte, enc encoding.Encoding, max int) (string, error) {
	if enc == nil {
		if len(b) > max+utf8.UTFMax {
			b = b[:max+utf8.UTFMax]
		}
		return string(b), nil
	}
	r := transform.NewReader(bytes.NewReader(b), enc.NewDecoder())
	out, err := io.ReadAll(io.LimitReader(r, int64(max)+utf8.UTFMax))
	if err != nil {
		return "", fmt.Errorf("%w: the text cannot be decoded (%v)", ErrCorrupt, err)
	}
	return string(out), nil
}

// stripOverstrikes resolves nroff's overstrikes as col -b does: a
// backspace moves back one character, and the character written over it
// is the one kept. So "x\bx" (bold) is x, "_\bx" (underline) is x and
// "_\bx\bx" (both) is x. A backspace at the start of a line is dropped.
func stripOverstrikes(s string) string {
	if strings.IndexByte(s, '\b') < 0 {
		return s
	}
	out := make([]byte, 0, len(s))
	last := -1 // where the last character of the line starts in out
	over := false
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\b':
			over = last >= 0
		case over && r != '\n':
			out = append(out[:last], s[i:i+n]...)
			over = false
		default:
			over = false
			last = len(out)
			if r == '\n' {
				last = -1
			}
			out = append(out, s[i:i+n]...)
		}
		i += n
	}
	return string(out)
}

// cleanControls drops control characters other than tab, line breaks and
// form feed, turns CRLF and CR into LF, and reports junk: more than
// junkPercent of the characters were dropped controls, undecodable bytes or
// private-use characters.
func cleanControls(s string) (string, bool) {
	var sb strings.Builder
	sb.Grow(len(s))
	var total, bad int
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		total++
		switch {
		case r == '\r':
			if i+1 >= len(s) || s[i+1] != '\n' {
				sb.WriteByte('\n')
			}
		case r == utf8.RuneError || (r >= 0xE000 && r <= 0xF8FF):
			// Undecodable bytes and private-use characters: what random
			// bytes become in UTF-8 and UTF-16.
			bad++
			sb.WriteString(s[i : i+n])
		case isJunkRune(r):
			if r != 0x1B {
				bad++
			}
		default:
			sb.WriteString(s[i : i+n])
		}
		i += n
	}
	return sb.String(), bad*100 > total*junkPercent
}

// isJunkRune reports a control character that has no place in text.
func isJunkRune(r rune) bool {
	switch r {
	case '\t', '\n', '\f', '\v':
		return false
	}
	return r < 0x20 || r == 0x7F || (r >= 0x80 && r <= 0x9F)
}
