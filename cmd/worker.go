package cmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/cloud"
	"github.com/docuvault/docuvault/pkg/jobs"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/redisconn"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/trash"
	"github.com/docuvault/docuvault/pkg/worker"
)

func newWorkerCommand(a *app) *cobra.Command {
	var (
		concurrency uint
		drain       bool
		shutdown    time.Duration
		cloudEvery  time.Duration
	)
	c := &cobra.Command{
		Use:   "worker [--concurrency N] [--drain]",
		Short: "Extract and classify stored documents (long-running, or --drain for cron)",
		Long: `Run the background jobs: each queued document's text is extracted and the
document is filed under its owner's topics; every --cloud-every each cloud
connection's new and changed files are imported (docuvault cloud).

Long-running by default: SIGTERM or Ctrl-C stops fetching, lets the jobs in
flight finish (up to --shutdown-timeout), and loses no job. A sweeper queues
pending documents that have no job (stored while Redis was down) and
documents whose worker died.

--drain is for cron: sweep, process everything queued (waiting for retries
too), then exit: 0 when nothing failed, 1 when some documents failed (they
are listed).`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if concurrency < 1 || concurrency > 64 {
				return usageErrorf("--concurrency must be 1 to 64, not %d", concurrency)
			}
			ctx := cmd.Context()
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := a.cfg.Require("MINIO_ACCESS_KEY", "MINIO_SECRET_KEY"); err != nil {
				return err
			}
			store, err := objectstore.New(a.objectOptions())
			if err != nil {
				return err
			}
			pool, err := redisconn.NewPool(a.cfg.RedisURL, 2*int(concurrency)+6)
			if err != nil {
				return err
			}
			defer pool.Close()
			if err := redisconn.Ping(ctx, a.cfg.RedisURL); err != nil {
				return err
			}
			p := &worker.Pipeline{
				DB:      db,
				Objects: store,
				// OCR's pages share the worker's concurrency: at most that
				// many tesseract processes at once, across all documents.
				Extractor:    a.extractor(int(concurrency), "", true),
				Classifiers:  a.classifiers(db),
				NoThumbnails: !a.cfg.Thumbnails,
			}
			// Cloud connections are synced by a worker that can open
			// their credentials (SECRET_KEY).
			var cl *worker.Cloud
			if k, err := a.keyring(); err != nil {
				a.log.Warn("cloud connections are not synced by this worker", "reason", err.Error())
			} else {
				svc, closeStorage, err := a.openStorage(ctx, db)
				if err != nil {
					return err
				}
				defer closeStorage()
				cl = &worker.Cloud{Deps: cloud.Deps{DB: db, Storage: svc, Keyring: k, Log: a.log}, Every: cloudEvery}
			}
			svc := storage.New(db, store, nil, storage.Limits{MaxSize: a.cfg.MaxUploadSize, AllowedTypes: a.cfg.AllowedTypes})
			defer svc.Close()
			purger := &trash.Service{DB: db, Store: svc, Days: a.cfg.TrashDays}
			opts := worker.Options{
				PurgeTrash: func(ctx context.Context) (int, error) {
					res, err := purger.PurgeExpired(ctx)
					return res.Purged, err
				},
				Namespace:       a.cfg.RedisNamespace,
				Concurrency:     concurrency,
				MaxFails:        a.cfg.JobMaxFails,
				RetryDelay:      a.cfg.JobRetryDelay,
				ShutdownTimeout: shutdown,
				Cloud:           cl,
			}
			if !drain {
				// E-mail: the accounts due are polled every minute.
				mp, closeMail, err := a.mailPoller(ctx, db)
				if err != nil {
					a.log.Warn("e-mail accounts are not polled: " + err.Error())
				} else {
					defer closeMail()
					mp.AuditActor = "worker:mail"
					opts.Periodic = append(opts.Periodic, worker.Periodic{Name: jobs.MailPoll, Spec: "0 * * * * *", Run: func(ctx context.Context) error {
						_, err := mp.PollDue(ctx)
						return err
					}})
				}
			}
			r := worker.NewRunner(p, pool, opts, a.log)
			if !drain {
				return r.Run(ctx)
			}
			res, err := r.Drain(ctx)
			fmt.Fprintf(a.stdout, "drained: %d processed, %d failed (sweeper queued %d)\n", res.Processed, len(res.Failed), res.Swept)
			for _, id := range res.FailedIDs() {
				fmt.Fprintf(a.stdout, "failed  %s: %s\n", id, res.Failed[id])
			}
			if err != nil {
				if errors.Is(err, context.Canceled) {
					return fmt.Errorf("worker --drain: interrupted: %w", err)
				}
				return fmt.Errorf("worker --drain: %w", err)
			}
			if len(res.Failed) > 0 {
				return fmt.Errorf("worker --drain: %d document(s) failed (see above, or `docuvault jobs`)", len(res.Failed))
			}
			return nil
		},
	}
	c.Flags().UintVar(&concurrency, "concurrency", 2, "jobs at once")
	c.Flags().BoolVar(&drain, "drain", false, "process everything queued, then exit (for cron)")
	c.Flags().DurationVar(&shutdown, "shutdown-timeout", 30*time.Second, "how long jobs in flight may finish after SIGTERM")
	c.Flags().DurationVar(&cloudEvery, "cloud-every", 15*time.Minute, "sync each cloud connection this often (a failing one: with backoff, from 1 minute to 6 hours)")
	return c
}
