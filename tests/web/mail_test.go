package web

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebMailAccounts drives mail.mjs: a mail account and a rule added on
// the Settings page, polled now against this checkout's Dovecot, a wrong
// password shown as the account's error, desktop and phone; then checks
// through the database and the server what the browser did. Screenshots
// land in the mail/ folder of the web screenshots.
func TestWebMailAccounts(t *testing.T) {
	root := testenv.ModuleRoot(t)
	addr := testenv.Get(t, "DOCUVAULT_TEST_IMAP_ADDR")
	login, pass := testenv.Get(t, "DOCUVAULT_TEST_IMAP_USER"), testenv.Get(t, "DOCUVAULT_TEST_IMAP_PASSWORD")
	if addr == "" || login == "" {
		testenv.Unavailable(t, "DOCUVAULT_TEST_IMAP_ADDR is not set (Dovecot)")
	}
	// A connection for each use: one left idle while the browser runs
	// times out.
	dial := func() *client.Client {
		c, err := client.Dial(addr)
		if err != nil {
			testenv.Unavailable(t, "Dovecot at %s: %v", addr, err)
		}
		c.Timeout = 30 * time.Second
		if err := c.Login(login, pass); err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := dial()
	folder := testenv.RandomName("web")
	if err := c.Create(folder); err != nil {
		t.Fatal(err)
	}
	defer func() { c := dial(); _ = c.Delete(folder); _ = c.Logout() }()
	pdf := "%PDF-1.4\n% web mail test\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
	var m bytes.Buffer
	fmt.Fprintf(&m, "From: Scanner <scanner@office.example>\r\nSubject: Scan\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"+
		"--B\r\nContent-Type: text/plain\r\n\r\nscanned\r\n--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"scan.pdf\"\r\n"+
		"Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--B--\r\n", base64.StdEncoding.EncodeToString([]byte(pdf)))
	if err := c.Append(folder, nil, time.Now(), &m); err != nil {
		t.Fatal(err)
	}
	_ = c.Logout()
	host, port, _ := net.SplitHostPort(addr)

	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	vars := dep.Env()
	vars["SSL_CERT_FILE"] = testenv.Get(t, "DOCUVAULT_TEST_IMAP_CA") // serve trusts the test server's certificate
	e := env{root: root, bin: build(t, root), vars: vars}
	const annPass = "ann's long password"
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")
	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "mail", "mail", "ANN_PASSWORD="+annPass,
		"IMAP_HOST="+host, "IMAP_PORT="+port, "IMAP_LOGIN="+login, "IMAP_PASSWORD="+pass, "IMAP_FOLDER="+folder)

	db := dep.AdminDB(t)
	var docs []string
	if err := db.Select(&docs, `SELECT filename FROM documents ORDER BY filename`); err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0] != "scan.pdf" {
		t.Errorf("documents %v, want scan.pdf", docs)
	}
	var statuses []string
	if err := db.Select(&statuses, `SELECT name || '=' || status FROM mail_accounts ORDER BY name`); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(statuses) != "[office=ACTIVE wrong=ERROR]" {
		t.Errorf("accounts %v", statuses)
	}
	c = dial()
	defer func() { _ = c.Logout() }()
	if _, err := c.Select(folder, true); err != nil {
		t.Fatal(err)
	}
	seen, err := c.Search(&imap.SearchCriteria{WithFlags: []string{imap.SeenFlag}})
	if err != nil || len(seen) != 1 {
		t.Errorf("messages marked read: %v, %v", seen, err)
	}
	_ = c.Close()
	pngs, _ := filepath.Glob(filepath.Join(shots, "m[0-9]-*.png"))
	if len(pngs) != 3 {
		t.Errorf("%d screenshots in %s, want 3", len(pngs), shots)
	}
}
