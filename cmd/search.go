package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/search"
	"github.com/docuvault/docuvault/pkg/topics"
	"github.com/docuvault/docuvault/pkg/users"
)

// searchOptions are docuvault search's flags.
type searchOptions struct {
	user   string
	topic  string
	limit  int
	asJSON bool
}

func newSearchCommand(a *app) *cobra.Command {
	var o searchOptions
	c := &cobra.Command{
		Use:   "search QUERY... [--user H] [--topic T] [--limit N] [--json]",
		Short: "Find a user's documents (and those shared with them) by the words in them",
		Long: `Find documents by their words: the user's own documents and those shared
with them, in their filenames and extracted text, best matches first (newer
ones first among equals). The words of QUERY are all required; "quoted
words" are a phrase, "or" joins alternatives, -word excludes a word.
Stemming follows each document's language (invoices finds invoice).
A query with typos still finds documents whose filename is like it.

Each hit shows its filename, status, owner and topics, and a passage of
its text that has the words, with the matched words in bold on a terminal,
between « and » otherwise (or says that the words are in the filename, not
in the text); then how many hits there are per topic. --json prints the
whole result: {"hits":[…],"next_cursor":…,"total":…,"total_exact":…,
"facets":[…]}, each hit's snippet HTML with <mark> around the matches
("" when the text lacks them) and its match_in (["text"], ["filename"]
or both).`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.limit < 1 || o.limit > search.MaxLimit {
				return usageErrorf("search: --limit must be 1 to %d, not %d", search.MaxLimit, o.limit)
			}
			return runSearch(cmd.Context(), a, o, strings.Join(args, " "))
		},
	}
	f := c.Flags()
	f.StringVar(&o.user, "user", "", "whose documents (handle; default DOCUVAULT_USER, or the only user)")
	f.StringVar(&o.topic, "topic", "", "only documents filed under this topic (of the user's)")
	f.IntVar(&o.limit, "limit", 10, fmt.Sprintf("how many hits (1 to %d)", search.MaxLimit))
	f.BoolVar(&o.asJSON, "json", false, "print the result as JSON")
	return c
}

// runSearch runs one search for o.user and prints it.
func runSearch(ctx context.Context, a *app, o searchOptions, text string) error {
	return a.withOwner(ctx, o.user, func(db *sqlx.DB, u users.User) error {
		q := search.Query{Viewer: u.ID, Text: text, Limit: o.limit}
		if o.topic != "" {
			ids, err := topics.IDsByName(ctx, db, u.ID, []string{o.topic})
			if err != nil {
				return err
			}
			q.TopicID = ids[0]
		}
		res, err := search.Search(ctx, db, q)
		var bad *search.Error
		if errors.As(err, &bad) {
			return usageErrorf("search: %s", bad.Msg)
		}
		if err != nil {
			return fmt.Errorf("search: %w", err)
		}
		if o.asJSON {
			return json.NewEncoder(a.stdout).Encode(res)
		}
		printSearch(a.stdout, res, isTerminal(a.stdout))
		return nil
	})
}

// printSearch prints hits for a person: matches in ANSI bold on a terminal,
// between « and » elsewhere (a pipe, a file).
func printSearch(w io.Writer, res search.Result, terminal bool) {
	open, close := "«", "»"
	if terminal {
		open, close = "\x1b[1m", "\x1b[0m"
	}
	if len(res.Hits) == 0 {
		fmt.Fprintln(w, "no documents found")
		return
	}
	for i, h := range res.Hits {
		meta := []string{h.Status, h.CreatedAt.Format("2006-01-02")}
		if h.Permission != "owner" {
			meta = append(meta, "shared by "+h.OwnerHandle+" ("+h.Permission+")")
		}
		if len(h.Topics) > 0 {
			meta = append(meta, topicNames(h.Topics))
		}
		if h.Match == "filename" {
			meta = append(meta, "filename like the query")
		}
		fmt.Fprintf(w, "%2d. %s  [%s]  %s\n", i+1, h.Filename, strings.Join(meta, " · "), h.ID)
		switch {
		case h.Snippet != "":
			fmt.Fprintf(w, "    %s\n", search.RenderSnippet(h.Snippet, open, close))
		case h.Match == "text" && !slices.Contains(h.MatchIn, "text") && slices.Contains(h.MatchIn, "filename"):
			fmt.Fprintln(w, "    (the words are in the filename, not in the text)")
		}
	}
	total := fmt.Sprintf("%d", res.Total)
	if !res.TotalExact {
		total = "about " + total
	}
	more := ""
	if res.Next != "" {
		more = " (more with --limit)"
	}
	fmt.Fprintf(w, "%s hit(s), %d shown%s\n", total, len(res.Hits), more)
	if len(res.Facets) > 0 {
		parts := make([]string, len(res.Facets))
		for i, f := range res.Facets {
			parts[i] = fmt.Sprintf("%s %d", f.Name, f.Count)
		}
		fmt.Fprintf(w, "topics: %s\n", strings.Join(parts, " · "))
	}
}
