package web

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	gomail "github.com/emersion/go-message/mail"

	"github.com/docuvault/docuvault/pkg/mailer/mailertest"
	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebResetMail drives resetmail.mjs: with an SMTP server (a real one,
// run here on loopback with STARTTLS) the login page offers "Forgot
// password?", answers the same for an unknown address and for ann's, and
// the link mailed to ann sets her password once; an administrator sends
// bob a link from the admin page. Without SMTP (a second serve) the login
// page says to ask an administrator. Each mail's text lands in a folder
// the script reads. Then checks the audit log, and that no token reached
// the logs.
func TestWebResetMail(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	plain := env{root: root, bin: build(t, root), vars: dep.Env()}
	const annPass, bobPass, rootPass = "ann's long password", "bob's long password", "root's long password"
	plain.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")
	plain.run(t, bobPass+"\n", "user", "add", "bob", "--email", "bob@example.org", "--password-stdin")
	plain.run(t, rootPass+"\n", "user", "add", "root", "--email", "root@example.org", "--admin", "--password-stdin")

	srv := mailertest.Start(t, mailertest.Options{TLS: true, User: "docuvault", Password: "smtp password"})
	mailDir := t.TempDir()
	var (
		mu     sync.Mutex
		tokens []string
	)
	tokenRE := regexp.MustCompile(`/reset/([A-Za-z0-9_-]{43})`)
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	go func() {
		for n := 1; ; n++ {
			var m mailertest.Message
			select {
			case m = <-srv.Messages:
			case <-done:
				return
			}
			text := "To: " + strings.Join(m.To, ",") + "\n\n"
			if r, err := gomail.CreateReader(bytes.NewReader(m.Data)); err == nil {
				if p, err := r.NextPart(); err == nil {
					b, _ := io.ReadAll(p.Body)
					text += string(b)
				}
			}
			if sub := tokenRE.FindStringSubmatch(text); sub != nil {
				mu.Lock()
				tokens = append(tokens, sub[1])
				mu.Unlock()
			}
			// Written whole, then renamed: the script never reads half a mail.
			tmp := filepath.Join(mailDir, fmt.Sprintf(".%d.tmp", n))
			if err := os.WriteFile(tmp, []byte(text), 0o644); err == nil {
				_ = os.Rename(tmp, filepath.Join(mailDir, fmt.Sprintf("%d.txt", n)))
			}
		}
	}()

	withMail := env{root: root, bin: plain.bin, vars: map[string]string{
		"DOCUVAULT_SMTP_HOST":     srv.Host,
		"DOCUVAULT_SMTP_PORT":     strconv.Itoa(srv.Port),
		"DOCUVAULT_SMTP_CA_FILE":  srv.CAFile,
		"DOCUVAULT_SMTP_USER":     "docuvault",
		"DOCUVAULT_SMTP_PASSWORD": "smtp password",
		"DOCUVAULT_SMTP_FROM":     "DocuVault <docuvault@example.org>",
		"DOCUVAULT_PUBLIC_URL":    "https://docs.example.org",
	}}
	for k, v := range dep.Env() {
		withMail.vars[k] = v
	}
	logs := &testenv.SyncBuffer{}
	base := withMail.serve(t, logs)
	basePlain := plain.serve(t, logs)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve logs:\n%s", logs)
		}
	})
	shots := runScript(t, root, node, chromium, base, "resetmail", "resetmail",
		"ANN_PASSWORD="+annPass, "ROOT_PASSWORD="+rootPass, "MAIL_DIR="+mailDir, "BASE_PLAIN="+basePlain)

	db := dep.AdminDB(t)
	var n int
	for outcome, want := range map[string]int{"sent": 1, "unknown": 1} {
		if err := db.Get(&n, `SELECT count(*) FROM audit_log WHERE event_type = 'user_admin' AND metadata->>'action' = 'forgot_password' AND metadata->>'outcome' = $1`, outcome); err != nil || n != want {
			t.Errorf("forgot_password %s audited %d times, want %d (%v)", outcome, n, want, err)
		}
	}
	if err := db.Get(&n, `SELECT count(*) FROM audit_log WHERE event_type = 'user_admin' AND metadata->>'action' = 'reset_link' AND (metadata->>'sent')::boolean AND metadata->>'handle' = 'bob'`); err != nil || n != 1 {
		t.Errorf("bob's mailed link audited %d times (%v)", n, err)
	}
	if err := db.Get(&n, `SELECT count(*) FROM audit_log WHERE event_type = 'user_admin' AND metadata->>'action' = 'reset_password'`); err != nil || n != 1 {
		t.Errorf("passwords set with a link: %d, want 1 (%v)", n, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(tokens) != 2 {
		t.Errorf("%d mails with a link, want 2 (ann's, bob's)", len(tokens))
	}
	for _, tok := range tokens {
		if strings.Contains(logs.String(), tok) {
			t.Error("a reset token is in serve's logs")
		}
	}
	pngs, _ := filepath.Glob(filepath.Join(shots, "r[0-9]-*.png"))
	if len(pngs) != 6 {
		t.Errorf("%d screenshots in %s, want 6", len(pngs), shots)
	}
}
