package extract

import (
	"strings"
	"unicode/utf8"
)

// textBuf accumulates extracted text up to a byte cap, so that an extractor
// can stop reading as soon as it has all the text that will be kept. It
// also shapes the whitespace that the structured formats produce: line
// breaks are never doubled and spaces or tabs never end a line.
type textBuf struct {
	b         []byte
	max       int
	truncated bool
}

func newTextBuf(max int) *textBuf {
	return &textBuf{max: max}
}

// full reports whether the cap was reached: the extractor may stop.
func (t *textBuf) full() bool { return t.truncated }

// write appends s, cutting it at the cap on a character boundary.
func (t *textBuf) write(s string) {
	if t.truncated || s == "" {
		return
	}
	room := t.max - len(t.b)
	if len(s) <= room {
		t.b = append(t.b, s...)
		return
	}
	for room > 0 && !utf8.RuneStart(s[room]) {
		room--
	}
	t.b = append(t.b, s[:room]...)
	t.truncated = true
}

// writeRune appends r.
func (t *textBuf) writeRune(r rune) {
	var enc [utf8.UTFMax]byte
	n := utf8.EncodeRune(enc[:], r)
	t.write(string(enc[:n]))
}

// space appends one space unless the text is empty or already ends in
// whitespace.
func (t *textBuf) space() {
	if n := len(t.b); n > 0 && !isSpaceByte(t.b[n-1]) {
		t.write(" ")
	}
}

// tab appends a tab (a table cell's end) unless at the start of a line.
func (t *textBuf) tab() {
	t.trimRight(" ")
	if n := len(t.b); n > 0 && t.b[n-1] != '\n' {
		t.write("\t")
	}
}

// newline ends the current line: trailing spaces and tabs are dropped and no
// empty line is produced.
func (t *textBuf) newline() {
	t.trimRight(" \t")
	if n := len(t.b); n > 0 && t.b[n-1] != '\n' {
		t.write("\n")
	}
}

// atLineStart reports whether the next text starts a line.
func (t *textBuf) atLineStart() bool {
	return len(t.b) == 0 || t.b[len(t.b)-1] == '\n'
}

func (t *textBuf) trimRight(cut string) {
	for len(t.b) > 0 && strings.IndexByte(cut, t.b[len(t.b)-1]) >= 0 {
		t.b = t.b[:len(t.b)-1]
	}
}

// String returns the text with a trailing line break removed.
func (t *textBuf) String() string {
	t.trimRight(" \t\n")
	return string(t.b)
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}
