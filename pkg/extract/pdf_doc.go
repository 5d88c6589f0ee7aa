package extract

import (
	"bytes"
	"errors"
)

// This file reads a PDF's cross-reference data (tables, streams, /Prev
// chains, hybrid files), resolves indirect objects with a cache, reads
// object streams, rebuilds the cross-reference table by scanning the file
// when it is damaged, and walks the page tree.

// maxPDFObjects bounds the cross-reference table, and maxPDFPages the page
// tree, whatever a file claims.
const (
	maxPDFObjects = 1 << 22
	maxPDFPages   = 1 << 16
	maxXrefStream = 64 << 20 // decoded bytes of one cross-reference stream
)

type xrefEntry struct {
	off  int64 // file offset (kind 1) or object stream number (kind 2)
	idx  int   // index inside the object stream (kind 2)
	kind uint8 // 1: at an offset in the file; 2: inside an object stream
}

type pdfObjStm struct {
	data  []byte
	first int
	pairs []int // object number, offset, object number, offset, …
}

// pdfDoc is an open PDF. It is used by one goroutine and holds no file
// handle: data is the whole file (mapped or read).
type pdfDoc struct {
	data    []byte
	xref    map[int]xrefEntry
	trailer pdfDict
	cache   map[int]any
	busy    map[int]bool // objects being read, against reference cycles
	stms    map[int]*pdfObjStm
	depth   int
	dec     pdfDecoder
	// noEndstream is an offset after which the file has no "endstream".
	noEndstream int
}

// errPDFNoCatalog is returned when neither the cross-reference data nor a
// scan of the file finds the document catalog.
var errPDFNoCatalog = errors.New("no document catalog (is the file truncated?)")

