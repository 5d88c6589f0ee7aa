package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gocraft/work"

	"github.com/docuvault/docuvault/pkg/cloud"
	"github.com/docuvault/docuvault/pkg/jobs"
)

// Cloud is the worker's part in cloud connections: every minute a
// periodic job (jobs.CloudSyncDue) enqueues a sync (jobs.CloudSync) of each
// connection due (ACTIVE and not synced for Every, or ERROR and past its
// backoff), at most one per connection (EnqueueUnique, and pkg/cloud's
// advisory lock across workers).
type Cloud struct {
	Deps    cloud.Deps
	Options cloud.Options
	// Every is how often an ACTIVE connection is synced. Default 15m.
	Every time.Duration
}

// cloudSpec is the periodic job's schedule (robfig/cron v1, with seconds):
// every minute.
const cloudSpec = "0 * * * * *"

// ErrNoCloud is the error of a cloud job run by a worker that was started
// without cloud connections (no SECRET_KEY): it is retried, by a worker
// that has them.
var ErrNoCloud = errors.New("this worker does not sync cloud connections (is SECRET_KEY set?)")

func (r *Runner) handleCloudDue(jobCtx context.Context) func(*work.Job) error {
	return func(*work.Job) error {
		c := r.opts.Cloud
		if c == nil {
			return ErrNoCloud
		}
		every := c.Every
		if every <= 0 {
			every = 15 * time.Minute
		}
		ids, err := cloud.Due(jobCtx, c.Deps.DB, every)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := r.requeuer.EnqueueUnique(jobs.CloudSync, work.Q{jobs.ArgConnectionID: id}); err != nil {
				return fmt.Errorf("enqueue a cloud sync: %w", err)
			}
		}
		return nil
	}
}

func (r *Runner) handleCloudSync(jobCtx context.Context) func(*work.Job) error {
	return func(job *work.Job) error {
		c := r.opts.Cloud
		if c == nil {
			return ErrNoCloud
		}
		id := job.ArgString(jobs.ArgConnectionID)
		if err := job.ArgError(); err != nil {
			r.log.Error("cloud sync job without a connection id; dropped", "job_id", job.ID, "error", err)
			return nil
		}
		sum, err := cloud.Sync(jobCtx, c.Deps, c.Options, id, nil)
		switch {
		case err == nil:
			r.log.Info("cloud connection synced", "connection_id", id, "stored", sum.Stored, "versions", sum.Versions, "duplicates", sum.Duplicates,
				"unchanged", sum.Unchanged, "failed", sum.Failed)
			return nil
		case errors.Is(err, cloud.ErrBusy), errors.Is(err, cloud.ErrNotFound):
			return nil // syncing elsewhere, or removed meanwhile
		case errors.Is(err, cloud.ErrConnection):
			// The connection says ERROR and why; the periodic job tries
			// again after its backoff.
			r.log.Warn("cloud sync failed", "connection_id", id, "reason", cloud.Reason(err))
			return nil
		case jobCtx.Err() != nil:
			return fmt.Errorf("interrupted by shutdown: %w", err)
		}
		r.log.Warn("cloud sync failed; will retry", "connection_id", id, "error", err.Error())
		return err
	}
}
