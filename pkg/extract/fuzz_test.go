package extract

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fuzzLimits keep one fuzz input small and quick.
func fuzzLimits() Limits {
	return Limits{
		MaxTextBytes:       64 << 10,
		Timeout:            5 * time.Second, // under the fuzz engine's 10 s per-input deadline
		MaxZipEntries:      200,
		MaxZipUncompressed: 4 << 20,
		MaxZipRatio:        200,
		MaxXMLElements:     10_000, // over what the fixtures need (3,197 at most), so a seed can pass it
	}
}

// fuzzMaxAlloc bounds what one fuzz input may allocate in all (garbage
// included): a few dozen times MaxZipUncompressed, which is what the XML
// of a package may expand to. A zip or XML bomb that gets past the limits
// goes far over it (issue 20's D2 took 3.3 GB).
const fuzzMaxAlloc = 512 << 20

// fuzzExtract runs the extractor of contentType on data and checks the
// properties every extractor keeps: it returns (it does not panic: it is
// called directly, not through Extract's recover), within the timeout,
// having allocated at most fuzzMaxAlloc, either text within MaxTextBytes
// (valid UTF-8 once Extract has capped it) and a Method, or an error
// wrapping one of the sentinels.
//
// dir is the fuzz target's temporary folder: inputs of one worker process
// run one after another, so they can share one file.
func fuzzExtract(t *testing.T, dir, contentType string, data []byte) {
	p := filepath.Join(dir, "input")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	lim := fuzzLimits()
	e := New(Options{Limits: lim, LookPath: lookPathOnly("")})
	ctx, cancel := context.WithTimeout(context.Background(), lim.Timeout)
	defer cancel()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	out, err := e.funcs[contentType](ctx, Input{Path: p, Size: int64(len(data)), ContentType: contentType, Filename: "input"}, lim)
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > fuzzMaxAlloc {
		t.Fatalf("%d MB allocated for %d bytes of input (err %v)", n>>20, len(data), err)
	}
	if err != nil {
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooBig) && !errors.Is(err, ErrEncrypted) {
			t.Fatalf("the error wraps no sentinel: %v", err)
		}
		return
	}
	if len(out.Text) > lim.MaxTextBytes {
		t.Fatalf("%d bytes of text; the limit is %d", len(out.Text), lim.MaxTextBytes)
	}
	// Extractors may pass invalid UTF-8 through from the input (HTML
	// read as UTF-8 with a stray byte): Extract repairs it with capText,
	// so what a caller gets is valid UTF-8 without NUL.
	if text, _ := capText(out.Text, lim.MaxTextBytes, out.Truncated); !utf8.ValidString(text) || strings.ContainsRune(text, 0) {
		t.Fatalf("the text Extract returns is not valid UTF-8 without NUL: %q", text)
	}
	if out.Method == "" {
		t.Fatal("no Method")
	}
}

// addFixtures returns the named fixtures' bytes, for a seed corpus.
func addFixtures(f *testing.F, names ...string) [][]byte {
	var seeds [][]byte
	for _, n := range names {
		seeds = append(seeds, readFixture(f, n))
	}
	return seeds
}

func FuzzText(f *testing.F) {
	for _, s := range [][]byte{
		nil, []byte("hello, world\n"), []byte("\xEF\xBB\xBFBOM text\r\n"),
		utf16Bytes("UTF-16 text", false, true), utf16Bytes("UTF-16 text", true, true),
		utf16Bytes("no BOM text", false, false), []byte("caf\xe9 \x80"), randomBytes(256, 9),
		[]byte("\x1b[1mbold\x1b[0m"),
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, dir, "text/plain", data) })
}

func FuzzHTML(f *testing.F) {
	for _, s := range addFixtures(f, "document.html") {
		f.Add(s)
	}
	for _, s := range []string{
		"", "<p>a</p><p>b</p>", "<script>x</script><template><p>t</p></template>text",
		"<pre>  x\n y</pre>&amp;&eacute;&#x263A;", "<table><tr><td>a<td>b</table>",
		"<meta charset=windows-1252><p>caf\xe9", "<!-- c --><noscript>n</noscript>",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, dir, "text/html", data) })
}

func FuzzRTF(f *testing.F) {
	for _, s := range addFixtures(f, "document.rtf") {
		f.Add(s)
	}
	for _, s := range []string{
		`{\rtf1 a\par b}`, `{\rtf1\ansi\ansicpg1251 \'cf}`, `{\rtf1\ansicpg932 \'82\'a0}`,
		`{\rtf1 \uc2\u8364\'80\'80}`, `{\rtf1 \u-10179?\u-8704?}`, `{\rtf1{\fonttbl{\f1\fcharset204 A;}}\f1\'cf}`,
		`{\rtf1{\*\x y}{\pict 00}\bin3 abc}`, `{\rtf1 {{{{{{{{x}}}}}}}}}`, `{\rtf1 \trowd a\cell b\cell\row}`,
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, dir, "text/rtf", data) })
}

