package api

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/pkg/transfer"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

// untar reads a small tar into memory.
func untar(t *testing.T, b []byte) (map[string][]byte, []string) {
	t.Helper()
	out, order := map[string][]byte{}, []string{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, order
		}
		if err != nil {
			t.Fatalf("the export is no tar: %v", err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name], order = body, append(order, h.Name)
	}
}

// retar writes files back as a tar, in order.
func retar(t *testing.T, files map[string][]byte, order []string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range order {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(files[name])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(files[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestTransferAPI: a user downloads an export of their own vault (only
// theirs, no password hash, audited); only admins export others or import;
// an admin's import into another deployment brings the documents back,
// sending it again changes nothing, and a changed, truncated, foreign or
// newer-schema tar is refused with a 4xx and nothing imported.
func TestTransferAPI(t *testing.T) {
	e := newEnv(t, envOptions{})
	if _, err := users.Create(context.Background(), e.db, users.NewUser{HashCost: testenv.HashCost(), Handle: "carol", Email: "carol@example.org", Password: "password-carol"}); err != nil {
		t.Fatal(err)
	}
	carol, bob, root := e.login("carol"), e.login("bob"), e.login("root")
	carol.uploadOne("first.txt", "carol's first document")
	carol.uploadOne("second.txt", "carol's second document")
	bob.uploadOne("bobs.txt", "bob's own document")

	res := carol.request("GET", "/api/export", nil, "", nil).want(200)
	if ct, cd := res.header.Get("Content-Type"), res.header.Get("Content-Disposition"); ct != "application/x-tar" || !strings.Contains(cd, "docuvault-carol-") {
		t.Errorf("export headers: %q, %q", ct, cd)
	}
	files, order := untar(t, res.body)
	var m transfer.Manifest
	if err := json.Unmarshal(files[transfer.ManifestPath], &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Users) != 1 || m.Users[0] != "carol" || m.Counts["documents"] != 2 || m.Counts["objects"] != 2 || m.WithSecrets {
		t.Errorf("carol's export: %+v", m)
	}
	if strings.Contains(string(files["data/users.jsonl"]), "password_hash") || strings.Contains(string(files["data/documents.jsonl"]), "bobs.txt") {
		t.Errorf("carol's export holds a password hash or bob's document")
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'vault_transfer' AND actor_id = $1 AND metadata->>'action' = 'export'`, e.users["bob"].ID); n != 0 {
		t.Errorf("%d export events by bob", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_id WHERE a.event_type = 'vault_transfer' AND u.handle = 'carol'`); n != 1 {
		t.Errorf("%d export events by carol, want 1", n)
	}

	// Admins only; an unknown user is a 404.
	bob.request("GET", "/api/admin/export", nil, "", nil).wantError(403, "forbidden")
	bob.request("POST", "/api/admin/import", bytes.NewReader(res.body), "application/x-tar", nil).wantError(403, "forbidden")
	root.request("GET", "/api/admin/export?user=nobody", nil, "", nil).wantError(404, "not_found")
	whole := root.request("GET", "/api/admin/export", nil, "", nil).want(200).body
	if all, _ := untar(t, whole); !strings.Contains(string(all["data/documents.jsonl"]), "bobs.txt") {
		t.Error("the admin's export lacks bob's document")
	}

	// Into another deployment.
	e2 := newEnv(t, envOptions{})
	root2 := e2.login("root")
	nothing := func(what string) {
		t.Helper()
		if u, d, o := e2.count(`SELECT count(*) FROM users`), e2.count(`SELECT count(*) FROM documents`), e2.objects(); u != 3 || d != 0 || o != 0 {
			t.Errorf("%s: %d users, %d documents, %d objects after the refusal", what, u, d, o)
		}
	}
	// One changed byte in an object: 422 naming it.
	var victim string
	for _, name := range order {
		if strings.HasPrefix(name, "objects/") && bytes.Contains(files[name], []byte("second")) {
			victim = name
		}
	}
	changed := bytes.Replace(res.body, []byte("carol's second"), []byte("carol's Second"), 1)
	r := root2.request("POST", "/api/admin/import", bytes.NewReader(changed), "application/x-tar", nil).wantError(422, "tampered")
	if !strings.Contains(string(r.body), victim) {
		t.Errorf("the refusal does not name %s: %s", victim, r.body)
	}
	nothing("tampered")
	root2.request("POST", "/api/admin/import", bytes.NewReader(res.body[:len(res.body)/2]), "application/x-tar", nil).wantError(422, "incomplete")
	nothing("truncated")
	root2.request("POST", "/api/admin/import", strings.NewReader(strings.Repeat("not a tar file ", 100)), "application/x-tar", nil).wantError(422, "not_export")
	nothing("not a tar")
	newer := map[string][]byte{}
	for k, v := range files {
		newer[k] = v
	}
	newer[transfer.ManifestPath] = bytes.Replace(files[transfer.ManifestPath], []byte(m.SchemaVersion), []byte("9999_from_the_future.sql"), 1)
	r = root2.request("POST", "/api/admin/import", bytes.NewReader(retar(t, newer, order)), "application/x-tar", nil).wantError(422, "newer_schema")
	if !strings.Contains(string(r.body), "9999_from_the_future.sql") {
		t.Errorf("the newer-schema refusal: %s", r.body)
	}
	nothing("newer schema")
	root2.request("POST", "/api/admin/import", nil, "application/x-tar", nil).wantError(400, "malformed")

	var got importResult
	root2.request("POST", "/api/admin/import", bytes.NewReader(res.body), "application/x-tar", nil).want(200).decode(&got)
	if got.Users != 1 || got.Documents != 2 || got.ObjectsStored != 2 {
		t.Errorf("import: %+v", got)
	}
	root2.request("POST", "/api/admin/import", bytes.NewReader(res.body), "application/x-tar", nil).want(200).decode(&got)
	if got.Users != 0 || got.Documents != 0 || got.ObjectsStored != 0 || got.ObjectsKept != 2 {
		t.Errorf("the same import again: %+v", got)
	}
	if d, o := e2.count(`SELECT count(*) FROM documents`), e2.objects(); d != 2 || o != 2 {
		t.Errorf("after the imports: %d documents, %d objects", d, o)
	}
	if n := e2.count(`SELECT count(*) FROM audit_log WHERE event_type = 'vault_transfer' AND metadata->>'action' = 'import' AND actor_id = $1`, e2.users["root"].ID); n != 2 {
		t.Errorf("%d import events, want 2", n)
	}
	// The whole vault holds an ann and a bob, who are other accounts here.
	root2.request("POST", "/api/admin/import", bytes.NewReader(whole), "application/x-tar", nil).wantError(409, "conflict")
}
