package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/config"
	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/folders"
	"github.com/docuvault/docuvault/pkg/ingest"
	"github.com/docuvault/docuvault/pkg/topics"
	"github.com/docuvault/docuvault/pkg/watch"
)

// watchOptions is `docuvault watch`'s command line.
type watchOptions struct {
	user            string
	topics          []string
	folder          string
	subdirsAsTopics bool
	after           string
	once            bool
	status          bool
	asJSON          bool
	parallel        int
	settle          time.Duration
	rescan          time.Duration
	shutdown        time.Duration
}

func newWatchCommand(a *app) *cobra.Command {
	var o watchOptions
	c := &cobra.Command{
		Use:   "watch [DIR...]",
		Short: "Take in the files dropped into watch folders as documents",
		Long: `Watch directories and store each file dropped there as a document of a
user (--user, DOCUVAULT_USER, or the only user), as ` + "`docuvault upload`" + ` stores it.
A file is taken once its size and time have stayed the same for
DOCUVAULT_WATCH_SETTLE (--settle); only after its document is committed is it
deleted (--after delete, the default), moved (--after move:DIR, keeping its
path below the watch folder) or kept and remembered (--after keep). Content
the user already has is a duplicate: not stored again, and the file is
treated as taken. Hidden and temporary files (.*, ~$*, *.part, *.tmp, …)
are ignored. File events are heard, and every folder is walked again every
DOCUVAULT_WATCH_RESCAN, for network shares that send none.

A file that cannot be taken (unreadable, too large, a type not allowed, over
quota) stays where it is; its reason is listed by --status, the API and the
web app, and it is tried again later, or as soon as it changes.

Without DIR, the watch folders of the config file's "watch:" list are run,
each for its own user. Long-running (SIGTERM finishes the files in flight),
or --once for cron: exit 0 when every file was taken, 2 when some failed.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runWatch(cmd, o, args)
		},
	}
	f := c.Flags()
	f.StringVar(&o.user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	f.StringArrayVar(&o.topics, "topic", nil, "assign this existing topic (repeatable)")
	f.StringVar(&o.folder, "folder", "", "put the documents into this existing folder (its path, as `folder list` shows it)")
	f.BoolVar(&o.subdirsAsTopics, "subdirs-as-topics", false, "each subdirectory's name is a topic of the files in it (created when missing)")
	f.StringVar(&o.after, "after", watch.AfterDelete, "what to do with a file once stored: delete, keep or move:DIR")
	f.BoolVar(&o.once, "once", false, "take what is there (waiting for files still being written), then exit")
	f.BoolVar(&o.status, "status", false, "list the files that could not be taken, with the reason, and exit")
	f.BoolVar(&o.asJSON, "json", false, "one JSON object per file (or, with --status, per error) per line")
	f.IntVar(&o.parallel, "parallel", 4, "files stored at once (1 to 64)")
	f.DurationVar(&o.settle, "settle", 0, "how long a file must stay unchanged (default DOCUVAULT_WATCH_SETTLE)")
	f.DurationVar(&o.rescan, "rescan", 0, "walk the folders this often, events or not (default DOCUVAULT_WATCH_RESCAN)")
	f.DurationVar(&o.shutdown, "shutdown-timeout", 30*time.Second, "how long the files in flight may finish after SIGTERM")
	return c
}

func (a *app) runWatch(cmd *cobra.Command, o watchOptions, args []string) error {
	ctx := cmd.Context()
	if o.parallel < 1 || o.parallel > 64 {
		return usageErrorf("--parallel must be 1 to 64, not %d", o.parallel)
	}
	if o.settle < 0 || o.rescan < 0 {
		return usageErrorf("--settle and --rescan must be positive durations")
	}
	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if o.status {
		return a.watchStatus(cmd, db, o)
	}
	var specs []config.WatchFolder
	if len(args) > 0 {
		for _, d := range args {
			specs = append(specs, config.WatchFolder{Dir: d, User: o.user, Topics: o.topics, Folder: o.folder, SubdirsAsTopics: o.subdirsAsTopics, After: o.after})
		}
	} else {
		if len(a.cfg.Watch) == 0 {
			return usageErrorf("watch: name a directory, or list watch folders under \"watch:\" in the config file")
		}
		specs = a.cfg.Watch
	}
	var folders []watch.Folder
	for _, s := range specs {
		wf, err := a.watchFolder(cmd, db, s)
		if err != nil {
			return err
		}
		folders = append(folders, wf)
	}
	svc, closeStorage, err := a.openStorage(ctx, db)
	if err != nil {
		return err
	}
	defer closeStorage()
	settle, rescan := o.settle, o.rescan
	if settle == 0 {
		settle = a.cfg.WatchSettle
	}
	if rescan == 0 {
		rescan = a.cfg.WatchRescan
	}
	p := &watchPrinter{out: a.stdout, asJSON: o.asJSON}
	if !o.once {
		for _, f := range folders {
			a.log.Info("watching", "dir", f.Dir, "after", f.After, "settle", settle.String(), "rescan", rescan.String())
		}
	}
	sum, err := watch.Run(ctx, watch.Deps{DB: db, Storage: svc, Log: a.log}, watch.Options{
		Folders: folders, Settle: settle, Rescan: rescan, Parallel: o.parallel,
		Once: o.once, ShutdownTimeout: o.shutdown, AuditActor: audit.CLIActor(),
	}, p.done)
	if o.once {
		fmt.Fprintf(a.stderr, "watch: %d stored, %d duplicates, %d failed", sum.Stored, sum.Duplicates, sum.Failed)
		if sum.Versions > 0 {
			fmt.Fprintf(a.stderr, ", %d new versions of kept files", sum.Versions)
		}
		if sum.Unsettled > 0 {
			fmt.Fprintf(a.stderr, ", %d still changing (left for the next run)", sum.Unsettled)
		}
		fmt.Fprintln(a.stderr)
	}
	if err != nil {
		if errors.Is(err, watch.ErrBadFolder) {
			return exitcode.With(exitcode.Usage, fmt.Errorf("watch: %w", err))
		}
		return fmt.Errorf("watch: %w", err)
	}
	if sum.Failed > 0 && o.once {
		total := sum.Failed + sum.Stored + sum.Versions + sum.Duplicates
		return exitcode.Some(sum.Failed, total, fmt.Errorf("watch: %d of %d file(s) failed (see `docuvault watch --status`)", sum.Failed, total))
	}
	return nil
}

// watchFolder resolves one watch folder's user, topics and folder.
func (a *app) watchFolder(cmd *cobra.Command, db *sqlx.DB, s config.WatchFolder) (watch.Folder, error) {
	ctx := cmd.Context()
	u, err := a.owner(ctx, db, s.User)
	if err != nil {
		return watch.Folder{}, err
	}
	after := s.After
	if after == "" {
		after = watch.AfterDelete
	}
	kind, moveDir, err := watch.ParseAfter(after)
	if err != nil {
		return watch.Folder{}, exitcode.With(exitcode.Usage, fmt.Errorf("watch %s: %w", s.Dir, err))
	}
	ids, err := topics.IDsByName(ctx, db, u.ID, s.Topics)
	if err != nil {
		if errors.Is(err, topics.ErrNotFound) {
			return watch.Folder{}, exitcode.With(exitcode.Usage, fmt.Errorf("watch %s: %w", s.Dir, err))
		}
		return watch.Folder{}, err
	}
	wf := watch.Folder{Dir: s.Dir, OwnerID: u.ID, TopicIDs: ids, SubdirsAsTopics: s.SubdirsAsTopics, After: kind, MoveDir: moveDir}
	if s.Folder != "" {
		f, err := folders.Resolve(ctx, db, u.ID, s.Folder)
		if err != nil {
			if errors.Is(err, folders.ErrNotFound) {
				return watch.Folder{}, usageErrorf("watch %s: folder %q is not one of %s's folders (create it with `docuvault folder add`)", s.Dir, s.Folder, u.Handle)
			}
			return watch.Folder{}, err
		}
		wf.FolderID = &f.ID
	}
	return wf, nil
}

func (a *app) watchStatus(cmd *cobra.Command, db *sqlx.DB, o watchOptions) error {
	ctx := cmd.Context()
	u, err := a.owner(ctx, db, o.user)
	if err != nil {
		return err
	}
	errs, err := ingest.List(ctx, db, u.ID, 1000)
	if err != nil {
		return err
	}
	if o.asJSON {
		enc := json.NewEncoder(a.stdout)
		for _, e := range errs {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	}
	if len(errs) == 0 {
		fmt.Fprintf(a.stdout, "no files waiting with an error for %s\n", u.Handle)
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LAST TRY\tTRIES\tPATH\tREASON")
	for _, e := range errs {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", e.LastAt.Local().Format("2006-01-02 15:04:05"), e.Attempts, e.Path, e.Reason)
	}
	return tw.Flush()
}

// watchPrinter prints each file's result as `upload` does.
type watchPrinter struct {
	mu     sync.Mutex
	out    io.Writer
	asJSON bool
}

func (p *watchPrinter) done(r watch.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.asJSON {
		_ = json.NewEncoder(p.out).Encode(r)
		return
	}
	switch r.Status {
	case "error":
		fmt.Fprintf(p.out, "FAILED     %s: %s\n", r.Path, r.Error)
	case "duplicate":
		fmt.Fprintf(p.out, "duplicate  %s: same content as document %s\n", r.Path, r.DuplicateOf)
	case "version":
		fmt.Fprintf(p.out, "version    %s → %s (changed: a new version of it)\n", r.Path, r.ID)
	default:
		fmt.Fprintf(p.out, "stored     %s → %s\n", r.Path, r.ID)
	}
}
