package extract

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf16"
)

// maxRTFDepth is the deepest group nesting accepted; real documents stay
// far below it.
const maxRTFDepth = 1000

// extractRTF converts an RTF document to text: paragraphs and lines become
// line breaks, table cells tabs; \'hh bytes are decoded in the document's
// code page (\ansicpg, or a font's \fcharset), \uN characters are taken and
// their \ucN fallback skipped; font tables, style sheets, pictures, objects,
// field instructions, list labels and every \* destination are ignored.
// Groups nested deeper than maxRTFDepth are refused as corrupt.
func extractRTF(ctx context.Context, in Input, lim Limits) (Output, error) {
	f, err := os.Open(in.Path)
	if err != nil {
		return Output{}, fmt.Errorf("open the spooled document: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	if err := checkRTFHeader(r); err != nil {
		return Output{}, err
	}
	out := newTextBuf(lim.MaxTextBytes)
	p := newRTFParser(r, out)
	if err := p.run(ctx); err != nil {
		return Output{}, err
	}
	return Output{Text: out.String(), Method: "rtf", Truncated: out.full()}, nil
}

// checkRTFHeader requires the "{\rtf" that every RTF file starts with.
func checkRTFHeader(r *bufio.Reader) error {
	head, _ := r.Peek(64)
	head = bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})
	head = bytes.TrimLeft(head, " \t\r\n")
	if !bytes.HasPrefix(head, []byte(`{\rtf`)) {
		return fmt.Errorf("%w: it does not start with {\\rtf", ErrCorrupt)
	}
	return nil
}

// rtfState is what a group inherits from its parent and restores on exit.
type rtfState struct {
	skip    bool // inside an ignored destination
	fontTbl bool // inside the font table
	hidden  bool // \v hidden text
	uc      int  // fallback characters after \uN
	font    int  // current font, -1 for the default
}

// rtfParser reads one RTF document into out.
type rtfParser struct {
	r       *bufio.Reader
	out     *textBuf
	st      rtfState
	stack   []rtfState
	docCP   int         // \ansicpg, \mac, \pc…
	deff    int         // \deff: the default font
	fontCP  map[int]int // font number → code page, from the font table
	defFont int         // the font being defined in the font table
	skipN   int         // fallback characters still to skip after \uN
	lead    byte        // a double-byte code page's lead byte awaiting its trail
	high    rune        // a high surrogate awaiting its low half
}

func newRTFParser(r *bufio.Reader, out *textBuf) *rtfParser {
	return &rtfParser{
		r:      r,
		out:    out,
		st:     rtfState{uc: 1, font: -1},
		docCP:  1252,
		fontCP: map[int]int{},
	}
}

// run parses to the end of the document, the end of the input or a full
// text buffer.
func (p *rtfParser) run(ctx context.Context) error {
	for n := 0; !p.out.full(); n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		c, err := p.r.ReadByte()
		if err != nil {
			return readEnd(err)
		}
		switch c {
		case '{':
			if len(p.stack) >= maxRTFDepth {
				return fmt.Errorf("%w: RTF groups nested more than %d deep", ErrCorrupt, maxRTFDepth)
			}
			p.stack = append(p.stack, p.st)
			p.skipN, p.lead = 0, 0
		case '}':
			if len(p.stack) == 0 {
				return nil // the document's closing brace
			}
			p.st = p.stack[len(p.stack)-1]
			p.stack = p.stack[:len(p.stack)-1]
			p.skipN, p.lead = 0, 0
			if len(p.stack) == 0 {
				return nil
			}
		case '\\':
			if err := p.control(); err != nil {
				return readEnd(err)
			}
		case '\r', '\n':
		default:
			p.char(c)
		}
	}
	return nil
}

// readEnd turns the end of the input into success (a cut document keeps
// the text read so far) and other read errors into errors.
func readEnd(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return fmt.Errorf("read the spooled document: %w", err)
}

