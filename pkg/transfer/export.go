package transfer

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/objectstore"
)

// Manifest describes an export; it is written last.
type Manifest struct {
	Format        string           `json:"format"`
	FormatVersion int              `json:"format_version"`
	SchemaVersion string           `json:"schema_version"`
	Created       time.Time        `json:"created"`
	WithSecrets   bool             `json:"with_secrets"`
	Users         []string         `json:"users,omitempty"` // the --user handles; empty: everyone
	Counts        map[string]int64 `json:"counts"`
	ObjectBytes   int64            `json:"object_bytes"`
	Files         []FileSum        `json:"files"` // data files and objects.jsonl
}

// FileSum is one file's size and SHA-256 (hex), as in the manifest and in
// objects.jsonl.
type FileSum struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Paths of the export's own files.
const (
	ManifestPath = "manifest.json"
	IndexPath    = "objects.jsonl"
	dataDir      = "data/"
	objectsDir   = "objects/"
)

// ExportOptions chooses what an export takes.
type ExportOptions struct {
	Users       []string // handles; none: every user
	WithSecrets bool     // password hashes, TOTP secrets and share links
	Now         func() time.Time
}

// ErrUnknownUser: a --user handle names nobody.
var ErrUnknownUser = errors.New("no such user")

// IsTar tells whether dest names a tar file rather than a directory.
func IsTar(dest string) bool { return strings.HasSuffix(strings.ToLower(dest), ".tar") }

// Export writes the vault (or o.Users' part of it) to dest: a directory, or
// a tar file when dest ends in ".tar". Rows are read from one snapshot, in
// batches through a cursor; each object is streamed from the bucket to dest
// through SHA-256. Nothing is held whole in memory.
//
// An export that is killed leaves no file that looks finished: a tar is
// written as dest+".partial" and renamed at the end; a directory holds
// UnfinishedMarker until its manifest is written. Running the same export
// again starts over, replacing the unfinished one.
func Export(ctx context.Context, db *sqlx.DB, store objectstore.Store, dest string, o ExportOptions) (Manifest, error) {
	m := newManifest(o)
	out, err := newSink(dest, m.Created)
	if err != nil {
		return m, err
	}
	defer out.abort()
	return export(ctx, db, store, out, m, o)
}

// ExportTar writes the export as a tar stream to w (an HTTP response, say),
// in the format Export writes to a file. w sees a truncated tar, without
// its manifest, when the export fails half-way.
func ExportTar(ctx context.Context, db *sqlx.DB, store objectstore.Store, w io.Writer, o ExportOptions) (Manifest, error) {
	m := newManifest(o)
	bw := bufio.NewWriterSize(w, 256<<10)
	out := &tarSink{bw: bw, tw: tar.NewWriter(bw), mtime: m.Created}
	return export(ctx, db, store, out, m, o)
}

func newManifest(o ExportOptions) Manifest {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	return Manifest{Format: Format, FormatVersion: FormatVersion, SchemaVersion: SchemaVersion(),
		Created: now().UTC().Truncate(time.Second), WithSecrets: o.WithSecrets, Users: o.Users, Counts: map[string]int64{}}
}

func export(ctx context.Context, db *sqlx.DB, store objectstore.Store, out sink, m Manifest, o ExportOptions) (Manifest, error) {
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return m, fmt.Errorf("export: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `SET LOCAL TIME ZONE 'UTC'`); err != nil {
		return m, fmt.Errorf("export: %w", err)
	}
	var ids any // NULL: everyone
	if len(o.Users) > 0 {
		list := make([]string, 0, len(o.Users))
		for _, h := range o.Users {
			var id string
			if err := tx.GetContext(ctx, &id, `SELECT id FROM users WHERE lower(handle) = lower($1)`, h); errors.Is(err, sql.ErrNoRows) {
				return m, fmt.Errorf("export --user %s: %w", h, ErrUnknownUser)
			} else if err != nil {
				return m, fmt.Errorf("export: %w", err)
			}
			list = append(list, id)
		}
		ids = pq.Array(list)
	}

	for _, k := range kinds(o.WithSecrets) {
		if k.Secret && !o.WithSecrets {
			continue
		}
		sum, n, err := spoolRows(ctx, tx, k.Select, ids, out, dataDir+k.Name+".jsonl")
		if err != nil {
			return m, fmt.Errorf("export %s: %w", k.Name, err)
		}
		m.Counts[k.Name] = n
		m.Files = append(m.Files, sum)
	}

	// Objects, and their index spooled to a temporary file.
	index, err := os.CreateTemp("", "docuvault-export-index-*")
	if err != nil {
		return m, fmt.Errorf("export: %w", err)
	}
	defer func() { index.Close(); os.Remove(index.Name()) }()
	iw := bufio.NewWriter(index)
	enc := json.NewEncoder(iw)
	err = cursor(ctx, tx, objectsSelect, ids, func(rows *sqlx.Rows) error {
		var key string
		var size int64
		if err := rows.Scan(&key, &size); err != nil {
			return err
		}
		fs, err := exportObject(ctx, store, out, key, size)
		if err != nil {
			return err
		}
		m.Counts["objects"]++
		m.ObjectBytes += fs.Size
		return enc.Encode(fs)
	})
	if err != nil {
		return m, fmt.Errorf("export objects: %w", err)
	}
	if err := iw.Flush(); err != nil {
		return m, fmt.Errorf("export: %w", err)
	}
	sum, err := out.putFile(IndexPath, index)
	if err != nil {
		return m, fmt.Errorf("export: %w", err)
	}
	m.Files = append(m.Files, sum)

	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, err
	}
	b = append(b, '\n')
	if _, err := out.put(ManifestPath, int64(len(b)), strings.NewReader(string(b))); err != nil {
		return m, fmt.Errorf("export: %w", err)
	}
	if err := out.close(); err != nil {
		return m, fmt.Errorf("export: %w", err)
	}
	return m, nil
}

