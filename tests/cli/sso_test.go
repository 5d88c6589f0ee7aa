package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestSSOCommands: `docuvault sso list` against a real Dex (reachable,
// its redirect URI, a group_map naming a missing group) and a provider
// that is down (exit 1, password sign-in unaffected is said); `config
// show` never prints the client secret; `user sso` and `user sso-unlink`;
// a bad oidc: entry stops every command with a line naming the key.
func TestSSOCommands(t *testing.T) {
	dex := testenv.StartDex(t, testenv.DexOptions{RedirectURIs: []string{"https://docs.example.org/api/auth/oidc/dex/callback"}})
	d := deployed(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "docuvault.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`oidc:
  - name: dex
    display_name: Company login
    issuer: %s
    client_id: %s
    client_secret: %s
    groups_claim: groups
    group_map:
      - {claim: authors, group: Writers}
  - name: gone
    issuer: http://127.0.0.1:%d/dex
    client_id: x
`, dex.Issuer, dex.ClientID, dex.ClientSecret, testenv.FreePort(t))), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DOCUVAULT_PUBLIC_URL": "https://docs.example.org"}
	r := d.run(t, env, "--config", cfg, "sso", "list")
	r.check(t, 1, "https://docs.example.org/api/auth/oidc/dex/callback", "1 of 2 single sign-on providers do not answer (password sign-in is not affected)")
	for _, want := range []string{"dex   Company login", "ok; group_map names missing groups: Writers", "gone  gone", "unreachable: "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("sso list lacks %q:\n%s", want, r.stdout)
		}
	}
	d.run(t, nil, "group", "add", "Writers").check(t, 0, "", "")
	r = d.run(t, env, "--config", cfg, "sso", "list", "--json")
	if !strings.Contains(r.stdout, `"name":"dex"`) || !strings.Contains(r.stdout, `"reachable":true`) || strings.Contains(r.stdout, "missing_groups") {
		t.Errorf("sso list --json:\n%s", r.stdout)
	}
	r = d.run(t, env, "--config", cfg, "config", "show")
	r.check(t, 0, "client_secret=<redacted>", "")
	if strings.Contains(r.stdout, dex.ClientSecret) {
		t.Errorf("config show prints the client secret:\n%s", r.stdout)
	}
	d.run(t, nil, "--config", cfg, "user", "list").check(t, 1, "", "DOCUVAULT_PUBLIC_URL is not set")

	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	d.run(t, nil, "user", "sso", "ann").check(t, 0, "ann has no single sign-on identity", "")
	db := d.dep.AdminDB(t)
	if _, err := db.Exec(`INSERT INTO oidc_identities (provider, subject, user_id, email) SELECT 'dex', 'ann-sub', id, email FROM users WHERE handle = 'ann'`); err != nil {
		t.Fatal(err)
	}
	d.run(t, nil, "user", "sso", "ann").check(t, 0, "dex       ann-sub  ann@example.org", "")
	d.run(t, nil, "user", "sso-unlink", "ann", "dex").check(t, 0, "identity of ann at dex unlinked", "")
	d.run(t, nil, "user", "sso-unlink", "ann", "dex").check(t, 1, "", `ann has no identity of provider "dex"`)
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM audit_log WHERE event_type = 'sso' AND metadata->>'action' = 'unlink'`); err != nil || n != 1 {
		t.Errorf("unlink audited %d times, %v", n, err)
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("oidc:\n  - {name: dex, issuer: http://id.example.org, client_id: a}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.run(t, env, "--config", bad, "user", "list").check(t, 1, "", "oidc[0].issuer")
}
