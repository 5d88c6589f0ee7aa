package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/trash"
	"github.com/docuvault/docuvault/pkg/users"
)

// withTrash is withOwner with the trash service (and the storage it
// deletes through) built.
func (a *app) withTrash(ctx context.Context, user string, fn func(*sqlx.DB, users.User, *trash.Service) error) error {
	return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
		svc, closeStorage, err := a.openStorage(ctx, db)
		if err != nil {
			return err
		}
		defer closeStorage()
		return fn(db, u, &trash.Service{DB: db, Store: svc, Days: a.cfg.TrashDays})
	})
}

// cliActor is the audit actor of a CLI action.
func cliActor() audit.Event { return audit.Event{ActorLabel: audit.CLIActor()} }

func newDocRmCommand(a *app) *cobra.Command {
	var user string
	var purge bool
	c := &cobra.Command{
		Use:   "rm ID... [--user H] [--purge]",
		Short: "Move documents to their owner's trash (--purge: delete them for good, at once)",
		Long: `Move documents to the owner's trash: they disappear from lists, search,
folders and shares (which are suspended, not deleted) but keep their bytes
and their place in quota until restored (` + "`docuvault trash restore`" + `) or purged
(` + "`docuvault trash empty`" + `, or after DOCUVAULT_TRASH_DAYS days). All or none: an id
that is not one of the owner's documents moves nothing.
--purge deletes them for good at once: objects first, then rows.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withTrash(ctx, user, func(db *sqlx.DB, u users.User, t *trash.Service) error {
				ids := make([]string, 0, len(args))
				for _, typed := range args {
					id, err := docID(ctx, db, u, typed, "doc rm")
					if err != nil {
						return err
					}
					ids = append(ids, id)
				}
				if !purge {
					items, err := t.Trash(ctx, u.ID, ids, cliActor())
					var none *trash.NoDocumentError
					if errors.As(err, &none) {
						return fmt.Errorf("doc rm: %s has no document %s outside the trash; nothing moved (see `docuvault doc list`, `docuvault trash list`)",
							u.Handle, strings.Join(none.IDs, ", "))
					}
					if err != nil {
						return fmt.Errorf("doc rm: %w", err)
					}
					for _, it := range items {
						fmt.Fprintf(a.stdout, "trashed  %s (%s): restore with `docuvault trash restore %s`; purged after %s\n",
							it.ID, it.Filename, it.ID, it.PurgeAt.Format(time.DateOnly))
					}
					return nil
				}
				var errs []error
				for _, id := range ids {
					d, err := t.Store.Purge(ctx, u.ID, id)
					if err != nil {
						errs = append(errs, err)
						continue
					}
					a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.Delete, ResourceID: d.ID,
						Metadata: map[string]any{"resource": "document", "filename": d.Filename, "size_bytes": d.SizeBytes}})
					fmt.Fprintf(a.stdout, "deleted  %s (%s) for good\n", d.ID, d.Filename)
				}
				if len(errs) > 0 {
					return exitcode.Some(len(errs), len(ids), fmt.Errorf("doc rm --purge: %w", errors.Join(errs...)))
				}
				return nil
			})
		},
	}
	c.Flags().StringVar(&user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	c.Flags().BoolVar(&purge, "purge", false, "delete for good at once instead of moving to the trash")
	return c
}

func newTrashCommand(a *app) *cobra.Command {
	c := &cobra.Command{Use: "trash", Short: "List, restore and empty a user's trash; purge what is older than DOCUVAULT_TRASH_DAYS", Args: usageArgs(cobra.NoArgs)}
	var user string
	var asJSON bool

	resolve := func(ctx context.Context, db *sqlx.DB, u users.User, typed, what string) (string, error) {
		id, err := trash.ResolveID(ctx, db, u.ID, typed)
		switch {
		case errors.Is(err, trash.ErrAmbiguous):
			return "", exitcode.With(exitcode.Usage, fmt.Errorf("%s: %w", what, err))
		case errors.Is(err, trash.ErrNotFound):
			return "", fmt.Errorf("%s: %s has no document %s in the trash (see `docuvault trash list`)", what, u.Handle, typed)
		}
		return id, err
	}

	list := &cobra.Command{
		Use:   "list [--user H] [--json]",
		Short: "List the documents in the trash, most recently trashed first, with the day each is purged",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
				t := &trash.Service{DB: db, Days: a.cfg.TrashDays}
				items, err := t.List(ctx, u.ID)
				if err != nil {
					return err
				}
				if asJSON {
					return json.NewEncoder(a.stdout).Encode(map[string]any{"documents": items})
				}
				if len(items) == 0 {
					fmt.Fprintf(a.stdout, "the trash of %s is empty\n", u.Handle)
					return nil
				}
				w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tFILENAME\tSIZE\tTRASHED\tPURGED ON")
				for _, it := range items {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", it.ID, it.Filename, humanize.IBytes(uint64(it.SizeBytes+it.VersionBytes)),
						it.TrashedAt.Local().Format("2006-01-02 15:04"), it.PurgeAt.Local().Format(time.DateOnly))
				}
				return w.Flush()
			})
		},
	}
	restore := &cobra.Command{
		Use:   "restore ID... [--user H]",
		Short: "Take documents out of the trash, with their topics, folder and shares",
		Args:  usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
				t := &trash.Service{DB: db, Days: a.cfg.TrashDays}
				for _, typed := range args {
					id, err := resolve(ctx, db, u, typed, "trash restore")
					if err != nil {
						return err
					}
					it, err := t.Restore(ctx, u.ID, id, cliActor())
					if err != nil {
						return err
					}
					fmt.Fprintf(a.stdout, "restored %s (%s)\n", it.ID, it.Filename)
				}
				return nil
			})
		},
	}
	rm := &cobra.Command{
		Use:   "rm ID... [--user H]",
		Short: "Delete documents in the trash for good",
		Args:  usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withTrash(ctx, user, func(db *sqlx.DB, u users.User, t *trash.Service) error {
				for _, typed := range args {
					id, err := resolve(ctx, db, u, typed, "trash rm")
					if err != nil {
						return err
					}
					it, err := t.Delete(ctx, u.ID, id, cliActor())
					if err != nil {
						return err
					}
					fmt.Fprintf(a.stdout, "deleted  %s (%s) for good\n", it.ID, it.Filename)
				}
				return nil
			})
		},
	}
	empty := &cobra.Command{
		Use:   "empty --user H",
		Short: "Delete everything in a user's trash for good",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			return a.withTrash(ctx, user, func(db *sqlx.DB, u users.User, t *trash.Service) error {
				done, err := t.Empty(ctx, u.ID, cliActor())
				var freed int64
				for _, it := range done {
					freed += it.SizeBytes + it.VersionBytes
				}
				fmt.Fprintf(a.stdout, "emptied the trash of %s: %d document(s), %s freed\n", u.Handle, len(done), humanize.IBytes(uint64(freed)))
				return err
			})
		},
	}
	purge := &cobra.Command{
		Use:   "purge [--json]",
		Short: "Delete for good what has been in any user's trash longer than DOCUVAULT_TRASH_DAYS (the worker's periodic job; for cron)",
		Long: `Delete for good every document that has been in its owner's trash for more
than DOCUVAULT_TRASH_DAYS days (default 30), and finish any purge that was
stopped. This is the work of the worker's periodic purge_trash job; run it
from cron when no long-running worker runs. Safe to stop at any point and
to run again.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			return a.withDB(ctx, func(db *sqlx.DB) error {
				svc, closeStorage, err := a.openStorage(ctx, db)
				if err != nil {
					return err
				}
				defer closeStorage()
				t := &trash.Service{DB: db, Store: svc, Days: a.cfg.TrashDays}
				res, err := t.PurgeExpired(ctx)
				if asJSON {
					if e := json.NewEncoder(a.stdout).Encode(res); e != nil {
						return e
					}
				} else {
					fmt.Fprintf(a.stdout, "purged %d document(s) older than %d days in the trash, %s freed\n", res.Purged, t.Days, humanize.IBytes(uint64(res.BytesFreed)))
				}
				if err != nil {
					return fmt.Errorf("trash purge: %w", err)
				}
				return nil
			})
		},
	}
	purge.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	for _, sub := range []*cobra.Command{list, restore, rm, empty} {
		sub.Flags().StringVar(&user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
		c.AddCommand(sub)
	}
	c.AddCommand(purge)
	return c
}
