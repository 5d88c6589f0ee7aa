package api

import (
	"bytes"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"github.com/docuvault/docuvault/pkg/accounts"
	"github.com/docuvault/docuvault/pkg/mailer"
	"github.com/docuvault/docuvault/pkg/mailer/mailertest"
	"github.com/docuvault/docuvault/pkg/ratelimit"
)

// lockedBuffer is a log sink that goroutines may write while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

var resetLinkRE = regexp.MustCompile(`https://docs\.example\.org/reset/([A-Za-z0-9_-]{43})`)

// mailedToken waits for a message to to and returns the token of the
// reset link in its text (an English mail).
func mailedToken(t *testing.T, srv *mailertest.Server, to string) string {
	t.Helper()
	_, body := mailed(t, srv, to)
	sub := resetLinkRE.FindSubmatch([]byte(body))
	if sub == nil || !strings.Contains(body, "works once, until") {
		t.Fatalf("no reset link or expiry in %q", body)
	}
	return string(sub[1])
}

// mailed waits for a message to to and returns its subject and text.
func mailed(t *testing.T, srv *mailertest.Server, to string) (string, string) {
	t.Helper()
	var m mailertest.Message
	select {
	case m = <-srv.Messages:
	case <-time.After(15 * time.Second):
		t.Fatalf("no mail to %s", to)
	}
	if len(m.To) != 1 || m.To[0] != to {
		t.Fatalf("mail to %v, want %s", m.To, to)
	}
	r, err := gomail.CreateReader(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := r.Header.MessageID(); id == "" {
		t.Error("no Message-ID")
	}
	if _, err := r.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	subject, err := r.Header.Subject()
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(p.Body)
	if err != nil {
		t.Fatal(err)
	}
	return subject, string(body)
}

// resetMailEnv is an env whose reset links go through an SMTP server
// (STARTTLS) run by the test; trusted says whether the server's CA is.
func resetMailEnv(t *testing.T, trusted bool, perAddress, perIP int64) (*env, *mailertest.Server, *lockedBuffer) {
	srv := mailertest.Start(t, mailertest.Options{TLS: true, User: "dv", Password: "smtp secret"})
	logs := &lockedBuffer{}
	mc := mailer.Config{Host: srv.Host, Port: srv.Port, User: "dv", Password: "smtp secret", From: "DocuVault <docuvault@example.org>"}
	if trusted {
		mc.RootCAs = srv.CAs
	}
	m, err := mailer.New(mc)
	if err != nil {
		t.Fatal(err)
	}
	rm := &accounts.ResetMailer{Sender: m, PublicURL: "https://docs.example.org",
		PerAddress: accounts.Limit{N: perAddress, Window: time.Hour}, PerIP: accounts.Limit{N: perIP, Window: time.Hour},
		Log: slog.New(slog.NewJSONHandler(logs, nil))}
	e := newEnv(t, envOptions{deps: func(d *Deps) { d.ResetMail = rm }})
	// The limits count in this test's own Redis keys.
	rm.Limits = ratelimit.Counter{Pool: e.pool, Namespace: "resetmail-" + t.Name() + time.Now().Format("150405.000000000")}
	return e, srv, logs
}

// An administrator mails ann a reset link: it arrives, works once, and
// the administrator never sees it.
func TestResetLinkByMail(t *testing.T) {
	e, srv, logs := resetMailEnv(t, true, 10, 100)
	root := e.login("root")
	res := root.do("POST", "/api/admin/users/"+e.users["ann"].ID+"/reset-link", map[string]bool{"send": true}).want(201)
	if strings.Contains(string(res.body), "token") || res.json()["sent_to"] != "ann@example.org" {
		t.Fatalf("answer %s", res.body)
	}
	token := mailedToken(t, srv, "ann@example.org")
	anon := e.anon()
	anon.do("POST", "/api/auth/reset", map[string]string{"token": token, "password": "a brand new passphrase"}).want(200)
	anon.do("POST", "/api/auth/login", map[string]string{"handle": "ann", "password": "password-ann"}).wantError(401, "invalid_credentials")
	anon.do("POST", "/api/auth/login", map[string]string{"handle": "ann", "password": "a brand new passphrase"}).want(200)
	anon.do("POST", "/api/auth/reset", map[string]string{"token": token, "password": "another new passphrase"}).wantError(410, "reset_used")
	// Shown once, as before, without send.
	root.do("POST", "/api/admin/users/"+e.users["bob"].ID+"/reset-link", nil).want(201)
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'user_admin' AND metadata->>'action' = 'reset_link' AND (metadata->>'sent')::boolean AND user_id = $1`, e.users["ann"].ID); n != 1 {
		t.Errorf("mailed reset link audited %d times", n)
	}
	if strings.Contains(logs.String(), token) || strings.Contains(e.logs.String(), token) {
		t.Error("the token is in the logs")
	}
}

// STARTTLS to a server whose certificate is not trusted: one clear line
// to the administrator, no link left behind, nothing delivered.
func TestResetLinkMailUntrusted(t *testing.T) {
	e, srv, logs := resetMailEnv(t, false, 10, 100)
	root := e.login("root")
	res := root.do("POST", "/api/admin/users/"+e.users["ann"].ID+"/reset-link", map[string]bool{"send": true}).wantError(502, "mail_failed")
	msg, _ := res.json()["error"].(map[string]any)["message"].(string)
	if !strings.Contains(msg, "certificate") || !strings.Contains(msg, "ann@example.org") || strings.Contains(msg, "\n") {
		t.Fatalf("message %q", msg)
	}
	if n := e.count(`SELECT count(*) FROM password_resets WHERE user_id = $1`, e.users["ann"].ID); n != 0 {
		t.Errorf("%d reset links left after a failed mail", n)
	}
	// The same failure behind "forgot password": the requester gets the
	// usual answer; the failure is logged at WARN, without the token.
	e.anon().do("POST", "/api/auth/forgot", map[string]string{"email": "ann@example.org"}).want(202)
	var line string
	for deadline := time.Now().Add(15 * time.Second); line == "" && time.Now().Before(deadline); {
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, "password reset by e-mail: not sent") {
				line = l
			}
		}
		if line == "" {
			time.Sleep(50 * time.Millisecond) // polling the log for the line the send writes when it gives up
		}
	}
	if !strings.Contains(line, `"level":"WARN"`) || !strings.Contains(line, e.users["ann"].ID) || !strings.Contains(line, "certificate") {
		t.Fatalf("log line %q", line)
	}
	if regexp.MustCompile(`[A-Za-z0-9_-]{43}`).MatchString(line) {
		t.Errorf("something token-like in %q", line)
	}
	if n := e.count(`SELECT count(*) FROM password_resets WHERE user_id = $1`, e.users["ann"].ID); n != 0 {
		t.Errorf("%d reset links left after a failed mail", n)
	}
	select {
	case m := <-srv.Messages:
		t.Fatalf("delivered %v", m.To)
	default:
	}
}

// "Forgot password?": the same answer for every address; a mail with a
// working link to a known one; the address and the client IP limited.
func TestForgotPassword(t *testing.T) {
	e, srv, logs := resetMailEnv(t, true, 2, 5)
	anon := e.anon()
	if on, _ := anon.do("GET", "/api/auth/forgot", nil).want(200).json()["enabled"].(bool); !on {
		t.Fatal("forgot password is not enabled with SMTP")
	}
	anon.do("POST", "/api/auth/forgot", map[string]string{"email": "not an address"}).wantError(422, "invalid_field")
	unknown := anon.do("POST", "/api/auth/forgot", map[string]string{"email": "nobody@example.org"}).want(202)
	known := anon.do("POST", "/api/auth/forgot", map[string]string{"email": "ann@example.org"}).want(202)
	if !bytes.Equal(unknown.body, known.body) {
		t.Fatalf("answers differ: %s / %s", unknown.body, known.body)
	}
	token := mailedToken(t, srv, "ann@example.org")
	anon.do("POST", "/api/auth/reset", map[string]string{"token": token, "password": "a brand new passphrase"}).want(200)
	anon.do("POST", "/api/auth/login", map[string]string{"handle": "ann", "password": "a brand new passphrase"}).want(200)
	anon.do("POST", "/api/auth/reset", map[string]string{"token": token, "password": "another new passphrase"}).wantError(410, "reset_used")

	// The address's second mail (another letter case) goes; its third does not, with the same answer.
	anon.do("POST", "/api/auth/forgot", map[string]string{"email": "ANN@example.org"}).want(202)
	third := anon.do("POST", "/api/auth/forgot", map[string]string{"email": "ann@example.org"}).want(202)
	if !bytes.Equal(third.body, known.body) {
		t.Fatalf("throttled answer differs: %s", third.body)
	}
	anon.do("POST", "/api/auth/forgot", map[string]string{"email": "bob@example.org"}).want(202)
	got := map[string]int{}
	for range 2 {
		select {
		case m := <-srv.Messages:
			got[m.To[0]]++
		case <-time.After(15 * time.Second):
			t.Fatalf("mails so far %v", got)
		}
	}
	if got["ann@example.org"] != 1 || got["bob@example.org"] != 1 {
		t.Fatalf("mails %v, want one to ann, one to bob", got)
	}
	// Every mail the requests above started has arrived: the throttled one never went.
	select {
	case m := <-srv.Messages:
		t.Fatalf("a throttled request was mailed to %v", m.To)
	default:
	}
	// Five requests from this IP so far (the malformed one is not counted); the sixth is refused.
	limited := anon.do("POST", "/api/auth/forgot", map[string]string{"email": "nobody@example.org"}).wantError(429, "rate_limited")
	if limited.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	for outcome, want := range map[string]int{"sent": 3, "unknown": 1, "throttled": 1, "rate_limited": 1} {
		if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'user_admin' AND metadata->>'action' = 'forgot_password' AND metadata->>'outcome' = $1`, outcome); n != want {
			t.Errorf("forgot_password %s audited %d times, want %d", outcome, n, want)
		}
	}
	if strings.Contains(logs.String(), token) || strings.Contains(e.logs.String(), token) {
		t.Error("the token is in the logs")
	}
}

