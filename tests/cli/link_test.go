package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestLinkCommands: link add (a document with a password from stdin, an
// expiry and a download limit; a folder by path), link list, link rm,
// against a real `docuvault serve` opened with curl and no account: the
// password unlocks it, a wrong one is the missing link's 404, the limit
// holds, and a revoked link is gone. The token and password are in no
// audit row.
func TestLinkCommands(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	lease := writeFile(t, filepath.Join(t.TempDir(), "lease.txt"), []byte("the lease of the flat"))
	d.run(t, nil, "upload", lease, "--no-classify").check(t, 0, "lease.txt", "")
	d.run(t, nil, "folder", "add", "Taxes").check(t, 0, "", "")
	db := d.dep.AdminDB(t)
	var doc string
	if err := db.Get(&doc, `SELECT id FROM documents WHERE filename = 'lease.txt'`); err != nil {
		t.Fatal(err)
	}

	d.run(t, nil, "link", "add").check(t, 64, "", "DOC_ID or --folder")
	d.run(t, nil, "link", "add", doc, "--expires", "yesterday").check(t, 64, "", "--expires")
	d.runIn(t, "short\n", nil, "link", "add", doc, "--password-stdin").check(t, 64, "", "password too short")
	d.run(t, nil, "link", "add", "--folder", "Nope").check(t, 1, "", `no folder "Nope"`)

	r := d.runIn(t, "correct horse\n", nil, "link", "add", doc, "--password-stdin", "--expires", "7d", "--max-downloads", "1", "--base-url", "https://docs.example.org/")
	r.check(t, 0, "https://docs.example.org/s/", "shown this once")
	token := strings.TrimPrefix(strings.TrimSpace(r.stdout), "https://docs.example.org/s/")
	if len(token) != 43 {
		t.Fatalf("link add printed %q", r.stdout)
	}
	var f struct {
		ID    string `json:"id"`
		Token string `json:"token"`
		Name  string `json:"name"`
	}
	r = d.run(t, nil, "link", "add", "--folder", "Taxes", "--json")
	r.check(t, 0, `"token"`, "")
	if err := json.Unmarshal([]byte(r.stdout), &f); err != nil || f.Name != "Taxes" || len(f.Token) != 43 {
		t.Fatalf("folder link %q: %v", r.stdout, err)
	}
	r = d.run(t, nil, "link", "list")
	r.check(t, 0, "lease.txt", "")
	if !strings.Contains(r.stdout, "0/1") || !strings.Contains(r.stdout, "Taxes") || strings.Contains(r.stdout, token) {
		t.Errorf("link list:\n%s", r.stdout)
	}

	s := d.serve(t, nil)
	base := s.url + "/api/links/" + token
	if code, body := curl(t, base); code != "200" || !strings.Contains(body, `"locked":true`) || strings.Contains(body, "lease") {
		t.Errorf("locked link: %s %s", code, body)
	}
	_, missing := curl(t, "-X", "POST", "-H", "Content-Type: application/json", "-d", `{"password":"correct horse"}`, s.url+"/api/links/"+strings.Repeat("A", 43)+"/unlock")
	if code, body := curl(t, "-X", "POST", "-H", "Content-Type: application/json", "-d", `{"password":"wrong horse"}`, base+"/unlock"); code != "404" || body != missing {
		t.Errorf("wrong password: %s %s, missing link: %s", code, body, missing)
	}
	jar := filepath.Join(t.TempDir(), "jar")
	if code, _ := curl(t, "-c", jar, "-X", "POST", "-H", "Content-Type: application/json", "-d", `{"password":"correct horse"}`, base+"/unlock"); code != "200" {
		t.Fatalf("unlock: %s", code)
	}
	if code, body := curl(t, "-b", jar, base+"/download"); code != "200" || body != "the lease of the flat" {
		t.Errorf("download: %s %q", code, body)
	}
	if code, _ := curl(t, "-b", jar, base+"/download"); code != "404" {
		t.Errorf("second download of a one-download link: %s", code)
	}
	if code, body := curl(t, s.url+"/api/links/"+f.Token); code != "200" || !strings.Contains(body, `"name":"Taxes"`) {
		t.Errorf("folder link: %s %s", code, body)
	}
	d.run(t, nil, "link", "rm", f.ID).check(t, 0, "revoked share link", "")
	d.run(t, nil, "link", "rm", f.ID).check(t, 1, "", "does not exist")
	if code, body := curl(t, s.url+"/api/links/"+f.Token); code != "404" || body != missing {
		t.Errorf("revoked link: %s %s", code, body)
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM audit_log WHERE metadata::text LIKE '%' || $1 || '%' OR metadata::text LIKE '%horse%'`, token); err != nil || n != 0 {
		t.Errorf("token or password in %d audit rows (%v)", n, err)
	}
	if err := db.Get(&n, `SELECT count(*) FROM audit_log WHERE actor_label LIKE 'link:%' AND event_type = 'download'`); err != nil || n != 1 {
		t.Errorf("%d link downloads audited (%v), want 1", n, err)
	}
}
