package trash

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/storage"
)

// DefaultDays is how long a document stays in the trash by default
// (DOCUVAULT_TRASH_DAYS).
const DefaultDays = 30

// Sentinel errors; test with errors.Is.
var (
	// ErrNotFound: no such document of the owner's (or not a UUID), or,
	// for Restore and Delete, not in the trash.
	ErrNotFound = errors.New("no such document in the trash")
	// ErrNoDocument: Move was given an id that is not one of the owner's
	// documents outside the trash.
	ErrNoDocument = errors.New("no such document")
	// ErrAmbiguous: an id prefix names several documents in the trash.
	ErrAmbiguous = errors.New("ambiguous document id")
)

// NoDocumentError is Move's refusal: IDs are not owner's documents
// outside the trash. It wraps ErrNoDocument.
type NoDocumentError struct{ IDs []string }

func (e *NoDocumentError) Error() string {
	return fmt.Sprintf("%v: %s", ErrNoDocument, strings.Join(e.IDs, ", "))
}

// Unwrap makes errors.Is(err, ErrNoDocument) true.
func (e *NoDocumentError) Unwrap() error { return ErrNoDocument }

// WorkerActor is the audit ActorLabel of the periodic purge.
const WorkerActor = "worker:trash-purge"

// Item is a document in the trash.
type Item struct {
	ID          string    `db:"id" json:"id"`
	UserID      string    `db:"user_id" json:"-"`
	Filename    string    `db:"filename" json:"filename"`
	ContentType string    `db:"content_type" json:"content_type"`
	SizeBytes   int64     `db:"size_bytes" json:"size_bytes"`
	CreatedAt   time.Time `db:"created_at" json:"created_at"`
	TrashedAt   time.Time `db:"trashed_at" json:"trashed_at"`
	// PurgeAt is when the periodic purge deletes it for good.
	PurgeAt time.Time `db:"-" json:"purge_at"`
	// VersionBytes are its older versions' bytes (also in quota).
	VersionBytes int64 `db:"version_bytes" json:"version_bytes"`
}

const itemColumns = `d.id, d.user_id, d.filename, d.content_type, d.size_bytes, d.created_at, d.trashed_at,
	COALESCE((SELECT sum(v.size_bytes) FROM document_versions v WHERE v.document_id = d.id), 0)::bigint AS version_bytes`

// Service is the trash of every owner: db for the rows, store to delete
// for good, Days the time a document stays (<= 0 means DefaultDays).
type Service struct {
	DB    *sqlx.DB
	Store *storage.Service
	Days  int
}

// DaysKept is how many days a document stays in the trash.
func (s *Service) DaysKept() int { return s.days() }

func (s *Service) days() int {
	if s.Days <= 0 {
		return DefaultDays
	}
	return s.Days
}

func (s *Service) withPurgeAt(items []Item) []Item {
	for i := range items {
		items[i].PurgeAt = items[i].TrashedAt.Add(time.Duration(s.days()) * 24 * time.Hour)
	}
	return items
}

// Move moves owner's documents ids to the trash in tx, all or none: an id
// that is not one of owner's documents outside the trash (or still
// uploading) is ErrNoDocument and moves nothing — the caller rolls tx back.
// It returns the documents moved, in the order of ids. It records no audit
// event: the caller records one audit.Trash event per document (see
// Event), in tx, so that they commit with the move. Bulk actions call it.
func Move(ctx context.Context, tx *sqlx.Tx, owner string, ids []string) ([]Item, error) {
	want := map[string]bool{}
	for _, id := range ids {
		u, err := uuid.Parse(id)
		if err != nil {
			return nil, &NoDocumentError{IDs: []string{id}}
		}
		want[u.String()] = true
	}
	if len(want) == 0 {
		return []Item{}, nil
	}
	keys := make([]string, 0, len(want))
	for id := range want {
		keys = append(keys, id)
	}
	var moved []Item
	err := tx.SelectContext(ctx, &moved, `UPDATE documents d SET trashed_at = now()
		WHERE d.id = ANY($1) AND d.user_id = $2 AND d.status <> $3 AND d.trashed_at IS NULL
		RETURNING `+itemColumns, pq.Array(keys), owner, storage.StatusUploading)
	if err != nil {
		return nil, fmt.Errorf("move to the trash: %w", err)
	}
	if len(moved) != len(want) {
		got := map[string]bool{}
		for _, m := range moved {
			got[m.ID] = true
		}
		var missing []string
		for _, id := range ids {
			if u, _ := uuid.Parse(id); !got[u.String()] {
				missing = append(missing, id)
			}
		}
		return nil, &NoDocumentError{IDs: missing}
	}
	byID := map[string]Item{}
	for _, m := range moved {
		byID[m.ID] = m
	}
	out := make([]Item, 0, len(moved))
	seen := map[string]bool{}
	for _, id := range ids {
		u, _ := uuid.Parse(id)
		if !seen[u.String()] {
			seen[u.String()] = true
			out = append(out, byID[u.String()])
		}
	}
	return out, nil
}

