package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/overview"
	"github.com/docuvault/docuvault/pkg/users"
)

func newOverviewCommand(a *app) *cobra.Command {
	var user string
	var asJSON bool
	c := &cobra.Command{
		Use:   "overview [--user H] [--json]",
		Short: "A user's vault at a glance: documents by status, unfiled, quota, the worker's queue, the newest and those needing attention",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
				o, err := overview.Get(ctx, db, u.ID)
				if err != nil {
					return err
				}
				if asJSON {
					return json.NewEncoder(a.stdout).Encode(o)
				}
				printOverview(a.stdout, u.Handle, o, time.Now())
				return nil
			})
		},
	}
	c.Flags().StringVar(&user, "user", "", "whose vault (handle; default DOCUVAULT_USER, or the only user)")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON (the API's GET /api/overview)")
	return c
}

// printOverview writes o for a person:
//
//	ann: 42 documents, 3 unfiled; 12 MiB of 100 MiB used (12%)
//	by status: 38 classified, 2 no text, 1 failed, 1 pending
//	worker: 1 waiting, 0 in progress; last finished 3 minutes ago
//	newest: …
//	needs attention: …
func printOverview(w io.Writer, handle string, o overview.Overview, now time.Time) {
	used := ""
	if o.LimitBytes > 0 {
		used = fmt.Sprintf(" (%d%%)", o.UsedBytes*100/o.LimitBytes)
	}
	fmt.Fprintf(w, "%s: %d document%s, %d unfiled; %s of %s used%s\n", handle, o.Total, plural(o.Total), o.Unfiled,
		humanize.IBytes(uint64(o.UsedBytes)), humanize.IBytes(uint64(o.LimitBytes)), used)
	var parts []string
	for _, s := range catalog.Statuses {
		if n := o.ByStatus[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, strings.ReplaceAll(s, "_", " ")))
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "by status: %s\n", strings.Join(parts, ", "))
	}
	last := "nothing finished yet"
	if o.Worker.LastDoneAt != nil {
		last = "last finished " + humanize.RelTime(*o.Worker.LastDoneAt, now, "ago", "from now")
	}
	fmt.Fprintf(w, "worker: %d waiting, %d in progress; %s\n", o.Worker.Waiting, o.Worker.Processing, last)
	for _, l := range []struct {
		title string
		docs  []catalog.Document
	}{{"newest", o.Recent}, {"needs attention", o.Attention}} {
		if len(l.docs) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s:\n", l.title)
		for _, d := range l.docs {
			line := fmt.Sprintf("  %s  %s  %s", d.ID[:8], d.Filename, strings.ReplaceAll(d.Status, "_", " "))
			if d.FailureReason != nil && *d.FailureReason != "" {
				line += ": " + *d.FailureReason
			} else if t := listTopics(d); t != "" {
				line += "  " + t
			}
			fmt.Fprintln(w, line)
		}
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
