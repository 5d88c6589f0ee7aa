package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestTrashCommands: doc rm moves to the trash, trash list / restore / rm
// / empty, upload of trashed content restores it, trash purge deletes
// what is older than DOCUVAULT_TRASH_DAYS, doc rm --purge deletes at once;
// fsck stays clean throughout.
func TestTrashCommands(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	dir := t.TempDir()
	files := map[string]string{"a.txt": "alpha text", "b.txt": "beta text", "c.txt": "gamma text", "e.txt": "epsilon text"}
	for name, body := range files {
		d.run(t, nil, "upload", "--no-classify", writeFile(t, filepath.Join(dir, name), []byte(body))).check(t, 0, "stored", "")
	}
	db := d.dep.AdminDB(t)
	id := func(name string) string {
		t.Helper()
		var id string
		if err := db.Get(&id, `SELECT id FROM documents WHERE filename = $1`, name); err != nil {
			t.Fatal(err)
		}
		return id
	}
	a, b, c, e := id("a.txt"), id("b.txt"), id("c.txt"), id("e.txt")

	d.run(t, nil, "doc", "rm", a, b[:8], c).check(t, 0, "trashed  "+a, "")
	d.run(t, nil, "doc", "list").check(t, 0, "e.txt", "")
	if r := d.run(t, nil, "doc", "list"); strings.Contains(r.stdout, "a.txt") {
		t.Errorf("doc list shows a trashed document:\n%s", r.stdout)
	}
	d.run(t, nil, "doc", "rm", a).check(t, 1, "", "ann has no document "+a+" outside the trash")
	d.run(t, nil, "trash", "list").check(t, 0, "a.txt", "")
	d.run(t, nil, "trash", "restore", a[:8]).check(t, 0, "restored "+a, "")
	d.run(t, nil, "trash", "restore", a).check(t, 1, "", "no document "+a+" in the trash")
	d.run(t, nil, "doc", "show", a).check(t, 0, "a.txt", "")

	// The same content again: b comes back.
	d.run(t, nil, "upload", writeFile(t, filepath.Join(dir, "b-again.txt"), []byte("beta text"))).check(t, 0, "restored   ", "")
	d.run(t, nil, "doc", "show", b).check(t, 0, "b.txt", "")

	d.run(t, nil, "trash", "rm", c).check(t, 0, "deleted  "+c, "")
	d.run(t, nil, "doc", "rm", e).check(t, 0, "trashed", "")
	d.run(t, nil, "fsck", "--grace", "0").check(t, 0, "nothing to repair", "")

	// The purge keeps what is younger than DOCUVAULT_TRASH_DAYS.
	d.run(t, nil, "trash", "purge").check(t, 0, "purged 0 document(s)", "")
	db.MustExec(`UPDATE documents SET trashed_at = now() - interval '8 days' WHERE id = $1`, e)
	d.run(t, map[string]string{"DOCUVAULT_TRASH_DAYS": "7"}, "trash", "purge").check(t, 0, "purged 1 document(s) older than 7 days", "")
	d.run(t, map[string]string{"DOCUVAULT_TRASH_DAYS": "0"}, "trash", "purge").check(t, 1, "", "DOCUVAULT_TRASH_DAYS")

	d.run(t, nil, "doc", "rm", b).check(t, 0, "trashed", "")
	d.run(t, nil, "trash", "empty", "--user", "ann").check(t, 0, "1 document(s)", "")
	d.run(t, nil, "trash", "list").check(t, 0, "is empty", "")
	d.run(t, nil, "doc", "rm", "--purge", a).check(t, 0, "deleted  "+a+" (a.txt) for good", "")

	var n int
	if err := db.Get(&n, `SELECT count(*) FROM documents`); err != nil || n != 0 {
		t.Errorf("%d documents left, %v", n, err)
	}
	var used int64
	if err := db.Get(&used, `SELECT used_bytes FROM quotas`); err != nil || used != 0 {
		t.Errorf("quota %d, %v", used, err)
	}
	for typ, want := range map[string]int{"document_trash": 5, "document_restore": 2, "document_purge": 1, "trash_empty": 1, "document_delete": 2} {
		if err := db.Get(&n, `SELECT count(*) FROM audit_log WHERE event_type = $1`, typ); err != nil || n != want {
			t.Errorf("%d %s events (%v), want %d", n, typ, err, want)
		}
	}
	d.run(t, nil, "fsck", "--grace", "0").check(t, 0, "nothing to repair", "")
}
