package extract

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// This file is the object layer of the pure-Go PDF reader: a tokenizer and
// parser for PDF objects over the file's bytes. It never panics on bad input:
// every read is bounds-checked and every loop consumes at least one byte.

// PDF object kinds. A parsed object is one of: nil (null), bool, int64,
// float64, string (a PDF string's raw bytes), pdfName, pdfKeyword, pdfRef,
// pdfArray, pdfDict or *pdfStream.
type (
	pdfName    string
	pdfKeyword string
	pdfArray   []any
	pdfDict    map[pdfName]any
)

// pdfRef is an indirect reference "num gen R".
type pdfRef struct {
	num int
	gen int
}

// pdfStream is a stream object: its dictionary and its still-encoded bytes,
// a sub-slice of the file (or of a decoded object stream).
type pdfStream struct {
	dict pdfDict
	raw  []byte
}

// maxPDFNesting bounds array and dictionary nesting, so a hostile file cannot
// exhaust the stack.
const maxPDFNesting = 64

var (
	errPDFSyntax  = errors.New("syntax error")
	errPDFNesting = errors.New("objects nested too deeply")
)

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isPDFDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func isPDFRegular(c byte) bool { return !isPDFSpace(c) && !isPDFDelim(c) }

// pdfParser reads objects from b starting at pos. doc, when set, resolves
// indirect stream lengths.
type pdfParser struct {
	b   []byte
	pos int
	doc *pdfDoc
}

func (p *pdfParser) skipSpace() {
	for p.pos < len(p.b) {
		c := p.b[p.pos]
		if isPDFSpace(c) {
			p.pos++
			continue
		}
		if c == '%' {
			for p.pos < len(p.b) && p.b[p.pos] != '\n' && p.b[p.pos] != '\r' {
				p.pos++
			}
			continue
		}
		return
	}
}

// pdfKeywordAt reports whether the keyword kw starts at pos and ends at a
// delimiter, a space or the end of the data.
func pdfKeywordAt(b []byte, pos int, kw string) bool {
	if pos < 0 || pos+len(kw) > len(b) || string(b[pos:pos+len(kw)]) != kw {
		return false
	}
	end := pos + len(kw)
	return end == len(b) || !isPDFRegular(b[end])
}

// object parses the next object. A bare word other than true, false and null
// is returned as a pdfKeyword (the caller decides whether it is valid there).
func (p *pdfParser) object(depth int) (any, error) {
	if depth > maxPDFNesting {
		return nil, errPDFNesting
	}
	p.skipSpace()
	if p.pos >= len(p.b) {
		return nil, fmt.Errorf("%w: unexpected end of data", errPDFSyntax)
	}
	c := p.b[p.pos]
	switch {
	case c == '/':
		return p.name(), nil
	case c == '(':
		return p.literalString(), nil
	case c == '<':
		if p.pos+1 < len(p.b) && p.b[p.pos+1] == '<' {
			p.pos += 2
			d, err := p.dict(depth)
			if err != nil {
				return nil, err
			}
			save := p.pos
			p.skipSpace()
			if pdfKeywordAt(p.b, p.pos, "stream") {
				p.pos += len("stream")
				return p.stream(d), nil
			}
			p.pos = save
			return d, nil
		}
		return p.hexString(), nil
	case c == '[':
		p.pos++
		arr := pdfArray{}
		for {
			p.skipSpace()
			if p.pos >= len(p.b) {
				return nil, fmt.Errorf("%w: unterminated array", errPDFSyntax)
			}
			if p.b[p.pos] == ']' {
				p.pos++
				return arr, nil
			}
			v, err := p.object(depth + 1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
	case c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
		return p.numberOrRef(), nil
	case isPDFDelim(c):
		// ')', '>', ']', '{', '}' out of place: consume it so callers progress.
		p.pos++
		return pdfKeyword(string(c)), nil
	default:
		start := p.pos
		for p.pos < len(p.b) && isPDFRegular(p.b[p.pos]) {
			p.pos++
		}
		switch kw := p.b[start:p.pos]; string(kw) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		default:
			return pdfKeyword(kw), nil
		}
	}
}

func (p *pdfParser) dict(depth int) (pdfDict, error) {
	d := pdfDict{}
	for {
		p.skipSpace()
		if p.pos >= len(p.b) {
			return nil, fmt.Errorf("%w: unterminated dictionary", errPDFSyntax)
		}
		if p.b[p.pos] == '>' {
			if p.pos+1 < len(p.b) && p.b[p.pos+1] == '>' {
				p.pos += 2
				return d, nil
			}
			p.pos++
			continue
		}
		k, err := p.object(depth + 1)
		if err != nil {
			return nil, err
		}
		key, ok := k.(pdfName)
		if !ok {
			if kw, isKw := k.(pdfKeyword); isKw && (kw == "endobj" || kw == "stream" || kw == "endstream") {
				return nil, fmt.Errorf("%w: unterminated dictionary", errPDFSyntax)
			}
			continue // tolerate junk between entries
		}
		p.skipSpace()
		if p.pos < len(p.b) && p.b[p.pos] == '>' {
			continue // a key without a value
		}
		v, err := p.object(depth + 1)
		if err != nil {
			return nil, err
		}
		if v != nil {
			d[key] = v
		}
	}
}

func (p *pdfParser) name() pdfName {
	p.pos++ // '/'
	start := p.pos
	esc := false
	for p.pos < len(p.b) && isPDFRegular(p.b[p.pos]) {
		if p.b[p.pos] == '#' {
			esc = true
		}
		p.pos++
	}
	raw := p.b[start:p.pos]
	if !esc {
		return pdfName(raw)
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		if raw[i] == '#' && i+2 < len(raw) && pdfIsHex(raw[i+1]) && pdfIsHex(raw[i+2]) {
			out = append(out, pdfUnhex(raw[i+1])<<4|pdfUnhex(raw[i+2]))
			i += 2
			continue
		}
		out = append(out, raw[i])
	}
	return pdfName(out)
}

func pdfIsHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func pdfUnhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}

