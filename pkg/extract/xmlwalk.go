package extract

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"golang.org/x/net/html/charset"
)

// maxXMLDepth bounds how deep an office document's XML may nest. The
// decoder keeps every open element (about 110 bytes a level): a 544 KB
// DOCX of nothing but nesting took it to 3.3 GB (issue 20, D2). Word,
// LibreOffice and Excel documents nest a few dozen levels (tables in
// tables, a hundred or so).
const maxXMLDepth = 1000

// errStopWalk ends a walk early without error (the text is complete).
var errStopWalk = errors.New("stop the XML walk")

// walkXML streams the XML entry name of a through fn, one token at a time
// (start and end elements and character data; the rest is not passed).
// fn returns errStopWalk to stop early. The errors say which entry is
// missing (wrapping ErrCorrupt), malformed (ErrCorrupt) or too large
// (ErrTooBig); a text or attribute run longer than twice
// Limits.MaxTextBytes (at least 1 MiB) is refused, so that the decoder
// never holds one huge token, and so is nesting deeper than maxXMLDepth.
// The elements of every walk of a count against Limits.MaxXMLElements:
// past it, ErrTooManyElements (flat elements cost no memory, but CPU
// time: about 0.7 µs each).
func walkXML(ctx context.Context, a *zipArchive, name string, fn func(xml.Token) error) error {
	rc, err := a.open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: %s is missing", ErrCorrupt, name)
		}
		return err
	}
	defer rc.Close()
	capped := &tokenCapReader{r: rc, max: max(2*int64(a.lim.MaxTextBytes), 1<<20), name: name}
	d := xml.NewDecoder(capped)
	d.CharsetReader = charset.NewReaderLabel
	depth := 0
	for n := 0; ; n++ {
		if n%512 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return xmlError(name, err)
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth++; depth > maxXMLDepth {
				return fmt.Errorf("%w: %s nests elements more than %d deep", ErrTooBig, name, maxXMLDepth)
			}
			if a.elements++; a.elements > a.lim.MaxXMLElements {
				return fmt.Errorf("%w (more than %d, reached in %s)", ErrTooManyElements, a.lim.MaxXMLElements, name)
			}
		case xml.EndElement:
			depth--
		}
		switch tok.(type) {
		case xml.StartElement, xml.EndElement, xml.CharData:
			if err := fn(tok); err != nil {
				if errors.Is(err, errStopWalk) {
					return nil
				}
				return err
			}
		}
	}
}

// xmlError gives a decoding error its sentinel: the limits' and read
// errors keep theirs, the rest is a malformed entry.
func xmlError(name string, err error) error {
	if errors.Is(err, ErrTooBig) || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrEncrypted) {
		return err
	}
	return fmt.Errorf("%w: %s is not well-formed XML (%v)", ErrCorrupt, name, err)
}

// tokenCapReader fails with ErrTooBig when more than max bytes pass without
// a '<' or '>': no XML token can then be larger than about max bytes.
type tokenCapReader struct {
	r    io.Reader
	max  int64
	run  int64
	name string
}

func (t *tokenCapReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	for _, c := range p[:n] {
		if c == '<' || c == '>' {
			t.run = 0
			continue
		}
		t.run++
		if t.run > t.max {
			return 0, fmt.Errorf("%w: %s has a text or attribute over %d MiB", ErrTooBig, t.name, t.max>>20)
		}
	}
	return n, err
}

// attr returns the value of the attribute with the local name local.
func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}
