package chaos

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	imapclient "github.com/emersion/go-imap/client"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestMailPollKilledMidBatch (issue 22, faults): `docuvault mail poll` of
// a mailbox (the dev Dovecot) is SIGKILLed mid-batch, then polled again
// with MinIO SIGKILLed mid-batch (the attachments it could not store are
// listed errors, their messages left for the next poll, the process ends
// on its own); MinIO back, a last poll takes the rest: every attachment is
// a document exactly once, every message taken once, no error left, fsck
// clean. (The worker polls with the same code, mail.Poller; the worker's
// own SIGKILL is TestCloudSyncKilledMidBatch's.)
func TestMailPollKilledMidBatch(t *testing.T) {
	t.Parallel()
	addr := testenv.Get(t, "DOCUVAULT_TEST_IMAP_ADDR")
	login, pass := testenv.Get(t, "DOCUVAULT_TEST_IMAP_USER"), testenv.Get(t, "DOCUVAULT_TEST_IMAP_PASSWORD")
	ca := testenv.Get(t, "DOCUVAULT_TEST_IMAP_CA")
	if addr == "" || login == "" {
		testenv.Unavailable(t, "DOCUVAULT_TEST_IMAP_ADDR is not set (Dovecot)")
	}
	c, err := imapclient.Dial(addr)
	if err != nil {
		testenv.Unavailable(t, "Dovecot at %s: %v", addr, err)
	}
	c.Timeout = time.Minute
	defer func() { _ = c.Logout() }()
	if err := c.Login(login, pass); err != nil {
		t.Fatal(err)
	}
	folder := testenv.RandomName("chaos")
	if err := c.Create(folder); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Delete(folder) }()
	const messages = 120
	for i := range messages {
		var b bytes.Buffer
		fmt.Fprintf(&b, "From: scanner@office.example\r\nSubject: Scan %d\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nscanned\r\n", i)
		for j := range 2 {
			body := bytes.Repeat([]byte(fmt.Sprintf("message %03d, attachment %d, a line of it\n", i, j)), 1500+20*i)
			fmt.Fprintf(&b, "--B\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"m%03d-%d.txt\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n",
				i, j, base64.StdEncoding.EncodeToString(body))
		}
		b.WriteString("--B--\r\n")
		if err := c.Append(folder, nil, time.Now(), &b); err != nil {
			t.Fatal(err)
		}
	}
	const files = 2 * messages

	v := newVault(t)
	host, port, _ := strings.Cut(addr, ":")
	v.cli(pass+"\n", "mail", "add", "office", "--host", host, "--port", port, "--security", "starttls", "--login", login, "--password-stdin").want(t, 0)
	v.cli("", "mail", "rule", "add", "office", "--folder", folder, "--after", "read").want(t, 0)
	tlsEnv := []string{"SSL_CERT_FILE=" + ca}
	count := func() (int, error) {
		var n int
		err := v.db.Get(&n, `SELECT count(*) FROM documents WHERE status <> 'uploading'`)
		return n, err
	}
	partway := func(from int) func() error {
		return func() error {
			n, err := count()
			if err != nil {
				return err
			}
			if n < from+20 {
				return fmt.Errorf("%d documents", n)
			}
			return nil
		}
	}

	// 1. The poll, SIGKILLed.
	poll := v.start("mail poll", tlsEnv, "mail", "poll", "office")
	waitFor(t, 2*time.Minute, "the poll part of the way", func() error {
		if poll.exited() {
			return &fatalError{fmt.Errorf("mail poll exited: %v\n%s", poll.err, poll.logs.String())}
		}
		return partway(0)()
	})
	poll.kill()
	first, err := count()
	if err != nil {
		t.Fatal(err)
	}
	if first >= files {
		t.Fatalf("the poll finished before it was killed (%d documents): the test proves nothing", first)
	}
	t.Logf("mail poll SIGKILLed after %d of %d documents", first, files)

	// 2. Polled again, MinIO SIGKILLed mid-batch.
	poll = v.start("mail poll", tlsEnv, "mail", "poll", "office")
	waitFor(t, 2*time.Minute, "the second poll part of the way", partway(first))
	v.minio.kill()
	select {
	case <-poll.done:
	case <-time.After(4 * time.Minute):
		t.Fatal("mail poll did not end within 4 minutes of MinIO's death")
	}
	second, err := count()
	if err != nil {
		t.Fatal(err)
	}
	var listed int
	if err := v.db.Get(&listed, `SELECT count(*) FROM ingest_errors WHERE source = 'imap'`); err != nil {
		t.Fatal(err)
	}
	t.Logf("MinIO SIGKILLed: mail poll exited %d with %d documents, %d errors listed", poll.cmd.ProcessState.ExitCode(), second, listed)
	if second >= files || listed == 0 {
		t.Fatalf("%d documents and %d errors after MinIO's death: want the attachments it could not store listed", second, listed)
	}

	// 3. MinIO back: the rest.
	v.restartMinIO()
	v.runBinary(append(v.appEnv(), tlsEnv...), "", "mail", "poll", "office").want(t, 0)
	check := func(maxStale int) {
		t.Helper()
		c := v.ingested(t, `SELECT count(*) FROM mail_messages WHERE outcome = 'taken'`)
		n, distinct, taken, errs, stale := c.docs, c.distinct, c.remembered, c.errs, c.stale
		if n != files || distinct != files || taken != messages || errs != 0 {
			t.Errorf("%d documents, %d distinct names, %d messages taken, %d errors; want %d, %d, %d, 0", n, distinct, taken, errs, files, files, messages)
		}
		if stale > maxStale {
			t.Errorf("%d rows left 'uploading', want at most %d", stale, maxStale)
		}
	}
	check(4)
	v.wantNoQuotaDrift(t)
	r := v.cli("", "fsck")
	r.want(t, 0)
	if !strings.Contains(r.stdout, "nothing to repair") {
		t.Errorf("fsck: %s", r.stdout)
	}
	v.cli("", "fsck", "--grace", "0", "--repair").want(t, 0)
	v.fsckClean(t)
	check(0)
}
