package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVersionCommands: upload --new-version-of, doc versions, doc version
// get / restore / rm; quota counts every version; a version over quota is
// refused with the figures; fsck stays clean.
func TestVersionCommands(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org", "--quota", "1KiB").check(t, 0, "", "")
	dir := t.TempDir()
	v1 := writeFile(t, filepath.Join(dir, "note.txt"), []byte("the first text"))
	v2 := writeFile(t, filepath.Join(dir, "note-v2.txt"), []byte("the second, better text"))
	big := writeFile(t, filepath.Join(dir, "big.txt"), []byte(strings.Repeat("text ", 400)))
	d.run(t, nil, "upload", "--no-classify", v1).check(t, 0, "stored", "")
	db := d.dep.AdminDB(t)
	var id string
	if err := db.Get(&id, `SELECT id FROM documents`); err != nil {
		t.Fatal(err)
	}
	d.run(t, nil, "upload", "--new-version-of", id[:8], v2).check(t, 0, "the previous content is version 1", "")
	d.run(t, nil, "upload", "--new-version-of", id, v1, v2).check(t, 64, "", "takes one FILE")
	d.run(t, nil, "upload", "--new-version-of", id, big).check(t, 1, "", "over quota: 2.0 KiB more would exceed the limit")
	d.run(t, nil, "doc", "versions", id).check(t, 0, "note.txt", "")
	out := filepath.Join(dir, "got.txt")
	d.run(t, nil, "doc", "version", "get", id, "1", "-o", out).check(t, 0, "", "")
	if b, err := os.ReadFile(out); err != nil || string(b) != "the first text" {
		t.Errorf("version 1: %q, %v", b, err)
	}
	var used int64
	if err := db.Get(&used, `SELECT used_bytes FROM quotas`); err != nil || used != int64(len("the first text")+len("the second, better text")) {
		t.Errorf("quota %d, %v", used, err)
	}
	d.run(t, nil, "doc", "version", "restore", id, "1").check(t, 0, "replaced content is version 2", "")
	d.run(t, nil, "doc", "version", "restore", id, "1").check(t, 1, "", "has no such version")
	d.run(t, nil, "doc", "version", "rm", id, "x").check(t, 64, "", "not a version number")
	d.run(t, nil, "fsck", "--grace", "0").check(t, 0, "nothing to repair", "")
	d.run(t, nil, "doc", "version", "rm", id, "2").check(t, 0, "deleted version 2", "")
	if err := db.Get(&used, `SELECT used_bytes FROM quotas`); err != nil || used != int64(len("the first text")) {
		t.Errorf("quota after rm %d, %v", used, err)
	}
	d.run(t, nil, "fsck", "--grace", "0").check(t, 0, "nothing to repair", "")
}
