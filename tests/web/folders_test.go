package web

import (
	"path/filepath"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebFolders drives folders.mjs: folders made, renamed, moved and
// deleted in the folder dialog, the sidebar tree filtering the list, and
// the tree on a phone; then checks what the browser did through the API.
// Screenshots land in the folders/ folder of the web screenshots.
func TestWebFolders(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	const annPass = "ann's long password"
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")
	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "folders", "folders", "ANN_PASSWORD="+annPass)

	// What the browser did, as the API sees it: of the three folders made
	// only Work is left (Taxes was moved into it and deleted with its
	// subfolder); the documents of the deleted ones are kept, in no folder.
	ann := login(t, base, "ann", annPass)
	var fs struct {
		Folders []struct {
			ID            string  `json:"id"`
			ParentID      *string `json:"parent_id"`
			Name          string  `json:"name"`
			DocumentCount int     `json:"document_count"`
		} `json:"folders"`
	}
	ann.call("GET", "/api/folders", nil, &fs)
	if len(fs.Folders) != 1 || fs.Folders[0].Name != "Work" || fs.Folders[0].ParentID != nil || fs.Folders[0].DocumentCount != 1 {
		t.Fatalf("folders after the run: %+v, want only Work at the top level with 1 document", fs.Folders)
	}
	work := fs.Folders[0].ID
	var page struct {
		Documents []struct {
			Filename string  `json:"filename"`
			FolderID *string `json:"folder_id"`
		} `json:"documents"`
	}
	ann.call("GET", "/api/documents?sort=filename_asc", nil, &page)
	got := map[string]string{}
	for _, d := range page.Documents {
		got[d.Filename] = "(none)"
		if d.FolderID != nil {
			got[d.Filename] = *d.FolderID
		}
	}
	want := map[string]string{"plan.txt": work, "receipt.txt": "(none)", "refund.txt": "(none)"}
	if len(got) != len(want) || got["plan.txt"] != want["plan.txt"] || got["receipt.txt"] != want["receipt.txt"] || got["refund.txt"] != want["refund.txt"] {
		t.Errorf("documents' folders after the run: %v, want %v", got, want)
	}
	pngs, _ := filepath.Glob(filepath.Join(shots, "d[0-9]-*.png"))
	if len(pngs) != 9 {
		t.Errorf("%d screenshots in %s, want 9", len(pngs), shots)
	}
}
