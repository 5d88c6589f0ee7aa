package cmd

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/bulk"
	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/jobs"
	"github.com/docuvault/docuvault/pkg/redisconn"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/pkg/views"
)

// docBulkOptions are doc bulk's flags.
type docBulkOptions struct {
	user, idsFlag, idsFrom, query string
	ff                            filterFlags
	add, remove, set              []string
	move, share                   string
	reclassify, trash             bool
	dryRun, asJSON                bool
}

func newDocBulkCommand(a *app) *cobra.Command {
	var o docBulkOptions
	c := &cobra.Command{
		Use: "bulk [--user H] (--ids ID,… | --ids-from FILE|- | [--query Q] [--topic NAME | --unfiled] [--folder PATH] [--status S] [--type T] [--date-from DAY] [--date-to DAY]) " +
			"(--add-topic NAME… | --remove-topic NAME… | --set-topic NAME… | --move PATH | --share HANDLE:view|edit | --reclassify | --trash) [--dry-run] [--json]",
		Short: "Apply one action to many documents at once (up to 1,000: by id, or all that a filter matches), all or nothing",
		Long: `Apply one action to up to 1,000 of a user's documents in one transaction:
all are changed, or none (the error says which document or name is at fault).

Documents: --ids (comma-separated ids), --ids-from FILE (one id per line;
"-" reads standard input), or the filters of doc list (--topic, --unfiled,
--folder, --status, --type, --date-from, --date-to) with --query for a
full-text search. A filter that matches more than 1,000 documents is
refused: narrow it.

Actions (exactly one): --add-topic, --remove-topic, --set-topic (topic
names, repeatable or comma-separated; --set-topic "" removes every topic);
topics set this way are a person's choice ('manual'), which the classifier
never overrides. --move PATH (a folder's path or id, "/" for none).
--share HANDLE:view or HANDLE:edit. --reclassify (extract and classify
again). --trash (delete each document as the API's delete does; not
undoable).

Prints how many documents matched and how many were changed. --dry-run
prints the same without changing anything.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDocBulk(cmd, a, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	f.StringVar(&o.idsFlag, "ids", "", "the documents' ids, comma-separated (at most 1,000)")
	f.StringVar(&o.idsFrom, "ids-from", "", `read the ids from this file, one per line ("-": standard input)`)
	f.StringVar(&o.query, "query", "", "with the filters: only documents a full-text search for this finds")
	o.ff.register(c)
	_ = f.MarkHidden("sort")
	f.StringSliceVar(&o.add, "add-topic", nil, "add these topics (names; repeatable, comma-separated)")
	f.StringSliceVar(&o.remove, "remove-topic", nil, "remove these topics")
	f.StringSliceVar(&o.set, "set-topic", nil, `file under exactly these topics ("" for none)`)
	f.StringVar(&o.move, "move", "", `move to this folder (its path or id; "/" for none)`)
	f.StringVar(&o.share, "share", "", "share with a user: HANDLE:view or HANDLE:edit")
	f.BoolVar(&o.reclassify, "reclassify", false, "extract and classify again")
	f.BoolVar(&o.trash, "trash", false, "delete the documents (as the API's delete does)")
	f.BoolVar(&o.dryRun, "dry-run", false, "print what would be matched and changed; change nothing")
	f.BoolVar(&o.asJSON, "json", false, "print the result as JSON")
	return c
}

func runDocBulk(cmd *cobra.Command, a *app, o docBulkOptions) error {
	const what = "doc bulk"
	flags := cmd.Flags()
	req := bulk.Request{DryRun: o.dryRun}
	var actions []string
	pick := func(flag, action string) {
		if flags.Changed(flag) {
			actions = append(actions, "--"+flag)
			req.Action = action
		}
	}
	pick("add-topic", bulk.AddTopics)
	pick("remove-topic", bulk.RemoveTopics)
	pick("set-topic", bulk.SetTopics)
	pick("move", bulk.Move)
	pick("share", bulk.Share)
	pick("reclassify", bulk.Reclassify)
	pick("trash", bulk.Trash)
	if len(actions) != 1 {
		if len(actions) == 0 {
			return usageErrorf("%s: give one action: --add-topic, --remove-topic, --set-topic, --move, --share, --reclassify or --trash", what)
		}
		return usageErrorf("%s: give one action, not %s", what, strings.Join(actions, " and "))
	}
	switch req.Action {
	case bulk.AddTopics:
		req.Topics = nonEmpty(o.add)
	case bulk.RemoveTopics:
		req.Topics = nonEmpty(o.remove)
	case bulk.SetTopics:
		req.Topics = nonEmpty(o.set)
		if req.Topics == nil {
			req.Topics = []string{}
		}
	case bulk.Move:
		req.Folder = &o.move
	case bulk.Share:
		handle, perm, ok := strings.Cut(o.share, ":")
		if !ok || handle == "" || (perm != "view" && perm != "edit") {
			return usageErrorf("%s: --share takes HANDLE:view or HANDLE:edit, not %q", what, o.share)
		}
		req.Recipient, req.Permission = handle, perm
	}
	if flags.Changed("sort") {
		return usageErrorf("%s: --sort does not apply here", what)
	}
	filtered := o.query != ""
	for _, name := range []string{"topic", "unfiled", "folder", "status", "type", "date-from", "date-to"} {
		filtered = filtered || flags.Changed(name)
	}
	sources := 0
	for _, b := range []bool{o.idsFlag != "", o.idsFrom != "", filtered} {
		if b {
			sources++
		}
	}
	if sources != 1 {
		return usageErrorf("%s: say which documents with one of --ids, --ids-from or filters (--topic, --folder, --query…)", what)
	}
	var typed []string
	switch {
	case o.idsFlag != "":
		typed = nonEmpty(strings.Split(o.idsFlag, ","))
	case o.idsFrom != "":
		var err error
		if typed, err = readIDs(cmd.InOrStdin(), o.idsFrom); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if len(typed) == 0 {
			return usageErrorf("%s: %s has no ids", what, o.idsFrom)
		}
	}
	if typed != nil && len(typed) > bulk.MaxDocuments {
		return usageErrorf("%s: more than %d ids: at most %d in one run; split them", what, bulk.MaxDocuments, bulk.MaxDocuments)
	}
	ctx := cmd.Context()
	return a.withOwner(ctx, o.user, func(db *sqlx.DB, u users.User) error {
		if typed != nil {
			// Whole ids go as they are (pkg/bulk checks them, all at
			// once); a shorter start of one is resolved as doc show does.
			for _, t := range typed {
				if _, err := uuid.Parse(t); err == nil {
					req.IDs = append(req.IDs, t)
					continue
				}
				id, err := docID(ctx, db, u, t, what)
				if err != nil {
					return err
				}
				req.IDs = append(req.IDs, id)
			}
		} else {
			f, err := o.ff.over(ctx, db, u.ID, what, views.Filter{})
			if err != nil {
				return err
			}
			req.Filter = map[string]any{"q": o.query, "status": f.Status, "folder": f.Folder, "content_type": f.ContentType,
				"date_from": f.DateFrom, "date_to": f.DateTo}
			if f.Topic == views.Unfiled {
				req.Filter["unfiled"] = true
			} else {
				req.Filter["topic"] = f.Topic
			}
		}
		svc := &bulk.Service{DB: db, Log: a.log}
		if req.Action == bulk.Reclassify && !req.DryRun {
			pool, err := redisconn.NewPool(a.cfg.RedisURL, 4)
			if err == nil {
				defer pool.Close()
				svc.Jobs = jobs.NewEnqueuer(a.cfg.RedisNamespace, pool)
			}
		}
		res, err := svc.Apply(ctx, u.ID, req, audit.Event{ActorLabel: audit.CLIActor()})
		if err != nil {
			return bulkError(what, err)
		}
		if o.asJSON {
			return json.NewEncoder(a.stdout).Encode(res)
		}
		verb := "changed"
		if res.DryRun {
			verb = "would change (dry run: nothing changed)"
		}
		fmt.Fprintf(a.stdout, "%s: matched %d, %s %d\n", req.Action, res.Matched, verb, res.Changed)
		if res.Queued != nil && *res.Queued < res.Changed {
			fmt.Fprintf(a.stderr, "note: %d of %d not queued now; the worker's sweeper queues them\n", res.Changed-*res.Queued, res.Changed)
		}
		return nil
	})
}

// bulkError is err as the command says it: a request that cannot be used
// as written (an action, filter or too many documents) is a usage error
// (64); a document or name that is not there fails (1).
func bulkError(what string, err error) error {
	var be *bulk.Error
	if errors.As(err, &be) && !errors.Is(err, bulk.ErrNotFound) && (be.Field == "action" || be.Field == "filter" || be.Field == "ids" || errors.Is(err, bulk.ErrTooMany)) {
		return exitcode.With(exitcode.Usage, fmt.Errorf("%s: %w", what, err))
	}
	return fmt.Errorf("%s: %w", what, err)
}

// readIDs reads one id per line from path ("-": r), skipping blank lines
// and # comments.
func readIDs(r io.Reader, path string) ([]string, error) {
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	var ids []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ids = append(ids, line)
		if len(ids) > bulk.MaxDocuments {
			break // too many: said by the caller
		}
	}
	return ids, sc.Err()
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
