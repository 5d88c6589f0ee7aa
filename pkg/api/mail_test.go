package api

import (
	"bytes"
	"crypto/x509"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	imapclient "github.com/emersion/go-imap/client"

	"github.com/docuvault/docuvault/pkg/mail"
	"github.com/docuvault/docuvault/pkg/secrets"
	"github.com/docuvault/docuvault/tests/testenv"
)

// TestMailAccountsAPI: an account added over the API (its password never
// answered), a rule, and a poll now against this checkout's Dovecot that
// stores the message's attachment; another user sees none of it; a wrong
// password is the account in ERROR with the reason.
func TestMailAccountsAPI(t *testing.T) {
	addr := testenv.Get(t, "DOCUVAULT_TEST_IMAP_ADDR")
	login, pass := testenv.Get(t, "DOCUVAULT_TEST_IMAP_USER"), testenv.Get(t, "DOCUVAULT_TEST_IMAP_PASSWORD")
	if addr == "" || login == "" {
		testenv.Unavailable(t, "DOCUVAULT_TEST_IMAP_ADDR is not set (Dovecot)")
	}
	pem, err := os.ReadFile(testenv.Get(t, "DOCUVAULT_TEST_IMAP_CA"))
	if err != nil {
		testenv.Unavailable(t, "Dovecot's certificate: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	c, err := imapclient.Dial(addr)
	if err != nil {
		testenv.Unavailable(t, "Dovecot at %s: %v", addr, err)
	}
	c.Timeout = 30 * time.Second
	defer func() { _ = c.Logout() }()
	if err := c.Login(login, pass); err != nil {
		t.Fatal(err)
	}
	folder := testenv.RandomName("api")
	if err := c.Create(folder); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Delete(folder) }()
	msg := "From: scanner@example.org\r\nSubject: Scan\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n" +
		"--B\r\nContent-Type: text/plain\r\n\r\nscan\r\n--B\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"notes.txt\"\r\n\r\nnotes of the api test\r\n--B--\r\n"
	if err := c.Append(folder, nil, time.Now(), bytes.NewReader([]byte(msg))); err != nil {
		t.Fatal(err)
	}

	e := newEnv(t, envOptions{deps: func(d *Deps) {
		ring, err := secrets.NewKeyring(strings.Repeat("m", 40))
		if err != nil {
			t.Fatal(err)
		}
		d.Mail = &mail.Poller{DB: d.DB, Storage: d.Storage, Keyring: ring, RootCAs: roots, Timeout: 20 * time.Second}
	}})
	ann, bob := e.login("ann"), e.login("bob")
	host, p, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(p)
	var acc mail.Account
	res := ann.do("POST", "/api/mail/accounts", map[string]any{"name": "office", "host": host, "port": port, "security": "starttls", "login": login, "password": pass}).want(201)
	res.decode(&acc)
	if strings.Contains(string(res.body), pass) || acc.Status != "ACTIVE" || acc.Port != port {
		t.Fatalf("created account: %s", res.body)
	}
	ann.do("POST", "/api/mail/accounts", map[string]any{"name": "Office", "host": host, "login": login, "password": "x"}).wantError(409, "conflict")
	ann.do("POST", "/api/mail/accounts", map[string]any{"name": "clear", "host": "imap.example.org", "security": "none", "login": "a", "password": "x"}).wantError(422, "invalid_field")
	ann.do("POST", "/api/mail/accounts/"+acc.ID+"/rules", map[string]any{"folder": folder, "mode": "attachments", "types": []string{"txt"}, "after": "flag"}).want(201)
	ann.do("POST", "/api/mail/accounts/"+acc.ID+"/rules", map[string]any{"folder": folder, "after": "shred"}).wantError(422, "invalid_field")
	bob.do("GET", "/api/mail/accounts/"+acc.ID+"/rules", nil).wantError(404, "not_found")
	bob.do("POST", "/api/mail/accounts/"+acc.ID+"/poll", nil).wantError(404, "not_found")
	var bobs struct{ Accounts []mail.Account }
	bob.do("GET", "/api/mail/accounts", nil).want(200).decode(&bobs)
	if len(bobs.Accounts) != 0 {
		t.Fatalf("bob sees %+v", bobs.Accounts)
	}

	var polled struct {
		Summary mail.Summary
		Account mail.Account
	}
	ann.do("POST", "/api/mail/accounts/"+acc.ID+"/poll", nil).want(200).decode(&polled)
	if polled.Summary.Messages != 1 || polled.Summary.Stored != 1 || polled.Account.Status != "ACTIVE" || polled.Account.LastPollAt == nil {
		t.Fatalf("poll: %+v", polled)
	}
	var n int
	if err := e.admin.Get(&n, `SELECT count(*) FROM documents WHERE user_id = $1 AND filename = 'notes.txt'`, e.users["ann"].ID); err != nil || n != 1 {
		t.Fatalf("documents: %d, %v", n, err)
	}

	var bad mail.Account
	ann.do("POST", "/api/mail/accounts", map[string]any{"name": "bad", "host": host, "port": port, "security": "starttls", "login": login, "password": "wrong"}).want(201).decode(&bad)
	ann.do("POST", "/api/mail/accounts/"+bad.ID+"/rules", map[string]any{"folder": folder}).want(201)
	ann.do("POST", "/api/mail/accounts/"+bad.ID+"/poll", nil).want(200).decode(&polled)
	if polled.Account.Status != "ERROR" || !strings.Contains(polled.Account.LastError, "login refused") || polled.Summary.Error == "" {
		t.Fatalf("poll with a wrong password: %+v", polled)
	}
	var list struct{ Accounts []mail.Account }
	res = ann.do("GET", "/api/mail/accounts", nil).want(200)
	res.decode(&list)
	if len(list.Accounts) != 2 || strings.Contains(string(res.body), pass) || strings.Contains(string(res.body), "password_enc") {
		t.Fatalf("list: %s", res.body)
	}
	ann.do("DELETE", "/api/mail/accounts/"+bad.ID+"/rules/1", nil).want(204)
	ann.do("DELETE", "/api/mail/accounts/"+bad.ID, nil).want(204)
	ann.do("DELETE", "/api/mail/accounts/"+bad.ID, nil).wantError(404, "not_found")
}
