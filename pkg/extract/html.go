package extract

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
)

// isHTMLBlock reports an element that starts and ends a line.
func isHTMLBlock(tag string) bool {
	switch tag {
	case "address", "article", "aside", "blockquote", "body", "br", "caption",
		"dd", "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption",
		"figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
		"hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
		"tbody", "tfoot", "thead", "title", "tr", "ul":
		return true
	}
	return false
}

// isHTMLSkipped reports an element whose content is not text a reader sees.
func isHTMLSkipped(tag string) bool {
	switch tag {
	case "script", "style", "noscript", "template", "iframe", "noembed", "noframes", "object":
		return true
	}
	return false
}

// extractHTML returns the visible text of an HTML page: scripts, styles,
// templates and comments are dropped, block elements break lines, table
// cells are tab-separated and entities are decoded. The page is tokenized
// as a stream; one token (an element with its attributes, or a run of
// text) may hold at most twice Limits.MaxTextBytes, and the text after a
// larger one is not read (the output is marked truncated).
func extractHTML(ctx context.Context, in Input, lim Limits) (Output, error) {
	f, err := os.Open(in.Path)
	if err != nil {
		return Output{}, fmt.Errorf("open the spooled document: %w", err)
	}
	defer f.Close()
	r, err := charset.NewReader(bufio.NewReader(f), "text/html")
	if err != nil {
		return Output{}, fmt.Errorf("%w: the page's charset cannot be read (%v)", ErrCorrupt, err)
	}
	out := newTextBuf(lim.MaxTextBytes)
	note, err := htmlText(ctx, r, out, max(2*lim.MaxTextBytes, 1<<20))
	if err != nil {
		return Output{}, err
	}
	return Output{Text: out.String(), Method: "html", Truncated: out.full() || note != "", Note: note}, nil
}

// htmlText tokenizes r into out. A note says why the page was not read to
// its end.
func htmlText(ctx context.Context, r io.Reader, out *textBuf, maxToken int) (note string, err error) {
	z := html.NewTokenizer(r)
	z.SetMaxBuf(maxToken)
	var skip, pre int
	for n := 0; !out.full(); n++ {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return "", err
			}
		}
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return htmlEnd(z, out, skip, maxToken)
		case html.TextToken:
			if skip > 0 {
				continue
			}
			if pre > 0 {
				out.write(string(z.Text()))
			} else {
				writeCollapsed(out, string(z.Text()))
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			tag := string(name)
			if isHTMLSkipped(tag) {
				skip = nestCount(skip, tt)
				continue
			}
			if tag == "pre" {
				pre = nestCount(pre, tt)
			}
			if skip == 0 {
				htmlTagBreak(out, tag, tt)
			}
		}
	}
	return "", nil
}

// nestCount opens or closes one level of an element counted by depth.
func nestCount(depth int, tt html.TokenType) int {
	switch {
	case tt == html.StartTagToken:
		return depth + 1
	case tt == html.EndTagToken && depth > 0:
		return depth - 1
	}
	return depth
}

// htmlTagBreak writes the whitespace that a tag stands for.
func htmlTagBreak(out *textBuf, tag string, tt html.TokenType) {
	switch {
	case isHTMLBlock(tag):
		out.newline()
	case tag == "td" || tag == "th":
		if tt == html.StartTagToken {
			out.tab()
		}
	case tt != html.EndTagToken && (tag == "img" || tag == "input" || tag == "wbr"):
		out.space()
	}
}

// htmlEnd handles the tokenizer's stop: the end of the page, a token
// larger than maxToken (its text is kept if it was text), or a read error.
func htmlEnd(z *html.Tokenizer, out *textBuf, skip, maxToken int) (string, error) {
	err := z.Err()
	switch {
	case errors.Is(err, io.EOF):
		return "", nil
	case errors.Is(err, html.ErrBufferExceeded):
		if raw := z.Raw(); skip == 0 && len(raw) > 0 && raw[0] != '<' {
			writeCollapsed(out, html.UnescapeString(string(raw)))
		}
		return fmt.Sprintf("the page has an element or text run over %d MiB; the text after it was not read", maxToken>>20), nil
	}
	return "", fmt.Errorf("%w: the page cannot be read (%v)", ErrCorrupt, err)
}

// writeCollapsed writes s with each run of whitespace made one space, as a
// browser shows it.
func writeCollapsed(out *textBuf, s string) {
	if s == "" {
		return
	}
	if isSpaceByte(s[0]) || s[0] == '\f' {
		out.space()
	}
	for i, w := range strings.Fields(s) {
		if i > 0 {
			out.space()
		}
		out.write(w)
	}
	if last := s[len(s)-1]; isSpaceByte(last) || last == '\f' {
		out.space()
	}
}
