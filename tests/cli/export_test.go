package cli

import (
	"archive/tar"
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/transfer"
)

// exportSource is a deployment with two users and, for ann: a topic with
// a rule and a description, a document with a second version, a note and
// the topic, a second document shared with bob and then trashed, a share
// link (so --with-secrets has one), a group of both that the first
// document is shared with, a folder shared with the group, and a single
// sign-on identity.
func exportSource(t *testing.T) *deployment {
	t.Helper()
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	d.run(t, nil, "user", "add", "bob", "--email", "bob@example.org").check(t, 0, "", "")
	d.run(t, nil, "topic", "add", "Invoices", "--user", "ann", "--description", "bills to pay", "--match", "invoice", "--algorithm", "any").check(t, 0, "", "")
	dir := t.TempDir()
	env := map[string]string{"DOCUVAULT_USER": "ann"}
	d.run(t, env, "upload", "--no-classify", writeFile(t, filepath.Join(dir, "a.txt"), []byte("invoice alpha, first"))).check(t, 0, "stored", "")
	d.run(t, env, "upload", "--no-classify", writeFile(t, filepath.Join(dir, "b.txt"), []byte("beta text"))).check(t, 0, "stored", "")
	db := d.dep.AdminDB(t)
	id := func(name string) string {
		t.Helper()
		var id string
		if err := db.Get(&id, `SELECT id FROM documents WHERE filename = $1`, name); err != nil {
			t.Fatal(err)
		}
		return id
	}
	a, b := id("a.txt"), id("b.txt")
	// ann signed in once with single sign-on (an identity travels with her).
	if _, err := db.Exec(`INSERT INTO oidc_identities (provider, subject, user_id, email) SELECT 'corp', 'ann-at-corp', id, email FROM users WHERE handle = 'ann'`); err != nil {
		t.Fatal(err)
	}
	d.run(t, env, "upload", "--new-version-of", a, writeFile(t, filepath.Join(dir, "a2.txt"), []byte("invoice alpha, corrected"))).check(t, 0, "version 1", "")
	d.run(t, env, "note", "add", a, "paid on the 3rd").check(t, 0, "", "")
	d.run(t, env, "doc", "topics", a, "--set", "Invoices").check(t, 0, "", "")
	d.run(t, env, "doc", "bulk", "--ids", b, "--share", "bob:view").check(t, 0, "", "")
	d.run(t, env, "link", "add", a, "--expires", "7d").check(t, 0, "", "")
	d.run(t, nil, "group", "add", "Household").check(t, 0, "", "")
	d.run(t, nil, "group", "members", "Household", "--add", "ann,bob").check(t, 0, "", "")
	d.run(t, env, "group", "share", "Household", a, "--permission", "edit").check(t, 0, "", "")
	d.run(t, env, "folder", "add", "Bills").check(t, 0, "", "")
	d.run(t, env, "folder", "share", "Bills", "--group", "Household").check(t, 0, "", "")
	d.run(t, env, "doc", "rm", b).check(t, 0, "trashed", "")
	return d
}

func readManifest(t *testing.T, r io.Reader) transfer.Manifest {
	t.Helper()
	var m transfer.Manifest
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// tarFiles returns the tar's entries (small test exports only).
func tarFiles(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = b
	}
}

