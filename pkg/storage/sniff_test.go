package storage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSniff: the types Sniff tells beyond mimetype's signatures (XHTML,
// HTML that opens with text or an odd comment, text with nroff
// overstrikes) on real documents' heads, and the texts that must stay
// text (Markdown with HTML in it, prose that mentions tags).
func TestSniff(t *testing.T) {
	fixture := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("testdata", "sniff", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name, head, filename, want, wantExt string
	}{
		// XHTML: read as HTML.
		{"XHTML with a doctype after a long comment (groff's mom manual)", fixture("groff-mom-toc.xhtml"), "toc.html", "text/html", ".html"},
		{"XHTML with the namespace and no doctype", `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<html xmlns="http://www.w3.org/1999/xhtml"><head><title>DocBook</title></head><body><p>Text</p></body></html>`, "book.xhtml", "text/html", ".html"},
		{"XHTML with lang before the namespace", `<?xml version="1.0"?><html lang="en" xmlns="http://www.w3.org/1999/xhtml"><body/></html>`, "x", "text/html", ".html"},
		{"XML whose root is html, without namespace (libxslt's gtk-doc)", fixture("libxslt-index.html"), "index.html", "text/html", ".html"},
		{"other XML stays XML", `<?xml version="1.0"?><!-- html --><catalog><book>html</book></catalog>`, "c.xml", "text/xml", ".xml"},
		{"DocBook XML stays XML", `<?xml version="1.0"?><book xmlns="http://docbook.org/ns/docbook"><title>A</title><para><html/></para></book>`, "b.xml", "text/xml", ".xml"},

		// HTML told by its tags further in.
		{"the Go specification (opens with <!--{ … }-->)", fixture("go_spec.html"), "go_spec.html", "text/html", ".html"},
		{"a page opening with text and a <meta>", "Saved from the web\n<meta charset=\"utf-8\">\n<title>Notes</title>\n<h1>Notes</h1>\n<p>First <a href=\"/x\">link</a>.</p>\n<p>Second.</p>\n", "notes", "text/html", ".html"},
		{"a fragment of paragraphs and a table", "Intro text.\n<p class=\"lead\">One</p>\n<div>Two</div>\n<table><tr><td>a</td><td>b</td></tr></table>\n", "frag.txt", "text/html", ".html"},

		// Text that stays text.
		{"Markdown that opens with an HTML table (Node.js changelog)", fixture("node-changelog-v18.md"), "CHANGELOG", "text/plain", ".txt"},
		{"the same named .md", fixture("node-changelog-v18.md"), "CHANGELOG_V18.md", "text/markdown", ".md"},
		{"Markdown with a banner and lists", "Project\n\n<p align=\"center\"><img src=\"logo.png\"></p>\n<p align=\"center\"><b>Fast</b> and <i>small</i></p><br>\n\n- one\n- two\n- three\n", "README", "text/plain", ".txt"},
		{"prose that mentions tags", howtoText, "howto.txt", "text/plain", ".txt"},
		{"prose with quoted tags", "Use `<div>` and `<span>`, \"<p>\" and '<table>'; `</div>` `<br>` `<td>` `<tr>`.\n", "q.txt", "text/plain", ".txt"},
		{"Go source with a page in a string", goSource, "web.go", "text/plain", ".txt"},
		{"plain text", "Dear Ann,\n\nthe invoice is attached.\n", "letter.txt", "text/plain", ".txt"},

		// nroff overstrikes: text, not binary.
		{"a manual page from groff -Tutf8 (bold, underline, UTF-8)", fixture("overstrike.txt"), "vault.txt", "text/plain", ".txt"},
		{"backspaces in binary data stay binary", "x\by\x00\x01\x02 data", "blob", "application/octet-stream", ".bin"},
		{"a backspace before a newline is not an overstrike", "line one\b\nline two\n", "t", "application/octet-stream", ".bin"},
		{"a backspace first is not an overstrike", "\bx", "t", "application/octet-stream", ".bin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head := tt.head
			if len(head) > SniffLen {
				head = head[:SniffLen]
			}
			ct, ext := Sniff([]byte(head), tt.filename)
			if ct != tt.want || ext != tt.wantExt {
				t.Errorf("Sniff = %q, %q; want %q, %q", ct, ext, tt.want, tt.wantExt)
			}
		})
	}
}

