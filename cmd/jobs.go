package cmd

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/gocraft/work"
	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/jobs"
	"github.com/docuvault/docuvault/pkg/redisconn"
)

// failure is a document that failed, as `jobs` shows it.
type failure struct {
	ID        string    `db:"id" json:"document_id"`
	Filename  string    `db:"filename" json:"filename"`
	Reason    string    `db:"reason" json:"reason"`
	UpdatedAt time.Time `db:"updated_at" json:"at"`
}

func newJobsCommand(a *app) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "jobs [--json]",
		Short: "Show the job queue: queued, running, retrying, dead, and recent failures",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			pool, err := redisconn.NewPool(a.cfg.RedisURL, 2)
			if err != nil {
				return err
			}
			defer pool.Close()
			if err := redisconn.Ping(ctx, a.cfg.RedisURL); err != nil {
				return err
			}
			st, err := jobs.Stats(work.NewClient(a.cfg.RedisNamespace, pool))
			if err != nil {
				return err
			}
			recent := []failure{} // [] in --json when none, not null
			var dead jobs.DeadStats
			err = a.withDB(ctx, func(db *sqlx.DB) error {
				// Dead jobs whose documents were read or deleted since (after
				// an outage, the sweeper queued them again) are not counted;
				// the worker's sweeper removes them from the dead set.
				if dead, err = jobs.CountDead(ctx, work.NewClient(a.cfg.RedisNamespace, pool), db); err != nil {
					return err
				}
				if err := db.SelectContext(ctx, &recent, `SELECT id, filename, COALESCE(failure_reason, '') AS reason, updated_at
					FROM documents WHERE status = 'failed' ORDER BY updated_at DESC LIMIT 10`); err != nil {
					return fmt.Errorf("recent failures: %w", err)
				}
				return nil
			})
			if err != nil {
				return err
			}
			st.Dead = dead.Live
			if asJSON {
				return json.NewEncoder(a.stdout).Encode(struct {
					jobs.QueueStats
					DeadObsolete   int64     `json:"dead_obsolete"`
					RecentFailures []failure `json:"recent_failures"`
				}{st, dead.Obsolete, recent})
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "queued\t%d (finishing read documents: %d)\nrunning\t%d\nretrying\t%d\nscheduled\t%d\ndead\t%d", st.Queued, st.QueuedFinishing, st.InProgress, st.Retrying, st.Scheduled, st.Dead)
			if dead.Obsolete > 0 {
				fmt.Fprintf(tw, " (not counted: %d whose documents were read or deleted since; the worker's sweeper removes them)", dead.Obsolete)
			}
			fmt.Fprintln(tw)
			if err := tw.Flush(); err != nil {
				return err
			}
			if len(recent) > 0 {
				fmt.Fprintln(a.stdout, "\nrecent failures:")
				for _, f := range recent {
					fmt.Fprintf(a.stdout, "  %s  %s  %s: %s\n", f.UpdatedAt.UTC().Format(time.RFC3339), f.ID, f.Filename, f.Reason)
				}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	c.AddCommand(&cobra.Command{
		Use:   "retry-dead",
		Short: "Queue the dead jobs again (first removing those whose documents were read or deleted since)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			pool, err := redisconn.NewPool(a.cfg.RedisURL, 2)
			if err != nil {
				return err
			}
			defer pool.Close()
			if err := redisconn.Ping(ctx, a.cfg.RedisURL); err != nil {
				return err
			}
			client := work.NewClient(a.cfg.RedisNamespace, pool)
			var pruned int
			if err := a.withDB(ctx, func(db *sqlx.DB) error {
				pruned, err = jobs.PruneDead(ctx, client, db)
				return err
			}); err != nil {
				return err
			}
			if pruned > 0 {
				fmt.Fprintf(a.stdout, "removed %d dead job(s) whose documents were read or deleted since\n", pruned)
			}
			n, err := jobs.RetryDead(client)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "queued %d dead job(s) again\n", n)
			return nil
		},
	})
	return c
}
