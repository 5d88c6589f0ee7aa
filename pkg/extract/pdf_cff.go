package extract

import (
	"encoding/binary"
	"errors"
	"strings"
	"sync"
)

// This file reads what text extraction needs of a CFF font program
// (FontFile3 /Type1C and /CIDFontType0C, Adobe Technical Note #5176): the
// name (or, in a CID-keyed font, the CID) of each glyph, from the charset
// and the String INDEX, and the font's built-in encoding. The bytes come
// from the PDF and are untrusted: every offset is checked, every count is
// capped, and the parser returns errCFF rather than panicking.

// errCFF means that the bytes are not a CFF font this reader understands.
var errCFF = errors.New("damaged or unsupported CFF font")

// cffMaxGlyphs caps the glyph count (the format cannot address more).
const cffMaxGlyphs = 1 << 16

// cffFont is a parsed CFF font program, as far as text needs it.
type cffFont struct {
	// cidKeyed is set for CID-keyed fonts (a ROS operator in the Top DICT);
	// their charset gives CIDs, not names.
	cidKeyed bool
	// charset is the charset entry of each glyph: a SID (name-keyed) or a
	// CID (CID-keyed). Glyph 0 (.notdef) is 0.
	charset []uint16
	// strings is the font's String INDEX (SIDs from 391 up).
	strings []string
	// enc maps a code to its glyph name: the built-in encoding; hasEnc is
	// false when the font uses Standard or Expert Encoding (offset 0 or 1).
	enc    [256]string
	hasEnc bool
}

// glyphName returns the name of glyph gid of a name-keyed font, "" when
// unknown.
func (c *cffFont) glyphName(gid int) string {
	if c.cidKeyed || gid < 0 || gid >= len(c.charset) {
		return ""
	}
	return c.sidName(c.charset[gid])
}

func (c *cffFont) sidName(sid uint16) string {
	std := cffStandardStrings()
	if int(sid) < len(std) {
		return std[sid]
	}
	if i := int(sid) - len(std); i < len(c.strings) {
		return c.strings[i]
	}
	return ""
}

