package extract

import (
	"errors"
	"strings"
	"testing"
)

// TestRTF: control words, groups, code pages, Unicode and ignored
// destinations.
func TestRTF(t *testing.T) {
	tests := []struct {
		name, rtf, want string
	}{
		{"paragraphs, lines and tabs", `{\rtf1\ansi one\par two\line three\tab four\par}`, "one\ntwo\nthree\tfour"},
		{"hex escapes in the default code page 1252", `{\rtf1\ansi caf\'e9 na\'efve \'80 \'93q\'94}`, "café naïve € “q”"},
		{"ansicpg 1251", `{\rtf1\ansi\ansicpg1251 \'cf\'f0\'e8\'e2\'e5\'f2}`, "Привет"},
		{"ansicpg 1253", `{\rtf1\ansi\ansicpg1253 \'e1\'e2\'e3}`, "αβγ"},
		{"mac code page", `{\rtf1\mac caf\'8e}`, "café"},
		{"Shift-JIS double-byte code page", `{\rtf1\ansi\ansicpg932 \'82\'a0\'82\'a2 \'b1}`, "あい ｱ"},
		{"font charset over the document's code page", `{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fcharset0 Arial;}{\f1\fcharset204 Arial Cyr;}}\f1 \'cf\'f0\'e8\f0  caf\'e9}`, "При café"},
		{"unicode with the default one-character fallback", `{\rtf1 \u1055?\u1088?\u1080?}`, "При"},
		{"unicode with \\uc2 and hex fallbacks", `{\rtf1 \uc2\u8364\'80\'80 5}`, "€ 5"},
		{"unicode with \\uc0", `{\rtf1 \uc0\u233 t\u233}`, "été"},
		{"negative unicode and a surrogate pair", `{\rtf1 \u-3913?\u-10179?\u-8704?}`, "\uF0B7😀"},
		{"fallback skip ends at a group", `{\rtf1 \uc3\u233{x}y}`, "éxy"},
		{"escaped braces and backslash", `{\rtf1 a\{b\}c\\d}`, "a{b}c\\d"},
		{"symbols", `{\rtf1 \ldblquote q\rdblquote\emdash x\endash y\bullet z\~w}`, "“q”—x–y•z\u00a0w"},
		{"table cells and rows", `{\rtf1 \trowd\cellx1000\cellx2000 A\cell B\cell\row C\cell D\cell\row}`, "A\tB\nC\tD"},
		{
			"ignored destinations",
			`{\rtf1\ansi{\fonttbl{\f0 Times;}}{\colortbl;\red0\green0\blue0;}{\stylesheet{\s0 Normal;}}` +
				`{\info{\title Secret title}{\author Someone}}{\*\generator Writer}{\*\unknown stuff}` +
				`Body {\pict\pngblip 89504e470d0a}{\object{\*\objdata 0102}}{\field{\*\fldinst HYPERLINK "http://x"}{\fldrslt link text}} end}`,
			"Body link text end",
		},
		{"binary data skipped", "{\\rtf1 a{\\*\\blip\\bin6 {}}\\\\x}b}", "ab"},
		{"hidden text", `{\rtf1 shown{\v hidden} \v gone\v0 back}`, "shown back"},
		{"list labels", `{\rtf1 {\listtext\'95\tab}item\par{\pntext 1.\tab}next}`, "item\nnext"},
		{"line breaks in the source are not text", "{\\rtf1 a\r\nb\\\r\nc}", "ab\nc"},
		{"text after the closing brace is ignored", `{\rtf1 in}out`, "in"},
		{"a cut document keeps its text", `{\rtf1 {\b partial text`, "partial text"},
		{"empty", `{\rtf1}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := extractData(t, "text/rtf", "doc.rtf", []byte(tt.rtf))
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if out.Text != tt.want || out.Method != "rtf" {
				t.Errorf("got %q by %q; want %q by rtf", out.Text, out.Method, tt.want)
			}
		})
	}
}

// TestRTFBad: not RTF, or nested deeper than maxRTFDepth, is ErrCorrupt;
// nesting up to the limit is fine.
func TestRTFBad(t *testing.T) {
	deep := func(n int) []byte {
		return []byte(`{\rtf1 ` + strings.Repeat("{", n) + "deep" + strings.Repeat("}", n) + "}")
	}
	t.Run("nesting at the limit", func(t *testing.T) {
		out, err := extractData(t, "text/rtf", "deep.rtf", deep(maxRTFDepth-1))
		if err != nil || out.Text != "deep" {
			t.Fatalf("got %q, %v; want \"deep\"", out.Text, err)
		}
	})
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"nesting past the limit", deep(maxRTFDepth + 1)},
		{"a million open braces", []byte(`{\rtf1 ` + strings.Repeat("{", 1<<20))},
		{"not RTF", []byte("plain text pretending to be RTF")},
		{"empty file", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extractData(t, "text/rtf", "bad.rtf", tt.data)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err = %v; want ErrCorrupt", err)
			}
		})
	}
}
