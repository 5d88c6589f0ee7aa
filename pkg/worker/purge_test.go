package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/worker"
)

// TestPeriodicPurgeRuns: a long-running worker enqueues the purge_trash job
// on its schedule (gocraft/work's PeriodicallyEnqueue) and runs
// Options.PurgeTrash for it.
func TestPeriodicPurgeRuns(t *testing.T) {
	f := newFixture(t)
	ran := make(chan struct{}, 8)
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	r := f.runner(&plainText{}, worker.Options{
		PurgeSchedule: "* * * * * *", // every second
		PurgeTrash: func(ctx context.Context) (int, error) {
			ran <- struct{}{}
			return 0, nil
		},
		ShutdownTimeout: time.Second,
	})
	go func() { done <- r.Run(runCtx) }()
	select {
	case <-ran:
	case <-time.After(30 * time.Second):
		t.Error("the periodic purge did not run within 30s")
	}
	stop()
	if err := <-done; err != nil && err != context.Canceled {
		t.Errorf("Run: %v", err)
	}
}
