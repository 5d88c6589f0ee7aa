package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/tests/testenv"
)

// TestCloudAddSyncListRm: `docuvault cloud add` of a WebDAV folder (the
// dev WebDAV server) and of a second MinIO bucket, `cloud sync` takes their
// files (folders too) and nothing twice, `cloud list` shows status and last
// sync and never a secret, a wrong password is exit 1 with one line and the
// connection in ERROR, `cloud rm` removes it; bad command lines are exit 64.
func TestCloudAddSyncListRm(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	w := testenv.NewWebDAV(t)
	w.Mkcol(t, "Bills")
	w.Put(t, "Bills/power.txt", []byte("the power bill\n"))
	w.Put(t, "note.txt", []byte("a note\n"))

	d.runIn(t, w.Password+"\n", nil, "cloud", "add", "Nextcloud", "--provider", "webdav", "--url", w.Base, "--path", w.Dir,
		"--login", w.User, "--password-stdin", "--folders").check(t, 0, `added cloud connection "Nextcloud" (webdav)`, "")
	d.run(t, nil, "cloud", "sync", "nextcloud").check(t, 0, "stored     Bills/power.txt", "2 stored, 0 new versions, 0 duplicates, 0 unchanged")
	d.run(t, nil, "cloud", "sync", "Nextcloud").check(t, 0, "", "0 stored, 0 new versions, 0 duplicates, 2 unchanged")
	d.run(t, nil, "doc", "list", "--folder", "Bills").check(t, 0, "power.txt", "")
	// A changed file: a new version of its document.
	w.Put(t, "Bills/power.txt", []byte("the power bill, corrected\n"))
	d.run(t, nil, "cloud", "sync", "Nextcloud").check(t, 0, "version    Bills/power.txt", "0 stored, 1 new versions, 0 duplicates, 1 unchanged")

	// A second MinIO bucket.
	cl, err := objectstore.NewClient(d.m.Root())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	src := testenv.RandomName("dvtest-src-")
	if err := cl.MakeBucket(ctx, src, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { testenv.RemoveBucket(cl, src) })
	body := "scanned in the office\n"
	if _, err := cl.PutObject(ctx, src, "inbox/office.txt", strings.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	d.runIn(t, d.m.RootPassword+"\n", nil, "cloud", "add", "office", "--provider", "s3", "--endpoint", d.m.Endpoint, "--tls=false",
		"--bucket", src, "--prefix", "inbox", "--access-key", d.m.RootUser, "--secret-key-stdin").check(t, 0, "added", "")
	d.run(t, nil, "cloud", "sync", "office", "--json").check(t, 0, `"status":"stored"`, "")

	// A wrong password: exit 1, one line, the connection in ERROR.
	d.runIn(t, "not the password\n", nil, "cloud", "add", "wrong", "--provider", "webdav", "--url", w.URL(),
		"--login", w.User, "--password-stdin").check(t, 0, "added", "")
	r := d.run(t, nil, "cloud", "sync", "wrong")
	r.check(t, 1, "", "refused the login or password (401 Unauthorized)")
	if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 1 {
		t.Errorf("a refused sync printed %d lines: %s", n+1, r.stderr)
	}

	r = d.run(t, nil, "cloud", "list")
	r.check(t, 0, "Nextcloud", "")
	for _, secret := range []string{w.Password, d.m.RootPassword, "not the password"} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("cloud list shows a secret: %s", r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "ERROR") || !strings.Contains(r.stdout, "ACTIVE") {
		t.Errorf("cloud list without the statuses:\n%s", r.stdout)
	}
	r = d.run(t, nil, "cloud", "list", "--json")
	r.check(t, 0, "", "")
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("cloud list --json: %v: %s", err, l)
		}
		lines = append(lines, m)
	}
	if len(lines) != 3 || lines[2]["status"] != "ERROR" || lines[2]["last_error"] == nil || lines[0]["last_sync_at"] == nil {
		t.Errorf("cloud list --json: %v", lines)
	}

	// Bad command lines.
	d.run(t, nil, "cloud", "add", "x", "--provider", "ftp").check(t, 64, "", "--provider must be s3 or webdav")
	d.run(t, nil, "cloud", "add", "x", "--provider", "webdav", "--url", w.Base, "--login", "u").check(t, 64, "", "--password-stdin")
	d.runIn(t, "p\n", nil, "cloud", "add", "x", "--provider", "webdav", "--url", "ftp://h/", "--login", "u", "--password-stdin").check(t, 64, "", "http(s)://")
	d.runIn(t, "p\n", nil, "cloud", "add", "NEXTCLOUD", "--provider", "webdav", "--url", w.Base, "--login", "u", "--password-stdin").check(t, 1, "", "exists already")
	d.run(t, nil, "cloud", "sync", "nothing").check(t, 1, "", `no cloud connection "nothing"`)

	d.run(t, nil, "cloud", "rm", "wrong").check(t, 0, `removed cloud connection "wrong"`, "")
	d.run(t, nil, "cloud", "rm", "wrong").check(t, 1, "", "no cloud connection")
	var n int
	if err := d.dep.AppDB(t).Get(&n, `SELECT count(*) FROM documents WHERE status <> 'uploading'`); err != nil || n != 3 {
		t.Errorf("%d documents (%v), want 3", n, err)
	}
	if err := d.dep.AppDB(t).Get(&n, `SELECT count(*) FROM audit_log WHERE event_type = 'cloud_connection_change'`); err != nil || n != 4 {
		t.Errorf("%d cloud audit events (%v), want 4 (3 added, 1 removed)", n, err)
	}
}
