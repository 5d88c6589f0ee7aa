package extract

import (
	"encoding/binary"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// This file turns a PDF font dictionary into what text extraction needs:
// how a string's bytes split into character codes, what each code means in
// Unicode (ToUnicode CMap, encoding and Differences glyph names, predefined
// Unicode CMaps, and, where the dictionary says nothing, the embedded font
// program: its built-in encoding, charset, cmap or glyph names) and how far
// each glyph advances.

// pdfFont is a font prepared for text extraction. Widths are in text space
// units per unit of font size (glyph space × 1/1000, or × FontMatrix for
// Type 3 fonts).
type pdfFont struct {
	composite bool
	// vscale is the glyph height relative to the font size: 1, except for
	// Type 3 fonts whose FontMatrix is not the usual 1/1000.
	vscale float64

	// Simple (single-byte) fonts.
	uni   [256]string
	width [256]float64

	// Composite (Type 0) fonts.
	spaces   []pdfCodeSpace
	cidRange []pdfCIDRange     // code → CID for embedded CMaps; nil means CID = code
	uniCMap  pdfUniCMap        // a predefined Unicode CMap: the code is the character
	cidUni   map[uint32]string // CID → text from the font program's glyph names
	toUni    map[uint32]string
	cidW     map[uint32]float64
	cidWRng  []pdfCIDRange // ranges of equal widths (cid = width, in glyph units)
	dw       float64
}

type pdfCodeSpace struct {
	n      int
	lo, hi uint32
}

// pdfCIDRange maps codes lo..hi to cid, cid+1, … (or, for widths, all to
// the width in cid).
type pdfCIDRange struct {
	lo, hi uint32
	cid    uint32
}

// next decodes the first character code of s: its text (empty when
// unknown), its advance per unit font size, whether it is the single-byte
// code 32 (to which word spacing applies), and the bytes it used (≥ 1).
func (f *pdfFont) next(s []byte) (text string, w float64, space bool, n int) {
	if !f.composite {
		c := s[0]
		return f.uni[c], f.width[c], c == ' ', 1
	}
	n = f.codeLen(s)
	var code uint32
	for _, b := range s[:n] {
		code = code<<8 | uint32(b)
	}
	cid := code
	if f.cidRange != nil {
		cid = 0
		for _, r := range f.cidRange {
			if code >= r.lo && code <= r.hi {
				cid = r.cid + (code - r.lo)
				break
			}
		}
	}
	w = f.dw
	if v, ok := f.cidW[cid]; ok {
		w = v
	} else {
		for _, r := range f.cidWRng {
			if cid >= r.lo && cid <= r.hi {
				w = float64(r.cid) / 1000
				break
			}
		}
	}
	if t, ok := f.toUni[code]; ok {
		text = t
	} else if f.uniCMap != pdfNoUniCMap {
		text = f.uniCMap.text(code, n)
	} else if f.cidUni != nil {
		text = f.cidUni[cid]
	}
	return text, w, n == 1 && code == ' ', n
}

func (f *pdfFont) codeLen(s []byte) int {
	if len(f.spaces) == 0 {
		return min(2, len(s))
	}
	for n := 1; n <= 4 && n <= len(s); n++ {
		var code uint32
		for _, b := range s[:n] {
			code = code<<8 | uint32(b)
		}
		for _, sp := range f.spaces {
			if sp.n == n && code >= sp.lo && code <= sp.hi {
				return n
			}
		}
	}
	return min(f.spaces[0].n, len(s))
}

// font returns the prepared font for a font resource value, cached per
// document (by object number, or by dictionary identity for direct ones).
func (d *pdfDoc) font(v any, cache map[any]*pdfFont) *pdfFont {
	var key any
	switch x := v.(type) {
	case pdfRef:
		key = x
	case pdfDict:
		key = pdfDictKey(x)
	default:
		return nil
	}
	if f, ok := cache[key]; ok {
		return f
	}
	fd := d.dictOf(v)
	var f *pdfFont
	if fd != nil {
		f = d.loadFont(fd)
	}
	cache[key] = f
	return f
}

func (d *pdfDoc) loadFont(fd pdfDict) *pdfFont {
	if fd["Subtype"] == pdfName("Type0") {
		return d.loadType0(fd)
	}
	f := &pdfFont{vscale: 1}
	scale, aspect := 0.001, 1.0
	type3 := fd["Subtype"] == pdfName("Type3")
	if type3 {
		if fm := d.arrayOf(fd["FontMatrix"]); len(fm) == 6 {
			a, _ := pdfNum(d.resolve(fm[0]))
			dd, _ := pdfNum(d.resolve(fm[3]))
			if a != 0 && dd != 0 {
				scale, aspect = pdfAbs64(a), pdfAbs64(dd/a)
			}
		}
	}
	desc := d.dictOf(fd["FontDescriptor"])
	missing, _ := pdfNum(d.resolve(desc["MissingWidth"]))
	first, _ := pdfInt(d.resolve(fd["FirstChar"]))
	widths := d.arrayOf(fd["Widths"])
	base := string(d.nameOf(fd["BaseFont"]))
	if len(widths) > 0 {
		for c := range f.width {
			f.width[c] = missing * scale
		}
		for i, w := range widths {
			if c := first + i; c >= 0 && c < 256 {
				v, _ := pdfNum(d.resolve(w))
				f.width[c] = v * scale
			}
		}
	} else {
		pdfStd14Widths(base, &f.width)
	}

	// Encoding: a base table, then Differences or the font program's own
	// encoding by glyph name, then ToUnicode over all.
	var baseEnc *[256]rune
	var names [256]string
	hasNames := false
	switch e := d.resolve(fd["Encoding"]).(type) {
	case pdfName:
		baseEnc = pdfBaseEncoding(e)
	case pdfDict:
		baseEnc = pdfBaseEncoding(d.nameOf(e["BaseEncoding"]))
		code := 0
		for _, v := range d.arrayOf(e["Differences"]) {
			switch x := d.resolve(v).(type) {
			case int64:
				code = int(x)
			case pdfName:
				if code >= 0 && code < 256 {
					names[code] = string(x)
					hasNames = true
				}
				code++
			}
		}
	}
	toUnicode, hasToUnicode := d.resolve(fd["ToUnicode"]).(*pdfStream)
	var builtin [256]string
	hasBuiltin := false
	if baseEnc == nil {
		flags, _ := pdfInt(d.resolve(desc["Flags"]))
		symbolic := flags&4 != 0 && flags&32 == 0
		trueType := fd["Subtype"] == pdfName("TrueType")
		builtin, hasBuiltin = d.builtinText(desc, trueType && !hasToUnicode, symbolic)
		switch {
		case trueType || symbolic:
			baseEnc = &pdfLatin1Encoding
		default:
			baseEnc = &pdfStandardEncoding
		}
	}
	for c := range f.uni {
		if hasNames && names[c] != "" {
			if u := pdfGlyphNameToUnicode(names[c]); u != "" {
				f.uni[c] = u
				continue
			}
		}
		if hasBuiltin && builtin[c] != "" {
			f.uni[c] = builtin[c]
			continue
		}
		if r := baseEnc[c]; r != 0 {
			f.uni[c] = pdfNormalizeGlyphText(string(r))
		}
	}
	if hasToUnicode {
		if data, err := d.dec.decode(d, toUnicode, 4<<20); err == nil {
			parseCMap(data, &pdfCMapSink{bf: func(code uint32, n int, text string) {
				if code < 256 {
					f.uni[code] = text
				}
			}})
		}
	}
	if type3 {
		f.vscale = pdfType3Size(f) * aspect
	}
	return f
}

// pdfType3Size guesses the em of a Type 3 font (relative to its font size),
// whose glyph coordinates can be anything, from the width of its "m" (an
// average "m" is 0.6 em) or of another letter (0.5 em), as poppler does.
func pdfType3Size(f *pdfFont) float64 {
	letter, anyCode := -1, -1
	for c, u := range f.uni {
		if f.width[c] <= 0 {
			continue
		}
		if u == "m" {
			return min(max(f.width[c]/0.6, 0.01), 100)
		}
		if letter < 0 && len(u) == 1 && (u[0]|0x20) >= 'a' && (u[0]|0x20) <= 'z' {
			letter = c
		}
		if anyCode < 0 {
			anyCode = c
		}
	}
	switch {
	case letter >= 0:
		return min(max(f.width[letter]/0.5, 0.01), 100)
	case anyCode >= 0:
		return min(max(f.width[anyCode]/0.5, 0.01), 100)
	}
	return 1
}

func (d *pdfDoc) nameOf(v any) pdfName {
	n, _ := d.resolve(v).(pdfName)
	return n
}

func pdfBaseEncoding(n pdfName) *[256]rune {
	switch n {
	case "WinAnsiEncoding":
		return &pdfWinAnsiEncoding
	case "MacRomanEncoding":
		return &pdfMacRomanEncoding
	case "StandardEncoding", "MacExpertEncoding":
		return &pdfStandardEncoding
	}
	return nil
}

// pdfLatin1Encoding maps each code to the same character (for symbolic
// and TrueType fonts without an encoding).
var pdfLatin1Encoding = func() (t [256]rune) {
	for c := 0x20; c < 256; c++ {
		if c < 0x7f || c >= 0xa0 {
			t[c] = rune(c)
		}
	}
	t[0xA0], t[0xAD] = ' ', '-'
	return t
}()

// builtinText reads the text of each code from the embedded font program
// of a simple font whose dictionary names no base encoding: a Type 1
// font's /Encoding array, a CFF (Type 1C) font's own encoding and charset,
// and, when trueType is set (a TrueType font without ToUnicode), a
// TrueType font's cmap and glyph names, if it is symbolic or has no
// Unicode cmap (a non-symbolic font with one is read as Latin-1, as
// before). Codes the program does not name are "".
func (d *pdfDoc) builtinText(desc pdfDict, trueType, symbolic bool) (text [256]string, ok bool) {
	var names [256]string
	switch {
	case desc["FontFile"] != nil:
		s, isStream := d.resolve(desc["FontFile"]).(*pdfStream)
		if !isStream {
			return text, false
		}
		data, err := d.dec.decode(d, s, 8<<20)
		if err != nil {
			return text, false
		}
		if l1, ok := pdfInt(d.resolve(s.dict["Length1"])); ok && l1 > 0 && l1 < len(data) {
			data = data[:l1]
		}
		names, ok = parseType1Encoding(data)
	case desc["FontFile3"] != nil:
		s, isStream := d.resolve(desc["FontFile3"]).(*pdfStream)
		if !isStream {
			return text, false
		}
		data, err := d.dec.decode(d, s, 8<<20)
		if err != nil {
			return text, false
		}
		if d.nameOf(s.dict["Subtype"]) == "OpenType" {
			tt, err := parseTrueType(data)
			if err != nil {
				return text, false
			}
			cff := tt.tables["CFF "]
			if cff == nil {
				return d.trueTypeText(tt, trueType, symbolic)
			}
			data = cff
		}
		if c, err := parseCFF(data); err == nil && c.hasEnc {
			names, ok = c.enc, true
		}
	case trueType && desc["FontFile2"] != nil:
		s, isStream := d.resolve(desc["FontFile2"]).(*pdfStream)
		if !isStream {
			return text, false
		}
		data, err := d.dec.decode(d, s, 16<<20)
		if err != nil {
			return text, false
		}
		tt, err := parseTrueType(data)
		if err != nil {
			return text, false
		}
		return d.trueTypeText(tt, true, symbolic)
	}
	if !ok {
		return text, false
	}
	for c, n := range names {
		if n != "" {
			text[c] = pdfGlyphNameToUnicode(n)
		}
	}
	return text, true
}

// trueTypeText is builtinText for a TrueType program.
func (d *pdfDoc) trueTypeText(tt *ttFont, trueType, symbolic bool) (text [256]string, ok bool) {
	if !trueType || (!symbolic && tt.cmapSubtable(3, 1) != nil) {
		return text, false
	}
	gids, ok := tt.simpleCodes()
	if !ok {
		return text, false
	}
	for c, g := range gids {
		if g != 0 {
			text[c] = tt.glyphText(g)
		}
	}
	return text, true
}

func (d *pdfDoc) loadType0(fd pdfDict) *pdfFont {
	f := &pdfFont{composite: true, vscale: 1, dw: 1}
	switch e := d.resolve(fd["Encoding"]).(type) {
	case pdfName:
		f.uniCMap = pdfUniCMapOf(string(e))
		f.spaces = f.uniCMap.codeSpaces()
	case *pdfStream:
		if data, err := d.dec.decode(d, e, 4<<20); err == nil {
			var ranges []pdfCIDRange
			parseCMap(data, &pdfCMapSink{
				space: func(sp pdfCodeSpace) { f.spaces = append(f.spaces, sp) },
				cid: func(lo, hi, cid uint32) {
					if len(ranges) < 1<<16 {
						ranges = append(ranges, pdfCIDRange{lo, hi, cid})
					}
				},
			})
			if len(ranges) > 0 {
				f.cidRange = ranges
			}
		}
		if len(f.spaces) == 0 {
			f.spaces = []pdfCodeSpace{{n: 2, lo: 0, hi: 0xffff}}
		}
	default:
		f.spaces = []pdfCodeSpace{{n: 2, lo: 0, hi: 0xffff}}
	}
	if desc := d.arrayOf(fd["DescendantFonts"]); len(desc) > 0 {
		cf := d.dictOf(desc[0])
		if dw, ok := pdfNum(d.resolve(cf["DW"])); ok {
			f.dw = dw / 1000
		}
		f.cidW = map[uint32]float64{}
		w := d.arrayOf(cf["W"])
		for i := 0; i < len(w); {
			c1, ok := pdfInt(d.resolve(w[i]))
			if !ok || c1 < 0 || i+1 >= len(w) {
				break
			}
			if list, isArr := d.resolve(w[i+1]).(pdfArray); isArr {
				for k, v := range list {
					if len(f.cidW) >= 1<<17 {
						break
					}
					x, _ := pdfNum(d.resolve(v))
					f.cidW[uint32(c1+k)] = x / 1000
				}
				i += 2
				continue
			}
			if i+2 >= len(w) {
				break
			}
			c2, ok2 := pdfInt(d.resolve(w[i+1]))
			x, ok3 := pdfNum(d.resolve(w[i+2]))
			if ok2 && ok3 && c2 >= c1 && x >= 0 && x < 1<<24 && len(f.cidWRng) < 1<<16 {
				f.cidWRng = append(f.cidWRng, pdfCIDRange{uint32(c1), uint32(c2), uint32(x)})
			}
			i += 3
		}
	}
	toUnicode, hasToUnicode := d.resolve(fd["ToUnicode"]).(*pdfStream)
	if desc := d.arrayOf(fd["DescendantFonts"]); len(desc) > 0 && !hasToUnicode && f.uniCMap == pdfNoUniCMap {
		cf := d.dictOf(desc[0])
		if cf["Subtype"] == pdfName("CIDFontType2") {
			f.cidUni = d.trueTypeCIDText(cf)
		} else {
			f.cidUni = d.cffCIDText(d.dictOf(cf["FontDescriptor"]))
		}
	}
	if hasToUnicode {
		if data, err := d.dec.decode(d, toUnicode, 4<<20); err == nil {
			f.toUni = map[uint32]string{}
			parseCMap(data, &pdfCMapSink{bf: func(code uint32, n int, text string) {
				if len(f.toUni) < 1<<18 {
					f.toUni[code] = text
				}
			}})
		}
	}
	return f
}

// cffCIDText reads the text of each CID of a CIDFontType0 font whose
// program is a CFF font keyed by glyph names rather than CIDs (CID = glyph
// index): the glyph names read as Unicode. nil when the program is missing,
// CID-keyed (its charset gives only CIDs) or names nothing known.
func (d *pdfDoc) cffCIDText(desc pdfDict) map[uint32]string {
	s, isStream := d.resolve(desc["FontFile3"]).(*pdfStream)
	if !isStream {
		return nil
	}
	data, err := d.dec.decode(d, s, 16<<20)
	if err != nil {
		return nil
	}
	if d.nameOf(s.dict["Subtype"]) == "OpenType" {
		tt, err := parseTrueType(data)
		if err != nil {
			return nil
		}
		data = tt.tables["CFF "]
	}
	c, err := parseCFF(data)
	if err != nil || c.cidKeyed {
		return nil
	}
	m := map[uint32]string{}
	for gid := range c.charset {
		if t := pdfGlyphNameToUnicode(c.glyphName(gid)); t != "" {
			m[uint32(gid)] = t
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// trueTypeCIDText reads the text of each CID of a CIDFontType2 font from
// its TrueType program: CID to glyph by the CIDToGIDMap (Identity when
// absent), glyph to text by the font's Unicode cmap read backwards or its
// 'post' names, as poppler does for such fonts without ToUnicode. nil when
// the program says nothing.
func (d *pdfDoc) trueTypeCIDText(cf pdfDict) map[uint32]string {
	s, isStream := d.resolve(d.dictOf(cf["FontDescriptor"])["FontFile2"]).(*pdfStream)
	if !isStream {
		return nil
	}
	data, err := d.dec.decode(d, s, 16<<20)
	if err != nil {
		return nil
	}
	tt, err := parseTrueType(data)
	if err != nil {
		return nil
	}
	var cidToGID []byte
	if m, ok := d.resolve(cf["CIDToGIDMap"]).(*pdfStream); ok {
		if cidToGID, err = d.dec.decode(d, m, 1<<17); err != nil {
			return nil
		}
	}
	n := cffMaxGlyphs
	if cidToGID != nil {
		n = min(n, len(cidToGID)/2)
	} else if maxp := tt.tables["maxp"]; len(maxp) >= 6 {
		n = int(binary.BigEndian.Uint16(maxp[4:]))
	}
	m := map[uint32]string{}
	for cid := range uint32(n) {
		if gid, ok := ttCIDToGID(cid, cidToGID); ok && gid != 0 {
			if t := tt.glyphText(gid); t != "" {
				m[cid] = t
			}
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// pdfUniCMap is a predefined CMap whose codes are Unicode (UniGB-UCS2-H,
// UniJIS-UTF16-H, UniKS-UTF8-H, UniCNS-UTF32-H, …): the code is the text.
type pdfUniCMap int

const (
	pdfNoUniCMap pdfUniCMap = iota
	pdfUCS2CMap
	pdfUTF16CMap
	pdfUTF8CMap
	pdfUTF32CMap
)

func pdfUniCMapOf(name string) pdfUniCMap {
	if !strings.HasPrefix(name, "Uni") {
		return pdfNoUniCMap
	}
	switch {
	case strings.Contains(name, "UCS2"):
		return pdfUCS2CMap
	case strings.Contains(name, "UTF16"):
		return pdfUTF16CMap
	case strings.Contains(name, "UTF8"):
		return pdfUTF8CMap
	case strings.Contains(name, "UTF32"):
		return pdfUTF32CMap
	}
	return pdfNoUniCMap
}

// codeSpaces returns the code space of the CMap: two bytes (and four for
// UTF-16 surrogate pairs), one to four for UTF-8, four for UTF-32; two
// bytes for the other predefined CMaps.
func (u pdfUniCMap) codeSpaces() []pdfCodeSpace {
	switch u {
	case pdfUTF16CMap:
		return []pdfCodeSpace{{n: 2, lo: 0, hi: 0xD7FF}, {n: 4, lo: 0xD800DC00, hi: 0xDBFFDFFF}, {n: 2, lo: 0xE000, hi: 0xFFFF}}
	case pdfUTF8CMap:
		return []pdfCodeSpace{{n: 1, lo: 0, hi: 0x7F}, {n: 2, lo: 0xC280, hi: 0xDFBF}, {n: 3, lo: 0xE0A080, hi: 0xEFBFBF}, {n: 4, lo: 0xF0908080, hi: 0xF48FBFBF}}
	case pdfUTF32CMap:
		return []pdfCodeSpace{{n: 4, lo: 0, hi: 0x10FFFF}}
	}
	return []pdfCodeSpace{{n: 2, lo: 0, hi: 0xffff}}
}

// text decodes a code of n bytes.
func (u pdfUniCMap) text(code uint32, n int) string {
	r := rune(-1)
	switch u {
	case pdfUCS2CMap, pdfUTF32CMap:
		r = rune(code)
	case pdfUTF16CMap:
		r = rune(code)
		if n == 4 {
			r = utf16.DecodeRune(rune(code>>16), rune(code&0xFFFF))
		}
	case pdfUTF8CMap:
		var b [4]byte
		for i := range n {
			b[i] = byte(code >> (8 * (n - 1 - i)))
		}
		r, _ = utf8.DecodeRune(b[:n])
	}
	if r < 0x20 || r == utf8.RuneError || !utf8.ValidRune(r) {
		return ""
	}
	return pdfNormalizeGlyphText(string(r))
}

// pdfCMapSink receives what parseCMap reads; nil functions are skipped.
type pdfCMapSink struct {
	space func(pdfCodeSpace)
	bf    func(code uint32, n int, text string) // ToUnicode: code of n bytes → text
	cid   func(lo, hi, cid uint32)              // CMap: codes lo..hi → cid…
}

// parseCMap reads the codespace ranges, bfchar/bfrange (ToUnicode) and
// cidchar/cidrange entries of a CMap.
func parseCMap(data []byte, sink *pdfCMapSink) {
	p := pdfParser{b: data}
	var args []any
	total := 0
	for p.pos < len(p.b) {
		v, err := p.object(0)
		if err != nil {
			return
		}
		kw, isKw := v.(pdfKeyword)
		if !isKw {
			if len(args) < 1<<16 {
				args = append(args, v)
			}
			continue
		}
		switch kw {
		case "endcodespacerange":
			for i := 0; i+1 < len(args) && sink.space != nil; i += 2 {
				lo, ok1 := args[i].(string)
				hi, ok2 := args[i+1].(string)
				if ok1 && ok2 && len(lo) == len(hi) && len(lo) >= 1 && len(lo) <= 4 {
					sink.space(pdfCodeSpace{n: len(lo), lo: pdfBeUint(lo), hi: pdfBeUint(hi)})
				}
			}
		case "endbfchar":
			for i := 0; i+1 < len(args) && sink.bf != nil; i += 2 {
				src, ok1 := args[i].(string)
				if !ok1 || len(src) == 0 || len(src) > 4 {
					continue
				}
				if text, ok := pdfCmapText(args[i+1]); ok {
					sink.bf(pdfBeUint(src), len(src), text)
				}
			}
		case "endbfrange":
			for i := 0; i+2 < len(args) && sink.bf != nil; i += 3 {
				lo, ok1 := args[i].(string)
				hi, ok2 := args[i+1].(string)
				if !ok1 || !ok2 || len(lo) == 0 || len(lo) > 4 || len(lo) != len(hi) {
					continue
				}
				a, b := pdfBeUint(lo), pdfBeUint(hi)
				if b < a || b-a > 0xffff || total > 1<<18 {
					continue
				}
				total += int(b - a)
				switch dst := args[i+2].(type) {
				case string:
					units := pdfUtf16Units(dst)
					if len(units) == 0 {
						continue
					}
					for c := uint64(a); c <= uint64(b); c++ { // uint64: b may be 0xFFFFFFFF
						u := append([]uint16(nil), units...)
						u[len(u)-1] += uint16(c - uint64(a))
						sink.bf(uint32(c), len(lo), pdfNormalizeGlyphText(string(utf16.Decode(u))))
					}
				case pdfArray:
					for k, x := range dst {
						if uint64(a)+uint64(k) > uint64(b) {
							break
						}
						if text, ok := pdfCmapText(x); ok {
							sink.bf(a+uint32(k), len(lo), text)
						}
					}
				}
			}
		case "endcidrange":
			for i := 0; i+2 < len(args) && sink.cid != nil; i += 3 {
				lo, ok1 := args[i].(string)
				hi, ok2 := args[i+1].(string)
				cid, ok3 := pdfInt(args[i+2])
				if ok1 && ok2 && ok3 && cid >= 0 && len(lo) >= 1 && len(lo) <= 4 && len(lo) == len(hi) {
					sink.cid(pdfBeUint(lo), pdfBeUint(hi), uint32(cid))
				}
			}
		case "endcidchar":
			for i := 0; i+1 < len(args) && sink.cid != nil; i += 2 {
				src, ok1 := args[i].(string)
				cid, ok2 := pdfInt(args[i+1])
				if ok1 && ok2 && cid >= 0 && len(src) >= 1 && len(src) <= 4 {
					c := pdfBeUint(src)
					sink.cid(c, c, uint32(cid))
				}
			}
		}
		args = args[:0]
	}
}

func pdfBeUint(s string) uint32 {
	var v uint32
	for i := 0; i < len(s) && i < 4; i++ {
		v = v<<8 | uint32(s[i])
	}
	return v
}

func pdfUtf16Units(s string) []uint16 {
	if len(s) == 1 {
		return []uint16{uint16(s[0])}
	}
	u := make([]uint16, 0, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
	}
	return u
}

// pdfCmapText decodes a ToUnicode destination (UTF-16BE).
func pdfCmapText(v any) (string, bool) {
	s, ok := v.(string)
	if !ok {
		return "", false
	}
	if len(s) == 1 {
		return pdfNormalizeGlyphText(string(rune(s[0]))), true
	}
	return pdfNormalizeGlyphText(string(utf16.Decode(pdfUtf16Units(s)))), true
}

// pdfNormalizeGlyphText expands ligatures and drops control characters, so
// that words read the same whatever glyphs drew them.
func pdfNormalizeGlyphText(s string) string {
	clean := true
	for _, r := range s {
		if r < 0x20 || (r >= 0xFB00 && r <= 0xFB06) || r == 0xA0 || r == 0xAD || r == 0xFFFD || r == 0xFEFF {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0xFFFD || r == 0xFEFF:
		case r == 0xA0:
			b.WriteByte(' ')
		case r == 0xAD:
			b.WriteByte('-')
		case r >= 0xFB00 && r <= 0xFB06:
			b.WriteString([...]string{"ff", "fi", "fl", "ffi", "ffl", "st", "st"}[r-0xFB00])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// pdfGlyphList is the glyph name table, parsed on first use.
var pdfGlyphList = sync.OnceValue(func() map[string]string {
	m := make(map[string]string, 1700)
	for _, line := range strings.Split(glyphListData, "\n") {
		name, hexes, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		var b strings.Builder
		for _, h := range strings.Split(hexes, ",") {
			if v, err := strconv.ParseUint(h, 16, 32); err == nil {
				b.WriteRune(rune(v))
			}
		}
		m[name] = pdfNormalizeGlyphText(b.String())
	}
	return m
})

// pdfGlyphNameToUnicode maps a glyph name to its text: the Adobe Glyph List,
// uniXXXX…, uXXXX[XX], and ligature names joined by '_' ("f_f_i").
func pdfGlyphNameToUnicode(name string) string {
	if i := strings.IndexByte(name, '.'); i >= 0 {
		name = name[:i] // "a.sc", "one.oldstyle"
	}
	if name == "" {
		return ""
	}
	if v, ok := pdfGlyphList()[name]; ok {
		return v
	}
	if strings.Contains(name, "_") {
		var b strings.Builder
		for _, part := range strings.Split(name, "_") {
			b.WriteString(pdfGlyphNameToUnicode(part))
		}
		return b.String()
	}
	if strings.HasPrefix(name, "uni") && len(name) >= 7 && (len(name)-3)%4 == 0 {
		var u []uint16
		for i := 3; i+4 <= len(name); i += 4 {
			v, err := strconv.ParseUint(name[i:i+4], 16, 16)
			if err != nil {
				return ""
			}
			u = append(u, uint16(v))
		}
		return pdfNormalizeGlyphText(string(utf16.Decode(u)))
	}
	if name[0] == 'u' && len(name) >= 5 && len(name) <= 7 {
		if v, err := strconv.ParseUint(name[1:], 16, 32); err == nil && utf8.ValidRune(rune(v)) {
			return pdfNormalizeGlyphText(string(rune(v)))
		}
	}
	return ""
}

func pdfAbs64(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// pdfStd14Widths fills in approximate widths (ASCII, from the standard 14
// fonts' metrics) for fonts that give none: old PDFs using Helvetica,
// Times or Courier without /Widths.
func pdfStd14Widths(base string, w *[256]float64) {
	fixed := strings.Contains(base, "Courier") || strings.Contains(base, "Mono")
	times := strings.Contains(base, "Times") || strings.Contains(base, "Serif") || strings.Contains(base, "Roman")
	for c := range w {
		w[c] = 0.5
	}
	if fixed {
		for c := range w {
			w[c] = 0.6
		}
		return
	}
	table := pdfHelveticaWidths
	if times {
		table = pdfTimesWidths
	}
	for i, v := range table {
		w[0x20+i] = float64(v) / 1000
	}
}

// Widths of codes 0x20–0x7E in Helvetica and Times-Roman (AFM metrics).
var (
	pdfHelveticaWidths = [95]uint16{
		278, 278, 355, 556, 556, 889, 667, 222, 333, 333, 389, 584, 278, 333, 278, 278,
		556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
		1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
		667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
		222, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
		556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
	}
	pdfTimesWidths = [95]uint16{
		250, 333, 408, 500, 500, 833, 778, 333, 333, 333, 500, 564, 250, 333, 250, 278,
		500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444,
		921, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722,
		556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333, 278, 333, 469, 500,
		333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500,
		500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541,
	}
)
