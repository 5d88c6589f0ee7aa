package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebAccountsDoneWhen drives accounts_done.mjs, issue 24's done-when
// in one story: an account made with `docuvault user add` gets its password
// from `docuvault user passwd` and signs in; it turns on TOTP and can then
// sign in only with a code; a second person signs in through a real Dex and
// lands in a group that sees a shared folder's document; the first person
// ends their second browser's session from Settings and it is signed out.
// The database is checked afterwards.
func TestWebAccountsDoneWhen(t *testing.T) {
	sso := newSSOSetup(t)
	root, node, chromium, e, dep, dex, base, cfg, port := sso.root, sso.node, sso.chromium, sso.e, sso.dep, sso.dex, sso.base, sso.cfg, sso.port

	// The account as the README makes it: no password, then one from the CLI.
	add := e.command(context.Background(), t, "user", "add", "ann", "--email", "ann@example.org")
	if out, err := add.CombinedOutput(); err != nil || !strings.Contains(string(out), "cannot sign in until one is set") {
		t.Errorf("user add without a password: %v, says %q", err, out)
	}
	const annPass = "ann's long pass phrase"
	e.run(t, annPass+"\n", "user", "passwd", "ann", "--password-stdin")
	e.run(t, "", "group", "add", "Household")
	e.run(t, "", "group", "members", "Household", "--add", "ann")
	e.run(t, "", "folder", "add", "Home", "--user", "ann")
	doc := filepath.Join(t.TempDir(), "boiler-service.txt")
	if err := os.WriteFile(doc, []byte("the boiler's yearly service report"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.run(t, "", "upload", doc, "--user", "ann", "--no-classify")
	db := dep.AdminDB(t)
	var id string
	if err := db.Get(&id, `SELECT id FROM documents WHERE filename = 'boiler-service.txt'`); err != nil {
		t.Fatal(err)
	}
	e.run(t, "", "doc", "bulk", "--user", "ann", "--ids", id, "--move", "Home")
	e.run(t, "", "folder", "share", "Home", "--group", "Household", "--user", "ann")

	logs := &testenv.SyncBuffer{}
	serveOn(t, e, logs, cfg, fmt.Sprintf("127.0.0.1:%d", port))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve logs:\n%s\ndex logs:\n%s", logs, dex.Log)
		}
	})
	runScript(t, root, node, chromium, base, "accounts_done", "accounts_done", "ANN_PASSWORD="+annPass, "DOC_NAME=boiler-service.txt")

	var totpOn int
	if err := db.Get(&totpOn, `SELECT count(*) FROM totp_factors f JOIN users u ON u.id = f.user_id WHERE u.handle = 'ann' AND f.enabled`); err != nil || totpOn != 1 {
		t.Errorf("ann's confirmed second factors: %d %v", totpOn, err)
	}
	var groups []string
	if err := db.Select(&groups, `SELECT g.name FROM group_members m JOIN groups g ON g.id = m.group_id JOIN users u ON u.id = m.user_id WHERE u.handle = 'kilgore'`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(groups, ",") != "Household" {
		t.Errorf("the signed-on person's groups: %v", groups)
	}
	var open, ended int
	if err := db.Get(&open, `SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.handle = 'ann' AND s.ended_at IS NULL`); err != nil || open != 1 {
		t.Errorf("ann's open sessions: %d %v (want 1: the browser that ended the other)", open, err)
	}
	if err := db.Get(&ended, `SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.handle = 'ann' AND s.ended_at IS NOT NULL`); err != nil || ended != 1 {
		t.Errorf("ann's ended sessions: %d %v", ended, err)
	}
}
