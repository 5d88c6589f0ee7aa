package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/folders"
	"github.com/docuvault/docuvault/pkg/topics"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/pkg/views"
)

// filterFlags are the documents list's filter flags, as "doc list" and
// "view add" take them; topics and folders are given by name and path.
type filterFlags struct {
	status, topic, folder, contentType, dateFrom, dateTo, sort string
	unfiled                                                    bool
}

func (f *filterFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&f.status, "status", "", "only documents with this status (pending, processing, classified, no_text, failed, skipped)")
	c.Flags().StringVar(&f.topic, "topic", "", "only documents filed under this topic (its name)")
	c.Flags().BoolVar(&f.unfiled, "unfiled", false, "only unfiled documents: classified, under no topic (see doc show for their best candidates)")
	c.Flags().StringVar(&f.folder, "folder", "", `only documents in this folder (its path, as "folder list" shows it; "/" for documents in no folder)`)
	c.Flags().StringVar(&f.contentType, "type", "", "only documents of this content type (e.g. application/pdf)")
	c.Flags().StringVar(&f.dateFrom, "date-from", "", "only documents whose own date (a letter's, an invoice's) is on or after this day (YYYY-MM-DD)")
	c.Flags().StringVar(&f.dateTo, "date-to", "", "only documents whose own date is on or before this day (YYYY-MM-DD)")
	c.Flags().StringVar(&f.sort, "sort", "", "order: created_desc (newest first, the default), created_asc, filename_asc, filename_desc, size_desc, size_asc, date_desc, date_asc")
}

// over returns base with the flags given laid over it, the topic's name
// and the folder's path resolved to ids for owner. what prefixes messages.
func (f filterFlags) over(ctx context.Context, db *sqlx.DB, owner, what string, base views.Filter) (views.Filter, error) {
	if f.unfiled && f.topic != "" {
		return views.Filter{}, usageErrorf("%s: give --topic or --unfiled, not both", what)
	}
	for _, s := range []struct{ flag, dst *string }{{&f.status, &base.Status}, {&f.contentType, &base.ContentType},
		{&f.dateFrom, &base.DateFrom}, {&f.dateTo, &base.DateTo}, {&f.sort, &base.Sort}} {
		if *s.flag != "" {
			*s.dst = *s.flag
		}
	}
	if f.unfiled {
		base.Topic = views.Unfiled
	}
	if f.topic != "" {
		ids, err := topics.IDsByName(ctx, db, owner, []string{f.topic})
		if err != nil {
			return views.Filter{}, fmt.Errorf("%s: %w", what, err)
		}
		base.Topic = ids[0]
	}
	if f.folder != "" {
		if strings.Trim(f.folder, "/") == "" {
			base.Folder = views.Root
		} else {
			fo, err := folders.Resolve(ctx, db, owner, f.folder)
			if err != nil {
				return views.Filter{}, fmt.Errorf("%s: %w", what, err)
			}
			base.Folder = fo.ID
		}
	}
	return base, nil
}

func newViewCommand(a *app) *cobra.Command {
	c := &cobra.Command{Use: "view", Short: "Manage a user's saved views (a documents-list filter with a name; doc list --view NAME applies one)",
		Args: usageArgs(cobra.NoArgs)}
	var user string
	var asJSON bool
	var ff filterFlags
	list := &cobra.Command{
		Use:   "list [--user H] [--json]",
		Short: "List a user's saved views in their order, with what each filters by",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runViewList(cmd.Context(), a, user, asJSON)
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "one JSON object per view per line")
	add := &cobra.Command{
		Use:   "add NAME [--user H] [--status S] [--topic NAME | --unfiled] [--folder PATH] [--type T] [--date-from DAY] [--date-to DAY] [--sort ORDER]",
		Short: "Save a view: the filter the flags give (as doc list takes them) under NAME",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runViewAdd(cmd.Context(), a, user, args[0], ff)
		},
	}
	ff.register(add)
	rm := &cobra.Command{
		Use:   "rm NAME [--user H]",
		Short: "Delete a saved view (NAME: its name, in any case, or its id)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runViewRm(cmd.Context(), a, user, args[0])
		},
	}
	for _, sub := range []*cobra.Command{list, add, rm} {
		sub.Flags().StringVar(&user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	}
	c.AddCommand(list, add, rm)
	return c
}

