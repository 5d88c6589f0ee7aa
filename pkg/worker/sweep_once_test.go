package worker_test

import (
	"strings"
	"testing"

	"github.com/gocraft/work"

	"github.com/docuvault/docuvault/pkg/jobs"
	"github.com/docuvault/docuvault/pkg/redisconn"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/worker"
)

// TestSweeperNeverQueuesTwice: the long-running worker sweeps every minute;
// a pending document whose job is queued is never queued again, and one the
// sweeper queued (stored while Redis was down) is queued once however often
// it sweeps.
func TestSweeperNeverQueuesTwice(t *testing.T) {
	f := newFixture(t)
	admin := f.d.AdminDB(t)
	queued := f.upload(t, "queued.txt", "bank invoice") // its upload queued its job
	dead, err := redisconn.NewPool("redis://:x@127.0.0.1:1/0", 1)
	if err != nil {
		t.Fatal(err)
	}
	offline := storage.New(f.db, f.store, jobs.NewEnqueuer(f.d.Namespace, dead), storage.Limits{})
	res, err := offline.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "late.txt", Body: strings.NewReader("doctor"), Size: -1})
	if err != nil || res.EnqueueErr == nil {
		t.Fatalf("upload with Redis down: %v, %v", err, res.EnqueueErr)
	}
	admin.MustExec(`UPDATE documents SET updated_at = now() - interval '2 minutes' WHERE id = ANY($1::uuid[])`,
		"{"+queued+","+res.Document.ID+"}")

	r := f.runner(&plainText{}, worker.Options{})
	client := work.NewClient(f.d.Namespace, f.pool)
	for i := 1; i <= 3; i++ {
		// Sweep counts what it queued or found queued already (gocraft/work's
		// unique jobs): what matters is the queue, one job per document.
		if n, err := r.Sweep(ctx(t)); err != nil || n > 2 {
			t.Fatalf("sweep %d: %d, %v", i, n, err)
		}
		st, err := jobs.Stats(client)
		if err != nil {
			t.Fatal(err)
		}
		if st.Queued != 2 {
			t.Fatalf("after sweep %d: %d jobs queued for 2 documents", i, st.Queued)
		}
	}
}
