package extract

import (
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// singleByteCodePage returns the Windows code page cp when it is a
// single-byte one this package knows, else nil.
func singleByteCodePage(cp int) *charmap.Charmap {
	switch cp {
	case 437:
		return charmap.CodePage437
	case 850:
		return charmap.CodePage850
	case 852:
		return charmap.CodePage852
	case 855:
		return charmap.CodePage855
	case 858:
		return charmap.CodePage858
	case 860:
		return charmap.CodePage860
	case 862:
		return charmap.CodePage862
	case 863:
		return charmap.CodePage863
	case 865:
		return charmap.CodePage865
	case 866:
		return charmap.CodePage866
	case 874:
		return charmap.Windows874
	case 1250:
		return charmap.Windows1250
	case 1251:
		return charmap.Windows1251
	case 1252:
		return charmap.Windows1252
	case 1253:
		return charmap.Windows1253
	case 1254:
		return charmap.Windows1254
	case 1255:
		return charmap.Windows1255
	case 1256:
		return charmap.Windows1256
	case 1257:
		return charmap.Windows1257
	case 1258:
		return charmap.Windows1258
	case 10000:
		return charmap.Macintosh
	case 10007:
		return charmap.MacintoshCyrillic
	case 20866:
		return charmap.KOI8R
	case 21866:
		return charmap.KOI8U
	}
	return isoCodePage(cp)
}

// isoCodePage returns ISO-8859-n for Windows code pages 28591…28605.
func isoCodePage(cp int) *charmap.Charmap {
	switch cp {
	case 28591:
		return charmap.ISO8859_1
	case 28592:
		return charmap.ISO8859_2
	case 28593:
		return charmap.ISO8859_3
	case 28594:
		return charmap.ISO8859_4
	case 28595:
		return charmap.ISO8859_5
	case 28596:
		return charmap.ISO8859_6
	case 28597:
		return charmap.ISO8859_7
	case 28598:
		return charmap.ISO8859_8
	case 28599:
		return charmap.ISO8859_9
	case 28603:
		return charmap.ISO8859_13
	case 28605:
		return charmap.ISO8859_15
	}
	return nil
}

// doubleByteCodePage returns the East Asian code page cp, else nil.
func doubleByteCodePage(cp int) encoding.Encoding {
	switch cp {
	case 932:
		return japanese.ShiftJIS
	case 936:
		return simplifiedchinese.GBK
	case 949:
		return korean.EUCKR
	case 950:
		return traditionalchinese.Big5
	}
	return nil
}

// charsetCodePage maps an RTF \fcharset to a Windows code page; 0 means
// "the document's code page" (ANSI, default and symbol fonts).
func charsetCodePage(charset int) int {
	switch charset {
	case 77:
		return 10000
	case 128:
		return 932
	case 129:
		return 949
	case 134:
		return 936
	case 136:
		return 950
	case 161:
		return 1253
	case 162:
		return 1254
	case 163:
		return 1258
	case 177:
		return 1255
	case 178:
		return 1256
	case 186:
		return 1257
	case 204:
		return 1251
	case 222:
		return 874
	case 238:
		return 1250
	case 255:
		return 437
	}
	return 0
}

// isLeadByte reports whether b starts a two-byte character in the
// double-byte code page cp.
func isLeadByte(cp int, b byte) bool {
	switch cp {
	case 932:
		return (b >= 0x81 && b <= 0x9F) || (b >= 0xE0 && b <= 0xFC)
	case 936, 949, 950:
		return b >= 0x81 && b <= 0xFE
	}
	return false
}

// decodeSingleByte decodes b in cp; an unknown code page is read as
// Windows-1252.
func decodeSingleByte(cp int, b byte) rune {
	if cm := singleByteCodePage(cp); cm != nil {
		return cm.DecodeByte(b)
	}
	if doubleByteCodePage(cp) != nil {
		// A byte that is not a lead byte: Shift-JIS half-width katakana.
		r, _ := utf8.DecodeRuneInString(decodeCodePageBytes(cp, []byte{b}))
		return r
	}
	return charmap.Windows1252.DecodeByte(b)
}

// decodeCodePageBytes decodes a lead and trail byte pair, or one byte, in
// the double-byte code page cp.
func decodeCodePageBytes(cp int, pair []byte) string {
	enc := doubleByteCodePage(cp)
	if enc == nil {
		return string(utf8.RuneError)
	}
	s, err := enc.NewDecoder().Bytes(pair)
	if err != nil {
		return string(utf8.RuneError)
	}
	return string(s)
}