// parseCFF reads the first font of a CFF FontSet.
func parseCFF(data []byte) (*cffFont, error) {
	if len(data) < 4 || data[0] != 1 {
		return nil, errCFF
	}
	pos := int(data[2])                // header size
	_, pos, err := cffIndex(data, pos) // Name INDEX
	if err != nil {
		return nil, err
	}
	top, pos, err := cffIndex(data, pos)
	if err != nil || len(top) == 0 {
		return nil, errCFF
	}
	strs, _, err := cffIndex(data, pos)
	if err != nil {
		return nil, err
	}
	c := &cffFont{strings: make([]string, len(strs))}
	for i, s := range strs {
		c.strings[i] = string(s)
	}
	dict := cffDict(top[0])
	c.cidKeyed = dict[cffOpROS] != nil
	charStrings := cffDictInt(dict, 17, -1)
	if charStrings <= 0 || charStrings >= len(data) {
		return nil, errCFF
	}
	n, err := cffIndexCount(data, charStrings)
	if err != nil || n == 0 {
		return nil, errCFF
	}
	if c.charset, err = cffCharset(data, cffDictInt(dict, 15, 0), n); err != nil {
		return nil, err
	}
	if !c.cidKeyed {
		if off := cffDictInt(dict, 16, 0); off > 1 {
			if err := c.readEncoding(data, off); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

// cffIndex reads the INDEX at pos: its items (sub-slices of data) and the
// position after it.
func cffIndex(data []byte, pos int) ([][]byte, int, error) {
	if pos < 0 || pos+2 > len(data) {
		return nil, 0, errCFF
	}
	count := int(binary.BigEndian.Uint16(data[pos:]))
	if count == 0 {
		return nil, pos + 2, nil
	}
	if pos+3 > len(data) {
		return nil, 0, errCFF
	}
	offSize := int(data[pos+2])
	if offSize < 1 || offSize > 4 {
		return nil, 0, errCFF
	}
	offs := pos + 3
	if offs+(count+1)*offSize > len(data) {
		return nil, 0, errCFF
	}
	base := offs + (count+1)*offSize - 1 // offsets count from 1
	readOff := func(i int) int {
		v := 0
		for _, b := range data[offs+i*offSize : offs+(i+1)*offSize] {
			v = v<<8 | int(b)
		}
		return v
	}
	items := make([][]byte, count)
	prev := readOff(0)
	if prev != 1 {
		return nil, 0, errCFF
	}
	for i := range count {
		next := readOff(i + 1)
		if next < prev || base+next > len(data) {
			return nil, 0, errCFF
		}
		items[i] = data[base+prev : base+next]
		prev = next
	}
	return items, base + prev, nil
}

// cffIndexCount reads only the item count of the INDEX at pos.
func cffIndexCount(data []byte, pos int) (int, error) {
	if pos < 0 || pos+2 > len(data) {
		return 0, errCFF
	}
	return int(binary.BigEndian.Uint16(data[pos:])), nil
}

// cffOpROS is the two-byte operator 12 30 (ROS), keyed as 1200+30.
const cffOpROS = 1230

// cffDict reads a DICT's operators and their operands (integers; reals
// are read as 0, as nothing here needs one). Two-byte operators 12 x are
// keyed as 1200+x.
func cffDict(b []byte) map[int][]int {
	d := map[int][]int{}
	var operands []int
	for i := 0; i < len(b); {
		b0 := int(b[i])
		switch {
		case b0 <= 21:
			op := b0
			i++
			if b0 == 12 {
				if i >= len(b) {
					return d
				}
				op = 1200 + int(b[i])
				i++
			}
			if len(d) < 64 {
				d[op] = operands
			}
			operands = nil
			continue
		case b0 == 28:
			if i+3 > len(b) {
				return d
			}
			operands = append(operands, int(int16(binary.BigEndian.Uint16(b[i+1:]))))
			i += 3
		case b0 == 29:
			if i+5 > len(b) {
				return d
			}
			operands = append(operands, int(int32(binary.BigEndian.Uint32(b[i+1:]))))
			i += 5
		case b0 == 30: // real: nibbles up to an 0xf
			i++
			for i < len(b) && b[i]&0x0f != 0x0f && b[i]&0xf0 != 0xf0 {
				i++
			}
			i++
			operands = append(operands, 0)
		case b0 >= 32 && b0 <= 246:
			operands = append(operands, b0-139)
			i++
		case b0 >= 247 && b0 <= 254:
			if i+2 > len(b) {
				return d
			}
			v := (b0-247)<<8 + int(b[i+1]) + 108
			if b0 >= 251 {
				v = -((b0-251)<<8 + int(b[i+1]) + 108)
			}
			operands = append(operands, v)
			i += 2
		default: // 22–27, 31, 255: reserved
			return d
		}
		if len(operands) > 48 {
			return d
		}
	}
	return d
}

// cffDictInt returns the last operand of op, or def.
func cffDictInt(d map[int][]int, op, def int) int {
	if v := d[op]; len(v) > 0 {
		return v[len(v)-1]
	}
	return def
}

// cffCharset reads the charset at off for n glyphs (0, 1, 2: the
// predefined ISOAdobe, Expert and ExpertSubset charsets; only ISOAdobe,
// SIDs 0…228 in order, is known here, the others give no names).
func cffCharset(data []byte, off, n int) ([]uint16, error) {
	n = min(n, cffMaxGlyphs)
	cs := make([]uint16, n)
	switch off {
	case 0:
		for gid := range cs {
			if gid <= 228 {
				cs[gid] = uint16(gid)
			}
		}
		return cs, nil
	case 1, 2:
		return cs, nil
	}
	if off < 0 || off >= len(data) {
		return nil, errCFF
	}
	format := data[off]
	p := off + 1
	gid := 1
	for gid < n {
		switch format {
		case 0:
			if p+2 > len(data) {
				return nil, errCFF
			}
			cs[gid] = binary.BigEndian.Uint16(data[p:])
			p += 2
			gid++
		case 1, 2:
			size := 3
			if format == 2 {
				size = 4
			}
			if p+size > len(data) {
				return nil, errCFF
			}
			first := int(binary.BigEndian.Uint16(data[p:]))
			left := int(data[p+2])
			if format == 2 {
				left = int(binary.BigEndian.Uint16(data[p+2:]))
			}
			p += size
			for k := 0; k <= left && gid < n; k++ {
				cs[gid] = uint16(first + k)
				gid++
			}
		default:
			return nil, errCFF
		}
	}
	return cs, nil
}

// readEncoding reads a custom encoding (format 0 or 1, with supplements)
// at off into c.enc.
func (c *cffFont) readEncoding(data []byte, off int) error {
	if off >= len(data) {
		return errCFF
	}
	format := data[off]
	p := off + 1
	gid := 1
	set := func(code, gid int) {
		if name := c.glyphName(gid); name != "" && code < 256 {
			c.enc[code] = name
			c.hasEnc = true
		}
	}
	switch format & 0x7f {
	case 0:
		if p >= len(data) {
			return errCFF
		}
		nCodes := int(data[p])
		p++
		if p+nCodes > len(data) {
			return errCFF
		}
		for _, code := range data[p : p+nCodes] {
			set(int(code), gid)
			gid++
		}
		p += nCodes
	case 1:
		if p >= len(data) {
			return errCFF
		}
		nRanges := int(data[p])
		p++
		if p+2*nRanges > len(data) {
			return errCFF
		}
		for r := range nRanges {
			first, left := int(data[p+2*r]), int(data[p+2*r+1])
			for k := 0; k <= left; k++ {
				set(first+k, gid)
				gid++
			}
		}
		p += 2 * nRanges
	default:
		return errCFF
	}
	if format&0x80 != 0 && p < len(data) {
		nSups := int(data[p])
		p++
		for s := 0; s < nSups && p+3 <= len(data); s++ {
			code, sid := int(data[p]), binary.BigEndian.Uint16(data[p+1:])
			if name := c.sidName(sid); name != "" {
				c.enc[code] = name
				c.hasEnc = true
			}
			p += 3
		}
	}
	return nil
}

// cffStandardStrings is the 391 standard strings of CFF (SIDs 0–390,
// Adobe Technical Note #5176, Appendix A).
var cffStandardStrings = sync.OnceValue(func() []string {
	return strings.Fields(cffStandardStringData)
})

const cffStandardStringData = `.notdef space exclam quotedbl numbersign dollar percent ampersand
quoteright parenleft parenright asterisk plus comma hyphen period slash zero one two three four
five six seven eight nine colon semicolon less equal greater question at A B C D E F G H I J K L
M N O P Q R S T U V W X Y Z bracketleft backslash bracketright asciicircum underscore quoteleft
a b c d e f g h i j k l m n o p q r s t u v w x y z braceleft bar braceright asciitilde
exclamdown cent sterling fraction yen florin section currency quotesingle quotedblleft
guillemotleft guilsinglleft guilsinglright fi fl endash dagger daggerdbl periodcentered
paragraph bullet quotesinglbase quotedblbase quotedblright guillemotright ellipsis perthousand
questiondown grave acute circumflex tilde macron breve dotaccent dieresis ring cedilla
hungarumlaut ogonek caron emdash AE ordfeminine Lslash Oslash OE ordmasculine ae dotlessi lslash
oslash oe germandbls onesuperior logicalnot mu trademark Eth onehalf plusminus Thorn onequarter
divide brokenbar degree thorn threequarters twosuperior registered minus eth multiply
threesuperior copyright Aacute Acircumflex Adieresis Agrave Aring Atilde Ccedilla Eacute
Ecircumflex Edieresis Egrave Iacute Icircumflex Idieresis Igrave Ntilde Oacute Ocircumflex
Odieresis Ograve Otilde Scaron Uacute Ucircumflex Udieresis Ugrave Yacute Ydieresis Zcaron aacute
acircumflex adieresis agrave aring atilde ccedilla eacute ecircumflex edieresis egrave iacute
icircumflex idieresis igrave ntilde oacute ocircumflex odieresis ograve otilde scaron uacute
ucircumflex udieresis ugrave yacute ydieresis zcaron exclamsmall Hungarumlautsmall
dollaroldstyle dollarsuperior ampersandsmall Acutesmall parenleftsuperior parenrightsuperior
twodotenleader onedotenleader zerooldstyle oneoldstyle twooldstyle threeoldstyle fouroldstyle
fiveoldstyle sixoldstyle sevenoldstyle eightoldstyle nineoldstyle commasuperior
threequartersemdash periodsuperior questionsmall asuperior bsuperior centsuperior dsuperior
esuperior isuperior lsuperior msuperior nsuperior osuperior rsuperior ssuperior tsuperior ff ffi
ffl parenleftinferior parenrightinferior Circumflexsmall hyphensuperior Gravesmall Asmall Bsmall
Csmall Dsmall Esmall Fsmall Gsmall Hsmall Ismall Jsmall Ksmall Lsmall Msmall Nsmall Osmall Psmall
Qsmall Rsmall Ssmall Tsmall Usmall Vsmall Wsmall Xsmall Ysmall Zsmall colonmonetary onefitted
rupiah Tildesmall exclamdownsmall centoldstyle Lslashsmall Scaronsmall Zcaronsmall
Dieresissmall Brevesmall Caronsmall Dotaccentsmall Macronsmall figuredash hypheninferior
Ogoneksmall Ringsmall Cedillasmall questiondownsmall oneeighth threeeighths fiveeighths
seveneighths onethird twothirds zerosuperior foursuperior fivesuperior sixsuperior
sevensuperior eightsuperior ninesuperior zeroinferior oneinferior twoinferior threeinferior
fourinferior fiveinferior sixinferior seveninferior eightinferior nineinferior centinferior
dollarinferior periodinferior commainferior Agravesmall Aacutesmall Acircumflexsmall
Atildesmall Adieresissmall Aringsmall AEsmall Ccedillasmall Egravesmall Eacutesmall
Ecircumflexsmall Edieresissmall Igravesmall Iacutesmall Icircumflexsmall Idieresissmall
Ethsmall Ntildesmall Ogravesmall Oacutesmall Ocircumflexsmall Otildesmall Odieresissmall
OEsmall Oslashsmall Ugravesmall Uacutesmall Ucircumflexsmall Udieresissmall Yacutesmall
Thornsmall Ydieresissmall 001.000 001.001 001.002 001.003 Black Bold Book Light Medium Regular
Roman Semibold`
