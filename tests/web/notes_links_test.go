package web

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebNotesAndShareLinks drives notes_links.mjs: notes written, edited
// and deleted on the document page, read-only for a view recipient, found
// by search; a password-protected share link made in the "Share link"
// dialog and opened in a fresh browser context with no account (wrong
// password, right password, download), desktop and phone; then checks
// through the database what the browser did.
func TestWebNotesAndShareLinks(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	const annPass, bobPass = "ann's long password", "bob's long password"
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")
	e.run(t, bobPass+"\n", "user", "add", "bob", "--email", "bob@example.org", "--password-stdin")
	e.run(t, "", "upload", filepath.Join(root, "pkg/worker/testdata/groff-ms.pdf"), "--user", "ann")
	base := e.startApp(t)
	ann := login(t, base, "ann", annPass)
	var page struct {
		Documents []struct {
			ID string `json:"id"`
		} `json:"documents"`
	}
	ann.call("GET", "/api/documents", nil, &page)
	if len(page.Documents) != 1 {
		t.Fatalf("documents: %+v", page)
	}
	doc := page.Documents[0].ID
	if code := ann.call("POST", "/api/documents/"+doc+"/shares", map[string]string{"recipient": "bob", "permission": "view"}, nil); code != 201 {
		t.Fatalf("share: %d", code)
	}
	shots := runScript(t, root, node, chromium, base, "notes_links", "notes_links", "ANN_PASSWORD="+annPass, "BOB_PASSWORD="+bobPass, "DOC_ID="+doc)

	db := dep.AdminDB(t)
	var bodies []string
	if err := db.Select(&bodies, `SELECT body FROM notes ORDER BY created_at`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(bodies, "|") != "Paid by bank transfer on 3 March (edited)" {
		t.Errorf("notes after the run: %q", bodies)
	}
	var metas []string
	if err := db.Select(&metas, `SELECT metadata::text FROM audit_log WHERE event_type IN ('note_change', 'share_link_change')`); err != nil {
		t.Fatal(err)
	}
	for _, m := range metas {
		if strings.Contains(m, "bank transfer") || strings.Contains(m, "zebra") {
			t.Errorf("note text or link password in the audit log: %s", m)
		}
	}
	var downloads int
	if err := db.Get(&downloads, `SELECT count(*) FROM audit_log WHERE event_type = 'download' AND actor_label LIKE 'link:%'`); err != nil || downloads != 1 {
		t.Errorf("%d downloads through the link audited (%v), want 1", downloads, err)
	}
	pngs, _ := filepath.Glob(filepath.Join(shots, "n[0-9]-*.png"))
	if len(pngs) != 6 {
		t.Errorf("%d screenshots in %s, want 6", len(pngs), shots)
	}
}
