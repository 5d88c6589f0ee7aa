package api

import (
	"strings"
	"testing"
)

// The folder routes as the web app's dialog and tree use them: counts,
// rename, move (never into itself or below itself), delete (documents
// kept, moved out), with one-line messages, 409 for a name taken and 404
// for someone else's folder.
func TestFolderRoutes(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann, bob := e.login("ann"), e.login("bob")
	msg := func(r *response) string {
		t.Helper()
		m := r.json()["error"].(map[string]any)["message"].(string)
		if strings.Contains(m, "\n") || strings.HasPrefix(m, "name:") || strings.HasPrefix(m, "parent_id:") {
			t.Errorf("not a one-line message for people: %q", m)
		}
		return m
	}

	taxes := ann.do("POST", "/api/folders", map[string]any{"name": "Taxes"}).want(201).json()
	if taxes["document_count"] != float64(0) {
		t.Errorf("new folder: %v", taxes)
	}
	tid := taxes["id"].(string)
	y := ann.do("POST", "/api/folders", map[string]any{"name": "2024", "parent_id": tid}).want(201).json()["id"].(string)
	work := ann.do("POST", "/api/folders", map[string]any{"name": "Work"}).want(201).json()["id"].(string)
	d1 := ann.uploadOne("a.txt", "one", [2]string{"folder_id", y})
	d2 := ann.uploadOne("b.txt", "two", [2]string{"folder_id", y})
	ann.uploadOne("c.txt", "three", [2]string{"folder_id", work})

	var fs struct {
		Folders []struct {
			ID            string  `json:"id"`
			ParentID      *string `json:"parent_id"`
			Name          string  `json:"name"`
			DocumentCount int     `json:"document_count"`
		} `json:"folders"`
	}
	ann.do("GET", "/api/folders", nil).want(200).decode(&fs)
	counts := map[string]int{}
	for _, f := range fs.Folders {
		counts[f.Name] = f.DocumentCount
	}
	if len(counts) != 3 || counts["Taxes"] != 0 || counts["2024"] != 2 || counts["Work"] != 1 {
		t.Errorf("counts %v, want Taxes 0, 2024 2, Work 1", counts)
	}

	// Rename.
	r := ann.do("PATCH", "/api/folders/"+y, map[string]any{"name": " Tax year 2024 "}).want(200).json()
	if r["name"] != "Tax year 2024" || r["parent_id"] != tid || r["document_count"] != float64(2) {
		t.Errorf("renamed: %v", r)
	}
	if m := msg(ann.do("PATCH", "/api/folders/"+y, map[string]any{"name": "a/b"}).wantError(422, "invalid_field")); m != `folder name "a/b" contains '/': choose a name without slashes` {
		t.Errorf("slash: %q", m)
	}
	if m := msg(ann.do("PATCH", "/api/folders/"+y, map[string]any{"name": "  "}).wantError(422, "invalid_field")); m != "folder name is empty: give it a name of 1 to 255 characters" {
		t.Errorf("empty: %q", m)
	}
	ann.do("POST", "/api/folders", map[string]any{"name": "Other", "parent_id": tid}).want(201)
	if m := msg(ann.do("PATCH", "/api/folders/"+y, map[string]any{"name": "Other"}).wantError(409, "conflict")); m != `a folder named "Other" already exists in that folder: choose another name` {
		t.Errorf("conflict: %q", m)
	}

	// Move: not into itself, not below itself; then into Work.
	for _, into := range []string{tid, y} {
		if m := msg(ann.do("PATCH", "/api/folders/"+tid, map[string]any{"parent_id": into}).wantError(422, "cycle")); m != "cannot move a folder into itself or into one of its subfolders: choose another parent" {
			t.Errorf("cycle: %q", m)
		}
	}
	ann.do("PATCH", "/api/folders/"+tid, map[string]any{"parent_id": "not-an-id"}).wantError(404, "not_found")
	m := ann.do("PATCH", "/api/folders/"+tid, map[string]any{"parent_id": work}).want(200).json()
	if m["parent_id"] != work || m["name"] != "Taxes" {
		t.Errorf("moved: %v", m)
	}

	// Someone else's folder is not found, whatever is asked of it.
	bob.do("GET", "/api/folders/"+tid, nil).wantError(404, "not_found")
	bob.do("PATCH", "/api/folders/"+tid, map[string]any{"name": "Mine"}).wantError(404, "not_found")
	bob.do("PATCH", "/api/folders/"+tid, map[string]any{"parent_id": nil}).wantError(404, "not_found")
	bob.do("DELETE", "/api/folders/"+tid, nil).wantError(404, "not_found")
	bobs := bob.do("POST", "/api/folders", map[string]any{"name": "Bob's"}).want(201).json()["id"].(string)
	ann.do("PATCH", "/api/folders/"+tid, map[string]any{"parent_id": bobs}).wantError(404, "not_found")

	// Delete: Taxes goes with its subfolders; their documents stay, in no folder.
	ann.do("DELETE", "/api/folders/"+tid, nil).want(204)
	ann.do("GET", "/api/folders/"+y, nil).wantError(404, "not_found")
	for _, d := range []string{d1.ID, d2.ID} {
		got := ann.do("GET", "/api/documents/"+d, nil).want(200).json()
		if got["folder_id"] != nil {
			t.Errorf("document %s after its folder was deleted: folder %v", d, got["folder_id"])
		}
	}
	ann.do("GET", "/api/folders", nil).want(200).decode(&fs)
	if len(fs.Folders) != 1 || fs.Folders[0].ID != work || fs.Folders[0].DocumentCount != 1 {
		t.Errorf("folders after the delete: %+v, want only Work with 1 document", fs.Folders)
	}
}
