package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/pkg/config"
)

// The config file's "oidc:" list: read with its defaults, each mistake a
// one-line error naming its key, and the client secret never displayed.
func TestOIDCProviders(t *testing.T) {
	dir := t.TempDir()
	load := func(yaml string, vars map[string]string) (*config.Config, error) {
		return config.Load(config.Options{
			ConfigFile: write(t, dir, "o.yaml", yaml, 0o600), LookupEnv: env(vars),
			EnvFiles: []string{}, ConfigSearch: []string{},
		})
	}
	public := map[string]string{"DOCUVAULT_PUBLIC_URL": "https://docs.example.org/"}
	c, err := load(`oidc:
  - name: corp
    display_name: Example Corp
    issuer: https://id.example.org/dex
    client_id: docuvault
    client_secret: SECRET-VALUE
    allow_signup: true
    groups_claim: groups
    admin_groups: [DocuVault-Admins]
    group_map:
      - {claim: Family, group: Household}
  - name: local
    issuer: http://127.0.0.1:5556/dex
    client_id: dv
    client_secret_env: DEX_SECRET
`, map[string]string{"DOCUVAULT_PUBLIC_URL": "https://docs.example.org/", "DEX_SECRET": "SECRET-FROM-ENV"})
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicURL != "https://docs.example.org" || len(c.OIDC) != 2 {
		t.Fatalf("public URL %q, providers %+v", c.PublicURL, c.OIDC)
	}
	p, q := c.OIDC[0], c.OIDC[1]
	if p.DisplayName != "Example Corp" || p.ClientSecret != "SECRET-VALUE" || !p.AllowSignup || strings.Join(p.Scopes, " ") != "openid email profile groups" ||
		strings.Join(p.AdminGroups, ",") != "DocuVault-Admins" || len(p.GroupMap) != 1 || p.GroupMap[0].Claim != "Family" || p.GroupMap[0].Group != "Household" {
		t.Errorf("first: %+v", p)
	}
	if q.DisplayName != "local" || q.ClientSecret != "SECRET-FROM-ENV" || q.AllowSignup || strings.Join(q.Scopes, " ") != "openid email profile" {
		t.Errorf("second: %+v", q)
	}
	for _, s := range config.Settings() {
		if strings.Contains(c.Display(s), "SECRET") {
			t.Errorf("%s shows the secret", s.Env)
		}
	}

	var fe *config.FileError
	for _, bad := range []struct{ yaml, want string }{
		{"oidc:\n  - {name: Corp!, issuer: https://x.org, client_id: a}\n", "oidc[0].name"},
		{"oidc:\n  - {name: a, issuer: https://x.org, client_id: a}\n  - {name: a, issuer: https://y.org, client_id: b}\n", "oidc[1].name"},
		{"oidc:\n  - {name: a, issuer: http://id.example.org, client_id: a}\n", "oidc[0].issuer"},
		{"oidc:\n  - {name: a, issuer: https://x.org}\n", "oidc[0].client_id"},
		{"oidc:\n  - {name: a, issuer: https://x.org, client_id: a, scopes: [email]}\n", "oidc[0].scopes"},
		{"oidc:\n  - {name: a, issuer: https://x.org, client_id: a, client_secret_env: NOT_SET_ANYWHERE}\n", "oidc[0].client_secret_env"},
		{"oidc:\n  - {name: a, issuer: https://x.org, client_id: a, admin_groups: [x]}\n", "oidc[0].groups_claim"},
		{"oidc:\n  - name: a\n    issuer: https://x.org\n    client_id: a\n    groups_claim: groups\n    group_map: [{claim: x}]\n", "oidc[0].group_map[0]"},
	} {
		_, err := load(bad.yaml, public)
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), bad.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v, want an error naming %s", bad.yaml, err, bad.want)
		}
	}
	if _, err := load("oidc:\n  - {name: a, issuer: https://x.org, client_id: a}\n", nil); err == nil || !strings.Contains(err.Error(), "DOCUVAULT_PUBLIC_URL") {
		t.Errorf("without a public URL: %v", err)
	}
	var ie *config.InvalidError
	if _, err := load("log_level: info\n", map[string]string{"DOCUVAULT_PUBLIC_URL": "docs.example.org"}); !errors.As(err, &ie) || ie.Env != "DOCUVAULT_PUBLIC_URL" {
		t.Errorf("a public URL without scheme: %v", err)
	}
}
