package extract

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// pdfAutoFixture returns the path of a fixture of testdata/pdfauto (made
// by its make.sh).
func pdfAutoFixture(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join("testdata", "pdfauto", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("fixture %s: %v (remake with testdata/pdfauto/make.sh)", name, err)
	}
	return p
}

// pdfWriteTemp writes a PDF made by the test into a temporary file.
func pdfWriteTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// pdfGBK is a PDF in the way of many older Chinese ones: a CID font that is
// not embedded (STSong-Light), GBK codes through the predefined CMap
// GBK-EUC-H, and no ToUnicode. The Go reader has no GBK table; poppler
// maps the codes to CIDs of Adobe-GB1 and those to Unicode (poppler-data).
func pdfGBK() []byte {
	lines := []string{
		// GBK of 北部仓库季度维护报告 and 第一季度维修团队完成了四十二次计划检查。
		"b1b1b2bfb2d6bfe2bcbeb6c8ceacbba4b1a8b8e6",
		"b5dad2bbbcbeb6c8ceacd0decdc5b6d3cdeab3c9c1cbcbc4caaeb6feb4cebcc6bbaebcecb2e9a1a3",
	}
	content := "BT /F1 12 Tf 72 700 Td 14 TL\n"
	for _, l := range lines {
		content += "<" + l + "> '\n"
	}
	content += "ET"
	return pdfBuild(pdfTestCatalog, pdfTestPages, pdfTestPage,
		"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /GBK-EUC-H /DescendantFonts [6 0 R] >>",
		pdfStreamObj("", []byte(content)),
		"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /DW 1000 /FontDescriptor 7 0 R >>",
		"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>")
}

// pdfScanLike is a PDF of three pages: one of text and two with only
// graphics (as scans are, for a text reader).
func pdfScanLike() []byte {
	page := func(contents string) string {
		return "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents " + contents + " 0 R >>"
	}
	return pdfBuild(pdfTestCatalog,
		"<< /Type /Pages /Kids [3 0 R 6 0 R 7 0 R] /Count 3 >>",
		page("5"), pdfTestHelvetica,
		pdfStreamObj("", []byte("BT /F1 11 Tf 72 700 Td (Scanned appendix follows.) Tj ET")),
		page("8"), page("8"),
		pdfStreamObj("", []byte("0.5 g 20 20 572 752 re f 0 g 40 40 100 100 re S")))
}

// TestPDFAutoMethod checks which reader PDFAuto's text comes from on real
// PDFs: the Go reader where its text is good (all the producers of
// testdata/pdf, scans included), pdftotext where a signal of pdf_quality.go
// fires or the Go reader fails, with a note saying why.
func TestPDFAutoMethod(t *testing.T) {
	pdfRequirePdftotext(t)
	_, cmapErr := os.Stat("/usr/share/poppler/cMap/Adobe-GB1")
	tests := []struct {
		name       string
		path       string
		wantMethod string
		wantNote   string // a substring; "" means no note
		phrases    []string
	}{
		{"tex-accents.pdf", pdfAutoFixture(t, "tex-accents.pdf"), "go-pdf", "", []string{
			"Prüfbericht für die Kältemaschine", "die Ölstände und die Lüfter; größere Schäden",
			"la société a réparé deux fenêtres", "À bientôt", "žluťoučký kůň", "Magyar: őr öt űz.",
			"Português: não, ação, informações.",
		}},
		{"rtl-cairo.pdf", pdfAutoFixture(t, "rtl-cairo.pdf"), "pdftotext", "pdftotext: the Go reader's text had 235 right-to-left letters", nil},
		// The Go reader reads the CFF program's built-in encoding as poppler
		// does (the text is wrong Russian: make.sh gave the letters from ж on
		// the AFII names one off, which the font draws); the same text, so
		// no fallback.
		{"cyr-type1c.pdf", pdfAutoFixture(t, "cyr-type1c.pdf"), "go-pdf", "", []string{
			"Еёелерюцмъи нсцес н сефмзцерйнл нбрктёзвамзз",
		}},
		{"type1c-builtin.pdf", pdfFontsFixture(t, "type1c-builtin.pdf"), "go-pdf", "", []string{
			"Ежемесячный отчёт о техническом обслуживании", "Zażółć gęślą jaźń",
			"Đội bảo trì đã kiểm tra tất cả máy điều hòa; không phát hiện hư hỏng lớn nào.",
		}},
		{"type1-builtin.pdf", pdfFontsFixture(t, "type1-builtin.pdf"), "go-pdf", "", []string{
			"Серьёзных неисправностей не обнаружено, фильтры заменены в трёх устройствах.",
		}},
		{"truetype-thai.pdf", pdfFontsFixture(t, "truetype-thai.pdf"), "go-pdf", "", []string{
			"ไม่พบข้อบกพร่องที่สำคัญ และได้เปลี่ยนแผ่นกรองในเครื่องสามเครื่อง",
		}},
		{"owner-only.pdf", pdfAutoFixture(t, "owner-only.pdf"), "pdftotext", "pdftotext: the PDF is encrypted, which the Go reader does not decrypt", []string{
			"Records Retention Policy", "Invoices and receipts",
		}},
		{"GBK-EUC-H without ToUnicode", pdfWriteTemp(t, "gbk.pdf", pdfGBK()), "pdftotext", "pdftotext: the Go reader's text had 100% unmapped glyphs", nil},
		{"one text page and two scans", pdfWriteTemp(t, "scan.pdf", pdfScanLike()), "go-pdf", "", []string{"Scanned appendix follows."}},
	}
	for _, fx := range pdfFixtures {
		tests = append(tests, struct {
			name       string
			path       string
			wantMethod string
			wantNote   string
			phrases    []string
		}{fx.name, pdfFixturePath(t, fx.name), "go-pdf", "", fx.phrases})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := pdfExtractFile(t, PDFAuto, tt.path, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if out.Method != tt.wantMethod {
				t.Errorf("Method = %q, want %q (note %q)", out.Method, tt.wantMethod, out.Note)
			}
			if (tt.wantNote == "") != (out.Note == "") || !strings.Contains(out.Note, tt.wantNote) {
				t.Errorf("Note = %q, want one with %q", out.Note, tt.wantNote)
			}
			pdfAssertPhrases(t, out.Text, tt.phrases)
			if tt.name == "cyr-type1c.pdf" {
				ref, err := pdfExtractFile(t, PDFPdftotext, tt.path, Limits{})
				if err != nil || !slices.Equal(pdfTextLines(ref.Text), pdfTextLines(out.Text)) {
					t.Errorf("the Go reader's text is not pdftotext's (err %v):\n%s\npdftotext:\n%s", err, out.Text, ref.Text)
				}
			}
			if strings.HasPrefix(tt.name, "GBK") && cmapErr == nil && !strings.Contains(out.Text, "北部仓库季度维护报告") {
				t.Errorf("pdftotext's text lacks the Chinese title: %.200q", out.Text)
			}
		})
	}
}

