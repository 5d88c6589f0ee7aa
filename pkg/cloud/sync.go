package cloud

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	pathpkg "path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/folders"
	"github.com/docuvault/docuvault/pkg/ingest"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/secrets"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/watch"
)

// ErrBusy is returned when a sync of the connection runs already (in this
// or another process).
var ErrBusy = errors.New("a sync of this cloud connection is running already")

// ErrStorage is wrapped by Sync's error when DocuVault's object store
// became unavailable during the sync: it stops at the first file it could
// not store (recorded as a per-item error) instead of failing every file
// after it; the connection stays ACTIVE and due, and the next sync (the
// worker retries the job) takes what was not stored.
var ErrStorage = errors.New("the object store is unavailable")

// Deps are what a sync needs.
type Deps struct {
	DB      *sqlx.DB
	Storage *storage.Service
	Keyring *secrets.Keyring
	Log     *slog.Logger
}

// Options tune a sync.
type Options struct {
	// Timeout: a server that takes longer to connect, to answer a
	// request, or between two parts of a file is unreachable. Default 30s.
	Timeout time.Duration
	// Parallel is how many files are stored at once. Default 4.
	Parallel int
	// AuditActor is the ActorLabel of each stored document's audit event;
	// default "cloud:NAME".
	AuditActor string
}

// Summary counts a sync's outcomes.
type Summary struct {
	Listed     int `json:"listed"`     // files under the path, ignored ones included
	Stored     int `json:"stored"`     // new documents
	Versions   int `json:"versions"`   // changed files stored as a new version of their document
	Duplicates int `json:"duplicates"` // content the owner had already
	Unchanged  int `json:"unchanged"`  // taken before, the same since (or a new ETag/time with the same content)
	Ignored    int `json:"ignored"`    // hidden and temporary files
	Failed     int `json:"failed"`     // per-item errors (pkg/ingest)
}

// Result is one file's outcome, for a caller that prints them.
type Result struct {
	Path        string `json:"path"`
	Status      string `json:"status"` // "stored", "version", "unchanged", "duplicate", "error"
	ID          string `json:"id,omitempty"`
	DuplicateOf string `json:"duplicate_of,omitempty"`
	Error       string `json:"error,omitempty"`
}

// lockClass is the first key of the per-connection advisory lock ("clou").
const lockClass = 0x636c6f75

// Sync imports the new and changed files of connection id (whoever owns
// it), calling obs (may be nil; from several goroutines) with each file's
// outcome. ErrBusy when it is syncing already; an error wrapping
// ErrConnection when the server could not be listed or read (the
// connection is then in status ERROR with that reason); per-file failures
// are counted in Failed and recorded in pkg/ingest, not returned.
func Sync(ctx context.Context, d Deps, o Options, id string, obs func(Result)) (Summary, error) {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Parallel < 1 {
		o.Parallel = 4
	}
	lockConn, err := d.DB.Connx(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("cloud sync: %w", err)
	}
	defer lockConn.Close()
	var locked bool
	if err := lockConn.GetContext(ctx, &locked, `SELECT pg_try_advisory_lock($1, hashtext($2))`, lockClass, id); err != nil {
		return Summary{}, fmt.Errorf("cloud sync: lock: %w", err)
	}
	if !locked {
		return Summary{}, ErrBusy
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_, _ = lockConn.ExecContext(uctx, `SELECT pg_advisory_unlock($1, hashtext($2))`, lockClass, id)
	}()
	var c Connection
	if err := d.DB.GetContext(ctx, &c, `SELECT `+columns+` FROM cloud_connections WHERE id = $1`, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Summary{}, notFound(id)
		}
		return Summary{}, fmt.Errorf("cloud sync: %w", err)
	}
	if o.AuditActor == "" {
		o.AuditActor = "cloud:" + c.Name
	}
	s := &syncer{d: d, o: o, c: c, folderIDs: map[string]string{}}
	sum, err := s.run(ctx, obs)
	// The outcome is written even when ctx is done.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	switch {
	case err == nil:
		if _, werr := d.DB.ExecContext(wctx, `UPDATE cloud_connections SET status = 'ACTIVE', last_error = NULL,
			failures = 0, next_try_at = NULL, last_sync_at = now() WHERE id = $1`, id); werr != nil {
			return sum, fmt.Errorf("cloud sync: record the sync: %w", werr)
		}
	case errors.Is(err, ErrConnection):
		reason := Reason(err)
		if _, werr := d.DB.ExecContext(wctx, `UPDATE cloud_connections SET status = 'ERROR', last_error = $2,
			failures = failures + 1, next_try_at = now() + make_interval(secs => $3) WHERE id = $1`,
			id, reason, backoff(c.Failures+1).Seconds()); werr != nil {
			d.Log.Error("cloud sync: could not record the connection's error", "connection_id", id, "error", werr.Error())
		}
	}
	return sum, err
}

