package transfer

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/objectstore"
)

// ImportOptions chooses what an import takes.
type ImportOptions struct {
	Users []string // handles; none: every user in the export
	// Parallel is how many objects are sent to the bucket at once; 0 means
	// DefaultParallel. Each holds at most 1 MiB of memory.
	Parallel int
	// Progress, when set, is called after each object is in the bucket
	// (tests cancel the import there).
	Progress func(path string)
}

// ImportReport says what an import did.
type ImportReport struct {
	Manifest      Manifest
	Inserted      map[string]int64 // rows added, by kind (existing ids are kept as they are)
	ObjectsStored int64            // objects put into the bucket
	ObjectsKept   int64            // objects already there with the same bytes
}

// Import verifies the export at src (a directory or a .tar file) against its
// manifest — every byte, before anything is written — and then stores its
// objects and inserts its rows in one transaction, committed only once every
// object referenced is in the bucket. Rows whose id exists already are kept
// as they are, and objects already stored with the same size and SHA-256 are
// not sent again, so running it again after a crash finishes the job.
func Import(ctx context.Context, db *sqlx.DB, store objectstore.Store, src string, o ImportOptions) (ImportReport, error) {
	rep := ImportReport{Inserted: map[string]int64{}}
	source, err := openSource(src)
	if err != nil {
		return rep, err
	}
	defer source.close()
	m, err := source.verify(ctx)
	if err != nil {
		return rep, err
	}
	rep.Manifest = m

	ids, err := chooseUsers(source, m, o.Users)
	if err != nil {
		return rep, err
	}
	var idArg any
	if len(o.Users) > 0 {
		idArg = pq.Array(ids)
	}

	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return rep, fmt.Errorf("import: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := checkUsers(ctx, tx, source, ids); err != nil {
		return rep, err
	}

	byName := map[string]kind{}
	for _, k := range kinds(true) {
		byName[k.Name] = k
	}
	refs, err := newRefChecker(tx, source)
	if err != nil {
		return rep, err
	}
	defer refs.close()
	puts := newPutter(ctx, store, o.Parallel, o.Progress)
	err = source.walk(puts.ctx, m, func(path string, expect FileSum, r io.Reader) error {
		switch {
		case strings.HasPrefix(path, dataDir):
			name := strings.TrimSuffix(strings.TrimPrefix(path, dataDir), ".jsonl")
			k, ok := byName[name]
			if !ok {
				return &FileError{Path: path, Err: ErrNotExport, What: "not a kind of row this DocuVault knows"}
			}
			n, err := insertRows(puts.ctx, tx, k, r, idArg)
			if err != nil {
				return fmt.Errorf("import %s: %w", path, err)
			}
			rep.Inserted[name] += n
		case strings.HasPrefix(path, objectsDir):
			used, err := refs.referenced(puts.ctx, strings.TrimPrefix(path, objectsDir))
			if err != nil {
				return err
			}
			if used {
				if err := puts.put(path, expect, r); err != nil {
					return err
				}
			}
		}
		return puts.ctx.Err()
	})
	if werr := puts.wait(); err == nil || errors.Is(err, context.Canceled) && werr != nil && !errors.Is(werr, context.Canceled) {
		err = werr
	}
	rep.ObjectsStored, rep.ObjectsKept = puts.stored.Load(), puts.kept.Load()
	if err != nil {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		return rep, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE quotas q SET used_bytes = `+usedSQL+` WHERE q.user_id = ANY($1)`, pq.Array(ids)); err != nil {
		return rep, fmt.Errorf("import: recompute quotas: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return rep, fmt.Errorf("import: %w", err)
	}
	return rep, nil
}

// usedSQL is storage's: the sum of the owner's documents, versions and
// derived objects.
const usedSQL = `((SELECT COALESCE(sum(d.size_bytes), 0) FROM documents d WHERE d.user_id = q.user_id)
	+ (SELECT COALESCE(sum(o.size_bytes), 0) FROM document_objects o JOIN documents d ON d.id = o.document_id
		WHERE d.user_id = q.user_id)
	+ (SELECT COALESCE(sum(v.size_bytes), 0) FROM document_versions v JOIN documents d ON d.id = v.document_id
		WHERE d.user_id = q.user_id))::bigint`

type exportedUser struct {
	ID     string `json:"id"`
	Handle string `json:"handle"`
	Email  string `json:"email"`
}

// chooseUsers returns the ids of the users to import (handles: all).
func chooseUsers(s source, m Manifest, handles []string) ([]string, error) {
	want := map[string]bool{}
	for _, h := range handles {
		want[strings.ToLower(h)] = true
	}
	var ids []string
	err := s.eachUser(func(u exportedUser) error {
		if len(handles) == 0 || want[strings.ToLower(u.Handle)] {
			ids = append(ids, u.ID)
			delete(want, strings.ToLower(u.Handle))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for h := range want {
		return nil, fmt.Errorf("import --user %s: the export holds no such user: %w", h, ErrUnknownUser)
	}
	return ids, nil
}

// checkUsers refuses a user whose handle or email belongs to another user
// of the deployment (a merge never renames anybody).
func checkUsers(ctx context.Context, tx *sqlx.Tx, s source, ids []string) error {
	chosen := map[string]bool{}
	for _, id := range ids {
		chosen[id] = true
	}
	return s.eachUser(func(u exportedUser) error {
		if !chosen[u.ID] {
			return nil
		}
		var other []string
		if err := tx.SelectContext(ctx, &other, `SELECT id FROM users WHERE (lower(handle) = lower($1) OR email = $2) AND id <> $3`, u.Handle, u.Email, u.ID); err != nil {
			return fmt.Errorf("import: %w", err)
		}
		if len(other) > 0 {
			return fmt.Errorf("import: user %s (%s) exists in this deployment as another account (%s); import without it (--user) or rename that account: %w", u.Handle, u.ID, other[0], ErrConflict)
		}
		return nil
	})
}

// Row batches: at most rowBatch lines, or rowBatchBytes of them (a longer
// line goes alone), go to PostgreSQL in one statement.
const (
	rowBatch      = 1000
	rowBatchBytes = 4 << 20
)

// insertRows inserts the JSON lines of r, a batch at a time, as one JSON
// array through json_populate_recordset: one round trip per batch, not per
// row. Every row of a batch is checked against the table as it was before
// the statement (what Where and ON CONFLICT see), which is what a whole
// export needs: within a kind, no line depends on another.
func insertRows(ctx context.Context, tx *sqlx.Tx, k kind, r io.Reader, ids any) (int64, error) {
	var cols []string
	if err := tx.SelectContext(ctx, &cols, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`, k.Table); err != nil {
		return 0, err
	}
	exprs := make([]string, len(cols))
	for i, c := range cols {
		exprs[i] = "r." + pq.QuoteIdentifier(c)
		if e, ok := k.Override[c]; ok {
			exprs[i] = e
		}
		cols[i] = pq.QuoteIdentifier(c)
	}
	q := fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM json_populate_recordset(NULL::%s, $1::json) r WHERE %s`,
		k.Table, strings.Join(cols, ", "), strings.Join(exprs, ", "), k.Table, k.Where)
	if k.Conflict != "" {
		q += " ON CONFLICT (" + k.Conflict + ") DO NOTHING"
	}
	stmt, err := tx.PreparexContext(ctx, q)
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	br := bufio.NewReaderSize(r, 64<<10)
	var n int64
	var batch bytes.Buffer
	first, lines := 0, 0 // line numbers of the batch
	flush := func() error {
		if lines == 0 {
			return nil
		}
		batch.WriteByte(']')
		res, err := stmt.ExecContext(ctx, batch.String(), ids)
		if err != nil {
			return fmt.Errorf("lines %d to %d: %w", first, first+lines-1, err)
		}
		c, _ := res.RowsAffected()
		n += c
		batch.Reset()
		lines = 0
		return nil
	}
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if t := bytes.TrimSpace(b); len(t) > 0 {
			if t[0] != '{' {
				return n, fmt.Errorf("line %d: not a JSON object", line)
			}
			if lines == 0 {
				first = line
				batch.WriteByte('[')
			} else {
				batch.WriteByte(',')
			}
			batch.Write(t)
			lines++
			if lines >= rowBatch || batch.Len() >= rowBatchBytes {
				if err := flush(); err != nil {
					return n, err
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return n, flush()
		}
		if err != nil {
			return n, err
		}
	}
}

// refChecker tells whether rows of the transaction name an object key. It
// reads the export's object index ahead of the walk, which meets the
// objects in the same order, and asks PostgreSQL about refBatch keys at
// once.
type refChecker struct {
	tx    *sqlx.Tx
	index io.ReadCloser
	dec   *json.Decoder
	keys  []string
	used  []bool
	pos   int
}

const refBatch = 1000

func newRefChecker(tx *sqlx.Tx, s source) (*refChecker, error) {
	index, err := s.openIndex()
	if err != nil {
		return nil, err
	}
	return &refChecker{tx: tx, index: index, dec: json.NewDecoder(bufio.NewReader(index))}, nil
}

func (c *refChecker) close() { c.index.Close() }

// refQuery answers, for each key of $1 in order, whether a row names it.
const refQuery = `SELECT EXISTS (SELECT 1 FROM documents WHERE object_key = k.key)
	OR EXISTS (SELECT 1 FROM document_versions WHERE object_key = k.key)
	OR EXISTS (SELECT 1 FROM document_objects WHERE object_key = k.key)
	FROM unnest($1::text[]) WITH ORDINALITY k(key, n) ORDER BY k.n`

func (c *refChecker) referenced(ctx context.Context, key string) (bool, error) {
	if c.pos == len(c.keys) {
		c.keys, c.used, c.pos = c.keys[:0], c.used[:0], 0
		for len(c.keys) < refBatch {
			var fs FileSum
			if err := c.dec.Decode(&fs); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return false, &FileError{Path: IndexPath, Err: ErrNotExport, What: err.Error()}
			}
			c.keys = append(c.keys, strings.TrimPrefix(fs.Path, objectsDir))
		}
		if len(c.keys) > 0 {
			if err := c.tx.SelectContext(ctx, &c.used, refQuery, pq.Array(c.keys)); err != nil {
				return false, fmt.Errorf("import: %w", err)
			}
		}
		if len(c.used) != len(c.keys) {
			return false, fmt.Errorf("import: %d answers for %d object keys", len(c.used), len(c.keys))
		}
	}
	if c.pos == len(c.keys) || c.keys[c.pos] != key {
		return false, &FileError{Path: objectsDir + key, Err: ErrTampered, What: "not where objects.jsonl has it"}
	}
	c.pos++
	return c.used[c.pos-1], nil
}

// putter stores objects, the small ones (read into memory, at most
// workers+1 of putSmall bytes at once) several at a time.
type putter struct {
	ctx          context.Context
	cancel       context.CancelFunc
	store        objectstore.Store
	progress     func(string)
	jobs         chan putJob
	wg           sync.WaitGroup
	mu           sync.Mutex
	err          error
	stored, kept atomic.Int64
}

type putJob struct {
	path   string
	expect FileSum
	buf    []byte
}

// DefaultParallel is how many objects an import sends at once by default.
// The time of an import is the object store's PUTs, each waiting on the
// store's disk more than on either CPU: more at once hide that wait.
const DefaultParallel = 16

// putSmall: objects up to this size are read into memory and sent by a
// worker; larger ones are streamed in line.
const putSmall = 1 << 20

func newPutter(ctx context.Context, store objectstore.Store, workers int, progress func(string)) *putter {
	if workers <= 0 {
		workers = DefaultParallel
	}
	p := &putter{store: store, progress: progress, jobs: make(chan putJob)}
	p.ctx, p.cancel = context.WithCancel(ctx)
	for i := 0; i < workers; i++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for j := range p.jobs {
				stored, err := storeObject(p.ctx, p.store, j.path, j.expect, bytes.NewReader(j.buf))
				p.done(j.path, stored, err)
			}
		}()
	}
	return p
}

func (p *putter) done(path string, stored bool, err error) {
	if err != nil {
		p.mu.Lock()
		if p.err == nil {
			p.err = err
		}
		p.mu.Unlock()
		p.cancel()
		return
	}
	if stored {
		p.stored.Add(1)
	} else {
		p.kept.Add(1)
	}
	if p.progress != nil {
		p.progress(path)
	}
}

// put stores the object: a small one by a worker, a large one at once.
func (p *putter) put(path string, expect FileSum, r io.Reader) error {
	if expect.Size > putSmall {
		stored, err := storeObject(p.ctx, p.store, path, expect, r)
		p.done(path, stored, err)
		return err
	}
	buf := make([]byte, expect.Size)
	if _, err := io.ReadFull(r, buf); err != nil {
		return &FileError{Path: path, Err: ErrIncomplete, What: "shorter than objects.jsonl says"}
	}
	select {
	case p.jobs <- putJob{path: path, expect: expect, buf: buf}:
		return nil
	case <-p.ctx.Done():
		return p.ctx.Err()
	}
}

// wait lets the workers finish and returns the first error.
func (p *putter) wait() error {
	close(p.jobs)
	p.wg.Wait()
	p.cancel()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// storeObject puts the object at path into the bucket, unless it is there
// already with the same bytes. It reports whether it stored it.
//
// An object of up to objectstore.PartSize goes in one PUT that the store
// refuses if the key is taken (then the object there is compared) or if the
// bytes are not those of the manifest's SHA-256: no HEAD before, no hashing
// here. A larger one is looked for first, then streamed through SHA-256.
func storeObject(ctx context.Context, store objectstore.Store, path string, expect FileSum, r io.Reader) (bool, error) {
	key := strings.TrimPrefix(path, objectsDir)
	want, _ := hex.DecodeString(expect.SHA256)
	if expect.Size <= objectstore.PartSize && len(want) == sha256.Size {
		_, err := store.PutChecked(ctx, key, r, expect.Size, want, "application/octet-stream")
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, objectstore.ErrExists):
			return false, sameObject(ctx, store, path, key, expect)
		case errors.Is(err, objectstore.ErrChecksum):
			return false, &FileError{Path: path, Err: ErrTampered, What: "its SHA-256 differs from the manifest's (changed since it was checked)"}
		}
		return false, fmt.Errorf("import %s: %w", path, err)
	}
	if _, err := store.Stat(ctx, key); err == nil {
		return false, sameObject(ctx, store, path, key, expect)
	} else if !errors.Is(err, objectstore.ErrNotFound) {
		return false, fmt.Errorf("import: %w", err)
	}
	h := sha256.New()
	_, err := store.Put(ctx, key, io.TeeReader(r, h), expect.Size, "application/octet-stream")
	if err != nil {
		if got := hex.EncodeToString(h.Sum(nil)); ctx.Err() == nil && got != expect.SHA256 {
			return false, &FileError{Path: path, Err: ErrTampered, What: "its SHA-256 differs from the manifest's"}
		}
		return false, fmt.Errorf("import %s: %w", path, err)
	}
	if hex.EncodeToString(h.Sum(nil)) != expect.SHA256 {
		// Changed since it was verified: take it out again.
		_ = store.Delete(context.WithoutCancel(ctx), key)
		return false, &FileError{Path: path, Err: ErrTampered, What: "its SHA-256 differs from the manifest's"}
	}
	return true, nil
}

// sameObject checks that the object stored under key has the bytes the
// manifest says (ErrConflict otherwise): by the SHA-256 the store keeps
// with it when it has one, else by reading it.
func sameObject(ctx context.Context, store objectstore.Store, path, key string, expect FileSum) error {
	conflict := &FileError{Path: path, Err: ErrConflict, What: "the bucket holds other bytes under this key; it was left alone"}
	if s, ok := store.(objectstore.Summer); ok {
		size, sum, err := s.StoredSHA256(ctx, key)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		if size != expect.Size {
			return conflict
		}
		if sum != nil {
			if hex.EncodeToString(sum) != expect.SHA256 {
				return conflict
			}
			return nil
		}
	}
	sum, err := storedSum(ctx, store, key)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if sum != expect.SHA256 {
		return conflict
	}
	return nil
}

func storedSum(ctx context.Context, store objectstore.Store, key string) (string, error) {
	rc, err := store.Get(ctx, key)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// source is an export to read: a directory or a tar file.
type source interface {
	// verify checks every file against the manifest and returns it.
	verify(ctx context.Context) (Manifest, error)
	// walk calls fn for each data file (in the manifest's order) and then
	// each object (in the index's order), with what the manifest expects.
	walk(ctx context.Context, m Manifest, fn func(path string, expect FileSum, r io.Reader) error) error
	// openIndex opens objects.jsonl (after verify) for a reader of its own.
	openIndex() (io.ReadCloser, error)
	// eachUser calls fn for each line of data/users.jsonl (after verify).
	eachUser(fn func(exportedUser) error) error
	close()
}

func openSource(src string) (source, error) {
	st, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if st.IsDir() {
		return &dirSource{root: src}, nil
	}
	return &tarSource{path: src}, nil
}

// checkManifest refuses a manifest this binary cannot import.
func checkManifest(m Manifest) error {
	if m.Format != Format {
		return fmt.Errorf("import: %s says format %q: %w", ManifestPath, m.Format, ErrNotExport)
	}
	if m.FormatVersion > FormatVersion {
		return fmt.Errorf("import: the export has format version %d, this DocuVault reads up to %d; import it with a newer DocuVault: %w", m.FormatVersion, FormatVersion, ErrNewerSchema)
	}
	for _, f := range m.Files {
		name := strings.TrimSuffix(strings.TrimPrefix(f.Path, dataDir), ".jsonl")
		if f.Path != IndexPath && (f.Path != dataDir+name+".jsonl" || strings.ContainsAny(name, "/\\.")) {
			return &FileError{Path: ManifestPath, Err: ErrNotExport, What: fmt.Sprintf("lists %q, which is no file of an export", f.Path)}
		}
	}
	for _, id := range KnownSchemas() {
		if id == m.SchemaVersion {
			return nil
		}
	}
	return fmt.Errorf("import: the export's schema %s is newer than this DocuVault's (%s); upgrade DocuVault, run migrate up, then import: %w", m.SchemaVersion, SchemaVersion(), ErrNewerSchema)
}

func parseManifest(b []byte) (Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("import: %s: %v: %w", ManifestPath, err, ErrNotExport)
	}
	return m, checkManifest(m)
}

func sumOf(r io.Reader) (int64, string, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	return n, hex.EncodeToString(h.Sum(nil)), err
}

func compare(path string, want FileSum, n int64, sum string) error {
	if n != want.Size || sum != want.SHA256 {
		return &FileError{Path: path, Err: ErrTampered, What: fmt.Sprintf("%d bytes with SHA-256 %s, the manifest says %d bytes with %s; the export was changed or damaged", n, sum, want.Size, want.SHA256)}
	}
	return nil
}

// readIndex calls fn for each line of an objects.jsonl.
func readIndex(r io.Reader, fn func(FileSum) error) error {
	dec := json.NewDecoder(bufio.NewReader(r))
	for {
		var fs FileSum
		if err := dec.Decode(&fs); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return &FileError{Path: IndexPath, Err: ErrNotExport, What: err.Error()}
		}
		if !strings.HasPrefix(fs.Path, objectsDir) || strings.Contains(fs.Path, "..") || strings.HasPrefix(fs.Path, objectsDir+"/") {
			return &FileError{Path: IndexPath, Err: ErrNotExport, What: fmt.Sprintf("object path %q is not under %s", fs.Path, objectsDir)}
		}
		if err := fn(fs); err != nil {
			return err
		}
	}
}

func readUsers(r io.Reader, fn func(exportedUser) error) error {
	dec := json.NewDecoder(bufio.NewReader(r))
	for {
		var u exportedUser
		if err := dec.Decode(&u); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return &FileError{Path: dataDir + "users.jsonl", Err: ErrNotExport, What: err.Error()}
		}
		if err := fn(u); err != nil {
			return err
		}
	}
}

// dirSource reads an export directory.
type dirSource struct{ root string }

func (d *dirSource) file(path string) string { return filepath.Join(d.root, filepath.FromSlash(path)) }

func (d *dirSource) open(path string) (*os.File, error) {
	f, err := os.Open(d.file(path))
	if errors.Is(err, os.ErrNotExist) {
		return nil, &FileError{Path: path, Err: ErrIncomplete, What: "missing from the export"}
	}
	return f, err
}

func (d *dirSource) check(path string, want FileSum) error {
	f, err := d.open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	n, sum, err := sumOf(f)
	if err != nil {
		return fmt.Errorf("import: read %s: %w", path, err)
	}
	return compare(path, want, n, sum)
}

func (d *dirSource) verify(ctx context.Context) (Manifest, error) {
	b, err := os.ReadFile(d.file(ManifestPath))
	if errors.Is(err, os.ErrNotExist) {
		return Manifest{}, &FileError{Path: ManifestPath, Err: ErrIncomplete, What: "missing: an incomplete export (one that did not finish), or not an export"}
	} else if err != nil {
		return Manifest{}, fmt.Errorf("import: %w", err)
	}
	m, err := parseManifest(b)
	if err != nil {
		return m, err
	}
	var index FileSum
	for _, f := range m.Files {
		if err := d.check(f.Path, f); err != nil {
			return m, err
		}
		if f.Path == IndexPath {
			index = f
		}
	}
	if index.Path == "" {
		return m, &FileError{Path: IndexPath, Err: ErrIncomplete, What: "not in the manifest"}
	}
	f, err := d.open(IndexPath)
	if err != nil {
		return m, err
	}
	defer f.Close()
	return m, readIndex(f, func(fs FileSum) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return d.check(fs.Path, fs)
	})
}

func (d *dirSource) walk(ctx context.Context, m Manifest, fn func(string, FileSum, io.Reader) error) error {
	each := func(fs FileSum) error {
		f, err := d.open(fs.Path)
		if err != nil {
			return err
		}
		defer f.Close()
		return fn(fs.Path, fs, f)
	}
	for _, fs := range m.Files {
		if strings.HasPrefix(fs.Path, dataDir) {
			if err := each(fs); err != nil {
				return err
			}
		}
	}
	f, err := d.open(IndexPath)
	if err != nil {
		return err
	}
	defer f.Close()
	return readIndex(f, each)
}

func (d *dirSource) eachUser(fn func(exportedUser) error) error {
	f, err := d.open(dataDir + "users.jsonl")
	if err != nil {
		return err
	}
	defer f.Close()
	return readUsers(f, fn)
}

func (d *dirSource) openIndex() (io.ReadCloser, error) { return d.open(IndexPath) }

func (d *dirSource) close() {}

// tarSource reads an export tar: verify reads it once whole (the manifest
// is its last entry), walk once more.
type tarSource struct {
	path  string
	index *os.File // objects.jsonl, copied out by verify
	users *os.File // data/users.jsonl, copied out by verify
}

func (t *tarSource) close() {
	for _, f := range []*os.File{t.index, t.users} {
		if f != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}
}

func truncated(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("import: the tar file ends early (truncated?): %w", ErrIncomplete)
	}
	if errors.Is(err, tar.ErrHeader) || errors.Is(err, tar.ErrInsecurePath) {
		return fmt.Errorf("import: not a tar file, or a damaged one (%v): %w", err, ErrNotExport)
	}
	return fmt.Errorf("import: read the tar file: %w", err)
}

func (t *tarSource) verify(ctx context.Context) (Manifest, error) {
	f, err := os.Open(t.path)
	if err != nil {
		return Manifest{}, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	// Objects as found, in tar order, to compare with the index at the end.
	seen, err := os.CreateTemp("", "docuvault-import-seen-*")
	if err != nil {
		return Manifest{}, err
	}
	defer func() { seen.Close(); os.Remove(seen.Name()) }()
	seenW := bufio.NewWriter(seen)
	enc := json.NewEncoder(seenW)
	if t.index, err = os.CreateTemp("", "docuvault-import-index-*"); err != nil {
		return Manifest{}, err
	}
	if t.users, err = os.CreateTemp("", "docuvault-import-users-*"); err != nil {
		return Manifest{}, err
	}
	files := map[string]FileSum{}
	var manifest []byte
	tr := tar.NewReader(bufio.NewReaderSize(f, 1<<20))
	for {
		if err := ctx.Err(); err != nil {
			return Manifest{}, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Manifest{}, truncated(err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		var r io.Reader = tr
		switch {
		case hdr.Name == ManifestPath:
			if manifest, err = io.ReadAll(io.LimitReader(tr, 16<<20)); err != nil {
				return Manifest{}, truncated(err)
			}
			continue
		case hdr.Name == IndexPath:
			r = io.TeeReader(tr, t.index)
		case hdr.Name == dataDir+"users.jsonl":
			r = io.TeeReader(tr, t.users)
		}
		n, sum, err := sumOf(r)
		if err != nil {
			return Manifest{}, truncated(err)
		}
		fs := FileSum{Path: hdr.Name, Size: n, SHA256: sum}
		if strings.HasPrefix(hdr.Name, objectsDir) {
			if err := enc.Encode(fs); err != nil {
				return Manifest{}, err
			}
		} else {
			files[hdr.Name] = fs
		}
	}
	if manifest == nil {
		return Manifest{}, &FileError{Path: ManifestPath, Err: ErrIncomplete, What: "missing from the tar: an incomplete export (one that did not finish), or not an export"}
	}
	m, err := parseManifest(manifest)
	if err != nil {
		return m, err
	}
	for _, want := range m.Files {
		got, ok := files[want.Path]
		if !ok {
			return m, &FileError{Path: want.Path, Err: ErrIncomplete, What: "missing from the export"}
		}
		if err := compare(want.Path, want, got.Size, got.SHA256); err != nil {
			return m, err
		}
	}
	if _, ok := files[IndexPath]; !ok {
		return m, &FileError{Path: IndexPath, Err: ErrIncomplete, What: "missing from the export"}
	}
	if err := seenW.Flush(); err != nil {
		return m, err
	}
	if _, err := seen.Seek(0, io.SeekStart); err != nil {
		return m, err
	}
	if _, err := t.index.Seek(0, io.SeekStart); err != nil {
		return m, err
	}
	got := json.NewDecoder(bufio.NewReader(seen))
	err = readIndex(t.index, func(want FileSum) error {
		var fs FileSum
		if err := got.Decode(&fs); err != nil {
			return &FileError{Path: want.Path, Err: ErrIncomplete, What: "missing from the export"}
		}
		if fs.Path != want.Path {
			return &FileError{Path: want.Path, Err: ErrIncomplete, What: "missing from the export (or out of order)"}
		}
		return compare(want.Path, want, fs.Size, fs.SHA256)
	})
	if err != nil {
		return m, err
	}
	var extra FileSum
	if got.Decode(&extra) == nil {
		return m, &FileError{Path: extra.Path, Err: ErrTampered, What: "in the tar but not in objects.jsonl"}
	}
	return m, nil
}

func (t *tarSource) walk(ctx context.Context, m Manifest, fn func(string, FileSum, io.Reader) error) error {
	f, err := os.Open(t.path)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	want := map[string]FileSum{}
	for _, fs := range m.Files {
		want[fs.Path] = fs
	}
	if _, err := t.index.Seek(0, io.SeekStart); err != nil {
		return err
	}
	index := json.NewDecoder(bufio.NewReader(t.index))
	tr := tar.NewReader(bufio.NewReaderSize(f, 1<<20))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return truncated(err)
		}
		switch {
		case strings.HasPrefix(hdr.Name, dataDir):
			if err := fn(hdr.Name, want[hdr.Name], tr); err != nil {
				return err
			}
		case strings.HasPrefix(hdr.Name, objectsDir):
			var fs FileSum
			if err := index.Decode(&fs); err != nil || fs.Path != hdr.Name {
				return &FileError{Path: hdr.Name, Err: ErrTampered, What: "not where objects.jsonl has it; the tar changed during the import"}
			}
			if err := fn(hdr.Name, fs, tr); err != nil {
				return err
			}
		}
	}
}

func (t *tarSource) openIndex() (io.ReadCloser, error) { return os.Open(t.index.Name()) }

func (t *tarSource) eachUser(fn func(exportedUser) error) error {
	if _, err := t.users.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return readUsers(t.users, fn)
}
