package extract

import (
	"strings"
	"testing"
)

// TestHTML: only the text a reader sees, with block breaks and entities
// decoded.
func TestHTML(t *testing.T) {
	tests := []struct {
		name, page, want string
	}{
		{
			name: "scripts, styles, noscript, template and comments dropped",
			page: `<html><head><title>Page title</title><style>body { color: red }</style>
				<script>var secret = "<p>not text</p>";</script></head>
				<body><!-- a comment --><p>Visible</p><noscript>Enable JS</noscript>
				<template><p>template text</p><template>nested</template><p>still template</p></template>
				<p>After</p><script type="module">import x from "y"</script></body></html>`,
			want: "Page title\nVisible\nAfter",
		},
		{
			name: "entities decoded",
			page: `<p>Fish &amp; chips &lt;b&gt; caf&eacute; &#8364;5 &#x263A; &nbsp;x&quot;</p>`,
			want: "Fish & chips <b> café €5 ☺ x\"",
		},
		{
			name: "block elements break lines, inline ones do not",
			page: "<div>one<br>two</div><p>three <b>bold</b> <i>italic</i>\n  text</p><h2>Heading</h2><ul><li>first</li><li>second</li></ul>",
			want: "one\ntwo\nthree bold italic text\nHeading\nfirst\nsecond",
		},
		{
			name: "table cells tab-separated",
			page: "<table><tr><th>Name</th><th>City</th></tr><tr><td>Alice</td><td>Zürich</td></tr></table>",
			want: "Name\tCity\nAlice\tZürich",
		},
		{
			name: "pre keeps its whitespace",
			page: "<p>before</p><pre>  a   b\n    c</pre><p>after</p>",
			want: "before\n  a   b\n    c\nafter",
		},
		{
			name: "empty page",
			page: "<html><head><script>x()</script></head><body>  </body></html>",
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := extractData(t, "text/html", "page.html", []byte(tt.page))
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if out.Text != tt.want || out.Method != "html" {
				t.Errorf("got %q by %q; want %q by html", out.Text, out.Method, tt.want)
			}
		})
	}
}

// TestHTMLCharset: a page declaring windows-1252 in a meta tag is decoded.
func TestHTMLCharset(t *testing.T) {
	page := []byte("<html><head><meta charset=\"windows-1252\"></head><body><p>caf\xe9 \x80</p></body></html>")
	out, err := extractData(t, "text/html", "old.html", page)
	if err != nil || out.Text != "café €" {
		t.Fatalf("got %q, %v; want %q", out.Text, err, "café €")
	}
}

// TestHTMLHugeTokens: a text run or attribute longer than the tokenizer's
// bound (twice MaxTextBytes, at least 1 MiB) does not make it buffer the
// page: a long text is kept up to MaxTextBytes, and after a huge attribute
// the rest of the page is not read, with a note.
func TestHTMLHugeTokens(t *testing.T) {
	const max = 256 << 10
	e := New(Options{Limits: Limits{MaxTextBytes: max}})
	t.Run("text run", func(t *testing.T) {
		page := "<p>start</p><p>" + strings.Repeat("word ", 1<<20) + "</p>"
		out, err := extractDataWith(t, e, "text/html", "long.html", []byte(page))
		if err != nil {
			t.Fatalf("Extract: %v", err)
		}
		if !out.Truncated || len(out.Text) > max || !strings.HasPrefix(out.Text, "start\nword word") {
			t.Fatalf("Truncated %v, %d bytes, %q…; want the text truncated at %d", out.Truncated, len(out.Text), out.Text[:20], max)
		}
	})
	t.Run("attribute", func(t *testing.T) {
		page := `<p>before</p><img src="data:image/png;base64,` + strings.Repeat("A", 3<<20) + `"><p>after</p>`
		out, err := extractDataWith(t, e, "text/html", "dataurl.html", []byte(page))
		if err != nil {
			t.Fatalf("Extract: %v", err)
		}
		if out.Text != "before" || !out.Truncated || !strings.Contains(out.Note, "not read") {
			t.Fatalf("got %q, truncated %v, note %q; want \"before\", truncated, a note", out.Text, out.Truncated, out.Note)
		}
	})
}

// TestHTMLXHTMLAndLateTags: pages that upload now sniffs as text/html
// although they do not open with <html> (XHTML with its XML declaration
// and doctype; a page opening with a "<!--{" comment, as the Go
// specification does) come out as their visible text.
func TestHTMLXHTMLAndLateTags(t *testing.T) {
	for _, tt := range []struct{ name, page, want string }{
		{"XHTML", `<?xml version="1.0" encoding="utf-8"?>
<!-- licence comment -->
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en"><head><title>Mom</title></head>
<body><h1 id="top">Table of contents</h1><p>Using <em>mom</em>&#8217;s macros<br/>and more.</p></body></html>`,
			"Mom\nTable of contents\nUsing mom’s macros\nand more."},
		{"a page opening with a comment of JSON", "<!--{\n\t\"Title\": \"The Spec\"\n}-->\n\n<h2 id=\"Introduction\">Introduction</h2>\n\n<p>\nThis is the <a href=\"/\">manual</a>.\n</p>\n",
			"Introduction\nThis is the manual."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := extractData(t, "text/html", "page.html", []byte(tt.page))
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if out.Text != tt.want || out.Method != "html" {
				t.Errorf("got %q by %q; want %q by html", out.Text, out.Method, tt.want)
			}
		})
	}
}
