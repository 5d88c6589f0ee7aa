package web

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebAccounts drives accounts.mjs: sessions listed and one ended from
// another browser context, the password changed in Settings, the data
// exported, an admin's reset link used once in a fresh context, a user
// deleted; then checks what the browser did in the database.
// Screenshots land in the accounts/ folder of the web screenshots.
func TestWebAccounts(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	const annPass, rootPass = "ann's long password", "root's long password"
	e.run(t, rootPass+"\n", "user", "add", "root", "--email", "root@example.org", "--admin", "--password-stdin")
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")
	e.run(t, "", "user", "add", "bob", "--email", "bob@example.org")
	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "accounts", "accounts", "ANN_PASSWORD="+annPass, "ROOT_PASSWORD="+rootPass)

	login(t, base, "ann", "chosen via the reset link")
	db := dep.AdminDB(t)
	var actions []string
	if err := db.Select(&actions, `SELECT metadata->>'action' FROM audit_log WHERE event_type = 'user_admin'
		AND metadata->>'action' IN ('change_password', 'reset_link', 'reset_password', 'delete', 'export') ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(actions, " "); got != "change_password export reset_link reset_password delete" {
		t.Errorf("audited actions %q", actions)
	}
	var bob int
	if err := db.Get(&bob, `SELECT count(*) FROM users WHERE handle = 'bob'`); err != nil || bob != 0 {
		t.Errorf("bob: %d, %v", bob, err)
	}
	pngs, _ := filepath.Glob(filepath.Join(shots, "a[0-9]-*.png"))
	if len(pngs) != 6 {
		t.Errorf("%d screenshots in %s, want 6", len(pngs), shots)
	}
}