func (p *pdfParser) hexString() string {
	p.pos++ // '<'
	end := bytes.IndexByte(p.b[p.pos:], '>')
	if end < 0 {
		end = len(p.b) - p.pos
	}
	out := pdfAsciiHexDecode(p.b[p.pos : p.pos+end])
	p.pos = min(p.pos+end+1, len(p.b))
	return string(out)
}

// literalString reads a (…) string, decoding escapes.
func (p *pdfParser) literalString() string {
	s, n := pdfDecodeLiteral(p.b[p.pos:], nil)
	p.pos += n
	return string(s)
}

// pdfDecodeLiteral decodes the literal string starting at b[0] == '(' and
// returns its bytes (appended to dst) and the number of input bytes used.
func pdfDecodeLiteral(b []byte, dst []byte) ([]byte, int) {
	i := 1
	// Fast path: no escapes and no nested parentheses.
	for j := 1; j < len(b); j++ {
		c := b[j]
		if c == '\\' || c == '(' || c == '\r' {
			break
		}
		if c == ')' {
			return append(dst, b[1:j]...), j + 1
		}
	}
	depth := 1
	for i < len(b) {
		c := b[i]
		i++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return dst, i
			}
		case '\r':
			// An end of line in a string is read as a single '\n'.
			if i < len(b) && b[i] == '\n' {
				i++
			}
			c = '\n'
		case '\\':
			if i >= len(b) {
				return dst, i
			}
			e := b[i]
			i++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if i < len(b) && b[i] == '\n' {
					i++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && i < len(b) && b[i] >= '0' && b[i] <= '7'; k++ {
						v = v*8 + int(b[i]-'0')
						i++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		dst = append(dst, c)
	}
	return dst, i
}

// pdfParseNumber reads a PDF number at b[0:], returning its value, whether it
// was written as an integer, and the bytes used (at least 1).
func pdfParseNumber(b []byte) (float64, bool, int) {
	i := 0
	neg := false
	for i < len(b) && (b[i] == '+' || b[i] == '-') {
		if b[i] == '-' {
			neg = !neg
		}
		i++
	}
	var v float64
	isInt := true
	digits := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		v = v*10 + float64(b[i]-'0')
		i++
		digits++
	}
	if i < len(b) && b[i] == '.' {
		isInt = false
		i++
		scale := 0.1
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			v += float64(b[i]-'0') * scale
			scale /= 10
			i++
			digits++
		}
	}
	// Swallow junk glued to a number (e.g. "12-3" or "4.5.6") so the caller
	// always progresses; what was read before it is the value.
	for i < len(b) && isPDFRegular(b[i]) {
		i++
	}
	if i == 0 {
		i = 1
	}
	if neg {
		v = -v
	}
	if digits == 0 {
		v = 0
	}
	return v, isInt, i
}