func FuzzOOXML(f *testing.F) {
	kinds := []string{ctDOCX, ctXLSX, ctPPTX}
	for i, s := range addFixtures(f, "document.docx", "sheets.xlsx", "slides.pptx") {
		f.Add(s, uint8(i))
	}
	f.Add(readFixture(f, "encrypted.docx"), uint8(0))
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	// Stored (uncompressed) packages, so that mutations reach the XML.
	f.Add(buildZip(f, true, zipEntry{"word/document.xml", `<w:document ` + wNS + `><w:body><w:p><w:r><w:t>a</w:t><w:tab/><w:br/></w:r></w:p></w:body></w:document>`}), uint8(0))
	f.Add(buildZip(f, true,
		zipEntry{"xl/workbook.xml", `<workbook ` + ns + `><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>`},
		zipEntry{"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
		zipEntry{"xl/sharedStrings.xml", `<sst><si><t>s</t></si></sst>`},
		zipEntry{"xl/worksheets/sheet1.xml", `<worksheet><sheetData><row><c t="s"><v>0</v></c><c><v>1</v></c></row></sheetData></worksheet>`},
	), uint8(1))
	f.Add(buildZip(f, true,
		zipEntry{"ppt/slides/slide2.xml", `<p:sld xmlns:p="p" xmlns:a="a"><a:p><a:r><a:t>two</a:t></a:r></a:p></p:sld>`},
		zipEntry{"ppt/slides/slide10.xml", `<p:sld xmlns:p="p" xmlns:a="a"><a:p><a:r><a:t>ten</a:t></a:r></a:p></p:sld>`},
	), uint8(2))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		fuzzExtract(t, dir, kinds[int(kind)%len(kinds)], data)
	})
}

func FuzzODF(f *testing.F) {
	for _, s := range addFixtures(f, "document.odt", "sheets.ods", "slides.odp", "encrypted.odt") {
		f.Add(s)
	}
	f.Add(buildZip(f, true,
		zipEntry{"content.xml", `<office:document-content ` + odfNS + `><office:body><office:text><text:p>a<text:s text:c="2"/>b<text:tab/></text:p>` +
			`<table:table table:name="T"><table:table-row><table:table-cell><text:p>c</text:p></table:table-cell></table:table-row></table:table></office:text></office:body></office:document-content>`},
		zipEntry{"META-INF/manifest.xml", `<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/"/></manifest:manifest>`},
	))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, dir, ctODT, data) })
}

// FuzzOOXMLPart fuzzes the XML of a package's main part inside a valid zip
// (mutations of whole archives mostly break their checksums first).
func FuzzOOXMLPart(f *testing.F) {
	kinds := []struct{ ct, part string }{
		{ctDOCX, "word/document.xml"}, {ctXLSX, "xl/worksheets/sheet1.xml"}, {ctPPTX, "ppt/slides/slide1.xml"},
	}
	f.Add(`<w:document `+wNS+`><w:body><w:p><w:r><w:t>a</w:t><w:tab/><w:br/></w:r></w:p><mc:Fallback xmlns:mc="m"><w:t>x</w:t></mc:Fallback></w:body></w:document>`, uint8(0))
	f.Add(`<worksheet><sheetData><row><c t="s"><v>0</v></c><c t="b"><v>1</v></c><c t="inlineStr"><is><t>i</t></is></c></row></sheetData></worksheet>`, uint8(1))
	f.Add(`<p:sld xmlns:p="p" xmlns:a="a"><a:p><a:r><a:t>one</a:t></a:r><a:br/></a:p><a:tc><a:t>c</a:t></a:tc></p:sld>`, uint8(2))
	f.Add(`<?xml version="1.0" encoding="ISO-8859-1"?><w:document `+wNS+`><w:t>caf&#233;</w:t></w:document>`, uint8(0))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, xmlText string, kind uint8) {
		k := kinds[int(kind)%len(kinds)]
		entries := []zipEntry{{"[Content_Types].xml", contentTypes}, {k.part, xmlText}}
		if k.ct == ctXLSX {
			entries = append(entries, zipEntry{"xl/sharedStrings.xml", `<sst><si><t>s</t></si></sst>`})
		}
		fuzzExtract(t, dir, k.ct, buildZip(t, true, entries...))
	})
}

// FuzzODFContent fuzzes content.xml inside a valid OpenDocument zip.
func FuzzODFContent(f *testing.F) {
	f.Add(`<office:document-content ` + odfNS + `><office:body><office:text><text:h>T</text:h><text:p>a<text:s text:c="2"/>b<text:tab/>c<text:line-break/></text:p>` +
		`<table:table table:name="T"><table:table-row><table:table-cell><text:p>c</text:p></table:table-cell></table:table-row></table:table>` +
		`<office:annotation><text:p>n</text:p></office:annotation></office:text></office:body></office:document-content>`)
	f.Add(`<office:document-content ` + odfNS + `><office:body><office:spreadsheet><table:table table:name="S"><table:table-row>` +
		`<table:table-cell table:number-columns-repeated="3"/><table:covered-table-cell/></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>`)
	f.Add(`<office:document-content ` + odfNS + `><office:body><office:presentation><draw:page><draw:frame><svg:title>t</svg:title><draw:text-box><text:p>p</text:p></draw:text-box></draw:frame>` +
		`<presentation:notes><text:p>n</text:p></presentation:notes></draw:page></office:presentation></office:body></office:document-content>`)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, content string) {
		fuzzExtract(t, dir, ctODT, buildZip(t, true, zipEntry{"mimetype", ctODT}, zipEntry{"content.xml", content}))
	})
}
