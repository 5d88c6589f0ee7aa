package extract

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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
	sheets, date1904, err := workbookSheets(ctx, a, wb, rels)
	if err != nil {
		return Output{}, err
	}
	styles, err := readCellStyles(ctx, a, rels, date1904)
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
		if err := sheetPart(ctx, a, s.part, strs, styles, out); err != nil {
			return Output{}, err
		}
		out.newline()
	}
	return ooxmlOutput(out), nil
}

// workbookSheets lists the worksheets in the workbook's order (its
// <sheets>); without a usable list, xl/worksheets/sheetN.xml in numeric
// order. date1904 reports the workbook's date system (<workbookPr
// date1904>): serial day 0 is 1904-01-01 instead of 1899-12-31.
func workbookSheets(ctx context.Context, a *zipArchive, wb string, rels []relationship) (sheets []sheet, date1904 bool, err error) {
	targets := make(map[string]string, len(rels))
	for _, r := range rels {
		if strings.HasSuffix(r.typ, "/worksheet") {
			targets[r.id] = r.target
		}
	}
	err = walkXML(ctx, a, wb, func(tok xml.Token) error {
		e, ok := tok.(xml.StartElement)
		if ok && e.Name.Local == "workbookPr" {
			v := attr(e, "date1904")
			date1904 = v == "1" || v == "true"
		}
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
		return nil, false, err
	}
	if len(sheets) == 0 {
		for _, p := range numberedParts(a, "xl/worksheets/sheet", ".xml") {
			sheets = append(sheets, sheet{part: p})
		}
	}
	return sheets, date1904, nil
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
func sheetPart(ctx context.Context, a *zipArchive, part string, strs *stringTable, styles *cellStyles, out *textBuf) error {
	var (
		val                  strings.Builder
		cellType, cellStyle  string
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
				cellType, cellStyle = attr(e, "t"), attr(e, "s")
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
				if s := cellText(cellType, val.String(), strs, styles.format(cellStyle)); s != "" {
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

// cellText returns a cell's displayed value from its type, raw value and
// number format (nil: General).
func cellText(typ, raw string, strs *stringTable, f *numFormat) string {
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
	case f != nil && (typ == "" || typ == "n"):
		return f.show(raw)
	}
	return raw
}

// builtinNumFormats are the format codes of the built-in number formats
// that show dates, times and percentages (ECMA-376 Part 1, 18.8.30). The
// short date (14) and the date and time (22) follow the reader's locale in
// Excel (8/16/1993 in the US, 16/08/1993 in Britain); they are shown in
// ISO 8601, which reads the same everywhere. The other built-in formats
// (General, plain and currency numbers) leave the number as stored.
var builtinNumFormats = map[int]string{
	9: "0%", 10: "0.00%",
	14: "yyyy-mm-dd", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy",
	18: "h:mm AM/PM", 19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss",
	22: "yyyy-mm-dd h:mm",
	45: "mm:ss", 46: "[h]:mm:ss", 47: "mm:ss.0",
}

// maxCellStyles bounds the cell styles and custom formats kept (Excel
// allows 64,000 styles); cells with a style past it show their number as
// stored.
const maxCellStyles = 1 << 16

// cellStyles are the number formats of a workbook's cell styles: the xf
// entries of styles.xml's cellXfs, which a cell's s attribute indexes.
type cellStyles struct {
	fmts []*numFormat // nil: the number shows as stored
}

// format returns the number format of the cell style numbered s, nil for
// General or an unknown style.
func (c *cellStyles) format(s string) *numFormat {
	i, err := strconv.Atoi(s)
	if err != nil || i < 0 || i >= len(c.fmts) {
		return nil
	}
	return c.fmts[i]
}

// readCellStyles reads the number formats of the workbook's cell styles.
// Styles only change how numbers look: without a styles part, or with one
// that is not well-formed, numbers show as stored.
func readCellStyles(ctx context.Context, a *zipArchive, rels []relationship, date1904 bool) (*cellStyles, error) {
	c := &cellStyles{}
	part := "xl/styles.xml"
	if r, ok := relOfType(rels, "styles"); ok {
		part = r.target
	}
	if !a.has(part) {
		return c, nil
	}
	custom := map[int]string{}
	var ids []int
	var inCellXfs bool
	err := walkXML(ctx, a, part, func(tok xml.Token) error {
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "numFmt":
				if id, err := strconv.Atoi(attr(e, "numFmtId")); err == nil && len(custom) < maxCellStyles {
					custom[id] = attr(e, "formatCode")
				}
			case "cellXfs":
				inCellXfs = true
			case "xf":
				if inCellXfs && len(ids) < maxCellStyles {
					id, _ := strconv.Atoi(attr(e, "numFmtId")) // absent: 0, General
					ids = append(ids, id)
				}
			}
		case xml.EndElement:
			if e.Name.Local == "cellXfs" {
				inCellXfs = false
			}
		}
		return nil
	})
	if errors.Is(err, ErrCorrupt) {
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	parsed := map[int]*numFormat{}
	c.fmts = make([]*numFormat, len(ids))
	for i, id := range ids {
		f, ok := parsed[id]
		if !ok {
			code, ok := custom[id]
			if !ok {
				code = builtinNumFormats[id]
			}
			f = parseNumFormat(code, date1904)
			parsed[id] = f
		}
		c.fmts[i] = f
	}
	return c, nil
}

// numFormat is a number format that changes how a number shows: a date or
// time (tokens) or a percentage.
type numFormat struct {
	tokens   []fmtToken
	ampm     bool // hours on a 12-hour clock
	subsec   int  // digits of a second's fractions shown
	date1904 bool
	percent  bool
	decimals int // of a percentage
}

type fmtKind uint8

const (
	fmtLiteral fmtKind = iota
	fmtYear
	fmtMonth
	fmtDay
	fmtHour
	fmtMinute
	fmtSecond
	fmtSubsec
	fmtAMPM
	fmtElapsedHours
	fmtElapsedMinutes
	fmtElapsedSeconds
)

// maxFmtWidth bounds the digits a format asks for (Excel allows 30
// decimals), so that a hostile format cannot make one cell huge.
const maxFmtWidth = 30

// fmtToken is one piece of a date format: a literal (text), or a field
// shown with n letters (yyyy, mmm, hh, …; for fmtSubsec, n digits).
type fmtToken struct {
	kind fmtKind
	n    int
	text string
}

// parseNumFormat reads a format code's first section (the one for
// positive numbers, the only one dates use). It returns nil for a format
// that shows the number as stored.
func parseNumFormat(code string, date1904 bool) *numFormat {
	sec := firstSection(code)
	f := &numFormat{date1904: date1904}
	isDate := false
	for _, t := range tokenizeNumFormat(sec) {
		switch t.kind {
		case fmtLiteral:
		case fmtAMPM:
			f.ampm, isDate = true, true
		case fmtSubsec:
			f.subsec, isDate = t.n, true
		default:
			isDate = true
		}
		f.tokens = append(f.tokens, t)
	}
	if isDate {
		resolveMinutes(f.tokens)
		return f
	}
	plain := numFormatPlain(sec)
	if !strings.Contains(plain, "%") {
		return nil
	}
	f.tokens, f.percent = nil, true
	if dot := strings.IndexByte(plain, '.'); dot >= 0 {
		for _, c := range plain[dot+1:] {
			if c != '0' && c != '#' && c != '?' || f.decimals == maxFmtWidth {
				break
			}
			f.decimals++
		}
	}
	return f
}

// firstSection returns a format code up to its first ';' outside quotes,
// escapes and brackets.
func firstSection(code string) string {
	quoted, bracket := false, false
	for i := 0; i < len(code); i++ {
		switch c := code[i]; {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\\':
			i++
		case c == '[':
			bracket = true
		case c == ']':
			bracket = false
		case c == ';' && !bracket:
			return code[:i]
		}
	}
	return code
}

// numFormatPlain returns a format section without its quoted text, escaped
// characters and bracketed colours, locales and conditions.
func numFormatPlain(sec string) string {
	var b strings.Builder
	for _, t := range tokenizeNumFormat(sec) {
		if t.kind == fmtLiteral && t.n == 0 {
			b.WriteString(t.text)
		}
	}
	return b.String()
}

// tokenizeNumFormat splits a format section into date fields and
// literals. Literals from quotes and escapes have n = 1, so that
// numFormatPlain can leave them out; an m is a month until
// resolveMinutes says otherwise.
func tokenizeNumFormat(sec string) []fmtToken {
	var toks []fmtToken
	lit := func(s string, quoted bool) {
		t := fmtToken{kind: fmtLiteral, text: s}
		if quoted {
			t.n = 1
		}
		toks = append(toks, t)
	}
	for i := 0; i < len(sec); {
		c := sec[i]
		lc := c | 0x20
		switch {
		case c == '"':
			j := strings.IndexByte(sec[i+1:], '"')
			if j < 0 {
				j = len(sec) - i - 1
			}
			lit(sec[i+1:i+1+j], true)
			i += j + 2
		case (c == '\\' || c == '_' || c == '*') && i+1 < len(sec):
			_, n := utf8.DecodeRuneInString(sec[i+1:])
			switch c {
			case '\\':
				lit(sec[i+1:i+1+n], true)
			case '_': // the width of the next character: a space
				lit(" ", true)
			} // '*' repeats a character to fill the cell: nothing
			i += 1 + n
		case c == '[':
			j := strings.IndexByte(sec[i:], ']')
			if j < 0 {
				j = len(sec) - i
			}
			inner := strings.ToLower(sec[i+1 : i+j])
			for _, e := range []struct {
				letter string
				kind   fmtKind
			}{{"h", fmtElapsedHours}, {"m", fmtElapsedMinutes}, {"s", fmtElapsedSeconds}} {
				if inner != "" && strings.Trim(inner, e.letter) == "" {
					toks = append(toks, fmtToken{kind: e.kind, n: min(len(inner), maxFmtWidth)})
				}
			}
			i += j + 1
		case hasPrefixFold(sec[i:], "am/pm"):
			toks = append(toks, fmtToken{kind: fmtAMPM, n: 5, text: sec[i : i+5]})
			i += 5
		case hasPrefixFold(sec[i:], "a/p"):
			toks = append(toks, fmtToken{kind: fmtAMPM, n: 3, text: sec[i : i+3]})
			i += 3
		case lc == 'y' || lc == 'm' || lc == 'd' || lc == 'h' || lc == 's':
			n := 1
			for i+n < len(sec) && sec[i+n]|0x20 == lc {
				n++
			}
			kind := map[byte]fmtKind{'y': fmtYear, 'm': fmtMonth, 'd': fmtDay, 'h': fmtHour, 's': fmtSecond}[lc]
			toks = append(toks, fmtToken{kind: kind, n: n})
			i += n
		case c == '.' && i+1 < len(sec) && sec[i+1] == '0' && lastField(toks) == fmtSecond:
			n := 1
			for i+1+n < len(sec) && sec[i+1+n] == '0' {
				n++
			}
			toks = append(toks, fmtToken{kind: fmtSubsec, n: min(n, 3)})
			i += 1 + n
		default:
			_, n := utf8.DecodeRuneInString(sec[i:])
			lit(sec[i:i+n], false)
			i += n
		}
	}
	return toks
}

// lastField returns the kind of the last field among toks (elapsed
// seconds count as seconds), fmtLiteral if there is none.
func lastField(toks []fmtToken) fmtKind {
	for i := len(toks) - 1; i >= 0; i-- {
		switch k := toks[i].kind; k {
		case fmtLiteral:
		case fmtElapsedSeconds:
			return fmtSecond
		default:
			return k
		}
	}
	return fmtLiteral
}

// resolveMinutes turns m and mm into minutes where Excel does: right
// after an hour, or right before a second.
func resolveMinutes(toks []fmtToken) {
	for i, t := range toks {
		if t.kind != fmtMonth || t.n > 2 {
			continue
		}
		if k := lastField(toks[:i]); k == fmtHour || k == fmtElapsedHours {
			toks[i].kind = fmtMinute
			continue
		}
		for _, next := range toks[i+1:] {
			if next.kind == fmtLiteral {
				continue
			}
			if next.kind == fmtSecond || next.kind == fmtElapsedSeconds {
				toks[i].kind = fmtMinute
			}
			break
		}
	}
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// maxSerialDay is 9999-12-31, the last day a spreadsheet shows.
const maxSerialDay = 2958465

// show returns raw (a number as stored) as the format shows it; raw itself
// when it is not a number or, for a date, out of the range a spreadsheet
// shows (which shows #####).
func (f *numFormat) show(raw string) string {
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return raw
	}
	if f.percent {
		return strconv.FormatFloat(v*100, 'f', f.decimals, 64) + "%"
	}
	if v < 0 || v >= maxSerialDay+1 {
		return raw
	}
	// Round to what is shown: whole seconds, or the fractions shown.
	unit := int64(1000)
	for range f.subsec {
		unit /= 10
	}
	ms := int64(math.Round(v*86400e3/float64(unit))) * unit
	day, msOfDay := ms/86400e3, ms%86400e3
	y, mo, d, wd := serialDate(day, f.date1904)
	h := int(msOfDay / 3600e3)
	var b strings.Builder
	for _, t := range f.tokens {
		switch t.kind {
		case fmtLiteral:
			b.WriteString(t.text)
		case fmtYear:
			if t.n <= 2 {
				fmt.Fprintf(&b, "%02d", y%100)
			} else {
				fmt.Fprintf(&b, "%04d", y)
			}
		case fmtMonth:
			name := mo.String()
			switch t.n {
			case 1, 2:
				fmt.Fprintf(&b, "%0*d", t.n, int(mo))
			case 3:
				b.WriteString(name[:3])
			case 5:
				b.WriteString(name[:1])
			default:
				b.WriteString(name)
			}
		case fmtDay:
			switch t.n {
			case 1, 2:
				fmt.Fprintf(&b, "%0*d", t.n, d)
			case 3:
				b.WriteString(wd.String()[:3])
			default:
				b.WriteString(wd.String())
			}
		case fmtHour:
			hh := h
			if f.ampm {
				hh = h % 12
				if hh == 0 {
					hh = 12
				}
			}
			fmt.Fprintf(&b, "%0*d", min(t.n, 2), hh)
		case fmtMinute:
			fmt.Fprintf(&b, "%0*d", min(t.n, 2), msOfDay/60e3%60)
		case fmtSecond:
			fmt.Fprintf(&b, "%0*d", min(t.n, 2), msOfDay/1e3%60)
		case fmtSubsec:
			b.WriteString(fmt.Sprintf(".%03d", msOfDay%1000)[:1+t.n])
		case fmtAMPM:
			b.WriteString(ampmText(t.text, h >= 12))
		case fmtElapsedHours:
			fmt.Fprintf(&b, "%0*d", t.n, ms/3600e3)
		case fmtElapsedMinutes:
			fmt.Fprintf(&b, "%0*d", t.n, ms/60e3)
		case fmtElapsedSeconds:
			fmt.Fprintf(&b, "%0*d", t.n, ms/1e3)
		}
	}
	return b.String()
}

// ampmText is AM or PM (A or P for an A/P format) in the case the format
// writes it.
func ampmText(code string, pm bool) string {
	s := "AM"
	if pm {
		s = "PM"
	}
	if len(code) == 3 {
		s = s[:1]
	}
	if code[0] == 'a' || code[0] == 'p' {
		s = strings.ToLower(s)
	}
	return s
}

// serialDate returns the date of a serial day. In the 1900 date system
// day 1 is 1900-01-01 and day 60 is 1900-02-29, a day that never was but
// that Lotus 1-2-3 counted and Excel keeps for compatibility; so from day
// 61 on the count starts at 1899-12-30. In the 1904 system day 0 is
// 1904-01-01.
func serialDate(day int64, date1904 bool) (int, time.Month, int, time.Weekday) {
	var t time.Time
	switch {
	case date1904:
		t = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case day == 60:
		return 1900, time.February, 29, time.Wednesday
	case day < 60:
		t = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	default:
		t = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	}
	t = t.AddDate(0, 0, int(day))
	return t.Year(), t.Month(), t.Day(), t.Weekday()
}
