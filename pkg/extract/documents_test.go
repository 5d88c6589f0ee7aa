package extract

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// The fixtures are made by LibreOffice from the sources in
// scripts/make-extract-fixtures.sh; these are their words in reading order.
var (
	documentWords = []string{
		"Quarterly Report Alpha", "quick brown fox", "Café naïve résumé in Zürich", "tabbed",
		"second line", "Apples", "Oranges", "Pears", "Plums", "Lemon item", "Mango item",
		"Omega closing paragraph.",
	}
	sheetWords = []string{
		"Budget", "Item", "Amount", "Rent", "1200", "Coffee", "35.5",
		"Contacts", "Name", "City", "Alice", "Zürich", "Bob", "Montréal",
		"Notes", "Remember the milk", "Rent", "shared string again",
	}
	planets = []string{
		"Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn",
		"Uranus", "Neptune", "Pluto", "Ceres", "Eris", "Haumea",
	}
)

// slideWords are "Slide N", "Planet X" for the 12 slides: slide 10 after
// slide 9 proves numeric, not lexical, slide order.
func slideWords() []string {
	var words []string
	for i, p := range planets {
		words = append(words, "Slide "+strconv.Itoa(i+1)+"\n", "Planet "+p)
	}
	return words
}

// TestFixtures extracts every real-tool fixture through the dispatcher and
// checks its words come out in reading order, by the expected method.
func TestFixtures(t *testing.T) {
	e := New(Options{})
	tests := []struct {
		file, contentType, method string
		words                     []string
		lines                     []string // whole lines that must be present
	}{
		{"document.docx", ctDOCX, "ooxml", documentWords, []string{"Café naïve résumé in Zürich\ttabbed"}},
		{"document.odt", ctODT, "odf", documentWords, []string{"Apples\tOranges", "Pears\tPlums"}},
		{"document.rtf", "text/rtf", "rtf", documentWords, []string{"Quarterly Report Alpha", "Apples\tOranges", "Lemon item"}},
		{"document.html", "text/html", "html", documentWords, []string{"Quarterly Report Alpha", "second line"}},
		{"sheets.xlsx", ctXLSX, "ooxml", sheetWords, []string{"Item\tAmount", "Rent\t1200", "Coffee\t35.5", "Alice\tZürich"}},
		{"sheets.ods", ctODS, "odf", sheetWords, []string{"Item\tAmount", "Rent\t1200", "Coffee\t35.5", "Alice\tZürich"}},
		{"slides.pptx", ctPPTX, "ooxml", slideWords(), []string{"Slide 10", "Planet Haumea"}},
		{"slides.odp", ctODP, "odf", slideWords(), []string{"Slide 10", "Planet Haumea"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			out, err := extractFixture(t, e, tt.contentType, tt.file)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if out.Method != tt.method || out.Truncated || out.Note != "" {
				t.Errorf("Method, Truncated, Note = %q, %v, %q; want %q, false, \"\"", out.Method, out.Truncated, out.Note, tt.method)
			}
			assertInOrder(t, out.Text, tt.words...)
			lines := strings.Split(out.Text, "\n")
			for _, want := range tt.lines {
				if !containsLine(lines, want) {
					t.Errorf("no line %q in:\n%s", want, out.Text)
				}
			}
		})
	}
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

// TestFixturesTruncated: a small MaxTextBytes cuts the text at a character
// boundary and says so.
func TestFixturesTruncated(t *testing.T) {
	e := New(Options{Limits: Limits{MaxTextBytes: 40}})
	for _, tt := range []struct{ file, contentType string }{
		{"document.docx", ctDOCX}, {"document.odt", ctODT}, {"document.rtf", "text/rtf"},
		{"document.html", "text/html"}, {"sheets.xlsx", ctXLSX}, {"sheets.ods", ctODS},
		{"slides.pptx", ctPPTX}, {"slides.odp", ctODP},
	} {
		t.Run(tt.file, func(t *testing.T) {
			out, err := extractFixture(t, e, tt.contentType, tt.file)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if !out.Truncated || len(out.Text) > 40 || len(out.Text) < 20 {
				t.Errorf("Truncated %v, %d bytes (%q); want truncated to at most 40 bytes", out.Truncated, len(out.Text), out.Text)
			}
		})
	}
}

// TestEncryptedFixtures: a password-protected ODT (saved by LibreOffice)
// and DOCX (encrypted by officecrypto-tool: an OLE file with an
// EncryptedPackage stream) are ErrEncrypted.
func TestEncryptedFixtures(t *testing.T) {
	e := New(Options{})
	for _, tt := range []struct{ file, contentType string }{
		{"encrypted.odt", ctODT},
		{"encrypted.docx", ctDOCX},
		{"encrypted.docx", ctXLSX},
		{"encrypted.docx", ctPPTX},
	} {
		t.Run(tt.file+" as "+tt.contentType, func(t *testing.T) {
			_, err := extractFixture(t, e, tt.contentType, tt.file)
			if !errors.Is(err, ErrEncrypted) {
				t.Fatalf("err = %v; want ErrEncrypted", err)
			}
		})
	}
}
