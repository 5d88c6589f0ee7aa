// Package watch takes documents in from watch folders: directories a
// scanner, a phone app or a person drops files into. Each file is taken
// once it has stopped changing (its size and modification time the same
// over the settle interval, or a modification time older than that and the
// same at a second look), stored through pkg/storage exactly as
// `docuvault upload` stores it (a content the owner has already is a
// duplicate), and only then — its row committed — deleted, moved or
// remembered as kept. A crash between the commit and that step leaves the
// file where it was; the next run finds its content already stored (a
// duplicate) and finishes the step, so no file is lost or stored twice.
//
// A file a folder with --after keep took and that is edited in place
// later becomes a new version of its document (its document in the trash
// or deleted for good: a new document). With delete or move, a file of a
// name seen before is a new file (scanners reuse names such as
// scan0001.pdf): a new document, or a duplicate of one with its content.
//
// Changes are heard through fsnotify and, because network shares often send
// no events, found by a periodic rescan too. A file that cannot be taken
// (unreadable, vanished, too large, a type not allowed, over quota) stays
// where it is, its reason recorded in pkg/ingest, and is tried again with
// backoff, or at once when it changes.
package watch

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/ingest"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/topics"
)

// What to do with a file once its document is committed.
const (
	AfterKeep   = "keep"   // leave it; remember it (path, size, time) so it is not taken again
	AfterDelete = "delete" // remove it
	AfterMove   = "move"   // move it under MoveDir, keeping its path below the watch folder
)

// ErrBadFolder is returned (wrapped) for a watch folder that cannot be
// watched: missing, not a directory, or an --after that does not parse.
var ErrBadFolder = errors.New("bad watch folder")

// Folder is one watch folder, for one user.
type Folder struct {
	Dir             string
	OwnerID         string
	TopicIDs        []string // assigned to every document from it
	FolderID        *string  // the DocuVault folder its documents go into; nil: none
	SubdirsAsTopics bool     // each subdirectory's name between Dir and the file is a topic (created when missing)
	After           string   // AfterKeep, AfterDelete or AfterMove
	MoveDir         string   // for AfterMove
}

// ParseAfter reads an --after value: delete, keep or move:DIR.
func ParseAfter(s string) (after, moveDir string, err error) {
	switch {
	case s == AfterKeep || s == AfterDelete:
		return s, "", nil
	case strings.HasPrefix(s, "move:") && len(s) > len("move:"):
		return AfterMove, s[len("move:"):], nil
	}
	return "", "", fmt.Errorf("%w: --after must be delete, keep or move:DIR, not %q", ErrBadFolder, s)
}

// Options is one run of the watcher.
type Options struct {
	Folders  []Folder
	Settle   time.Duration // how long a file's size and time must stay the same
	Rescan   time.Duration // how often every folder is walked, events or not
	Parallel int           // files stored at once
	// Once: take what is there, wait for files still being written to
	// settle (at most OnceWait), then return.
	Once     bool
	OnceWait time.Duration
	// ShutdownTimeout is how long the files in flight may finish after ctx
	// is cancelled; then their uploads are cancelled (storing nothing).
	ShutdownTimeout time.Duration
	// AuditActor is the ActorLabel of each stored document's audit event.
	AuditActor string
}

// Deps are the services the watcher stores through.
type Deps struct {
	DB      *sqlx.DB
	Storage *storage.Service
	Log     *slog.Logger
}

// Result is one file's outcome.
type Result struct {
	Dir         string `json:"dir"`
	Path        string `json:"path"`
	ID          string `json:"id,omitempty"`
	Filename    string `json:"filename"`
	Status      string `json:"status"` // "stored", "version", "duplicate", "error"
	DuplicateOf string `json:"duplicate_of,omitempty"`
	Error       string `json:"error,omitempty"`
}

// Summary counts a run's outcomes. Unsettled counts, for Once, the files
// still changing when it gave up waiting (left for the next run).
// Versions counts kept files (--after keep) that changed and became a new
// version of their document.
type Summary struct {
	Stored, Versions, Duplicates, Failed, Unsettled int
}

