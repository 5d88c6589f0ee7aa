package worker

import (
	"context"
	"fmt"

	"github.com/gocraft/work"

	"github.com/docuvault/docuvault/pkg/jobs"
)

// Sweep queues what would otherwise be forgotten: documents 'processing'
// for longer than StaleAfter (their worker died) go back to pending, and
// pending documents older than SweepAge that have no job waiting (stored
// while Redis was down, or whose job was lost) are queued. It returns how
// many it queued or found already queued.
func (r *Runner) Sweep(ctx context.Context) (int, error) {
	if _, err := r.pipeline.DB.ExecContext(ctx, `UPDATE documents SET status = 'pending', updated_at = now() - make_interval(secs => $2)
		WHERE status = 'processing' AND updated_at < now() - make_interval(secs => $1)`,
		r.opts.StaleAfter.Seconds(), r.opts.SweepAge.Seconds()); err != nil {
		return 0, fmt.Errorf("sweep stale documents: %w", err)
	}
	var ids []string
	if err := r.pipeline.DB.SelectContext(ctx, &ids, `SELECT id FROM documents
		WHERE status = 'pending' AND updated_at <= now() - make_interval(secs => $1) ORDER BY created_at LIMIT 100000`,
		r.opts.SweepAge.Seconds()); err != nil {
		return 0, fmt.Errorf("sweep pending documents: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	waiting, err := jobs.Waiting(work.NewClient(r.opts.Namespace, r.pool))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		if waiting[id] {
			continue
		}
		// EnqueueUnique: a job already queued for it is not doubled.
		if err := r.enqueuer.EnqueueExtract(ctx, id); err != nil {
			return n, fmt.Errorf("sweep: %w", err)
		}
		n++
	}
	return n, nil
}
