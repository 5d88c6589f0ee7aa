package chaos

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestCloudSyncKilledMidBatch (issue 22, faults): a WebDAV folder's files
// (the dev WebDAV server) are taken in by the worker's cloud sync ("sync
// now" through serve), and the worker is SIGKILLed mid-batch; then by
// `docuvault cloud sync`, and MinIO is SIGKILLed mid-batch (the files it
// could not store are listed errors, the process ends on its own); MinIO
// back, a last sync takes the rest: every file is a document exactly once,
// remembered once, no error left, every row has its object, quota has no
// drift, and fsck finds nothing to repair. With MinIO dead the sync stops
// at the first file it could not store (it does not fail the thousands
// after it one by one).
func TestCloudSyncKilledMidBatch(t *testing.T) {
	t.Parallel()
	v := newVault(t)
	w := testenv.NewWebDAV(t)
	const files = 150
	for i := range files {
		w.Put(t, fmt.Sprintf("f%03d.txt", i), bytes.Repeat([]byte(fmt.Sprintf("cloud file %03d, a line of it\n", i)), 3000+50*i))
	}
	v.cli(w.Password+"\n", "cloud", "add", "dav", "--provider", "webdav", "--url", w.Base, "--path", w.Dir,
		"--login", w.User, "--password-stdin").want(t, 0)
	var connID string
	if err := v.db.Get(&connID, `SELECT id FROM cloud_connections`); err != nil {
		t.Fatal(err)
	}
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
			if n < from+15 {
				return fmt.Errorf("%d documents", n)
			}
			return nil
		}
	}

	// 1. The worker, killed mid-sync.
	s := v.serve()
	c := v.login(s)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, s.url+"/api/cloud/connections/"+connID+"/sync", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("sync now: %s", res.Status)
	}
	wk := v.worker()
	waitFor(t, 2*time.Minute, "the worker's sync part of the way", func() error {
		if wk.exited() {
			return &fatalError{fmt.Errorf("worker exited: %v", wk.err)}
		}
		return partway(0)()
	})
	wk.kill()
	first, err := count()
	if err != nil {
		t.Fatal(err)
	}
	if first >= files {
		t.Fatalf("the sync finished before the worker was killed (%d documents): the test proves nothing", first)
	}
	t.Logf("worker SIGKILLed after %d of %d documents", first, files)

	// 2. `cloud sync`, MinIO killed mid-sync: the sync stops at the first
	// file it could not store (listed), exit 1, the connection still
	// ACTIVE.
	sync := v.start("cloud sync", nil, "cloud", "sync", "dav", "--parallel", "4")
	waitFor(t, 2*time.Minute, "the second sync part of the way", partway(first))
	v.minio.kill()
	select {
	case <-sync.done:
	case <-time.After(4 * time.Minute):
		t.Fatal("cloud sync did not end within 4 minutes of MinIO's death")
	}
	second, err := count()
	if err != nil {
		t.Fatal(err)
	}
	var listed int
	if err := v.db.Get(&listed, `SELECT count(*) FROM ingest_errors WHERE source = 'cloud'`); err != nil {
		t.Fatal(err)
	}
	t.Logf("MinIO SIGKILLed: cloud sync exited %d with %d documents, %d files listed as errors", sync.cmd.ProcessState.ExitCode(), second, listed)
	if code := sync.cmd.ProcessState.ExitCode(); code != 1 || second >= files || listed == 0 || listed > 4 {
		t.Fatalf("cloud sync exited %d with %d documents, %d listed: want 1, a stop at the first files it could not store (at most --parallel)", code, second, listed)
	}
	if !strings.Contains(sync.logs.String(), "FAILED ") || !strings.Contains(sync.logs.String(), "the object store is unavailable") {
		t.Errorf("cloud sync named no failed file, or not why it stopped:\n%s", tail(sync.logs.String(), 2000))
	}
	var status string
	if err := v.db.Get(&status, `SELECT status FROM cloud_connections`); err != nil || status != "ACTIVE" {
		t.Errorf("the connection after MinIO's death: %q (%v), want ACTIVE (not its fault)", status, err)
	}

	// 3. MinIO back: the rest.
	v.restartMinIO()
	r := v.cli("", "cloud", "sync", "dav")
	r.want(t, 0)
	check := func(maxStale int) {
		t.Helper()
		c := v.ingested(t, `SELECT count(*) FROM cloud_items`)
		n, distinct, items, errs, stale := c.docs, c.distinct, c.remembered, c.errs, c.stale
		if n != files || distinct != files || items != files || errs != 0 {
			t.Errorf("%d documents, %d distinct names, %d remembered, %d errors; want %d, %d, %d, 0", n, distinct, items, errs, files, files, files)
		}
		// A row reserved by an upload in flight when its process was
		// killed (a stream has no known end: reserved, then written) stays
		// 'uploading' until fsck removes it after its grace period.
		if stale > maxStale {
			t.Errorf("%d rows left 'uploading', want at most the %d in flight at the kill", stale, maxStale)
		}
	}
	check(8)
	v.wantNoQuotaDrift(t)
	// Every row has its object; objects without a row (in flight at a
	// kill) are young, left by fsck within its grace period and removed
	// after it.
	r = v.cli("", "fsck")
	r.want(t, 0)
	if !strings.Contains(r.stdout, "nothing to repair") {
		t.Errorf("fsck: %s", r.stdout)
	}
	v.cli("", "fsck", "--grace", "0", "--repair").want(t, 0)
	v.fsckClean(t)
	check(0)
}
