package jobs_test

import (
	"testing"

	"github.com/gocraft/work"

	"github.com/docuvault/docuvault/pkg/jobs"
	"github.com/docuvault/docuvault/pkg/redisconn"
	"github.com/docuvault/docuvault/tests/testenv"
)

// The periodic jobs (the trash's purge, the cloud and mail polls) wait in
// the scheduled set ahead of their time; they are no work waiting, or
// `worker --drain` never ended once a worker had scheduled them (found by
// tests/cli TestIngestAcceptance). A document's job scheduled behind more
// than a page of them still counts.
func TestStatsScheduledLeavesOutPeriodicJobs(t *testing.T) {
	url, ns := testenv.RedisURL(t), testenv.RandomName("dvtest-")
	pool, err := redisconn.NewPool(url, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	enq := work.NewEnqueuer(ns, pool)
	client := work.NewClient(ns, pool)
	for i := range 25 {
		name := []string{jobs.PurgeTrash, jobs.CloudSyncDue, jobs.MailPoll}[i%3]
		if _, err := enq.EnqueueIn(name, int64(60+i), nil); err != nil {
			t.Fatal(err)
		}
	}
	st, err := jobs.Stats(client)
	if err != nil {
		t.Fatal(err)
	}
	if st.Scheduled != 0 {
		t.Fatalf("periodic jobs only: Scheduled = %d, want 0", st.Scheduled)
	}
	if _, err := enq.EnqueueIn(jobs.ExtractAndClassify, 3600, work.Q{jobs.ArgDocumentID: "00000000-0000-4000-8000-000000000001"}); err != nil {
		t.Fatal(err)
	}
	if st, err = jobs.Stats(client); err != nil {
		t.Fatal(err)
	}
	if st.Scheduled != 1 {
		t.Fatalf("a document's job behind 25 periodic ones: Scheduled = %d, want 1", st.Scheduled)
	}
}
