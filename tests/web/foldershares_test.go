package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebFolderShares drives foldershares.mjs: ann shares a folder with a
// group from the folder tree; bob, a member, sees its documents (one in a
// subfolder, one filed after the share) under Shared with me and how each
// reaches him; cat, not a member, never does; removed from the group, bob
// gets not found at once. Then checks the database, the audit log, and
// that bob's search no longer finds them. Screenshots land in the
// foldershares/ folder of the web screenshots.
func TestWebFolderShares(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	pass := map[string]string{}
	for _, h := range []string{"root", "ann", "bob", "cat"} {
		pass[h] = h + "'s long password"
		args := []string{"user", "add", h, "--email", h + "@example.org", "--password-stdin"}
		if h == "root" {
			args = append(args, "--admin")
		}
		e.run(t, pass[h]+"\n", args...)
	}
	e.run(t, "", "group", "add", "Household")
	e.run(t, "", "group", "members", "Household", "--add", "ann,bob")
	e.run(t, "", "folder", "add", "Taxes", "--user", "ann")
	e.run(t, "", "folder", "add", "Taxes/2024", "--user", "ann")
	dir := t.TempDir()
	for name, text := range map[string]string{"return.txt": "the tax return", "receipt.txt": "a receipt for the accountant",
		"later.txt": "filed later", "private.txt": "not for anyone"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		e.run(t, "", "upload", p, "--user", "ann", "--no-classify")
	}
	db := dep.AdminDB(t)
	if _, err := db.Exec(`UPDATE documents d SET folder_id = f.id FROM folders f
		WHERE (d.filename, f.name) IN (('return.txt', 'Taxes'), ('receipt.txt', '2024'))`); err != nil {
		t.Fatal(err)
	}
	id := func(query string) string {
		t.Helper()
		var id string
		if err := db.Get(&id, query); err != nil {
			t.Fatal(err)
		}
		return id
	}
	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "foldershares", "foldershares",
		"ROOT_PASSWORD="+pass["root"], "ANN_PASSWORD="+pass["ann"], "BOB_PASSWORD="+pass["bob"], "CAT_PASSWORD="+pass["cat"],
		"LATER_ID="+id(`SELECT id FROM documents WHERE filename = 'later.txt'`),
		"DEEP_ID="+id(`SELECT id FROM documents WHERE filename = 'receipt.txt'`),
		"Y2024_ID="+id(`SELECT id FROM folders WHERE name = '2024'`))

	// The share was made and ended in the web app; bob left the group.
	if n := id(`SELECT count(*)::text FROM folder_shares`); n != "0" {
		t.Errorf("%s folder shares left, want 0", n)
	}
	if f := id(`SELECT f.name FROM documents d JOIN folders f ON f.id = d.folder_id WHERE d.filename = 'later.txt'`); f != "2024" {
		t.Errorf("later.txt is in %q", f)
	}
	var events []string
	if err := db.Select(&events, `SELECT a.event_type || ' ' || u.handle || ' ' || (a.metadata->>'folder') || ' ' || (a.metadata->>'group')
		FROM audit_log a JOIN users u ON u.id = a.actor_id WHERE a.event_type IN ('folder_share', 'folder_unshare') ORDER BY a.id`); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(events, ";"); got != "folder_share ann Taxes Household;folder_unshare ann Taxes Household" {
		t.Errorf("audit %q", got)
	}
	pngs, _ := filepath.Glob(filepath.Join(shots, "f[0-9]-*.png"))
	if len(pngs) != 5 {
		t.Errorf("%d screenshots in %s, want 5", len(pngs), shots)
	}
}
