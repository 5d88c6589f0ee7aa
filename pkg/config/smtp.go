package config

import (
	"crypto/x509"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/viper"

	"github.com/docuvault/docuvault/pkg/mailer"
)

// SMTP is the outgoing mail server DocuVault sends password reset links
// through. Host "" means none is configured: reset links are shown once
// instead, and the login page has no "Forgot password?".
type SMTP struct {
	Host     string // DOCUVAULT_SMTP_HOST
	Port     int    // DOCUVAULT_SMTP_PORT
	TLS      string // DOCUVAULT_SMTP_TLS: starttls, tls or none (loopback only)
	CAFile   string // DOCUVAULT_SMTP_CA_FILE: PEM CA for the server's certificate
	User     string // DOCUVAULT_SMTP_USER
	Password string // DOCUVAULT_SMTP_PASSWORD
	From     string // DOCUVAULT_SMTP_FROM
	// ResetLimit bounds "forgot password" e-mails per address; ResetIPLimit
	// bounds "forgot password" requests per client IP.
	ResetLimit   Rate // DOCUVAULT_PASSWORD_RESET_LIMIT
	ResetIPLimit Rate // DOCUVAULT_PASSWORD_RESET_IP_LIMIT
}

// Configured reports whether mail can be sent.
func (s SMTP) Configured() bool { return s.Host != "" }

// Mailer is the pkg/mailer configuration of s (its CA file read).
func (s SMTP) Mailer() (mailer.Config, error) {
	mc := mailer.Config{Host: s.Host, Port: s.Port, TLS: s.TLS, User: s.User, Password: s.Password, From: s.From}
	if s.CAFile != "" {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			return mc, fmt.Errorf("DOCUVAULT_SMTP_CA_FILE: %w", err)
		}
		mc.RootCAs = x509.NewCertPool()
		if !mc.RootCAs.AppendCertsFromPEM(pem) {
			return mc, fmt.Errorf("DOCUVAULT_SMTP_CA_FILE: %s holds no PEM certificate", s.CAFile)
		}
	}
	return mc, nil
}

func (c *Config) loadSMTP(v *viper.Viper, sources map[string]string) error {
	s := SMTP{
		Host:     strings.TrimSpace(v.GetString("smtp_host")),
		TLS:      strings.ToLower(strings.TrimSpace(v.GetString("smtp_tls"))),
		CAFile:   v.GetString("smtp_ca_file"),
		User:     v.GetString("smtp_user"),
		Password: v.GetString("smtp_password"),
		From:     strings.TrimSpace(v.GetString("smtp_from")),
	}
	var err error
	if s.Port, err = strconv.Atoi(strings.TrimSpace(v.GetString("smtp_port"))); err != nil || s.Port < 1 || s.Port > 65535 {
		return invalid("DOCUVAULT_SMTP_PORT", sources["smtp_port"], v.GetString("smtp_port"), "is not a port (1-65535)")
	}
	if s.ResetLimit, err = ParseRate(v.GetString("password_reset_limit")); err != nil {
		return &InvalidError{Env: "DOCUVAULT_PASSWORD_RESET_LIMIT", Source: sources["password_reset_limit"], Err: err}
	}
	if s.ResetIPLimit, err = ParseRate(v.GetString("password_reset_ip_limit")); err != nil {
		return &InvalidError{Env: "DOCUVAULT_PASSWORD_RESET_IP_LIMIT", Source: sources["password_reset_ip_limit"], Err: err}
	}
	switch s.TLS {
	case mailer.TLSStartTLS, mailer.TLSImplicit, mailer.TLSNone:
	default:
		return invalid("DOCUVAULT_SMTP_TLS", sources["smtp_tls"], s.TLS, "is not starttls, tls or none")
	}
	c.SMTP = s
	if !s.Configured() {
		return nil
	}
	if s.TLS == mailer.TLSNone && !mailer.Loopback(s.Host) {
		return invalid("DOCUVAULT_SMTP_TLS", sources["smtp_tls"], s.TLS,
			"sends the SMTP password and reset links in clear text, so it is allowed only to a server on loopback (127.0.0.1, ::1, localhost): use starttls or tls for "+s.Host)
	}
	if s.From == "" {
		return &MissingError{Env: "DOCUVAULT_SMTP_FROM", What: "the sender address of DocuVault's e-mail, needed with DOCUVAULT_SMTP_HOST"}
	}
	if c.PublicURL == "" {
		return &MissingError{Env: "DOCUVAULT_PUBLIC_URL", What: "the address people open DocuVault at (e.g. https://docs.example.org), needed with DOCUVAULT_SMTP_HOST to build the links it mails"}
	}
	mc, err := s.Mailer()
	if err != nil {
		return &InvalidError{Env: "DOCUVAULT_SMTP_CA_FILE", Source: sources["smtp_ca_file"], Err: err}
	}
	if err := mc.Check(); err != nil {
		return &InvalidError{Env: "DOCUVAULT_SMTP_HOST", Source: sources["smtp_host"], Err: err}
	}
	return nil
}

func (c *Config) rawSMTP(key string) string {
	switch key {
	case "public_url":
		return c.PublicURL
	case "smtp_host":
		return c.SMTP.Host
	case "smtp_port":
		return strconv.Itoa(c.SMTP.Port)
	case "smtp_tls":
		return c.SMTP.TLS
	case "smtp_ca_file":
		return c.SMTP.CAFile
	case "smtp_user":
		return c.SMTP.User
	case "smtp_password":
		return c.SMTP.Password
	case "smtp_from":
		return c.SMTP.From
	case "password_reset_limit":
		return c.SMTP.ResetLimit.String()
	case "password_reset_ip_limit":
		return c.SMTP.ResetIPLimit.String()
	}
	return ""
}
