package mail_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/ingest"
	"github.com/docuvault/docuvault/pkg/mail"
	"github.com/docuvault/docuvault/pkg/secrets"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/topics"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

// server is this checkout's Dovecot (scripts/services.sh up).
type server struct {
	addr, tlsAddr string
	user, pass    string
	roots         *x509.CertPool
}

func dovecot(t *testing.T) server {
	t.Helper()
	s := server{
		addr: testenv.Get(t, "DOCUVAULT_TEST_IMAP_ADDR"), tlsAddr: testenv.Get(t, "DOCUVAULT_TEST_IMAPS_ADDR"),
		user: testenv.Get(t, "DOCUVAULT_TEST_IMAP_USER"), pass: testenv.Get(t, "DOCUVAULT_TEST_IMAP_PASSWORD"),
	}
	if s.addr == "" || s.user == "" {
		testenv.Unavailable(t, "DOCUVAULT_TEST_IMAP_ADDR is not set (Dovecot)")
	}
	c, err := client.Dial(s.addr)
	if err != nil {
		testenv.Unavailable(t, "Dovecot at %s: %v", s.addr, err)
	}
	_ = c.Logout()
	pem, err := os.ReadFile(testenv.Get(t, "DOCUVAULT_TEST_IMAP_CA"))
	if err != nil {
		t.Fatalf("Dovecot's certificate: %v", err)
	}
	s.roots = x509.NewCertPool()
	if !s.roots.AppendCertsFromPEM(pem) {
		t.Fatal("Dovecot's certificate does not parse")
	}
	return s
}

// imapc logs in to the test mailbox directly (to put messages in and look
// at what a poll did).
func (s server) imapc(t *testing.T) *client.Client {
	t.Helper()
	c, err := client.Dial(s.addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Timeout = 30 * time.Second
	if err := c.Login(s.user, s.pass); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Logout() })
	return c
}

// folder makes a new, empty folder of the test user for one test.
func (s server) folder(t *testing.T, c *client.Client) string {
	t.Helper()
	name := testenv.RandomName("t")
	if err := c.Create(name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(name) })
	return name
}

type att struct{ name, ctype, data string }

// msg builds a MIME message.
func msg(from, subject, body string, atts ...att) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: vault@example.org\r\nSubject: %s\r\nDate: Mon, 02 Dec 2024 10:00:00 +0100\r\nMessage-ID: <%s@example.org>\r\nMIME-Version: 1.0\r\n",
		from, subject, testenv.RandomName("m"))
	if len(atts) == 0 {
		fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", body)
		return b.Bytes()
	}
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=BOUNDARY\r\n\r\n--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", body)
	for _, a := range atts {
		enc := base64.StdEncoding.EncodeToString([]byte(a.data))
		fmt.Fprintf(&b, "--BOUNDARY\r\nContent-Type: %s\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n", a.ctype, a.name, enc)
	}
	b.WriteString("--BOUNDARY--\r\n")
	return b.Bytes()
}

func pdf(tag string) att {
	return att{name: tag + ".pdf", ctype: "application/pdf", data: "%PDF-1.4\n% " + tag + "\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"}
}

func txt(tag string) att {
	return att{name: tag + ".txt", ctype: "text/plain", data: "notes of " + tag + "\n"}
}

func appendMsg(t *testing.T, c *client.Client, folder string, m []byte) {
	t.Helper()
	if err := c.Append(folder, nil, time.Now(), bytes.NewReader(m)); err != nil {
		t.Fatal(err)
	}
}

type fixture struct {
	db    *sqlx.DB
	svc   *storage.Service
	ring  *secrets.Keyring
	owner string
	srv   server
	c     *client.Client
	p     *mail.Poller
}

func setup(t *testing.T) fixture {
	t.Helper()
	return setupWith(t, storage.Limits{})
}