// Ignored says whether a file name is a hidden or temporary file that is
// never taken: dot files (.DS_Store, .~lock.*#), Office's ~$ owner files,
// and partial downloads and copies (*.part, *.crdownload, *.tmp, *.swp, *~).
func Ignored(name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") || strings.HasSuffix(name, "~") {
		return true
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".part", ".crdownload", ".tmp", ".temp", ".swp", ".partial", ".download":
		return true
	}
	return false
}

// entry is what the watcher knows of one file.
type entry struct {
	folder   int
	size     int64
	mtime    time.Time
	since    time.Time // when this size and time were first seen
	first    time.Time // when the file was first seen at all
	busy     bool      // being stored
	retryAt  time.Time // after a failure: not before
	attempts int
	failedAs stamp // the size and time it failed with
}

type stamp struct {
	size  int64
	mtime time.Time
}

type job struct {
	path   string
	folder int
	st     stamp
}

type done struct {
	job
	res     Result
	retry   bool // a failure worth trying again
	settled bool // taken (stored, duplicate, or kept): forget the entry
}

// watcher is one Run's state; only Run's goroutine touches entries.
type watcher struct {
	d       Deps
	o       Options
	entries map[string]*entry
	errored map[string]map[string]bool // owner → paths with an ingest_errors row
	errMu   sync.Mutex
	topicMu sync.Mutex
	topics  map[string]map[string]string // owner → name → id
	moveAbs []string                     // each folder's MoveDir, absolute
}

// Run watches o.Folders until ctx is cancelled (or, with o.Once, until
// what was there is taken), calling obs with each file's result (from
// several goroutines). It returns an error only when it could not start or,
// with Once, when ctx was cancelled; per-file failures are results.
func Run(ctx context.Context, d Deps, o Options, obs func(Result)) (Summary, error) {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if o.Parallel < 1 {
		o.Parallel = 1
	}
	if o.Settle <= 0 {
		o.Settle = time.Second
	}
	if o.Rescan <= 0 {
		o.Rescan = time.Minute
	}
	if o.OnceWait <= 0 {
		o.OnceWait = 10 * o.Settle
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 30 * time.Second
	}
	w := &watcher{d: d, o: o, entries: map[string]*entry{}, errored: map[string]map[string]bool{}, topics: map[string]map[string]string{}}
	for i := range o.Folders {
		f := &w.o.Folders[i]
		abs, err := filepath.Abs(f.Dir)
		if err != nil {
			return Summary{}, fmt.Errorf("%w: %s: %v", ErrBadFolder, f.Dir, err)
		}
		st, err := os.Stat(abs)
		if err != nil || !st.IsDir() {
			return Summary{}, fmt.Errorf("%w: %s is not a directory one can read", ErrBadFolder, f.Dir)
		}
		f.Dir = abs
		mv := ""
		if f.After == AfterMove {
			if mv, err = filepath.Abs(f.MoveDir); err != nil {
				return Summary{}, fmt.Errorf("%w: move:%s: %v", ErrBadFolder, f.MoveDir, err)
			}
			if mv == abs {
				return Summary{}, fmt.Errorf("%w: move:%s is the watch folder itself", ErrBadFolder, f.MoveDir)
			}
			if err := os.MkdirAll(mv, 0o750); err != nil {
				return Summary{}, fmt.Errorf("%w: move:%s: %v", ErrBadFolder, f.MoveDir, err)
			}
		} else if f.After != AfterKeep && f.After != AfterDelete {
			return Summary{}, fmt.Errorf("%w: after must be delete, keep or move, not %q", ErrBadFolder, f.After)
		}
		w.moveAbs = append(w.moveAbs, mv)
		if _, ok := w.errored[f.OwnerID]; !ok {
			paths, err := ingest.Paths(ctx, d.DB, f.OwnerID, ingest.SourceWatch)
			if err != nil {
				return Summary{}, err
			}
			w.errored[f.OwnerID] = paths
		}
	}
	return w.run(ctx, obs)
}

