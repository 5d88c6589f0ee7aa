package web

import (
	"path/filepath"
	"sort"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebDropAnywhere drives dropanywhere.mjs: files dropped anywhere in
// the app (the overview, a document's page, the documents page with a
// folder chosen, a phone) with the overlay and the uploads panel; then
// checks through the API that each file the panel called uploaded is
// stored once, in the folder it was dropped into, and that neither the
// duplicate nor the refused executables were stored. Screenshots land in
// the dropanywhere/ folder of the web screenshots.
func TestWebDropAnywhere(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	const annPass = "ann's long password"
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")
	e.run(t, "", "folder", "add", "Taxes", "--user", "ann")
	e.run(t, "", "folder", "add", "Taxes/2024", "--user", "ann")
	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "dropanywhere", "dropanywhere", "ANN_PASSWORD="+annPass)

	ann := login(t, base, "ann", annPass)
	var fs struct {
		Folders []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"folders"`
	}
	if code := ann.call("GET", "/api/folders", nil, &fs); code != 200 {
		t.Fatalf("GET /api/folders: %d", code)
	}
	var in2024 string
	for _, f := range fs.Folders {
		if f.Name == "2024" {
			in2024 = f.ID
		}
	}
	if in2024 == "" {
		t.Fatalf("no folder 2024 in %+v", fs.Folders)
	}
	var page struct {
		Documents []struct {
			Filename string  `json:"filename"`
			FolderID *string `json:"folder_id"`
		} `json:"documents"`
	}
	if code := ann.call("GET", "/api/documents?sort=filename_asc&limit=100", nil, &page); code != 200 {
		t.Fatalf("GET /api/documents: %d", code)
	}
	var got []string
	for _, d := range page.Documents {
		where := "(none)"
		if d.FolderID != nil {
			where = "2024"
			if *d.FolderID != in2024 {
				where = *d.FolderID
			}
		}
		got = append(got, d.Filename+" in "+where)
	}
	sort.Strings(got)
	want := []string{
		"invoice.txt in (none)",
		"notes.txt in (none)",
		"phone photo notes.txt in (none)",
		"receipt.txt in (none)",
		"tax.txt in 2024",
		"zone.txt in 2024",
	}
	if len(got) != len(want) {
		t.Fatalf("documents after the run: %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("documents after the run: %q, want %q", got, want)
		}
	}
	pngs, _ := filepath.Glob(filepath.Join(shots, "p[0-9]-*.png"))
	if len(pngs) != 8 {
		t.Errorf("%d screenshots in %s, want 8", len(pngs), shots)
	}
}