// Without SMTP: no "forgot password", and no sending.
func TestForgotPasswordOff(t *testing.T) {
	e := newEnv(t, envOptions{})
	anon := e.anon()
	if on, _ := anon.do("GET", "/api/auth/forgot", nil).want(200).json()["enabled"].(bool); on {
		t.Fatal("enabled without SMTP")
	}
	anon.do("POST", "/api/auth/forgot", map[string]string{"email": "ann@example.org"}).wantError(409, "smtp_not_configured")
	e.login("root").do("POST", "/api/admin/users/"+e.users["ann"].ID+"/reset-link", map[string]bool{"send": true}).wantError(409, "smtp_not_configured")
}

// A reset mail is in the account's language (PUT /api/me/language, as the
// web app saves it), else in the language of the page that asked for it,
// else in English.
func TestResetMailLanguage(t *testing.T) {
	e, srv, _ := resetMailEnv(t, true, 10, 100)
	anon, ann, root := e.anon(), e.login("ann"), e.login("root")
	german := func(what, subject, body, want string) {
		t.Helper()
		if subject != "Ihr Link für ein neues DocuVault-Passwort" || !strings.Contains(body, want) ||
			!strings.Contains(body, "Der Link funktioniert einmal, bis") || !resetLinkRE.MatchString(body) {
			t.Fatalf("%s: not the German mail: %q\n%s", what, subject, body)
		}
	}
	// No language chosen: the page's.
	anon.do("POST", "/api/auth/forgot", map[string]string{"email": "ann@example.org", "language": "de"}).want(202)
	subject, body := mailed(t, srv, "ann@example.org")
	german("forgot from a German page", subject, body, "Jemand (hoffentlich Sie) hat ein neues DocuVault-Passwort für Ihr Konto „ann“ angefordert.")
	anon.do("POST", "/api/auth/forgot", map[string]string{"email": "ann@example.org", "language": "fr"}).wantError(422, "invalid_field")

	// ann chooses English: her choice wins over the page's.
	if got := ann.do("PUT", "/api/me/language", map[string]string{"language": "en"}).want(200).json()["language"]; got != "en" {
		t.Fatalf("PUT language answered %v", got)
	}
	if got := ann.do("GET", "/api/me", nil).want(200).json()["language"]; got != "en" {
		t.Fatalf("GET /api/me language %v", got)
	}
	anon.do("POST", "/api/auth/forgot", map[string]string{"email": "ann@example.org", "language": "de"}).want(202)
	mailedToken(t, srv, "ann@example.org")

	// German, and an administrator sends it: German, in the administrator's words.
	ann.do("PUT", "/api/me/language", map[string]string{"language": "de"}).want(200)
	root.do("POST", "/api/admin/users/"+e.users["ann"].ID+"/reset-link", map[string]bool{"send": true}).want(201)
	subject, body = mailed(t, srv, "ann@example.org")
	german("sent by root", subject, body, "Ein Administrator von DocuVault hat Ihnen einen Link geschickt")

	// Bad values change nothing; null clears it, and mails are English again.
	ann.do("PUT", "/api/me/language", map[string]string{"language": "fr"}).wantError(422, "invalid_field")
	ann.do("PUT", "/api/me/language", map[string]any{"language": 7}).wantError(400, "")
	if n := e.count(`SELECT count(*) FROM users WHERE id = $1 AND language = 'de'`, e.users["ann"].ID); n != 1 {
		t.Fatalf("a refused change changed the language")
	}
	if got, ok := ann.do("PUT", "/api/me/language", map[string]any{"language": nil}).want(200).json()["language"]; !ok || got != nil {
		t.Fatalf("PUT null answered %v (present %v)", got, ok)
	}
	if got, ok := ann.do("GET", "/api/me", nil).want(200).json()["language"]; !ok || got != nil {
		t.Fatalf("GET /api/me language %v (present %v), want null", got, ok)
	}
	root.do("POST", "/api/admin/users/"+e.users["ann"].ID+"/reset-link", map[string]bool{"send": true}).want(201)
	mailedToken(t, srv, "ann@example.org")
	e.anon().do("PUT", "/api/me/language", map[string]string{"language": "de"}).wantError(401, "unauthenticated")
}