func (w *watcher) run(ctx context.Context, obs func(Result)) (Summary, error) {
	var fsw *fsnotify.Watcher
	var events <-chan fsnotify.Event
	var evErrs <-chan error
	if !w.o.Once {
		var err error
		if fsw, err = fsnotify.NewWatcher(); err != nil {
			w.d.Log.Warn("watch: no file events, rescanning only", "error", err.Error())
		} else {
			defer fsw.Close()
			events, evErrs = fsw.Events, fsw.Errors
		}
	}
	watched := map[string]bool{}

	// Uploads in flight finish after ctx is cancelled, for at most
	// ShutdownTimeout.
	upCtx, cancelUploads := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelUploads()
	work := make(chan job)
	results := make(chan done, w.o.Parallel)
	var wg sync.WaitGroup
	for range w.o.Parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				results <- w.take(upCtx, j)
			}
		}()
	}

	var (
		sum      Summary
		ready    []job
		inFlight int
		start    = time.Now()
		scanned  bool
	)
	scanTimer := time.NewTimer(0)
	defer scanTimer.Stop()
	stopping := false
	var shutdown <-chan time.Time
	ctxDone := ctx.Done()

	finish := func(r done) {
		inFlight--
		e := w.entries[r.path]
		if r.res.Status != "" && obs != nil {
			obs(r.res)
		}
		switch r.res.Status {
		case "stored":
			sum.Stored++
		case "version":
			sum.Versions++
		case "duplicate":
			sum.Duplicates++
		case "error":
			sum.Failed++
		}
		if e == nil {
			return
		}
		e.busy = false
		if r.settled && w.o.Folders[r.folder].After == AfterKeep {
			// Kept: not taken again unless it changes (see scan).
			e.failedAs, e.retryAt = r.st, time.Now().Add(forever)
			return
		}
		if r.settled || r.res.Status == "" {
			if r.settled {
				delete(w.entries, r.path)
			}
			return
		}
		e.attempts++
		e.failedAs = r.st
		if r.retry {
			e.retryAt = time.Now().Add(backoff(e.attempts))
		} else {
			e.retryAt = time.Now().Add(forever) // until it changes
		}
	}

	for {
		if w.o.Once && scanned && len(ready) == 0 && inFlight == 0 && !stopping {
			pending := 0
			for _, e := range w.entries {
				if e.retryAt.IsZero() {
					pending++
				}
			}
			if pending == 0 {
				break
			}
			if time.Since(start) > w.o.OnceWait+w.o.Settle {
				sum.Unsettled = pending
				for p, e := range w.entries {
					if e.retryAt.IsZero() {
						w.d.Log.Info("watch: still changing, left for the next run", "path", p)
					}
				}
				break
			}
		}
		if stopping && inFlight == 0 {
			break
		}
		var send chan<- job
		var next job
		if len(ready) > 0 && !stopping {
			send, next = work, ready[0]
		}
		select {
		case send <- next:
			ready = ready[1:]
			inFlight++
		case r := <-results:
			finish(r)
		case <-scanTimer.C:
			if stopping {
				break
			}
			ready = append(ready, w.scan(fsw, watched)...)
			scanned = true
			scanTimer.Reset(w.nextScan())
		case ev, ok := <-events:
			if !ok {
				events = nil
				break
			}
			if ev.Has(fsnotify.Create) {
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
					w.addWatches(fsw, watched, ev.Name)
				}
			}
			// Soon, not at once: one scan for a burst of events.
			scanTimer.Reset(min(w.nextScan(), 200*time.Millisecond))
		case err, ok := <-evErrs:
			if !ok {
				evErrs = nil
				break
			}
			w.d.Log.Warn("watch: file events lost; the rescan finds what they said", "error", err.Error())
		case <-ctxDone:
			stopping, ctxDone = true, nil
			ready = nil
			shutdown = time.After(w.o.ShutdownTimeout)
			w.d.Log.Info("watch: stopping; finishing the files in flight", "files", inFlight)
		case <-shutdown:
			cancelUploads()
			shutdown = nil
		}
	}
	close(work)
	go func() { wg.Wait(); close(results) }()
	for r := range results {
		finish(r)
	}
	if w.o.Once {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// nextScan is when to walk the folders again: soon while a file is
// settling, else at the rescan interval.
func (w *watcher) nextScan() time.Duration {
	now := time.Now()
	next := w.o.Rescan
	for _, e := range w.entries {
		if e.busy {
			continue
		}
		var at time.Time
		if e.retryAt.IsZero() {
			at = e.since.Add(w.o.Settle)
		} else {
			at = e.retryAt
		}
		if d := at.Sub(now); d < next {
			next = d
		}
	}
	return max(next, 50*time.Millisecond)
}

// forever is the retry time of a file not to be tried again unless it
// changes.
const forever = 100 * 365 * 24 * time.Hour

func backoff(attempts int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

func (w *watcher) addWatches(fsw *fsnotify.Watcher, watched map[string]bool, dir string) {
	if fsw == nil || watched[dir] {
		return
	}
	if err := fsw.Add(dir); err != nil {
		w.d.Log.Warn("watch: no events for a directory; the rescan covers it", "dir", dir, "error", err.Error())
		return
	}
	watched[dir] = true
}

// scan walks every folder, updates the entries and returns the files that
// have settled and are due.
func (w *watcher) scan(fsw *fsnotify.Watcher, watched map[string]bool) []job {
	now := time.Now()
	seen := map[string]bool{}
	var due []job
	for i, f := range w.o.Folders {
		err := filepath.WalkDir(f.Dir, func(path string, de fs.DirEntry, err error) error {
			if err != nil {
				if path == f.Dir {
					return err
				}
				w.failScan(f, path, err)
				seen[path] = true
				if de != nil && de.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if de.IsDir() {
				if path != f.Dir && (Ignored(de.Name()) || w.isMoveDir(path)) {
					return fs.SkipDir
				}
				w.addWatches(fsw, watched, path)
				return nil
			}
			if Ignored(de.Name()) || seen[path] {
				return nil
			}
			st, err := os.Stat(path) // follows a symlink to a file
			if err != nil || !st.Mode().IsRegular() {
				return nil
			}
			seen[path] = true
			s := stamp{size: st.Size(), mtime: st.ModTime()}
			e := w.entries[path]
			if e == nil {
				// A file whose time says it has not been written for the
				// settle interval counts as unchanged since then: one more
				// look that finds it the same, and it is taken. (A clock
				// behind this machine's makes a file look older than it
				// is: the settle interval must be longer than the skew.)
				since := now
				if now.Sub(s.mtime) >= w.o.Settle {
					since = now.Add(-w.o.Settle)
				}
				e = &entry{folder: i, size: s.size, mtime: s.mtime, since: since, first: now}
				w.entries[path] = e
				return nil
			}
			if e.busy {
				return nil
			}
			if e.size != s.size || !e.mtime.Equal(s.mtime) {
				e.size, e.mtime, e.since = s.size, s.mtime, now
				if !e.retryAt.IsZero() && s != e.failedAs {
					e.retryAt = time.Time{} // changed since it failed: try it as new
				}
				return nil
			}
			if now.Sub(e.since) < w.o.Settle {
				return nil
			}
			if !e.retryAt.IsZero() && now.Before(e.retryAt) {
				return nil
			}
			e.busy = true
			due = append(due, job{path: path, folder: i, st: s})
			return nil
		})
		if err != nil {
			// Gone, unmounted or unreadable: said where a person looks,
			// and tried again at the next scan.
			reason := describe(err)
			if errors.Is(err, fs.ErrNotExist) {
				reason = "no such directory (removed, or a share not mounted?)"
			}
			w.recordError(context.Background(), f, f.Dir, "the watch folder cannot be read: "+reason)
		} else {
			w.clearError(context.Background(), f, f.Dir)
		}
	}
	for p, e := range w.entries {
		if !seen[p] && !e.busy {
			delete(w.entries, p) // gone before it settled: nothing to take
		}
	}
	w.clearGone(seen)
	sort.Slice(due, func(i, j int) bool { return due[i].path < due[j].path })
	return due
}

// clearGone removes the recorded errors of files no longer in their watch
// folder: a person took them out (or fixed and renamed them).
func (w *watcher) clearGone(seen map[string]bool) {
	for _, f := range w.o.Folders {
		w.errMu.Lock()
		var gone []string
		for p := range w.errored[f.OwnerID] {
			if strings.HasPrefix(p, f.Dir+string(filepath.Separator)) && !seen[p] && !w.busy(p) {
				gone = append(gone, p)
			}
		}
		w.errMu.Unlock()
		for _, p := range gone {
			w.clearError(context.Background(), f, p)
		}
	}
}

func (w *watcher) busy(path string) bool {
	e := w.entries[path]
	return e != nil && e.busy
}

func (w *watcher) isMoveDir(path string) bool {
	for _, m := range w.moveAbs {
		if m != "" && m == path {
			return true
		}
	}
	return false
}

// failScan records a path the walk could not read (a directory without
// permission).
func (w *watcher) failScan(f Folder, path string, err error) {
	w.recordError(context.Background(), f, path, describe(err))
}

func (w *watcher) recordError(ctx context.Context, f Folder, path, reason string) {
	w.d.Log.Warn("watch: file not taken", "path", path, "reason", reason)
	if err := ingest.Record(ctx, w.d.DB, f.OwnerID, ingest.SourceWatch, f.Dir, path, reason); err != nil {
		w.d.Log.Error("watch: could not record a file's error", "path", path, "error", err.Error())
		return
	}
	w.errMu.Lock()
	w.errored[f.OwnerID][path] = true
	w.errMu.Unlock()
}

func (w *watcher) clearError(ctx context.Context, f Folder, path string) {
	w.errMu.Lock()
	had := w.errored[f.OwnerID][path]
	delete(w.errored[f.OwnerID], path)
	w.errMu.Unlock()
	if !had {
		return
	}
	if err := ingest.Clear(ctx, w.d.DB, f.OwnerID, ingest.SourceWatch, path); err != nil {
		w.d.Log.Warn("watch: could not clear a file's old error", "path", path, "error", err.Error())
	}
}

func describe(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "vanished before it could be read"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied: DocuVault cannot read it"
	}
	return err.Error()
}

// take stores one settled file and, once its row is committed, does what
// the folder says with it.
func (w *watcher) take(ctx context.Context, j job) done {
	f := w.o.Folders[j.folder]
	r := done{job: j}
	r.res = Result{Dir: f.Dir, Path: j.path, Filename: filepath.Base(j.path), Status: "error"}
	fail := func(reason string, retry bool) done {
		r.res.Error, r.retry = reason, retry
		w.recordError(context.WithoutCancel(ctx), f, j.path, reason)
		return r
	}
	var prev string // --after keep: the document of this path's earlier content
	if f.After == AfterKeep {
		kept, doc, err := w.isKept(ctx, f, j)
		if err != nil {
			return fail(err.Error(), true)
		}
		if kept {
			r.res.Status, r.settled = "", true // taken before: nothing to say
			return r
		}
		prev = doc
	}
	topicIDs := f.TopicIDs
	if f.SubdirsAsTopics {
		ids, err := w.subdirTopics(ctx, f, j.path)
		if err != nil {
			return fail(err.Error(), true)
		}
		topicIDs = append(append([]string{}, topicIDs...), ids...)
	}
	fh, err := os.Open(j.path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			// Gone between the scan and now: nothing to take, nothing lost.
			r.res.Status, r.settled = "", true
			return r
		}
		return fail(describe(err), true)
	}
	defer fh.Close()
	var ev *audit.Event
	if w.o.AuditActor != "" {
		ev = &audit.Event{ActorLabel: w.o.AuditActor}
	}
	if prev != "" {
		if r, ok := w.takeChanged(ctx, f, j, fh, prev, fail); ok {
			return r
		}
		// Its document is in the trash or gone: a new document.
	}
	res, err := w.d.Storage.Upload(ctx, storage.UploadInput{
		Audit:    ev,
		OwnerID:  f.OwnerID,
		Filename: filepath.Base(j.path),
		Body:     fh,
		Size:     j.st.size,
		TopicIDs: topicIDs,
	})
	if err != nil {
		var tna *storage.TypeNotAllowedError
		switch {
		case errors.Is(err, context.Canceled):
			r.res.Error = "interrupted: nothing of this file was kept; taken on the next run"
			r.retry = true
			return r
		case errors.Is(err, storage.ErrSizeMismatch):
			return fail("changed while it was read; taken again once it settles", true)
		case errors.Is(err, storage.ErrOverQuota):
			return fail(err.Error(), true) // room may be made
		case errors.As(err, &tna), errors.Is(err, storage.ErrTooLarge), errors.Is(err, storage.ErrEmpty):
			return fail(err.Error(), false) // the same content fails again
		}
		return fail(err.Error(), true)
	}
	doc := res.Document
	r.res.ID, r.res.Filename, r.res.Status = doc.ID, doc.Filename, "stored"
	if res.DuplicateOf != "" {
		r.res.Status, r.res.DuplicateOf = "duplicate", res.DuplicateOf
	}
	// The folder: storage knows none. A duplicate still in no folder gets
	// it too (a run that stopped between the commit and this step).
	if f.FolderID != nil && doc.FolderID == nil {
		if err := catalog.Update(ctx, w.d.DB, f.OwnerID, doc.ID, catalog.Change{FolderID: &f.FolderID}); err != nil {
			w.d.Log.Warn("watch: document stored but not moved to its folder", "document_id", doc.ID, "error", err.Error())
		}
	}
	// Did it change while it was read? Then what was stored is not what is
	// there now: leave the file; its new content is taken once it settles.
	if st, err := os.Stat(j.path); err == nil && (st.Size() != j.st.size || !st.ModTime().Equal(j.st.mtime)) {
		r.res.Status = "error"
		return fail(fmt.Sprintf("changed while it was read (document %s has the content before); taken again once it settles", doc.ID), true)
	}
	if err := w.after(ctx, f, j, doc.ID); err != nil {
		r.res.Status = "error"
		return fail(fmt.Sprintf("stored as document %s, but %v", doc.ID, err), true)
	}
	w.clearError(ctx, f, j.path)
	r.settled = true
	return r
}

// takeChanged makes a kept file (--after keep) that changed since it was
// taken the new version of its document prev (storage.NewVersion: the
// document keeps its id, topics, folder and shares). ok is false when that
// document is in the trash (left there) or being purged: the caller
// stores the file as a new document. The same content as the document's
// current one is nothing new: only remembered.
func (w *watcher) takeChanged(ctx context.Context, f Folder, j job, fh *os.File, prev string, fail func(string, bool) done) (done, bool) {
	r := done{job: j}
	r.res = Result{Dir: f.Dir, Path: j.path, Filename: filepath.Base(j.path), ID: prev, Status: "version"}
	d, v, err := w.d.Storage.NewVersion(ctx, storage.VersionInput{OwnerID: f.OwnerID, DocumentID: prev,
		Filename: filepath.Base(j.path), Body: fh, Size: j.st.size})
	var tna *storage.TypeNotAllowedError
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return r, false
	case errors.Is(err, storage.ErrSameContent):
		r.res.Status = ""
	case errors.Is(err, context.Canceled):
		r.res.Status, r.res.Error = "error", "interrupted: nothing of this file was kept; taken on the next run"
		r.retry = true
		return r, true
	case errors.Is(err, storage.ErrSizeMismatch):
		return fail("changed while it was read; taken again once it settles", true), true
	case errors.Is(err, storage.ErrOverQuota):
		return fail(err.Error(), true), true
	case errors.As(err, &tna), errors.Is(err, storage.ErrTooLarge), errors.Is(err, storage.ErrEmpty):
		return fail(err.Error(), false), true
	case err != nil && d.ID == "":
		return fail(err.Error(), true), true
	case err != nil:
		w.d.Log.Warn("watch: new version stored; its old derived objects not all removed", "document_id", prev, "error", err.Error())
	}
	if r.res.Status == "version" {
		r.res.Filename = d.Filename
		if aerr := audit.Record(ctx, w.d.DB, audit.Event{UserID: f.OwnerID, ActorLabel: w.o.AuditActor, Type: audit.Version, ResourceID: prev,
			Metadata: map[string]any{"action": "upload", "filename": d.Filename, "size_bytes": d.SizeBytes, "kept_as": v.Number}}); aerr != nil {
			w.d.Log.Warn("watch: new version stored; its audit event not recorded", "document_id", prev, "error", aerr.Error())
		}
	}
	if st, err := os.Stat(j.path); err == nil && (st.Size() != j.st.size || !st.ModTime().Equal(j.st.mtime)) {
		r.res.Status = "error"
		return fail(fmt.Sprintf("changed while it was read (document %s has the content before); taken again once it settles", prev), true), true
	}
	if err := w.after(ctx, f, j, prev); err != nil {
		r.res.Status = "error"
		return fail(fmt.Sprintf("stored as document %s, but %v", prev, err), true), true
	}
	w.clearError(ctx, f, j.path)
	r.settled = true
	return r, true
}