func (p *pdfParser) numberOrRef() any {
	v, isInt, n := pdfParseNumber(p.b[p.pos:])
	p.pos += n
	if !isInt || v < 0 || v > math.MaxInt32 {
		if isInt && math.Abs(v) < 1<<53 {
			return int64(v)
		}
		return v
	}
	// "num gen R"?
	save := p.pos
	p.skipSpace()
	if p.pos < len(p.b) && p.b[p.pos] >= '0' && p.b[p.pos] <= '9' {
		g, gInt, gn := pdfParseNumber(p.b[p.pos:])
		if gInt && g >= 0 && g <= 65535 {
			p.pos += gn
			p.skipSpace()
			if pdfKeywordAt(p.b, p.pos, "R") {
				p.pos++
				return pdfRef{num: int(v), gen: int(g)}
			}
		}
	}
	p.pos = save
	return int64(v)
}

// stream reads a stream's data; p.pos is just after the "stream" keyword.
func (p *pdfParser) stream(d pdfDict) *pdfStream {
	if p.pos < len(p.b) && p.b[p.pos] == '\r' {
		p.pos++
	}
	if p.pos < len(p.b) && p.b[p.pos] == '\n' {
		p.pos++
	}
	start := p.pos
	length := -1
	switch l := d["Length"].(type) {
	case int64:
		length = int(l)
	case pdfRef:
		if p.doc != nil {
			if n, ok := p.doc.resolve(l).(int64); ok {
				length = int(n)
			}
		}
	}
	if length >= 0 && length <= len(p.b)-start {
		q := pdfParser{b: p.b, pos: start + length}
		q.skipSpace()
		if pdfKeywordAt(p.b, q.pos, "endstream") {
			p.pos = q.pos + len("endstream")
			return &pdfStream{dict: d, raw: p.b[start : start+length]}
		}
	}
	// A missing or wrong /Length: the data ends at "endstream". A search
	// that fails in the file is remembered, so that a damaged file with many
	// such streams costs one scan, not one per stream.
	inFile := p.doc != nil && len(p.b) > 0 && len(p.b) == len(p.doc.data) && &p.b[0] == &p.doc.data[0]
	end := -1
	if !inFile || start < p.doc.noEndstream {
		end = bytes.Index(p.b[start:], []byte("endstream"))
	}
	if end < 0 && inFile {
		p.doc.noEndstream = min(p.doc.noEndstream, start)
	}
	if end < 0 {
		p.pos = len(p.b)
		return &pdfStream{dict: d, raw: p.b[start:]}
	}
	p.pos = start + end + len("endstream")
	raw := p.b[start : start+end]
	if n := len(raw); n > 0 && raw[n-1] == '\n' {
		raw = raw[:n-1]
	}
	if n := len(raw); n > 0 && raw[n-1] == '\r' {
		raw = raw[:n-1]
	}
	return &pdfStream{dict: d, raw: raw}
}

// indirectHeader reads "num gen obj" at p.pos.
func (p *pdfParser) indirectHeader() (num, gen int, ok bool) {
	p.skipSpace()
	if p.pos >= len(p.b) || p.b[p.pos] < '0' || p.b[p.pos] > '9' {
		return 0, 0, false
	}
	n, nInt, l := pdfParseNumber(p.b[p.pos:])
	p.pos += l
	p.skipSpace()
	if p.pos >= len(p.b) || p.b[p.pos] < '0' || p.b[p.pos] > '9' {
		return 0, 0, false
	}
	g, gInt, l2 := pdfParseNumber(p.b[p.pos:])
	p.pos += l2
	p.skipSpace()
	if !nInt || !gInt || n > math.MaxInt32 || g > 65535 || !pdfKeywordAt(p.b, p.pos, "obj") {
		return 0, 0, false
	}
	p.pos += len("obj")
	return int(n), int(g), true
}

// Accessors that read a value of one kind and return the zero value for any
// other kind, as PDF readers conventionally do.

func pdfNum(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, false
		}
		return x, true
	}
	return 0, false
}

func pdfInt(v any) (int, bool) {
	switch x := v.(type) {
	case int64:
		if x > math.MaxInt32 || x < math.MinInt32 {
			return 0, false
		}
		return int(x), true
	case float64:
		if x > math.MaxInt32 || x < math.MinInt32 || math.IsNaN(x) {
			return 0, false
		}
		return int(x), true
	}
	return 0, false
}

func (n pdfName) String() string { return "/" + string(n) }

func (r pdfRef) String() string { return strconv.Itoa(r.num) + " " + strconv.Itoa(r.gen) + " R" }
