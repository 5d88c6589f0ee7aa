package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestViewCommands: `view add/list/rm` save a documents-list filter under a
// name (the flags doc list takes, topics and folders by name and path),
// refuse a bad one (exit 64, one line) or a name taken in any case (exit
// 1), record their changes in the audit log, and `doc list --view NAME`
// lists as the view filters, saying so when its topic has been deleted.
func TestViewCommands(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	d.run(t, nil, "user", "add", "bob", "--email", "bob@example.org").check(t, 0, "", "")
	ann := map[string]string{"DOCUVAULT_USER": "ann"}
	d.run(t, ann, "topic", "add", "Finance").check(t, 0, "", "")
	d.run(t, ann, "folder", "add", "Taxes").check(t, 0, "", "")

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "small.txt"), []byte("small"))
	writeFile(t, filepath.Join(dir, "bigger.txt"), []byte("a bigger file than the other"))
	d.run(t, ann, "upload", "--no-classify", filepath.Join(dir, "small.txt"), filepath.Join(dir, "bigger.txt")).check(t, 0, "", "")
	writeFile(t, filepath.Join(dir, "later.txt"), []byte("processed later"))
	d.run(t, ann, "upload", filepath.Join(dir, "later.txt")).check(t, 0, "", "")

	for _, c := range []struct {
		args           []string
		code           int
		stdout, stderr string
	}{
		{[]string{"view", "list"}, 0, "ann has no saved views", ""},
		{[]string{"view", "add", "Skipped by size", "--status", "skipped", "--sort", "size_desc"}, 0, `saved view "Skipped by size" for ann`, ""},
		{[]string{"view", "add", "Finance", "--topic", "Finance", "--folder", "Taxes", "--date-from", "2025-01-01", "--type", "application/pdf"}, 0, `saved view "Finance" for ann`, ""},
		{[]string{"view", "add", "Loose", "--folder", "/"}, 0, `saved view "Loose" for ann`, ""},
		{[]string{"view", "add", "SKIPPED BY SIZE"}, 1, "", `docuvault: view add: you already have a view named "SKIPPED BY SIZE": choose another name` + "\n"},
		{[]string{"view", "add", " "}, 64, "", "docuvault: view add: view name is empty: give it a name of 1 to 100 characters\n"},
		{[]string{"view", "add", "x", "--status", "done"}, 64, "", `docuvault: view add: status "done": use one of pending, processing, classified, no_text, failed, skipped` + "\n"},
		{[]string{"view", "add", "x", "--sort", "name"}, 64, "", `docuvault: view add: sort "name": use one of created_desc,`},
		{[]string{"view", "add", "x", "--date-to", "31.12.2025"}, 64, "", `docuvault: view add: date to "31.12.2025" is not a day: write it like 2026-01-31` + "\n"},
		{[]string{"view", "add", "x", "--topic", "Finance", "--unfiled"}, 64, "", "docuvault: view add: give --topic or --unfiled, not both\n"},
		{[]string{"view", "add", "x", "--folder", "Nope"}, 1, "", `docuvault: view add: no folder "Nope": give a folder's path`},
		{[]string{"view", "add"}, 64, "", ""},
		{[]string{"view", "rm", "nope"}, 1, "", `docuvault: view rm: no saved view "nope": "view list" shows yours` + "\n"},
		{[]string{"view", "list", "--user", "bob"}, 0, "bob has no saved views", ""},
		{[]string{"view", "rm", "Loose", "--user", "bob"}, 1, "", `no saved view "Loose"`},
		{[]string{"doc", "list", "--view", "nope"}, 1, "", `docuvault: doc list: no saved view "nope": "view list" shows yours` + "\n"},
		{[]string{"doc", "list", "--sort", "name"}, 64, "", `sort "name"`},
	} {
		r := d.run(t, ann, c.args...)
		r.check(t, c.code, c.stdout, c.stderr)
		if c.code != 0 && strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: stderr is not one line: %q", c.args, r.stderr)
		}
	}

	r := d.run(t, ann, "view", "list")
	r.check(t, 0, "", "")
	for _, want := range []string{"Skipped by size  status skipped, sort size_desc", "Finance          topic Finance, folder Taxes, type application/pdf, dated from 2025-01-01", "Loose            in no folder"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("view list lacks %q:\n%s", want, r.stdout)
		}
	}

	// doc list --view: the skipped two, largest first; a flag overrides the view.
	r = d.run(t, ann, "doc", "list", "--view", "skipped BY size")
	r.check(t, 0, "", "")
	if i, j := strings.Index(r.stdout, "bigger.txt"), strings.Index(r.stdout, "small.txt"); i < 0 || j < i || strings.Contains(r.stdout, "later.txt") {
		t.Errorf("doc list --view: want bigger.txt, then small.txt, not later.txt:\n%s", r.stdout)
	}
	r = d.run(t, ann, "doc", "list", "--view", "Skipped by size", "--sort", "size_asc")
	if i, j := strings.Index(r.stdout, "small.txt"), strings.Index(r.stdout, "bigger.txt"); i < 0 || j < i {
		t.Errorf("doc list --view --sort size_asc: want small.txt first:\n%s", r.stdout)
	}
	r = d.run(t, ann, "doc", "list", "--view", "Loose")
	r.check(t, 0, "later.txt", "")
	if strings.Count(r.stdout, ".txt") != 3 {
		t.Errorf("doc list --view Loose: want the three documents, in no folder:\n%s", r.stdout)
	}

	// The topic goes: the view stays, without it, and says so.
	d.run(t, ann, "topic", "rm", "Finance").check(t, 0, "", "")
	r = d.run(t, ann, "doc", "list", "--view", "finance")
	r.check(t, 0, "", `note: view "Finance": the topic this view was saved with has been deleted: it now shows documents in any topic`)
	r = d.run(t, ann, "view", "list", "--json")
	r.check(t, 0, "", "")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 {
		t.Fatalf("view list --json: %d lines:\n%s", len(lines), r.stdout)
	}
	var fin struct {
		Name   string            `json:"name"`
		Filter map[string]string `json:"filter"`
		Note   string            `json:"note"`
	}
	if err := json.Unmarshal([]byte(lines[1]), &fin); err != nil {
		t.Fatal(err)
	}
	if fin.Name != "Finance" || fin.Filter["topic"] != "" || fin.Filter["folder"] == "" || fin.Note == "" {
		t.Errorf("the view after its topic went: %+v", fin)
	}

	d.run(t, ann, "view", "rm", "LOOSE").check(t, 0, `deleted saved view "Loose"`, "")
	var n int
	db := d.dep.AdminDB(t)
	if err := db.Get(&n, `SELECT count(*) FROM saved_views`); err != nil || n != 2 {
		t.Errorf("%d views left, %v; want 2", n, err)
	}
	if err := db.Get(&n, `SELECT count(*) FROM audit_log WHERE event_type = 'view_change' AND actor_id IS NULL AND actor_label <> ''`); err != nil || n != 4 {
		t.Errorf("%d view_change events by the command line, %v; want 4 (3 saved, 1 deleted)", n, err)
	}
}