// after deletes, moves or remembers a file whose document is committed.
func (w *watcher) after(ctx context.Context, f Folder, j job, docID string) error {
	switch f.After {
	case AfterDelete:
		if err := os.Remove(j.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("could not delete the file: %s", describe(err))
		}
	case AfterMove:
		rel, err := filepath.Rel(f.Dir, j.path)
		if err != nil {
			return fmt.Errorf("could not move the file: %w", err)
		}
		dst := filepath.Join(w.moveAbs[j.folder], rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return fmt.Errorf("could not move the file: %s", describe(err))
		}
		dst = freeName(dst)
		if err := os.Rename(j.path, dst); err != nil {
			return fmt.Errorf("could not move the file: %s", describe(err))
		}
	case AfterKeep:
		_, err := w.d.DB.ExecContext(ctx, `
			INSERT INTO watch_kept (user_id, path, size_bytes, mtime, document_id) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (user_id, path) DO UPDATE SET size_bytes = EXCLUDED.size_bytes, mtime = EXCLUDED.mtime,
				document_id = EXCLUDED.document_id, taken_at = now()`,
			f.OwnerID, j.path, j.st.size, j.st.mtime, docID)
		if err != nil {
			return fmt.Errorf("could not remember it was taken: %w", err)
		}
	}
	return nil
}