// Reason is err's message as one line of at most ingest.MaxReason
// characters, without the sentinels' own words.
func Reason(err error) string {
	msg := err.Error()
	for _, p := range []string{ErrConnection.Error() + ": ", ErrAuth.Error() + ": ", ErrUnreachable.Error() + ": ", ErrServer.Error() + ": ", ErrNoPath.Error() + ": "} {
		msg = strings.TrimPrefix(msg, p)
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if r := []rune(msg); len(r) > ingest.MaxReason {
		msg = string(r[:ingest.MaxReason])
	}
	return msg
}

// backoff is the wait before the periodic job tries a failing connection
// again: 1 minute after the first failure, doubling up to 6 hours.
func backoff(failures int) time.Duration {
	d := time.Minute
	for i := 1; i < failures && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

type known struct {
	ETag       string         `db:"etag"`
	Size       int64          `db:"size_bytes"`
	ModTime    sql.NullTime   `db:"mtime"`
	DocumentID sql.NullString `db:"document_id"` // NULL once that document is deleted for good
}

func (k known) same(it Item) bool {
	return k.ETag == it.ETag && k.Size == it.Size && (!k.ModTime.Valid || k.ModTime.Time.Equal(it.ModTime.Truncate(time.Microsecond)))
}

type syncer struct {
	d Deps
	o Options
	c Connection

	folderMu  sync.Mutex
	folderIDs map[string]string // remote directory → folder id
}

func (s *syncer) ingestPath(p string) string { return s.c.Name + ":" + p }

func (s *syncer) run(ctx context.Context, obs func(Result)) (Summary, error) {
	var sum Summary
	cr, err := openCredentials(ctx, s.d.DB, s.d.Keyring, s.c.ID)
	if err != nil {
		return sum, connErr(ErrAuth, "%v", err)
	}
	remote, err := open(ctx, s.c, cr, s.o.Timeout)
	if err != nil {
		return sum, err
	}
	var items []Item
	listed := map[string]bool{}
	err = remote.List(ctx, func(it Item) error {
		sum.Listed++
		listed[s.ingestPath(it.Path)] = true
		for _, seg := range strings.Split(it.Path, "/") {
			if watch.Ignored(seg) {
				sum.Ignored++
				return nil
			}
		}
		items = append(items, it)
		return nil
	})
	if err != nil {
		return sum, err
	}
	var rows []struct {
		Path string `db:"path"`
		known
	}
	if err := s.d.DB.SelectContext(ctx, &rows, `SELECT path, etag, size_bytes, mtime, document_id FROM cloud_items WHERE connection_id = $1`, s.c.ID); err != nil {
		return sum, fmt.Errorf("cloud sync: %w", err)
	}
	taken := make(map[string]known, len(rows))
	refs := map[string]int{} // document → paths taken as it
	for _, r := range rows {
		taken[r.Path] = r.known
		if r.DocumentID.Valid {
			refs[r.DocumentID.String]++
		}
	}
	var todo []todoItem
	for _, it := range items {
		k, ok := taken[it.Path]
		if ok && k.same(it) {
			sum.Unchanged++
			continue
		}
		ti := todoItem{Item: it}
		// A document several files were taken as (the same content, a
		// duplicate) is not one file's to change: a new document then.
		if ok && k.DocumentID.Valid && refs[k.DocumentID.String] == 1 {
			ti.prev = k.DocumentID.String
		}
		todo = append(todo, ti)
	}
	sort.Slice(todo, func(i, j int) bool { return todo[i].Path < todo[j].Path })
	// Errors of files no longer there: a person removed them.
	errored, err := ingest.Paths(ctx, s.d.DB, s.c.UserID, ingest.SourceCloud)
	if err != nil {
		return sum, err
	}
	for p := range errored {
		if strings.HasPrefix(p, s.c.Name+":") && !listed[p] {
			if err := ingest.Clear(ctx, s.d.DB, s.c.UserID, ingest.SourceCloud, p); err != nil {
				return sum, err
			}
		}
	}

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan todoItem)
	var (
		mu    sync.Mutex
		fatal error
		wg    sync.WaitGroup
	)
	for range s.o.Parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				res, err := s.take(runCtx, remote, it)
				if err != nil {
					mu.Lock()
					if fatal == nil {
						fatal = err
					}
					if res.Error != "" { // recorded before the sync stopped
						sum.Failed++
					}
					mu.Unlock()
					if obs != nil && res.Error != "" {
						obs(res)
					}
					cancel(err)
					continue
				}
				mu.Lock()
				switch res.Status {
				case "stored":
					sum.Stored++
				case "version":
					sum.Versions++
				case "unchanged":
					sum.Unchanged++
				case "duplicate":
					sum.Duplicates++
				case "error":
					sum.Failed++
				}
				mu.Unlock()
				if obs != nil && res.Status != "" {
					obs(res)
				}
			}
		}()
	}
