package cli

import (
	"strings"
	"testing"
)

// TestNoteCommands: note add (argument and --stdin), list, edit, rm, with
// the permission rules of pkg/notes, exit 64 for a note too long, and the
// audit log holding ids and lengths, never the text.
func TestNoteCommands(t *testing.T) {
	d := deployed(t)
	for _, h := range []string{"ann", "bob", "cat"} {
		d.run(t, nil, "user", "add", h, "--email", h+"@example.org").check(t, 0, "", "")
	}
	db := d.dep.AdminDB(t)
	var doc string
	if err := db.Get(&doc, `INSERT INTO documents (user_id, filename, object_key, content_type, status)
		SELECT id, 'lease.pdf', gen_random_uuid()::text, 'application/pdf', 'classified' FROM users WHERE handle = 'ann' RETURNING id`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO shares (document_id, owner_id, recipient_id, permission)
		SELECT $1, (SELECT id FROM users WHERE handle = 'ann'), id, 'view' FROM users WHERE handle = 'bob'`, doc); err != nil {
		t.Fatal(err)
	}

	r := d.run(t, nil, "note", "add", doc, "--user", "ann", "spare key with the neighbour")
	r.check(t, 0, "", "")
	noteID := strings.TrimSpace(r.stdout)
	if len(noteID) != 36 {
		t.Fatalf("note add printed %q: want the note's id", r.stdout)
	}
	d.runIn(t, "second line\nof a note from stdin\n", nil, "note", "add", doc[:8], "--user", "ann", "--stdin").check(t, 0, "", "")
	d.run(t, nil, "note", "list", doc, "--user", "bob").check(t, 0, "spare key with the neighbour", "")
	d.run(t, nil, "note", "list", doc, "--user", "bob").check(t, 0, "    of a note from stdin", "")
	d.run(t, nil, "note", "add", doc, "--user", "bob", "viewer writes").check(t, 1, "", "view only")
	d.run(t, nil, "note", "list", doc, "--user", "cat").check(t, 1, "", "not found")
	d.run(t, nil, "note", "add", doc, "--user", "ann", strings.Repeat("x", 10001)).check(t, 64, "", "write at most 10000")
	d.run(t, nil, "note", "add", doc, "--user", "ann").check(t, 64, "", "--stdin")
	d.run(t, nil, "note", "edit", noteID, "--user", "bob", "changed").check(t, 1, "", "only your own")
	d.run(t, nil, "note", "edit", noteID, "--user", "ann", "spare key with Mrs Kowalski").check(t, 0, "edited note", "")
	d.run(t, nil, "search", "Kowalski", "--user", "bob").check(t, 0, "lease.pdf", "")
	if r := d.run(t, nil, "search", "Kowalski", "--user", "cat"); r.code != 0 || strings.Contains(r.stdout, "lease.pdf") {
		t.Errorf("a stranger's search: exit %d, %q", r.code, r.stdout)
	}
	d.run(t, nil, "note", "rm", noteID, "--user", "bob").check(t, 1, "", "")
	d.run(t, nil, "note", "rm", noteID, "--user", "ann").check(t, 0, "deleted note", "")
	d.run(t, nil, "note", "list", doc, "--json", "--user", "ann").check(t, 0, `"body":"second line\nof a note from stdin"`, "")

	var metas []string
	if err := db.Select(&metas, `SELECT metadata::text FROM audit_log WHERE event_type = 'note_change' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(metas) != 4 {
		t.Fatalf("note events %v, want add, add, edit, delete", metas)
	}
	for _, m := range metas {
		if strings.Contains(m, "Kowalski") || strings.Contains(m, "neighbour") || !strings.Contains(m, `"length"`) {
			t.Errorf("audit metadata %s", m)
		}
	}
}
