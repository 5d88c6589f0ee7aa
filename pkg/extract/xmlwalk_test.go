package extract

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// flatElements is n empty paragraphs side by side, each with an id of its
// own so that the entry compresses like real markup (under the zip ratio
// check) rather than as a run of one repeated string.
func flatElements(n int, tag string) string {
	var b strings.Builder
	x := uint32(7)
	for range n {
		x = x*1664525 + 1013904223
		fmt.Fprintf(&b, `<%s w:rsidR="%08X"/>`, tag, x)
	}
	return b.String()
}

// TestXMLElementLimit (issue 20, D2: "and element count"): an office
// document whose XML has more elements than Limits.MaxXMLElements fails
// with ErrTooManyElements, an ErrTooBig (the document's fault, as nesting
// too deep is); one at the limit is read. The count is over all the parts
// a document's walks read, not per part.
func TestXMLElementLimit(t *testing.T) {
	// word/document.xml is w:document, w:body, one paragraph of three
	// elements (w:p, w:r, w:t) and n empty paragraphs: 5+n elements.
	const n = 199_995
	flat := docxWith(t, `<w:p><w:r><w:t>first</w:t></w:r></w:p>`+flatElements(n, "w:p"))
	at := New(Options{Limits: Limits{MaxXMLElements: n + 5}})
	out, err := extractDataWith(t, at, ctDOCX, "flat.docx", flat)
	if err != nil || !strings.Contains(out.Text, "first") {
		t.Fatalf("%d elements with a limit of %d: %q, %v", n+5, n+5, out.Text, err)
	}
	over := New(Options{Limits: Limits{MaxXMLElements: n + 4}})
	_, err = extractDataWith(t, over, ctDOCX, "flat.docx", flat)
	if !errors.Is(err, ErrTooManyElements) || !errors.Is(err, ErrTooBig) {
		t.Fatalf("one element over the limit: %v, want ErrTooManyElements (an ErrTooBig)", err)
	}
	if want := fmt.Sprintf("too many XML elements (more than %d, reached in word/document.xml)", n+4); !strings.Contains(err.Error(), want) {
		t.Errorf("message %q lacks %q", err, want)
	}
	// The default limit reads it: 200 thousand elements are far under it.
	if out, err := extractData(t, ctDOCX, "flat.docx", flat); err != nil || !strings.Contains(out.Text, "first") {
		t.Fatalf("at the default limit: %q, %v", out.Text, err)
	}

	// Parts count together: 2+3+6000 in the body and 2+6000 in the
	// footnotes are more than 10,000, though neither part is.
	twoParts := buildZip(t, false,
		zipEntry{"[Content_Types].xml", contentTypes},
		zipEntry{"word/document.xml", `<w:document ` + wNS + `><w:body><w:p><w:r><w:t>body</w:t></w:r></w:p>` + flatElements(6000, "w:p") + `</w:body></w:document>`},
		zipEntry{"word/footnotes.xml", `<w:footnotes ` + wNS + `><w:footnote>` + flatElements(6000, "w:p") + `</w:footnote></w:footnotes>`},
	)
	_, err = extractDataWith(t, New(Options{Limits: Limits{MaxXMLElements: 10_000}}), ctDOCX, "parts.docx", twoParts)
	if !errors.Is(err, ErrTooManyElements) || !strings.Contains(err.Error(), "reached in word/footnotes.xml") {
		t.Fatalf("two parts of 6,000 elements under a limit of 10,000: %v, want ErrTooManyElements in the footnotes", err)
	}

	// OpenDocument: the same limit.
	odt := buildZip(t, false, zipEntry{"mimetype", ctODT}, zipEntry{"content.xml", `<office:document-content ` + odfNS +
		` xmlns:w="w"><office:body><office:text><text:p>odf text</text:p>` + flatElements(20_000, "text:p") + `</office:text></office:body></office:document-content>`})
	if _, err := extractDataWith(t, New(Options{Limits: Limits{MaxXMLElements: 10_000}}), ctODT, "flat.odt", odt); !errors.Is(err, ErrTooManyElements) {
		t.Fatalf("ODT over the limit: %v, want ErrTooManyElements", err)
	}
	if out, err := extractData(t, ctODT, "flat.odt", odt); err != nil || !strings.Contains(out.Text, "odf text") {
		t.Fatalf("ODT at the default limit: %q, %v", out.Text, err)
	}
}

// The default limit is about a thousand times what the real documents in
// testdata need: each reads within 25,000 elements (25 million / 1000).
func TestRealDocumentsAreFarUnderTheElementLimit(t *testing.T) {
	if got := DefaultLimits().MaxXMLElements; got != 25_000_000 {
		t.Fatalf("default MaxXMLElements %d, want 25,000,000", got)
	}
	e := New(Options{Limits: Limits{MaxXMLElements: 25_000}})
	for _, f := range []struct{ name, ct string }{
		{"document.docx", ctDOCX}, {"sheets.xlsx", ctXLSX}, {"slides.pptx", ctPPTX},
		{"document.odt", ctODT}, {"sheets.ods", ctODS}, {"slides.odp", ctODP},
	} {
		out, err := extractFixture(t, e, f.ct, f.name)
		if err != nil || strings.TrimSpace(out.Text) == "" {
			t.Errorf("%s with a limit of 25,000 elements: %q, %v", f.name, out.Text, err)
		}
	}
}
