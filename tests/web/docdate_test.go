package web

import (
	"path/filepath"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebDocumentDateAndSimilar drives docdate.mjs: each document's own
// date in the list and on its page, the list's date filter, and a
// document page's similar documents; then checks through the API what the
// browser showed. Screenshots land in the docdate/ folder of the web
// screenshots.
func TestWebDocumentDateAndSimilar(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	const annPass = "ann's long password"
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")
	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "docdate", "docdate", "ANN_PASSWORD="+annPass)

	// What the browser showed, as the API has it.
	ann := login(t, base, "ann", annPass)
	var page struct {
		Documents []struct {
			Filename     string  `json:"filename"`
			DocumentDate *string `json:"document_date"`
		} `json:"documents"`
	}
	ann.call("GET", "/api/documents?sort=filename_asc&date_from=2026-11-30&date_to=2026-12-03", nil, &page)
	got := ""
	for _, d := range page.Documents {
		got += d.Filename + " " + *d.DocumentDate + "; "
	}
	if want := "brief.txt 2026-12-03; invoice.txt 2026-11-30; quote.txt 2026-12-01; "; got != want {
		t.Errorf("dated documents: %q, want %q", got, want)
	}
	pngs, _ := filepath.Glob(filepath.Join(shots, "d[0-9]-*.png"))
	if len(pngs) != 4 {
		t.Errorf("%d screenshots in %s, want 4", len(pngs), shots)
	}
}