// control reads what follows a backslash.
func (p *rtfParser) control() error {
	c, err := p.r.ReadByte()
	if err != nil {
		return err
	}
	switch {
	case isASCIILetter(c):
		if err := p.r.UnreadByte(); err != nil {
			return err
		}
		name, param, hasParam, err := p.readWord()
		if err != nil {
			return err
		}
		return p.word(name, param, hasParam)
	case c == '\'':
		b, ok, err := p.readHex()
		if err != nil || !ok {
			return err
		}
		p.codeByte(b)
	case c == '*':
		p.st.skip = true // an optional destination: none of them is text
	case c == '\\' || c == '{' || c == '}':
		p.char(c)
	case c == '~':
		p.emit('\u00A0')
	case c == '_':
		p.emit('-')
	case c == '\r' || c == '\n':
		p.word("par", 0, false)
	}
	return nil
}

// readWord reads a control word's letters, its optional numeric parameter
// and the space that may end it.
func (p *rtfParser) readWord() (name string, param int, hasParam bool, err error) {
	var word []byte
	c, err := p.r.ReadByte()
	for err == nil && isASCIILetter(c) {
		if len(word) < 32 {
			word = append(word, c)
		}
		c, err = p.r.ReadByte()
	}
	neg := false
	if err == nil && c == '-' {
		neg = true
		c, err = p.r.ReadByte()
	}
	digits := 0
	for err == nil && c >= '0' && c <= '9' {
		if digits < 10 {
			param = param*10 + int(c-'0')
		}
		digits++
		hasParam = true
		c, err = p.r.ReadByte()
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = nil
		}
		return string(word), signed(param, neg), hasParam, err
	}
	if c != ' ' {
		err = p.r.UnreadByte()
	}
	return string(word), signed(param, neg), hasParam, err
}

func signed(n int, neg bool) int {
	if neg {
		return -n
	}
	return n
}

