package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// OIDCProvider is one single sign-on provider of the config file's "oidc:"
// list (pkg/oidc):
//
//	oidc:
//	  - name: corp                   # in URLs: /api/auth/oidc/corp/callback
//	    display_name: Example Corp   # on the sign-in page's button
//	    issuer: https://id.example.org/dex
//	    client_id: docuvault
//	    client_secret: …             # never printed (config show redacts it); or
//	    client_secret_env: CORP_OIDC_SECRET  # from the environment or the env file
//	    allow_signup: true           # create accounts on first sign-in
//	    groups_claim: groups
//	    admin_groups: [docuvault-admins]
//	    group_map:                   # a provider group's members join a DocuVault group
//	      - {claim: family, group: Household}
type OIDCProvider struct {
	Name         string `mapstructure:"name"`
	DisplayName  string `mapstructure:"display_name"`
	Issuer       string `mapstructure:"issuer"`
	ClientID     string `mapstructure:"client_id"`
	ClientSecret string `mapstructure:"client_secret"`
	// ClientSecretEnv names an environment variable (or a name of the env
	// file, /etc/docuvault/env) holding the secret instead.
	ClientSecretEnv string         `mapstructure:"client_secret_env"`
	Scopes          []string       `mapstructure:"scopes"`
	AllowSignup     bool           `mapstructure:"allow_signup"`
	GroupsClaim     string         `mapstructure:"groups_claim"`
	AdminGroups     []string       `mapstructure:"admin_groups"`
	GroupMap        []OIDCGroupMap `mapstructure:"group_map"`
}

// OIDCGroupMap maps a value of a provider's groups claim to a DocuVault
// group (a list, not a map: viper would lower-case a map's keys, and claim
// values are case-sensitive).
type OIDCGroupMap struct {
	Claim string `mapstructure:"claim"`
	Group string `mapstructure:"group"`
}

// oidcName is what a provider's name may be: it appears in URLs and in
// the oidc_identities table (migration 0036 checks the same).
var oidcName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// checkPublicURL says what is wrong with DOCUVAULT_PUBLIC_URL, or nil.
func checkPublicURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("is not the address people open DocuVault at, like https://docs.example.org")
	}
	return nil
}

// loadOIDC reads and checks the "oidc:" list; each error names the key at
// fault, like oidc[0].issuer.
// env reads a name from the environment, then the env files (client_secret_env).
func (c *Config) loadOIDC(list []OIDCProvider, env func(string) (string, bool)) error {
	seen := map[string]bool{}
	for i := range list {
		p := &list[i]
		key := func(k string) string { return fmt.Sprintf("oidc[%d].%s", i, k) }
		p.Name = strings.TrimSpace(p.Name)
		if !oidcName.MatchString(p.Name) {
			return fmt.Errorf("%s: %q: use 1 to 32 lower-case letters, digits, '_' or '-' (it appears in the redirect URI)", key("name"), p.Name)
		}
		if seen[p.Name] {
			return fmt.Errorf("%s: %q is used by two providers: give each its own name", key("name"), p.Name)
		}
		seen[p.Name] = true
		if strings.TrimSpace(p.DisplayName) == "" {
			p.DisplayName = p.Name
		}
		iu, err := url.Parse(p.Issuer)
		if err != nil || iu.Host == "" || iu.User != nil || iu.RawQuery != "" || iu.Fragment != "" ||
			(iu.Scheme != "https" && (iu.Scheme != "http" || !loopbackHost(iu.Hostname()))) {
			return fmt.Errorf("%s: %q is not an issuer URL like https://id.example.org (http only on loopback)", key("issuer"), RedactURL(p.Issuer))
		}
		if strings.TrimSpace(p.ClientID) == "" {
			return fmt.Errorf("%s is missing: the client id registered at the provider", key("client_id"))
		}
		if p.ClientSecretEnv != "" {
			if p.ClientSecret != "" {
				return fmt.Errorf("%s: give client_secret or client_secret_env, not both", key("client_secret_env"))
			}
			v, ok := env(p.ClientSecretEnv)
			if !ok || v == "" {
				return fmt.Errorf("%s: %s is not set (in the environment or the env file)", key("client_secret_env"), p.ClientSecretEnv)
			}
			p.ClientSecret = v
		}
		if len(p.Scopes) == 0 {
			p.Scopes = []string{"openid", "email", "profile"}
			if p.GroupsClaim == "groups" {
				p.Scopes = append(p.Scopes, "groups")
			}
		}
		if !contains(p.Scopes, "openid") {
			return fmt.Errorf("%s: %v lacks openid, without which there is no ID token", key("scopes"), p.Scopes)
		}
		if p.GroupsClaim == "" && (len(p.AdminGroups) > 0 || len(p.GroupMap) > 0) {
			return fmt.Errorf("%s is missing: admin_groups and group_map need the claim that lists the groups, like groups", key("groups_claim"))
		}
		for j, m := range p.GroupMap {
			if strings.TrimSpace(m.Claim) == "" || strings.TrimSpace(m.Group) == "" {
				return fmt.Errorf("%s[%d]: give claim (a group of the provider) and group (the name of a DocuVault group)", key("group_map"), j)
			}
		}
	}
	if len(list) > 0 && c.PublicURL == "" {
		return fmt.Errorf("DOCUVAULT_PUBLIC_URL is not set: single sign-on (oidc:) needs the address people open DocuVault at, for the redirect URI")
	}
	c.OIDC = list
	return nil
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