func setupWith(t *testing.T, limits storage.Limits) fixture {
	t.Helper()
	srv := dovecot(t)
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	svc := storage.New(db, d.AppStore(t), nil, limits)
	t.Cleanup(func() { _ = svc.Close() })
	u, err := users.Create(context.Background(), db, users.NewUser{Handle: "ann", Email: "ann@example.org", QuotaBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	ring, err := secrets.NewKeyring(strings.Repeat("s", 40))
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{db: db, svc: svc, ring: ring, owner: u.ID, srv: srv, c: srv.imapc(t)}
	f.p = &mail.Poller{DB: db, Storage: svc, Keyring: ring, RootCAs: srv.roots, Timeout: 20 * time.Second}
	return f
}

func hostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return h, n
}

// account adds an account on the test server (STARTTLS) with a rule.
func (f fixture) account(t *testing.T, rules ...mail.NewRule) mail.Account {
	t.Helper()
	h, p := hostPort(t, f.srv.addr)
	a, err := mail.AddAccount(context.Background(), f.db, f.ring, f.owner, mail.NewAccount{
		Name: testenv.RandomName("acct"), Host: h, Port: p, Security: mail.SecuritySTARTTLS, Login: f.srv.user, Password: f.srv.pass})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if _, err := mail.AddRule(context.Background(), f.db, f.owner, a.ID, r); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func (f fixture) poll(t *testing.T, a mail.Account) mail.Summary {
	t.Helper()
	a, err := mail.GetAccount(context.Background(), f.db, f.owner, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.p.Poll(context.Background(), a)
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	return s
}

func (f fixture) filenames(t *testing.T) []string {
	t.Helper()
	var names []string
	if err := f.db.Select(&names, `SELECT filename FROM documents WHERE user_id = $1 AND status <> 'uploading' ORDER BY filename`, f.owner); err != nil {
		t.Fatal(err)
	}
	return names
}

func (f fixture) ingestErrors(t *testing.T) []ingest.Error {
	t.Helper()
	es, err := ingest.List(context.Background(), f.db, f.owner, 100)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// flags returns the flags of the folder's messages by subject.
func flags(t *testing.T, c *client.Client, folder string) map[string][]string {
	t.Helper()
	st, err := c.Select(folder, true)
	if err != nil {
		t.Fatal(err)
	}
	// Leave the folder unselected: Dovecot drops a connection whose
	// selected folder is deleted (the tests' cleanup).
	defer func() { _ = c.Close() }()
	out := map[string][]string{}
	if st.Messages == 0 {
		return out
	}
	ch := make(chan *imap.Message, 10)
	done := make(chan error, 1)
	set := new(imap.SeqSet)
	set.AddRange(1, 0)
	go func() { done <- c.Fetch(set, []imap.FetchItem{imap.FetchEnvelope, imap.FetchFlags}, ch) }()
	for m := range ch {
		out[m.Envelope.Subject] = m.Flags
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return out
}

func has(fs []string, flag string) bool {
	for _, f := range fs {
		if f == flag {
			return true
		}
	}
	return false
}

func eq(a, b []string) bool { return strings.Join(a, "|") == strings.Join(b, "|") }

// Filters (sender, subject, body; case-insensitive) and the type filter
// pick the messages and attachments; a second poll takes nothing again.
func TestRulesFilterAndTakeOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	folder := f.srv.folder(t, f.c)
	appendMsg(t, f.c, folder, msg("Scanner <scanner@office.example>", "Scan 1", "see attached", pdf("scan1"), txt("scan1-notes")))
	appendMsg(t, f.c, folder, msg("Bob <bob@example.org>", "Invoice 7", "your INVOICE", pdf("bob-invoice")))
	appendMsg(t, f.c, folder, msg("Scanner <scanner@office.example>", "Holiday", "no attachment here"))
	appendMsg(t, f.c, folder, msg("Eve <eve@example.org>", "Invoice 8", "nothing for the vault", pdf("eve")))
	a := f.account(t,
		mail.NewRule{Folder: folder, From: "SCANNER@office", Mode: mail.ModeAttachments, Types: []string{"pdf"}},
		mail.NewRule{Folder: folder, From: "bob@", Subject: "invoice", Body: "invoice", Mode: mail.ModeAttachments})
	s := f.poll(t, a)
	if s.Messages != 2 || s.Stored != 2 || s.Skipped != 2 || s.Failed != 0 {
		t.Fatalf("first poll: %+v, want 2 messages, 2 stored, 2 skipped", s)
	}
	if got, want := f.filenames(t), []string{"bob-invoice.pdf", "scan1.pdf"}; !eq(got, want) {
		t.Fatalf("documents %v, want %v", got, want)
	}
	s = f.poll(t, a)
	if s.Messages != 0 || s.Stored != 0 || s.Duplicates != 0 || s.Skipped != 0 {
		t.Fatalf("second poll took again: %+v", s)
	}
	// A new message is taken by the next poll.
	appendMsg(t, f.c, folder, msg("scanner@office.example", "Scan 2", "", pdf("scan2")))
	if s = f.poll(t, a); s.Messages != 1 || s.Stored != 1 {
		t.Fatalf("third poll: %+v, want the new message", s)
	}
	// The account is ACTIVE with its poll recorded.
	got, err := mail.GetAccount(context.Background(), f.db, f.owner, a.ID)
	if err != nil || got.Status != mail.StatusActive || got.LastPollAt == nil || got.LastError != "" {
		t.Fatalf("account after polls: %+v, %v", got, err)
	}
}

// Mode message stores the whole message as an .eml document with the
// rule's topics; mode attachments stores each attachment on its own.
func TestWholeMessageAndTopics(t *testing.T) {
	t.Parallel()
	f := setup(t)
	folder := f.srv.folder(t, f.c)
	tp, err := topics.Add(context.Background(), f.db, f.owner, "Mail", "", "")
	if err != nil {
		t.Fatal(err)
	}
	appendMsg(t, f.c, folder, msg("alice@example.org", "Contract: signed", "Here it is.", pdf("contract")))
	a := f.account(t, mail.NewRule{Folder: folder, Mode: mail.ModeMessage, TopicIDs: []string{tp.ID}})
	if s := f.poll(t, a); s.Messages != 1 || s.Stored != 1 {
		t.Fatalf("poll: %+v", s)
	}
	var doc struct {
		Filename    string `db:"filename"`
		ContentType string `db:"content_type"`
		Topics      int    `db:"topics"`
	}
	if err := f.db.Get(&doc, `SELECT filename, content_type, (SELECT count(*) FROM document_topics dt WHERE dt.document_id = d.id AND dt.topic_id = $2) AS topics
		FROM documents d WHERE user_id = $1`, f.owner, tp.ID); err != nil {
		t.Fatal(err)
	}
	if doc.Filename != "Contract_ signed.eml" || doc.ContentType != "message/rfc822" || doc.Topics != 1 {
		t.Fatalf("document %+v, want Contract_ signed.eml, message/rfc822, with its topic", doc)
	}
}

// Each after-action is done on the server, after the message is taken.
func TestAfterActions(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for _, tc := range []struct{ after string }{{"read"}, {"flag"}, {"delete"}, {"move:"}, {"none"}} {
		t.Run(strings.TrimSuffix(tc.after, ":"), func(t *testing.T) {
			folder := f.srv.folder(t, f.c)
			after := tc.after
			dest := ""
			if after == "move:" {
				dest = folder + "-done"
				after += dest
				t.Cleanup(func() { _ = f.c.Delete(dest) })
			}
			subject := "after " + tc.after
			appendMsg(t, f.c, folder, msg("x@example.org", subject, "", txt(testenv.RandomName("after"))))
			appendMsg(t, f.c, folder, msg("y@example.org", "not for the vault", ""))
			a := f.account(t, mail.NewRule{Folder: folder, From: "x@", Mode: mail.ModeAttachments, After: after})
			if s := f.poll(t, a); s.Messages != 1 || s.Stored != 1 {
				t.Fatalf("poll: %+v", s)
			}
			fl := flags(t, f.c, folder)
			other, ok := fl["not for the vault"]
			if !ok || len(other) != 0 {
				t.Errorf("the message no rule took: flags %v (present %v), want untouched", other, ok)
			}
			got, present := fl[subject]
			switch tc.after {
			case "read":
				if !present || !has(got, imap.SeenFlag) || has(got, imap.FlaggedFlag) {
					t.Errorf("flags %v, want \\Seen", got)
				}
			case "flag":
				if !present || !has(got, imap.FlaggedFlag) || has(got, imap.SeenFlag) {
					t.Errorf("flags %v, want \\Flagged (and not \\Seen)", got)
				}
			case "none":
				if !present || len(got) != 0 {
					t.Errorf("flags %v, want none", got)
				}
			case "delete":
				if present {
					t.Errorf("message still in the folder: %v", got)
				}
			case "move:":
				if present {
					t.Errorf("message still in the folder: %v", got)
				}
				if _, ok := flags(t, f.c, dest)[subject]; !ok {
					t.Errorf("message not in %s", dest)
				}
			}
			if es := f.ingestErrors(t); len(es) != 0 {
				t.Errorf("ingest errors: %+v", es)
			}
		})
	}
}

// A new UIDVALIDITY (the folder made anew) makes the messages new UIDs:
// they are looked at again, and their content, stored already, is a
// duplicate, not a second document.
func TestUIDValidityChange(t *testing.T) {
	t.Parallel()
	f := setup(t)
	folder := f.srv.folder(t, f.c)
	m := msg("x@example.org", "Once", "", pdf("once"))
	appendMsg(t, f.c, folder, m)
	a := f.account(t, mail.NewRule{Folder: folder, Mode: mail.ModeAttachments})
	if s := f.poll(t, a); s.Stored != 1 {
		t.Fatalf("poll: %+v", s)
	}
	st, err := f.c.Select(folder, true)
	if err != nil {
		t.Fatal(err)
	}
	v1 := st.UidValidity
	if err := f.c.Unselect(); err != nil {
		// Not every server has UNSELECT: CLOSE does as well here.
		_ = f.c.Close()
	}
	if err := f.c.Delete(folder); err != nil {
		t.Fatal(err)
	}
	if err := f.c.Create(folder); err != nil {
		t.Fatal(err)
	}
	appendMsg(t, f.c, folder, m)
	st, err = f.c.Select(folder, true)
	if err != nil {
		t.Fatal(err)
	}
	if st.UidValidity == v1 {
		t.Fatalf("UIDVALIDITY %d did not change", v1)
	}
	s := f.poll(t, a)
	if s.Messages != 1 || s.Stored != 0 || s.Duplicates != 1 {
		t.Fatalf("poll after the UIDVALIDITY change: %+v, want the message taken as a duplicate", s)
	}
	if n := len(f.filenames(t)); n != 1 {
		t.Fatalf("%d documents, want 1", n)
	}
	var old int
	if err := f.db.Get(&old, `SELECT count(*) FROM mail_messages WHERE account_id = $1 AND uid_validity = $2`, a.ID, int64(v1)); err != nil || old != 0 {
		t.Fatalf("rows of the old UIDVALIDITY: %d, %v", old, err)
	}
}

// A crash after the documents commit and before the message is recorded:
// the next poll takes it again, its content a duplicate, and then
// records it.
func TestCrashBeforeRecordDoesNotDuplicate(t *testing.T) {
	t.Parallel()
	f := setup(t)
	folder := f.srv.folder(t, f.c)
	appendMsg(t, f.c, folder, msg("x@example.org", "Crash", "", pdf("crash-a"), pdf("crash-b")))
	a := f.account(t, mail.NewRule{Folder: folder, Mode: mail.ModeAttachments, After: "flag"})
	if s := f.poll(t, a); s.Stored != 2 {
		t.Fatalf("poll: %+v", s)
	}
	// What a crash between the commit and the record leaves.
	if _, err := f.db.Exec(`DELETE FROM mail_messages WHERE account_id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	s := f.poll(t, a)
	if s.Messages != 1 || s.Stored != 0 || s.Duplicates != 2 {
		t.Fatalf("poll after the crash: %+v, want 2 duplicates", s)
	}
	if got := f.filenames(t); len(got) != 2 {
		t.Fatalf("documents %v, want 2", got)
	}
	if s = f.poll(t, a); s.Messages != 0 || s.Duplicates != 0 {
		t.Fatalf("third poll: %+v", s)
	}
}

// A wrong password and a TLS error put the account in ERROR with a clear
// reason, polled again after a backoff; the right settings bring it back.
func TestAccountErrors(t *testing.T) {
	t.Parallel()
	f := setup(t)
	folder := f.srv.folder(t, f.c)
	h, p := hostPort(t, f.srv.addr)
	th, tport := hostPort(t, f.srv.tlsAddr)
	for _, tc := range []struct {
		name  string
		acct  mail.NewAccount
		roots *x509.CertPool
		want  string
	}{
		{"password", mail.NewAccount{Host: h, Port: p, Security: mail.SecuritySTARTTLS, Login: f.srv.user, Password: "wrong"}, f.srv.roots, "login refused"},
		{"untrusted", mail.NewAccount{Host: th, Port: tport, Security: mail.SecurityTLS, Login: f.srv.user, Password: f.srv.pass}, nil, "TLS error: the certificate of"},
		{"plain port", mail.NewAccount{Host: h, Port: p, Security: mail.SecurityTLS, Login: f.srv.user, Password: f.srv.pass}, f.srv.roots, "TLS error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.acct.Name = testenv.RandomName("bad")
			a, err := mail.AddAccount(context.Background(), f.db, f.ring, f.owner, tc.acct)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := mail.AddRule(context.Background(), f.db, f.owner, a.ID, mail.NewRule{Folder: folder}); err != nil {
				t.Fatal(err)
			}
			p := *f.p
			p.RootCAs = tc.roots
			s, err := p.Poll(context.Background(), a)
			if !errors.Is(err, mail.ErrAccount) {
				t.Fatalf("Poll: %v, want ErrAccount", err)
			}
			got, gerr := mail.GetAccount(context.Background(), f.db, f.owner, a.ID)
			if gerr != nil {
				t.Fatal(gerr)
			}
			if got.Status != mail.StatusError || !strings.Contains(got.LastError, tc.want) || strings.Contains(got.LastError, "\n") || s.Error != got.LastError {
				t.Fatalf("account %s %q, want ERROR with %q", got.Status, got.LastError, tc.want)
			}
			if strings.Contains(got.LastError, f.srv.pass) {
				t.Fatal("the reason holds the password")
			}
			if d := time.Until(got.NextPollAt); d < 30*time.Second {
				t.Fatalf("next poll in %v: want a backoff", d)
			}
			// Not due: the periodic poll leaves it.
			sums, err := p.PollDue(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range sums {
				if s.Account == a.Name {
					t.Fatalf("PollDue polled an account in backoff: %+v", s)
				}
			}
		})
	}
	// Implicit TLS with the certificate trusted works.
	a, err := mail.AddAccount(context.Background(), f.db, f.ring, f.owner, mail.NewAccount{Name: "tls", Host: th, Port: tport, Security: mail.SecurityTLS, Login: f.srv.user, Password: f.srv.pass})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mail.AddRule(context.Background(), f.db, f.owner, a.ID, mail.NewRule{Folder: folder}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.Poll(context.Background(), a); err != nil {
		t.Fatalf("TLS poll: %v", err)
	}
}

// Many attachments in one message (500, the fault list): each is
// a document; one of a type not allowed is a listed error and the rest are
// taken.
func TestManyAttachments(t *testing.T) {
	t.Parallel()
	f := setup(t)
	folder := f.srv.folder(t, f.c)
	var atts []att
	for i := range 499 {
		atts = append(atts, txt(fmt.Sprintf("part-%03d", i)))
	}
	atts = append(atts, att{name: "tool.exe", ctype: "application/octet-stream", data: "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00binary"})
	appendMsg(t, f.c, folder, msg("x@example.org", "Many", "", atts...))
	a := f.account(t, mail.NewRule{Folder: folder, Mode: mail.ModeAttachments})
	s := f.poll(t, a)
	if s.Messages != 1 || s.Stored != 499 || s.Failed != 1 {
		t.Fatalf("poll: %+v, want 499 stored and 1 failed", s)
	}
	es := f.ingestErrors(t)
	if len(es) != 1 || es[0].Source != ingest.SourceMail || !strings.Contains(es[0].Path, "tool.exe") || es[0].Location != a.Name {
		t.Fatalf("ingest errors %+v, want one for tool.exe", es)
	}
	if s = f.poll(t, a); s.Messages != 0 || s.Failed != 0 {
		t.Fatalf("second poll: %+v", s)
	}
}

// Attachments over the size limit (DOCUVAULT_MAX_UPLOAD_SIZE, here 256
// KiB standing in for the default 512 MiB and a 300 MB attachment, and
// MaxInMemory 512 KiB for the default 16 MiB): one in a message held in
// memory is a per-item error and the rest of the message is taken; so is
// one in a message larger than MaxInMemory, which is fetched in chunks
// into a file and whose attachments are decoded into files (the one over
// the limit only counted past it), never held in memory whole; a message
// over MaxMessageBytes is not fetched at all, a listed error of its own,
// looked at again at each poll. The other messages are taken; nothing is
// half-stored.
func TestOversizedAttachments(t *testing.T) {
	t.Parallel()
	f := setupWith(t, storage.Limits{MaxSize: 256 << 10})
	f.p.MaxInMemory = 512 << 10
	folder := f.srv.folder(t, f.c)
	over := att{name: "over.txt", ctype: "text/plain", data: strings.Repeat("x", 300<<10)}
	huge := att{name: "huge.txt", ctype: "text/plain", data: strings.Repeat("y", 1<<20)}
	enormous := att{name: "enormous.txt", ctype: "text/plain", data: strings.Repeat("z", 1800<<10)}
	appendMsg(t, f.c, folder, msg("x@example.org", "Fits", "", txt("small-one"), over, txt("small-two")))
	appendMsg(t, f.c, folder, msg("x@example.org", "Huge", "", txt("beside-huge"), huge, txt("after-huge")))
	appendMsg(t, f.c, folder, msg("x@example.org", "Enormous", "", txt("beside-enormous"), enormous))
	appendMsg(t, f.c, folder, msg("x@example.org", "After", "", txt("after")))
	a := f.account(t, mail.NewRule{Folder: folder, Mode: mail.ModeAttachments})
	s := f.poll(t, a)
	if s.Messages != 3 || s.Stored != 5 || s.Failed != 3 {
		t.Fatalf("poll: %+v, want 3 messages taken, 5 stored, 3 failed", s)
	}
	if got := f.filenames(t); !eq(got, []string{"after-huge.txt", "after.txt", "beside-huge.txt", "small-one.txt", "small-two.txt"}) {
		t.Fatalf("documents %v", got)
	}
	reasons := map[string]string{}
	for _, e := range f.ingestErrors(t) {
		switch {
		case strings.Contains(e.Path, "over.txt"):
			reasons["over"] = e.Reason
		case strings.Contains(e.Path, "huge.txt"):
			reasons["huge"] = e.Reason
		case strings.Contains(e.Path, ";UID="):
			reasons["enormous"] = e.Reason
		}
	}
	if !strings.Contains(reasons["over"], "over.txt: too large: 300.0 KiB is over the 256.0 KiB limit") {
		t.Errorf("the attachment over the limit: %q", reasons["over"])
	}
	if !strings.Contains(reasons["huge"], "huge.txt: too large: 1.0 MiB is over the 256.0 KiB limit") {
		t.Errorf("the attachment over the limit in a spooled message: %q", reasons["huge"])
	}
	if !strings.Contains(reasons["enormous"], "over the 1 MB a message may have") {
		t.Errorf("the message too large to fetch: %q", reasons["enormous"])
	}
	var n int
	if err := f.db.Get(&n, `SELECT count(*) FROM documents WHERE status = 'uploading'`); err != nil || n != 0 {
		t.Fatalf("%d half-stored documents (%v)", n, err)
	}
	if s = f.poll(t, a); s.Messages != 0 || s.Stored != 0 || s.Failed != 1 {
		t.Fatalf("second poll: %+v, want the enormous message refused again and nothing else", s)
	}
	// The whole message as a document, spooled: a new folder, a rule of
	// mode message, the limit raised.
	f2 := setupWith(t, storage.Limits{MaxSize: 4 << 20})
	f2.p.MaxInMemory = 512 << 10
	folder2 := f2.srv.folder(t, f2.c)
	raw := msg("x@example.org", "Whole", "", huge)
	appendMsg(t, f2.c, folder2, raw)
	a2 := f2.account(t, mail.NewRule{Folder: folder2, Mode: mail.ModeMessage})
	if s := f2.poll(t, a2); s.Messages != 1 || s.Stored != 1 || s.Failed != 0 {
		t.Fatalf("a large message whole: %+v", s)
	}
	var id string
	if err := f2.db.Get(&id, `SELECT id FROM documents`); err != nil {
		t.Fatal(err)
	}
	rc, _, err := f2.svc.Open(context.Background(), f2.owner, id)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	_ = rc.Close()
	if err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("the stored message: %d bytes (%v), want the %d sent, byte for byte (fetched in chunks)", len(got), err, len(raw))
	}
}

// Only one poll of an account at a time: a second one is ErrBusy.
func TestOnePollAtATime(t *testing.T) {
	t.Parallel()
	f := setup(t)
	folder := f.srv.folder(t, f.c)
	a := f.account(t, mail.NewRule{Folder: folder})
	conn, err := f.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_lock(hashtextextended('docuvault.mail:' || $1, 0))`, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.Poll(context.Background(), a); !errors.Is(err, mail.ErrBusy) {
		t.Fatalf("Poll while locked: %v, want ErrBusy", err)
	}
	if _, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(hashtextextended('docuvault.mail:' || $1, 0))`, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.Poll(context.Background(), a); err != nil {
		t.Fatalf("Poll after: %v", err)
	}
}

// Accounts: names unique per user, security none only to loopback, the
// password sealed (never stored in clear).
func TestAccountsAndRules(t *testing.T) {
	t.Parallel()
	srv := dovecot(t)
	_ = srv
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx := context.Background()
	u, err := users.Create(ctx, db, users.NewUser{Handle: "bo", Email: "bo@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	ring, err := secrets.NewKeyring(strings.Repeat("s", 40))
	if err != nil {
		t.Fatal(err)
	}
	a, err := mail.AddAccount(ctx, db, ring, u.ID, mail.NewAccount{Name: "Home", Host: "imap.example.org", Login: "bo", Password: "hunter22"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Port != 993 || a.Security != mail.SecurityTLS || a.Status != mail.StatusActive {
		t.Fatalf("account %+v", a)
	}
	var sealed string
	if err := db.Get(&sealed, `SELECT password_enc FROM mail_accounts WHERE id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "hunter22") {
		t.Fatal("password stored in clear")
	}
	if pw, err := ring.Open(secrets.PurposeIMAPPassword, sealed, []byte(a.ID)); err != nil || string(pw) != "hunter22" {
		t.Fatalf("sealed password opens to %q, %v", pw, err)
	}
	if _, err := mail.AddAccount(ctx, db, ring, u.ID, mail.NewAccount{Name: "home", Host: "x", Login: "b", Password: "p"}); !errors.Is(err, mail.ErrConflict) {
		t.Fatalf("same name: %v, want ErrConflict", err)
	}
	if _, err := mail.AddAccount(ctx, db, ring, u.ID, mail.NewAccount{Name: "clear", Host: "imap.example.org", Security: "none", Login: "b", Password: "p"}); !errors.Is(err, mail.ErrInvalid) {
		t.Fatalf("security none to a remote host: %v, want ErrInvalid", err)
	}
	if _, err := mail.AddAccount(ctx, db, ring, u.ID, mail.NewAccount{Name: "local", Host: "127.0.0.1", Port: 1143, Security: "none", Login: "b", Password: "p"}); err != nil {
		t.Fatalf("security none to loopback: %v", err)
	}
	for _, bad := range []mail.NewRule{{Mode: "body"}, {After: "archive"}, {After: "move:INBOX"}, {TopicIDs: []string{"nope"}}} {
		if _, err := mail.AddRule(ctx, db, u.ID, a.ID, bad); !errors.Is(err, mail.ErrInvalid) {
			t.Errorf("AddRule(%+v): %v, want ErrInvalid", bad, err)
		}
	}
	r, err := mail.AddRule(ctx, db, u.ID, a.ID, mail.NewRule{Types: []string{"PDF, .jpg"}, After: "move:Archive/Scans"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Folder != "INBOX" || r.Mode != mail.ModeAttachments || !eq(r.Types, []string{"pdf", "jpg"}) || r.After != mail.AfterMove || r.MoveFolder != "Archive/Scans" || r.Position != 1 {
		t.Fatalf("rule %+v", r)
	}
	got, err := mail.ResolveAccount(ctx, db, u.ID, "HOME")
	if err != nil || got.ID != a.ID {
		t.Fatalf("ResolveAccount: %+v, %v", got, err)
	}
	if err := mail.DeleteRule(ctx, db, u.ID, a.ID, "1"); err != nil {
		t.Fatal(err)
	}
	if err := mail.DeleteRule(ctx, db, u.ID, a.ID, "1"); !errors.Is(err, mail.ErrNotFound) {
		t.Fatalf("DeleteRule again: %v, want ErrNotFound", err)
	}
	other, err := users.Create(ctx, db, users.NewUser{Handle: "cy", Email: "cy@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if err := mail.DeleteAccount(ctx, db, other.ID, a.ID); !errors.Is(err, mail.ErrNotFound) {
		t.Fatalf("another user's account: %v, want ErrNotFound", err)
	}
	if err := mail.DeleteAccount(ctx, db, u.ID, a.ID); err != nil {
		t.Fatal(err)
	}
}
