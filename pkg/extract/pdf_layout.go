package extract

import (
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// This file rebuilds words and lines from placed glyphs. PDFs from TeX and
// many other producers draw words with positioning offsets and no space
// characters, so words are found from the gaps between glyphs: a gap wider
// than pdfWordGap × font size separates two words (the glyph's own width is
// used, without character spacing, as poppler does). Glyphs are first
// chained into runs in drawing order (consecutive glyphs on one baseline);
// a page's runs are split into columns and blocks where clear gutters and
// gaps run through them (a recursive XY cut), and within a block gathered
// into lines by baseline, top to bottom, each read left to right. Words
// hyphenated at a line's end are joined again, and accents drawn over
// letters are combined with them.

const (
	// pdfWordGap is the gap between glyphs, in font sizes, that breaks a
	// word (poppler uses 0.1 too).
	pdfWordGap = 0.1
	// pdfRunBreak is the gap (in font sizes) beyond which a run ends even on
	// the same baseline, and pdfRunBack how far a run may step backwards.
	pdfRunBreak = 1.0
	pdfRunBack  = 0.5
	// pdfLineTol is how far (in font sizes) baselines may differ within a
	// line: superscripts and subscripts stay on their line.
	pdfLineTol = 0.5
	// pdfColGap is the width of a gutter between columns, and pdfBandGap
	// the height of a gap between blocks, in font sizes.
	pdfColGap  = 0.8
	pdfBandGap = 0.8
	// pdfParaGap is the baseline distance (in font sizes) beyond which an
	// empty line is written, as between paragraphs.
	pdfParaGap = 1.9
)

type pdfRun struct {
	g0, g1 int // glyphs[g0:g1]
	x0, x1 float64
	y      float64
	size   float64
	rot    uint8
}

type pdfLine struct {
	r0, r1 int // runs[r0:r1] after sorting
	y      float64
	size   float64
	rot    uint8
}

// pdfLayout holds the buffers reused from page to page.
type pdfLayout struct {
	runs  []pdfRun
	lines []pdfLine
}

// write appends the text of one page's glyphs to out. A word hyphenated at
// the end of a line is joined again, as pdftotext does.
func (l *pdfLayout) write(out []byte, glyphs []pdfGlyph) []byte {
	glyphs = pdfMergeAccents(glyphs)
	l.runs = l.runs[:0]
	var cur *pdfRun
	for i := range glyphs {
		g := &glyphs[i]
		if cur != nil && g.rot == cur.rot {
			size := max(cur.size, g.size, 0.1)
			dy := g.y - cur.y
			gap := g.x - cur.x1
			if dy <= 0.2*size && dy >= -0.2*size && gap <= pdfRunBreak*size && gap >= -pdfRunBack*size {
				cur.g1 = i + 1
				cur.x1 = max(cur.x1, g.x+g.w)
				cur.size = max(cur.size, g.size)
				continue
			}
		}
		l.runs = append(l.runs, pdfRun{g0: i, g1: i + 1, x0: g.x, x1: g.x + max(g.w, 0), y: g.y, size: g.size, rot: g.rot})
		cur = &l.runs[len(l.runs)-1]
	}
	slices.SortStableFunc(l.runs, func(a, b pdfRun) int { return int(a.rot) - int(b.rot) })
	for start := 0; start < len(l.runs); {
		end := start + 1
		for end < len(l.runs) && l.runs[end].rot == l.runs[start].rot {
			end++
		}
		if start > 0 {
			out = append(out, '\n')
		}
		out = l.region(out, glyphs, l.runs[start:end], 0)
		start = end
	}
	return out
}

// region writes a block of runs: split into columns where a vertical
// gutter runs through all of it, else into bands where a horizontal gap
// does (recursively, as in an XY-cut), else as lines.
func (l *pdfLayout) region(out []byte, glyphs []pdfGlyph, runs []pdfRun, depth int) []byte {
	if depth < 24 && len(runs) > 1 {
		if parts := l.cut(runs, true); len(parts) > 1 {
			return l.parts(out, glyphs, runs, parts, depth)
		}
		if parts := l.cut(runs, false); len(parts) > 1 {
			return l.parts(out, glyphs, runs, parts, depth)
		}
	}
	return l.writeLines(out, glyphs, runs)
}

func (l *pdfLayout) parts(out []byte, glyphs []pdfGlyph, runs []pdfRun, parts []int, depth int) []byte {
	start := 0
	for i, end := range parts {
		if i > 0 {
			out = append(out, '\n')
		}
		out = l.region(out, glyphs, runs[start:end], depth+1)
		start = end
	}
	return out
}

// cut sorts runs across the given direction and returns the ends of the
// parts separated by clear gaps: gutters at least pdfColGap font sizes wide
// between columns that each hold two lines or more (vertical), or gaps at
// least pdfBandGap high (horizontal). One part means no cut.
func (l *pdfLayout) cut(runs []pdfRun, vertical bool) []int {
	var size float64
	for _, r := range runs {
		size += r.size
	}
	size = max(size/float64(len(runs)), 0.1)
	var ends []int
	if vertical {
		slices.SortFunc(runs, func(a, b pdfRun) int { return pdfCmpFloat(a.x0, b.x0) })
		reach := runs[0].x1
		for i := 1; i < len(runs); i++ {
			if runs[i].x0-reach >= pdfColGap*size {
				ends = append(ends, i)
			}
			reach = max(reach, runs[i].x1)
		}
		if len(ends) == 0 {
			return nil
		}
		ends = append(ends, len(runs))
		start := 0
		for _, end := range ends {
			if !pdfMultiLine(runs[start:end]) {
				return nil
			}
			start = end
		}
		return ends
	}
	top := func(r pdfRun) float64 { return r.y + 0.8*r.size }
	bottom := func(r pdfRun) float64 { return r.y - 0.25*r.size }
	slices.SortFunc(runs, func(a, b pdfRun) int { return pdfCmpFloat(top(b), top(a)) })
	low := bottom(runs[0])
	for i := 1; i < len(runs); i++ {
		if low-top(runs[i]) >= pdfBandGap*size {
			ends = append(ends, i)
		}
		low = min(low, bottom(runs[i]))
	}
	if len(ends) == 0 {
		return nil
	}
	return append(ends, len(runs))
}

// pdfMultiLine reports whether runs lie on two baselines or more.
func pdfMultiLine(runs []pdfRun) bool {
	for _, r := range runs[1:] {
		if pdfAbs64(r.y-runs[0].y) > pdfLineTol*max(r.size, runs[0].size) {
			return true
		}
	}
	return false
}

func pdfCmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// writeLines writes runs as lines: gathered by baseline, top to bottom, each
// read left to right.
func (l *pdfLayout) writeLines(out []byte, glyphs []pdfGlyph, runs []pdfRun) []byte {
	slices.SortStableFunc(runs, func(a, b pdfRun) int { return pdfCmpFloat(b.y, a.y) })
	l.lines = l.lines[:0]
	for i := range runs {
		r := &runs[i]
		if n := len(l.lines); n > 0 {
			ln := &l.lines[n-1]
			if ln.y-r.y <= pdfLineTol*max(ln.size, r.size) {
				ln.r1 = i + 1
				if r.size > ln.size {
					ln.size, ln.y = r.size, r.y
				}
				continue
			}
		}
		l.lines = append(l.lines, pdfLine{r0: i, r1: i + 1, y: r.y, size: r.size, rot: r.rot})
	}
	for li, ln := range l.lines {
		line := runs[ln.r0:ln.r1]
		slices.SortStableFunc(line, func(a, b pdfRun) int { return pdfCmpFloat(a.x0, b.x0) })
		joinable := false
		if li > 0 {
			prev := l.lines[li-1]
			if prev.y-ln.y > pdfParaGap*max(prev.size, ln.size) {
				out = append(out, '\n')
			} else {
				joinable = pdfEndsHyphenated(out)
			}
		}
		start := len(out)
		out = pdfWriteLine(out, glyphs, line)
		out = pdfLogicalOrder(out, start)
		if joinable {
			if r, _ := utf8.DecodeRune(out[start:]); unicode.IsLetter(r) {
				// Drop the "-\n" before this line.
				out = append(out[:start-2], out[start:]...)
			}
		}
		out = append(out, '\n')
	}
	return out
}

// pdfLogicalOrder turns a line of right-to-left text (Arabic, Hebrew), which
// PDFs draw, and so the layout reads, in visual order (left to right), into
// logical order, in place: a line mostly right-to-left is reversed whole and
// then its left-to-right stretches (Latin words, numbers) turned back; in a
// line mostly left-to-right only the right-to-left stretches are reversed.
// Characters are moved with the combining marks after them. This is the
// simple visual-to-logical rule, not the full bidi algorithm. Arabic
// presentation forms (shaped letters, the lam-alef ligature) are then
// replaced by their letters (NFKC), in logical order.
func pdfLogicalOrder(out []byte, start int) []byte {
	line := out[start:]
	rtl := false
	for _, c := range line {
		if c >= 0xD6 {
			rtl = true
			break
		}
	}
	if !rtl {
		return out
	}
	type cluster struct {
		s   string
		dir int8 // 1 right-to-left, -1 left-to-right, 0 neutral
	}
	var cl []cluster
	nr, nl := 0, 0
	for i := 0; i < len(line); {
		r, n := utf8.DecodeRune(line[i:])
		j := i + n
		for j < len(line) {
			m, k := utf8.DecodeRune(line[j:])
			if !unicode.In(m, unicode.Mn, unicode.Me) {
				break
			}
			j += k
		}
		c := cluster{s: string(line[i:j])}
		switch {
		case pdfRTL(r) && !unicode.IsDigit(r):
			c.dir = 1
			nr++
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			c.dir = -1
			nl++
		}
		cl = append(cl, c)
		i = j
	}
	if nr == 0 {
		return out
	}
	// reverseRuns reverses each stretch of clusters of direction dir
	// (neutrals between two of them included).
	reverseRuns := func(dir int8) {
		for i := 0; i < len(cl); {
			if cl[i].dir != dir {
				i++
				continue
			}
			end := i + 1
			for j := i + 1; j < len(cl); j++ {
				if cl[j].dir == dir {
					end = j + 1
				} else if cl[j].dir != 0 {
					break
				}
			}
			slices.Reverse(cl[i:end])
			i = end
		}
	}
	if nr > nl {
		slices.Reverse(cl)
		reverseRuns(-1)
	} else {
		reverseRuns(1)
	}
	out = out[:start]
	for _, c := range cl {
		if r, _ := utf8.DecodeRuneInString(c.s); r >= 0xFB1D && r <= 0xFEFF {
			out = norm.NFKC.AppendString(out, c.s)
		} else {
			out = append(out, c.s...)
		}
	}
	return out
}

// pdfEndsHyphenated reports whether out ends with a letter, '-' and '\n'.
func pdfEndsHyphenated(out []byte) bool {
	n := len(out)
	if n < 3 || out[n-1] != '\n' || out[n-2] != '-' {
		return false
	}
	r, _ := utf8.DecodeLastRune(out[:n-2])
	return unicode.IsLetter(r)
}

// pdfWriteLine writes one line's runs, putting a space wherever the gap
// between glyphs is wide enough, or where the PDF drew a space. An accent
// drawn over a letter (as TeX does for OT1 fonts) is combined with it.
func pdfWriteLine(out []byte, glyphs []pdfGlyph, runs []pdfRun) []byte {
	started := false
	space := false
	var end float64 // where the previous glyph ended
	var prev *pdfGlyph
	var pending rune // an accent to put on the next glyph
	for _, r := range runs {
		if started && r.x0-end > pdfWordGap*r.size {
			space = true
		}
		for i := r.g0; i < r.g1; i++ {
			g := &glyphs[i]
			if g.space {
				space = true
				end = max(end, g.x+g.w)
				continue
			}
			if mark := pdfCombining(g.text); mark != 0 {
				c := g.x + g.w/2
				if prev != nil && !space && c > prev.x && c < prev.x+prev.w {
					if last, n := utf8.DecodeLastRune(out); unicode.IsLetter(last) {
						out = append(out[:len(out)-n], norm.NFC.String(string(last)+string(mark))...)
						continue
					}
				}
				if i+1 < r.g1 {
					if n := &glyphs[i+1]; c > n.x && c < n.x+n.w && !n.space {
						if first, _ := utf8.DecodeRuneInString(n.text); unicode.IsLetter(first) {
							pending = mark
							continue
						}
					}
				}
			}
			if prev != nil {
				size := max(prev.size, g.size, 0.1)
				if g.x-end > pdfWordGap*prev.size {
					space = true
				}
				// Faked bold: the same glyph drawn again almost in place.
				if g.text == prev.text && pdfAbs64(g.x-prev.x) < 0.1*size && pdfAbs64(g.y-prev.y) < 0.1*size {
					continue
				}
			}
			if space && started {
				out = append(out, ' ')
			}
			space = false
			if pending != 0 {
				first, n := utf8.DecodeRuneInString(g.text)
				out = append(out, norm.NFC.String(string(first)+string(pending))...)
				out = append(out, g.text[n:]...)
				pending = 0
			} else {
				out = append(out, g.text...)
			}
			started = true
			end = g.x + g.w
			prev = g
		}
	}
	return out
}

// pdfMergeAccents combines each spacing accent drawn over a letter with
// that letter ("f¨ur" → "für") and drops the accent's glyph, compacting
// glyphs in place. The letter is the accent's neighbour in drawing order:
// TeX's \accent draws the accent and then, backing up, the letter (so
// far back that the two fall into different runs); others draw the letter
// first. Either way the accent's centre lies over the letter's box.
func pdfMergeAccents(glyphs []pdfGlyph) []pdfGlyph {
	n := 0
	for i := range glyphs {
		g := glyphs[i]
		if mark := pdfCombining(g.text); mark != 0 {
			if i+1 < len(glyphs) && pdfAccentOver(&g, &glyphs[i+1]) {
				glyphs[i+1].text = pdfAddMark(glyphs[i+1].text, mark)
				continue
			}
			if n > 0 && pdfAccentOver(&g, &glyphs[n-1]) {
				glyphs[n-1].text = pdfAddMark(glyphs[n-1].text, mark)
				continue
			}
		}
		glyphs[n] = g
		n++
	}
	return glyphs[:n]
}

// pdfAccentOver reports whether accent a is drawn over letter l: on the
// same line (raised, as over capitals, or lowered, as a cedilla, by less
// than a font size), its centre within l's advance.
func pdfAccentOver(a, l *pdfGlyph) bool {
	if l.rot != a.rot || l.space || l.w <= 0 {
		return false
	}
	if r, _ := utf8.DecodeRuneInString(l.text); !unicode.IsLetter(r) {
		return false
	}
	size := max(a.size, l.size, 0.1)
	if dy := a.y - l.y; dy < -0.3*size || dy > size {
		return false
	}
	c := a.x + a.w/2
	return c > l.x && c < l.x+l.w
}

// pdfAddMark puts a combining mark on the first character of text.
func pdfAddMark(text string, mark rune) string {
	first, n := utf8.DecodeRuneInString(text)
	return norm.NFC.String(string(first)+string(mark)) + text[n:]
}

// pdfCombining returns the combining mark for a spacing accent, as fonts
// draw accents, or 0.
func pdfCombining(s string) rune {
	switch s {
	case "`":
		return 0x300
	case "´":
		return 0x301
	case "ˆ", "^":
		return 0x302
	case "˜", "~":
		return 0x303
	case "¯":
		return 0x304
	case "˘":
		return 0x306
	case "˙":
		return 0x307
	case "¨":
		return 0x308
	case "˚":
		return 0x30A
	case "˝":
		return 0x30B
	case "ˇ":
		return 0x30C
	case "¸":
		return 0x327
	case "˛":
		return 0x328
	}
	return 0
}
