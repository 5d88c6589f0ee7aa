package cmd

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/pkg/worker"
)

// docBackfillOptions are doc backfill's flags.
type docBackfillOptions struct {
	User     string
	AllUsers bool
}

// AddFlags registers the options' flags.
func (o *docBackfillOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.User, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	fs.BoolVar(&o.AllUsers, "all-users", false, "every user's documents")
}

func newDocBackfillCommand(a *app) *cobra.Command {
	var o docBackfillOptions
	c := &cobra.Command{
		Use:   "backfill [--user H | --all-users]",
		Short: "Give documents read before this release their own date and their words for similar documents",
		Long: `Give the classified documents read before migration 0015 what the worker
now keeps with their text: the date they carry (doc show, doc list
--date-from) and their words for similar documents (doc similar), from the
text already stored. No object is read again (no OCR), no topic changes.
Only documents without words are taken, so it is safe to run again and
beside a running worker.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.AllUsers && o.User != "" {
				return usageErrorf("doc backfill: give --user or --all-users, not both")
			}
			return a.runDocBackfill(cmd.Context(), o)
		},
	}
	o.AddFlags(c.Flags())
	return c
}

func (a *app) runDocBackfill(ctx context.Context, o docBackfillOptions) error {
	return a.withDB(ctx, func(db *sqlx.DB) error {
		var owners []users.User
		if o.AllUsers {
			all, err := users.List(ctx, db)
			if err != nil {
				return fmt.Errorf("doc backfill: %w", err)
			}
			owners = all
		} else {
			u, err := a.owner(ctx, db, o.User)
			if err != nil {
				return err
			}
			owners = []users.User{u}
		}
		classifiers := a.classifiers(db)
		for _, u := range owners {
			res, err := worker.Backfill(ctx, db, classifiers, u.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s: %d documents given their words for similar documents, %d of them a date\n", u.Handle, res.Documents, res.Dated)
		}
		return nil
	})
}
