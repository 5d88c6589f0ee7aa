package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/gocraft/work"
	"github.com/gomodule/redigo/redis"

	"github.com/docuvault/docuvault/pkg/extract"
	"github.com/docuvault/docuvault/pkg/jobs"
	"github.com/docuvault/docuvault/pkg/search"
)

// Options configure a Runner.
type Options struct {
	Namespace string // Redis namespace of the job queue
	// Concurrency is how many documents are extracted at once (the CPU-bound
	// part); twice as many jobs run, so that one job's database and object
	// store round trips overlap another's extraction. One owner's documents
	// hold at most all job slots but one and Concurrency extractions, and
	// one more extraction runs while they do, so other owners are not held
	// up (see fair.go).
	Concurrency uint
	// MaxFails is how many times a job may fail before its document is
	// given up on (gocraft/work's dead set, status failed). Default 5.
	MaxFails uint
	// RetryDelay is the wait before the first retry; it doubles each time,
	// up to an hour. Default 10s.
	RetryDelay time.Duration
	// ShutdownTimeout bounds how long in-flight jobs may run on after a
	// shutdown is asked for; then they are cancelled (and run again later).
	// Default 30s.
	ShutdownTimeout time.Duration
	// SweepEvery is the sweeper's period in long-running mode. Default 1m.
	SweepEvery time.Duration
	// SweepAge: pending documents older than this with no job are queued. Default 1m.
	SweepAge time.Duration
	// StaleAfter: documents 'processing' whose heartbeat (HeartbeatEvery)
	// is older than this belong to a worker that died, and are queued again.
	// Default 2m.
	StaleAfter time.Duration
	// Cloud, if set, syncs the cloud connections periodically (cloud.go).
	Cloud *Cloud
	// PurgeTrash, when set, is the work of the periodic jobs.PurgeTrash
	// job (trash.Service.PurgeExpired): it returns how many documents it
	// deleted for good. Unset, the job is registered but does nothing.
	PurgeTrash func(ctx context.Context) (int, error)
	// PurgeSchedule is when jobs.PurgeTrash is enqueued: a cron spec with
	// seconds (gocraft/work). Default hourly, "0 17 * * * *".
	PurgeSchedule string
	// Periodic are jobs queued on a schedule while the worker runs (not
	// by Drain): e-mail polling (jobs.MailPoll).
	Periodic []Periodic
	// SearchPartRows is how many documents the sweeper puts in each part
	// of the search index (sweepSearchIndex). Default search.PartRows.
	SearchPartRows int
}

// Periodic is a job the worker queues on a cron schedule (gocraft/work's,
// with seconds: "0 * * * * *" is every minute) and runs with Run. A run
// that fails is not retried: the next one comes on schedule.
type Periodic struct {
	Name string
	Spec string
	Run  func(ctx context.Context) error
}

func (o Options) withDefaults() Options {
	if o.Concurrency == 0 {
		o.Concurrency = 2
	}
	if o.MaxFails == 0 {
		o.MaxFails = 5
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = 10 * time.Second
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 30 * time.Second
	}
	if o.SweepEvery <= 0 {
		o.SweepEvery = time.Minute
	}
	if o.SweepAge <= 0 {
		o.SweepAge = time.Minute
	}
	if o.StaleAfter <= 0 {
		o.StaleAfter = 2 * time.Minute
	}
	if o.PurgeSchedule == "" {
		o.PurgeSchedule = "0 17 * * * *"
	}
	if o.SearchPartRows <= 0 {
		o.SearchPartRows = search.PartRows
	}
	return o
}

// Runner runs the worker pool.
type Runner struct {
	pipeline *Pipeline
	pool     *redis.Pool
	enqueuer *jobs.Enqueuer
	requeuer *work.Enqueuer // puts back the jobs of owners at their limit (fair.go)
	opts     Options
	log      *slog.Logger

	mu     sync.Mutex
	failed map[string]string // documents given up on in this run: id → reason
	done   int
}

