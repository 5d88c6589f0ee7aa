package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestFolderCommands: `folder add/list/rename/move/rm` name folders by
// path, refuse a move into the folder itself or below it (exit 64, one
// line), say what a delete does to the documents, and leave the rows as
// they say.
func TestFolderCommands(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	d.run(t, nil, "user", "add", "bob", "--email", "bob@example.org").check(t, 0, "", "")
	ann := map[string]string{"DOCUVAULT_USER": "ann"}

	for _, c := range []struct {
		args           []string
		code           int
		stdout, stderr string
	}{
		{[]string{"folder", "list"}, 0, "ann has no folders", ""},
		{[]string{"folder", "add", "Taxes"}, 0, `created folder "Taxes" for ann`, ""},
		{[]string{"folder", "add", "Taxes/2024"}, 0, `created folder "Taxes/2024" for ann`, ""},
		{[]string{"folder", "add", "Work"}, 0, `created folder "Work" for ann`, ""},
		{[]string{"folder", "add", "Taxes/2024"}, 1, "", `docuvault: folder add: a folder named "2024" already exists in that folder: choose another name` + "\n"},
		{[]string{"folder", "add", "Nope/x"}, 1, "", `folder add: no folder "Nope": give a folder's path (as "folder list" shows it) or its id`},
		{[]string{"folder", "add", " "}, 64, "", "folder add: folder name is empty: give it a name of 1 to 255 characters"},
		{[]string{"folder", "rename", "Taxes/2024", "Year 2024"}, 0, `Taxes/2024 is now "Taxes/Year 2024"`, ""},
		{[]string{"folder", "rename", "Work", "a/b"}, 64, "", `folder name "a/b" contains '/'`},
		{[]string{"folder", "move", "Taxes", "Taxes/Year 2024"}, 64, "", "docuvault: folder move: cannot move a folder into itself or into one of its subfolders: choose another parent\n"},
		{[]string{"folder", "move", "Taxes", "Taxes"}, 64, "", "cannot move a folder into itself"},
		{[]string{"folder", "move", "Taxes", "Work"}, 0, `Taxes is now "Work/Taxes"`, ""},
		{[]string{"folder", "move", "Work/Taxes/Year 2024", "/"}, 0, `Work/Taxes/Year 2024 is now "Year 2024"`, ""},
		{[]string{"folder", "move", "Year 2024", "Work/Taxes"}, 0, `Year 2024 is now "Work/Taxes/Year 2024"`, ""},
		{[]string{"folder", "rm", "Taxes"}, 1, "", `folder rm: no folder "Taxes"`},
		{[]string{"folder", "rename", "Work", "Job", "--user", "bob"}, 1, "", `no folder "Work"`},
		{[]string{"folder", "list", "--user", "bob"}, 0, "bob has no folders", ""},
		{[]string{"folder", "move", "Work"}, 64, "", ""},
	} {
		r := d.run(t, ann, c.args...)
		r.check(t, c.code, c.stdout, c.stderr)
		if c.code != 0 && strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: stderr is not one line: %q", c.args, r.stderr)
		}
	}

	// A document in the subfolder, then the JSON list: paths, parents, counts.
	var taxes struct{ ID string }
	list := func() map[string]map[string]any {
		t.Helper()
		r := d.run(t, ann, "folder", "list", "--json")
		r.check(t, 0, "", "")
		out := map[string]map[string]any{}
		for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("folder list --json line %q: %v", l, err)
			}
			out[m["path"].(string)] = m
		}
		return out
	}
	fs := list()
	if len(fs) != 3 || fs["Work"] == nil || fs["Work/Taxes"] == nil || fs["Work/Taxes/Year 2024"] == nil {
		t.Fatalf("folders: %v", fs)
	}
	taxes.ID = fs["Work/Taxes"]["id"].(string)
	if fs["Work/Taxes/Year 2024"]["parent_id"] != taxes.ID || fs["Work"]["parent_id"] != nil {
		t.Errorf("parents: %v", fs)
	}
	admin := d.dep.AdminDB(t)
	var doc string
	if err := admin.QueryRow(`INSERT INTO documents (user_id, folder_id, filename, object_key, content_type, status)
		SELECT user_id, id, 'a.txt', gen_random_uuid()::text, 'text/plain', 'classified' FROM folders WHERE id = $1 RETURNING id`,
		fs["Work/Taxes/Year 2024"]["id"]).Scan(&doc); err != nil {
		t.Fatal(err)
	}
	if n := list()["Work/Taxes/Year 2024"]["document_count"]; n != float64(1) {
		t.Errorf("document_count %v, want 1", n)
	}
	table := d.run(t, ann, "folder", "list")
	table.check(t, 0, "PATH", "")
	if lines := strings.Split(strings.TrimSpace(table.stdout), "\n"); len(lines) != 4 ||
		!strings.HasPrefix(lines[1], "Work ") || !strings.HasPrefix(lines[2], "Work/Taxes ") || !strings.HasPrefix(lines[3], "Work/Taxes/Year 2024  1 ") {
		t.Errorf("folder list:\n%s", table.stdout)
	}

	// rm by id: the subtree goes, the document stays, in no folder.
	d.run(t, ann, "folder", "rm", taxes.ID).check(t, 0, `deleted folder "Work/Taxes" and 1 subfolder(s); its 1 document(s) are kept, in no folder`, "")
	if fs := list(); len(fs) != 1 || fs["Work"] == nil {
		t.Errorf("folders after rm: %v", fs)
	}
	var folder *string
	if err := admin.QueryRow(`SELECT folder_id FROM documents WHERE id = $1`, doc).Scan(&folder); err != nil || folder != nil {
		t.Errorf("document after rm: folder %v, %v", folder, err)
	}
}
