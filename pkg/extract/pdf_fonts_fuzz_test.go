package extract

import (
	"testing"
	"unicode/utf8"
)

// The font-program parsers read bytes taken from PDFs as they are. Their
// fuzz targets check that no input makes them panic or run long, and that
// what they give is bounded and valid UTF-8. Seeds are the programs of the
// testdata/pdffonts fixtures and cut or bent copies of them; inputs that once
// failed are kept in testdata/fuzz/<target> as regression seeds.
//
// The fuzzer minimizes each new input first, which on the 15–22 KB seeds
// takes most of a short run; -fuzzminimizetime 5s helps:
//
//	go test -run XXX -fuzz FuzzCFF -fuzztime 60s -fuzzminimizetime 5s ./pkg/extract/
//	go test -run XXX -fuzz FuzzTrueType -fuzztime 60s -fuzzminimizetime 5s ./pkg/extract/
//	go test -run XXX -fuzz FuzzType1Encoding -fuzztime 60s -fuzzminimizetime 5s ./pkg/extract/

// FuzzCFF feeds bytes to parseCFF and reads every glyph name and code.
func FuzzCFF(f *testing.F) {
	for _, p := range pdfFontPrograms(f, pdfFontsFixture(f, "type1c-builtin.pdf"), "FontFile3") {
		f.Add(p)
		f.Add(p[:len(p)/2])
	}
	f.Add([]byte{1, 0, 4, 1})
	f.Add([]byte{1, 0, 4, 1, 0, 0, 0, 1, 1, 1, 3, 139, 139, 17, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseCFF(data)
		if err != nil {
			return
		}
		if len(c.charset) > cffMaxGlyphs {
			t.Fatalf("%d glyphs", len(c.charset))
		}
		for gid := range c.charset {
			if s := pdfGlyphNameToUnicode(c.glyphName(gid)); !utf8.ValidString(s) {
				t.Fatalf("glyph %d: %q", gid, s)
			}
		}
		for code, name := range c.enc {
			if s := pdfGlyphNameToUnicode(name); !utf8.ValidString(s) {
				t.Fatalf("code %d: %q", code, s)
			}
		}
	})
}

// FuzzTrueType feeds bytes to parseTrueType and maps every code of a simple
// font and the first glyphs to text.
func FuzzTrueType(f *testing.F) {
	prog := pdfFontPrograms(f, pdfFontsFixture(f, "truetype-thai.pdf"), "FontFile2")[0]
	f.Add(prog)
	f.Add(prog[:len(prog)/3])
	f.Add([]byte("\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00cmap\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x0c\x00\x00\x00\x01\x00\x03\x00\x00\x00\x00\x00\x0c"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tt, err := parseTrueType(data)
		if err != nil {
			return
		}
		gids, _ := tt.simpleCodes()
		for c, g := range gids {
			if s := tt.glyphText(g); !utf8.ValidString(s) {
				t.Fatalf("code %d, glyph %d: %q", c, g, s)
			}
		}
		for g := range uint16(300) {
			if s := tt.glyphText(g); !utf8.ValidString(s) {
				t.Fatalf("glyph %d: %q", g, s)
			}
		}
		if len(tt.byGlyph) > ttMaxMapped || len(tt.names) > cffMaxGlyphs {
			t.Fatalf("%d glyphs by cmap, %d names", len(tt.byGlyph), len(tt.names))
		}
	})
}

// FuzzType1Encoding feeds bytes to parseType1Encoding.
func FuzzType1Encoding(f *testing.F) {
	prog := pdfFontPrograms(f, pdfFontsFixture(f, "type1-builtin.pdf"), "FontFile")[0]
	f.Add(prog[:min(len(prog), 8<<10)])
	f.Add([]byte("/Encoding 256 array\n0 1 255 {1 index exch /.notdef put} for\ndup 65 /A put\ndup 300 /B put\ndup -1 /C put\ndup 66 /\nreadonly def\ncurrentfile eexec"))
	f.Add([]byte("/Encoding StandardEncoding def"))
	f.Fuzz(func(t *testing.T, data []byte) {
		names, _ := parseType1Encoding(data)
		for code, name := range names {
			if s := pdfGlyphNameToUnicode(name); !utf8.ValidString(s) {
				t.Fatalf("code %d: %q", code, s)
			}
		}
	})
}