// openPDF parses the cross-reference data of the PDF in data. budget bounds
// the bytes decoded from all its streams.
func openPDF(data []byte, budget int64) (*pdfDoc, error) {
	head := data[:min(len(data), 1024)]
	if !bytes.Contains(head, []byte("%PDF-")) {
		return nil, errors.New("not a PDF file (no %PDF header)")
	}
	d := &pdfDoc{data: data, dec: pdfDecoder{budget: budget}, noEndstream: len(data)}
	d.reset()
	err := d.readXrefChain()
	if err == nil && d.catalog() == nil {
		err = errPDFNoCatalog
	}
	if err != nil {
		if errors.Is(err, errPDFBudget) {
			return nil, err
		}
		d.reset()
		if err := d.reconstruct(); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (d *pdfDoc) reset() {
	d.xref = map[int]xrefEntry{}
	d.trailer = pdfDict{}
	d.cache = map[int]any{}
	d.busy = map[int]bool{}
	d.stms = map[int]*pdfObjStm{}
}

func (d *pdfDoc) catalog() pdfDict {
	c, _ := d.resolve(d.trailer["Root"]).(pdfDict)
	return c
}

func (d *pdfDoc) setEntry(num int, e xrefEntry) {
	if num <= 0 || len(d.xref) >= maxPDFObjects {
		return
	}
	if _, ok := d.xref[num]; !ok {
		d.xref[num] = e
	}
}

func (d *pdfDoc) mergeTrailer(t pdfDict) {
	for k, v := range t {
		if _, ok := d.trailer[k]; !ok {
			d.trailer[k] = v
		}
	}
}

// readXrefChain reads the cross-reference section that startxref names and
// the older sections its /Prev entries chain to. Newer entries win.
func (d *pdfDoc) readXrefChain() error {
	tail := d.data[max(0, len(d.data)-4096):]
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return errors.New("no startxref")
	}
	p := pdfParser{b: tail, pos: i + len("startxref")}
	p.skipSpace()
	if p.pos >= len(tail) {
		return errors.New("no startxref offset")
	}
	v, isInt, _ := pdfParseNumber(tail[p.pos:])
	if !isInt {
		return errors.New("bad startxref offset")
	}
	off := int64(v)
	seen := map[int64]bool{}
	for n := 0; n < 256; n++ {
		if off <= 0 || off >= int64(len(d.data)) || seen[off] {
			if n == 0 {
				return errors.New("startxref points outside the file")
			}
			return nil
		}
		seen[off] = true
		t, err := d.readXrefSection(off)
		if err != nil {
			if n == 0 {
				return err
			}
			return nil // an older section is damaged: keep what we have
		}
		d.mergeTrailer(t)
		if stm, ok := pdfInt(t["XRefStm"]); ok && stm > 0 && !seen[int64(stm)] {
			seen[int64(stm)] = true
			if _, err := d.readXrefSection(int64(stm)); err != nil && errors.Is(err, errPDFBudget) {
				return err
			}
		}
		prev, ok := pdfInt(t["Prev"])
		if !ok {
			return nil
		}
		off = int64(prev)
	}
	return nil
}

// readXrefSection reads a cross-reference table or stream at off and returns
// its trailer dictionary.
func (d *pdfDoc) readXrefSection(off int64) (pdfDict, error) {
	p := pdfParser{b: d.data, pos: int(off)}
	p.skipSpace()
	if pdfKeywordAt(d.data, p.pos, "xref") {
		p.pos += len("xref")
		return d.readXrefTable(&p)
	}
	if _, _, ok := p.indirectHeader(); !ok {
		return nil, errors.New("startxref does not point to cross-reference data")
	}
	p.doc = d
	obj, err := p.object(0)
	if err != nil {
		return nil, err
	}
	s, ok := obj.(*pdfStream)
	if !ok || s.dict["Type"] != pdfName("XRef") {
		return nil, errors.New("startxref does not point to cross-reference data")
	}
	return s.dict, d.readXrefStream(s)
}

func (d *pdfDoc) readXrefTable(p *pdfParser) (pdfDict, error) {
	for {
		p.skipSpace()
		if pdfKeywordAt(p.b, p.pos, "trailer") {
			p.pos += len("trailer")
			t, err := p.object(0)
			if err != nil {
				return nil, err
			}
			td, ok := t.(pdfDict)
			if !ok {
				return nil, errors.New("no trailer dictionary")
			}
			return td, nil
		}
		start, ok1 := p.int()
		count, ok2 := p.int()
		if !ok1 || !ok2 || start < 0 || count < 0 {
			return nil, errors.New("bad cross-reference table")
		}
		for i := 0; i < count; i++ {
			o, ok1 := p.int()
			_, ok2 := p.int()
			p.skipSpace()
			if !ok1 || !ok2 || p.pos >= len(p.b) || (p.b[p.pos] != 'n' && p.b[p.pos] != 'f') {
				return nil, errors.New("bad cross-reference table entry")
			}
			inUse := p.b[p.pos] == 'n'
			p.pos++
			if inUse && o > 0 {
				d.setEntry(start+i, xrefEntry{off: int64(o), kind: 1})
			}
		}
	}
}

// int reads a non-negative integer token.
func (p *pdfParser) int() (int, bool) {
	p.skipSpace()
	if p.pos >= len(p.b) || p.b[p.pos] < '0' || p.b[p.pos] > '9' {
		return 0, false
	}
	v, isInt, n := pdfParseNumber(p.b[p.pos:])
	p.pos += n
	if !isInt || v > 1<<40 {
		return 0, false
	}
	return int(v), true
}

func (d *pdfDoc) readXrefStream(s *pdfStream) error {
	data, err := d.dec.decode(d, s, maxXrefStream)
	if err != nil {
		return err
	}
	wArr, _ := s.dict["W"].(pdfArray)
	if len(wArr) < 3 {
		return errors.New("bad cross-reference stream /W")
	}
	var w [3]int
	total := 0
	for i := range w {
		n, ok := pdfInt(wArr[i])
		if !ok || n < 0 || n > 8 {
			return errors.New("bad cross-reference stream /W")
		}
		w[i] = n
		total += n
	}
	if total == 0 {
		return errors.New("bad cross-reference stream /W")
	}
	size, _ := pdfInt(s.dict["Size"])
	index, _ := s.dict["Index"].(pdfArray)
	if index == nil {
		index = pdfArray{int64(0), int64(size)}
	}
	field := func(b []byte) int64 {
		var v int64
		for _, c := range b {
			v = v<<8 | int64(c)
		}
		return v
	}
	pos := 0
	for k := 0; k+1 < len(index); k += 2 {
		start, ok1 := pdfInt(index[k])
		count, ok2 := pdfInt(index[k+1])
		if !ok1 || !ok2 || start < 0 || count < 0 {
			return errors.New("bad cross-reference stream /Index")
		}
		for i := 0; i < count; i++ {
			if pos+total > len(data) {
				return nil
			}
			e := data[pos : pos+total]
			pos += total
			typ := int64(1)
			if w[0] > 0 {
				typ = field(e[:w[0]])
			}
			f2 := field(e[w[0] : w[0]+w[1]])
			f3 := field(e[w[0]+w[1]:])
			switch typ {
			case 1:
				if f2 > 0 {
					d.setEntry(start+i, xrefEntry{off: f2, kind: 1})
				}
			case 2:
				d.setEntry(start+i, xrefEntry{off: f2, idx: int(f3), kind: 2})
			}
		}
	}
	return nil
}

// resolve follows indirect references; a missing object is null.
func (d *pdfDoc) resolve(v any) any {
	for i := 0; i < 16; i++ {
		r, ok := v.(pdfRef)
		if !ok {
			return v
		}
		v = d.object(r.num)
	}
	return nil
}

func (d *pdfDoc) dictOf(v any) pdfDict {
	switch x := d.resolve(v).(type) {
	case pdfDict:
		return x
	case *pdfStream:
		return x.dict
	}
	return nil
}

func (d *pdfDoc) arrayOf(v any) pdfArray {
	a, _ := d.resolve(v).(pdfArray)
	return a
}

func (d *pdfDoc) object(num int) any {
	if v, ok := d.cache[num]; ok {
		return v
	}
	if d.busy[num] || d.depth > 32 {
		return nil
	}
	e, ok := d.xref[num]
	if !ok {
		return nil
	}
	d.busy[num] = true
	d.depth++
	var v any
	switch e.kind {
	case 1:
		v = d.readAt(e.off, num)
	case 2:
		v = d.readFromStm(int(e.off), e.idx, num)
	}
	d.depth--
	delete(d.busy, num)
	d.cache[num] = v
	return v
}

func (d *pdfDoc) readAt(off int64, num int) any {
	if off < 0 || off >= int64(len(d.data)) {
		return nil
	}
	p := pdfParser{b: d.data, pos: int(off), doc: d}
	n, _, ok := p.indirectHeader()
	if !ok || n != num {
		return nil
	}
	v, err := p.object(0)
	if err != nil {
		return nil
	}
	if _, isKw := v.(pdfKeyword); isKw {
		return nil
	}
	return v
}

func (d *pdfDoc) readFromStm(stmNum, idx, num int) any {
	stm := d.objStm(stmNum)
	if stm == nil {
		return nil
	}
	off := -1
	if 2*idx+1 < len(stm.pairs) && stm.pairs[2*idx] == num {
		off = stm.pairs[2*idx+1]
	} else {
		for i := 0; i+1 < len(stm.pairs); i += 2 {
			if stm.pairs[i] == num {
				off = stm.pairs[i+1]
				break
			}
		}
	}
	if off < 0 || stm.first+off >= len(stm.data) {
		return nil
	}
	p := pdfParser{b: stm.data, pos: stm.first + off, doc: d}
	v, err := p.object(0)
	if err != nil {
		return nil
	}
	if _, isKw := v.(pdfKeyword); isKw {
		return nil
	}
	return v
}

func (d *pdfDoc) objStm(num int) *pdfObjStm {
	if s, ok := d.stms[num]; ok {
		return s
	}
	d.stms[num] = nil // against cycles
	s, ok := d.object(num).(*pdfStream)
	if !ok {
		return nil
	}
	data, err := d.dec.decode(d, s, maxPDFStream)
	if err != nil {
		return nil
	}
	n, _ := pdfInt(s.dict["N"])
	first, _ := pdfInt(s.dict["First"])
	if n <= 0 || first <= 0 || first > len(data) {
		return nil
	}
	n = min(n, first/2+1)
	stm := &pdfObjStm{data: data, first: first, pairs: make([]int, 0, 2*n)}
	p := pdfParser{b: data[:first]}
	for i := 0; i < n; i++ {
		o, ok1 := p.int()
		off, ok2 := p.int()
		if !ok1 || !ok2 {
			break
		}
		stm.pairs = append(stm.pairs, o, off)
	}
	d.stms[num] = stm
	return stm
}

// reconstruct rebuilds the cross-reference table by scanning the file for
// "num gen obj" at line starts, as PDF readers do for damaged files, and
// finds the trailer the same way.
func (d *pdfDoc) reconstruct() error {
	offsets := map[int]int64{}
	var trailers []int
	data := d.data
	for pos := 0; pos < len(data); {
		q := pos
		for q < len(data) && (data[q] == ' ' || data[q] == '\t' || data[q] == '\f' || data[q] == 0) {
			q++
		}
		if q < len(data) {
			if c := data[q]; c >= '0' && c <= '9' {
				p := pdfParser{b: data, pos: q}
				if num, _, ok := p.indirectHeader(); ok && num > 0 && len(offsets) < maxPDFObjects {
					offsets[num] = int64(q) // a later definition wins
				}
			} else if c == 't' && pdfKeywordAt(data, q, "trailer") {
				trailers = append(trailers, q+len("trailer"))
			}
		}
		nl := bytes.IndexAny(data[pos:], "\r\n")
		if nl < 0 {
			break
		}
		pos += nl + 1
	}
	if len(offsets) == 0 {
		return errors.New("no objects found")
	}
	for num, off := range offsets {
		d.xref[num] = xrefEntry{off: off, kind: 1}
	}
	// The newest trailer wins.
	for i := len(trailers) - 1; i >= 0; i-- {
		p := pdfParser{b: data, pos: trailers[i], doc: d}
		if t, err := p.object(0); err == nil {
			if td, ok := t.(pdfDict); ok {
				d.mergeTrailer(td)
			}
		}
	}
	// Objects inside object streams, and cross-reference stream trailers.
	// Like poppler, no catalog is guessed without a trailer: a file cut
	// before its trailer is reported as damaged.
	for num := range offsets {
		v, ok := d.object(num).(*pdfStream)
		if !ok {
			continue
		}
		switch v.dict["Type"] {
		case pdfName("ObjStm"):
			if stm := d.objStm(num); stm != nil {
				for i := 0; i+1 < len(stm.pairs); i += 2 {
					if _, ok := offsets[stm.pairs[i]]; !ok {
						d.setEntry(stm.pairs[i], xrefEntry{off: int64(num), idx: i / 2, kind: 2})
					}
				}
			}
		case pdfName("XRef"):
			if _, ok := d.trailer["Root"]; !ok {
				d.mergeTrailer(v.dict)
			}
		}
	}
	if d.catalog() == nil {
		return errPDFNoCatalog
	}
	return nil
}

// pdfPage is one page: its dictionary and its (possibly inherited)
// resources.
type pdfPage struct {
	dict pdfDict
	res  pdfDict
}

// pages returns the document's pages in order.
func (d *pdfDoc) pages() []pdfPage {
	root := d.dictOf(d.catalog()["Pages"])
	if root == nil {
		return nil
	}
	var out []pdfPage
	seen := map[int]bool{}
	var walk func(node pdfDict, res pdfDict, depth int)
	walk = func(node pdfDict, res pdfDict, depth int) {
		if r := d.dictOf(node["Resources"]); r != nil {
			res = r
		}
		kids, isTree := d.resolve(node["Kids"]).(pdfArray)
		if !isTree || node["Type"] == pdfName("Page") {
			if len(out) < maxPDFPages {
				out = append(out, pdfPage{dict: node, res: res})
			}
			return
		}
		if depth > 64 {
			return
		}
		for _, k := range kids {
			if r, ok := k.(pdfRef); ok {
				if seen[r.num] {
					continue
				}
				seen[r.num] = true
			}
			if kd := d.dictOf(k); kd != nil {
				walk(kd, res, depth+1)
			}
			if len(out) >= maxPDFPages {
				return
			}
		}
	}
	walk(root, nil, 0)
	return out
}

// contents returns the page's content streams.
func (d *pdfDoc) contents(page pdfDict) []*pdfStream {
	switch c := d.resolve(page["Contents"]).(type) {
	case *pdfStream:
		return []*pdfStream{c}
	case pdfArray:
		out := make([]*pdfStream, 0, len(c))
		for _, v := range c {
			if s, ok := d.resolve(v).(*pdfStream); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func (d *pdfDoc) encrypted() bool {
	_, ok := d.trailer["Encrypt"]
	return ok
}
