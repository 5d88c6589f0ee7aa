package web

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebTrashAndVersions drives trash.mjs: versions on the document page
// and the Trash page, desktop and phone; then checks in the database what
// the browser did. Screenshots land in the trash/ folder.
func TestWebTrashAndVersions(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	const annPass = "ann's long password"
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")
	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "trash", "trash", "ANN_PASSWORD="+annPass)

	db := dep.AdminDB(t)
	var docs []string
	if err := db.Select(&docs, `SELECT filename || CASE WHEN trashed_at IS NULL THEN '' ELSE ' (trashed)' END FROM documents ORDER BY filename`); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(docs, ", "); got != "invoice.txt" {
		t.Errorf("documents after the run: %q, want invoice.txt alone, out of the trash", got)
	}
	var versions, used, size int64
	if err := db.Get(&versions, `SELECT count(*) FROM document_versions`); err != nil || versions != 0 {
		t.Errorf("%d versions left (%v), want 0", versions, err)
	}
	if err := db.QueryRow(`SELECT (SELECT used_bytes FROM quotas), (SELECT size_bytes FROM documents)`).Scan(&used, &size); err != nil || used != size {
		t.Errorf("quota %d, the document %d (%v)", used, size, err)
	}
	var events []string
	if err := db.Select(&events, `SELECT event_type FROM audit_log WHERE event_type IN ('document_trash', 'document_restore', 'document_delete', 'trash_empty', 'document_version') ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	want := "document_version document_restore document_version document_trash document_trash document_trash document_restore document_delete trash_empty"
	if got := strings.Join(events, " "); got != want {
		t.Errorf("events %q, want %q", got, want)
	}
	pngs, _ := filepath.Glob(filepath.Join(shots, "v[0-9]-*.png"))
	if len(pngs) != 4 {
		t.Errorf("%d screenshots in %s, want 4", len(pngs), shots)
	}
}
