package extract

import (
	"bytes"
	"context"
	"errors"
	"math"
	"reflect"
)

// This file interprets page content streams far enough to place every glyph
// on the page: the text state and text-positioning operators, the current
// transformation matrix, q/Q, and Form XObjects. Operands are kept in a
// reused stack of plain values, so a page costs few allocations.

// Bounds on hostile content.
const (
	maxPDFGlyphsPerPage = 1 << 18
	maxPDFStream        = 32 << 20 // decoded bytes of one content stream or form
	maxPDFFormCache     = 16 << 20 // decoded forms kept for reuse
	maxPDFFormDepth     = 12
	maxPDFFormCalls     = 1 << 14 // Form XObjects drawn per page
	maxPDFStateDepth    = 256     // nested q
	pdfCtxCheckEvery    = 4096    // operators between context checks
)

// pdfMatrix is an affine matrix [a b c d e f] (row-vector convention).
type pdfMatrix [6]float64

var pdfIdentity = pdfMatrix{1, 0, 0, 1, 0, 0}

// mul returns m × n: first m, then n.
func (m pdfMatrix) mul(n pdfMatrix) pdfMatrix {
	return pdfMatrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

// pdfGlyph is one drawn character, in a frame turned so that its line runs
// left to right: x along the line, y up the page (larger y is higher).
type pdfGlyph struct {
	x, y  float64 // origin on the baseline
	w     float64 // advance along the line (may be ≤ 0)
	size  float64 // font size
	text  string
	rot   uint8 // 0, 1, 2, 3: quarter turns of the text direction
	space bool  // a space character: a word break
}

type pdfGState struct {
	ctm                    pdfMatrix
	font                   *pdfFont
	fs, tc, tw, th, tl, ts float64
}

// pdfOperand is one content-stream operand. Arrays (for TJ) keep their
// elements in pdfInterp.items[a0:a1].
type pdfOperand struct {
	kind   uint8
	num    float64
	b      []byte
	a0, a1 int
}

const (
	pdfOpNum uint8 = iota + 1
	pdfOpStr
	pdfOpName
	pdfOpArr
	pdfOpOther
)

// pdfInterp runs the content streams of one document's pages.
type pdfInterp struct {
	ctx    context.Context
	doc    *pdfDoc
	fonts  map[any]*pdfFont
	forms  map[*pdfStream][]byte
	glyphs []pdfGlyph

	gs        pdfGState
	stack     []pdfGState
	tm, tlm   pdfMatrix
	ops       []pdfOperand
	items     []pdfOperand
	scratch   []byte
	nops      int
	formCalls int
	formBytes int
	drawn     int  // glyphs drawn on the page, spaces not counted
	unmapped  int  // of them, glyphs with no Unicode text (not in glyphs)
	full      bool // the page hit maxPDFGlyphsPerPage
	// image is the pixels of the largest image XObject the page draws,
	// -1 once it drew an inline image (whose size is not read).
	image   int64
	damaged bool // a content stream of the page could not be decoded
	noFont  *pdfFont
}

func newPDFInterp(ctx context.Context, d *pdfDoc) *pdfInterp {
	nf := &pdfFont{vscale: 1}
	for c := 0x20; c < 0x7f; c++ {
		nf.uni[c] = string(rune(c))
	}
	for c := range nf.width {
		nf.width[c] = 0.5
	}
	return &pdfInterp{
		ctx: ctx, doc: d,
		fonts:  map[any]*pdfFont{},
		forms:  map[*pdfStream][]byte{},
		noFont: nf,
	}
}

// page collects the glyphs of one page into x.glyphs.
func (x *pdfInterp) page(p pdfPage) error {
	x.glyphs = x.glyphs[:0]
	x.stack = x.stack[:0]
	x.gs = pdfGState{ctm: pdfIdentity, th: 1}
	x.tm, x.tlm = pdfIdentity, pdfIdentity
	x.formCalls = 0
	x.full, x.damaged = false, false
	x.drawn, x.unmapped = 0, 0
	x.image = 0
	var data []byte
	streams := x.doc.contents(p.dict)
	for i, s := range streams {
		b, err := x.doc.dec.decode(x.doc, s, maxPDFStream)
		if err != nil {
			if errors.Is(err, errPDFBudget) {
				return err
			}
			x.damaged = true
			continue // a damaged stream: the others may still be read
		}
		if len(streams) == 1 {
			data = b
			break
		}
		if i > 0 {
			data = append(data, '\n')
		}
		data = append(data, b...)
	}
	return x.run(data, p.res, 0)
}

// run interprets one content stream with the given resources.
func (x *pdfInterp) run(b []byte, res pdfDict, depth int) error {
	pos := 0
	x.ops = x.ops[:0]
	for pos < len(b) {
		c := b[pos]
		switch {
		case isPDFSpace(c):
			pos++
		case c == '%':
			for pos < len(b) && b[pos] != '\n' && b[pos] != '\r' {
				pos++
			}
		case c == '(' || c == '<' || c == '[' || c == '/' || c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
			var o pdfOperand
			o, pos = x.operand(b, pos, 0)
			if len(x.ops) < 64 {
				x.ops = append(x.ops, o)
			}
		case isPDFDelim(c):
			pos++ // stray ')', '>', ']', '{', '}'
		default:
			start := pos
			for pos < len(b) && isPDFRegular(b[pos]) {
				pos++
			}
			op := b[start:pos]
			if string(op) == "BI" {
				pos = pdfSkipInlineImage(b, pos)
				x.image = -1
			} else if err := x.do(op, res, depth); err != nil {
				return err
			}
			x.ops = x.ops[:0]
			x.items = x.items[:0]
			x.scratch = x.scratch[:0]
			x.nops++
			if x.nops%pdfCtxCheckEvery == 0 {
				if err := x.ctx.Err(); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// operand reads one operand at b[pos]; arrays nest at most a few levels.
func (x *pdfInterp) operand(b []byte, pos, depth int) (pdfOperand, int) {
	c := b[pos]
	switch {
	case c == '(':
		start := len(x.scratch)
		var n int
		x.scratch, n = pdfDecodeLiteral(b[pos:], x.scratch)
		return pdfOperand{kind: pdfOpStr, b: x.scratch[start:len(x.scratch):len(x.scratch)]}, pos + n
	case c == '<':
		if pos+1 < len(b) && b[pos+1] == '<' {
			return pdfOperand{kind: pdfOpOther}, pdfSkipDict(b, pos)
		}
		start := len(x.scratch)
		pos++
		var hi byte
		half := false
		for pos < len(b) && b[pos] != '>' {
			if h := b[pos]; pdfIsHex(h) {
				if half {
					x.scratch = append(x.scratch, hi<<4|pdfUnhex(h))
				} else {
					hi = pdfUnhex(h)
				}
				half = !half
			}
			pos++
		}
		if half {
			x.scratch = append(x.scratch, hi<<4)
		}
		return pdfOperand{kind: pdfOpStr, b: x.scratch[start:len(x.scratch):len(x.scratch)]}, pos + 1
	case c == '[':
		pos++
		var elems [32]pdfOperand
		list := elems[:0]
		for pos < len(b) {
			c := b[pos]
			if isPDFSpace(c) {
				pos++
				continue
			}
			if c == ']' {
				pos++
				break
			}
			if c == '(' || c == '<' || c == '/' || c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9') || (c == '[' && depth < 4) {
				var o pdfOperand
				o, pos = x.operand(b, pos, depth+1)
				if len(x.items)+len(list) < 1<<16 {
					list = append(list, o)
				}
				continue
			}
			// A keyword or stray delimiter inside an array: skip it.
			pos++
			for pos < len(b) && isPDFRegular(b[pos]) {
				pos++
			}
		}
		a0 := len(x.items)
		x.items = append(x.items, list...)
		return pdfOperand{kind: pdfOpArr, a0: a0, a1: len(x.items)}, pos
	case c == '/':
		start := pos + 1
		pos++
		for pos < len(b) && isPDFRegular(b[pos]) {
			pos++
		}
		return pdfOperand{kind: pdfOpName, b: b[start:pos]}, pos
	default:
		v, _, n := pdfParseNumber(b[pos:])
		return pdfOperand{kind: pdfOpNum, num: v}, pos + n
	}
}

// pdfSkipDict skips a << … >> dictionary (as in BDC/DP property lists).
func pdfSkipDict(b []byte, pos int) int {
	depth := 0
	for pos < len(b) {
		switch {
		case b[pos] == '(':
			_, n := pdfDecodeLiteral(b[pos:], nil)
			pos += n
			continue
		case b[pos] == '<' && pos+1 < len(b) && b[pos+1] == '<':
			depth++
			pos += 2
			continue
		case b[pos] == '>' && pos+1 < len(b) && b[pos+1] == '>':
			depth--
			pos += 2
			if depth <= 0 {
				return pos
			}
			continue
		}
		pos++
	}
	return pos
}

// pdfSkipInlineImage skips from after "BI" to after the image's "EI".
func pdfSkipInlineImage(b []byte, pos int) int {
	id := bytes.Index(b[pos:], []byte("ID"))
	if id < 0 {
		return len(b)
	}
	pos += id + 3
	for pos < len(b) {
		i := bytes.Index(b[pos:], []byte("EI"))
		if i < 0 {
			return len(b)
		}
		at := pos + i
		if (at == 0 || isPDFSpace(b[at-1])) && (at+2 == len(b) || !isPDFRegular(b[at+2])) {
			return at + 2
		}
		pos = at + 2
	}
	return len(b)
}

func (x *pdfInterp) nums(n int) ([6]float64, bool) {
	var v [6]float64
	if len(x.ops) < n {
		return v, false
	}
	args := x.ops[len(x.ops)-n:]
	for i, o := range args {
		if o.kind != pdfOpNum {
			return v, false
		}
		v[i] = o.num
	}
	return v, true
}

func (x *pdfInterp) lastString() ([]byte, bool) {
	if len(x.ops) == 0 || x.ops[len(x.ops)-1].kind != pdfOpStr {
		return nil, false
	}
	return x.ops[len(x.ops)-1].b, true
}

func (x *pdfInterp) do(op []byte, res pdfDict, depth int) error {
	switch string(op) {
	case "q":
		if len(x.stack) < maxPDFStateDepth {
			x.stack = append(x.stack, x.gs)
		}
	case "Q":
		if n := len(x.stack); n > 0 {
			x.gs = x.stack[n-1]
			x.stack = x.stack[:n-1]
		}
	case "cm":
		if v, ok := x.nums(6); ok {
			x.gs.ctm = pdfMatrix(v).mul(x.gs.ctm)
		}
	case "BT":
		x.tm, x.tlm = pdfIdentity, pdfIdentity
	case "Tf":
		if len(x.ops) >= 2 && x.ops[len(x.ops)-2].kind == pdfOpName && x.ops[len(x.ops)-1].kind == pdfOpNum {
			x.gs.fs = x.ops[len(x.ops)-1].num
			x.gs.font = x.fontFor(res, x.ops[len(x.ops)-2].b)
		}
	case "Tc":
		if v, ok := x.nums(1); ok {
			x.gs.tc = v[0]
		}
	case "Tw":
		if v, ok := x.nums(1); ok {
			x.gs.tw = v[0]
		}
	case "Tz":
		if v, ok := x.nums(1); ok {
			x.gs.th = v[0] / 100
		}
	case "TL":
		if v, ok := x.nums(1); ok {
			x.gs.tl = v[0]
		}
	case "Ts":
		if v, ok := x.nums(1); ok {
			x.gs.ts = v[0]
		}
	case "Td":
		if v, ok := x.nums(2); ok {
			x.moveLine(v[0], v[1])
		}
	case "TD":
		if v, ok := x.nums(2); ok {
			x.gs.tl = -v[1]
			x.moveLine(v[0], v[1])
		}
	case "Tm":
		if v, ok := x.nums(6); ok {
			x.tm, x.tlm = pdfMatrix(v), pdfMatrix(v)
		}
	case "T*":
		x.moveLine(0, -x.gs.tl)
	case "Tj":
		if s, ok := x.lastString(); ok {
			x.show(s)
		}
	case "'":
		x.moveLine(0, -x.gs.tl)
		if s, ok := x.lastString(); ok {
			x.show(s)
		}
	case "\"":
		if len(x.ops) >= 3 && x.ops[len(x.ops)-3].kind == pdfOpNum && x.ops[len(x.ops)-2].kind == pdfOpNum {
			x.gs.tw = x.ops[len(x.ops)-3].num
			x.gs.tc = x.ops[len(x.ops)-2].num
		}
		x.moveLine(0, -x.gs.tl)
		if s, ok := x.lastString(); ok {
			x.show(s)
		}
	case "TJ":
		if len(x.ops) == 0 || x.ops[len(x.ops)-1].kind != pdfOpArr {
			return nil
		}
		a := x.ops[len(x.ops)-1]
		for _, it := range x.items[a.a0:a.a1] {
			switch it.kind {
			case pdfOpStr:
				x.show(it.b)
			case pdfOpNum:
				tx := -it.num / 1000 * x.gs.fs * x.gs.th
				x.tm[4] += tx * x.tm[0]
				x.tm[5] += tx * x.tm[1]
			}
		}
	case "Do":
		if len(x.ops) == 0 || x.ops[len(x.ops)-1].kind != pdfOpName {
			return nil
		}
		return x.form(res, x.ops[len(x.ops)-1].b, depth)
	}
	return nil
}

func (x *pdfInterp) moveLine(tx, ty float64) {
	x.tlm = pdfMatrix{1, 0, 0, 1, tx, ty}.mul(x.tlm)
	x.tm = x.tlm
}

func (x *pdfInterp) fontFor(res pdfDict, name []byte) *pdfFont {
	fonts := x.doc.dictOf(res["Font"])
	v, ok := fonts[pdfName(name)]
	if !ok {
		return nil
	}
	return x.doc.font(v, x.fonts)
}

// pdfDictKey identifies a direct dictionary (maps are not comparable).
func pdfDictKey(d pdfDict) any { return reflect.ValueOf(d).UnsafePointer() }

// form draws the Form XObject named name.
func (x *pdfInterp) form(res pdfDict, name []byte, depth int) error {
	xobjs := x.doc.dictOf(res["XObject"])
	s, ok := x.doc.resolve(xobjs[pdfName(name)]).(*pdfStream)
	if ok && s.dict["Subtype"] == pdfName("Image") && x.image >= 0 {
		w, _ := pdfInt(x.doc.resolve(s.dict["Width"]))
		h, _ := pdfInt(x.doc.resolve(s.dict["Height"]))
		x.image = max(x.image, int64(max(w, 0))*int64(max(h, 0)))
	}
	if !ok || s.dict["Subtype"] != pdfName("Form") {
		return nil
	}
	if depth >= maxPDFFormDepth || x.formCalls >= maxPDFFormCalls || x.full {
		if !x.full {
			x.image = -1 // the images of the forms not drawn are not known
		}
		return nil
	}
	x.formCalls++
	data, ok := x.forms[s]
	if !ok {
		var err error
		data, err = x.doc.dec.decode(x.doc, s, maxPDFStream)
		if err != nil {
			if errors.Is(err, errPDFBudget) {
				return err
			}
			data = nil
		}
		// Forms drawn on many pages (letterheads, logos) are decoded once,
		// within a bound on what the cache holds.
		if len(data) <= maxPDFFormCache-x.formBytes {
			x.forms[s] = data
			x.formBytes += len(data)
		}
	}
	formRes := x.doc.dictOf(s.dict["Resources"])
	if formRes == nil {
		formRes = res
	}
	saved, savedTm, savedTlm := x.gs, x.tm, x.tlm
	stackLen := len(x.stack)
	if m := x.doc.arrayOf(s.dict["Matrix"]); len(m) == 6 {
		var v pdfMatrix
		for i := range v {
			v[i], _ = pdfNum(x.doc.resolve(m[i]))
		}
		x.gs.ctm = v.mul(x.gs.ctm)
	}
	err := x.run(data, formRes, depth+1)
	x.gs, x.tm, x.tlm = saved, savedTm, savedTlm
	if len(x.stack) > stackLen {
		x.stack = x.stack[:stackLen]
	}
	return err
}

// show places the glyphs of string s.
func (x *pdfInterp) show(s []byte) {
	f := x.gs.font
	if f == nil {
		f = x.noFont
	}
	fs, th := x.gs.fs, x.gs.th
	m := x.tm.mul(x.gs.ctm)
	// The text direction and the scale along and across it.
	xs := math.Hypot(m[0], m[1])
	ys := math.Hypot(m[2], m[3])
	size := pdfAbs64(fs) * ys * f.vscale
	var rot uint8
	if pdfAbs64(m[0]) >= pdfAbs64(m[1]) {
		if m[0] < 0 {
			rot = 2
		}
	} else if m[1] > 0 {
		rot = 1
	} else {
		rot = 3
	}
	if fs < 0 {
		// A negative size mirrors the glyphs; the advance still runs along m.
		fs = -fs
	}
	for len(s) > 0 {
		text, w0, isSpace, n := f.next(s)
		s = s[n:]
		// The glyph's own width, and its advance with character and word
		// spacing: gaps between words are measured from the former, since
		// justified text often widens a gap through Tc alone.
		gw := w0 * fs * th
		adv := w0*fs + x.gs.tc
		if isSpace {
			adv += x.gs.tw
		}
		adv *= th
		if !isSpace && text != " " {
			x.drawn++
			if text == "" {
				x.unmapped++
			}
		}
		ox := x.gs.ts*m[2] + m[4]
		oy := x.gs.ts*m[3] + m[5]
		if len(x.glyphs) < maxPDFGlyphsPerPage {
			g := pdfGlyph{w: gw * xs, size: size, text: text, rot: rot, space: text == " " || (isSpace && text == "")}
			switch rot {
			case 0:
				g.x, g.y = ox, oy
			case 1:
				g.x, g.y = oy, -ox
			case 2:
				g.x, g.y = -ox, -oy
			case 3:
				g.x, g.y = -oy, ox
			}
			if text != "" || g.space {
				x.glyphs = append(x.glyphs, g)
			}
		} else {
			x.full = true
		}
		m[4] += adv * m[0]
		m[5] += adv * m[1]
		x.tm[4] += adv * x.tm[0]
		x.tm[5] += adv * x.tm[1]
	}
}