// TestPDFAutoWithoutPdftotext checks that PDFAuto without pdftotext keeps
// the Go reader's text, saying when it looked bad, and its errors.
func TestPDFAutoWithoutPdftotext(t *testing.T) {
	e := New(Options{PDF: PDFAuto, LookPath: pdfNoTool})
	extract := func(path string) (Output, error) {
		return e.Extract(context.Background(), Input{Path: path, ContentType: "application/pdf"})
	}
	out, err := extract(pdfAutoFixture(t, "rtl-cairo.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if out.Method != "go-pdf" || !strings.Contains(out.Note, "the text may be poor: the Go reader's text had 235 right-to-left letters") ||
		!strings.Contains(out.Note, "pdftotext, which reads such PDFs better, is not installed") {
		t.Errorf("Method %q, Note %q", out.Method, out.Note)
	}
	out, err = extract(pdfFixturePath(t, "groff-ms.pdf"))
	if err != nil || out.Method != "go-pdf" || out.Note != "" {
		t.Errorf("groff-ms.pdf: Method %q, Note %q, err %v", out.Method, out.Note, err)
	}
	if _, err := extract(pdfAutoFixture(t, "owner-only.pdf")); !errors.Is(err, ErrEncrypted) {
		t.Errorf("owner-only.pdf: err = %v, want ErrEncrypted", err)
	}
}

// TestPDFAutoErrors checks PDFAuto's errors: pdftotext's when both readers
// fail, and no pdftotext at all for a file the Go reader finds too big.
func TestPDFAutoErrors(t *testing.T) {
	pdfRequirePdftotext(t)
	groff, err := os.ReadFile(pdfFixturePath(t, "groff-ms.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		lim     Limits
		want    error
		wantMsg string
		wantRun bool // pdftotext was looked up
	}{
		{"encrypted with a user password", pdfFixturePath(t, "encrypted.pdf"), Limits{}, ErrEncrypted, "pdftotext: Incorrect password", true},
		{"truncated PDF 1.5", pdfFixturePath(t, "truncated.pdf"), Limits{}, ErrCorrupt, "pdftotext: Couldn't read xref table", true},
		{"classic PDF cut before its trailer", pdfWriteTemp(t, "cut.pdf", groff[:len(groff)*2/3]), Limits{}, ErrCorrupt, "pdftotext", true},
		{"expands beyond the limits", pdfFixturePath(t, "libtasn1.pdf"), Limits{MaxZipUncompressed: 1000}, ErrTooBig, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var looked atomic.Int32
			lookPath := func(name string) (string, error) {
				if name == "pdftotext" {
					looked.Add(1)
				}
				return exec.LookPath(name)
			}
			e := New(Options{PDF: PDFAuto, LookPath: lookPath, Limits: tt.lim})
			out, err := e.Extract(context.Background(), Input{Path: tt.path, ContentType: "application/pdf"})
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("err = %v (method %q), want %v with %q", err, out.Method, tt.want, tt.wantMsg)
			}
			if (looked.Load() > 0) != tt.wantRun {
				t.Errorf("pdftotext looked up %d times, want it %v", looked.Load(), tt.wantRun)
			}
		})
	}
}

// TestPDFTextProblem checks the signals on texts and counts.
func TestPDFTextProblem(t *testing.T) {
	english := strings.Repeat("The board met on the twelfth of June in the main conference room. ", 5)
	tests := []struct {
		name string
		text string
		st   pdfTextStats
		want string // a substring; "" means no problem
	}{
		{"plain English", english, pdfTextStats{glyphs: 300}, ""},
		{"French", strings.Repeat("Cet été, déjà, la société a réparé où il fallait. ", 5), pdfTextStats{glyphs: 200}, ""},
		{"German", strings.Repeat("Die Prüfung der Kältemaschine ergab keine Mängel; größere Schäden: für März. ", 5), pdfTextStats{glyphs: 300}, ""},
		{"Chinese, no spaces", strings.Repeat("第一季度维修团队完成了四十二次计划检查和十一次计划外维修。", 5), pdfTextStats{glyphs: 150}, ""},
		{"Russian", strings.Repeat("Серьезных неисправностей не обнаружено, фильтры заменены. ", 5), pdfTextStats{glyphs: 250}, ""},
		{"empty (a scan)", "\f\f\f", pdfTextStats{pages: 3}, ""},
		{"a few unmapped", english, pdfTextStats{glyphs: 300, unmapped: 15}, ""},
		{"many unmapped", english, pdfTextStats{glyphs: 300, unmapped: 36}, "had 12% unmapped glyphs"},
		{"unmapped on a page number only", "\f\f1\f", pdfTextStats{glyphs: 3, unmapped: 2}, ""},
		{"Hebrew", english + "הדוח החודשי של מחלקת התחזוקה", pdfTextStats{glyphs: 300}, "had 24 right-to-left letters"},
		{"Arabic presentation forms", english + "ﻼﺜﺛ ﻲﻓ", pdfTextStats{glyphs: 300}, "had 5 right-to-left letters"},
		{"TeX accents apart", strings.Repeat("Die Pr¨ufung f¨ur M¨arz ist gepr¨uft. ", 5), pdfTextStats{glyphs: 150}, "had 20 accents apart from their letters"},
		{"Latin-1 mojibake", strings.Repeat("Åæåìåñÿ÷íûé îò÷åò î òåõíè÷åñêîì îáñëóæèâàíèè. ", 5), pdfTextStats{glyphs: 200}, "words that look like mojibake"},
		{"symbols in words", strings.Repeat("Th£ b¤ard m¢t ¡n the tw¥lfth of J§ne in th¦ main c©nference r®om. ", 5), pdfTextStats{glyphs: 300}, "words that look like mojibake"},
		{"words run together", strings.Repeat("Theboardmetonthetwelfthofjuneinthemainconferenceroom. ", 5), pdfTextStats{glyphs: 300}, "of its letters in words run together"},
		{"one long word", english + "Donaudampfschifffahrtsgesellschaftskapitän", pdfTextStats{glyphs: 300}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pdfTextProblem(tt.text, tt.st)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("pdfTextProblem = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPDFLogicalOrder checks the visual-to-logical reordering of lines with
// right-to-left text.
func TestPDFLogicalOrder(t *testing.T) {
	tests := []struct{ visual, logical string }{
		{"Plain English, 42 times.", "Plain English, 42 times."},
		{"םולש", "שלום"},
		{"םלוע world 42 םולש", "שלום world 42 עולם"},
		{"The word םולש ינש means peace.", "The word שני שלום means peace."},
		{"ﻼﺜﺛ", "ثثلا"},                                    // presentation forms, reversed, then NFKC
		{"ﺖﻴﺑ" + "\u0651" + "ﻲﻓ", "فيب" + "\u0651" + "يت"}, // a mark stays after its letter
		{"הָרוֹת", "תוֹרהָ"},                               // Hebrew points stay after their letters
	}
	for _, tt := range tests {
		prefix := []byte("prev\n")
		got := string(pdfLogicalOrder(append(prefix, tt.visual...), len(prefix)))
		if got != "prev\n"+tt.logical {
			t.Errorf("pdfLogicalOrder(%q) = %q, want %q", tt.visual, got[len(prefix):], tt.logical)
		}
	}
}

// TestPDFGoRightToLeft checks that the Go reader gives Arabic and Hebrew in
// logical order (PDFGo; PDFAuto hands such files to pdftotext).
func TestPDFGoRightToLeft(t *testing.T) {
	out, err := pdfExtractFile(t, PDFGo, pdfAutoFixture(t, "rtl-cairo.pdf"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	pdfAssertPhrases(t, out.Text, []string{
		"تقرير الصيانة الشهري",
		"تم فحص جميع أجهزة التكييف في المستودع الشمالي خلال شهر مارس.",
		"لم يتم العثور على أي أعطال كبيرة، وتم تغيير المرشحات في ثلاثة أجهزة.",
		"הדוח החודשי של מחלקת התחזוקה",
		"כל מערכות המיזוג במחסן הצפוני נבדקו במהלך חודש מרץ.",
	})
}
