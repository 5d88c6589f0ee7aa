package web

import (
	"os"
	"os/user"
	"path/filepath"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebActivity drives audit.mjs: the Activity page's who column (an
// account, or the OS user of the command line), events and details in
// words, links only to documents the reader can open, the filters by
// person, event and day, and the phone's stacked cards. Screenshots land
// in the audit/ folder of the web screenshots.
func TestWebActivity(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	const annPass, rootPass = "ann's long password", "root's long password"
	e.run(t, rootPass+"\n", "user", "add", "root", "--email", "root@example.org", "--admin", "--password-stdin")
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")
	e.run(t, "", "user", "add", "bob", "--email", "bob@example.org")
	e.run(t, "", "user", "quota", "bob", "50MiB")
	e.run(t, "", "topic", "add", "Finance", "--user", "bob")
	notes := filepath.Join(t.TempDir(), "bob-notes.txt")
	if err := os.WriteFile(notes, []byte("bob's notes on the car"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.run(t, "", "upload", notes, "--user", "bob", "--no-classify")
	base := e.startApp(t)

	// Bob's document filed from the CLI.
	admin := login(t, base, "root", rootPass)
	var page struct {
		Entries []struct {
			ResourceID string `json:"resource_id"`
		} `json:"entries"`
	}
	admin.call("GET", "/api/audit?person=cli&event_type=upload", nil, &page)
	if len(page.Entries) != 1 {
		t.Fatalf("CLI uploads: %+v", page)
	}
	e.run(t, "", "doc", "topics", page.Entries[0].ResourceID, "--set", "Finance", "--user", "bob")

	shots := runScript(t, root, node, chromium, base, "audit", "audit",
		"ANN_PASSWORD="+annPass, "ROOT_PASSWORD="+rootPass, "CLI_NAME="+me.Username+" (command line)")
	pngs, _ := filepath.Glob(filepath.Join(shots, "a[0-9]-*.png"))
	if len(pngs) != 3 {
		t.Errorf("%d screenshots in %s, want 3", len(pngs), shots)
	}
}