func dirFiles(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func lines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// TestExportImportRoundTrip: export to a tar → import into a fresh
// database and bucket → fsck clean → export again to a directory: the same
// manifest (but for its time and the audit log, which gained the import's
// event) and byte-identical files; the trashed document, the second
// version, the note, the share and the topic with its rule are back.
// A second import changes nothing.
func TestExportImportRoundTrip(t *testing.T) {
	src := exportSource(t)
	tmp := t.TempDir()
	tarPath := filepath.Join(tmp, "vault.tar")
	src.run(t, nil, "export", tarPath, "--with-secrets").check(t, 0, "exported 2 user(s), 2 document(s), 1 version(s), 3 object(s)", "")
	src.run(t, nil, "export", tarPath).check(t, 1, "", "must not exist")

	dst := deployed(t)
	dst.run(t, nil, "import", tarPath).check(t, 0, "imported 2 user(s), 2 document(s), 1 version(s), 1 note(s); 3 object(s) stored", "")
	dst.run(t, nil, "fsck", "--grace", "0").check(t, 0, "nothing to repair", "")
	dst.run(t, nil, "import", tarPath).check(t, 0, "imported 0 user(s), 0 document(s), 0 version(s), 0 note(s); 0 object(s) stored, 3 already there", "")
	dst.run(t, nil, "fsck", "--grace", "0").check(t, 0, "nothing to repair", "")
	dst.run(t, map[string]string{"DOCUVAULT_USER": "ann"}, "trash", "list").check(t, 0, "b.txt", "")
	dst.run(t, map[string]string{"DOCUVAULT_USER": "ann"}, "search", "paid").check(t, 0, "a2.txt", "")
	dst.run(t, map[string]string{"DOCUVAULT_USER": "bob"}, "folder", "shares", "--received").check(t, 0, "Bills   ann    group Household  view", "")

	again := filepath.Join(tmp, "again")
	dst.run(t, nil, "export", again, "--with-secrets").check(t, 0, "exported 2 user(s)", "")

	first, second := tarFiles(t, tarPath), dirFiles(t, again)
	m1 := readManifest(t, strings.NewReader(string(first[transfer.ManifestPath])))
	m2 := readManifest(t, strings.NewReader(string(second[transfer.ManifestPath])))
	for _, k := range []string{"documents", "document_versions", "notes", "shares", "topics", "share_links", "document_topics", "groups", "group_members", "group_shares", "folder_shares", "oidc_identities"} {
		if m1.Counts[k] == 0 {
			t.Errorf("the export has no %s: %v", k, m1.Counts)
		}
	}
	// The audit log gained the two imports' events, and only those.
	a1, a2 := lines(first["data/audit.jsonl"]), lines(second["data/audit.jsonl"])
	if len(a2) != len(a1)+2 || !reflect.DeepEqual(a1, a2[:len(a1)]) || !strings.Contains(a2[len(a1)], `"vault_transfer"`) || !strings.Contains(a2[len(a1)+1], `"vault_transfer"`) {
		t.Errorf("audit after the round trip:\n%s\nwant the export's and the imports' events:\n%s", strings.Join(a2, "\n"), strings.Join(a1, "\n"))
	}
	m2.Counts["audit"] -= 2
	strip := func(m *transfer.Manifest) {
		m.Created = m1.Created
		var files []transfer.FileSum
		for _, f := range m.Files {
			if f.Path != "data/audit.jsonl" {
				files = append(files, f)
			}
		}
		m.Files = files
	}
	strip(&m1)
	strip(&m2)
	if !reflect.DeepEqual(m1, m2) {
		t.Errorf("manifests differ:\n%+v\n%+v", m1, m2)
	}
	delete(first, "data/audit.jsonl")
	delete(second, "data/audit.jsonl")
	delete(first, transfer.ManifestPath)
	delete(second, transfer.ManifestPath)
	if len(first) != len(second) {
		t.Errorf("%d files, then %d", len(first), len(second))
	}
	for p, b := range first {
		if string(second[p]) != string(b) {
			t.Errorf("%s differs after the round trip", p)
		}
	}
	// Both versions download (after the second export: downloads are audited).
	var a string
	if err := dst.dep.AdminDB(t).Get(&a, `SELECT id FROM documents WHERE filename = 'a2.txt'`); err != nil {
		t.Fatal(err)
	}
	dst.run(t, map[string]string{"DOCUVAULT_USER": "ann"}, "doc", "get", a, "-o", "-").check(t, 0, "invoice alpha, corrected", "")
	dst.run(t, map[string]string{"DOCUVAULT_USER": "ann"}, "doc", "version", "get", a, "1", "-o", "-").check(t, 0, "invoice alpha, first", "")

	// Without --with-secrets: no password hashes, no share links.
	plain := filepath.Join(tmp, "plain")
	src.run(t, nil, "export", plain, "--user", "ann").check(t, 0, "exported 1 user(s)", "")
	files := dirFiles(t, plain)
	if _, ok := files["data/share_links.jsonl"]; ok || strings.Contains(string(files["data/users.jsonl"]), "password_hash") {
		t.Errorf("an export without --with-secrets holds secrets: %v", reflect.ValueOf(files).MapKeys())
	}
	src.run(t, nil, "export", filepath.Join(tmp, "nobody"), "--user", "nobody").check(t, 64, "", "no such user")
}

// TestImportFaults: a changed byte, a truncated tar and a newer schema are
// refused with nothing imported; an import cancelled half-way leaves no
// rows, and the next run finishes it without duplicates.
func TestImportFaults(t *testing.T) {
	src := exportSource(t)
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "vault")
	src.run(t, nil, "export", dir).check(t, 0, "3 object(s)", "")
	tarPath := filepath.Join(tmp, "vault.tar")
	src.run(t, nil, "export", tarPath).check(t, 0, "3 object(s)", "")
	dst := deployed(t)
	db, store := dst.dep.AppDB(t), dst.dep.AppStore(t)
	ctx := context.Background()
	count := func(table string) int {
		t.Helper()
		var n int
		if err := dst.dep.AdminDB(t).Get(&n, `SELECT count(*) FROM `+table); err != nil {
			t.Fatal(err)
		}
		return n
	}
	nothing := func(what string) {
		t.Helper()
		if u, d := count("users"), count("documents"); u != 0 || d != 0 {
			t.Errorf("%s: %d users and %d documents imported", what, u, d)
		}
		objects := 0
		if err := store.List(ctx, "", func(objectstore.Info) error { objects++; return nil }); err != nil {
			t.Fatal(err)
		}
		if objects != 0 {
			t.Errorf("%s: %d objects in the bucket", what, objects)
		}
	}

	// One changed byte in an object of the directory.
	var index []transfer.FileSum
	f, err := os.Open(filepath.Join(dir, transfer.IndexPath))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var fs transfer.FileSum
		if err := json.Unmarshal(sc.Bytes(), &fs); err != nil {
			t.Fatal(err)
		}
		index = append(index, fs)
	}
	f.Close()
	victim := filepath.Join(dir, filepath.FromSlash(index[len(index)-1].Path))
	orig, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	changed := append([]byte(nil), orig...)
	changed[0] ^= 1
	if err := os.WriteFile(victim, changed, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = transfer.Import(ctx, db, store, dir, transfer.ImportOptions{})
	var fe *transfer.FileError
	if !errors.Is(err, transfer.ErrTampered) || !errors.As(err, &fe) || fe.Path != index[len(index)-1].Path {
		t.Errorf("tampered object: %v, want ErrTampered naming %s", err, index[len(index)-1].Path)
	}
	dst.run(t, nil, "import", dir).check(t, 1, "", index[len(index)-1].Path)
	nothing("tampered")
	if err := os.WriteFile(victim, orig, 0o600); err != nil {
		t.Fatal(err)
	}

	// A truncated tar.
	whole, err := os.ReadFile(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(tmp, "short.tar")
	if err := os.WriteFile(short, whole[:len(whole)/2+100], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := transfer.Import(ctx, db, store, short, transfer.ImportOptions{}); !errors.Is(err, transfer.ErrIncomplete) {
		t.Errorf("truncated tar: %v, want ErrIncomplete", err)
	}
	dst.run(t, nil, "import", short).check(t, 1, "", "incomplete")
	nothing("truncated")

	// A newer schema.
	mpath := filepath.Join(dir, transfer.ManifestPath)
	mb, err := os.ReadFile(mpath)
	if err != nil {
		t.Fatal(err)
	}
	m := readManifest(t, strings.NewReader(string(mb)))
	if err := os.WriteFile(mpath, []byte(strings.Replace(string(mb), m.SchemaVersion, "9999_from_the_future.sql", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := transfer.Import(ctx, db, store, dir, transfer.ImportOptions{}); !errors.Is(err, transfer.ErrNewerSchema) {
		t.Errorf("newer schema: %v, want ErrNewerSchema", err)
	}
	dst.run(t, nil, "import", dir).check(t, 1, "", "9999_from_the_future.sql is newer than this DocuVault's")
	nothing("newer schema")
	if err := os.WriteFile(mpath, mb, 0o600); err != nil {
		t.Fatal(err)
	}

	// Cancelled after the first object: no rows; the next run finishes.
	cctx, cancel := context.WithCancel(ctx)
	_, err = transfer.Import(cctx, db, store, tarPath, transfer.ImportOptions{Progress: func(string) { cancel() }})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled import: %v, want context.Canceled", err)
	}
	if u := count("users"); u != 0 {
		t.Errorf("a cancelled import left %d users", u)
	}
	rep, err := transfer.Import(ctx, db, store, tarPath, transfer.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ObjectsKept < 1 || rep.ObjectsKept+rep.ObjectsStored != 3 || rep.Inserted["documents"] != 2 {
		t.Errorf("resumed import: %+v, want the objects stored before the cancel kept, the others stored, 2 documents", rep)
	}
	if d, v, n := count("documents"), count("document_versions"), count("notes"); d != 2 || v != 1 || n != 1 {
		t.Errorf("after the resumed import: %d documents, %d versions, %d notes", d, v, n)
	}
	dst.run(t, nil, "fsck", "--grace", "0").check(t, 0, "nothing to repair", "")

	// A merge: a user whose handle is another account's is refused.
	other := deployed(t)
	other.run(t, nil, "user", "add", "bob", "--email", "bob2@example.org").check(t, 0, "", "")
	other.run(t, nil, "import", dir).check(t, 1, "", "user bob")
	other.run(t, nil, "import", dir, "--user", "ann").check(t, 0, "imported 1 user(s), 2 document(s)", "")
	other.run(t, nil, "fsck", "--grace", "0").check(t, 0, "nothing to repair", "")
}
