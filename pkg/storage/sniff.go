package storage

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// SniffLen is how much of the content is read to tell its type.
const SniffLen = 3072

// DefaultAllowedTypes is the default allow-list: documents and scans.
var defaultAllowedTypes = []string{
	"application/pdf",
	"text/plain", "text/markdown", "text/csv", "text/html", "text/rtf",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"application/vnd.oasis.opendocument.text",
	"application/vnd.oasis.opendocument.spreadsheet",
	"application/vnd.oasis.opendocument.presentation",
	"image/png", "image/jpeg", "image/tiff", "image/webp",
	"message/rfc822",
}

// DefaultAllowedTypes returns the default allow-list of content types.
func DefaultAllowedTypes() []string { return append([]string(nil), defaultAllowedTypes...) }

// extensions for object keys, by content type.
var extensions = map[string]string{
	"application/pdf": ".pdf", "text/plain": ".txt", "text/markdown": ".md", "text/csv": ".csv",
	"text/html": ".html", "text/rtf": ".rtf",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   ".docx",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         ".xlsx",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
	"application/vnd.oasis.opendocument.text":                                   ".odt",
	"application/vnd.oasis.opendocument.spreadsheet":                            ".ods",
	"application/vnd.oasis.opendocument.presentation":                           ".odp",
	"image/png": ".png", "image/jpeg": ".jpg", "image/tiff": ".tiff", "image/webp": ".webp",
	"message/rfc822": ".eml",
}

// Sniff tells the content type of a document from its first bytes (never
// from its name). The one use of the name: plain text whose name ends in
// .md or .markdown is text/markdown, since Markdown has no signature and
// the two are equally harmless. It returns the type without parameters and
// the extension for the object key.
//
// Beyond mimetype's signatures, three kinds of text are recognised:
// XHTML (an XML document that is an XHTML page) is text/html, since it is
// read as HTML; an HTML page that does not open with <html> or a doctype
// is told by its tags further in (looksLikeHTML); and text with nroff
// overstrikes (what man(1) and grotty write to a file: x BACKSPACE x for
// bold, _ BACKSPACE x for underline), which mimetype takes for binary
// because of its backspaces, is text/plain.
func Sniff(head []byte, filename string) (contentType, ext string) {
	m := mimetype.Detect(head)
	ct := m.String()
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	markdownName := false
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".md", ".markdown":
		markdownName = true
	}
	switch {
	case ct == "application/xhtml+xml", ct == "text/xml" && isXHTML(head):
		ct = "text/html"
	case ct == "application/octet-stream" && isOverstruckText(head):
		ct = "text/plain"
	case ct == "text/plain" && !markdownName && looksLikeHTML(head):
		ct = "text/html"
	}
	if ct == "text/plain" && markdownName {
		ct = "text/markdown"
	}
	// An e-mail whose first header mimetype does not know (X-…,
	// Authentication-Results, ARC-…) is still one when it is named .eml
	// and opens with a header block.
	if ct == "text/plain" && strings.EqualFold(filepath.Ext(filename), ".eml") && looksLikeHeaders(head) {
		ct = "message/rfc822"
	}
	if e, ok := extensions[ct]; ok {
		return ct, e
	}
	e := m.Extension()
	if e == "" {
		e = ".bin"
	}
	return ct, e
}

// isXHTML reports an XML document that is an HTML page: its root element
// is <html> (with or without the XHTML namespace: libxml2's gtk-doc pages
// have none), or it has an HTML doctype, which mimetype looks for only in
// the first KiB (a long licence comment can push it further).
func isXHTML(head []byte) bool {
	lower := bytes.ToLower(head)
	if bytes.Contains(lower, []byte("<!doctype html")) {
		return true
	}
	// Skip the prolog: the XML declaration, processing instructions,
	// comments, a doctype and whitespace.
	b := lower
	for {
		b = bytes.TrimLeft(b, " \t\r\n\ufeff")
		var end []byte
		switch {
		case bytes.HasPrefix(b, []byte("<?")):
			end = []byte("?>")
		case bytes.HasPrefix(b, []byte("<!--")):
			end = []byte("-->")
		case bytes.HasPrefix(b, []byte("<!")):
			end = []byte(">")
		default:
			name, _, _, ok := htmlTag(bytes.TrimPrefix(b, []byte("<")))
			return ok && bytes.HasPrefix(b, []byte("<")) && name == "html"
		}
		i := bytes.Index(b, end)
		if i < 0 {
			return false
		}
		b = b[i+len(end):]
	}
}

