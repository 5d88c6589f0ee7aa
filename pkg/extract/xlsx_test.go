package extract

import (
	"strconv"
	"strings"
	"testing"
)

const xlsxNS = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`

// xlsxWith returns a one-sheet workbook with the given workbook properties
// (e.g. <workbookPr date1904="1"/>), styles part (none if empty) and
// sheet rows.
func xlsxWith(t *testing.T, workbookPr, styles, rows string) []byte {
	t.Helper()
	entries := []zipEntry{
		{"[Content_Types].xml", contentTypes},
		{"xl/workbook.xml", `<workbook ` + xlsxNS + `>` + workbookPr + `<sheets><sheet name="Dates" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
			`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		{"xl/sharedStrings.xml", `<sst ` + xlsxNS + `><si><t>34197</t></si></sst>`},
		{"xl/worksheets/sheet1.xml", `<worksheet ` + xlsxNS + `><sheetData>` + rows + `</sheetData></worksheet>`},
	}
	if styles != "" {
		entries = append(entries, zipEntry{"xl/styles.xml", styles})
	}
	return buildZip(t, false, entries...)
}

var xmlAttrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", `"`, "&quot;")

// xlsxStyles is a styles part whose cell styles 0… have the number
// formats numFmtIDs, with custom formats 164 and up.
func xlsxStyles(custom []string, numFmtIDs ...int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet ` + xlsxNS + `><numFmts>`)
	for i, c := range custom {
		b.WriteString(`<numFmt numFmtId="` + strconv.Itoa(164+i) + `" formatCode="` + xmlAttrEscaper.Replace(c) + `"/>`)
	}
	// cellStyleXfs comes first in a real styles part; its xf entries are
	// not the cells' styles.
	b.WriteString(`</numFmts><cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs><cellXfs>`)
	for _, id := range numFmtIDs {
		b.WriteString(`<xf numFmtId="` + strconv.Itoa(id) + `" fontId="0" applyNumberFormat="1"/>`)
	}
	b.WriteString(`</cellXfs></styleSheet>`)
	return b.String()
}

// TestXLSXNumberFormats: numbers show as their cells' number formats show
// them — built-in dates, times and percentages, custom formats from
// styles.xml — while General numbers, shared strings and text stay as
// stored.
func TestXLSXNumberFormats(t *testing.T) {
	custom := []string{
		"dd/mm/yyyy", // 164
		"[$-409]dddd, mmmm d, yyyy h:mm:ss AM/PM", // 165
		`0 "days"`,                // 166: a number, not a date
		"[Red]0.0%;[Blue]-0.0%",   // 167
		"yyyy-mm-dd hh:mm:ss.000", // 168
		"h:mm a/p",                // 169
		"d mmm yy",                // 170
	}
	styles := xlsxStyles(custom, 0, 14, 164, 20, 18, 10, 9, 165, 46, 166, 167, 168, 169, 2, 170, 47)
	rows := `<row r="1">` +
		`<c r="A1" s="1"><v>34197</v></c>` + // 14: date
		`<c r="B1" s="2" t="n"><v>34197</v></c>` + // dd/mm/yyyy
		`<c r="C1" s="3"><v>0.5625</v></c>` + // 20: h:mm
		`<c r="D1" s="4"><v>0.75</v></c>` + // 18: h:mm AM/PM
		`<c r="E1" s="5"><v>0.125</v></c>` + // 10: 0.00%
		`<c r="F1" s="6"><v>0.07</v></c>` + // 9: 0%
		`<c r="G1" s="0"><v>1234.5</v></c>` + // General
		`<c r="H1"><v>34197</v></c>` + // no style
		`</row><row r="2">` +
		`<c r="A2" s="7"><v>34197.75</v></c>` +
		`<c r="B2" s="8"><v>1.5</v></c>` + // 46: [h]:mm:ss
		`<c r="C2" s="9"><v>42</v></c>` +
		`<c r="D2" s="10"><v>0.4567</v></c>` +
		`<c r="E2" s="11"><v>45000.123456789</v></c>` +
		`<c r="F2" s="12"><v>0.25</v></c>` +
		`<c r="G2" s="13"><v>35.5</v></c>` + // 2: 0.00, a plain number: as stored
		`</row><row r="3">` +
		`<c r="A3" s="1" t="s"><v>0</v></c>` + // a shared string is not a number
		`<c r="B3" s="1" t="str"><v>34197</v></c>` + // nor is a formula's text
		`<c r="C3" s="14"><v>34197.9999999</v></c>` + // rounds to the next day
		`<c r="D3" s="15"><v>0.000694444</v></c>` + // 47: mm:ss.0
		`<c r="E3" s="1"><v>-1</v></c>` + // Excel shows #####
		`<c r="F3" s="99"><v>34197</v></c>` + // no such style
		`</row>`
	out, err := extractData(t, ctXLSX, "dates.xlsx", xlsxWith(t, "", styles, rows))
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	want := "Dates\n" +
		"1993-08-16\t16/08/1993\t13:30\t6:00 PM\t12.50%\t7%\t1234.5\t34197\n" +
		"Monday, August 16, 1993 6:00:00 PM\t36:00:00\t42\t45.7%\t2023-03-15 02:57:46.667\t6:00 a\t35.5\n" +
		"34197\t34197\t17 Aug 93\t01:00.0\t-1\t34197"
	if out.Text != want {
		t.Errorf("got\n%s\nwant\n%s", out.Text, want)
	}
}

// TestXLSXDateSystems: the 1904 date system counts from 1904-01-01; in
// the 1900 one, serial 60 is Excel's 1900-02-29 and 61 is 1900-03-01.
func TestXLSXDateSystems(t *testing.T) {
	styles := xlsxStyles(nil, 14)
	rows := `<row r="1"><c r="A1" s="0"><v>0</v></c><c r="B1" s="0"><v>34197</v></c></row>` +
		`<row r="2"><c r="A2" s="0"><v>1</v></c><c r="B2" s="0"><v>59</v></c><c r="C2" s="0"><v>60</v></c><c r="D2" s="0"><v>61</v></c></row>`
	for _, tt := range []struct {
		name, workbookPr, want string
	}{
		{"1904", `<workbookPr date1904="1"/>`, "Dates\n1904-01-01\t1997-08-17\n1904-01-02\t1904-02-29\t1904-03-01\t1904-03-02"},
		{"1900", `<workbookPr date1904="false"/>`, "Dates\n1899-12-31\t1993-08-16\n1900-01-01\t1900-02-28\t1900-02-29\t1900-03-01"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := extractData(t, ctXLSX, "dates.xlsx", xlsxWith(t, tt.workbookPr, styles, rows))
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if out.Text != tt.want {
				t.Errorf("got %q; want %q", out.Text, tt.want)
			}
		})
	}
}

// TestXLSXBadStyles: a missing or malformed styles part leaves numbers as
// stored rather than failing the workbook.
func TestXLSXBadStyles(t *testing.T) {
	rows := `<row r="1"><c r="A1" s="1"><v>34197</v></c><c r="B1" s="1"><v>0.5</v></c></row>`
	for _, tt := range []struct{ name, styles string }{
		{"no styles part", ""},
		{"malformed styles part", `<styleSheet ` + xlsxNS + `><cellXfs><xf numFmtId="0"/><xf numFmtId="14"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := extractData(t, ctXLSX, "plain.xlsx", xlsxWith(t, "", tt.styles, rows))
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if want := "Dates\n34197\t0.5"; out.Text != want {
				t.Errorf("got %q; want %q", out.Text, want)
			}
		})
	}
}

// FuzzNumFormat: any format code and cell value show without a panic and
// within bounds.
func FuzzNumFormat(f *testing.F) {
	for _, code := range []string{"General", "yyyy-mm-dd", "[h]:mm:ss", "0.00%", "h:mm AM/PM", `dd"x"\m`, "[$-409]dddd;@", "mm:ss.000", "[Red]0%;[", `"`} {
		f.Add(code, "34197.5")
	}
	f.Fuzz(func(t *testing.T, code, raw string) {
		nf := parseNumFormat(code, false)
		if nf == nil {
			return
		}
		if got := nf.show(raw); len(got) > len(raw)+400+30*len(code) {
			t.Fatalf("format %q shows %q as %d bytes", code, raw, len(got))
		}
	})
}
