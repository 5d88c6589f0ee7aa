package worker_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gocraft/work"

	"github.com/docuvault/docuvault/pkg/extract"
	"github.com/docuvault/docuvault/pkg/jobs"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/pkg/worker"
)

// annBlocked is a test extractor that reads text files, holding every one
// named ann-* until release is closed: ann's slow documents.
type annBlocked struct {
	release chan struct{}

	mu         sync.Mutex
	ann, peak  int // ann's documents in Extract now, and at most
	extracting int // all documents in Extract now
}

func (x *annBlocked) Supports(ct string) bool { return strings.HasPrefix(ct, "text/") }

func (x *annBlocked) Extract(ctx context.Context, in extract.Input) (extract.Output, error) {
	x.mu.Lock()
	x.extracting++
	isAnn := strings.HasPrefix(in.Filename, "ann-")
	if isAnn {
		x.ann++
		x.peak = max(x.peak, x.ann)
	}
	x.mu.Unlock()
	defer func() {
		x.mu.Lock()
		x.extracting--
		if isAnn {
			x.ann--
		}
		x.mu.Unlock()
	}()
	if isAnn {
		select {
		case <-x.release:
		case <-ctx.Done():
			return extract.Output{}, ctx.Err()
		}
	}
	b, err := os.ReadFile(in.Path)
	return extract.Output{Text: string(b), Method: "test"}, err
}

// waitStatus waits until every document in ids has status want.
func (f *fixture) waitStatus(t *testing.T, want string, timeout time.Duration, ids ...string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for _, id := range ids {
		for {
			s := f.state(t, id)
			if s.Status == want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("document %s is %s after %v, want %s", id, s.Status, timeout, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// TestOneOwnerCannotHoldEveryWorkerSlot: ann's six documents are queued
// first and never finish reading (until released); bob's document, queued
// behind them, is still read and classified by the same worker, ann never
// has more than Concurrency documents in extraction, and none of her jobs
// counts as failed for having been put back (issue 20, D3).
func TestOneOwnerCannotHoldEveryWorkerSlot(t *testing.T) {
	f := newFixture(t)
	bg := context.Background()
	bob, err := users.Create(bg, f.db, users.NewUser{Handle: "bob", Email: "bob@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	var annIDs []string
	for i := range 6 {
		annIDs = append(annIDs, f.upload(t, fmt.Sprintf("ann-%d.txt", i), fmt.Sprintf("bank invoice %d", i)))
	}
	up, err := f.svc.Upload(bg, storage.UploadInput{OwnerID: bob.ID, Filename: "bob.txt", Body: strings.NewReader("doctor hospital"), Size: -1})
	if err != nil || up.EnqueueErr != nil {
		t.Fatalf("upload bob's: %v %v", err, up.EnqueueErr)
	}
	bobID := up.Document.ID

	x := &annBlocked{release: make(chan struct{})}
	released := false
	defer func() {
		if !released {
			close(x.release)
		}
	}()
	runCtx, stop := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() { done <- f.runner(x, worker.Options{Concurrency: 2}).Run(runCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	start := time.Now()
	f.waitStatus(t, "classified", 30*time.Second, bobID)
	t.Logf("bob's document classified after %v", time.Since(start))
	x.mu.Lock()
	ann, peak := x.ann, x.peak
	x.mu.Unlock()
	if ann != 2 || peak != 2 {
		t.Errorf("ann's documents in extraction: %d now, %d at most; want 2 (Concurrency)", ann, peak)
	}
	for _, id := range annIDs {
		if s := f.state(t, id); s.Status == "failed" || s.Status == "classified" || s.Reason != nil {
			t.Errorf("ann's %s while blocked: %+v", id, s)
		}
	}
	st, err := jobs.Stats(work.NewClient(f.d.Namespace, f.pool))
	if err != nil {
		t.Fatal(err)
	}
	if st.Retrying != 0 || st.Dead != 0 {
		t.Errorf("ann's put-back jobs were counted as failures: %+v", st)
	}

	close(x.release)
	released = true
	start = time.Now()
	f.waitStatus(t, "classified", 60*time.Second, annIDs...)
	t.Logf("ann's documents classified %v after they were released", time.Since(start))
	for _, id := range annIDs {
		if s := f.state(t, id); s.Topics != "Finance" || s.Reason != nil {
			t.Errorf("ann's %s: %+v", id, s)
		}
	}
}
