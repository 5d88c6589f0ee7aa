package extract

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// PDF fixtures (testdata/pdf/, made by scripts/make-pdf-fixtures.sh) and the
// phrases each must yield, in this order, whichever extractor runs. The
// phrases are compared with runs of white space squeezed to one space.
var pdfFixtures = []struct {
	name     string
	producer string
	phrases  []string
}{
	{"libtasn1.pdf", "texinfo + pdfTeX", []string{
		"Abstract Syntax Notation One (ASN.1) library for the GNU system",
		"This document describes the Libtasn1 library that provides Abstract Syntax Notation One",
		"Deletes the structure * structure . At the end, * structure is set to NULL.",
		"H. Include an unaltered copy of this License.",
	}},
	{"shared-mime-info.pdf", "DocBook + LaTeX + pdfTeX", []string{
		"Shared MIME-info Database",
		"This is version 0.21 of the Shared MIME-info Database specification, last updated 2 October 2018.",
		"Many programs and desktops use the MIME system[MIME] to represent the types of files.",
		"If a matching pattern is provided by two or more MIME types, applications SHOULD not rely on one of them.",
	}},
	{"groff-ms.pdf", "groff -ms + Ghostscript ps2pdf", []string{
		"Records Retention Policy",
		"This policy states how long the company keeps invoices, contracts, payroll records and correspondence",
		"2. Retention periods",
		"Invoices and receipts",
		"Destruction must be irreversible: paper is shredded",
		"Exceptions are approved by the head of the legal department.",
		"This policy is reviewed every year by the compliance office",
	}},
	{"pdflatex.pdf", "pdfTeX with Type 3 bitmap fonts", []string{
		"Quarterly Maintenance Report for the Northern Warehouse",
		"1 Summary",
		"completed forty-two planned inspections and eleven unplanned repairs.",
		"The forklift charging station received a new ventilation fan.",
		"Planned maintenance 18 400",
		"4 Next quarter",
		"train two new technicians.",
	}},
	{"libreoffice.pdf", "LibreOffice 7.4 Writer", []string{
		"The board met on the twelfth of June in the main conference room.",
		"Approval of the previous minutes",
		"Revenue for the first five months reached 4.2 million euros, three percent above the plan.",
		"Second (to date) 1.8 million 1.5 million",
		"Office relocation",
		"The chair closed the meeting at half past twelve.",
	}},
	{"cairo-multilingual.pdf", "cairo 1.16 (CID TrueType, Identity-H)", []string{
		"English: the archive will be closed for maintenance on Saturday.",
		"Größere Änderungen folgen.",
		"Polski: Archiwum zostanie zamknięte w sobotę z powodu prac konserwacyjnych. Zażółć gęślą jaźń.",
		"Ελληνικά: Το αρχείο θα παραμείνει κλειστό το Σάββατο για συντήρηση.",
		"Русский: Архив будет закрыт в субботу на техническое обслуживание.",
		"Příliš žluťoučký kůň.",
	}},
}

// pdfRequirePdftotext returns pdftotext's path, or skips the test when it is
// missing (fails instead when DOCUVAULT_TEST_REQUIRE_SERVICES=1).
func pdfRequirePdftotext(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("DOCUVAULT_TEST_REQUIRE_SERVICES") == "1" {
			t.Fatalf("pdftotext is required (DOCUVAULT_TEST_REQUIRE_SERVICES=1): %v", err)
		}
		t.Skipf("pdftotext is not installed: %v", err)
	}
	return p
}

func pdfNoTool(string) (string, error) { return "", exec.ErrNotFound }

// pdfExtractFile extracts the PDF at path with the given extractor choice.
func pdfExtractFile(t testing.TB, choice, path string, lim Limits) (Output, error) {
	t.Helper()
	opts := Options{PDF: choice, Limits: lim}
	if choice == PDFGo {
		opts.LookPath = pdfNoTool // the Go reader must not need any tool
	}
	return New(opts).Extract(context.Background(), Input{Path: path, ContentType: "application/pdf", Filename: filepath.Base(path)})
}

