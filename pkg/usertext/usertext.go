package usertext

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ErrInvalid is what every *Error unwraps to.
var ErrInvalid = errors.New("invalid text")

// Error says which input is at fault and why; errors.Is(err, ErrInvalid)
// is true.
type Error struct {
	Field string // the caller's name for the input, e.g. "name"
	Rune  rune   // the character refused; utf8.RuneError for invalid UTF-8
	Msg   string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return ErrInvalid }

// CheckLine checks one line of text (a name, a handle): it returns nil, or
// an *Error naming field when s is not valid UTF-8 or holds a character
// that Refused reports (tab and line breaks included).
func CheckLine(field, s string) error { return check(field, s, false) }

// CleanName returns a name as it is stored — spaces trimmed at both ends,
// Unicode NFC — or an *Error naming field ("folder name", "view name"):
// not valid UTF-8, empty, longer than max characters, or refused by
// CheckLine.
func CleanName(field, name string, max int) (string, error) {
	if !utf8.ValidString(name) {
		return "", &Error{Field: field, Rune: utf8.RuneError, Msg: fmt.Sprintf("%s is not valid UTF-8", field)}
	}
	name = norm.NFC.String(strings.TrimSpace(name))
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", &Error{Field: field, Msg: fmt.Sprintf("%s is empty: give it a name of 1 to %d characters", field, max)}
	case n > max:
		return "", &Error{Field: field, Msg: fmt.Sprintf("%s is %d characters long: use at most %d", field, n, max)}
	}
	if err := CheckLine(field, name); err != nil {
		return "", err
	}
	return name, nil
}

// CheckText checks free text (a description, a match rule) like CheckLine,
// except that tab, line feed and carriage return are allowed.
func CheckText(field, s string) error { return check(field, s, true) }

func check(field, s string, multiline bool) error {
	if !utf8.ValidString(s) {
		return &Error{Field: field, Rune: utf8.RuneError, Msg: fmt.Sprintf("%s is not valid UTF-8 text", field)}
	}
	prev := rune(-1)
	for i, r := range s {
		if multiline && (r == '\t' || r == '\n' || r == '\r') {
			prev = r
			continue
		}
		if r == zwj && emojiJoin(prev, s[i+len(string(zwj)):]) {
			prev = r
			continue
		}
		if Refused(r) {
			return &Error{Field: field, Rune: r, Msg: fmt.Sprintf("%s contains %s (%U): use printable characters only", field, describe(r), r)}
		}
		prev = r
	}
	return nil
}

const zwj = '\u200d'

// emojiJoin reports whether a zero-width joiner between prev and the text
// after it joins two pictographs (as in a family emoji), the one use of an
// invisible character that names keep.
func emojiJoin(prev rune, after string) bool {
	next, _ := utf8.DecodeRuneInString(after)
	pict := func(r rune) bool { return r > 0x2000 && (unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r)) }
	return (pict(prev) || prev == '\ufe0f') && pict(next)
}

// Refused reports the characters no checked text may hold: control
// characters (NUL included), the line and paragraph separators, the
// bidirectional controls (U+061C, U+200E–U+200F, U+202A–U+202E,
// U+2066–U+2069), and every other invisible format character (Unicode
// category Cf: zero-width space, joiners, word joiner, byte-order mark, tags).
func Refused(r rune) bool {
	switch {
	case unicode.IsControl(r), r == '\u2028', r == '\u2029':
		return true
	case unicode.Is(unicode.Cf, r):
		return true
	}
	return false
}

func describe(r rune) string {
	switch {
	case r == 0:
		return "a NUL byte"
	case unicode.IsControl(r):
		return "a control character"
	case r == '\u2028' || r == '\u2029':
		return "a line or paragraph separator"
	case r == '\u061c', r == '\u200e', r == '\u200f', r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return "a bidirectional-text control"
	}
	return "an invisible formatting character"
}