// htmlSniffTags are the elements whose tags, anywhere in the head, mark a
// text as an HTML page: those of WHATWG MIME Sniffing's HTML signature
// and the commonest elements of a page's body.
var htmlSniffTags = map[string]bool{
	"html": true, "head": true, "body": true, "title": true, "meta": true, "link": true,
	"script": true, "style": true, "p": true, "div": true, "span": true, "table": true,
	"tr": true, "td": true, "th": true, "a": true, "br": true, "hr": true, "img": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"ul": true, "ol": true, "li": true, "dl": true, "dt": true, "dd": true,
	"pre": true, "code": true, "em": true, "strong": true, "b": true, "i": true,
	"blockquote": true, "section": true, "nav": true, "header": true, "footer": true,
}

// Thresholds of looksLikeHTML.
const (
	htmlMinTags     = 6 // well-known tags in the head
	htmlMinDistinct = 3 // of as many different elements
	// At least one line in htmlMinLineShare (of those not blank) starts
	// with one of those tags: markup is the text's structure, not a
	// passing part of it. (Go's asm.html has one in 4.5, its
	// specification one in 2.6; a note about HTML one in 13.)
	htmlMinLineShare = 6
)

// looksLikeHTML reports text that is an HTML page although it does not
// open with <html>, a doctype or another tag mimetype knows: a page that
// starts with text, a <meta>, or a comment mimetype does not take for one
// (the Go specification's starts with "<!--{"). It needs, in the head:
//
//   - at least htmlMinTags tags of well-known elements (htmlSniffTags,
//     opening with <name followed by '>', '/' or a space, or closing);
//     a tag quoted in backticks or quotes, as a text about HTML writes
//     one, does not count;
//   - at least htmlMinDistinct different such elements;
//   - real markup: a closing tag or a tag with an attribute;
//   - a low share of other content: one line in htmlMinLineShare that
//     is not blank starts with such a tag (in a program with a page in
//     a string, or a note about HTML, few do);
//   - no other content that marks it as Markdown with some HTML in it
//     (READMEs and changelogs often open with an HTML table or banner):
//     no heading, fence or [link](target) line and fewer than three list
//     or quote lines, outside <pre>, <script> and <style>.
func looksLikeHTML(head []byte) bool {
	tags, markup := 0, false
	distinct := map[string]bool{}
	lines, tagStartLines, blank, startsWithTag := 0, 0, true, false
	for i := 0; i < len(head); i++ {
		switch {
		case head[i] == '\n':
			if startsWithTag {
				tagStartLines++
			}
			blank, startsWithTag = true, false
			continue
		case isSpace(head[i]):
			continue
		}
		lineStart := blank
		if blank {
			lines++
			blank = false
		}
		if head[i] != '<' || (i > 0 && strings.IndexByte("`'\"\\", head[i-1]) >= 0) {
			continue
		}
		name, closing, attrs, ok := htmlTag(head[i+1:])
		if !ok || !htmlSniffTags[name] {
			continue
		}
		if name == "a" && !closing && !attrs {
			continue // "<a>" alone is as likely a placeholder in text
		}
		tags++
		distinct[name] = true
		markup = markup || closing || attrs
		startsWithTag = startsWithTag || lineStart
	}
	if startsWithTag {
		tagStartLines++
	}
	if tags < htmlMinTags || len(distinct) < htmlMinDistinct || !markup || tagStartLines*htmlMinLineShare < lines {
		return false
	}
	return !looksLikeMarkdown(head)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' }

// htmlTag reads the tag name after a '<': letters and digits, lowercased,
// then '>', '/' or whitespace. attrs reports an attribute (a '=' before
// the tag's '>' on its line).
func htmlTag(b []byte) (name string, closing, attrs, ok bool) {
	if len(b) > 0 && b[0] == '/' {
		closing, b = true, b[1:]
	}
	n := 0
	for n < len(b) && n < 12 && (b[n]|0x20 >= 'a' && b[n]|0x20 <= 'z' || n > 0 && b[n] >= '0' && b[n] <= '9') {
		n++
	}
	if n == 0 || n == len(b) {
		return "", false, false, false
	}
	switch b[n] {
	case '>', '/', ' ', '\t', '\n', '\r':
	default:
		return "", false, false, false
	}
	rest := b[n:]
	if end := bytes.IndexAny(rest, ">\n"); end >= 0 {
		attrs = bytes.IndexByte(rest[:end], '=') >= 0
	}
	return strings.ToLower(string(b[:n])), closing, attrs, true
}

// looksLikeMarkdown reports Markdown syntax in b outside <pre>,
// <script> and <style> (where an HTML page may have code): an ATX heading,
// a fence, a setext underline or a [link](target), or three lines that are
// list items or block quotes.
func looksLikeMarkdown(b []byte) bool {
	verbatim, lists := 0, 0
	for _, line := range bytes.Split(b, []byte("\n")) {
		lower := bytes.ToLower(line)
		opens := bytes.Count(lower, []byte("<pre")) + bytes.Count(lower, []byte("<script")) + bytes.Count(lower, []byte("<style"))
		closes := bytes.Count(lower, []byte("</pre")) + bytes.Count(lower, []byte("</script")) + bytes.Count(lower, []byte("</style"))
		inside := verbatim > 0
		verbatim = max(verbatim+opens-closes, 0)
		if inside || opens > 0 {
			continue
		}
		t := bytes.TrimRight(bytes.TrimLeft(line, " \t"), " \t\r")
		switch {
		case isATXHeading(t), bytes.HasPrefix(t, []byte("```")), bytes.HasPrefix(t, []byte("~~~")),
			len(t) >= 3 && (len(bytes.Trim(t, "=")) == 0 || len(bytes.Trim(t, "-")) == 0),
			bytes.Contains(t, []byte("](")):
			return true
		case bytes.HasPrefix(t, []byte("- ")), bytes.HasPrefix(t, []byte("* ")), bytes.HasPrefix(t, []byte("+ ")),
			bytes.HasPrefix(t, []byte("> ")):
			lists++
		}
	}
	return lists >= 3
}

// isATXHeading reports a Markdown heading line: one to six '#' and a space.
func isATXHeading(t []byte) bool {
	n := 0
	for n < len(t) && t[n] == '#' {
		n++
	}
	return n >= 1 && n <= 6 && n < len(t) && t[n] == ' '
}

// isOverstruckText reports text with nroff overstrikes: every backspace
// is between two characters other than control characters, and without
// the backspaces no byte is one of the binary bytes that made mimetype
// call it binary (WHATWG MIME Sniffing's binary data bytes).
func isOverstruckText(head []byte) bool {
	backspaces := 0
	for i, c := range head {
		switch {
		case c == '\b':
			if i == 0 || isControl(head[i-1]) || (i+1 < len(head) && isControl(head[i+1])) {
				return false
			}
			backspaces++
		case c <= 0x08, c == 0x0B, c >= 0x0E && c <= 0x1A, c >= 0x1C && c <= 0x1F:
			return false
		}
	}
	return backspaces > 0
}

func isControl(c byte) bool { return c < 0x20 || c == 0x7F }

// TypeNotAllowedError is returned for content whose sniffed type is not on
// the allow-list.
type TypeNotAllowedError struct {
	ContentType string
}

func (e *TypeNotAllowedError) Error() string {
	return fmt.Sprintf("type not allowed: the content is %s, which is not on the allow-list (DOCUVAULT_ALLOWED_TYPES)", e.ContentType)
}

// looksLikeHeaders reports text that opens with RFC 5322 header fields
// (name: value, continuation lines) and has a From or Subject field among
// them.
func looksLikeHeaders(head []byte) bool {
	fields := 0
	known := false
	for _, line := range bytes.Split(head, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if fields == 0 {
				return false
			}
			continue
		}
		name, _, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(name) == 0 || bytes.ContainsAny(name, " \t") {
			return false
		}
		fields++
		switch strings.ToLower(string(name)) {
		case "from", "subject", "date", "message-id":
			known = true
		}
	}
	return fields >= 2 && known
}
