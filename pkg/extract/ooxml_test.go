package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// rewriteZip copies an archive, letting edit change (or drop, returning
// false) each entry's content.
func rewriteZip(t *testing.T, data []byte, edit func(name string, body []byte) ([]byte, bool)) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		body, keep := edit(f.Name, body)
		if !keep {
			continue
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDOCX: runs, tabs, breaks and the parts after the body; the fallback
// copy of alternate content is not read twice.
func TestDOCX(t *testing.T) {
	body := `<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>` +
		`<w:r><w:t>Hello</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve">tabbed </w:t></w:r><w:r><w:t>run</w:t><w:br/><w:t>broken</w:t></w:r></w:p>` +
		`<w:p><w:r><w:t>A&amp;B</w:t><w:noBreakHyphen/><w:t>C</w:t><w:instrText>PAGE</w:instrText></w:r>` +
		`<w:del><w:r><w:delText>deleted</w:delText></w:r></w:del></w:p>` +
		`<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">` +
		`<mc:Choice Requires="wps"><w:p><w:r><w:t>Text box</w:t></w:r></w:p></mc:Choice>` +
		`<mc:Fallback><w:p><w:r><w:t>Text box</w:t></w:r></w:p></mc:Fallback></mc:AlternateContent>` +
		`<w:p/><w:p><w:r><w:t>End</w:t></w:r></w:p>`
	data := buildZip(t, false,
		zipEntry{"[Content_Types].xml", contentTypes},
		zipEntry{"word/document.xml", `<?xml version="1.0"?><w:document ` + wNS + `><w:body>` + body + `</w:body></w:document>`},
		zipEntry{"word/footer1.xml", `<w:ftr ` + wNS + `><w:p><w:r><w:t>Footer one</w:t></w:r></w:p></w:ftr>`},
		zipEntry{"word/header10.xml", `<w:hdr ` + wNS + `><w:p><w:r><w:t>Header ten</w:t></w:r></w:p></w:hdr>`},
		zipEntry{"word/header2.xml", `<w:hdr ` + wNS + `><w:p><w:r><w:t>Header two</w:t></w:r></w:p></w:hdr>`},
		zipEntry{"word/footnotes.xml", `<w:footnotes ` + wNS + `><w:footnote><w:p><w:r><w:t>A footnote</w:t></w:r></w:p></w:footnote></w:footnotes>`},
	)
	out, err := extractData(t, ctDOCX, "memo.docx", data)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	want := "Hello\ttabbed run\nbroken\nA&B-C\nText box\nEnd\nHeader two\nHeader ten\nFooter one\nA footnote"
	if out.Text != want || out.Method != "ooxml" {
		t.Errorf("got %q by %q; want %q by ooxml", out.Text, out.Method, want)
	}
}

// TestPPTXOrder: slides follow the presentation's slide list, else the
// numbers in their names (numerically).
func TestPPTXOrder(t *testing.T) {
	fixture := readFixture(t, "slides.pptx")
	t.Run("the presentation's order, not the file names'", func(t *testing.T) {
		// Move slide 12 first in ppt/presentation.xml's slide list.
		data := rewriteZip(t, fixture, func(name string, body []byte) ([]byte, bool) {
			if name != "ppt/presentation.xml" {
				return body, true
			}
			s := string(body)
			start := strings.Index(s, "<p:sldIdLst>") + len("<p:sldIdLst>")
			end := strings.Index(s, "</p:sldIdLst>")
			ids := strings.SplitAfter(s[start:end], "/>")
			ids = ids[:len(ids)-1]
			reordered := append([]string{ids[len(ids)-1]}, ids[:len(ids)-1]...)
			return []byte(s[:start] + strings.Join(reordered, "") + s[end:]), true
		})
		out, err := extractData(t, ctPPTX, "slides.pptx", data)
		if err != nil {
			t.Fatalf("Extract: %v", err)
		}
		assertInOrder(t, out.Text, "Planet Haumea", "Planet Mercury", "Planet Venus", "Planet Eris")
	})
	t.Run("without a presentation part: slideN in numeric order", func(t *testing.T) {
		data := rewriteZip(t, fixture, func(name string, body []byte) ([]byte, bool) {
			return body, name != "ppt/presentation.xml" && name != "_rels/.rels"
		})
		out, err := extractData(t, ctPPTX, "slides.pptx", data)
		if err != nil {
			t.Fatalf("Extract: %v", err)
		}
		assertInOrder(t, out.Text, slideWords()...)
	})
}

// TestXLSXCells: inline strings, booleans, formulas' cached values, and
// out-of-range shared string indexes.
func TestXLSXCells(t *testing.T) {
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	data := buildZip(t, false,
		zipEntry{"[Content_Types].xml", contentTypes},
		zipEntry{"xl/workbook.xml", `<workbook ` + ns + `><sheets><sheet name="Second" sheetId="2" r:id="rId2"/><sheet name="First" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		zipEntry{"xl/_rels/workbook.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/>` +
			`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		zipEntry{"xl/sharedStrings.xml", `<sst ` + ns + `><si><t>zero</t></si><si><r><t>rich </t></r><r><t>text</t></r><rPh><t>phonetic</t></rPh></si></sst>`},
		zipEntry{"xl/worksheets/sheet1.xml", `<worksheet ` + ns + `><sheetData>` +
			`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>99</v></c></row>` +
			`<row r="2"><c r="A2" t="b"><v>1</v></c><c r="B2" t="b"><v>0</v></c><c r="C2"><f>1+1</f><v>2</v></c><c r="D2" t="inlineStr"><is><t>inline</t></is></c></row>` +
			`<row r="3"><c r="A3"/></row><row r="4"><c r="A4" t="str"><f>"a"&amp;"b"</f><v>ab</v></c></row></sheetData></worksheet>`},
		zipEntry{"xl/worksheets/sheet2.xml", `<worksheet ` + ns + `><sheetData><row r="1"><c r="A1"><v>3.25</v></c></row></sheetData></worksheet>`},
	)
	out, err := extractData(t, ctXLSX, "book.xlsx", data)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	want := "Second\n3.25\nFirst\nzero\trich text\nTRUE\tFALSE\t2\tinline\nab"
	if out.Text != want {
		t.Errorf("got %q; want %q", out.Text, want)
	}
}

// TestOOXMLBad: damaged packages are ErrCorrupt, protected ones
// ErrEncrypted, and an empty document is empty text.
func TestOOXMLBad(t *testing.T) {
	docx := readFixture(t, "document.docx")
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, bytes.Repeat([]byte{0}, 4096)...)
	zipEncrypted := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: "word/document.xml", Method: zip.Store, Flags: 0x1})
		w.Write([]byte("encrypted bytes"))
		zw.Close()
		return buf.Bytes()
	}()
	tests := []struct {
		name   string
		ct     string
		data   []byte
		target error
	}{
		{"the fixture cut in half", ctDOCX, docx[:len(docx)/2], ErrCorrupt},
		{"document.xml is not XML", ctDOCX, buildZip(t, false, zipEntry{"[Content_Types].xml", contentTypes}, zipEntry{"word/document.xml", "this is <<< not XML"}), ErrCorrupt},
		{"document.xml is binary", ctDOCX, buildZip(t, false, zipEntry{"word/document.xml", "\x00\x01\x02\xff\xfe"}), ErrCorrupt},
		{"document.xml is missing", ctDOCX, buildZip(t, false, zipEntry{"[Content_Types].xml", contentTypes}), ErrCorrupt},
		{"an empty file", ctDOCX, nil, ErrCorrupt},
		{"workbook.xml is missing", ctXLSX, buildZip(t, false, zipEntry{"[Content_Types].xml", contentTypes}), ErrCorrupt},
		{"no slides and no presentation.xml", ctPPTX, buildZip(t, false, zipEntry{"[Content_Types].xml", contentTypes}), ErrCorrupt},
		{"not a zip at all", ctDOCX, []byte("PK but not really a zip archive"), ErrCorrupt},
		{"a legacy OLE Office file", ctDOCX, ole, ErrCorrupt},
		{"an OLE file with an EncryptedPackage stream", ctXLSX, append(bytes.Clone(ole), utf16Bytes("EncryptedPackage", false, false)...), ErrEncrypted},
		{"a zip-encrypted entry", ctDOCX, zipEncrypted, ErrEncrypted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extractData(t, tt.ct, "bad.docx", tt.data)
			if !errors.Is(err, tt.target) {
				t.Fatalf("err = %v; want %v", err, tt.target)
			}
		})
	}
}

// TestOOXMLEntityBomb: a DTD's entities are not expanded (encoding/xml
// knows only the predefined ones): a billion-laughs document.xml is
// ErrCorrupt, not a billion laughs.
func TestOOXMLEntityBomb(t *testing.T) {
	var dtd strings.Builder
	dtd.WriteString(`<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a0 "ha">`)
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&dtd, `<!ENTITY a%d "&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;">`, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	dtd.WriteString(`]><w:document ` + wNS + `><w:body><w:p><w:r><w:t>&a9;</w:t></w:r></w:p></w:body></w:document>`)
	data := buildZip(t, false, zipEntry{"word/document.xml", dtd.String()})
	_, err := extractData(t, ctDOCX, "laughs.docx", data)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v; want ErrCorrupt", err)
	}
}

// TestOOXMLEmpty: a document without text is empty text, not an error.
func TestOOXMLEmpty(t *testing.T) {
	out, err := extractData(t, ctDOCX, "empty.docx", docxWith(t, "<w:p/><w:p><w:r/></w:p>"))
	if err != nil || out.Text != "" || out.Method != "ooxml" {
		t.Fatalf("got %q by %q, %v; want empty text by ooxml", out.Text, out.Method, err)
	}
}

// TestContainsUTF16: the OLE scan finds the stream name wherever reads cut
// it, and only the whole name.
func TestContainsUTF16(t *testing.T) {
	name := utf16Bytes("EncryptedPackage", false, false)
	pad := bytes.Repeat([]byte{0xAB}, 70<<10)
	for _, tt := range []struct {
		name string
		data []byte
		want bool
	}{
		{"across a 64 KiB read", append(append(bytes.Clone(pad[:64<<10-5]), name...), pad...), true},
		{"at the end", append(bytes.Clone(pad), name...), true},
		{"cut short", append(bytes.Clone(pad), name[:len(name)-2]...), false},
		{"as ASCII", append(bytes.Clone(pad), "EncryptedPackage"...), false},
	} {
		for _, r := range []struct {
			name string
			r    func([]byte) io.Reader
		}{
			{"whole reads", func(b []byte) io.Reader { return bytes.NewReader(b) }},
			{"one byte at a time", func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) }},
		} {
			t.Run(tt.name+", "+r.name, func(t *testing.T) {
				got, err := containsUTF16(context.Background(), r.r(tt.data), "EncryptedPackage")
				if err != nil || got != tt.want {
					t.Fatalf("got %v, %v; want %v", got, err, tt.want)
				}
			})
		}
	}
}

// TestOOXMLDeepNesting: XML nested a hundred thousand levels deep (issue
// 20, D2: 544 KB of it took extraction to 3.3 GB) is ErrTooBig at once;
// nesting as deep as real documents go is read.
func TestOOXMLDeepNesting(t *testing.T) {
	// Each level with an id of its own, so that the entry compresses like
	// the real one (under the zip ratio check).
	var deep strings.Builder
	x := uint32(1)
	for range 100000 {
		x = x*1664525 + 1013904223
		fmt.Fprintf(&deep, `<w:sdt w:id="%d">`, x)
	}
	deep.WriteString(strings.Repeat("</w:sdt>", 100000))
	_, err := extractData(t, ctDOCX, "deep.docx", docxWith(t, `<w:p><w:r><w:t>x</w:t></w:r></w:p>`+deep.String()))
	if !errors.Is(err, ErrTooBig) || !strings.Contains(err.Error(), "more than 1000 deep") {
		t.Fatalf("err = %v; want ErrTooBig for the nesting", err)
	}
	ok := strings.Repeat("<w:sdt>", 200) + `<w:p><w:r><w:t>nested text</w:t></w:r></w:p>` + strings.Repeat("</w:sdt>", 200)
	out, err := extractData(t, ctDOCX, "ok.docx", docxWith(t, ok))
	if err != nil || !strings.Contains(out.Text, "nested text") {
		t.Fatalf("200 levels: %q, %v", out.Text, err)
	}
}