// viewError makes a caller's mistake with a view a usage error (exit 64)
// when the name or filter cannot be used; a view not found or a name taken
// keep exit 1, as folders' do.
func viewError(what string, err error) error {
	if errors.Is(err, views.ErrInvalid) {
		return exitcode.With(exitcode.Usage, fmt.Errorf("%s: %w", what, err))
	}
	var ve *views.Error
	if errors.As(err, &ve) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return err
}

// describeFilter is f in words, with topic and folder names.
func describeFilter(f views.Filter, topicNames, folderPaths map[string]string) string {
	var parts []string
	add := func(format string, args ...any) { parts = append(parts, fmt.Sprintf(format, args...)) }
	if f.Status != "" {
		add("status %s", f.Status)
	}
	switch f.Topic {
	case "":
	case views.Unfiled:
		add("unfiled")
	default:
		add("topic %s", topicNames[f.Topic])
	}
	switch f.Folder {
	case "":
	case views.Root:
		add("in no folder")
	default:
		add("folder %s", folderPaths[f.Folder])
	}
	if f.ContentType != "" {
		add("type %s", f.ContentType)
	}
	switch {
	case f.DateFrom != "" && f.DateTo != "":
		add("dated %s to %s", f.DateFrom, f.DateTo)
	case f.DateFrom != "":
		add("dated from %s", f.DateFrom)
	case f.DateTo != "":
		add("dated to %s", f.DateTo)
	}
	if f.Sort != "" {
		add("sort %s", f.Sort)
	}
	if len(parts) == 0 {
		return "all documents"
	}
	return strings.Join(parts, ", ")
}

func runViewList(ctx context.Context, a *app, user string, asJSON bool) error {
	return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
		vs, err := views.List(ctx, db, u.ID)
		if err != nil {
			return err
		}
		if asJSON {
			enc := json.NewEncoder(a.stdout)
			for _, v := range vs {
				if err := enc.Encode(v); err != nil {
					return err
				}
			}
			return nil
		}
		if len(vs) == 0 {
			fmt.Fprintf(a.stdout, "%s has no saved views (save one: docuvault view add NAME --status failed)\n", u.Handle)
			return nil
		}
		ts, err := topics.List(ctx, db, u.ID)
		if err != nil {
			return err
		}
		topicNames := map[string]string{}
		for _, t := range ts {
			topicNames[t.ID] = t.Name
		}
		fs, err := folders.List(ctx, db, u.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tFILTER\tID")
		for _, v := range vs {
			desc := describeFilter(v.Filter, topicNames, folders.Paths(fs))
			if v.Note != "" {
				desc += " (" + v.Note + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", v.Name, desc, v.ID)
		}
		return tw.Flush()
	})
}

func runViewAdd(ctx context.Context, a *app, user, name string, ff filterFlags) error {
	return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
		f, err := ff.over(ctx, db, u.ID, "view add", views.Filter{})
		if err != nil {
			return err
		}
		v, err := views.Create(ctx, db, u.ID, name, f)
		if err != nil {
			return viewError("view add", err)
		}
		a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.ViewChange, ResourceID: v.ID, Metadata: map[string]any{"action": "create", "name": v.Name}})
		fmt.Fprintf(a.stdout, "saved view %q for %s (%s)\n", v.Name, u.Handle, v.ID)
		return nil
	})
}

func runViewRm(ctx context.Context, a *app, user, ref string) error {
	return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
		v, err := views.Resolve(ctx, db, u.ID, ref)
		if err != nil {
			return viewError("view rm", err)
		}
		if err := views.Delete(ctx, db, u.ID, v.ID); err != nil {
			return viewError("view rm", err)
		}
		a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.ViewChange, ResourceID: v.ID, Metadata: map[string]any{"action": "delete", "name": v.Name}})
		fmt.Fprintf(a.stdout, "deleted saved view %q\n", v.Name)
		return nil
	})
}
