package web

import (
	"path/filepath"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebOverview drives overview.mjs: the overview of an empty vault, then
// of three documents once the worker has read them, its link to the
// unfiled documents, the documents table sorted by its headers, and the
// keyboard shortcuts. Screenshots land in the overview/ folder of the web
// screenshots.
func TestWebOverview(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	const annPass = "ann's long password"
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--quota", "1MiB", "--password-stdin")
	e.run(t, "", "topic", "add", "Finance", "--user", "ann", "--description", "invoices bank taxes payments", "--color", "#2e8b57")
	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "overview", "overview", "ANN_PASSWORD="+annPass)
	pngs, _ := filepath.Glob(filepath.Join(shots, "o[0-9]-*.png"))
	if len(pngs) != 6 {
		t.Errorf("%d screenshots in %s, want 6", len(pngs), shots)
	}
}