func exportObject(ctx context.Context, store objectstore.Store, out sink, key string, size int64) (FileSum, error) {
	var rc io.ReadCloser
	var err error
	if s, ok := store.(objectstore.Streamer); ok {
		rc, err = s.Stream(ctx, key)
	} else {
		rc, err = store.Get(ctx, key)
	}
	if err != nil {
		return FileSum{}, err
	}
	defer rc.Close()
	return out.put(objectsDir+key, size, rc)
}

// cursor runs query ($1 = ids) through a server-side cursor, calling fn for
// each row, 500 rows at a time.
func cursor(ctx context.Context, tx *sqlx.Tx, query string, ids any, fn func(*sqlx.Rows) error) error {
	if _, err := tx.ExecContext(ctx, `DECLARE export_rows NO SCROLL CURSOR FOR `+query, ids); err != nil {
		return err
	}
	for {
		rows, err := tx.QueryxContext(ctx, `FETCH 500 FROM export_rows`)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			n++
			if err := fn(rows); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		if n == 0 {
			break
		}
	}
	_, err := tx.ExecContext(ctx, `CLOSE export_rows`)
	return err
}

// spoolRows writes the rows of query as JSON lines to a temporary file,
// then into out at path.
func spoolRows(ctx context.Context, tx *sqlx.Tx, query string, ids any, out sink, path string) (FileSum, int64, error) {
	f, err := os.CreateTemp("", "docuvault-export-rows-*")
	if err != nil {
		return FileSum{}, 0, err
	}
	defer func() { f.Close(); os.Remove(f.Name()) }()
	w := bufio.NewWriter(f)
	var n int64
	err = cursor(ctx, tx, query, ids, func(rows *sqlx.Rows) error {
		var line []byte
		if err := rows.Scan(&line); err != nil {
			return err
		}
		n++
		if _, err := w.Write(line); err != nil {
			return err
		}
		return w.WriteByte('\n')
	})
	if err != nil {
		return FileSum{}, 0, err
	}
	if err := w.Flush(); err != nil {
		return FileSum{}, 0, err
	}
	sum, err := out.putFile(path, f)
	return sum, n, err
}

// sink is where an export goes: a directory or a tar file.
type sink interface {
	// put writes size bytes of r at path and returns their sum.
	put(path string, size int64, r io.Reader) (FileSum, error)
	putFile(path string, f *os.File) (FileSum, error)
	close() error
	abort()
}

// UnfinishedMarker is the file an export directory holds while the export
// is being written: a directory with it is no export (yet), and a second
// export into it starts over.
const UnfinishedMarker = ".docuvault-export-unfinished"

// partialSuffix is added to a tar file's name while it is written.
const partialSuffix = ".partial"