func pdfFixturePath(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join("testdata", "pdf", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("fixture %s: %v (remake with scripts/make-pdf-fixtures.sh)", name, err)
	}
	return p
}

var pdfSpaces = regexp.MustCompile(`\s+`)

// pdfAssertPhrases fails unless every phrase occurs in text, each after the
// previous one, white space squeezed.
func pdfAssertPhrases(t *testing.T, text string, phrases []string) {
	t.Helper()
	flat := pdfSpaces.ReplaceAllString(text, " ")
	at := 0
	for _, ph := range phrases {
		i := strings.Index(flat[at:], ph)
		if i < 0 {
			where := "missing"
			if strings.Contains(flat, ph) {
				where = "out of order"
			}
			t.Errorf("phrase %s: %q", where, ph)
			continue
		}
		at += i + len(ph)
	}
}

// TestPDFGoMatchesPdftotext measures the pure-Go extractor against
// pdftotext on real PDFs from different producers: word-bag F1 (words
// lower-cased, split on anything but letters and digits, compared as
// multisets) must reach 0.95 on each.
func TestPDFGoMatchesPdftotext(t *testing.T) {
	pdfRequirePdftotext(t)
	for _, fx := range pdfFixtures {
		t.Run(fx.name, func(t *testing.T) {
			path := pdfFixturePath(t, fx.name)
			goOut, err := pdfExtractFile(t, PDFGo, path, Limits{})
			if err != nil {
				t.Fatalf("go-pdf: %v", err)
			}
			ref, err := pdfExtractFile(t, PDFPdftotext, path, Limits{})
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			if goOut.Method != "go-pdf" || ref.Method != "pdftotext" {
				t.Fatalf("methods %q and %q", goOut.Method, ref.Method)
			}
			p, r, f1 := pdfWordBagF1(goOut.Text, ref.Text)
			t.Logf("%s (%s): word-bag F1 %.4f (precision %.4f, recall %.4f; %d words from pdftotext)",
				fx.name, fx.producer, f1, p, r, len(strings.Fields(ref.Text)))
			if f1 < 0.95 {
				t.Errorf("F1 %.4f < 0.95", f1)
			}
		})
	}
}

// TestPDFPhrases checks each fixture's phrases, in order, from both
// extractors.
func TestPDFPhrases(t *testing.T) {
	for _, choice := range []string{PDFGo, PDFPdftotext} {
		for _, fx := range pdfFixtures {
			t.Run(choice+"/"+fx.name, func(t *testing.T) {
				if choice == PDFPdftotext {
					pdfRequirePdftotext(t)
				}
				out, err := pdfExtractFile(t, choice, pdfFixturePath(t, fx.name), Limits{})
				if err != nil {
					t.Fatal(err)
				}
				if out.Truncated || out.Note != "" {
					t.Errorf("Truncated %v, Note %q", out.Truncated, out.Note)
				}
				pdfAssertPhrases(t, out.Text, fx.phrases)
			})
		}
	}
}

