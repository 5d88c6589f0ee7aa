package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLifeAcceptance is issue 23's "done when", on the command line and
// the public link routes: a user trashes and restores a document, uploads
// a second version and restores the first, writes a note that search
// finds, re-files 200 documents at once, sends a password-protected link
// that expires; an admin exports the whole vault and imports it into a
// fresh deployment where the versions, the note, the share, the link and
// the topics are back, with fsck clean.
func TestLifeAcceptance(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	d.run(t, nil, "user", "add", "bob", "--email", "bob@example.org").check(t, 0, "", "")
	ann := map[string]string{"DOCUVAULT_USER": "ann"}
	d.run(t, ann, "topic", "add", "Receipts", "--description", "shop receipts and purchases").check(t, 0, "", "")
	dir := t.TempDir()
	first := []byte("Lease of the flat, first draft.\n")
	d.run(t, ann, "upload", "--no-classify", writeFile(t, filepath.Join(dir, "lease.txt"), first)).check(t, 0, "stored", "")
	db := d.dep.AdminDB(t)
	var lease string
	if err := db.Get(&lease, `SELECT id FROM documents WHERE filename = 'lease.txt'`); err != nil {
		t.Fatal(err)
	}

	// Trash and restore.
	d.run(t, ann, "doc", "rm", lease).check(t, 0, "trashed  "+lease, "")
	if r := d.run(t, ann, "doc", "list"); strings.Contains(r.stdout, "lease.txt") {
		t.Errorf("a trashed document is listed:\n%s", r.stdout)
	}
	d.run(t, ann, "trash", "list").check(t, 0, "lease.txt", "")
	d.run(t, ann, "trash", "restore", lease).check(t, 0, "restored "+lease, "")
	d.run(t, ann, "doc", "list").check(t, 0, "lease.txt", "")

	// A second version, then the first restored as current.
	d.run(t, ann, "upload", "--new-version-of", lease, writeFile(t, filepath.Join(dir, "lease-signed.txt"), []byte("Lease of the flat, signed.\n"))).
		check(t, 0, "the previous content is version 1", "")
	d.run(t, ann, "doc", "version", "restore", lease, "1").check(t, 0, "replaced content is version 2", "")
	current := filepath.Join(dir, "current.txt")
	d.run(t, ann, "doc", "get", lease, "-o", current).check(t, 0, "", "")
	if got, err := os.ReadFile(current); err != nil || !bytes.Equal(got, first) {
		t.Fatalf("current content after restoring version 1: %q, %v", got, err)
	}

	// A note that search finds, and a share with bob.
	d.run(t, ann, "note", "add", lease, "the landlord wants the kestrel clause struck").check(t, 0, "", "")
	d.run(t, ann, "search", "kestrel").check(t, 0, "lease.txt", "")
	d.run(t, ann, "doc", "bulk", "--ids", lease, "--share", "bob:view").check(t, 0, "share: matched 1, changed 1", "")

	// 200 documents re-filed at once.
	many := filepath.Join(dir, "receipts")
	for i := range 200 {
		writeFile(t, filepath.Join(many, fmt.Sprintf("r%03d.txt", i)), fmt.Appendf(nil, "receipt number %d\n", i))
	}
	d.run(t, ann, "upload", "--no-classify", "--recursive", many).check(t, 0, "", "")
	var ids []string
	if err := db.Select(&ids, `SELECT id FROM documents WHERE filename LIKE 'r%.txt' ORDER BY filename`); err != nil || len(ids) != 200 {
		t.Fatalf("%d receipts (%v)", len(ids), err)
	}
	d.runIn(t, strings.Join(ids, "\n")+"\n", ann, "doc", "bulk", "--ids-from", "-", "--set-topic", "Receipts").check(t, 0, "set_topics: matched 200, changed 200", "")
	var filed int
	if err := db.Get(&filed, `SELECT count(*) FROM document_topics dt JOIN topics t ON t.id = dt.topic_id WHERE t.name = 'Receipts' AND dt.source = 'manual'`); err != nil || filed != 200 {
		t.Errorf("%d receipts filed by hand (%v), want 200", filed, err)
	}

	// A password-protected link that expires.
	r := d.runIn(t, "correct horse\n", ann, "link", "add", lease, "--password-stdin", "--expires", "7d")
	r.check(t, 0, "", "shown this once")
	token := strings.TrimSpace(r.stdout)
	s := d.serve(t, nil)
	base := s.url + "/api/links/" + token
	if code, body := curl(t, base); code != "200" || !strings.Contains(body, `"locked":true`) {
		t.Errorf("the link: %s %s", code, body)
	}
	var expiresInDays float64
	if err := db.Get(&expiresInDays, `SELECT extract(epoch FROM expires_at - now()) / 86400 FROM share_links`); err != nil || expiresInDays < 6.9 || expiresInDays > 7 {
		t.Errorf("the link expires in %.2f days (%v), want 7", expiresInDays, err)
	}
	jar := filepath.Join(t.TempDir(), "jar")
	if code, _ := curl(t, "-c", jar, "-X", "POST", "-H", "Content-Type: application/json", "-d", `{"password":"correct horse"}`, base+"/unlock"); code != "200" {
		t.Fatalf("unlock: %s", code)
	}
	if code, body := curl(t, "-b", jar, base+"/download"); code != "200" || body != string(first) {
		t.Errorf("download through the link: %s %q", code, body)
	}

	// The whole vault out, and into a fresh deployment.
	archive := filepath.Join(t.TempDir(), "vault.tar")
	d.run(t, nil, "export", archive, "--with-secrets").check(t, 0, "exported 2 user(s), 201 document(s), 1 version(s)", "")
	dst := deployed(t)
	dst.run(t, nil, "import", archive).check(t, 0, "imported 2 user(s), 201 document(s), 1 version(s), 1 note(s)", "")
	dst.run(t, nil, "fsck", "--grace", "0").check(t, 0, "nothing to repair", "")
	dst.run(t, ann, "doc", "versions", lease).check(t, 0, "lease-signed.txt", "")
	dst.run(t, ann, "search", "kestrel").check(t, 0, "lease.txt", "")
	dst.run(t, ann, "doc", "list", "--topic", "Receipts", "--limit", "1").check(t, 0, ".txt", "")
	ddb := dst.dep.AdminDB(t)
	for q, want := range map[string]int{
		`SELECT count(*) FROM document_topics dt JOIN topics t ON t.id = dt.topic_id WHERE t.name = 'Receipts'`: 200,
		`SELECT count(*) FROM shares`:      1,
		`SELECT count(*) FROM share_links`: 1,
		`SELECT count(*) FROM notes`:       1,
	} {
		var n int
		if err := ddb.Get(&n, q); err != nil || n != want {
			t.Errorf("imported: %s = %d (%v), want %d", q, n, err, want)
		}
	}
	got := filepath.Join(t.TempDir(), "imported.txt")
	dst.run(t, ann, "doc", "get", lease, "-o", got).check(t, 0, "", "")
	if b, err := os.ReadFile(got); err != nil || !bytes.Equal(b, first) {
		t.Errorf("imported current content %q, %v", b, err)
	}
}
