package extract

import (
	"encoding/binary"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// pdfFontsFixture returns the path of a fixture of testdata/pdffonts (made
// by its make.sh).
func pdfFontsFixture(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join("testdata", "pdffonts", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("fixture %s: %v (remake with testdata/pdffonts/make.sh)", name, err)
	}
	return p
}

// pdfFontsLines returns the source lines of a pdffonts fixture.
func pdfFontsLines(t testing.TB, name string) []string {
	t.Helper()
	data, err := os.ReadFile(pdfFontsFixture(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimRight(string(data), "\n"), "\n")
}

// pdfTextLines splits extracted text into its non-empty lines, trailing
// white space and form feeds dropped.
func pdfTextLines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimRight(l, " \t\f"); strings.Trim(l, "\f") != "" {
			out = append(out, strings.Trim(l, "\f"))
		}
	}
	return out
}

// pdfFontPrograms returns the decoded font programs under key (FontFile,
// FontFile2, FontFile3) of the fonts of the first page of the PDF at path.
func pdfFontPrograms(t testing.TB, path, key string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := openPDF(data, 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, pg := range d.pages() {
		fonts := d.dictOf(pg.res["Font"])
		for _, name := range slices.Sorted(maps.Keys(fonts)) {
			fd := d.dictOf(fonts[name])
			if desc := d.arrayOf(fd["DescendantFonts"]); len(desc) > 0 {
				fd = d.dictOf(desc[0])
			}
			if s, ok := d.resolve(d.dictOf(fd["FontDescriptor"])[pdfName(key)]).(*pdfStream); ok {
				prog, err := d.dec.decode(d, s, 16<<20)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, prog)
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no %s", path, key)
	}
	return out
}

// TestPDFFontProgramText checks that the Go reader reads text drawn with
// fonts that have neither ToUnicode nor /Encoding through their embedded
// programs (Type 1C, Type 1, symbolic TrueType): exactly the source lines,
// and pdftotext's text where poppler reads them right.
func TestPDFFontProgramText(t *testing.T) {
	latin := pdfFontsLines(t, "latin-cyr.txt")
	tests := []struct {
		name          string
		want          []string
		pdftotextSame bool // poppler 22.12 reads it right too
	}{
		{"type1c-builtin.pdf", latin, true},
		{"type1-builtin.pdf", latin[:4], true},
		{"truetype-thai.pdf", pdfFontsLines(t, "thai.txt"), false},
	}
	_, errTool := exec.LookPath("pdftotext")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := pdfFontsFixture(t, tt.name)
			out, err := pdfExtractFile(t, PDFGo, path, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			got := pdfTextLines(out.Text)
			if !slices.Equal(got, tt.want) {
				t.Errorf("text:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if errTool != nil {
				return
			}
			ref, err := pdfExtractFile(t, PDFPdftotext, path, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if same := slices.Equal(pdfTextLines(ref.Text), got); same != tt.pdftotextSame {
				t.Errorf("pdftotext's text the same: %v, want %v; pdftotext:\n%s", same, tt.pdftotextSame, ref.Text)
			}
		})
	}
}

// TestPDFType0WithoutToUnicode checks composite fonts without ToUnicode
// whose text the Go reader finds: predefined Unicode CMaps (UTF-16 with a
// surrogate pair, UTF-8, UCS-2), a CIDFontType0 whose CFF program is
// keyed by glyph names (CID = glyph index) and a CIDFontType2 whose
// TrueType program names its glyphs.
func TestPDFType0WithoutToUnicode(t *testing.T) {
	type0 := func(encoding, content, descendant string, extra ...string) []byte {
		objs := []string{pdfTestCatalog, pdfTestPages, pdfTestPage,
			"<< /Type /Font /Subtype /Type0 /BaseFont /KozMinPr6N-Regular /Encoding /" + encoding + " /DescendantFonts [6 0 R] >>",
			pdfStreamObj("", []byte("BT /F1 12 Tf 72 700 Td "+content+" Tj ET")),
			descendant}
		return pdfBuild(append(objs, extra...)...)
	}
	japan1 := "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /KozMinPr6N-Regular /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 6 >> /DW 1000 >>"

	cff := pdfFontPrograms(t, pdfFontsFixture(t, "type1c-builtin.pdf"), "FontFile3")[0]
	c, err := parseCFF(cff)
	if err != nil {
		t.Fatal(err)
	}
	gidOf := map[string]int{}
	for gid := range c.charset {
		gidOf[c.glyphName(gid)] = gid
	}
	var codes strings.Builder
	for _, name := range []string{"afii10022", "afii10072", "afii10070", "space", "zdotaccent"} { // "Еже ż"
		gid, ok := gidOf[name]
		if !ok {
			t.Fatalf("the fixture's CFF font has no glyph %s", name)
		}
		fmt.Fprintf(&codes, "%04X", gid)
	}

	// A CIDFontType2 with the Thai fixture's TrueType program: codes are
	// glyphs (Identity), or CIDs 1, 2, 3 through a CIDToGIDMap.
	ttProg := pdfFontPrograms(t, pdfFontsFixture(t, "truetype-thai.pdf"), "FontFile2")[0]
	ttf, err := parseTrueType(ttProg)
	if err != nil {
		t.Fatal(err)
	}
	thaiGIDs, _ := ttf.simpleCodes()
	var identity strings.Builder
	cidToGID := make([]byte, 8)
	for i, code := range []byte{0xA1, 0xA2, 0xA4} { // กขค
		fmt.Fprintf(&identity, "%04X", thaiGIDs[code])
		binary.BigEndian.PutUint16(cidToGID[2*(i+1):], thaiGIDs[code])
	}
	cidType2 := func(cidToGIDMap string) string {
		return "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Garuda /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 500 /FontDescriptor 7 0 R /CIDToGIDMap " + cidToGIDMap + " >>"
	}
	garuda := "<< /Type /FontDescriptor /FontName /Garuda /Flags 4 /FontBBox [0 0 1000 1000] /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 /FontFile2 8 0 R >>"

	tests := []struct {
		name string
		pdf  []byte
		want string
	}{
		{"CIDFontType2, Identity", type0("Identity-H", "<"+identity.String()+">", cidType2("/Identity"), garuda,
			pdfStreamObj("", ttProg)), "กขค"},
		{"CIDFontType2, CIDToGIDMap", type0("Identity-H", "<000100020003>", cidType2("9 0 R"), garuda,
			pdfStreamObj("", ttProg), pdfStreamObj("", cidToGID)), "กขค"},
		{"UniJIS-UTF16-H", type0("UniJIS-UTF16-H", "<65E5672C8A9EFF1AD840DC0B>", japan1), "日本語：𠀋"},
		{"UniJIS-UTF8-H", type0("UniJIS-UTF8-H", "<E697A5E69CAC41>", japan1), "日本A"},
		{"UniJIS-UCS2-H", type0("UniJIS-UCS2-H", "<65E5672C>", japan1), "日本"},
		{"CIDFontType0C keyed by names", type0("Identity-H", "<"+codes.String()+">",
			"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /NimbusSans /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 500 /FontDescriptor 7 0 R >>",
			"<< /Type /FontDescriptor /FontName /NimbusSans /Flags 4 /FontBBox [0 0 1000 1000] /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 /FontFile3 8 0 R >>",
			pdfStreamObj("/Subtype /CIDFontType0C", cff)), "Еже ż"},
		{"Identity-H without a program", type0("Identity-H", "<00410042>", japan1), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := pdfExtractFile(t, PDFGo, pdfWriteTemp(t, "t.pdf", tt.pdf), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(pdfTextLines(out.Text), "\n"); got != tt.want {
				t.Errorf("text %q, want %q", got, tt.want)
			}
		})
	}
}

// TestCFFStandardStrings pins the table's length and entries on both sides
// of where a dropped or doubled name would shift every SID.
func TestCFFStandardStrings(t *testing.T) {
	std := cffStandardStrings()
	for sid, want := range map[int]string{0: ".notdef", 1: "space", 34: "A", 66: "a", 95: "asciitilde",
		96: "exclamdown", 138: "AE", 228: "zcaron", 229: "exclamsmall", 315: "hypheninferior", 379: "001.000", 390: "Semibold"} {
		if sid >= len(std) || std[sid] != want {
			t.Errorf("SID %d: got %q, want %q", sid, std[min(sid, len(std)-1)], want)
		}
	}
	if len(std) != 391 {
		t.Errorf("%d standard strings, want 391", len(std))
	}
	mac := ttMacGlyphNames()
	for i, want := range map[int]string{0: ".notdef", 3: "space", 36: "A", 98: "Adieresis", 144: "AE",
		162: "questiondown", 174: "Atilde", 210: "apple", 230: "Zcaron", 257: "dcroat"} {
		if i >= len(mac) || mac[i] != want {
			t.Errorf("Macintosh glyph %d: got %q, want %q", i, mac[min(i, len(mac)-1)], want)
		}
	}
	if len(mac) != 258 {
		t.Errorf("%d Macintosh glyph names, want 258", len(mac))
	}
}

// TestParseCFF checks the charset and encoding formats of parseCFF on the
// fixtures' programs and that every truncation of them is an error or a
// font, never a panic.
func TestParseCFF(t *testing.T) {
	progs := pdfFontPrograms(t, pdfFontsFixture(t, "type1c-builtin.pdf"), "FontFile3")
	for i, prog := range progs {
		c, err := parseCFF(prog)
		if err != nil {
			t.Fatalf("font %d: %v", i, err)
		}
		if c.cidKeyed || !c.hasEnc || c.glyphName(0) != ".notdef" {
			t.Errorf("font %d: cidKeyed %v, hasEnc %v, glyph 0 %q", i, c.cidKeyed, c.hasEnc, c.glyphName(0))
		}
		if c.enc[' '] != "space" || c.enc['a'] != "a" {
			t.Errorf("font %d: code 32 %q, code 97 %q", i, c.enc[' '], c.enc['a'])
		}
		for n := range prog {
			_, _ = parseCFF(prog[:n])
		}
	}
	if _, err := parseCFF([]byte{1, 0, 4, 1}); err == nil {
		t.Error("a header alone: no error")
	}
}

// TestTrueTypeCmap checks the cmap subtable formats read by ttCmapEach on
// hand-made subtables, and the Thai fixture's font program end to end.
func TestTrueTypeCmap(t *testing.T) {
	be := func(v ...int) []byte {
		var b []byte
		for _, x := range v {
			b = binary.BigEndian.AppendUint16(b, uint16(x))
		}
		return b
	}
	format0 := append(be(0, 262, 0), make([]byte, 256)...)
	format0[6+'A'], format0[6+'B'] = 3, 4
	// Format 4: 'a'..'c' → 10..12 by delta; 0xF041..0xF042 → 20, 21 by
	// glyph array; the final 0xFFFF segment.
	format4 := append(be(4, 0, 0, 6, 0, 0, 0),
		be(0x63, 0xF042, 0xFFFF, 0, 0x61, 0xF041, 0xFFFF, 10-0x61, 0, 1, 0, 4, 0, 20, 21)...)
	format6 := be(6, 0, 0, 0x30, 2, 7, 8)
	var format12 []byte
	format12 = append(format12, be(12, 0, 0, 0, 0, 0)...)
	format12 = binary.BigEndian.AppendUint32(format12, 1)
	for _, v := range []uint32{0x1F600, 0x1F601, 40} {
		format12 = binary.BigEndian.AppendUint32(format12, v)
	}
	tests := []struct {
		name string
		sub  []byte
		want map[uint32]uint16
	}{
		{"format 0", format0, map[uint32]uint16{'A': 3, 'B': 4}},
		{"format 4", format4, map[uint32]uint16{'a': 10, 'b': 11, 'c': 12, 0xF041: 20, 0xF042: 21}},
		{"format 6", format6, map[uint32]uint16{'0': 7, '1': 8}},
		{"format 12", format12, map[uint32]uint16{0x1F600: 40, 0x1F601: 41}},
		{"truncated format 4", format4[:20], map[uint32]uint16{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[uint32]uint16{}
			ttCmapEach(tt.sub, func(c uint32, g uint16) bool { got[c] = g; return true })
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	prog := pdfFontPrograms(t, pdfFontsFixture(t, "truetype-thai.pdf"), "FontFile2")[0]
	tt, err := parseTrueType(prog)
	if err != nil {
		t.Fatal(err)
	}
	gids, ok := tt.simpleCodes()
	if !ok || tt.glyphText(gids[0xA1]) != "ก" || tt.glyphText(gids[' ']) != " " {
		t.Errorf("simpleCodes ok %v; code A1 %q, code 20 %q", ok, tt.glyphText(gids[0xA1]), tt.glyphText(gids[' ']))
	}
	for n := range prog {
		if tt, err := parseTrueType(prog[:n]); err == nil {
			tt.simpleCodes()
			tt.glyphText(5)
		}
	}
}
