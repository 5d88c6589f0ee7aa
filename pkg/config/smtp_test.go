package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/pkg/config"
)

func loadSMTPEnv(vars map[string]string) (*config.Config, error) {
	return config.Load(config.Options{LookupEnv: env(vars), ConfigSearch: []string{}, EnvFiles: []string{}})
}

// SMTP settings: the password is never shown; plain SMTP is refused off
// loopback, and the settings a mail needs are asked for by name.
func TestSMTPSettings(t *testing.T) {
	base := map[string]string{
		"DOCUVAULT_SMTP_HOST":     "smtp.example.org",
		"DOCUVAULT_SMTP_USER":     "docuvault",
		"DOCUVAULT_SMTP_PASSWORD": "SECRET",
		"DOCUVAULT_SMTP_FROM":     "DocuVault <docuvault@example.org>",
		"DOCUVAULT_PUBLIC_URL":    "https://docs.example.org/",
	}
	c, err := loadSMTPEnv(base)
	if err != nil {
		t.Fatal(err)
	}
	if !c.SMTP.Configured() || c.SMTP.Port != 587 || c.SMTP.TLS != "starttls" || c.PublicURL != "https://docs.example.org" || c.SMTP.ResetLimit.N != 3 {
		t.Fatalf("%+v %q", c.SMTP, c.PublicURL)
	}
	for _, s := range config.Settings() {
		if got := c.Display(s); strings.Contains(got, "SECRET") {
			t.Errorf("%s shown as %q", s.Env, got)
		}
		if s.Env == "DOCUVAULT_SMTP_PASSWORD" && c.Display(s) != "<redacted>" {
			t.Errorf("password shown as %q", c.Display(s))
		}
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range base {
			m[a] = b
		}
		m[k] = v
		return m
	}
	for _, tc := range []struct {
		vars map[string]string
		env  string
		want string
	}{
		{with("DOCUVAULT_SMTP_TLS", "none"), "DOCUVAULT_SMTP_TLS", "allowed only to a server on loopback"},
		{with("DOCUVAULT_SMTP_TLS", "ssl"), "DOCUVAULT_SMTP_TLS", "is not starttls, tls or none"},
		{with("DOCUVAULT_SMTP_PORT", "70000"), "DOCUVAULT_SMTP_PORT", "is not a port"},
		{with("DOCUVAULT_PUBLIC_URL", "docs.example.org"), "DOCUVAULT_PUBLIC_URL", "is not the address people open DocuVault at"},
		{with("DOCUVAULT_SMTP_FROM", "nobody"), "DOCUVAULT_SMTP_HOST", "sender address"},
		{with("DOCUVAULT_SMTP_CA_FILE", "/nonexistent/ca.pem"), "DOCUVAULT_SMTP_CA_FILE", "no such file"},
	} {
		_, err := loadSMTPEnv(tc.vars)
		var inv *config.InvalidError
		if !errors.As(err, &inv) || inv.Env != tc.env || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%v: %v, want %s: %q", tc.vars, err, tc.env, tc.want)
		}
	}
	for _, missing := range []string{"DOCUVAULT_SMTP_FROM", "DOCUVAULT_PUBLIC_URL"} {
		_, err := loadSMTPEnv(with(missing, ""))
		var me *config.MissingError
		if !errors.As(err, &me) || me.Env != missing {
			t.Errorf("without %s: %v", missing, err)
		}
	}
	// Plain SMTP to a relay on loopback is fine; no host, no mail.
	if _, err := loadSMTPEnv(with("DOCUVAULT_SMTP_HOST", "127.0.0.1")); err != nil {
		t.Error(err)
	}
	v := with("DOCUVAULT_SMTP_TLS", "none")
	v["DOCUVAULT_SMTP_HOST"] = "localhost"
	if _, err := loadSMTPEnv(v); err != nil {
		t.Error(err)
	}
	if c, err := loadSMTPEnv(map[string]string{}); err != nil || c.SMTP.Configured() {
		t.Errorf("no SMTP: %+v, %v", c.SMTP, err)
	}
}
