package extract

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
)

// extractPPTX returns a presentation's text, slide after slide in the
// presentation's order (ppt/presentation.xml's slide list; without it,
// ppt/slides/slideN.xml in numeric order of N), each slide's paragraphs
// (a:p, a:t) one per line.
func extractPPTX(ctx context.Context, in Input, lim Limits) (Output, error) {
	a, err := openOOXML(ctx, in.Path, lim)
	if err != nil {
		return Output{}, err
	}
	defer a.Close()
	slides, err := pptxSlides(ctx, a)
	if err != nil {
		return Output{}, err
	}
	out := newTextBuf(lim.MaxTextBytes)
	for _, slide := range slides {
		if out.full() {
			break
		}
		if err := drawingPart(ctx, a, slide, out); err != nil {
			return Output{}, err
		}
		out.newline()
	}
	return ooxmlOutput(out), nil
}

// pptxSlides lists the slide parts in presentation order.
func pptxSlides(ctx context.Context, a *zipArchive) ([]string, error) {
	numbered := numberedParts(a, "ppt/slides/slide", ".xml")
	pres, err := mainPart(ctx, a, "ppt/presentation.xml")
	if err != nil {
		if errors.Is(err, ErrCorrupt) && len(numbered) > 0 {
			return numbered, nil // no usable presentation part: the slides by number
		}
		return nil, err
	}
	rels, err := readRels(ctx, a, pres)
	if err != nil {
		return nil, err
	}
	ids, err := slideIDs(ctx, a, pres)
	if err != nil {
		return nil, err
	}
	targets := make(map[string]string, len(rels))
	for _, r := range rels {
		if strings.HasSuffix(r.typ, "/slide") {
			targets[r.id] = r.target
		}
	}
	var slides []string
	for _, id := range ids {
		if t, ok := targets[id]; ok && a.has(t) {
			slides = append(slides, t)
		}
	}
	if len(slides) == 0 {
		return numbered, nil
	}
	return slides, nil
}

// slideIDs returns the r:id of each p:sldId of the presentation part, in
// order.
func slideIDs(ctx context.Context, a *zipArchive, pres string) ([]string, error) {
	var ids []string
	err := walkXML(ctx, a, pres, func(tok xml.Token) error {
		if e, ok := tok.(xml.StartElement); ok && e.Name.Local == "sldId" {
			ids = append(ids, relID(e))
			if len(ids) > a.lim.MaxZipEntries {
				return fmt.Errorf("%w: %s lists more slides than the archive has entries", ErrCorrupt, pres)
			}
		}
		return nil
	})
	return ids, err
}

// drawingPart writes the text of a DrawingML part (a slide): a:t text,
// a:p paragraphs one per line, a:br breaks.
func drawingPart(ctx context.Context, a *zipArchive, part string, out *textBuf) error {
	skip := 0
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
			case "br":
				out.newline()
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				return nil
			}
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				out.newline()
			case "tc":
				out.tab()
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