// readHex reads the two hex digits of \'hh; ok is false when they are not.
func (p *rtfParser) readHex() (b byte, ok bool, err error) {
	for i := 0; i < 2; i++ {
		c, err := p.r.ReadByte()
		if err != nil {
			return 0, false, err
		}
		d, isHex := hexDigit(c)
		if !isHex {
			return 0, false, p.r.UnreadByte()
		}
		b = b<<4 | d
	}
	return b, true, nil
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func isASCIILetter(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// word applies one control word.
func (p *rtfParser) word(name string, param int, hasParam bool) error {
	if name == "bin" {
		// Binary data follows, whatever the group: skip it unread.
		if param > 0 {
			_, err := io.CopyN(io.Discard, p.r, int64(param))
			return err
		}
		return nil
	}
	if p.st.skip {
		p.fontTableWord(name, param)
		return nil
	}
	if p.skipN > 0 && name != "u" {
		p.skipN-- // a control word standing in for the \uN character
		return nil
	}
	if s, ok := rtfSymbol(name); ok {
		p.text(s)
		return nil
	}
	p.stateWord(name, param, hasParam)
	return nil
}

// maxRTFFonts bounds the fonts whose code page is remembered.
const maxRTFFonts = 4096

// fontTableWord records a font's number and code page in the font table.
func (p *rtfParser) fontTableWord(name string, param int) {
	if !p.st.fontTbl {
		return
	}
	switch name {
	case "f":
		p.defFont = param
	case "fcharset":
		if cp := charsetCodePage(param); cp != 0 {
			p.setFontCodePage(cp)
		}
	case "cpg":
		p.setFontCodePage(param)
	}
}

// setFontCodePage records the code page of the font being defined, for at
// most maxRTFFonts fonts.
func (p *rtfParser) setFontCodePage(cp int) {
	if _, known := p.fontCP[p.defFont]; known || len(p.fontCP) < maxRTFFonts {
		p.fontCP[p.defFont] = cp
	}
}

// stateWord applies a control word that changes state or starts a
// destination.
func (p *rtfParser) stateWord(name string, param int, hasParam bool) {
	switch name {
	case "u":
		p.unicode(param)
		p.skipN = p.st.uc
	case "uc":
		p.st.uc = min(max(param, 0), 16)
	case "ansicpg":
		p.docCP = param
	case "mac":
		p.docCP = 10000
	case "pc":
		p.docCP = 437
	case "pca":
		p.docCP = 850
	case "deff":
		p.deff = param
	case "f":
		p.st.font = param
	case "v":
		p.st.hidden = !hasParam || param != 0
	case "fonttbl":
		p.st.skip, p.st.fontTbl = true, true
	default:
		if isRTFIgnoredDestination(name) {
			p.st.skip = true
		}
	}
}

// rtfSymbol returns the text that a symbol control word stands for.
func rtfSymbol(name string) (string, bool) {
	switch name {
	case "par", "line", "sect", "page", "row", "nestrow":
		return "\n", true
	case "tab":
		return "\t", true
	case "cell", "nestcell":
		return "\v", true // a cell's end: a tab, but none at a line's start
	case "emdash":
		return "\u2014", true
	case "endash":
		return "\u2013", true
	case "bullet":
		return "\u2022", true
	case "lquote":
		return "\u2018", true
	case "rquote":
		return "\u2019", true
	case "ldblquote":
		return "\u201C", true
	case "rdblquote":
		return "\u201D", true
	case "emspace", "enspace", "qmspace":
		return " ", true
	}
	return "", false
}

// isRTFIgnoredDestination reports a destination whose content is not
// document text.
func isRTFIgnoredDestination(name string) bool {
	switch name {
	case "colortbl", "stylesheet", "info", "pict", "object", "objdata", "listtable",
		"listoverridetable", "revtbl", "rsidtbl", "generator", "xmlnstbl", "themedata",
		"colorschememapping", "datastore", "latentstyles", "filetbl", "fldinst",
		"datafield", "pgdsctbl", "nonshppict", "shpinst", "shppict", "pntxta", "pntxtb",
		"listtext", "pntext",
		"xe", "tc", "txe", "rxe", "template", "userprops", "docvar", "private",
		"operator", "author", "title", "subject", "keywords", "comment", "doccomm":
		return true
	}
	return false
}

// text writes the text of a symbol word; "\v" is a table cell's end.
func (p *rtfParser) text(s string) {
	if p.st.hidden {
		return
	}
	p.lead = 0
	switch s {
	case "\n":
		p.out.newline()
	case "\v":
		p.out.tab()
	default:
		p.out.write(s)
	}
}

// char handles a literal byte of the text.
func (p *rtfParser) char(c byte) {
	if p.st.skip {
		return
	}
	if p.skipN > 0 {
		p.skipN--
		return
	}
	if c < 0x20 && c != '\t' {
		return
	}
	p.codeByte(c)
}

// codeByte decodes one byte of text in the current code page; a
// double-byte code page's lead byte waits for its trail byte.
func (p *rtfParser) codeByte(b byte) {
	if p.st.skip {
		return
	}
	if p.skipN > 0 {
		p.skipN--
		return
	}
	cp := p.codePage()
	if p.lead != 0 {
		pair := []byte{p.lead, b}
		p.lead = 0
		p.emitString(decodeCodePageBytes(cp, pair))
		return
	}
	if b < 0x80 {
		p.emit(rune(b))
		return
	}
	if isLeadByte(cp, b) {
		p.lead = b
		return
	}
	p.emit(decodeSingleByte(cp, b))
}

// codePage is the code page of the current font, else of the default font,
// else of the document.
func (p *rtfParser) codePage() int {
	if cp, ok := p.fontCP[p.st.font]; ok && p.st.font >= 0 {
		return cp
	}
	if cp, ok := p.fontCP[p.deff]; ok {
		return cp
	}
	return p.docCP
}

// unicode handles \uN: N is a signed 16-bit UTF-16 code unit.
func (p *rtfParser) unicode(n int) {
	if p.st.skip {
		return
	}
	if n < 0 {
		n += 0x10000
	}
	r := rune(n)
	switch {
	case utf16.IsSurrogate(r) && r < 0xDC00:
		p.high = r
		return
	case utf16.IsSurrogate(r) && p.high != 0:
		r = utf16.DecodeRune(p.high, r)
	}
	p.high = 0
	p.emit(r)
}

func (p *rtfParser) emit(r rune) {
	if p.st.hidden || p.st.skip {
		return
	}
	if r == '\t' {
		p.out.write("\t")
		return
	}
	p.out.writeRune(r)
}

func (p *rtfParser) emitString(s string) {
	for _, r := range s {
		p.emit(r)
	}
}
