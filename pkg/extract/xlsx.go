package extract

import (
	"context"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

// sheet is one worksheet: its tab's name and its part.
type sheet struct {
	name, part string
}

// extractXLSX returns a workbook's text: the worksheets in the workbook's
// order, each as its name on a line and then its rows, one per line, with
// the values of a row's non-empty cells tab-separated (shared strings
// resolved, numbers as stored, booleans as TRUE/FALSE, formulas by their
// cached value).
func extractXLSX(ctx context.Context, in Input, lim Limits) (Output, error) {
	a, err := openOOXML(ctx, in.Path, lim)
	if err != nil {
		return Output{}, err
	}
	defer a.Close()
	wb, err := mainPart(ctx, a, "xl/workbook.xml")
	if err != nil {
		return Output{}, err
	}
	rels, err := readRels(ctx, a, wb)
	if err != nil {
		return Output{}, err
	}
	strs, err := sharedStrings(ctx, a, rels, lim)
	if err != nil {
		return Output{}, err
	}
	sheets, err := workbookSheets(ctx, a, wb, rels)
	if err != nil {
		return Output{}, err
	}
	out := newTextBuf(lim.MaxTextBytes)
	for _, s := range sheets {
		if out.full() {
			break
		}
		out.write(s.name)
		out.newline()
		if err := sheetPart(ctx, a, s.part, strs, out); err != nil {
			return Output{}, err
		}
		out.newline()
	}
	return ooxmlOutput(out), nil
}

// workbookSheets lists the worksheets in the workbook's order (its
// <sheets>); without a usable list, xl/worksheets/sheetN.xml in numeric
// order.
func workbookSheets(ctx context.Context, a *zipArchive, wb string, rels []relationship) ([]sheet, error) {
	targets := make(map[string]string, len(rels))
	for _, r := range rels {
		if strings.HasSuffix(r.typ, "/worksheet") {
			targets[r.id] = r.target
		}
	}
	var sheets []sheet
	err := walkXML(ctx, a, wb, func(tok xml.Token) error {
		e, ok := tok.(xml.StartElement)
		if !ok || e.Name.Local != "sheet" {
			return nil
		}
		if t, ok := targets[relID(e)]; ok && a.has(t) {
			sheets = append(sheets, sheet{name: attr(e, "name"), part: t})
		}
		if len(sheets) > a.lim.MaxZipEntries {
			return fmt.Errorf("%w: %s lists more sheets than the archive has entries", ErrCorrupt, wb)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(sheets) == 0 {
		for _, p := range numberedParts(a, "xl/worksheets/sheet", ".xml") {
			sheets = append(sheets, sheet{part: p})
		}
	}
	return sheets, nil
}

// stringTable is a workbook's shared strings, kept within a memory cap:
// strings past it read as empty.
type stringTable struct {
	s    []string
	cost int
	max  int
}

func (t *stringTable) add(s string) bool {
	t.cost += len(s) + 16
	if t.cost > t.max {
		return false
	}
	t.s = append(t.s, s)
	return true
}

func (t *stringTable) get(i string) string {
	n, err := strconv.Atoi(i)
	if err != nil || n < 0 || n >= len(t.s) {
		return ""
	}
	return t.s[n]
}

// sharedStrings reads the workbook's shared string table (its si items;
// phonetic runs left out), keeping at most about twice
// Limits.MaxTextBytes of it.
func sharedStrings(ctx context.Context, a *zipArchive, rels []relationship, lim Limits) (*stringTable, error) {
	t := &stringTable{max: max(2*lim.MaxTextBytes, 1<<20)}
	part := "xl/sharedStrings.xml"
	if r, ok := relOfType(rels, "sharedStrings"); ok {
		part = r.target
	}
	if !a.has(part) {
		return t, nil
	}
	var cur strings.Builder
	var inT bool
	var phonetic int
	err := walkXML(ctx, a, part, func(tok xml.Token) error {
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "si":
				cur.Reset()
			case "t":
				inT = true
			case "rPh":
				phonetic++
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "t":
				inT = false
			case "rPh":
				phonetic = max(phonetic-1, 0)
			case "si":
				if !t.add(cur.String()) {
					return errStopWalk
				}
			}
		case xml.CharData:
			if inT && phonetic == 0 && cur.Len() < t.max {
				cur.Write(e)
			}
		}
		return nil
	})
	return t, err
}

// sheetPart writes a worksheet's rows.
func sheetPart(ctx context.Context, a *zipArchive, part string, strs *stringTable, out *textBuf) error {
	var (
		val                  strings.Builder
		cellType             string
		inV, inInline, inT   bool
		phonetic, cellsInRow int
	)
	return walkXML(ctx, a, part, func(tok xml.Token) error {
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "row":
				cellsInRow = 0
			case "c":
				cellType = attr(e, "t")
				val.Reset()
			case "v":
				inV = true
			case "is":
				inInline = true
			case "t":
				inT = true
			case "rPh":
				phonetic++
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "v":
				inV = false
			case "is":
				inInline = false
			case "t":
				inT = false
			case "rPh":
				phonetic = max(phonetic-1, 0)
			case "c":
				if s := cellText(cellType, val.String(), strs); s != "" {
					if cellsInRow > 0 {
						out.write("\t")
					}
					out.write(s)
					cellsInRow++
				}
			case "row":
				out.newline()
			}
		case xml.CharData:
			if (inV || (inInline && inT && phonetic == 0)) && val.Len() < out.max {
				val.Write(e)
			}
		}
		if out.full() {
			return errStopWalk
		}
		return nil
	})
}

// cellText returns a cell's displayed value from its type and raw value.
func cellText(typ, raw string, strs *stringTable) string {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return ""
	case typ == "s":
		return strs.get(raw)
	case typ == "b" && raw == "1":
		return "TRUE"
	case typ == "b":
		return "FALSE"
	}
	return raw
}
