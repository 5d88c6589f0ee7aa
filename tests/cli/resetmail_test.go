package cli

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/mailer/mailertest"
)

// docuvault user reset-link --send mails the link through a real SMTP
// server (STARTTLS, its CA given with DOCUVAULT_SMTP_CA_FILE); without
// SMTP it says so; an untrusted certificate fails in one line and leaves
// no link; plain SMTP off loopback and the password in config show are
// refused / hidden.
func TestResetLinkSend(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")

	d.run(t, nil, "user", "reset-link", "ann", "--send").check(t, 64, "", "no SMTP server is configured")

	srv := mailertest.Start(t, mailertest.Options{TLS: true, User: "dv", Password: "smtp-SECRET"})
	smtpEnv := map[string]string{
		"DOCUVAULT_SMTP_HOST":     srv.Host,
		"DOCUVAULT_SMTP_PORT":     strconv.Itoa(srv.Port),
		"DOCUVAULT_SMTP_USER":     "dv",
		"DOCUVAULT_SMTP_PASSWORD": "smtp-SECRET",
		"DOCUVAULT_SMTP_FROM":     "DocuVault <docuvault@example.org>",
		"DOCUVAULT_PUBLIC_URL":    "https://docs.example.org",
		"DOCUVAULT_SMTP_CA_FILE":  srv.CAFile,
	}
	r := d.run(t, smtpEnv, "user", "reset-link", "ann", "--send")
	r.check(t, 0, "reset link for ann mailed to ann@example.org", "")
	if strings.Contains(r.stdout+r.stderr, "/reset/") {
		t.Errorf("the link was printed too:\n%s%s", r.stdout, r.stderr)
	}
	var m mailertest.Message
	select {
	case m = <-srv.Messages:
	case <-time.After(10 * time.Second):
		t.Fatal("no mail")
	}
	if m.Auth != "dv" || len(m.To) != 1 || m.To[0] != "ann@example.org" ||
		!regexp.MustCompile(`https://docs\.example\.org/reset/[A-Za-z0-9_-]{43}`).Match(m.Data) {
		t.Fatalf("mail %+v\n%s", m, m.Data)
	}
	var n int
	if err := d.dep.AdminDB(t).Get(&n, `SELECT count(*) FROM audit_log WHERE event_type = 'user_admin' AND metadata->>'action' = 'reset_link' AND (metadata->>'sent')::boolean`); err != nil || n != 1 {
		t.Errorf("mailed link audited %d times (%v)", n, err)
	}

	// Without the CA the certificate is not trusted: one line, exit 1, the new link removed.
	untrusted := map[string]string{"DOCUVAULT_SMTP_CA_FILE": ""}
	for k, v := range smtpEnv {
		if k != "DOCUVAULT_SMTP_CA_FILE" {
			untrusted[k] = v
		}
	}
	r = d.run(t, untrusted, "user", "reset-link", "ann", "--send")
	r.check(t, 1, "", "certificate")
	if lines := strings.Count(strings.TrimSpace(r.stderr), "\n") + 1; lines != 1 || strings.Contains(r.stderr, "SECRET") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if err := d.dep.AdminDB(t).Get(&n, `SELECT count(*) FROM password_resets WHERE used_at IS NULL`); err != nil || n != 0 {
		t.Errorf("%d unused links after a failed mail (the mailed one is replaced, the failed one removed) (%v)", n, err)
	}

	// config show hides the password; plain SMTP to another host is refused.
	r = d.run(t, smtpEnv, "config", "show")
	r.check(t, 0, "DOCUVAULT_SMTP_PASSWORD", "")
	if strings.Contains(r.stdout, "smtp-SECRET") {
		t.Error("config show prints the SMTP password")
	}
	plain := map[string]string{"DOCUVAULT_SMTP_TLS": "none", "DOCUVAULT_SMTP_HOST": "smtp.example.org"}
	for k, v := range smtpEnv {
		if _, set := plain[k]; !set {
			plain[k] = v
		}
	}
	d.run(t, plain, "user", "reset-link", "ann", "--send").check(t, 1, "", "allowed only to a server on loopback")
}
