package web

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebCloudConnections drives cloud.mjs: a WebDAV folder of the dev
// WebDAV server added on the Settings page and synced now by the worker,
// a wrong password shown as an error, a connection removed, desktop and
// phone; then checks in the database what came in. Screenshots land in
// the cloud/ folder of the web screenshots.
func TestWebCloudConnections(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	w := testenv.NewWebDAV(t)
	w.Mkcol(t, "Bills")
	w.Put(t, "Bills/power.txt", []byte("the power bill for March\n"))
	w.Put(t, "letter.txt", []byte("a letter from the bank\n"))
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	const annPass = "ann's long password"
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")
	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "cloud", "cloud", "ANN_PASSWORD="+annPass,
		"DAV_URL="+w.Base, "DAV_DIR="+w.Dir, "DAV_USER="+w.User, "DAV_PASSWORD="+w.Password)

	db := dep.AdminDB(t)
	var docs []string
	if err := db.Select(&docs, `SELECT coalesce(f.name || '/', '') || d.filename FROM documents d LEFT JOIN folders f ON f.id = d.folder_id`); err != nil {
		t.Fatal(err)
	}
	sort.Strings(docs)
	if strings.Join(docs, " ") != "Bills/power.txt letter.txt" {
		t.Errorf("documents after the sync: %q", docs)
	}
	var names []string
	if err := db.Select(&names, `SELECT display_name || '=' || status FROM cloud_connections ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, " ") != "Nextcloud=ACTIVE" {
		t.Errorf("connections after the run: %q", names)
	}
	pngs, _ := filepath.Glob(filepath.Join(shots, "c[0-9]-*.png"))
	if len(pngs) != 2 {
		t.Errorf("%d screenshots in %s, want 2", len(pngs), shots)
	}
}
