package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebSSO drives sso.mjs: a second person signs in through a real Dex
// (single sign-on, issue 24 item 3) and lands in a group that sees a
// document shared with it; then signs out. Checks the account, its
// group, its identity (linked, then unlinked by an administrator on the
// Users page), the ended session and the audit log.
// Screenshots land in the sso/ folder of the web screenshots.
func TestWebSSO(t *testing.T) {
	sso := newSSOSetup(t)
	root, node, chromium, e, dep, dex, base, cfg, port := sso.root, sso.node, sso.chromium, sso.e, sso.dep, sso.dex, sso.base, sso.cfg, sso.port
	const annPass, rootPass = "ann's long password", "root's long password"
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")
	e.run(t, rootPass+"\n", "user", "add", "root", "--email", "root@example.org", "--admin", "--password-stdin")
	e.run(t, "", "group", "add", "Household")
	e.run(t, "", "group", "members", "Household", "--add", "ann")
	policy := filepath.Join(t.TempDir(), "home-insurance.txt")
	if err := os.WriteFile(policy, []byte("the household's home insurance policy"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.run(t, "", "upload", policy, "--user", "ann", "--no-classify")
	db := dep.AdminDB(t)
	var doc string
	if err := db.Get(&doc, `SELECT id FROM documents WHERE filename = 'home-insurance.txt'`); err != nil {
		t.Fatal(err)
	}
	e.run(t, "", "group", "share", "Household", doc, "--user", "ann")

	logs := &testenv.SyncBuffer{}
	serveOn(t, e, logs, cfg, fmt.Sprintf("127.0.0.1:%d", port))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve logs:\n%s\ndex logs:\n%s", logs, dex.Log)
		}
	})
	shots := runScript(t, root, node, chromium, base, "sso", "sso", "ANN_PASSWORD="+annPass, "ROOT_PASSWORD="+rootPass, "DOC_NAME=home-insurance.txt")

	var acct struct {
		ID, Email, Role string
	}
	if err := db.Get(&acct, `SELECT id, email, role FROM users WHERE handle = 'kilgore'`); err != nil {
		t.Fatalf("the account made at sign-in: %v", err)
	}
	if acct.Email != testenv.DexMockEmail || acct.Role != "user" {
		t.Errorf("account %+v", acct)
	}
	var groups []string
	if err := db.Select(&groups, `SELECT g.name FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = $1`, acct.ID); err != nil {
		t.Fatal(err)
	}
	if strings.Join(groups, ",") != "Household" {
		t.Errorf("groups %v", groups)
	}
	var linked, open, ended int
	// Linked at the sign-in, then unlinked by root on the Users page.
	if err := db.Get(&linked, `SELECT count(*) FROM oidc_identities WHERE user_id = $1`, acct.ID); err != nil || linked != 0 {
		t.Errorf("identities left after root unlinked it: %d %v", linked, err)
	}
	var unlinked int
	if err := db.Get(&unlinked, `SELECT count(*) FROM audit_log a JOIN users r ON r.id = a.actor_id
		WHERE a.event_type = 'sso' AND a.metadata->>'action' = 'unlink' AND a.metadata->>'provider' = 'dex' AND a.user_id = $1 AND r.handle = 'root'`, acct.ID); err != nil || unlinked != 1 {
		t.Errorf("unlink events by root: %d %v", unlinked, err)
	}
	if err := db.Get(&open, `SELECT count(*) FROM sessions WHERE user_id = $1 AND ended_at IS NULL`, acct.ID); err != nil || open != 0 {
		t.Errorf("sessions still open after signing out: %d %v", open, err)
	}
	if err := db.Get(&ended, `SELECT count(*) FROM sessions WHERE user_id = $1 AND ended_at IS NOT NULL`, acct.ID); err != nil || ended != 1 {
		t.Errorf("sessions ended: %d %v", ended, err)
	}
	var events []string
	if err := db.Select(&events, `SELECT event_type || coalesce(':' || (metadata->>'action'), '') || coalesce(':' || (metadata->>'method'), '')
		FROM audit_log WHERE actor_id = $1 AND event_type IN ('sso', 'login', 'logout') ORDER BY id`, acct.ID); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(events, ";"); got != "sso:signup;sso:groups;login:sso;logout" {
		t.Errorf("audit %q", got)
	}
	pngs, _ := filepath.Glob(filepath.Join(shots, "s[0-9]-*.png"))
	if len(pngs) != 6 {
		t.Errorf("%d screenshots in %s, want 6", len(pngs), shots)
	}
}

// ssoSetup is a deployment whose serve (not started yet: serveOn with cfg
// on port) signs people on through a real Dex: provider "dex" ("Company
// login"), sign-up allowed, Dex's mock group mapped to Household.
type ssoSetup struct {
	root, node, chromium string
	e                    env
	dep                  testenv.Deployment
	dex                  *testenv.Dex
	base, cfg            string
	port                 int
}

func newSSOSetup(t *testing.T) ssoSetup {
	t.Helper()
	root := testenv.ModuleRoot(t)
	node, chromium := browserTools(t, root)
	port := testenv.FreePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	dex := testenv.StartDex(t, testenv.DexOptions{RedirectURIs: []string{base + "/api/auth/oidc/dex/callback"}})
	dep := testenv.Deploy(t)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	e.vars["DOCUVAULT_PUBLIC_URL"] = base
	cfg := filepath.Join(t.TempDir(), "docuvault.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`oidc:
  - name: dex
    display_name: Company login
    issuer: %s
    client_id: %s
    client_secret: %s
    allow_signup: true
    groups_claim: groups
    group_map:
      - {claim: %s, group: Household}
`, dex.Issuer, dex.ClientID, dex.ClientSecret, testenv.DexMockGroup)), 0o600); err != nil {
		t.Fatal(err)
	}
	return ssoSetup{root: root, node: node, chromium: chromium, e: e, dep: dep, dex: dex, base: base, cfg: cfg, port: port}
}

// serveOn starts `docuvault --config cfg serve` on addr (single sign-on's
// redirect URI must be known before it starts) and waits until it listens.
func serveOn(t *testing.T, e env, logs *testenv.SyncBuffer, cfg, addr string) {
	t.Helper()
	cmd := e.command(context.Background(), t, "--config", cfg, "serve", "--listen", addr, "--shutdown-timeout", "5s")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	up := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logs, line)
			var l struct{ Msg string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "serve: listening" {
				up <- true
			}
		}
		close(up)
	}()
	select {
	case ok := <-up:
		if !ok {
			t.Fatalf("serve exited:\n%s", logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not listen within 30s:\n%s", logs)
	}
}
