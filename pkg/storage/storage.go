// Package storage is the only code that writes documents: bytes to the
// object store, metadata to PostgreSQL, and the job that reads them.
//
// Its invariants, kept on every path, error or not:
//   - no object without its row: a document's row (status 'uploading') is
//     committed before its object is written;
//   - no row without its object: a row becomes 'pending' only after its
//     object is stored, and a failed upload removes its row (and object);
//   - quota exact: a row's bytes are added to quotas.used_bytes in the
//     transaction that inserts or grows the row, and removed in the one that
//     deletes it, so used_bytes is always the sum of the owner's rows.
//
// Every transaction that changes a user's documents takes that user's quota
// row before any document row, so they never deadlock. Uploads reserve with
// one atomic conditional UPDATE (no lock held across round trips), so one
// owner's parallel uploads do not queue behind each other.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/objectstore"
)

// Document statuses.
const (
	StatusUploading  = "uploading"  // row reserved, object being written; hidden
	StatusPending    = "pending"    // stored, waiting for extraction
	StatusProcessing = "processing" // a worker has it
	StatusClassified = "classified"
	StatusFailed     = "failed"
	StatusSkipped    = "skipped" // stored with --no-classify: never queued
)

// Sentinel errors; test with errors.Is.
var (
	ErrEmpty        = errors.New("empty file: nothing to store")
	ErrTooLarge     = errors.New("too large")
	ErrOverQuota    = errors.New("over quota")
	ErrNotFound     = errors.New("no such document")
	ErrUnknownOwner = errors.New("unknown owner")
	ErrSizeMismatch = errors.New("the content's length differs from the size given (did the file change while uploading?)")
)

// Enqueuer queues a document for extraction and classification.
type Enqueuer interface {
	EnqueueExtract(ctx context.Context, documentID string) error
}

// Limits are what an upload may be.
type Limits struct {
	MaxSize      int64    // bytes; 0 means DefaultMaxSize
	AllowedTypes []string // content types; nil means DefaultAllowedTypes()
}

// DefaultMaxSize is the default size limit: 512 MiB.
const DefaultMaxSize int64 = 512 << 20

// Service stores and reads documents.
type Service struct {
	db      *sqlx.DB
	objects objectstore.Store
	jobs    Enqueuer // nil: nothing is enqueued
	maxSize int64
	allowed map[string]bool
	small   *batcher             // the statements of concurrent small uploads
	stmts   *database.Statements // storeQuery, prepared on first use
}

// New returns a Service. jobs may be nil: documents then stay pending for
// the worker's sweeper.
func New(db *sqlx.DB, objects objectstore.Store, jobs Enqueuer, limits Limits) *Service {
	if limits.MaxSize <= 0 {
		limits.MaxSize = DefaultMaxSize
	}
	if limits.AllowedTypes == nil {
		limits.AllowedTypes = DefaultAllowedTypes()
	}
	allowed := map[string]bool{}
	for _, t := range limits.AllowedTypes {
		allowed[t] = true
	}
	s := &Service{db: db, objects: objects, jobs: jobs, maxSize: limits.MaxSize, allowed: allowed, stmts: database.NewStatements(db)}
	s.small = newBatcher(s.storeRows, gatherWindow)
	return s
}

// MaxSize is the size limit in force.
func (s *Service) MaxSize() int64 { return s.maxSize }

// Objects is the object store the service keeps bytes in (for export and
// import, which move them as they are).
func (s *Service) Objects() objectstore.Store { return s.objects }

// Document is a stored document's metadata.
type Document struct {
	ID          string    `db:"id" json:"id"`
	UserID      string    `db:"user_id" json:"user_id"`
	FolderID    *string   `db:"folder_id" json:"folder_id"`
	Filename    string    `db:"filename" json:"filename"`
	ObjectKey   string    `db:"object_key" json:"object_key"`
	ContentType string    `db:"content_type" json:"content_type"`
	SizeBytes   int64     `db:"size_bytes" json:"size_bytes"`
	SHA256      []byte    `db:"sha256" json:"-"`
	Status      string    `db:"status" json:"status"`
	CreatedAt   time.Time `db:"created_at" json:"created_at"`
	UpdatedAt   time.Time `db:"updated_at" json:"updated_at"`
	// TrashedAt is when its owner moved it to the trash; nil when it is not
	// there. A trashed document is hidden everywhere but the trash.
	TrashedAt *time.Time `db:"trashed_at" json:"trashed_at,omitempty"`
	// Purging says a purge began deleting its objects (see Purge).
	Purging bool `db:"purging" json:"-"`
}

const documentColumns = `id, COALESCE(user_id::text, '') AS user_id, folder_id, filename, object_key, content_type, size_bytes, sha256, status, created_at, updated_at, trashed_at, purging`

// QuotaError is returned, wrapping ErrOverQuota, when an upload does not fit.
type QuotaError struct {
	Need, Used, Limit int64
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("over quota: %s more would exceed the limit (%s of %s used)", human(e.Need), human(e.Used), human(e.Limit))
}

// Unwrap makes errors.Is(err, ErrOverQuota) true.
func (e *QuotaError) Unwrap() error { return ErrOverQuota }

func human(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// inTx runs fn in a transaction, committing when it returns nil.
func (s *Service) inTx(ctx context.Context, fn func(*sqlx.Tx) error) error {
	return database.InTx(ctx, s.db, fn)
}

// lockQuota locks owner's quota row and returns (used, limit).
func lockQuota(ctx context.Context, tx *sqlx.Tx, owner string) (used, limit int64, err error) {
	err = tx.QueryRowxContext(ctx, `SELECT used_bytes, limit_bytes FROM quotas WHERE user_id = $1 FOR UPDATE`, owner).Scan(&used, &limit)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, 0, fmt.Errorf("%w: no user with id %s (or it has no quota row: run `docuvault fsck --repair`)", ErrUnknownOwner, owner)
		}
		return 0, 0, err
	}
	return used, limit, nil
}

// cleanupContext is for compensation after ctx may have been cancelled
// (Ctrl-C): it keeps ctx's values, not its cancellation, and is bounded.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}
