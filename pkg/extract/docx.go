package extract

import (
	"context"
	"encoding/xml"
)

// extractDOCX returns a Word document's text: the body's paragraphs one per
// line (w:t text, w:tab tabs, w:br breaks) in reading order, then the
// headers, footers, footnotes and endnotes. The fallback copy of
// alternate content (mc:Fallback, e.g. a text box drawn twice) is skipped.
func extractDOCX(ctx context.Context, in Input, lim Limits) (Output, error) {
	a, err := openOOXML(ctx, in.Path, lim)
	if err != nil {
		return Output{}, err
	}
	defer a.Close()
	main, err := mainPart(ctx, a, "word/document.xml")
	if err != nil {
		return Output{}, err
	}
	out := newTextBuf(lim.MaxTextBytes)
	parts := []string{main}
	for _, kind := range []string{"header", "footer"} {
		parts = append(parts, numberedParts(a, "word/"+kind, ".xml")...)
	}
	for _, name := range []string{"word/footnotes.xml", "word/endnotes.xml"} {
		if a.has(name) {
			parts = append(parts, name)
		}
	}
	for _, part := range parts {
		if out.full() {
			break
		}
		if err := wordPart(ctx, a, part, out); err != nil {
			return Output{}, err
		}
		out.newline()
	}
	return ooxmlOutput(out), nil
}

// wordPart writes the text of one WordprocessingML part.
func wordPart(ctx context.Context, a *zipArchive, part string, out *textBuf) error {
	var skip, run int
	inText := false
	return walkXML(ctx, a, part, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 || t.Name.Local == "Fallback" {
				skip++
				return nil
			}
			switch t.Name.Local {
			case "t":
				inText = true
			case "r":
				run++
			case "tab":
				if run > 0 { // not a tab stop of the paragraph's properties
					out.write("\t")
				}
			case "br", "cr":
				out.newline()
			case "noBreakHyphen":
				out.write("-")
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				return nil
			}
			switch t.Name.Local {
			case "t":
				inText = false
			case "r":
				run = max(run-1, 0)
			case "p", "tc":
				out.newline()
			}
		case xml.CharData:
			if inText && skip == 0 {
				out.write(string(t))
			}
		}
		if out.full() {
			return errStopWalk
		}
		return nil
	})
}
