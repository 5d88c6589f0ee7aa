package web

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebTransfer drives transfer.mjs: ann's vault downloaded from
// Settings and read; root imports, from the Admin page, a tar made by
// another deployment (after a copy with one changed byte is refused) and
// downloads an export of everyone; then checks the database.
// Screenshots land in the transfer/ folder.
func TestWebTransfer(t *testing.T) {
	root := testenv.ModuleRoot(t)
	node, chromium := browserTools(t, root)
	bin := build(t, root)

	// The tar to import: carol's vault, from another deployment.
	otherDep := testenv.Deploy(t)
	other := env{root: root, bin: bin, vars: otherDep.Env()}
	other.run(t, "", "user", "add", "carol", "--email", "carol@example.org")
	dir := t.TempDir()
	letter := filepath.Join(dir, "letter.txt")
	if err := os.WriteFile(letter, []byte("carol's letter to the tax office"), 0o600); err != nil {
		t.Fatal(err)
	}
	carol := env{root: root, bin: bin, vars: map[string]string{"DOCUVAULT_USER": "carol"}}
	for k, v := range other.vars {
		carol.vars[k] = v
	}
	carol.run(t, "", "upload", "--no-classify", letter)
	var letterID, letterKey string
	if err := otherDep.AdminDB(t).QueryRow(`SELECT id, object_key FROM documents WHERE filename = 'letter.txt'`).Scan(&letterID, &letterKey); err != nil {
		t.Fatal(err)
	}
	objectPath := "objects/" + letterKey
	carol.run(t, "", "note", "add", letterID, "sent on Monday")
	tarPath := filepath.Join(dir, "carol.tar")
	other.run(t, "", "export", tarPath, "--user", "carol")
	raw, err := os.ReadFile(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(raw, []byte("tax office"))
	if at < 0 {
		t.Fatal("the letter is not in the tar")
	}
	tampered := bytes.Clone(raw)
	tampered[at] = 'T'
	tamperedPath := filepath.Join(dir, "changed.tar")
	if err := os.WriteFile(tamperedPath, tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	dep := testenv.Deploy(t)
	e := env{root: root, bin: bin, vars: dep.Env()}
	const annPass, rootPass = "ann's long password", "root's long password"
	e.run(t, rootPass+"\n", "user", "add", "root", "--email", "root@example.org", "--admin", "--password-stdin")
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")
	files := t.TempDir()
	for name, text := range map[string]string{"lease.txt": "the lease of the flat", "receipt.txt": "a receipt from the bakery"} {
		if err := os.WriteFile(filepath.Join(files, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	annEnv := env{root: root, bin: bin, vars: map[string]string{"DOCUVAULT_USER": "ann"}}
	for k, v := range e.vars {
		annEnv.vars[k] = v
	}
	annEnv.run(t, "", "upload", "--no-classify", "--recursive", files)
	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "transfer", "transfer", "ANN_PASSWORD="+annPass, "ROOT_PASSWORD="+rootPass,
		"IMPORT_TAR="+tarPath, "TAMPERED_TAR="+tamperedPath, "TAMPERED_PATH="+objectPath)

	db := dep.AdminDB(t)
	var docs []string
	if err := db.Select(&docs, `SELECT u.handle || ':' || d.filename FROM documents d JOIN users u ON u.id = d.user_id ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(docs, " "); got != "ann:lease.txt ann:receipt.txt carol:letter.txt" {
		t.Errorf("documents after the import: %s", got)
	}
	var events []string
	if err := db.Select(&events, `SELECT coalesce(u.handle, '-') || ':' || (a.metadata->>'action') FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
		WHERE a.event_type = 'vault_transfer' AND a.metadata->>'via' = 'api' ORDER BY a.id`); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(events, " "); got != "ann:export root:import root:export" {
		t.Errorf("transfer events %q", got)
	}
	pngs, _ := filepath.Glob(filepath.Join(shots, "x[0-9]-*.png"))
	if len(pngs) != 5 {
		t.Errorf("%d screenshots in %s, want 5", len(pngs), shots)
	}
}