// freeName returns path, or path with " (2)", " (3)", … before its
// extension when a file of that name is there already.
func freeName(path string) string {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return path
	}
	ext := filepath.Ext(path)
	base := strings.TrimSuffix(path, ext)
	for i := 2; ; i++ {
		p := fmt.Sprintf("%s (%d)%s", base, i, ext)
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			return p
		}
	}
}

// isKept says whether the file, as it is now, was taken and kept before;
// when not, doc is the document of its earlier content, if any is left.
func (w *watcher) isKept(ctx context.Context, f Folder, j job) (kept bool, doc string, err error) {
	var row struct {
		Same bool           `db:"same"`
		Doc  sql.NullString `db:"document_id"`
		Refs int            `db:"refs"`
	}
	err = w.d.DB.GetContext(ctx, &row, `SELECT size_bytes = $3 AND mtime = $4 AS same, document_id,
			(SELECT count(*) FROM watch_kept o WHERE o.user_id = k.user_id AND o.document_id = k.document_id) AS refs
		FROM watch_kept k WHERE user_id = $1 AND path = $2`,
		f.OwnerID, j.path, j.st.size, j.st.mtime)
	if errors.Is(err, sql.ErrNoRows) {
		return false, "", nil
	}
	if err != nil {
		return false, "", fmt.Errorf("look up kept files: %w", err)
	}
	if row.Refs > 1 {
		// Several kept files were taken as that document (copies): not
		// this one's to change; its new content is a new document.
		return row.Same, "", nil
	}
	return row.Same, row.Doc.String, nil
}