feed:
	for _, it := range todo {
		select {
		case work <- it:
		case <-runCtx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if fatal != nil {
		return sum, fatal
	}
	return sum, ctx.Err()
}

// todoItem is a file to take: new, or changed since an earlier sync took
// it as document prev ("" when it is new, or that document was deleted for
// good since).
type todoItem struct {
	Item
	prev string
}

// take stores one file: a new file as a new document, a changed one as a
// new version of the document an earlier sync made of it (see
// takeChanged). Its error is a connection-level one (or ctx's): the sync
// stops; a file's own failure is recorded and is a Result.
func (s *syncer) take(ctx context.Context, remote Remote, ti todoItem) (Result, error) {
	it := ti.Item
	res := Result{Path: it.Path, Status: "error"}
	fail := func(reason string) (Result, error) {
		res.Status, res.Error = "error", reason
		s.d.Log.Warn("cloud sync: file not taken", "connection", s.c.Name, "path", it.Path, "reason", reason)
		if err := ingest.Record(context.WithoutCancel(ctx), s.d.DB, s.c.UserID, ingest.SourceCloud, s.c.Name, s.ingestPath(it.Path), reason); err != nil {
			return res, fmt.Errorf("cloud sync: %w", err)
		}
		return res, nil
	}
	if it.Size > s.d.Storage.MaxSize() {
		// Refused before a byte is read (the listing's size).
		return fail(fmt.Sprintf("%v: %s is over the %s limit (DOCUVAULT_MAX_UPLOAD_SIZE)", storage.ErrTooLarge,
			humanize.IBytes(uint64(it.Size)), humanize.IBytes(uint64(s.d.Storage.MaxSize()))))
	}
	rc, err := remote.Open(ctx, it.Path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fail("vanished from the server between the listing and the read; taken if it comes back")
		}
		return res, err
	}
	defer rc.Close()
	stalled := func() error {
		if st, ok := rc.(interface{ Stalled() error }); ok {
			return st.Stalled()
		}
		return nil
	}
	// failed sorts a storage error: the connection's (the sync stops) or
	// the file's own (recorded).
	failed := func(err error) (Result, error) {
		if st := stalled(); st != nil {
			return res, st
		}
		var tna *storage.TypeNotAllowedError
		switch {
		case errors.Is(err, ErrConnection), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
			return res, err
		case errors.Is(err, objectstore.ErrUnavailable):
			if r, ferr := fail(Reason(err)); ferr != nil {
				return r, ferr
			}
			return res, fmt.Errorf("%w: %s", ErrStorage, Reason(err))
		case errors.Is(err, storage.ErrSizeMismatch):
			return fail("changed on the server while it was read; taken again at the next sync")
		case errors.As(err, &tna), errors.Is(err, storage.ErrTooLarge), errors.Is(err, storage.ErrEmpty), errors.Is(err, storage.ErrOverQuota):
			return fail(err.Error())
		}
		return fail(Reason(err))
	}

	var body io.Reader = rc
	size := it.Size
	if ti.prev != "" {
		spool, n, err := s.spool(rc, it.Size)
		if spool != nil {
			defer func() {
				_ = spool.Close()
				_ = os.Remove(spool.Name())
			}()
		}
		if err != nil {
			return failed(err)
		}
		r, done, err := s.takeChanged(ctx, ti, spool, n)
		if err != nil {
			return failed(err)
		}
		if done {
			res = r
			return s.remember(ctx, it, res, fail)
		}
		// The earlier document is in the trash or gone: a new document.
		if _, err := spool.Seek(0, io.SeekStart); err != nil {
			return fail(Reason(err))
		}
		body, size = spool, n
	}
	up, err := s.d.Storage.Upload(ctx, storage.UploadInput{
		Audit:    &audit.Event{ActorLabel: s.o.AuditActor},
		OwnerID:  s.c.UserID,
		Filename: pathpkg.Base(it.Path),
		Body:     body,
		Size:     size,
	})
	if err != nil {
		return failed(err)
	}
	doc := up.Document
	res.ID, res.Status = doc.ID, "stored"
	if up.DuplicateOf != "" {
		res.Status, res.DuplicateOf = "duplicate", up.DuplicateOf
	}
	if s.c.MapFolders && doc.FolderID == nil {
		if dir := pathpkg.Dir(it.Path); dir != "." {
			fid, err := s.folder(ctx, dir)
			if err != nil {
				s.d.Log.Warn("cloud sync: document stored but not put in its folder", "document_id", doc.ID, "folder", dir, "error", err.Error())
			} else if err := catalog.Update(ctx, s.d.DB, s.c.UserID, doc.ID, catalog.Change{FolderID: &fid}); err != nil {
				s.d.Log.Warn("cloud sync: document stored but not put in its folder", "document_id", doc.ID, "folder", dir, "error", err.Error())
			}
		}
	}
	return s.remember(ctx, it, res, fail)
}

