package cli

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestScanAcceptance is issue 18's "done when": a scan saved as a PDF by
// img2pdf from a page of a real manual (three times: upright, turned a
// quarter, skewed and noisy), uploaded with `docuvault upload`, comes out
// of `worker --drain` with its text and its topic, a searchable copy that
// pdftotext reads and a thumbnail; `search` finds it by a word of that
// page; a blank scan is no_text, filed under nothing.
func TestScanAcceptance(t *testing.T) {
	testenv.Tools(t, "tesseract", "pdftoppm", "pdfimages", "qpdf", "pdftotext")
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	d.run(t, nil, "topic", "add", "ASN.1", "--description", "ASN.1 library manuals: syntax, parser, structures, DER encoding, definitions").check(t, 0, "", "")
	d.run(t, nil, "topic", "add", "Cooking", "--description", "recipes, kitchen, baking, ingredients").check(t, 0, "", "")
	testdata := filepath.Join(repoRoot(t), "pkg", "ocr", "testdata")
	d.run(t, nil, "upload", filepath.Join(testdata, "scan.pdf"), filepath.Join(testdata, "blank.pdf")).check(t, 0, "", "")
	d.run(t, nil, "worker", "--drain").check(t, 0, "drained: 2 processed, 0 failed", "")

	db := d.dep.AdminDB(t)
	ids := map[string]string{}
	for _, name := range []string{"scan.pdf", "blank.pdf"} {
		var id string
		if err := db.Get(&id, `SELECT id FROM documents WHERE filename = $1`, name); err != nil {
			t.Fatal(err)
		}
		ids[name] = id
	}
	r := d.run(t, nil, "doc", "show", ids["scan.pdf"], "--json")
	r.check(t, 0, "", "")
	var doc struct {
		Status        string `json:"status"`
		Extractor     string `json:"extractor"`
		HasThumbnail  bool   `json:"has_thumbnail"`
		HasSearchable bool   `json:"has_searchable"`
		Pages         []struct {
			Source     string   `json:"source"`
			Confidence *float64 `json:"confidence"`
			Rotation   int      `json:"rotation"`
		} `json:"pages"`
		Topics []struct {
			Name string `json:"name"`
		} `json:"topics"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("doc show --json: %v\n%s", err, r.stdout)
	}
	if doc.Status != "classified" || doc.Extractor != "go-pdf+tesseract" || !doc.HasThumbnail || !doc.HasSearchable {
		t.Errorf("scan: %+v", doc)
	}
	if len(doc.Pages) != 3 || doc.Pages[1].Rotation != 270 {
		t.Errorf("scan's pages: %+v, want 3 read by OCR, the second turned 270°", doc.Pages)
	}
	for i, p := range doc.Pages {
		if p.Source != "ocr" || p.Confidence == nil || *p.Confidence < 80 {
			t.Errorf("page %d: %+v", i+1, p)
		}
	}
	if len(doc.Topics) != 1 || doc.Topics[0].Name != "ASN.1" {
		t.Errorf("scan's topics: %+v, want ASN.1", doc.Topics)
	}
	d.run(t, nil, "doc", "show", ids["scan.pdf"]).check(t, 0, "3: 3 OCR (OCR confidence", "")
	d.run(t, nil, "search", "DEFINITIONS").check(t, 0, "scan.pdf", "")

	copyPath := filepath.Join(t.TempDir(), "copy.pdf")
	d.run(t, nil, "doc", "get", ids["scan.pdf"], "--searchable", "-o", copyPath).check(t, 0, "", "")
	text, err := exec.Command("pdftotext", copyPath, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext of the searchable copy: %v", err)
	}
	if pages := strings.Split(strings.TrimSuffix(string(text), "\f"), "\f"); len(pages) != 3 || !strings.Contains(pages[1], "DEFINITIONS") {
		t.Errorf("the searchable copy's text (%d pages):\n%s", len(pages), text)
	}

	d.run(t, nil, "doc", "show", ids["blank.pdf"]).check(t, 0, "no text found: not classified", "")
	d.run(t, nil, "doc", "list", "--status", "no_text").check(t, 0, "blank.pdf", "")
	var filed int
	if err := db.Get(&filed, `SELECT count(*) FROM document_topics WHERE document_id = $1`, ids["blank.pdf"]); err != nil || filed != 0 {
		t.Errorf("blank scan filed under %d topics (%v)", filed, err)
	}
	d.run(t, nil, "fsck", "--grace", "0").check(t, 0, "nothing to repair", "")

	// The thumbnail's object lost: fsck says which row lost it, and repairs.
	var key string
	if err := db.Get(&key, `SELECT object_key FROM document_objects WHERE document_id = $1 AND kind = 'thumbnail'`, ids["scan.pdf"]); err != nil {
		t.Fatal(err)
	}
	if err := d.dep.AppStore(t).Delete(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	d.run(t, nil, "fsck", "--grace", "0").check(t, 1, "row without object: thumbnail of document "+ids["scan.pdf"], "")
	d.run(t, nil, "fsck", "--grace", "0", "--repair").check(t, 0, "repaired 1 problem", "")
	d.run(t, nil, "fsck", "--grace", "0").check(t, 0, "nothing to repair", "")
}

// TestExtractCommand: `docuvault extract` reads files offline as the
// worker would and says how each page was read; bad input is a one-line
// message and the right exit code.
func TestExtractCommand(t *testing.T) {
	testenv.Tools(t, "tesseract", "pdftoppm", "pdfimages")
	d := deployed(t)
	mixed := filepath.Join(repoRoot(t), "pkg", "ocr", "testdata", "mixed.pdf")
	r := d.run(t, nil, "extract", "--json", mixed)
	r.check(t, 0, "", "")
	var line struct {
		Method string `json:"method"`
		Pages  []struct {
			Page   int    `json:"page"`
			Source string `json:"source"`
		} `json:"pages"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &line); err != nil {
		t.Fatalf("extract --json: %v\n%s", err, r.stdout)
	}
	if line.Method != "go-pdf+tesseract" || len(line.Pages) != 2 || line.Pages[0].Source != "text" || line.Pages[1].Source != "ocr" ||
		strings.Count(line.Text, "DEFINITIONS") != 2 {
		t.Errorf("extract --json: %+v", line)
	}
	d.run(t, nil, "extract", "--ocr", "never", mixed).check(t, 0, "pages: 2: 1 text layer, 1 no text", "")
	d.run(t, nil, "extract", mixed, filepath.Join(t.TempDir(), "missing.pdf")).check(t, 2, "pages: 2: 1 text layer, 1 OCR", "missing.pdf: cannot open: no such file or directory")
	d.run(t, nil, "extract", "--ocr", "sometimes", mixed).check(t, 64, "", `--ocr must be auto, always or never, not "sometimes"`)
}