// TestPDFExtractorChoice checks which extractor Options.PDF and LookPath
// select, and that Output.Method names it.
func TestPDFExtractorChoice(t *testing.T) {
	path := pdfFixturePath(t, "groff-ms.pdf")
	realLookPath := func(string) (string, error) { return exec.LookPath("pdftotext") }
	tests := []struct {
		name       string
		choice     string
		lookPath   func(string) (string, error)
		needsTool  bool
		wantMethod string
		wantErr    error
	}{
		{"auto without pdftotext", PDFAuto, pdfNoTool, false, "go-pdf", nil},
		{"empty means auto", "", pdfNoTool, false, "go-pdf", nil},
		{"auto with pdftotext, good Go text", PDFAuto, realLookPath, true, "go-pdf", nil},
		{"go even with pdftotext", PDFGo, realLookPath, false, "go-pdf", nil},
		{"pdftotext", PDFPdftotext, realLookPath, true, "pdftotext", nil},
		{"pdftotext missing", PDFPdftotext, pdfNoTool, false, "", ErrPdftotextMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needsTool {
				pdfRequirePdftotext(t)
			}
			e := New(Options{PDF: tt.choice, LookPath: tt.lookPath})
			out, err := e.Extract(context.Background(), Input{Path: path, ContentType: "application/pdf"})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if !errors.Is(err, exec.ErrNotFound) {
					t.Errorf("err = %v, want it to wrap LookPath's error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.Method != tt.wantMethod {
				t.Errorf("Method = %q, want %q", out.Method, tt.wantMethod)
			}
			if !strings.Contains(out.Text, "Records Retention Policy") {
				t.Errorf("text lacks the title: %.200q", out.Text)
			}
		})
	}
	t.Run("unknown choice", func(t *testing.T) {
		_, err := New(Options{PDF: "mupdf"}).Extract(context.Background(), Input{Path: path, ContentType: "application/pdf"})
		if err == nil || !strings.Contains(err.Error(), `unknown PDF extractor "mupdf"`) {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestPDFBadFiles checks that both extractors report an encrypted PDF as
// ErrEncrypted and damaged or fake ones as ErrCorrupt.
func TestPDFBadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	groff, err := os.ReadFile(pdfFixturePath(t, "groff-ms.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	files := []struct {
		name string
		path string
		want error
	}{
		{"encrypted (qpdf AES-256, user password)", pdfFixturePath(t, "encrypted.pdf"), ErrEncrypted},
		{"truncated PDF 1.5 (no trailer, no xref)", pdfFixturePath(t, "truncated.pdf"), ErrCorrupt},
		{"classic PDF cut before its trailer", write("cut.pdf", groff[:len(groff)*2/3]), ErrCorrupt},
		{"empty file", write("empty.pdf", nil), ErrCorrupt},
		{"text, not PDF", write("text.pdf", []byte("Dear customer,\nthis is not a PDF.\n")), ErrCorrupt},
		{"header only", write("header.pdf", []byte("%PDF-1.7\n%%EOF\n")), ErrCorrupt},
	}
	for _, choice := range []string{PDFGo, PDFPdftotext} {
		for _, f := range files {
			t.Run(choice+"/"+f.name, func(t *testing.T) {
				if choice == PDFPdftotext {
					pdfRequirePdftotext(t)
				}
				out, err := pdfExtractFile(t, choice, f.path, Limits{})
				if !errors.Is(err, f.want) {
					t.Fatalf("err = %v (text %.100q), want %v", err, out.Text, f.want)
				}
				t.Logf("%v", err)
			})
		}
	}
}

// TestPDFTruncatedText checks that both extractors stop at MaxTextBytes.
func TestPDFTruncatedText(t *testing.T) {
	path := pdfFixturePath(t, "libtasn1.pdf")
	for _, choice := range []string{PDFGo, PDFPdftotext} {
		t.Run(choice, func(t *testing.T) {
			if choice == PDFPdftotext {
				pdfRequirePdftotext(t)
			}
			out, err := pdfExtractFile(t, choice, path, Limits{MaxTextBytes: 3000})
			if err != nil {
				t.Fatal(err)
			}
			if !out.Truncated || len(out.Text) > 3000 || len(out.Text) < 2900 || !utf8.ValidString(out.Text) {
				t.Fatalf("Truncated %v, %d bytes", out.Truncated, len(out.Text))
			}
			if !strings.Contains(out.Text, "Libtasn1") {
				t.Errorf("text does not start at the beginning: %.200q", out.Text)
			}
		})
	}
}

// TestPDFTimeout checks that both extractors give up when the per-document
// timeout has passed.
func TestPDFTimeout(t *testing.T) {
	path := pdfFixturePath(t, "libtasn1.pdf")
	for _, choice := range []string{PDFGo, PDFPdftotext} {
		t.Run(choice, func(t *testing.T) {
			if choice == PDFPdftotext {
				pdfRequirePdftotext(t)
			}
			_, err := pdfExtractFile(t, choice, path, Limits{Timeout: time.Nanosecond})
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("err = %v, want ErrTimeout", err)
			}
		})
	}
}

// pdfBuild assembles a PDF whose object i+1 is objs[i] (the catalog is
// object 1), with a correct cross-reference table.
func pdfBuild(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// pdfStreamObj is a stream object with the given dictionary entries.
func pdfStreamObj(dict string, data []byte) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

func pdfDeflate(data []byte) []byte {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// pdfLZW encodes data as PDF LZW with literal codes only (valid, if not
// compact): a clear code, one 9-bit code per byte, end of data.
func pdfLZW(data []byte) []byte {
	var out []byte
	var acc uint32
	n := 0
	put := func(code uint32) {
		acc = acc<<9 | code
		n += 9
		for n >= 8 {
			out = append(out, byte(acc>>(n-8)))
			n -= 8
		}
	}
	put(256)
	for _, c := range data {
		put(uint32(c))
	}
	put(257)
	if n > 0 {
		out = append(out, byte(acc<<(8-n)))
	}
	return out
}

const (
	pdfTestCatalog   = "<< /Type /Catalog /Pages 2 0 R >>"
	pdfTestPages     = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
	pdfTestPage      = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
	pdfTestHelvetica = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
)

// pdfOnePage is a one-page PDF in Helvetica whose content stream is content.
func pdfOnePage(content string) []byte {
	return pdfBuild(pdfTestCatalog, pdfTestPages, pdfTestPage, pdfTestHelvetica, pdfStreamObj("", []byte(content)))
}

// TestPDFGoLayout checks how the Go reader rebuilds words and lines on
// hand-made PDFs.
func TestPDFGoLayout(t *testing.T) {
	toUnicode := "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n" +
		"1 begincodespacerange <0000> <FFFF> endcodespacerange\n" +
		"2 beginbfchar <0001> <0048> <0002> <0069> endbfchar\n" +
		"1 beginbfrange <0010> <0012> <0064> endbfrange\n" +
		"endcmap CMapName currentdict /CMap defineresource pop end end"
	type0 := pdfBuild(pdfTestCatalog, pdfTestPages, pdfTestPage,
		"<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
		pdfStreamObj("", []byte("BT /F1 10 Tf 72 700 Td <00010002> Tj 30 0 Td <001000110012> Tj ET")),
		"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X /DW 500 /W [1 [600 300]] >>",
		pdfStreamObj("", []byte(toUnicode)))
	form := pdfBuild(pdfTestCatalog, pdfTestPages,
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> /XObject << /X1 6 0 R >> >> /Contents 5 0 R >>",
		pdfTestHelvetica,
		pdfStreamObj("", []byte("q 1 0 0 1 72 700 cm /X1 Do Q BT /F1 12 Tf 72 600 Td (After the form) Tj ET")),
		pdfStreamObj("/Type /XObject /Subtype /Form /BBox [0 0 500 100]", []byte("BT /F1 12 Tf 0 0 Td (Inside the form) Tj ET")))
	flate := pdfBuild(pdfTestCatalog, pdfTestPages, pdfTestPage, pdfTestHelvetica,
		pdfStreamObj("/Filter /FlateDecode", pdfDeflate([]byte("BT /F1 12 Tf 72 700 Td (Compressed words) Tj ET"))))
	lzwHex := pdfBuild(pdfTestCatalog, pdfTestPages, pdfTestPage, pdfTestHelvetica,
		pdfStreamObj("/Filter [/ASCIIHexDecode /LZWDecode]",
			[]byte(fmt.Sprintf("%X>", pdfLZW([]byte("BT /F1 12 Tf 72 700 Td (LZW and hex) Tj ET"))))))
	brokenXref := bytes.Replace(pdfOnePage("BT /F1 12 Tf 72 700 Td (Found by scanning) Tj ET"), []byte("startxref\n"), []byte("startxref\n9"), 1)
	tests := []struct {
		name string
		pdf  []byte
		want string
	}{
		{"show string", pdfOnePage("BT /F1 12 Tf 72 700 Td (Hello World) Tj ET"), "Hello World"},
		{"TJ offsets make spaces, kerning does not",
			pdfOnePage("BT /F1 12 Tf 72 700 Td [(Hel) 20 (lo) -600 (W) 80 (orld)] TJ ET"), "Hello World"},
		{"positioned words without spaces",
			pdfOnePage("BT /F1 10 Tf 72 700 Td (Two) Tj 25 0 Td (words) Tj ET"), "Two words"},
		{"character spacing widens a gap",
			pdfOnePage("BT /F1 10 Tf 72 700 Td (ab) Tj 3 Tc (c) Tj 0 Tc (d) Tj ET"), "abc d"},
		{"lines top to bottom whatever the drawing order",
			pdfOnePage("BT /F1 12 Tf 72 680 Td (second line) Tj ET BT /F1 12 Tf 72 700 Td (first line) Tj ET"),
			"first line\nsecond line"},
		{"paragraph gap",
			pdfOnePage("BT /F1 12 Tf 72 700 Td (one) Tj 0 -14 Td (two) Tj 0 -40 Td (three) Tj ET"), "one\ntwo\n\nthree"},
		{"hyphenated word joined",
			pdfOnePage("BT /F1 12 Tf 72 700 Td (a docu-) Tj 0 -14 Td (ment here) Tj ET"), "a document here"},
		{"two columns read one after the other",
			pdfOnePage("BT /F1 10 Tf 72 700 Td (left one) Tj 0 -12 Td (left two) Tj ET " +
				"BT /F1 10 Tf 320 700 Td (right one) Tj 0 -12 Td (right two) Tj ET"),
			"left one\nleft two\n\nright one\nright two"},
		{"rotated text", pdfOnePage("BT /F1 12 Tf 0 1 -1 0 300 300 Tm (Sideways text) Tj ET"), "Sideways text"},
		{"inline image skipped",
			pdfOnePage("BI /W 4 /H 1 /BPC 8 /CS /G ID \x00(no) Tj\xffEIx EI BT /F1 12 Tf 72 700 Td (After image) Tj ET"), "After image"},
		{"marked content with a property list",
			pdfOnePage("/Span << /ActualText (x) /MCID 0 >> BDC BT /F1 12 Tf 72 700 Td (Tagged) Tj ET EMC"), "Tagged"},
		{"Type0 Identity-H font with ToUnicode", type0, "Hi def"},
		{"Form XObject", form, "Inside the form\n\nAfter the form"},
		{"FlateDecode", flate, "Compressed words"},
		{"ASCIIHex and LZW", lzwHex, "LZW and hex"},
		{"damaged startxref: cross-reference rebuilt", brokenXref, "Found by scanning"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := pdfReadText(context.Background(), tt.pdf, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			got := strings.TrimRight(out.Text, "\n\f")
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPDFGoLimits checks the Go reader's bounds: a decompression bomb is
// ErrTooBig, an /Encrypt dictionary is ErrEncrypted.
func TestPDFGoLimits(t *testing.T) {
	bomb := pdfBuild(pdfTestCatalog, pdfTestPages, pdfTestPage, pdfTestHelvetica,
		pdfStreamObj("/Filter /FlateDecode", pdfDeflate(make([]byte, 64<<20))))
	lim := DefaultLimits()
	lim.MaxZipUncompressed = 8 << 20
	if _, err := pdfTextGo(context.Background(), bomb, lim); !errors.Is(err, ErrTooBig) {
		t.Errorf("bomb: err = %v, want ErrTooBig", err)
	}
	enc := bytes.Replace(pdfOnePage("BT /F1 12 Tf 72 700 Td (secret) Tj ET"),
		[]byte("/Root 1 0 R"), []byte("/Root 1 0 R /Encrypt << /Filter /Standard /V 2 /R 3 >>"), 1)
	if _, err := pdfTextGo(context.Background(), enc, DefaultLimits()); !errors.Is(err, ErrEncrypted) {
		t.Errorf("encrypted: err = %v, want ErrEncrypted", err)
	}
}

// BenchmarkPDFGo reports the Go reader's pages per second on each fixture.
func BenchmarkPDFGo(b *testing.B) {
	for _, fx := range pdfFixtures {
		data, err := os.ReadFile(pdfFixturePath(b, fx.name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fx.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			pages := 0
			for i := 0; i < b.N; i++ {
				out, err := pdfTextGo(context.Background(), data, DefaultLimits())
				if err != nil {
					b.Fatal(err)
				}
				pages += strings.Count(out.Text, "\f")
			}
			b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}

// TestPDFGoHostile feeds the Go reader files built to make a naive reader
// loop, recurse without end or scan the file over and over; each must end
// quickly with text or a sentinel error.
func TestPDFGoHostile(t *testing.T) {
	var manyStreams bytes.Buffer
	manyStreams.WriteString("%PDF-1.4\n")
	for i := 1; i <= 20000; i++ {
		fmt.Fprintf(&manyStreams, "%d 0 obj\n<< /Length 999999 >>\nstream\nxxxx\n", i)
	}
	manyStreams.WriteString("trailer\n<< /Root 1 0 R >>\n%%EOF\n")
	selfForm := pdfBuild(pdfTestCatalog, pdfTestPages,
		"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 4 0 R >> /XObject << /X1 6 0 R >> >> /Contents 5 0 R >>",
		pdfTestHelvetica,
		pdfStreamObj("", []byte("/X1 Do")),
		pdfStreamObj("/Type /XObject /Subtype /Form /Resources << /Font << /F1 4 0 R >> /XObject << /X1 6 0 R >> >>",
			[]byte("BT /F1 12 Tf 72 700 Td (Again) Tj ET /X1 Do")))
	wrapCMap := "1 begincodespacerange <00000000> <FFFFFFFF> endcodespacerange\n" +
		"1 beginbfrange <FFFFFFF0> <FFFFFFFF> <0041> endbfrange\n1 beginbfchar <00000001> <0042> endbfchar"
	wrapRange := pdfBuild(pdfTestCatalog, pdfTestPages, pdfTestPage,
		"<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
		pdfStreamObj("", []byte("BT /F1 10 Tf 72 700 Td <0001> Tj ET")),
		"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X >>",
		pdfStreamObj("", []byte(wrapCMap)))
	tests := []struct {
		name    string
		pdf     []byte
		wantErr error  // nil: any outcome but a panic or a hang
		want    string // text that must be extracted
	}{
		{"20000 streams without endstream", manyStreams.Bytes(), nil, ""},
		{"deeply nested arrays", []byte("%PDF-1.4\n1 0 obj\n" + strings.Repeat("[", 100000) + "\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF"), ErrCorrupt, ""},
		{"page tree cycle", pdfBuild(pdfTestCatalog, "<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>", pdfTestPage, pdfTestHelvetica,
			pdfStreamObj("", []byte("BT /F1 12 Tf 72 700 Td (Only once) Tj ET"))), nil, "Only once"},
		{"form drawing itself", selfForm, nil, "Again"},
		{"xref claiming a billion entries", bytes.Replace(pdfOnePage("BT /F1 12 Tf 72 700 Td (Still read) Tj ET"),
			[]byte("xref\n0 6\n"), []byte("xref\n0 1000000000\n"), 1), nil, "Still read"},
		{"operators without operands", pdfOnePage("Tj TJ Tf Td TD Tm cm ' \" Do BT ET q Q Q Q (x) Tf [1 2] Tz"), nil, ""},
		{"ToUnicode range ending at 0xFFFFFFFF (once an endless loop)", wrapRange, nil, ""},
		{"unbalanced literal string", pdfOnePage("BT /F1 12 Tf (never closed Tj ET"), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			out, err := pdfReadText(context.Background(), tt.pdf, DefaultLimits())
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil && !pdfWrapsAny(err, []error{ErrCorrupt, ErrEncrypted, ErrTooBig}) {
				t.Errorf("err = %v wraps no sentinel", err)
			}
			if tt.want != "" && (err != nil || strings.Count(out.Text, tt.want) < 1) {
				t.Errorf("err = %v, text %q lacks %q", err, out.Text, tt.want)
			}
			if tt.want == "Only once" && strings.Count(out.Text, tt.want) != 1 {
				t.Errorf("text %q", out.Text)
			}
		})
	}
}
