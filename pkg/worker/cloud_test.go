package worker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gocraft/work"

	"github.com/docuvault/docuvault/pkg/cloud"
	"github.com/docuvault/docuvault/pkg/jobs"
	"github.com/docuvault/docuvault/pkg/secrets"
	"github.com/docuvault/docuvault/pkg/worker"
	"github.com/docuvault/docuvault/tests/testenv"
)

// TestCloudPeriodicJob: the periodic job (enqueued here rather than waited
// for at the next minute) queues a sync of each connection due; the worker
// imports its files, which are then read and filed like any upload; a
// connection synced a moment ago is not due, and its files are not taken
// twice.
func TestCloudPeriodicJob(t *testing.T) {
	f := newFixture(t)
	w := testenv.NewWebDAV(t)
	w.Put(t, "bank.txt", []byte("bank statement: payments and taxes\n"))
	k, err := secrets.NewKeyring(strings.Repeat("worker-cloud-key-", 2))
	if err != nil {
		t.Fatal(err)
	}
	c, err := cloud.Add(ctx(t), f.db, k, f.user.ID, cloud.New{Provider: cloud.ProviderWebDAV, Name: "dav", Endpoint: w.URL(), Login: w.User, Secret: w.Password})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.runner(&plainText{}, worker.Options{ShutdownTimeout: 500 * time.Millisecond,
			Cloud: &worker.Cloud{Deps: cloud.Deps{DB: f.db, Storage: f.svc, Keyring: k}, Every: time.Hour}}).Run(runCtx)
	}()
	enq := work.NewEnqueuer(f.d.Namespace, f.pool)
	if _, err := enq.Enqueue(jobs.CloudSyncDue, nil); err != nil {
		t.Fatal(err)
	}
	var id string
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := f.db.Get(&id, `SELECT document_id FROM cloud_items WHERE connection_id = $1 AND path = 'bank.txt'`, c.ID)
		if err == nil && f.state(t, id).Status == "classified" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the periodic job did not import and file bank.txt (%v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := f.state(t, id); got.Topics != "Finance" {
		t.Errorf("imported document filed under %q, want Finance", got.Topics)
	}
	due, err := cloud.Due(ctx(t), f.db, time.Hour)
	if err != nil || len(due) != 0 {
		t.Errorf("due right after a sync: %v, %v", due, err)
	}
	cancel()
	<-done
	var n int
	if err := f.db.Get(&n, `SELECT count(*) FROM documents WHERE user_id = $1`, f.user.ID); err != nil || n != 1 {
		t.Errorf("%d documents (%v), want 1", n, err)
	}
}