func newSink(dest string, mtime time.Time) (sink, error) {
	if IsTar(dest) {
		if _, err := os.Lstat(dest); err == nil {
			return nil, fmt.Errorf("export: %s exists (the tar file must not exist yet)", dest)
		}
		// A .partial left by an export that was killed is written anew.
		f, err := os.OpenFile(dest+partialSuffix, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		return &tarSink{f: f, dest: dest, bw: bw, tw: tar.NewWriter(bw), mtime: mtime}, nil
	}
	if err := os.MkdirAll(dest, 0o700); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	entries, err := os.ReadDir(dest)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(dest, UnfinishedMarker)); err != nil {
			return nil, fmt.Errorf("export: %s is not empty; export into a new or empty directory", dest)
		}
		// An export that did not finish: only its own files go.
		for _, e := range entries {
			switch e.Name() {
			case "data", "objects", IndexPath, ManifestPath:
				if err := os.RemoveAll(filepath.Join(dest, e.Name())); err != nil {
					return nil, fmt.Errorf("export: clear the unfinished export: %w", err)
				}
			case UnfinishedMarker:
			default:
				return nil, fmt.Errorf("export: %s holds an unfinished export and %s; export into a new or empty directory", dest, e.Name())
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dest, UnfinishedMarker), []byte("an export is being written here; run it again if it was stopped\n"), 0o600); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return &dirSink{root: dest}, nil
}

type hashWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (h *hashWriter) Write(p []byte) (int, error) {
	n, err := h.w.Write(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

func (h *hashWriter) sum(path string) FileSum {
	return FileSum{Path: path, Size: h.n, SHA256: hex.EncodeToString(h.h.Sum(nil))}
}

type dirSink struct{ root string }

func (d *dirSink) put(path string, size int64, r io.Reader) (FileSum, error) {
	full := filepath.Join(d.root, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(full), 0o700); err != nil {
		return FileSum{}, err
	}
	f, err := os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return FileSum{}, err
	}
	hw := &hashWriter{w: f, h: sha256.New()}
	_, err = io.Copy(hw, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return FileSum{}, fmt.Errorf("write %s: %w", path, err)
	}
	if hw.n != size {
		return FileSum{}, fmt.Errorf("write %s: %d bytes, the database says %d", path, hw.n, size)
	}
	return hw.sum(path), nil
}

func (d *dirSink) putFile(path string, f *os.File) (FileSum, error) {
	st, err := f.Stat()
	if err != nil {
		return FileSum{}, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return FileSum{}, err
	}
	return d.put(path, st.Size(), f)
}

// close marks the export finished (its manifest is written).
func (d *dirSink) close() error { return os.Remove(filepath.Join(d.root, UnfinishedMarker)) }
func (d *dirSink) abort()       {}

// tarSink writes a tar to f (then renamed from dest+".partial" to dest), or
// to a stream (f nil).
type tarSink struct {
	f      *os.File
	dest   string
	bw     *bufio.Writer
	tw     *tar.Writer
	mtime  time.Time
	closed bool
}

func (t *tarSink) put(path string, size int64, r io.Reader) (FileSum, error) {
	if err := t.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: path, Size: size, Mode: 0o600, ModTime: t.mtime, Format: tar.FormatPAX}); err != nil {
		return FileSum{}, err
	}
	hw := &hashWriter{w: t.tw, h: sha256.New()}
	if _, err := io.Copy(hw, r); err != nil {
		return FileSum{}, fmt.Errorf("write %s: %w", path, err)
	}
	if hw.n != size {
		return FileSum{}, fmt.Errorf("write %s: %d bytes, the database says %d", path, hw.n, size)
	}
	return hw.sum(path), nil
}

func (t *tarSink) putFile(path string, f *os.File) (FileSum, error) {
	st, err := f.Stat()
	if err != nil {
		return FileSum{}, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return FileSum{}, err
	}
	return t.put(path, st.Size(), f)
}

func (t *tarSink) close() error {
	if err := t.tw.Close(); err != nil {
		return err
	}
	if err := t.bw.Flush(); err != nil {
		return err
	}
	if t.f == nil {
		return nil
	}
	if err := t.f.Sync(); err != nil {
		return err
	}
	if err := t.f.Close(); err != nil {
		return err
	}
	// A link, not a rename: it fails rather than replace a dest made since
	// (a rename where the file system has no links).
	if err := os.Link(t.f.Name(), t.dest); err != nil {
		if _, serr := os.Lstat(t.dest); serr == nil {
			t.closed = true // kept
			return fmt.Errorf("%s was made by something else meanwhile; the export is in %s", t.dest, t.f.Name())
		}
		if err := os.Rename(t.f.Name(), t.dest); err != nil {
			return err
		}
		t.closed = true
		return nil
	}
	t.closed = true
	return os.Remove(t.f.Name())
}

// abort removes an unfinished tar file.
func (t *tarSink) abort() {
	if t.f != nil && !t.closed {
		t.f.Close()
		os.Remove(t.f.Name())
	}
}
