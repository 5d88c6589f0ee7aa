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
	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/extract"
	"github.com/docuvault/docuvault/pkg/topics"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/pkg/views"
)

func newDocCommand(a *app) *cobra.Command {
	c := &cobra.Command{Use: "doc", Short: "Look at a user's documents and file them by hand", Args: usageArgs(cobra.NoArgs)}
	var user string
	var asJSON bool

	var ff filterFlags
	var viewRef string
	var limit int
	list := &cobra.Command{
		Use:   "list [--user H] [--view NAME] [--status S] [--topic NAME | --unfiled] [--folder PATH] [--type T] [--date-from DAY] [--date-to DAY] [--sort ORDER] [--limit N] [--json]",
		Short: "List documents, newest first, with their status and topics (--view NAME: as a saved view filters them)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 1 || limit > 200 {
				return usageErrorf("doc list: --limit must be 1 to 200, not %d", limit)
			}
			ctx := cmd.Context()
			return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
				// A saved view's filter first; the flags given override it.
				var base views.Filter
				if viewRef != "" {
					v, err := views.Resolve(ctx, db, u.ID, viewRef)
					if err != nil {
						return viewError("doc list", err)
					}
					if v.Note != "" {
						fmt.Fprintf(a.stderr, "note: view %q: %s\n", v.Name, v.Note)
					}
					base = v.Filter
				}
				f, err := ff.over(ctx, db, u.ID, "doc list", base)
				if err != nil {
					return err
				}
				q := catalog.Query{Viewer: u.ID, Status: f.Status, Limit: limit, FolderID: f.Folder, ContentType: f.ContentType, Sort: f.Sort}
				if f.Topic == views.Unfiled {
					q.Unfiled = true
				} else {
					q.TopicID = f.Topic
				}
				for _, d := range []struct {
					flag, v string
					dst     *time.Time
				}{{"--date-from", f.DateFrom, &q.DateFrom}, {"--date-to", f.DateTo, &q.DateTo}} {
					if d.v == "" {
						continue
					}
					t, err := time.Parse(time.DateOnly, d.v)
					if err != nil {
						return usageErrorf("doc list: %s must be a day like 2026-01-31, not %q", d.flag, d.v)
					}
					*d.dst = t
				}
				if !q.DateFrom.IsZero() && !q.DateTo.IsZero() && q.DateFrom.After(q.DateTo) {
					return usageErrorf("doc list: --date-from %s is after --date-to %s", f.DateFrom, f.DateTo)
				}
				page, err := catalog.List(ctx, db, q)
				if errors.Is(err, catalog.ErrInvalid) {
					// a --status or --sort the listing does not know
					return exitcode.With(exitcode.Usage, fmt.Errorf("doc list: %w", err))
				}
				if err != nil {
					return err
				}
				if asJSON {
					return json.NewEncoder(a.stdout).Encode(page)
				}
				tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tFILENAME\tDATE\tSIZE\tSTATUS\tTOPICS")
				for _, d := range page.Documents {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.Filename, documentDate(d), humanize.IBytes(uint64(d.SizeBytes)), d.Status, listTopics(d))
				}
				return tw.Flush()
			})
		},
	}
	ff.register(list)
	list.Flags().StringVar(&viewRef, "view", "", "as this saved view filters (its name or id; see view list); other flags given override it")
	list.Flags().IntVar(&limit, "limit", 50, "how many (1 to 200)")

	show := &cobra.Command{
		Use:   "show DOC_ID [--user H] [--json]",
		Short: "Show a document: status, why it failed, which classifier filed it, its topics with scores and why, or its best candidates",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
				d, err := ownDocument(cmd, db, u, args[0])
				if err != nil {
					return err
				}
				if asJSON {
					return json.NewEncoder(a.stdout).Encode(d)
				}
				tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
				row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
				row("id", d.ID)
				row("filename", d.Filename)
				row("type", d.ContentType)
				row("size", humanize.IBytes(uint64(d.SizeBytes)))
				row("status", d.Status)
				for _, x := range []struct {
					k string
					v *string
				}{{"failure", d.FailureReason}, {"extractor", d.Extractor}, {"extraction", d.ExtractionNote},
					{"classifier", d.Classifier}, {"classification", d.ClassificationNote}} {
					if x.v != nil && *x.v != "" {
						row(x.k, *x.v)
					}
				}
				if d.Pages != nil {
					var pages []extract.Page
					if err := json.Unmarshal(*d.Pages, &pages); err == nil {
						row("pages", pagesSummary(pages))
						for _, p := range pages {
							if p.Rotation != 0 || p.Skew != 0 {
								row("", pageDetail(p))
							}
						}
					}
				}
				row("objects", derivedSummary(d))
				row("date", documentDate(d))
				row("created", d.CreatedAt.Format("2006-01-02 15:04:05 MST"))
				if len(d.Topics) == 0 {
					row("topics", "-")
				}
				for i, t := range d.Topics {
					k := ""
					if i == 0 {
						k = "topics"
					}
					row(k, topicLine(t))
				}
				if line := candidatesLine(d); line != "" {
					row("candidates", line)
				}
				return tw.Flush()
			})
		},
	}

	var set string
	setTopics := &cobra.Command{
		Use:   "topics DOC_ID --set A,B [--user H]",
		Short: "File a document under exactly these topics (the classifier learns from it)",
		Long: `File a document under exactly the named topics, replacing the ones it has
(--set "" removes them all). A person's choice is stored as such ('manual'):
the classifier never overrides it, and the builtin classifier learns from it,
so the next documents are filed better.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("set") {
				return usageErrorf("doc topics: say which topics with --set A,B (or --set \"\" for none)")
			}
			var names []string
			for _, n := range strings.Split(set, ",") {
				if n = strings.TrimSpace(n); n != "" {
					names = append(names, n)
				}
			}
			ctx := cmd.Context()
			return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
				id, err := docID(ctx, db, u, args[0], "doc topics")
				if err != nil {
					return err
				}
				ids, err := topics.IDsByName(ctx, db, u.ID, names)
				if err != nil {
					return err
				}
				if err := topics.SetDocument(ctx, db, u.ID, id, ids); err != nil {
					if errors.Is(err, topics.ErrNoDocument) {
						return fmt.Errorf("doc topics: %s has no document %s (see `docuvault doc list`)", u.Handle, args[0])
					}
					return err
				}
				if ids == nil {
					ids = []string{}
				}
				a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.Update, ResourceID: id, Metadata: map[string]any{"topic_ids": ids}})
				if len(names) == 0 {
					fmt.Fprintf(a.stdout, "%s: no topics\n", id)
				} else {
					fmt.Fprintf(a.stdout, "%s: filed under %s\n", id, strings.Join(names, ", "))
				}
				return nil
			})
		},
	}
	setTopics.Flags().StringVar(&set, "set", "", "comma-separated topic names")

	for _, sub := range []*cobra.Command{list, show, setTopics} {
		sub.Flags().StringVar(&user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
		if sub != setTopics {
			sub.Flags().BoolVar(&asJSON, "json", false, "print JSON")
		}
		c.AddCommand(sub)
	}
	c.AddCommand(newDocGetCommand(a))
	c.AddCommand(newDocSimilarCommand(a))
	c.AddCommand(newDocBackfillCommand(a))
	c.AddCommand(newDocBulkCommand(a))
	c.AddCommand(newDocRmCommand(a))
	c.AddCommand(newDocVersionsCommand(a))
	c.AddCommand(newDocVersionCommand(a))
	return c
}

// ownDocument returns u's document id, or a not-found error naming it.
func ownDocument(cmd *cobra.Command, db *sqlx.DB, u users.User, typed string) (catalog.Document, error) {
	id, err := docID(cmd.Context(), db, u, typed, "doc show")
	if err != nil {
		return catalog.Document{}, err
	}
	d, err := catalog.Get(cmd.Context(), db, id, "owner")
	if errors.Is(err, catalog.ErrNotFound) || err == nil && d.OwnerID != u.ID {
		return catalog.Document{}, fmt.Errorf("%s has no document %s (see `docuvault doc list`)", u.Handle, id)
	}
	return d, err
}

// docID is the id of u's document that typed names: the whole id or a
// unique start of it (at least catalog.MinPrefix characters). A prefix
// that names several, or text that is no id, is a usage error.
func docID(ctx context.Context, db *sqlx.DB, u users.User, typed, what string) (string, error) {
	id, err := catalog.ResolveID(ctx, db, u.ID, typed)
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		return "", fmt.Errorf("%s: %s has no document %s (see `docuvault doc list`)", what, u.Handle, typed)
	case errors.Is(err, catalog.ErrAmbiguous), errors.Is(err, catalog.ErrInvalid):
		return "", exitcode.With(exitcode.Usage, fmt.Errorf("%s: %w", what, err))
	}
	return id, err
}

func topicNames(ts []catalog.TopicRef) string {
	if len(ts) == 0 {
		return "-"
	}
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}