// spool copies a changed file to a temporary file (storage.NewVersion reads
// its content twice), at most size bytes and one more: a file whose length
// is not the listing's changed while it was read (storage.ErrSizeMismatch).
// The caller closes and removes the file, also on error.
func (s *syncer) spool(rc io.Reader, size int64) (*os.File, int64, error) {
	f, err := os.CreateTemp("", "docuvault-cloud-*")
	if err != nil {
		return nil, 0, fmt.Errorf("spool a changed file: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(rc, size+1))
	if err != nil {
		return f, n, err
	}
	if n != size {
		return f, n, storage.ErrSizeMismatch
	}
	return f, n, nil
}

// takeChanged makes a changed file's content (body, n bytes) the new
// version of document ti.prev, which an earlier sync made of the file.
// done is false when that document is in the trash or being purged
// (storage.ErrNotFound): the caller stores the content as a new document,
// and the trashed one is left as it is. Content that is the document's
// current content already is "unchanged". err is the storage's, for the
// caller to sort.
func (s *syncer) takeChanged(ctx context.Context, ti todoItem, body *os.File, n int64) (Result, bool, error) {
	res := Result{Path: ti.Path, ID: ti.prev}
	d, v, err := s.d.Storage.NewVersion(ctx, storage.VersionInput{OwnerID: s.c.UserID, DocumentID: ti.prev,
		Filename: pathpkg.Base(ti.Path), Body: body, Size: n})
	switch {
	case errors.Is(err, storage.ErrSameContent):
		res.Status = "unchanged"
		return res, true, nil
	case errors.Is(err, storage.ErrNotFound):
		return res, false, nil
	case err != nil && d.ID == "":
		return res, false, err
	case err != nil:
		// The new content is current; its old derived objects go later.
		s.d.Log.Warn("cloud sync: new version stored; its old derived objects not all removed", "document_id", d.ID, "error", err.Error())
	}
	res.Status = "version"
	if aerr := audit.Record(ctx, s.d.DB, audit.Event{UserID: s.c.UserID, ActorLabel: s.o.AuditActor, Type: audit.Version, ResourceID: d.ID,
		Metadata: map[string]any{"action": "upload", "filename": d.Filename, "size_bytes": d.SizeBytes, "kept_as": v.Number}}); aerr != nil {
		s.d.Log.Warn("cloud sync: new version stored; its audit event not recorded", "document_id", d.ID, "error", aerr.Error())
	}
	return res, true, nil
}

// remember records that the file, as listed, was taken as res.ID.
func (s *syncer) remember(ctx context.Context, it Item, res Result, fail func(string) (Result, error)) (Result, error) {
	var mtime *time.Time
	if !it.ModTime.IsZero() {
		mtime = &it.ModTime
	}
	if _, err := s.d.DB.ExecContext(ctx, `INSERT INTO cloud_items (connection_id, path, etag, size_bytes, mtime, document_id)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (connection_id, path) DO UPDATE SET etag = EXCLUDED.etag, size_bytes = EXCLUDED.size_bytes,
			mtime = EXCLUDED.mtime, document_id = EXCLUDED.document_id, taken_at = now()`,
		s.c.ID, it.Path, it.ETag, it.Size, mtime, res.ID); err != nil {
		// Stored, not remembered: the next sync finds it a duplicate, or
		// the same content as its document's.
		return fail(fmt.Sprintf("stored as document %s, but not remembered as taken: %v", res.ID, err))
	}
	if err := ingest.Clear(ctx, s.d.DB, s.c.UserID, ingest.SourceCloud, s.ingestPath(it.Path)); err != nil {
		s.d.Log.Warn("cloud sync: could not clear a file's old error", "path", it.Path, "error", err.Error())
	}
	return res, nil
}

// folder returns the id of the DocuVault folder for remote directory dir
// ("a/b"), creating the folders that are missing.
func (s *syncer) folder(ctx context.Context, dir string) (*string, error) {
	s.folderMu.Lock()
	defer s.folderMu.Unlock()
	var parent *string
	cur := ""
	for _, name := range strings.Split(dir, "/") {
		cur = pathpkg.Join(cur, name)
		if id, ok := s.folderIDs[cur]; ok {
			parent = &id
			continue
		}
		clean, err := folders.CleanName(name)
		if err != nil {
			return nil, err
		}
		var id string
		for range 2 {
			err = s.d.DB.GetContext(ctx, &id, `SELECT id FROM folders WHERE user_id = $1 AND parent_id IS NOT DISTINCT FROM $2::uuid AND name = $3`,
				s.c.UserID, parent, clean)
			if err == nil {
				break
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return nil, err
			}
			f, cerr := folders.Create(ctx, s.d.DB, s.c.UserID, clean, parent)
			if cerr == nil {
				id, err = f.ID, nil
				break
			}
			if !errors.Is(cerr, folders.ErrConflict) {
				return nil, cerr
			}
			err = cerr // made meanwhile: look again
		}
		if err != nil {
			return nil, err
		}
		s.folderIDs[cur] = id
		parent = &id
	}
	return parent, nil
}

// Due returns the ids of the connections the periodic job should sync:
// ACTIVE ones last synced longer than every ago (or never), and ERROR ones
// whose backoff is over.
func Due(ctx context.Context, db *sqlx.DB, every time.Duration) ([]string, error) {
	var ids []string
	err := db.SelectContext(ctx, &ids, `SELECT id FROM cloud_connections
		WHERE (status = 'ACTIVE' AND (last_sync_at IS NULL OR last_sync_at <= now() - make_interval(secs => $1)))
		   OR (status = 'ERROR' AND (next_try_at IS NULL OR next_try_at <= now()))
		ORDER BY last_sync_at NULLS FIRST`, every.Seconds())
	if err != nil {
		return nil, fmt.Errorf("cloud connections due: %w", err)
	}
	return ids, nil
}
