package usertext_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/docuvault/docuvault/pkg/usertext"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name      string
		in        string
		line      bool // CheckLine accepts it
		text      bool // CheckText accepts it
		wantRune  rune
		wantWords string
	}{
		{"plain", "Invoices 2026", true, true, 0, ""},
		{"accents and CJK", "Rechnungen für Zoë 請求書", true, true, 0, ""},
		{"emoji family (ZWJ between pictographs)", "home \U0001F468\u200d\U0001F469\u200d\U0001F467", true, true, 0, ""},
		{"heart with variation selector and ZWJ", "\u2764\ufe0f\u200d\U0001F525", true, true, 0, ""},
		{"NUL", "n\u0000", false, false, 0, "a NUL byte"},
		{"escape", "a\x1b[31m", false, false, 0x1b, "a control character"},
		{"DEL", "a\x7f", false, false, 0x7f, "a control character"},
		{"C1 control", "a\u0085b", false, false, 0x85, "a control character"},
		{"tab", "a\tb", false, true, '\t', "a control character"},
		{"line feed", "a\nb", false, true, '\n', "a control character"},
		{"line separator", "a\u2028b", false, false, 0x2028, "a line or paragraph separator"},
		{"right-to-left override", "invoice\u202efdp.exe", false, false, 0x202e, "a bidirectional-text control"},
		{"isolate", "a\u2066b", false, false, 0x2066, "a bidirectional-text control"},
		{"right-to-left mark", "a\u200fb", false, false, 0x200f, "a bidirectional-text control"},
		{"zero-width space", "ta\u200bxes", false, false, 0x200b, "an invisible formatting character"},
		{"zero-width joiner between letters", "a\u200dnn", false, false, 0x200d, "an invisible formatting character"},
		{"zero-width non-joiner", "a\u200cb", false, false, 0x200c, "an invisible formatting character"},
		{"word joiner", "a\u2060b", false, false, 0x2060, "an invisible formatting character"},
		{"byte-order mark", "\ufeffname", false, false, 0xfeff, "an invisible formatting character"},
		{"soft hyphen", "in\u00advoice", false, false, 0xad, "an invisible formatting character"},
		{"invalid UTF-8", "a\xffb", false, false, utf8.RuneError, "not valid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []struct {
				fn   func(string, string) error
				name string
				ok   bool
			}{{usertext.CheckLine, "CheckLine", tc.line}, {usertext.CheckText, "CheckText", tc.text}} {
				err := c.fn("name", tc.in)
				if c.ok {
					if err != nil {
						t.Errorf("%s(%q) = %v, want nil", c.name, tc.in, err)
					}
					continue
				}
				var e *usertext.Error
				if !errors.Is(err, usertext.ErrInvalid) || !errors.As(err, &e) {
					t.Fatalf("%s(%q) = %v, want an *Error wrapping ErrInvalid", c.name, tc.in, err)
				}
				if e.Field != "name" || e.Rune != tc.wantRune || !strings.Contains(e.Msg, tc.wantWords) || !strings.HasPrefix(e.Msg, "name ") {
					t.Errorf("%s(%q) = %+v, want rune %U and %q in a message about name", c.name, tc.in, e, tc.wantRune, tc.wantWords)
				}
			}
		})
	}
}

// FuzzCheckLine: whatever CheckLine accepts is valid UTF-8 without NUL or
// any other character Refused reports, outside an emoji join.
func FuzzCheckLine(f *testing.F) {
	for _, s := range []string{"", "Invoices", "n\x00", "a\u202eb", "\U0001F468\u200d\U0001F469", "a\u200db", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if usertext.CheckLine("s", s) != nil {
			return
		}
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			t.Fatalf("CheckLine accepted %q", s)
		}
		for _, r := range s {
			if usertext.Refused(r) && r != '\u200d' {
				t.Fatalf("CheckLine accepted %q with %U", s, r)
			}
		}
	})
}

// CleanName trims and NFC-normalises a name, and refuses one that is not
// UTF-8, empty, too long or holding a refused character, naming the field.
func TestCleanName(t *testing.T) {
	got, err := usertext.CleanName("folder name", "  Cafe\u0301 ", 10)
	if err != nil || got != "Café" {
		t.Fatalf("CleanName: %q, %v; want \"Café\"", got, err)
	}
	for in, want := range map[string]string{
		"\xff":        "folder name is not valid UTF-8",
		"   ":         "folder name is empty: give it a name of 1 to 10 characters",
		"abcdefghijk": "folder name is 11 characters long: use at most 10",
		"a\u202eb":    "", // CheckLine's message, whatever it says
	} {
		_, err := usertext.CleanName("folder name", in, 10)
		var e *usertext.Error
		if !errors.As(err, &e) || !errors.Is(err, usertext.ErrInvalid) || e.Field != "folder name" {
			t.Errorf("CleanName(%q): %v, want a *usertext.Error for folder name", in, err)
			continue
		}
		if want != "" && err.Error() != want {
			t.Errorf("CleanName(%q): %q, want %q", in, err, want)
		}
	}
}
