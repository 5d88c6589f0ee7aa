package web

import (
	"path/filepath"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebFiling drives filing.mjs: a manual-only topic made in the topic
// form, why a document was filed, the unfiled filter and one-click filing of
// an unfiled document under a candidate; then checks what the browser did
// through the API. Screenshots land in the filing/ folder of the web
// screenshots.
func TestWebFiling(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	const annPass = "ann's long password"
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")
	e.run(t, "", "topic", "add", "Finance", "--user", "ann", "--description", "invoices bank taxes payments", "--color", "#2e8b57")
	e.run(t, "", "topic", "add", "Health", "--user", "ann", "--description", "doctor hospital prescription", "--color", "#d04a4a")
	// Filed by its match rule alone (never by the classifier): what the
	// document page says about it (issue 21, item 8).
	e.run(t, "", "topic", "add", "Bills", "--user", "ann", "--description", "utilities", "--match", "4711", "--algorithm", "literal", "--no-auto")
	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "filing", "filing", "ANN_PASSWORD="+annPass)

	// What the browser did, as the API sees it.
	ann := login(t, base, "ann", annPass)
	var ts struct {
		Topics []struct {
			Name       string `json:"name"`
			AutoAssign bool   `json:"auto_assign"`
		} `json:"topics"`
	}
	ann.call("GET", "/api/topics", nil, &ts)
	auto := map[string]bool{}
	for _, tp := range ts.Topics {
		auto[tp.Name] = tp.AutoAssign
	}
	if len(auto) != 4 || !auto["Finance"] || !auto["Health"] || auto["Travel"] || auto["Bills"] {
		t.Errorf("topics' auto_assign after the run: %v, want Finance and Health true, Travel and Bills false", auto)
	}
	var page struct {
		Documents []struct {
			Filename string `json:"filename"`
			Topics   []struct {
				Name   string `json:"name"`
				Source string `json:"source"`
			} `json:"topics"`
		} `json:"documents"`
	}
	ann.call("GET", "/api/documents?sort=filename_asc", nil, &page)
	got := map[string]string{}
	for _, d := range page.Documents {
		s := ""
		for _, tp := range d.Topics {
			s += tp.Name + "/" + tp.Source
		}
		got[d.Filename] = s
	}
	want := map[string]string{"invoice.txt": "Bills/autoFinance/auto", "note.txt": "Health/manual", "trip.txt": ""}
	if len(got) != 3 || got["invoice.txt"] != want["invoice.txt"] || got["note.txt"] != want["note.txt"] || got["trip.txt"] != "" {
		t.Errorf("documents after the run: %v, want %v", got, want)
	}
	pngs, _ := filepath.Glob(filepath.Join(shots, "f[0-9]-*.png"))
	if len(pngs) != 7 {
		t.Errorf("%d screenshots in %s, want 7", len(pngs), shots)
	}
}
