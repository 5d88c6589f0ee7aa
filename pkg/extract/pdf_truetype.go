package extract

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"sync"
)

// This file reads what text extraction needs of a TrueType font program
// (FontFile2, or an OpenType font in FontFile3): which glyph a character
// code draws (the 'cmap' table's (3,0) symbol and (1,0) Macintosh
// subtables) and what character a glyph is (the Unicode subtables read
// backwards, or the glyph's name in the 'post' table). Producers that write
// no ToUnicode map for a symbolic TrueType font leave this as the only way
// to the text, as poppler's reader knows. The bytes are untrusted: offsets
// are checked, counts capped, and errors returned instead of panics.

// errTrueType means that the bytes are not a TrueType font this reader
// understands.
var errTrueType = errors.New("damaged or unsupported TrueType font")

// ttMaxMapped caps the entries read from a cmap subtable.
const ttMaxMapped = 1 << 17

type ttFont struct {
	data   []byte
	tables map[string][]byte

	once    sync.Once
	byGlyph map[uint16]rune // from the Unicode cmap subtables
	names   []string        // from 'post'
}

// parseTrueType reads a TrueType or OpenType table directory.
func parseTrueType(data []byte) (*ttFont, error) {
	if len(data) < 12 {
		return nil, errTrueType
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	if n > 256 || 12+16*n > len(data) {
		return nil, errTrueType
	}
	t := &ttFont{data: data, tables: make(map[string][]byte, n)}
	for i := range n {
		rec := data[12+16*i:]
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(length) > uint64(len(data)) {
			continue // a damaged entry: the others may still serve
		}
		t.tables[string(rec[:4])] = data[off : off+length]
	}
	return t, nil
}

// cmapSubtable returns the cmap subtable for (platform, encoding), nil when
// there is none.
func (t *ttFont) cmapSubtable(platform, encoding uint16) []byte {
	cm := t.tables["cmap"]
	if len(cm) < 4 {
		return nil
	}
	n := int(binary.BigEndian.Uint16(cm[2:]))
	for i := 0; i < n && 4+8*i+8 <= len(cm); i++ {
		rec := cm[4+8*i:]
		if binary.BigEndian.Uint16(rec) == platform && binary.BigEndian.Uint16(rec[2:]) == encoding {
			off := binary.BigEndian.Uint32(rec[4:])
			if uint64(off) < uint64(len(cm)) {
				return cm[off:]
			}
		}
	}
	return nil
}

// ttCmapEach calls fn for each code → glyph mapping of a cmap subtable
// (formats 0, 4, 6 and 12), at most ttMaxMapped times, stopping when fn
// returns false.
func ttCmapEach(sub []byte, fn func(code uint32, gid uint16) bool) {
	if len(sub) < 2 {
		return
	}
	steps := 0
	emit := func(code uint32, gid uint16) bool { // every code counts, mapped or not
		steps++
		return steps <= ttMaxMapped && (gid == 0 || fn(code, gid))
	}
	switch binary.BigEndian.Uint16(sub) {
	case 0:
		if len(sub) < 6+256 {
			return
		}
		for c, g := range sub[6 : 6+256] {
			if !emit(uint32(c), uint16(g)) {
				return
			}
		}
	case 4:
		if len(sub) < 14 {
			return
		}
		segX2 := int(binary.BigEndian.Uint16(sub[6:]))
		segs := segX2 / 2
		ends, starts := 14, 14+segX2+2
		deltas, ranges := starts+segX2, starts+2*segX2
		if ranges+segX2 > len(sub) {
			return
		}
		for s := range segs {
			end := uint32(binary.BigEndian.Uint16(sub[ends+2*s:]))
			start := uint32(binary.BigEndian.Uint16(sub[starts+2*s:]))
			delta := binary.BigEndian.Uint16(sub[deltas+2*s:])
			ro := int(binary.BigEndian.Uint16(sub[ranges+2*s:]))
			for c := start; c <= end && c != 0xFFFF; c++ {
				var g uint16
				if ro == 0 {
					g = uint16(c) + delta
				} else {
					at := ranges + 2*s + ro + 2*int(c-start)
					if at+2 > len(sub) {
						break
					}
					if g = binary.BigEndian.Uint16(sub[at:]); g != 0 {
						g += delta
					}
				}
				if !emit(c, g) {
					return
				}
			}
		}
	case 6:
		if len(sub) < 10 {
			return
		}
		first, n := uint32(binary.BigEndian.Uint16(sub[6:])), int(binary.BigEndian.Uint16(sub[8:]))
		for i := 0; i < n && 10+2*i+2 <= len(sub); i++ {
			if !emit(first+uint32(i), binary.BigEndian.Uint16(sub[10+2*i:])) {
				return
			}
		}
	case 12:
		if len(sub) < 16 {
			return
		}
		n := binary.BigEndian.Uint32(sub[12:])
		for i := uint32(0); i < n && 16+12*uint64(i)+12 <= uint64(len(sub)); i++ {
			grp := sub[16+12*i:]
			start, end, g := binary.BigEndian.Uint32(grp), binary.BigEndian.Uint32(grp[4:]), binary.BigEndian.Uint32(grp[8:])
			if end < start || end-start > ttMaxMapped {
				continue
			}
			for c := start; c <= end; c++ {
				gid := g + (c - start)
				if gid > 0xFFFF {
					gid = 0
				}
				if !emit(c, uint16(gid)) {
					return
				}
			}
		}
	}
}

// simpleCodes maps the 256 codes of a simple (single-byte) font to glyphs
// the way viewers do for a symbolic font: through the (3,0) subtable (code,
// or code in the F000, F100 or F200 ranges), else the (1,0) one.
func (t *ttFont) simpleCodes() (gids [256]uint16, ok bool) {
	if sub := t.cmapSubtable(3, 0); sub != nil {
		var byCode [4][256]uint16
		ttCmapEach(sub, func(c uint32, g uint16) bool {
			if hi := c >> 8; c < 256 || (hi >= 0xF0 && hi <= 0xF2) {
				row := 0
				if c >= 256 {
					row = int(hi) - 0xEF
				}
				byCode[row][c&0xFF] = g
			}
			return true
		})
		for c := range gids {
			for _, row := range byCode {
				if row[c] != 0 {
					gids[c], ok = row[c], true
					break
				}
			}
		}
		if ok {
			return gids, true
		}
	}
	if sub := t.cmapSubtable(1, 0); sub != nil {
		ttCmapEach(sub, func(c uint32, g uint16) bool {
			if c < 256 {
				gids[c], ok = g, true
			}
			return true
		})
	}
	return gids, ok
}

// glyphText returns the text of glyph gid: the smallest character that
// the font's Unicode cmap maps to it, else its 'post' name read as a glyph
// name; "" when neither says.
func (t *ttFont) glyphText(gid uint16) string {
	t.once.Do(t.loadGlyphText)
	if r, ok := t.byGlyph[gid]; ok {
		return pdfNormalizeGlyphText(string(r))
	}
	if int(gid) < len(t.names) {
		return pdfGlyphNameToUnicode(t.names[gid])
	}
	return ""
}

func (t *ttFont) loadGlyphText() {
	for _, pe := range [][2]uint16{{3, 10}, {3, 1}, {0, 4}, {0, 3}, {0, 2}, {0, 1}, {0, 0}} {
		sub := t.cmapSubtable(pe[0], pe[1])
		if sub == nil {
			continue
		}
		t.byGlyph = map[uint16]rune{}
		ttCmapEach(sub, func(c uint32, g uint16) bool {
			if old, seen := t.byGlyph[g]; (!seen || rune(c) < old) && c >= 0x20 && c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF) {
				t.byGlyph[g] = rune(c)
			}
			return true
		})
		break
	}
	t.names = ttPostNames(t.tables["post"])
}

