package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/users"
)

// docSimilarOptions are doc similar's flags.
type docSimilarOptions struct {
	User string
	JSON bool
}

// AddFlags registers the options' flags.
func (o *docSimilarOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.User, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	fs.BoolVar(&o.JSON, "json", false, `print JSON: {"documents": [{…, "score": 0.42}, …]}`)
}

func newDocSimilarCommand(a *app) *cobra.Command {
	var o docSimilarOptions
	c := &cobra.Command{
		Use:   "similar DOC_ID [--user H] [--json]",
		Short: "List the owner's documents most like one, best first, with their scores",
		Long: `List the 10 documents of the owner most like DOC_ID, best first. The score
(0 to 1) is the cosine of the two documents' words as the builtin
classifier weighs them: each document's 64 heaviest words, stored by the
worker when it reads the document. A document read before this existed has
no words yet: classify it again (docs/operations.md).`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runDocSimilar(cmd.Context(), o, args[0])
		},
	}
	o.AddFlags(c.Flags())
	return c
}

func (a *app) runDocSimilar(ctx context.Context, o docSimilarOptions, typed string) error {
	return a.withOwner(ctx, o.User, func(db *sqlx.DB, u users.User) error {
		id, err := docID(ctx, db, u, typed, "doc similar")
		if err != nil {
			return err
		}
		d, err := catalog.Get(ctx, db, id, "owner")
		if errors.Is(err, catalog.ErrNotFound) || err == nil && d.OwnerID != u.ID {
			return fmt.Errorf("doc similar: %s has no document %s (see `docuvault doc list`)", u.Handle, id)
		}
		if err != nil {
			return err
		}
		docs, err := catalog.Similar(ctx, db, u.ID, d.ID)
		if err != nil {
			return err
		}
		if o.JSON {
			return json.NewEncoder(a.stdout).Encode(map[string]any{"documents": docs})
		}
		if len(docs) == 0 {
			fmt.Fprintf(a.stdout, "%s: no similar documents\n", d.Filename)
			return nil
		}
		tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SCORE\tID\tFILENAME\tDATE\tTOPICS")
		for _, s := range docs {
			fmt.Fprintf(tw, "%.2f\t%s\t%s\t%s\t%s\n", s.Score, s.ID, s.Filename, documentDate(s.Document), topicNames(s.Topics))
		}
		return tw.Flush()
	})
}

// documentDate is a document's own date for a table, "-" when it has none.
func documentDate(d catalog.Document) string {
	if d.DocumentDate == nil {
		return "-"
	}
	return *d.DocumentDate
}