// howtoText is a note about writing HTML: it names tags, with a closing
// tag and an attribute, but most of its lines are prose.
const howtoText = `Notes on the new web pages

Every page is written by hand, so keep the markup simple. To start a
paragraph write <p> and end it with </p>; a line break is <br>. A
heading is <h1> or <h2>, never a bold paragraph.

Boxes are a <div> with a class, e.g. <div class="note">. Links are
<a href="..."> with a full address.

Ask Ann before adding scripts or styles: the pages must work without
them, and the accessibility review in March will check every page again.
Send drafts by mail as plain text; we paste them in ourselves.

Thanks,
Bob
`

// goSource is a Go program with an HTML page in a string.
const goSource = `// Command hello serves a greeting.
package main

import (
	"fmt"
	"log"
	"net/http"
)

const page = ` + "`" + `<html><head><title>Hello</title></head>
<body><h1>Hello</h1><p>Hi, %s.</p><div class="x"><a href="/">home</a></div></body></html>` + "`" + `

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("name")
		if name == "" {
			name = "world"
		}
		fmt.Fprintf(w, page, name)
	})
	log.Fatal(http.ListenAndServe(":8080", nil))
}
`

// TestSniffAllowedByDefault: what Sniff now tells as HTML or text is on
// the default allow-list, so that uploads of it are accepted.
func TestSniffAllowedByDefault(t *testing.T) {
	allowed := map[string]bool{}
	for _, ct := range DefaultAllowedTypes() {
		allowed[ct] = true
	}
	for _, head := range []string{
		`<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><html xmlns="http://www.w3.org/1999/xhtml"><body><p>x</p></body></html>`,
		"N\bNA\bAM\bME\bE\n       vault - keep documents safe\n",
	} {
		ct, _ := Sniff([]byte(head), "doc")
		if !allowed[ct] {
			t.Errorf("%q sniffs as %s, which the default allow-list refuses", head[:20], ct)
		}
	}
	if strings.Contains(strings.Join(DefaultAllowedTypes(), ","), "xhtml") {
		t.Errorf("the allow-list names an XHTML type; XHTML is sniffed as text/html")
	}
}

// TestSniffEML: an e-mail is message/rfc822 (.eml), on the default
// allow-list, whether its first header is one mimetype knows or, for a
// file named .eml, another (X-…, ARC-…); text that only looks a little
// like headers stays text.
func TestSniffEML(t *testing.T) {
	allowed := map[string]bool{}
	for _, ct := range DefaultAllowedTypes() {
		allowed[ct] = true
	}
	for _, tc := range []struct{ name, head, filename, want string }{
		{"delivered message", "Return-Path: <a@example.org>\r\nDelivered-To: b@example.org\r\nFrom: a@example.org\r\nSubject: Hi\r\n\r\nbody\r\n", "x", "message/rfc822"},
		{"plain message", "From: a@example.org\nTo: b@example.org\nSubject: Hi\n\nbody\n", "m", "message/rfc822"},
		{"X- header first, named .eml", "X-Mailer: Thing 1.0\r\nARC-Seal: i=1; a=rsa-sha256;\r\n  cv=none\r\nFrom: a@example.org\r\nSubject: Hi\r\n\r\nbody\r\n", "Hi.eml", "message/rfc822"},
		{"X- header first, not named .eml", "X-Mailer: Thing 1.0\r\nARC-Seal: i=1\r\nFrom: a@example.org\r\nSubject: Hi\r\n\r\nbody\r\n", "notes.txt", "text/plain"},
		{"prose named .eml", "Dear Bob: here is the note.\nThanks: Alice\n", "note.eml", "text/plain"},
	} {
		ct, ext := Sniff([]byte(tc.head), tc.filename)
		if ct != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, ct, tc.want)
		}
		if ct == "message/rfc822" && (ext != ".eml" || !allowed[ct]) {
			t.Errorf("%s: extension %s, allowed %v", tc.name, ext, allowed[ct])
		}
	}
}