// subdirTopics returns the topics named by the directories between the
// watch folder and the file, creating those the owner does not have.
func (w *watcher) subdirTopics(ctx context.Context, f Folder, path string) ([]string, error) {
	rel, err := filepath.Rel(f.Dir, filepath.Dir(path))
	if err != nil || rel == "." {
		return nil, nil
	}
	w.topicMu.Lock()
	defer w.topicMu.Unlock()
	byName := w.topics[f.OwnerID]
	if byName == nil {
		byName = map[string]string{}
		w.topics[f.OwnerID] = byName
	}
	var ids []string
	for _, name := range strings.Split(rel, string(filepath.Separator)) {
		if id, ok := byName[name]; ok {
			ids = append(ids, id)
			continue
		}
		got, err := topics.IDsByName(ctx, w.d.DB, f.OwnerID, []string{name})
		if err != nil && !errors.Is(err, topics.ErrNotFound) {
			return nil, fmt.Errorf("topic %q of its folder: %w", name, err)
		}
		if len(got) == 0 {
			t, err := topics.Add(ctx, w.d.DB, f.OwnerID, name, "", "")
			if err != nil {
				return nil, fmt.Errorf("topic %q of its folder: %w", name, err)
			}
			got = []string{t.ID}
		}
		byName[name] = got[0]
		ids = append(ids, got[0])
	}
	return ids, nil
}
