package web

import (
	"path/filepath"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebI18n drives i18n.mjs: the catalogues have the same keys, and a
// German browser sees the app in German (login, documents, a document,
// overview, topics, activity, settings) with German dates and sizes; the
// switch to English in Settings applies at once and lasts over a reload,
// and the login page's switch brings German back. Screenshots, desktop and
// phone, land in the i18n/ folder of the web screenshots.
func TestWebI18n(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	const annPass = "ann's long password"
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--quota", "1MiB", "--password-stdin")
	e.run(t, "", "topic", "add", "Finance", "--user", "ann", "--description", "invoices bank taxes payments", "--color", "#2e8b57")
	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "i18n", "i18n", "ANN_PASSWORD="+annPass)
	// Switched to English in Settings while signed in: the account's
	// language (its e-mails') is English, though the phone signed in
	// later from a German browser.
	var lang *string
	if err := dep.AdminDB(t).Get(&lang, `SELECT language FROM users WHERE handle = 'ann'`); err != nil || lang == nil || *lang != "en" {
		t.Errorf("ann's language %v (%v), want en", lang, err)
	}
	pngs, _ := filepath.Glob(filepath.Join(shots, "i[0-9]-*.png"))
	if len(pngs) != 14 {
		t.Errorf("%d screenshots in %s, want 14 (7 pages on a desktop, 7 on a phone)", len(pngs), shots)
	}
}
