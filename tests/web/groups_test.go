package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebGroups drives groups.mjs: a group made and its members set on the
// Admin page, a document shared with it from the document's page, seen by
// a member under Shares on a phone, and the member's access ended at once
// when removed; then checks the database and the audit log.
// Screenshots land in the groups/ folder of the web screenshots.
func TestWebGroups(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	const rootPass, annPass, bobPass = "root's long password", "ann's long password", "bob's long password"
	e.run(t, rootPass+"\n", "user", "add", "root", "--email", "root@example.org", "--admin", "--password-stdin")
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")
	e.run(t, bobPass+"\n", "user", "add", "bob", "--email", "bob@example.org", "--password-stdin")
	lease := filepath.Join(t.TempDir(), "lease.txt")
	if err := os.WriteFile(lease, []byte("tenancy agreement for the flat"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.run(t, "", "upload", lease, "--user", "ann", "--no-classify")
	db := dep.AdminDB(t)
	var doc string
	if err := db.Get(&doc, `SELECT id FROM documents WHERE filename = 'lease.txt'`); err != nil {
		t.Fatal(err)
	}
	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "groups", "groups", "ROOT_PASSWORD="+rootPass, "ANN_PASSWORD="+annPass,
		"BOB_PASSWORD="+bobPass, "DOC_ID="+doc)

	var shares []string
	if err := db.Select(&shares, `SELECT g.name || ' ' || s.permission FROM group_shares s JOIN groups g ON g.id = s.group_id`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(shares, ";") != "Family edit" {
		t.Errorf("group shares %q", shares)
	}
	var members []string
	if err := db.Select(&members, `SELECT u.handle FROM group_members m JOIN users u ON u.id = m.user_id ORDER BY u.handle`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(members, ",") != "ann" {
		t.Errorf("members %q", members)
	}
	var events []string
	if err := db.Select(&events, `SELECT a.event_type || ' ' || u.handle FROM audit_log a JOIN users u ON u.id = a.actor_id
		WHERE a.event_type IN ('group_change', 'share') ORDER BY a.id`); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(events, ";"); got != "group_change root;group_change root;group_change root;share ann;group_change root" {
		t.Errorf("audit %q", got)
	}
	pngs, _ := filepath.Glob(filepath.Join(shots, "g[0-9]-*.png"))
	if len(pngs) != 4 {
		t.Errorf("%d screenshots in %s, want 4", len(pngs), shots)
	}
}
