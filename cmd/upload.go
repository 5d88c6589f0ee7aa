package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/bulkupload"
	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/topics"
)

func newUploadCommand(a *app) *cobra.Command {
	var (
		o       bulkupload.Options
		user    string
		topicNs []string
		asJSON  bool
		newOf   string
	)
	c := &cobra.Command{
		Use:   "upload PATH... | upload --new-version-of ID FILE",
		Short: "Store files (or directories, with --recursive) as documents",
		Long: `Store files as documents of a user (--user, DOCUVAULT_USER, or the only user).
The type is told from the content, never the name, and must be on the
allow-list; size and quota are checked before anything is kept. A file whose
content the user already stored is reported as a duplicate and not stored
again, unless --allow-duplicates. Each stored document is queued for text
extraction and classification (unless --no-classify).

One result per file: a line, or with --json one JSON object per line.
Exit 0 when every file is stored or a duplicate, 2 when some failed (the
others are stored), 1 when nothing could start.

--new-version-of ID stores one FILE as the new current content of document
ID: it keeps its id, topics, folder and shares, the old content stays as a
version (` + "`docuvault doc versions ID`" + `), and it is read and classified again.
The owner's quota counts every version.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if newOf != "" {
				if len(args) != 1 {
					return usageErrorf("upload --new-version-of takes one FILE, not %d", len(args))
				}
				return a.runNewVersion(ctx, user, newOf, args[0], asJSON)
			}
			o.Paths = args
			if o.Parallel < 1 || o.Parallel > 64 {
				return usageErrorf("--parallel must be 1 to 64, not %d", o.Parallel)
			}
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := a.owner(ctx, db, user)
			if err != nil {
				return err
			}
			if o.TopicIDs, err = topics.IDsByName(ctx, db, u.ID, topicNs); err != nil {
				return err
			}
			svc, closeStorage, err := a.openStorage(ctx, db)
			if err != nil {
				return err
			}
			defer closeStorage()
			o.OwnerID = u.ID
			o.AuditActor = audit.CLIActor()

			obs := newUploadPrinter(a.stdout, a.stderr, asJSON)
			sum, err := bulkupload.Run(ctx, svc, o, obs)
			obs.finish()
			if err != nil {
				return fmt.Errorf("upload: %w", err)
			}
			if sum.Failed > 0 {
				total := sum.Failed + sum.Stored + sum.Duplicates
				return exitcode.Some(sum.Failed, total, fmt.Errorf("upload: %d of %d file(s) failed", sum.Failed, total))
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	f.StringArrayVar(&topicNs, "topic", nil, "assign this existing topic (repeatable)")
	f.BoolVarP(&o.Recursive, "recursive", "r", false, "upload the files in directories, and in theirs")
	f.IntVar(&o.Parallel, "parallel", 4, "uploads in flight (1 to 64)")
	f.BoolVar(&asJSON, "json", false, "one JSON object per file per line")
	f.BoolVar(&o.AllowDuplicates, "allow-duplicates", false, "store content the user already has")
	f.BoolVar(&o.NoClassify, "no-classify", false, "store without queueing extraction and classification (status 'skipped')")
	f.StringVar(&newOf, "new-version-of", "", "store FILE as the new version of this document (its id, or a unique start of it)")
	return c
}

// uploadPrinter prints each file's result on stdout and, when stderr is a
// terminal, a progress bar of bytes and files on stderr.
type uploadPrinter struct {
	mu       sync.Mutex
	out      io.Writer
	errw     io.Writer
	asJSON   bool
	bar      *progressbar.ProgressBar
	barStart time.Time
	unshown  atomic.Int64 // bytes sent before the bar's first reading
	files    int
	done     int
	warnedMQ bool
	warnedAu bool
}

func newUploadPrinter(out, errw io.Writer, asJSON bool) *uploadPrinter {
	return &uploadPrinter{out: out, errw: errw, asJSON: asJSON}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (p *uploadPrinter) Planned(files int, bytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.files = files
	if !isTerminal(p.errw) {
		return
	}
	p.bar = progressbar.NewOptions64(bytes,
		progressbar.OptionSetWriter(p.errw),
		progressbar.OptionShowBytes(true),
		progressbar.OptionUseIECUnits(true), // MiB, as the result lines say
		progressbar.OptionShowCount(),
		progressbar.OptionSetDescription(fmt.Sprintf("0/%d files", files)),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100_000_000), // 100ms
		progressbar.OptionClearOnFinish(),
	)
	p.bar.StartWithoutRender() // its clock starts now, not at the first bytes
	p.barStart = time.Now()
}

// firstReading is how long the bar waits before its first reading: the
// first bytes go into buffers at disk speed, and a rate taken over a few
// milliseconds of them read "22 GB/s".
const firstReading = 500 * time.Millisecond

func (p *uploadPrinter) Sent(n int64) {
	if p.bar == nil {
		return
	}
	if time.Since(p.barStart) < firstReading {
		p.unshown.Add(n)
		return
	}
	_ = p.bar.Add64(n + p.unshown.Swap(0))
}

func (p *uploadPrinter) Done(r bulkupload.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if p.bar != nil {
		// The line takes the bar's place; the bar is drawn again below it.
		p.bar.Describe(fmt.Sprintf("%d/%d files", p.done, p.files))
		_ = p.bar.Clear()
		defer func() { _ = p.bar.RenderBlank() }()
	}
	if r.NotAudited != nil && !p.warnedAu {
		p.warnedAu = true
		fmt.Fprintf(p.errw, "warning: documents are stored but the audit log did not record their upload (%v)\n", r.NotAudited)
	}
	if r.NotQueued != nil && !p.warnedMQ {
		p.warnedMQ = true
		fmt.Fprintf(p.errw, "warning: documents are stored but not queued for classification (%v); they stay pending until `docuvault worker` sweeps them\n", r.NotQueued)
	}
	if p.asJSON {
		_ = json.NewEncoder(p.out).Encode(r)
		return
	}
	switch {
	case r.Error != "":
		fmt.Fprintf(p.out, "FAILED     %s: %s\n", r.Path, r.Error)
	case r.DuplicateOf != "":
		fmt.Fprintf(p.out, "duplicate  %s: same content as document %s (%s)\n", r.Path, r.DuplicateOf, r.Filename)
	case r.Status == "restored":
		fmt.Fprintf(p.out, "restored   %s → %s (%s): it was in the trash\n", r.Path, r.ID, r.Filename)
	default:
		fmt.Fprintf(p.out, "stored     %s → %s (%s, %s)\n", r.Path, r.ID, r.ContentType, humanize.IBytes(uint64(r.SizeBytes)))
	}
}

func (p *uploadPrinter) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