// ttPostNames reads the glyph names of a 'post' table (formats 1 and 2).
func ttPostNames(post []byte) []string {
	if len(post) < 32 {
		return nil
	}
	mac := ttMacGlyphNames()
	switch binary.BigEndian.Uint32(post) {
	case 0x00010000:
		return mac
	case 0x00020000:
	default:
		return nil
	}
	if len(post) < 34 {
		return nil
	}
	n := int(binary.BigEndian.Uint16(post[32:]))
	idx := 34
	if idx+2*n > len(post) {
		return nil
	}
	var extra []string
	for p := idx + 2*n; p < len(post) && len(extra) < cffMaxGlyphs; {
		l := int(post[p])
		if p+1+l > len(post) {
			break
		}
		extra = append(extra, string(post[p+1:p+1+l]))
		p += 1 + l
	}
	names := make([]string, n)
	for g := range names {
		i := int(binary.BigEndian.Uint16(post[idx+2*g:]))
		switch {
		case i < len(mac):
			names[g] = mac[i]
		case i-len(mac) < len(extra):
			names[g] = extra[i-len(mac)]
		}
	}
	return names
}

// ttCIDToGID maps a CID of a CIDFontType2 to glyphs: Identity, or a
// CIDToGIDMap stream (two bytes a CID), given as
// nil for Identity.
func ttCIDToGID(cid uint32, cidToGID []byte) (uint16, bool) {
	if cidToGID == nil {
		return uint16(cid), cid <= 0xFFFF
	}
	if uint64(2*cid)+2 > uint64(len(cidToGID)) {
		return 0, false
	}
	return binary.BigEndian.Uint16(cidToGID[2*cid:]), true
}

