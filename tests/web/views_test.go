package web

import (
	"path/filepath"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebViews drives views.mjs: a view saved from the documents list's
// filters in its dialog, listed in the sidebar, clicked to filter the list,
// renamed and deleted, and the views on a phone; then checks what the
// browser did through the API. Screenshots land in the views/ folder of
// the web screenshots.
func TestWebViews(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	const annPass = "ann's long password"
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")
	e.run(t, "", "folder", "add", "Taxes", "--user", "ann")
	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "views", "views", "ANN_PASSWORD="+annPass)

	// Of the two views saved only "All by name" is left, with the order it
	// was saved with and nothing else.
	ann := login(t, base, "ann", annPass)
	var vs struct {
		Views []struct {
			Name     string            `json:"name"`
			Filter   map[string]string `json:"filter"`
			Position int               `json:"position"`
		} `json:"views"`
	}
	ann.call("GET", "/api/views", nil, &vs)
	if len(vs.Views) != 1 || vs.Views[0].Name != "All by name" || len(vs.Views[0].Filter) != 1 || vs.Views[0].Filter["sort"] != "filename_asc" {
		t.Fatalf("views after the run: %+v, want only All by name sorted filename_asc", vs.Views)
	}
	var audit struct {
		Entries []struct {
			EventType string `json:"event_type"`
			Summary   string `json:"summary"`
		} `json:"entries"`
	}
	ann.call("GET", "/api/audit?event_type=view_change", nil, &audit)
	var got []string
	for _, a := range audit.Entries {
		got = append(got, a.Summary)
	}
	want := []string{"Deleted saved view “Taxes 2024”", "Renamed saved view “Tax papers” to “Taxes 2024”", "Created saved view “All by name”", "Created saved view “Tax papers”"}
	if len(got) != len(want) {
		t.Fatalf("view events %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("view event %d: %q, want %q", i, got[i], want[i])
		}
	}
	pngs, _ := filepath.Glob(filepath.Join(shots, "v[0-9]-*.png"))
	if len(pngs) != 6 {
		t.Errorf("%d screenshots in %s, want 6", len(pngs), shots)
	}
}
