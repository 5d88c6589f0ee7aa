package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebIngestErrors drives ingest.mjs: a watch folder (docuvault watch
// --once) takes one good file and cannot take a program (a type not
// allowed), nor can a cloud connection (docuvault cloud sync of the dev
// WebDAV server); the overview shows both files, with their source and
// reason, on a desktop and a phone, in English and German. Screenshots
// land in ingest/.
func TestWebIngestErrors(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	const annPass = "ann's long password"
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")

	in := filepath.Join(t.TempDir(), "scanner", "inbox")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(in, "letter.txt"), []byte("Dear Ann, your invoice is attached.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(in, "setup-tool.exe")
	if err := os.WriteFile(bad, append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 300)...), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := e.command(ctx, t, "watch", in, "--once", "--settle", "200ms", "--user", "ann")
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), "FAILED     "+bad+": type not allowed") {
		t.Fatalf("watch --once: exit %d (%v), want 2 with the program failed:\n%s", code, err, out)
	}

	// A cloud connection (the dev WebDAV server) with a program in it: a
	// second file not taken in, from another source.
	w := testenv.NewWebDAV(t)
	w.Put(t, "installer.exe", append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 300)...))
	e.run(t, w.Password+"\n", "cloud", "add", "Nextcloud", "--provider", "webdav", "--url", w.Base, "--path", w.Dir,
		"--login", w.User, "--password-stdin", "--user", "ann")
	cmd = e.command(ctx, t, "cloud", "sync", "Nextcloud", "--user", "ann")
	out, err = cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "FAILED     installer.exe: type not allowed") {
		t.Fatalf("cloud sync: exit %d (%v), want 1 with the program failed:\n%s", code, err, out)
	}

	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "ingest", "ingest", "ANN_PASSWORD="+annPass, "BAD_PATH="+bad)
	pngs, _ := filepath.Glob(filepath.Join(shots, "i[0-9]-*.png"))
	if len(pngs) != 3 {
		t.Errorf("%d screenshots in %s, want 3", len(pngs), shots)
	}
}