// NewRunner returns a Runner; nothing runs until Run or Drain.
func NewRunner(p *Pipeline, pool *redis.Pool, opts Options, log *slog.Logger) *Runner {
	opts = opts.withDefaults()
	// One extraction slot more than Concurrency, and one owner's documents
	// limited to Concurrency at once: another owner always gets one (fair.go).
	p.extractSlots = make(chan struct{}, opts.Concurrency+1)
	p.owners = newOwnerGate(ownerLimit(opts.Concurrency))
	p.extractOwners = newOwnerGate(int(opts.Concurrency))
	r := &Runner{pipeline: p, pool: pool, enqueuer: jobs.NewEnqueuer(opts.Namespace, pool), requeuer: work.NewEnqueuer(opts.Namespace, pool),
		opts: opts, log: log, failed: map[string]string{}}
	p.QueueFinish = func(ctx context.Context, id string) {
		if err := r.enqueuer.EnqueueFinish(ctx, id); err != nil {
			log.Warn("could not queue the document's thumbnail and words; the sweeper queues thumbnails, `docuvault doc backfill` the words", "document_id", id, "error", err)
		}
	}
	return r
}

// handleFinish is the finish_document handler (see Pipeline.Finish).
func (r *Runner) handleFinish(jobCtx context.Context) func(*work.Job) error {
	return func(job *work.Job) error {
		id := job.ArgString(jobs.ArgDocumentID)
		if err := job.ArgError(); err != nil {
			r.log.Error("job without a document id; dropped", "job_id", job.ID, "error", err)
			return nil
		}
		outcome, err := r.pipeline.Finish(jobCtx, id)
		if err != nil {
			r.log.Warn("finishing a read document failed; will retry", "document_id", id, "attempt", job.Fails+1, "reason", Reason(err))
			return err
		}
		if outcome != ThumbnailSkipped {
			r.log.Debug("thumbnail", "document_id", id, "outcome", string(outcome))
		}
		return nil
	}
}

// handle is the extract_and_classify handler. gocraft/work gives handlers
// no context: jobCtx is the Runner's, cancelled when a shutdown's grace
// period is over.
func (r *Runner) handle(jobCtx context.Context) func(*work.Job) error {
	return func(job *work.Job) error {
		id := job.ArgString(jobs.ArgDocumentID)
		if err := job.ArgError(); err != nil {
			r.log.Error("job without a document id; dropped", "job_id", job.ID, "error", err)
			return nil // retrying cannot fix it
		}
		start := time.Now()
		outcome, err := r.pipeline.Process(jobCtx, id)
		if err == nil && outcome == Deferred {
			// Its owner has as many documents running as one may: queued
			// again, not a failure (fair.go).
			if _, err := r.requeuer.EnqueueUniqueIn(jobs.ExtractAndClassify, int64(ownerRequeueDelay/time.Second), work.Q{jobs.ArgDocumentID: id}); err != nil {
				// Redis failing: gocraft/work retries this job later (and
				// the sweeper queues the pending document in any case).
				return fmt.Errorf("queue the document again: %w", err)
			}
			r.log.Debug("document deferred: its owner has as many running as one may", "document_id", id)
			return nil
		}
		if err == nil {
			r.log.Info("document processed", "document_id", id, "outcome", string(outcome), "ms", time.Since(start).Milliseconds())
			if outcome == Classified || outcome == NoText {
				r.count()
			}
			return nil
		}
		if jobCtx.Err() != nil {
			// Shutting down: hand the job back; it runs again later.
			return fmt.Errorf("interrupted by shutdown: %w", err)
		}
		if errors.Is(err, extract.ErrTimeout) && job.Fails >= 1 {
			// The same bytes ran out of time twice: the document is too
			// costly to read (a bomb, a pathological file), not the machine
			// busy; more retries would only hold a slot for minutes each.
			err = fmt.Errorf("%w: %w, on %d attempts", ErrPermanent, err, job.Fails+1)
		}
		final := errors.Is(err, ErrPermanent) || uint(job.Fails)+1 >= r.opts.MaxFails
		// A fresh context: the failure must be recorded even on the way out.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(jobCtx), 10*time.Second)
		defer cancel()
		if ferr := r.pipeline.Fail(fctx, id, err, final); ferr != nil {
			r.log.Error("could not record a failure", "document_id", id, "error", ferr)
		}
		if final {
			r.mu.Lock()
			r.failed[id] = Reason(err)
			r.mu.Unlock()
		}
		if errors.Is(err, ErrPermanent) {
			r.log.Warn("document failed", "document_id", id, "reason", Reason(err))
			return nil // nothing to retry: the document says failed and why
		}
		if final {
			// gocraft/work moves the job to the dead set: no retry follows.
			r.log.Warn("document failed on its last attempt; it will not be retried (`docuvault jobs retry-dead` queues it again)", "document_id", id, "attempt", job.Fails+1, "max", r.opts.MaxFails, "reason", Reason(err))
		} else {
			r.log.Warn("document failed; will retry", "document_id", id, "attempt", job.Fails+1, "max", r.opts.MaxFails, "reason", Reason(err))
		}
		return err
	}
}