// ttMacGlyphNames is the standard Macintosh glyph order (258 names) that
// 'post' tables refer to.
var ttMacGlyphNames = sync.OnceValue(func() []string {
	names := strings.Fields(ttMacGlyphNameData)
	return slices.Clip(names)
})

const ttMacGlyphNameData = `.notdef .null nonmarkingreturn space exclam quotedbl numbersign
dollar percent ampersand quotesingle parenleft parenright asterisk plus comma hyphen period slash
zero one two three four five six seven eight nine colon semicolon less equal greater question at
A B C D E F G H I J K L M N O P Q R S T U V W X Y Z bracketleft backslash bracketright asciicircum
underscore grave a b c d e f g h i j k l m n o p q r s t u v w x y z braceleft bar braceright
asciitilde Adieresis Aring Ccedilla Eacute Ntilde Odieresis Udieresis aacute agrave acircumflex
adieresis atilde aring ccedilla eacute egrave ecircumflex edieresis iacute igrave icircumflex
idieresis ntilde oacute ograve ocircumflex odieresis otilde uacute ugrave ucircumflex udieresis
dagger degree cent sterling section bullet paragraph germandbls registered copyright trademark
acute dieresis notequal AE Oslash infinity plusminus lessequal greaterequal yen mu partialdiff
summation product pi integral ordfeminine ordmasculine Omega ae oslash questiondown exclamdown
logicalnot radical florin approxequal Delta guillemotleft guillemotright ellipsis
nonbreakingspace Agrave Atilde Otilde OE oe endash emdash quotedblleft quotedblright quoteleft
quoteright divide lozenge ydieresis Ydieresis fraction currency guilsinglleft guilsinglright fi fl
daggerdbl periodcentered quotesinglbase quotedblbase perthousand Acircumflex Ecircumflex Aacute
Edieresis Egrave Iacute Icircumflex Idieresis Igrave Oacute Ocircumflex apple Ograve Uacute
Ucircumflex Ugrave dotlessi circumflex tilde macron breve dotaccent ring cedilla hungarumlaut
ogonek caron Lslash lslash Scaron scaron Zcaron zcaron brokenbar Eth eth Yacute yacute Thorn thorn
minus multiply onesuperior twosuperior threesuperior onehalf onequarter threequarters franc
Gbreve gbreve Idotaccent Scedilla scedilla Cacute cacute Ccaron ccaron dcroat`
