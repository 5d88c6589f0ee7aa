package extract

import (
	"context"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

// extractODF returns the text of an OpenDocument text, spreadsheet or
// presentation, from content.xml in document order: paragraphs and
// headings one per line (text:s spaces, text:tab, text:line-break), table
// cells tab-separated and rows one per line (a spreadsheet's tables
// headed by their names), slides one after another. Comments, tracked
// deletions and speaker notes are left out. A package whose manifest
// declares encrypted entries is password-protected: ErrEncrypted.
func extractODF(ctx context.Context, in Input, lim Limits) (Output, error) {
	a, err := openZip(in.Path, lim)
	if err != nil {
		return Output{}, err
	}
	defer a.Close()
	if err := odfCheckEncryption(ctx, a); err != nil {
		return Output{}, err
	}
	out := newTextBuf(lim.MaxTextBytes)
	w := &odfWalker{out: out}
	err = walkXML(ctx, a, "content.xml", func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			w.start(t)
		case xml.EndElement:
			w.end(t)
		case xml.CharData:
			w.text(t)
		}
		if out.full() {
			return errStopWalk
		}
		return nil
	})
	if err != nil {
		return Output{}, err
	}
	return Output{Text: out.String(), Method: "odf", Truncated: out.full()}, nil
}

// odfCheckEncryption returns ErrEncrypted when META-INF/manifest.xml has
// encryption data for an entry.
func odfCheckEncryption(ctx context.Context, a *zipArchive) error {
	const manifest = "META-INF/manifest.xml"
	if !a.has(manifest) {
		return nil
	}
	return walkXML(ctx, a, manifest, func(tok xml.Token) error {
		if e, ok := tok.(xml.StartElement); ok && e.Name.Local == "encryption-data" {
			return fmt.Errorf("%w: the OpenDocument file is password-protected", ErrEncrypted)
		}
		return nil
	})
}

// odfWalker turns content.xml's elements into text.
type odfWalker struct {
	out         *textBuf
	spreadsheet bool
	body        int // depth inside office:body: only its content is text
	skip        int // depth inside a left-out element
	para        int // depth inside text:p or text:h
	cell        int // depth inside a table cell
}

func (w *odfWalker) start(e xml.StartElement) {
	if w.skip > 0 || (w.body > 0 && isODFSkipped(e.Name)) {
		w.skip++
		return
	}
	if e.Name.Local == "body" {
		w.body++
	}
	if w.body == 0 {
		return
	}
	switch e.Name.Local {
	case "spreadsheet":
		w.spreadsheet = true
	case "p", "h":
		if w.cell > 0 {
			w.out.space() // the cell's next paragraph
		}
		w.para++
	case "s":
		if w.para > 0 {
			w.out.write(strings.Repeat(" ", odfSpaces(attr(e, "c"))))
		}
	case "tab":
		if w.para > 0 {
			w.out.write("\t")
		}
	case "line-break":
		w.out.newline()
	case "table":
		w.out.newline()
		if w.spreadsheet {
			w.out.write(attr(e, "name"))
			w.out.newline()
		}
	case "table-cell", "covered-table-cell":
		w.cell++
	case "page":
		w.out.newline()
	}
}

func (w *odfWalker) end(e xml.EndElement) {
	if w.skip > 0 {
		w.skip--
		return
	}
	switch e.Name.Local {
	case "body":
		w.body = max(w.body-1, 0)
	case "p", "h":
		w.para = max(w.para-1, 0)
		if w.cell == 0 {
			w.out.newline()
		}
	case "table-cell", "covered-table-cell":
		w.cell = max(w.cell-1, 0)
		w.out.tab()
	case "table-row", "page", "table":
		w.out.newline()
	}
}

func (w *odfWalker) text(s xml.CharData) {
	if w.skip == 0 && w.para > 0 {
		w.out.write(string(s))
	}
}

// isODFSkipped reports an element of office:body whose content is not the
// document's text: comments, tracked changes, speaker notes, forms, and
// the titles and descriptions of drawings.
func isODFSkipped(n xml.Name) bool {
	switch n.Local {
	case "annotation", "tracked-changes", "notes", "forms":
		return true
	case "title", "desc":
		return strings.HasSuffix(n.Space, "svg-compatible:1.0")
	}
	return false
}

// odfSpaces is text:s's count of spaces (text:c, 1 by default), capped.
func odfSpaces(c string) int {
	n, err := strconv.Atoi(c)
	if err != nil || n < 1 {
		return 1
	}
	return min(n, 64)
}
