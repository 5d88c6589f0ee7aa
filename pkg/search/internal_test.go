package search

import (
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func TestLexemes(t *testing.T) {
	for in, want := range map[string][]string{
		`'oil' & 'price'`:          {"oil", "price"},
		`!'oil' & 'gas'`:           {"gas"},
		`'oil' <-> 'price'`:        {"oil", "price"},
		`!'a'`:                     nil,
		``:                         nil,
		`'it''s' & 'x'`:            {"it's", "x"},
		`( 'a' | 'b' ) & !'c'`:     {"a", "b"},
		`!( 'a' & 'b' ) & 'c':*`:   {"a", "b", "c"}, // only a directly negated lexeme is left out: these are hints for a passage
		`'oil':* & 'c':AB & !'d'`:  {"oil", "c"},
		`'unterminated`:            {"unterminated"},
		`'x' & !'y' & 'z' & !'w'`:  {"x", "z"},
		`'x' & 'x' & 'y'`:          {"x", "y"},
		`'ü' & 'naïve'`:            {"ü", "naïve"},
		`'back\\slash' & 'x'`:      {`back\slash`, "x"},
		`'q\'' & 'x'`:              {"q'", "x"},
		`'spaced out' & 'x'`:       {"spaced out", "x"},
		`   'lead'`:                {"lead"},
		`!'neg' | 'pos' & !'more'`: {"pos"},
	} {
		if got := lexemes(in); strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
			t.Errorf("lexemes(%q) = %q, want %q", in, got, want)
		}
	}
	for _, c := range []struct{ config, lexeme, want string }{
		{"english", "compani", "compan"},
		{"english", "art", "art"},
		{"simple", "company", "company"},
		{"german", "häus", "häu"},
	} {
		if got := snippetPrefix(c.config, c.lexeme); got != c.want {
			t.Errorf("snippetPrefix(%s, %s) = %q, want %q", c.config, c.lexeme, got, c.want)
		}
	}
	if got := tsqueryLiteral(`it's a\b`); got != `'it''s a\\b'` {
		t.Errorf("tsqueryLiteral: %s", got)
	}
}

func TestMarkSnippet(t *testing.T) {
	for in, want := range map[string]string{
		"pay the \x02invoice\x03 now":       "pay the <mark>invoice</mark> now",
		"a <b> & \"c\"":                     "a &lt;b&gt; &amp; &#34;c&#34;",
		"\x02open":                          "<mark>open</mark>",
		"close\x03 \x03 \x02\x02x\x03":      "close <mark>x</mark>",
		"  many\n\n\tspaces \r\n here  ":    "many spaces here",
		"bell\x07 and \x1b[1m escape":       "bell and [1m escape",
		"\x02two\x03 … \x02marks\x03":       "<mark>two</mark> … <mark>marks</mark>",
		"<mark>not ours</mark>":             "&lt;mark&gt;not ours&lt;/mark&gt;",
		"\x02 spaced \x03":                  "<mark> spaced</mark>",
		"":                                  "",
		"it's":                              "it&#39;s",
		"\u0085next line \u2028 separators": "next line separators",
	} {
		if got := markSnippet(in); got != want {
			t.Errorf("markSnippet(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzMarkSnippet: whatever ts_headline returns, the snippet has no tags
// but balanced <mark> pairs, no control characters, and renders back.
func FuzzMarkSnippet(f *testing.F) {
	for _, s := range []string{"pay the \x02invoice\x03 now", "<script>\x02x", "\x03\x03\x02", "a&b<c>\"'", "\xff\xfe", "\x1b[31mred"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := markSnippet(s)
		rest := out
		open := false
		for {
			i := strings.IndexByte(rest, '<')
			if i < 0 {
				break
			}
			switch {
			case !open && strings.HasPrefix(rest[i:], "<mark>"):
				open, rest = true, rest[i+len("<mark>"):]
			case open && strings.HasPrefix(rest[i:], "</mark>"):
				open, rest = false, rest[i+len("</mark>"):]
			default:
				t.Fatalf("markSnippet(%q) = %q: a tag that is not a balanced <mark>", s, out)
			}
		}
		if open || strings.ContainsRune(out, '>') && !strings.Contains(out, "<mark>") {
			t.Fatalf("markSnippet(%q) = %q: unbalanced or stray >", s, out)
		}
		for _, r := range RenderSnippet(out, "[", "]") {
			if unicode.IsControl(r) {
				t.Fatalf("RenderSnippet(markSnippet(%q)) has control character %U", s, r)
			}
		}
	})
}

// FuzzParseQuery: any query string either parses to a query Search may
// send (valid UTF-8, no control characters, bounded) or is an *Error.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"bank", `"bank transfer" -fee or card`, "", "\x00", "\xff", strings.Repeat("a ", 50), "'; DROP TABLE x; --"} {
		f.Add(s, "10")
	}
	viewer := "7b1a1f9e-3b1a-4c55-9a8e-1c2d3e4f5a6b"
	f.Fuzz(func(t *testing.T, text, limit string) {
		q, err := ParseQuery(viewer, url.Values{"q": {text}, "limit": {limit}})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("ParseQuery(%q, %q): %T %v, want *Error", text, limit, err, err)
			}
			return
		}
		n, err := q.normalize()
		if err != nil {
			t.Fatalf("parsed query does not normalize: %v", err)
		}
		if !utf8.ValidString(n.Text) || len(n.Text) > MaxQueryBytes || n.Text == "" || n.Limit < 1 || n.Limit > MaxLimit {
			t.Fatalf("normalized %q, limit %d", n.Text, n.Limit)
		}
		for _, r := range n.Text {
			if unicode.IsControl(r) {
				t.Fatalf("control character %U in %q", r, n.Text)
			}
		}
	})
}

func TestCursorRoundTrip(t *testing.T) {
	q := Query{Viewer: "7b1a1f9e-3b1a-4c55-9a8e-1c2d3e4f5a6b", Text: "bank"}
	k := keyset{rank: 1.0000001192092896, created: time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC), id: "0b1a1f9e-3b1a-4c55-9a8e-1c2d3e4f5a6b"}
	q.Cursor = encodeCursor(q, k)
	got, err := decodeCursor(q)
	if err != nil || got.rank != k.rank || !got.created.Equal(k.created) || got.id != k.id {
		t.Errorf("round trip: %+v, %v", got, err)
	}
	other := q
	other.Text = "banks"
	if _, err := decodeCursor(other); err == nil {
		t.Error("a cursor was accepted for another query")
	}
}