// Event is the audit event of item moved to the trash by actor (whose
// ActorID or ActorLabel and IP are kept).
func Event(actor audit.Event, item Item) audit.Event {
	e := actor
	e.UserID, e.Type, e.ResourceID = item.UserID, audit.Trash, item.ID
	e.Metadata = map[string]any{"filename": item.Filename, "size_bytes": item.SizeBytes}
	return e
}

// Trash moves owner's documents ids to the trash and records an
// audit.Trash event for each, in one transaction. See Move.
func (s *Service) Trash(ctx context.Context, owner string, ids []string, actor audit.Event) ([]Item, error) {
	var out []Item
	err := database.InTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		var err error
		if out, err = Move(ctx, tx, owner, ids); err != nil {
			return err
		}
		for _, it := range out {
			if err := audit.Record(ctx, tx, Event(actor, it)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.withPurgeAt(out), nil
}

// List returns owner's trash, most recently trashed first.
func (s *Service) List(ctx context.Context, owner string) ([]Item, error) {
	items := []Item{}
	err := s.DB.SelectContext(ctx, &items, `SELECT `+itemColumns+` FROM documents d
		WHERE d.user_id = $1 AND d.trashed_at IS NOT NULL AND NOT d.purging
		ORDER BY d.trashed_at DESC, d.id`, owner)
	if err != nil {
		return nil, fmt.Errorf("list the trash: %w", err)
	}
	return s.withPurgeAt(items), nil
}

// Restore takes owner's document id out of the trash, with its topics,
// folder and shares as they were, and records an audit.Restore event.
// ErrNotFound when it is not in owner's trash (or a purge has begun).
func (s *Service) Restore(ctx context.Context, owner, id string, actor audit.Event) (Item, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Item{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	var it Item
	err := database.InTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &it, `SELECT `+itemColumns+` FROM documents d
			WHERE d.id = $1 AND d.user_id = $2 AND d.trashed_at IS NOT NULL AND NOT d.purging FOR UPDATE`, id, owner)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET trashed_at = NULL, updated_at = now() WHERE id = $1`, id); err != nil {
			return err
		}
		e := actor
		e.UserID, e.Type, e.ResourceID = owner, audit.Restore, id
		e.Metadata = map[string]any{"filename": it.Filename}
		return audit.Record(ctx, tx, e)
	})
	if err != nil {
		return Item{}, fmt.Errorf("restore %s: %w", id, err)
	}
	return it, nil
}

// Delete deletes owner's document id, which must be in the trash, for
// good (storage.Purge) and records an audit.Delete event.
func (s *Service) Delete(ctx context.Context, owner, id string, actor audit.Event) (Item, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Item{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	var it Item
	err := s.DB.GetContext(ctx, &it, `SELECT `+itemColumns+` FROM documents d
		WHERE d.id = $1 AND d.user_id = $2 AND d.trashed_at IS NOT NULL`, id, owner)
	if errors.Is(err, sql.ErrNoRows) {
		return Item{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return Item{}, fmt.Errorf("delete %s: %w", id, err)
	}
	if _, err := s.Store.Purge(ctx, owner, id); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return Item{}, fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		return Item{}, err
	}
	e := actor
	e.UserID, e.Type, e.ResourceID = owner, audit.Delete, id
	e.Metadata = map[string]any{"resource": "document", "filename": it.Filename, "size_bytes": it.SizeBytes, "from": "trash"}
	s.record(ctx, e)
	return it, nil
}

// Empty deletes everything in owner's trash for good and records one
// audit.TrashEmpty event (with the count and bytes freed). It returns what
// was deleted; on an error, what was deleted before it.
func (s *Service) Empty(ctx context.Context, owner string, actor audit.Event) ([]Item, error) {
	var items []Item
	err := s.DB.SelectContext(ctx, &items, `SELECT `+itemColumns+` FROM documents d
		WHERE d.user_id = $1 AND d.trashed_at IS NOT NULL ORDER BY d.trashed_at, d.id`, owner)
	if err != nil {
		return nil, fmt.Errorf("empty the trash: %w", err)
	}
	done := []Item{}
	var freed int64
	var errs []error
	for _, it := range items {
		if _, err := s.Store.Purge(ctx, owner, it.ID); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				continue // purged meanwhile
			}
			errs = append(errs, err)
			break
		}
		done = append(done, it)
		freed += it.SizeBytes + it.VersionBytes
	}
	if len(done) > 0 {
		e := actor
		e.UserID, e.Type, e.ResourceID = owner, audit.TrashEmpty, ""
		e.Metadata = map[string]any{"documents": len(done), "bytes_freed": freed}
		s.record(ctx, e)
	}
	if len(errs) > 0 {
		return done, fmt.Errorf("empty the trash: %w", errors.Join(errs...))
	}
	return done, nil
}

// PurgeResult is what PurgeExpired did.
type PurgeResult struct {
	Purged     int   `json:"purged"`
	BytesFreed int64 `json:"bytes_freed"`
}

// PurgeExpired deletes for good every document (of any owner) that has
// been in the trash for longer than Days, and finishes purges that were
// stopped; an audit.Purge event for each. It goes on after a document
// fails and returns the failures joined; running it again is always safe.
func (s *Service) PurgeExpired(ctx context.Context) (PurgeResult, error) {
	var items []Item
	err := s.DB.SelectContext(ctx, &items, `SELECT `+itemColumns+` FROM documents d
		WHERE d.purging OR (d.trashed_at IS NOT NULL AND d.trashed_at < now() - make_interval(days => $1))
		ORDER BY d.trashed_at NULLS FIRST, d.id LIMIT 10000`, s.days())
	if err != nil {
		return PurgeResult{}, fmt.Errorf("purge the trash: %w", err)
	}
	var res PurgeResult
	var errs []error
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if _, err := s.Store.Purge(ctx, it.UserID, it.ID); err != nil {
			if !errors.Is(err, storage.ErrNotFound) {
				errs = append(errs, err)
			}
			continue
		}
		res.Purged++
		res.BytesFreed += it.SizeBytes + it.VersionBytes
		s.record(ctx, audit.Event{UserID: it.UserID, ActorLabel: WorkerActor, Type: audit.Purge, ResourceID: it.ID,
			Metadata: map[string]any{"filename": it.Filename, "size_bytes": it.SizeBytes, "days": s.days()}})
	}
	return res, errors.Join(errs...)
}

// record writes e; a document deleted for good is gone whether or not the
// audit log could say so, so a failure here is not the caller's error.
func (s *Service) record(ctx context.Context, e audit.Event) {
	_ = audit.Record(context.WithoutCancel(ctx), s.DB, e)
}

// ResolveID turns what a person typed for a document in owner's trash —
// its whole id or a unique start of it (catalog.MinPrefix characters or
// more) — into its id: ErrNotFound when none is in the trash, an error
// naming two when several are.
func ResolveID(ctx context.Context, db *sqlx.DB, owner, typed string) (string, error) {
	typed = strings.ToLower(strings.TrimSpace(typed))
	if len(typed) < 4 || len(typed) > 36 || strings.Trim(typed, "0123456789abcdef-") != "" {
		return "", fmt.Errorf("%w: %q (give the id or at least its first 4 characters; see `docuvault trash list`)", ErrNotFound, typed)
	}
	var ids []string
	if err := db.SelectContext(ctx, &ids, `SELECT id::text FROM documents
		WHERE user_id = $1 AND trashed_at IS NOT NULL AND NOT purging AND starts_with(id::text, $2) ORDER BY id LIMIT 2`, owner, typed); err != nil {
		return "", fmt.Errorf("find %s in the trash: %w", typed, err)
	}
	switch len(ids) {
	case 0:
		return "", fmt.Errorf("%w: %s", ErrNotFound, typed)
	case 1:
		return ids[0], nil
	default:
		return "", fmt.Errorf("%w: %s is the start of %s, %s and maybe more: give more of it", ErrAmbiguous, typed, ids[0], ids[1])
	}
}
