package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// docuvault doc bulk: each action on ids, ids from standard input, or a
// filter; a document of another user's fails the whole run (exit 1,
// nothing changed); a run that cannot be used as written is exit 64.
func TestDocBulk(t *testing.T) {
	d := deployed(t)
	for _, h := range []string{"ann", "bob"} {
		d.run(t, nil, "user", "add", h, "--email", h+"@example.org").check(t, 0, "", "")
	}
	for _, tp := range []string{"Finance", "Tax"} {
		d.run(t, nil, "topic", "add", tp, "--user", "ann").check(t, 0, "", "")
	}
	d.run(t, nil, "folder", "add", "Taxes", "--user", "ann").check(t, 0, "", "")
	dir := t.TempDir()
	var files []string
	for i := range 4 {
		files = append(files, writeFile(t, filepath.Join(dir, fmt.Sprintf("ann%d.txt", i)), []byte(fmt.Sprintf("letter number %d", i))))
	}
	d.run(t, nil, append([]string{"upload", "--user", "ann", "--no-classify"}, files...)...).check(t, 0, "", "")
	d.run(t, nil, "upload", "--user", "bob", "--no-classify", writeFile(t, filepath.Join(dir, "bob.txt"), []byte("bob's"))).check(t, 0, "", "")
	db := d.dep.AdminDB(t)
	var ann []string
	if err := db.Select(&ann, `SELECT d.id FROM documents d JOIN users u ON u.id = d.user_id WHERE u.handle = 'ann' ORDER BY d.filename`); err != nil {
		t.Fatal(err)
	}
	var bobs string
	if err := db.Get(&bobs, `SELECT d.id FROM documents d JOIN users u ON u.id = d.user_id WHERE u.handle = 'bob'`); err != nil {
		t.Fatal(err)
	}
	// As the worker would have read them (uploaded --no-classify).
	if _, err := db.Exec(`UPDATE documents SET extracted_text = 'a letter' WHERE id <> $1`, bobs); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := db.Get(&n, q); err != nil {
			t.Fatal(err)
		}
		return n
	}
	bulk := func(args ...string) []string { return append([]string{"doc", "bulk", "--user", "ann"}, args...) }

	d.run(t, nil, bulk("--ids", ann[0]+","+ann[1], "--add-topic", "Finance,Tax")...).check(t, 0, "add_topics: matched 2, changed 2\n", "")
	if n := count(`SELECT count(*) FROM document_topics WHERE source = 'manual'`); n != 4 {
		t.Errorf("%d manual assignments, want 4", n)
	}
	d.runIn(t, strings.Join(ann[1:3], "\n")+"\n", nil, bulk("--ids-from", "-", "--set-topic", "Tax")...).check(t, 0, "set_topics: matched 2, changed 2\n", "")
	d.run(t, nil, bulk("--topic", "Tax", "--move", "Taxes")...).check(t, 0, "move: matched 3, changed 3\n", "")
	d.run(t, nil, bulk("--folder", "Taxes", "--remove-topic", "Finance", "--json")...).check(t, 0, `"matched":3,"changed":1`, "")
	d.run(t, nil, bulk("--query", "letter", "--share", "bob:edit")...).check(t, 0, "share: matched 4, changed 4\n", "")
	d.run(t, nil, bulk("--ids", ann[3], "--reclassify", "--dry-run")...).check(t, 0, "reclassify: matched 1, would change (dry run: nothing changed) 1\n", "")
	if n := count(`SELECT count(*) FROM audit_log WHERE metadata->>'bulk' = 'true'`); n != 2+2+3+1+4 {
		t.Errorf("%d bulk audit rows, want %d", n, 2+2+3+1+4)
	}

	// bob's document among ann's: nothing changed, exit 1, which one said.
	before := count(`SELECT count(*) FROM document_topics`)
	d.run(t, nil, bulk("--ids", ann[0]+","+bobs, "--set-topic", "")...).check(t, 1, "", "document 2 of 2 (id "+bobs+") is not yours")
	d.run(t, nil, bulk("--ids", ann[0], "--add-topic", "Nope")...).check(t, 1, "", `no topic "Nope"`)
	if after := count(`SELECT count(*) FROM document_topics`); after != before {
		t.Errorf("refused runs changed topics: %d, then %d", before, after)
	}
	d.run(t, nil, bulk("--ids", ann[0])...).check(t, 64, "", "give one action")
	d.run(t, nil, bulk("--ids", ann[0], "--trash", "--reclassify")...).check(t, 64, "", "give one action, not")
	d.run(t, nil, bulk("--trash")...).check(t, 64, "", "say which documents")
	d.run(t, nil, bulk("--ids", ann[0], "--share", "bob")...).check(t, 64, "", "HANDLE:view or HANDLE:edit")
	d.run(t, nil, bulk("--status", "lost", "--reclassify")...).check(t, 64, "", "status")

	d.run(t, nil, bulk("--ids", ann[0]+","+ann[1], "--trash")...).check(t, 0, "trash: matched 2, changed 2\n", "")
	if n := count(`SELECT count(*) FROM documents WHERE trashed_at IS NULL`); n != 3 {
		t.Errorf("%d documents outside the trash, want 3", n)
	}
	if n := count(`SELECT count(*) FROM documents WHERE trashed_at IS NOT NULL`); n != 2 {
		t.Errorf("%d documents in the trash, want 2", n)
	}
}
