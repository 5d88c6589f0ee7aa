package web

import (
	"path/filepath"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebTheme drives theme.mjs: the app in dark and light mode, desktop
// and phone, follows the system's colour scheme, keeps every text's
// contrast at WCAG AA and has no serious or critical axe-core violation on
// every page (ann is an administrator, so the users page is one).
// Screenshots land in the theme/ folder of the web screenshots.
func TestWebTheme(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	const annPass = "ann's long password"
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--admin", "--password-stdin")
	e.run(t, "", "topic", "add", "Finance", "--user", "ann", "--description", "invoices bank taxes payments", "--color", "#2e8b57")
	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "theme", "theme", "ANN_PASSWORD="+annPass)
	pngs, _ := filepath.Glob(filepath.Join(shots, "*.png"))
	if len(pngs) != 48 {
		t.Errorf("%d screenshots in %s, want 48 (12 pages, 2 modes, 2 sizes)", len(pngs), shots)
	}
}