func (r *Runner) count() {
	r.mu.Lock()
	r.done++
	r.mu.Unlock()
}

// newPool builds the gocraft/work pool with every job name registered.
func (r *Runner) newPool(jobCtx context.Context, periodic bool) *work.WorkerPool {
	wp := work.NewWorkerPool(struct{}{}, 2*r.opts.Concurrency, r.opts.Namespace, r.pool)
	delay := r.opts.RetryDelay
	backoff := func(job *work.Job) int64 {
		d := delay << min(job.Fails-1, 20)
		if d <= 0 || d > time.Hour {
			d = time.Hour
		}
		return int64(max(d.Seconds(), 1))
	}
	// gocraft/work picks the next queue at random, weighted by priority:
	// a document's text and topics come first, its thumbnail after, so a
	// batch is filed at the speed of reading it.
	wp.JobWithOptions(jobs.ExtractAndClassify, work.JobOptions{MaxFails: r.opts.MaxFails, Priority: priorityExtract, Backoff: backoff}, r.handle(jobCtx))
	wp.JobWithOptions(jobs.FinishDocument, work.JobOptions{MaxFails: r.opts.MaxFails, Priority: priorityFinish, Backoff: backoff}, r.handleFinish(jobCtx))
	// Cloud syncs: registered by every worker (gocraft/work #117); run by
	// those that have r.opts.Cloud (the others fail them, to be retried).
	wp.JobWithOptions(jobs.CloudSyncDue, work.JobOptions{MaxFails: 1, Priority: priorityCloud, SkipDead: true}, r.handleCloudDue(jobCtx))
	wp.JobWithOptions(jobs.CloudSync, work.JobOptions{MaxFails: 3, Priority: priorityCloud, SkipDead: true, Backoff: backoff}, r.handleCloudSync(jobCtx))
	if periodic && r.opts.Cloud != nil {
		wp.PeriodicallyEnqueue(cloudSpec, jobs.CloudSyncDue)
	}
	// The purge is idempotent (a stopped one is finished by the next), so
	// a failed run is not retried: the next period runs it again.
	wp.JobWithOptions(jobs.PurgeTrash, work.JobOptions{MaxFails: 1, Priority: priorityFinish, SkipDead: true}, r.handlePurge(jobCtx))
	if periodic {
		wp.PeriodicallyEnqueue(r.opts.PurgeSchedule, jobs.PurgeTrash)
	}
	return wp
}

// handlePurge runs Options.PurgeTrash.
func (r *Runner) handlePurge(ctx context.Context) func(*work.Job) error {
	return func(*work.Job) error {
		if r.opts.PurgeTrash == nil {
			return nil
		}
		n, err := r.opts.PurgeTrash(ctx)
		if n > 0 {
			r.log.Info("trash purged", "documents", n)
		}
		if err != nil {
			r.log.Error("trash purge failed; the next run finishes it", "error", err)
		}
		return err
	}
}

// addPeriodic registers and schedules the periodic jobs.
func (r *Runner) addPeriodic(wp *work.WorkerPool, jobCtx context.Context) {
	for _, p := range r.opts.Periodic {
		wp.JobWithOptions(p.Name, work.JobOptions{MaxFails: 1, Priority: priorityPeriodic, SkipDead: true}, func(job *work.Job) error {
			if err := p.Run(jobCtx); err != nil {
				r.log.Warn("periodic job failed; it runs again on schedule", "job", p.Name, "error", err)
			}
			return nil
		})
		wp.PeriodicallyEnqueue(p.Spec, p.Name)
	}
}

// Job priorities (gocraft/work's, 1 to 100000).
const (
	priorityExtract  = 100000
	priorityFinish   = 1
	priorityCloud    = 1000
	priorityPeriodic = 1000
)

