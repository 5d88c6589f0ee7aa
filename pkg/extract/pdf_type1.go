package extract

import "bytes"

// This file reads the built-in encoding of a Type 1 font program
// (FontFile): the "dup 65 /A put" entries of the /Encoding array in its
// clear-text part. A font whose encoding is StandardEncoding has none to
// read. The bytes are untrusted; the scan only moves forward.

// parseType1Encoding returns the glyph name of each code that the font's
// built-in encoding names, and whether it names any. clear is the font's
// clear-text part (Length1 bytes; the scan stops at "eexec" anyway).
func parseType1Encoding(clear []byte) (names [256]string, ok bool) {
	if i := bytes.Index(clear, []byte("eexec")); i >= 0 {
		clear = clear[:i]
	}
	i := bytes.Index(clear, []byte("/Encoding"))
	if i < 0 || bytes.HasPrefix(clear[i+len("/Encoding"):], []byte(" StandardEncoding")) {
		return names, false
	}
	data := clear[i:]
	for {
		j := bytes.Index(data, []byte("dup "))
		if j < 0 {
			break
		}
		data = data[j+4:]
		p := pdfParser{b: data}
		code, ok1 := p.int()
		p.skipSpace()
		if !ok1 || code < 0 || code > 255 || p.pos >= len(data) || data[p.pos] != '/' {
			continue
		}
		names[code] = string(p.name())
		ok = true
		data = data[p.pos:]
	}
	return names, ok
}
