package web

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebAPITokens drives tokens.mjs: tokens made, copied, used by a
// script, listed and revoked on the Settings page, desktop and phone; then
// checks through the API and the database what the browser did.
// Screenshots land in the tokens/ folder of the web screenshots.
func TestWebAPITokens(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	const annPass = "ann's long password"
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")
	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "tokens", "tokens", "ANN_PASSWORD="+annPass,
		"SCAN_PDF="+filepath.Join(root, "pkg/worker/testdata/groff-ms.pdf"))

	ann := login(t, base, "ann", annPass)
	var list struct {
		Tokens []struct {
			Name   string   `json:"name"`
			Scopes []string `json:"scopes"`
		} `json:"tokens"`
	}
	ann.call("GET", "/api/tokens", nil, &list)
	var names []string
	for _, tk := range list.Tokens {
		names = append(names, tk.Name+"="+strings.Join(tk.Scopes, ","))
	}
	if got := strings.Join(names, " "); got != "tablet=read,upload backup script=read" {
		t.Errorf("tokens after the run: %q", got)
	}
	db := dep.AdminDB(t)
	var uploads []string
	if err := db.Select(&uploads, `SELECT d.filename || ' ' || coalesce(a.actor_label, '-') FROM audit_log a JOIN documents d ON d.id = a.resource_id
		WHERE a.event_type = 'upload' ORDER BY a.id`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(uploads, ";") != "scan.pdf token:phone scanner" {
		t.Errorf("uploads: %q, want scan.pdf by token:phone scanner alone", uploads)
	}
	var audit struct {
		Entries []struct {
			Summary string `json:"summary"`
		} `json:"entries"`
	}
	ann.call("GET", "/api/audit?event_type=api_token_change", nil, &audit)
	var got []string
	for _, a := range audit.Entries {
		got = append(got, a.Summary)
	}
	want := "Created API token “tablet”|Revoked API token “phone scanner”|Created API token “backup script”|Created API token “phone scanner”"
	if strings.Join(got, "|") != want {
		t.Errorf("token events %q, want %q", got, want)
	}
	pngs, _ := filepath.Glob(filepath.Join(shots, "t[0-9]-*.png"))
	if len(pngs) != 3 {
		t.Errorf("%d screenshots in %s, want 3", len(pngs), shots)
	}
}
