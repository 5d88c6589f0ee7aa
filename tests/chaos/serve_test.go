package chaos

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestServeKilledDuringLargeUpload: serve is SIGKILLed while a large upload
// streams into MinIO. No document appears; fsck finds the reservation (and,
// where it looks for them, the unfinished multipart upload) and --repair
// leaves no row, no object, no multipart upload and the quota as it was.
// An upload after serve's restart is stored normally.
func TestServeKilledDuringLargeUpload(t *testing.T) {
	t.Parallel()
	v := newVault(t)
	size := int64(160 << 20)
	if testing.Short() {
		size = 64 << 20
	}
	s := v.serve()
	c := v.login(s)
	var quotaBefore int64
	if err := v.db.Get(&quotaBefore, `SELECT used_bytes FROM quotas WHERE user_id = $1`, v.ownerID); err != nil {
		t.Fatal(err)
	}

	// The body is generated as it is sent: a chunked multipart request.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	var sent atomic.Int64
	// The client stops sending a third of the way in, until serve is
	// killed: the kill lands mid-upload however fast the machine is.
	resume := make(chan struct{})
	chunk := textDoc("chaosdoc big 000", 7, 1<<20)
	pauseAt := size / 3 / int64(len(chunk)) * int64(len(chunk))
	go func() {
		w, err := mw.CreateFormFile("file", "big.txt")
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		for sent.Load() < size {
			if sent.Load() == pauseAt {
				<-resume
			}
			n, err := w.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return // serve is gone
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/api/documents", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	answer := make(chan string, 1)
	go func() {
		res, err := c.do(req)
		if err != nil {
			answer <- "no answer: " + err.Error()
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		answer <- fmt.Sprintf("%d %s", res.StatusCode, b)
	}()

	store := v.rootStore()
	var parts []string
	waitFor(t, 3*time.Minute, "the upload well under way in MinIO", func() error {
		select {
		case a := <-answer:
			return &fatalError{fmt.Errorf("the upload ended before serve was killed: %s", a)}
		default:
		}
		if sent.Load() < pauseAt {
			return fmt.Errorf("%d MiB sent", sent.Load()>>20)
		}
		if parts = incompleteUploads(ctx, t, store, v.bucket); len(parts) == 0 {
			return fmt.Errorf("no multipart upload in MinIO yet (%d MiB sent)", sent.Load()>>20)
		}
		return nil
	})
	s.kill()
	close(resume)
	t.Logf("serve SIGKILLed after %d MiB of %d sent; multipart uploads: %v", sent.Load()>>20, size>>20, parts)
	select {
	case a := <-answer:
		if strings.HasPrefix(a, "201") || strings.HasPrefix(a, "207") {
			t.Fatalf("the killed upload was answered %s", a)
		}
	case <-time.After(time.Minute):
		t.Fatalf("the client heard nothing of serve's death")
	}
	_ = pw.CloseWithError(io.ErrClosedPipe)

	// No document: at most the reservation, hidden from everyone.
	counts, err := v.statusCounts()
	if err != nil {
		t.Fatal(err)
	}
	for st, n := range counts {
		if st != "uploading" {
			t.Errorf("%d document(s) %s after serve died mid-upload", n, st)
		}
	}
	t.Logf("after the kill: rows by status %v", counts)

	// fsck sees what is left, and repairs it.
	code, rep, r := v.fsck(t)
	problems := rep.problems()
	t.Logf("fsck after the kill: exit %d, %v", code, problems)
	if counts["uploading"] > 0 && problems["stale_uploads"] != counts["uploading"] {
		t.Errorf("fsck reports %d stale uploads, there are %d reservations\n%s", problems["stale_uploads"], counts["uploading"], r.stdout)
	}
	multipartKey := ""
	for k := range rep {
		if strings.Contains(k, "multipart") || strings.Contains(k, "incomplete") {
			multipartKey = k
		}
	}
	if multipartKey == "" {
		t.Logf("fsck's report has no field for unfinished multipart uploads (issue 20 D9 not in this build): rows, objects and quota checked only")
	} else if problems[multipartKey] == 0 {
		t.Errorf("fsck does not report the unfinished multipart upload in %q\n%s", multipartKey, r.stdout)
	}
	if len(problems) == 0 || code != 1 {
		t.Errorf("fsck after the kill: exit %d, problems %v; want exit 1 and the leftovers", code, problems)
	}
	code, _, r = v.fsck(t, "--repair")
	if code != 0 {
		t.Errorf("fsck --repair: exit %d\n%s\n%s", code, r.stdout, r.stderr)
	}
	var rows int
	var quota int64
	if err := v.db.Get(&rows, `SELECT count(*) FROM documents`); err != nil {
		t.Fatal(err)
	}
	if err := v.db.Get(&quota, `SELECT used_bytes FROM quotas WHERE user_id = $1`, v.ownerID); err != nil {
		t.Fatal(err)
	}
	if rows != 0 || quota != quotaBefore {
		t.Errorf("after fsck --repair: %d rows, quota %d; want none and %d", rows, quota, quotaBefore)
	}
	left := incompleteUploads(ctx, t, store, v.bucket)
	if multipartKey != "" && len(left) > 0 {
		t.Errorf("unfinished multipart uploads after fsck --repair: %v", left)
	}
	if multipartKey == "" && len(left) > 0 {
		// Nothing removes them yet (D9): abort them here, so that what
		// follows checks the rest.
		t.Logf("unfinished multipart uploads left (D9): %v", left)
		for _, k := range left {
			if err := store.RemoveIncompleteUpload(ctx, v.bucket, k); err != nil {
				t.Fatal(err)
			}
		}
	}

	// serve again: a new upload is stored as usual.
	s = v.serve()
	c = v.login(s)
	l := newLedger()
	body := textDoc("chaosdoc after 000", 8, 2<<20)
	code, ans, err := c.upload(ctx, "after-000.txt", body)
	if err != nil || code != http.StatusCreated || len(ans.Documents) != 1 {
		t.Fatalf("upload after restart: %d %+v %v", code, ans, err)
	}
	l.add(t, ans.Documents[0].ID, "after-000.txt", body)
	code, listing, err := c.get(ctx, "/api/documents")
	if err != nil || code != http.StatusOK || bytes.Contains(listing, []byte("big.txt")) {
		t.Errorf("list after restart: %d %v, big.txt listed: %v", code, err, bytes.Contains(listing, []byte("big.txt")))
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exited %d after SIGTERM", code)
	}
	v.verify(t, l, verifyOptions{})
}
