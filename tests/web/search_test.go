package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebSearch drives search.mjs (issue 21): a snippet is the passage of
// the text with the words searched, marked, also far into a long text
// whose first query word is only in the filename; a hit whose text lacks
// the words says they are in the filename; the page has one search box,
// the header's, which empties after leaving the search page; an error
// reads without a field-name prefix; the documents' Type filter offers
// HTML and Markdown and filters by them. Screenshots (desktop and phone)
// land in the search/ folder of the web screenshots.
func TestWebSearch(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	const annPass = "ann's long password"
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")

	dir := t.TempDir()
	filler := strings.Repeat("Nothing of note is written in this part of the page.\n", 600)
	files := map[string]string{
		"copyright-notice.txt": "Acme Tools, version 3.\n" + filler + "You may use this software under the licenses below.\n" + filler,
		"picnic-plan.txt":      "Bring cake and lemonade to the river on Sunday.\n",
		"page.html":            "<!doctype html><html><head><title>Harbour</title></head><body><p>The harbour opens at dawn.</p></body></html>\n",
		"notes.md":             "# Notes\n\nThe *harbour* closes at dusk.\n",
	}
	var paths []string
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	e.run(t, "", append([]string{"upload", "--user", "ann"}, paths...)...)
	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "search", "search", "ANN_PASSWORD="+annPass)

	// The documents the Type filter showed have the types it offered.
	ann := login(t, base, "ann", annPass)
	var page struct {
		Documents []struct {
			Filename    string `json:"filename"`
			ContentType string `json:"content_type"`
		} `json:"documents"`
	}
	ann.call("GET", "/api/documents?sort=filename_asc", nil, &page)
	got := map[string]string{}
	for _, d := range page.Documents {
		got[d.Filename] = d.ContentType
	}
	if got["page.html"] != "text/html" || got["notes.md"] != "text/markdown" {
		t.Errorf("content types: %v, want page.html text/html and notes.md text/markdown", got)
	}
	pngs, _ := filepath.Glob(filepath.Join(shots, "s[0-9]-*.png"))
	if len(pngs) != 5 {
		t.Errorf("%d screenshots in %s, want 5", len(pngs), shots)
	}
}
