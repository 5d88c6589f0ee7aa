package cli

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestMailAddRulePoll: `docuvault mail add` (password on stdin, STARTTLS
// to this checkout's Dovecot), `mail rule add` and `mail poll` take a
// message's PDF into the vault with its topic, mark the message read on
// the server, take nothing twice, and `mail list` shows the account's
// status but never its password; a wrong password is the account in ERROR
// with the reason, exit 1.
func TestMailAddRulePoll(t *testing.T) {
	addr := testenv.Get(t, "DOCUVAULT_TEST_IMAP_ADDR")
	login, pass := testenv.Get(t, "DOCUVAULT_TEST_IMAP_USER"), testenv.Get(t, "DOCUVAULT_TEST_IMAP_PASSWORD")
	ca := testenv.Get(t, "DOCUVAULT_TEST_IMAP_CA")
	if addr == "" || login == "" {
		testenv.Unavailable(t, "DOCUVAULT_TEST_IMAP_ADDR is not set (Dovecot)")
	}
	c, err := client.Dial(addr)
	if err != nil {
		testenv.Unavailable(t, "Dovecot at %s: %v", addr, err)
	}
	c.Timeout = 30 * time.Second
	defer func() { _ = c.Logout() }()
	if err := c.Login(login, pass); err != nil {
		t.Fatal(err)
	}
	folder := testenv.RandomName("cli")
	if err := c.Create(folder); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Delete(folder) }()
	pdf := "%PDF-1.4\n% mail cli test\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
	for i, from := range []string{"scanner@office.example", "someone@example.org"} {
		var b bytes.Buffer
		fmt.Fprintf(&b, "From: %s\r\nSubject: Scan %d\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"+
			"--B\r\nContent-Type: text/plain\r\n\r\nscanned\r\n--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"scan-%d.pdf\"\r\n"+
			"Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--B--\r\n", from, i, i, base64.StdEncoding.EncodeToString([]byte(pdf+from)))
		if err := c.Append(folder, nil, time.Now(), &b); err != nil {
			t.Fatal(err)
		}
	}
	host, port, _ := strings.Cut(addr, ":")
	tlsEnv := map[string]string{"SSL_CERT_FILE": ca} // trust the test server's self-signed certificate

	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	d.run(t, nil, "topic", "add", "Scans").check(t, 0, "", "")
	d.runIn(t, pass+"\n", nil, "mail", "add", "office", "--host", host, "--port", port, "--security", "starttls", "--login", login, "--password-stdin").
		check(t, 0, `added mail account "office"`, "")
	d.run(t, nil, "mail", "add", "x", "--host", "imap.example.org", "--login", "a").check(t, 64, "", "--password-stdin")
	d.runIn(t, "p\n", nil, "mail", "add", "x", "--host", "imap.example.org", "--security", "none", "--login", "a", "--password-stdin").check(t, 64, "", "loopback")
	d.run(t, nil, "mail", "rule", "add", "office", "--folder", folder, "--from", "SCANNER@", "--types", "pdf", "--topic", "Scans", "--after", "read").
		check(t, 0, "added rule 1", "")
	d.run(t, nil, "mail", "rule", "add", "office", "--mode", "whole").check(t, 64, "", "mode must be attachments or message")
	d.run(t, nil, "mail", "rule", "list", "office").check(t, 0, `from contains "SCANNER@"`, "")

	d.run(t, tlsEnv, "mail", "poll", "office").check(t, 0, "office: 1 message(s) taken: 1 document(s) stored", "")
	d.run(t, tlsEnv, "mail", "poll").check(t, 0, "office: 0 message(s) taken: 0 document(s) stored", "")

	db := d.dep.AdminDB(t)
	var docs []struct {
		Filename string `db:"filename"`
		Topics   int    `db:"topics"`
	}
	if err := db.Select(&docs, `SELECT filename, (SELECT count(*) FROM document_topics dt WHERE dt.document_id = d.id) AS topics FROM documents d`); err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0].Filename != "scan-0.pdf" || docs[0].Topics != 1 {
		t.Fatalf("documents %+v, want scan-0.pdf with its topic", docs)
	}
	// Marked read on the server; the other message untouched.
	if _, err := c.Select(folder, true); err != nil {
		t.Fatal(err)
	}
	seen, err := c.Search(&imap.SearchCriteria{WithFlags: []string{imap.SeenFlag}})
	if err != nil || len(seen) != 1 || seen[0] != 1 {
		t.Fatalf("messages marked read: %v, %v; want the first", seen, err)
	}
	_ = c.Close()

	r := d.run(t, nil, "mail", "list")
	r.check(t, 0, "ACTIVE", "")
	if strings.Contains(r.stdout+r.stderr, pass) {
		t.Fatal("mail list shows the password")
	}
	var sealed string
	if err := db.Get(&sealed, `SELECT password_enc FROM mail_accounts`); err != nil || strings.Contains(sealed, pass) {
		t.Fatalf("password stored in clear (%v)", err)
	}

	// A wrong password: ERROR, with the reason, in poll and list.
	d.runIn(t, "wrong\n", nil, "mail", "add", "bad", "--host", host, "--port", port, "--security", "starttls", "--login", login, "--password-stdin").check(t, 0, "", "")
	d.run(t, nil, "mail", "rule", "add", "bad", "--folder", folder).check(t, 0, "", "")
	d.run(t, tlsEnv, "mail", "poll", "bad").check(t, 1, "bad: ERROR: login refused", "could not be polled")
	d.run(t, nil, "mail", "list").check(t, 0, "login refused", "")
	d.run(t, nil, "mail", "rule", "rm", "bad", "1").check(t, 0, "removed rule 1", "")
	d.run(t, nil, "mail", "rm", "bad").check(t, 0, `removed mail account "bad"`, "")
	d.run(t, nil, "mail", "rm", "bad").check(t, 1, "", "not found")
}
