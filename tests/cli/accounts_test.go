package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestUserPasswdAndRm: an account made as the README shows (no password)
// is told it cannot sign in, gets one with `user passwd --password-stdin`
// (the policy refusing weak ones) and signs in over the API; `user rm`
// deletes it with its documents and objects (fsck clean) and refuses the
// last administrator.
func TestUserPasswdAndRm(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "created user ann", "cannot sign in until one is set: docuvault user passwd ann")
	d.run(t, nil, "user", "passwd", "ann").check(t, 64, "", "--password-stdin")
	d.runIn(t, "123456789012\n", nil, "user", "passwd", "ann", "--password-stdin").check(t, 64, "", "password too common")
	d.runIn(t, "short\n", nil, "user", "passwd", "ann", "--password-stdin").check(t, 64, "", "at least 10 characters")
	d.runIn(t, "ann@example.org\n", nil, "user", "passwd", "ann", "--password-stdin").check(t, 64, "", "handle or e-mail")
	d.runIn(t, "a pass phrase for ann\n", nil, "user", "passwd", "nobody", "--password-stdin").check(t, 1, "", "no such user")
	d.runIn(t, "a pass phrase for ann\n", nil, "user", "passwd", "ann", "--password-stdin").check(t, 0, "password of ann set", "")
	d.runIn(t, "root's pass phrase\n", nil, "user", "add", "root", "--email", "root@example.org", "--admin", "--password-stdin").check(t, 0, "created user root", "")
	d.runIn(t, "weak\n", nil, "user", "add", "eve", "--email", "eve@example.org", "--password-stdin").check(t, 64, "", "password too short")

	s := d.serve(t, nil)
	var tok tokens
	if code := (apiClient{t: t, base: s.url}).json("POST", "/api/auth/login", map[string]string{"handle": "ann", "password": "a pass phrase for ann"}, &tok); code != 200 {
		t.Fatalf("login with the password set by user passwd: %d", code)
	}

	dir := t.TempDir()
	a := writeFile(t, filepath.Join(dir, "a.txt"), []byte("ann's first note"))
	b := writeFile(t, filepath.Join(dir, "b.txt"), []byte(strings.Repeat("ann's second, longer note ", 20000)))
	d.run(t, nil, "upload", "--user", "ann", a, b).check(t, 0, "stored", "")

	r := d.run(t, nil, "user", "export", "ann")
	r.check(t, 0, `"handle": "ann"`, "")
	var export map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &export); err != nil || strings.Contains(r.stdout, "argon2") {
		t.Fatalf("export: %v\n%s", err, r.stdout)
	}
	if docs, _ := export["documents"].([]any); len(docs) != 2 {
		t.Fatalf("export has %d documents", len(docs))
	}

	d.run(t, nil, "user", "rm", "ann").check(t, 64, "", "pass --yes")
	d.run(t, nil, "user", "rm", "root", "--yes").check(t, 1, "", "last active administrator")
	d.run(t, nil, "user", "rm", "ann", "--yes").check(t, 0, "deleted user ann (2 documents)", "")
	d.run(t, nil, "user", "list").check(t, 0, "root", "")
	if r := d.run(t, nil, "user", "list"); strings.Contains(r.stdout, "ann") {
		t.Fatalf("ann is still listed:\n%s", r.stdout)
	}
	d.run(t, nil, "fsck", "--grace", "0").check(t, 0, "", "")
	var me map[string]any
	if code := (apiClient{t: t, base: s.url, token: tok.AccessToken}).call("GET", "/api/me", nil, "", &me); code != 401 {
		t.Fatalf("the deleted account's session: %d", code)
	}
	d.run(t, nil, "user", "rm", "ann", "--yes").check(t, 1, "", "no such user")
}
