package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// curl runs curl with args and returns the HTTP status and the body.
func curl(t *testing.T, args ...string) (string, string) {
	t.Helper()
	out, err := exec.Command("curl", append([]string{"-sS", "-w", "\n%{http_code}"}, args...)...).Output()
	if err != nil {
		t.Fatalf("curl %v: %v", args, err)
	}
	s := strings.TrimRight(string(out), "\n")
	i := strings.LastIndex(s, "\n")
	if i < 0 {
		return s, ""
	}
	return s[i+1:], s[:i]
}

// TestPersonalAPITokenUploadsWithCurl: a token made with `docuvault token
// add` uploads a PDF as a phone scan app would, with curl against a real
// `docuvault serve`; a read token cannot upload, a revoked token is
// refused at once, a disabled account's token too; every change is in the
// audit log with the token's name, and the secret nowhere but the output
// of token add.
func TestPersonalAPITokenUploadsWithCurl(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")

	r := d.run(t, nil, "token", "add", "phone scanner", "--scope", "upload,read", "--expires", "30d")
	r.check(t, 0, "dvt_", "shown this once")
	token := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(token, "dvt_") || len(token) != 47 || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("token add printed %q: want the token alone", r.stdout)
	}
	r = d.run(t, nil, "token", "add", "reader", "--scope", "read")
	r.check(t, 0, "dvt_", "")
	reader := strings.TrimSpace(r.stdout)

	// Bad input: one line, exit 64.
	d.run(t, nil, "token", "add", "x", "--scope", "write").check(t, 64, "", `unknown scope "write"`)
	d.run(t, nil, "token", "add", "x").check(t, 64, "", "--scope")
	d.run(t, nil, "token", "add", "x", "--scope", "read", "--expires", "2001-01-01").check(t, 64, "", "has passed")
	d.run(t, nil, "token", "add", "Phone Scanner", "--scope", "read").check(t, 1, "", "already have a token named")

	s := d.serve(t, nil)
	pdf, err := os.ReadFile("../../pkg/worker/testdata/groff-ms.pdf")
	if err != nil {
		t.Fatal(err)
	}
	scan := writeFile(t, filepath.Join(t.TempDir(), "scan.pdf"), pdf)

	// The phone app: curl -H "Authorization: Bearer $TOKEN" -F file=@scan.pdf …/api/documents
	code, body := curl(t, "-H", "Authorization: Bearer "+token, "-F", "file=@"+scan, s.url+"/api/documents")
	if code != "201" {
		t.Fatalf("upload with the token: %s %s", code, body)
	}
	var up struct {
		Results []struct {
			Document struct {
				ID          string `json:"id"`
				Filename    string `json:"filename"`
				ContentType string `json:"content_type"`
			} `json:"document"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(body), &up); err != nil || len(up.Results) != 1 || up.Results[0].Document.Filename != "scan.pdf" ||
		up.Results[0].Document.ContentType != "application/pdf" {
		t.Fatalf("upload answer %s (%v)", body, err)
	}
	docID := up.Results[0].Document.ID
	db := d.dep.AdminDB(t)
	var owner string
	if err := db.Get(&owner, `SELECT u.handle FROM documents d JOIN users u ON u.id = d.user_id WHERE d.id = $1`, docID); err != nil || owner != "ann" {
		t.Fatalf("document %s owned by %q (%v)", docID, owner, err)
	}

	// The read token lists and downloads, but cannot upload.
	code, body = curl(t, "-H", "Authorization: Bearer "+reader, s.url+"/api/documents")
	if code != "200" || !strings.Contains(body, docID) {
		t.Fatalf("list with the read token: %s %s", code, body)
	}
	code, body = curl(t, "-H", "Authorization: Bearer "+reader, "-o", "/dev/null", s.url+"/api/documents/"+docID+"/content")
	if code != "200" {
		t.Fatalf("download with the read token: %s %s", code, body)
	}
	code, body = curl(t, "-H", "Authorization: Bearer "+reader, "-F", "file=@"+scan, s.url+"/api/documents")
	if code != "403" || !strings.Contains(body, "insufficient_scope") || !strings.Contains(body, `\"upload\"`) {
		t.Fatalf("upload with the read token: %s %s", code, body)
	}
	// No token may manage tokens, whatever its scopes.
	code, body = curl(t, "-H", "Authorization: Bearer "+token, s.url+"/api/tokens")
	if code != "403" || !strings.Contains(body, "token_not_allowed") {
		t.Fatalf("token list with a token: %s %s", code, body)
	}

	// Listed with its last use; the secret is in no table and no log.
	r = d.run(t, nil, "token", "list")
	r.check(t, 0, "phone scanner", "")
	if strings.Contains(r.stdout, token) || !strings.Contains(r.stdout, "read,upload") {
		t.Errorf("token list:\n%s", r.stdout)
	}
	var used int
	if err := db.Get(&used, `SELECT count(*) FROM api_tokens WHERE name = 'phone scanner' AND last_used_at IS NOT NULL`); err != nil || used != 1 {
		t.Errorf("last_used_at not set (%d, %v)", used, err)
	}
	var labels []string
	if err := db.Select(&labels, `SELECT event_type || ' ' || coalesce(actor_label, '-') FROM audit_log ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	all := strings.Join(labels, "\n")
	for _, want := range []string{"api_token_change cli:", "upload token:phone scanner", "download token:reader"} {
		if !strings.Contains(all, want) {
			t.Errorf("audit log lacks %q:\n%s", want, all)
		}
	}
	var leaks int
	if err := db.Get(&leaks, `SELECT count(*) FROM audit_log WHERE metadata::text LIKE '%dvt_%'`); err != nil || leaks != 0 {
		t.Errorf("%d audit rows hold a token (%v)", leaks, err)
	}
	if strings.Contains(s.logs.String(), token[4:]) || strings.Contains(s.logs.String(), reader[4:]) {
		t.Errorf("serve logged a token")
	}

	// Revoked: refused at once (no cache).
	d.run(t, nil, "token", "rm", "READER").check(t, 0, `revoked API token "reader"`, "")
	code, body = curl(t, "-H", "Authorization: Bearer "+reader, s.url+"/api/documents")
	if code != "401" || !strings.Contains(body, "invalid_token") {
		t.Fatalf("revoked token: %s %s", code, body)
	}
	d.run(t, nil, "token", "rm", "reader").check(t, 1, "", "not found")

	// A disabled account's token is refused.
	if _, err := db.Exec(`UPDATE users SET is_active = false WHERE handle = 'ann'`); err != nil {
		t.Fatal(err)
	}
	code, body = curl(t, "-H", "Authorization: Bearer "+token, s.url+"/api/documents")
	if code != "403" || !strings.Contains(body, "account_disabled") {
		t.Fatalf("disabled account's token: %s %s", code, body)
	}
}
