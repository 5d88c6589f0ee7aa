package worker

import (
	"context"
	"fmt"

	"github.com/gocraft/work"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/jobs"
	"github.com/docuvault/docuvault/pkg/search"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/thumbnail"
)

// Sweep queues what would otherwise be forgotten: documents 'processing'
// for longer than StaleAfter (their worker died) go back to pending, and
// pending documents older than SweepAge that have no job waiting (stored
// while Redis was down, or whose job was lost) are queued. It returns how
// many it queued or found already queued. Then it queues the thumbnails
// that are missing (see sweepThumbnails), removes the dead jobs whose
// documents were read or deleted since (see jobs.Obsolete), and cuts the
// search index's head into parts (see sweepSearchIndex).
func (r *Runner) Sweep(ctx context.Context) (int, error) {
	n, err := r.sweepDocuments(ctx)
	if err != nil {
		return n, err
	}
	if err := r.sweepThumbnails(ctx); err != nil {
		return n, err
	}
	r.sweepDead(ctx)
	r.sweepSearchIndex(ctx)
	return n, nil
}

// sweepSearchIndex cuts the newest documents of search_index (its head)
// into parts of Options.SearchPartRows once there are more than that, so a
// search reads the newest part first and stops (pkg/search, walk.go). It
// costs a count of at most PartRows+1 rows when there is nothing to cut.
// Every worker sweeps, long-running or --drain, so a vault that only runs
// `docuvault worker --drain` from cron keeps its parts too. A failure is
// housekeeping the next sweep retries (searches stay right, only slower):
// logged, not returned.
func (r *Runner) sweepSearchIndex(ctx context.Context) {
	n, err := search.CutIndex(ctx, r.pipeline.DB, r.opts.SearchPartRows)
	if err != nil {
		r.log.Warn("sweeper could not cut the search index into parts", "error", err)
	}
	if n > 0 {
		r.log.Info("sweeper cut the search index's newest documents into parts", "parts", n, "documents_per_part", r.opts.SearchPartRows)
	}
}

// sweepDead removes obsolete dead jobs: after a PostgreSQL outage the jobs
// that ran during it died, and sweepDocuments queued their documents again.
// The sweeper is where they are removed because it is what recovers their
// documents, and it runs in every worker (long-running and --drain), so
// the dead set is kept true without anyone running a command; `docuvault
// jobs` also leaves them out of its count until then. A failure here is
// housekeeping that the next sweep retries: logged, not returned.
func (r *Runner) sweepDead(ctx context.Context) {
	n, err := jobs.PruneDead(ctx, work.NewClient(r.opts.Namespace, r.pool), r.pipeline.DB)
	if err != nil {
		r.log.Warn("sweeper could not remove obsolete dead jobs", "error", err)
	}
	if n > 0 {
		r.log.Info("sweeper removed dead jobs whose documents were read or deleted since", "count", n)
	}
}

// sweepThumbnails queues finish_document for documents read more than
// SweepAge ago that have no thumbnail and no note saying why: their job
// was lost, or they were read before thumbnails existed.
func (r *Runner) sweepThumbnails(ctx context.Context) error {
	if r.pipeline.NoThumbnails {
		return nil
	}
	var ids []string
	if err := r.pipeline.DB.SelectContext(ctx, &ids, `SELECT d.id FROM documents d
		WHERE d.status IN ('classified', 'no_text') AND d.content_type = ANY($1) AND d.updated_at <= now() - make_interval(secs => $2)
		AND NOT EXISTS (SELECT 1 FROM document_objects o WHERE o.document_id = d.id AND o.kind = $3)
		AND position('thumbnail not stored' IN COALESCE(d.extraction_note, '')) = 0
		ORDER BY d.created_at LIMIT 100000`, pq.Array(thumbnail.ContentTypes()), r.opts.SweepAge.Seconds(), storage.KindThumbnail); err != nil {
		return fmt.Errorf("sweep thumbnails: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	waiting, err := jobs.Waiting(work.NewClient(r.opts.Namespace, r.pool))
	if err != nil {
		return err
	}
	n := 0
	for _, id := range ids {
		if waiting[id] {
			continue
		}
		if err := r.enqueuer.EnqueueFinish(ctx, id); err != nil {
			return fmt.Errorf("sweep thumbnails: %w", err)
		}
		n++
	}
	r.log.Info("sweeper queued thumbnails", "count", n)
	return nil
}

// sweepDocuments is Sweep's part for documents.
func (r *Runner) sweepDocuments(ctx context.Context) (int, error) {
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
