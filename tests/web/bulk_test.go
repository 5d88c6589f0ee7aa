package web

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebBulk drives bulk.mjs: documents checked in the list get a topic
// set, all those matching a filter get a second one, the grid's and the
// phone's bars; then checks through the API what the browser did.
// Screenshots land in the bulk/ folder of the web screenshots.
func TestWebBulk(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	const annPass = "ann's long password"
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")
	e.run(t, "", "topic", "add", "Finance", "--user", "ann")
	e.run(t, "", "topic", "add", "Tax", "--user", "ann")
	dir := t.TempDir()
	var files []string
	for _, n := range []string{"a1", "a2", "a3", "a4", "a5"} {
		p := filepath.Join(dir, n+".txt")
		if err := os.WriteFile(p, []byte("letter "+n), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	e.run(t, "", append([]string{"upload", "--user", "ann", "--no-classify"}, files...)...)
	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "bulk", "bulk", "ANN_PASSWORD="+annPass)

	ann := login(t, base, "ann", annPass)
	var page struct {
		Documents []struct {
			Filename string `json:"filename"`
			Topics   []struct {
				Name   string `json:"name"`
				Source string `json:"source"`
			} `json:"topics"`
		} `json:"documents"`
	}
	ann.call("GET", "/api/documents?sort=filename_asc", nil, &page)
	var got []string
	for _, d := range page.Documents {
		var ts []string
		for _, tp := range d.Topics {
			ts = append(ts, tp.Name+"/"+tp.Source)
		}
		sort.Strings(ts)
		got = append(got, d.Filename+"="+strings.Join(ts, "+"))
	}
	want := "a1.txt=Finance/manual+Tax/manual a2.txt=Finance/manual+Tax/manual a3.txt=Finance/manual+Tax/manual a4.txt= a5.txt="
	if strings.Join(got, " ") != want {
		t.Errorf("documents after the run:\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
	var n int
	if err := dep.AdminDB(t).Get(&n, `SELECT count(*) FROM audit_log WHERE metadata->>'bulk' = 'true'`); err != nil {
		t.Fatal(err)
	}
	if n != 6 {
		t.Errorf("%d bulk audit rows, want 6 (3 set, 3 added)", n)
	}
	if err := dep.AdminDB(t).Get(&n, `SELECT count(*) FROM shares`); err != nil || n != 0 {
		t.Errorf("%d shares after the refused share (%v), want 0", n, err)
	}
	pngs, _ := filepath.Glob(filepath.Join(shots, "b[0-9]-*.png"))
	if len(pngs) != 5 {
		t.Errorf("%d screenshots in %s, want 5", len(pngs), shots)
	}
}