// Run processes jobs until ctx is cancelled, sweeping every SweepEvery.
// On cancellation it stops fetching, lets in-flight jobs finish within
// ShutdownTimeout, then cancels them (gocraft/work runs them again later).
func (r *Runner) Run(ctx context.Context) error {
	tuneGC()
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	wp := r.newPool(jobCtx, true)
	r.addPeriodic(wp, jobCtx)
	wp.Start()
	r.log.Info("worker started", "concurrency", r.opts.Concurrency, "namespace", r.opts.Namespace)
	r.sweepAndLog(ctx)
	tick := time.NewTicker(r.opts.SweepEvery)
	defer tick.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-tick.C:
			r.sweepAndLog(ctx)
		}
	}
	r.log.Info("worker stopping: finishing the jobs in flight", "timeout", r.opts.ShutdownTimeout)
	stopped := make(chan struct{})
	go func() { wp.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(r.opts.ShutdownTimeout):
		r.log.Warn("jobs still running after the shutdown timeout: cancelling them; they will run again")
		cancelJobs()
		<-stopped
	}
	r.log.Info("worker stopped")
	return nil
}

func (r *Runner) sweepAndLog(ctx context.Context) {
	n, err := r.Sweep(ctx)
	if err != nil {
		r.log.Error("sweep failed", "error", err)
		return
	}
	if n > 0 {
		r.log.Info("sweeper queued documents", "count", n)
	}
}

// DrainResult is what a drain did.
type DrainResult struct {
	Swept     int               // documents the sweeper queued first
	Processed int               // documents classified
	Failed    map[string]string // documents given up on: id → reason
}

// FailedIDs returns the failed documents' ids, sorted.
func (d DrainResult) FailedIDs() []string {
	ids := make([]string, 0, len(d.Failed))
	for id := range d.Failed {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Drain sweeps, then processes every queued job — waiting for retries and
// scheduled jobs too, which gocraft/work's own Drain ignores — and returns
// when nothing is left or ctx is cancelled.
func (r *Runner) Drain(ctx context.Context) (DrainResult, error) {
	tuneGC()
	var res DrainResult
	swept, err := r.Sweep(ctx)
	if err != nil {
		return res, err
	}
	res.Swept = swept
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	wp := r.newPool(jobCtx, false)
	wp.Start()
	client := work.NewClient(r.opts.Namespace, r.pool)
	empty := 0
	for {
		wp.Drain()
		left, err := r.waiting(client)
		if err != nil {
			wp.Stop()
			return res, err
		}
		if left == 0 {
			// The counts are read one after another while jobs move: a retry
			// that comes due can be queued after the queue was counted and
			// before the retries were, and a worker that took a job is
			// reported busy a moment late. A job caught like that is queued,
			// running or waiting again once the next Drain returns, so two
			// empty readings in a row end the drain.
			if empty++; empty == 2 {
				break
			}
			continue
		}
		empty = 0
		select {
		case <-ctx.Done():
			stopped := make(chan struct{})
			go func() { wp.Stop(); close(stopped) }()
			select {
			case <-stopped:
			case <-time.After(r.opts.ShutdownTimeout):
				cancelJobs()
				<-stopped
			}
			return r.result(res), ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	wp.Stop()
	return r.result(res), nil
}

func (r *Runner) result(res DrainResult) DrainResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	res.Processed = r.done
	res.Failed = map[string]string{}
	for k, v := range r.failed {
		res.Failed[k] = v
	}
	return res
}

// waiting counts the jobs not yet done: queued, in progress, to be retried
// or scheduled.
func (r *Runner) waiting(client *work.Client) (int64, error) {
	st, err := jobs.Stats(client)
	if err != nil {
		return 0, err
	}
	return st.Queued + st.InProgress + st.Retrying + st.Scheduled, nil
}

// GC settings of a worker process (see tuneGC).
const (
	gcPercent     = 400
	gcMemoryLimit = 160 << 20
)

// tuneGC makes the garbage collector run less often. Every job allocates
// and drops its document several times over (the object, the tool's
// output, the words classified, the database parameter) on a live heap of
// a few MiB, so with Go's default (a collection each time the heap doubles)
// collecting was about a tenth of the worker's own CPU time. A heap of up
// to 5× the live one, within a soft limit of 160 MiB, keeps the worker far
// under its 200 MiB budget. GOGC or GOMEMLIMIT in the environment win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(gcMemoryLimit)
	}
}
