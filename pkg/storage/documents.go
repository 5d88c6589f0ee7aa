package storage

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Get returns owner's document id. Documents still uploading, and those in
// the trash, are not found.
func (s *Service) Get(ctx context.Context, owner, id string) (Document, error) {
	var d Document
	err := s.db.GetContext(ctx, &d, `SELECT `+documentColumns+` FROM documents
		WHERE id = $1 AND user_id = $2 AND status <> $3 AND trashed_at IS NULL`, id, owner, StatusUploading)
	if errors.Is(err, sql.ErrNoRows) || isInvalidUUID(err) {
		return Document{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return d, err
}

// Open returns a stream of owner's document's bytes.
func (s *Service) Open(ctx context.Context, owner, id string) (io.ReadCloser, Document, error) {
	d, err := s.Get(ctx, owner, id)
	if err != nil {
		return nil, Document{}, err
	}
	rc, err := s.objects.Get(ctx, d.ObjectKey)
	if err != nil {
		return nil, Document{}, fmt.Errorf("open document %s: %w", id, err)
	}
	return rc, d, nil
}

// PresignGet returns a URL that downloads owner's document, under its
// filename, until ttl passes.
func (s *Service) PresignGet(ctx context.Context, owner, id string, ttl time.Duration) (*url.URL, error) {
	d, err := s.Get(ctx, owner, id)
	if err != nil {
		return nil, err
	}
	return s.objects.PresignGet(ctx, d.ObjectKey, ttl, d.Filename)
}

// Page is one page of a listing; Next is the cursor of the next page, "" at the end.
type Page struct {
	Documents []Document `json:"documents"`
	Next      string     `json:"next,omitempty"`
}

// List returns owner's documents (not those in the trash), newest first, limit at a time (1..1000);
// pass the previous page's Next as cursor to go on.
func (s *Service) List(ctx context.Context, owner string, limit int, cursor string) (Page, error) {
	if limit < 1 || limit > 1000 {
		return Page{}, fmt.Errorf("limit must be 1 to 1000, not %d", limit)
	}
	args := []any{owner, StatusUploading, limit + 1}
	where := ""
	if cursor != "" {
		at, id, err := decodeCursor(cursor)
		if err != nil {
			return Page{}, err
		}
		where = ` AND (created_at, id) < ($4, $5)`
		args = append(args, at, id)
	}
	var docs []Document
	err := s.db.SelectContext(ctx, &docs, `SELECT `+documentColumns+` FROM documents
		WHERE user_id = $1 AND status <> $2 AND trashed_at IS NULL`+where+` ORDER BY created_at DESC, id DESC LIMIT $3`, args...)
	if err != nil {
		return Page{}, err
	}
	p := Page{Documents: docs}
	if len(docs) > limit {
		p.Documents = docs[:limit]
		last := p.Documents[limit-1]
		p.Next = encodeCursor(last.CreatedAt, last.ID)
	}
	return p, nil
}

func encodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "|" + id))
}

func decodeCursor(c string) (time.Time, string, error) {
	bad := errors.New("invalid cursor: pass the `next` of the previous page")
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", bad
	}
	ts, id, ok := strings.Cut(string(raw), "|")
	if !ok {
		return time.Time{}, "", bad
	}
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil || len(id) != 36 {
		return time.Time{}, "", bad
	}
	return at, id, nil
}

// Delete removes owner's document: its objects (the original and the
// derived ones), its rows (and topics, shares) and their bytes from quota.
// Each derived object goes first, in its own transaction (see
// deleteDerived); then the document's row goes in a transaction that
// commits only after its object is gone, so a failure leaves the document
// whole, and every object it still has with its row.
func (s *Service) Delete(ctx context.Context, owner, id string) error {
	for attempt := 1; ; attempt++ {
		if err := s.deleteDerived(ctx, owner, id); err != nil {
			if isInvalidUUID(err) {
				return fmt.Errorf("%w: %s", ErrNotFound, id)
			}
			return fmt.Errorf("delete document %s: %w", id, err)
		}
		err := s.deleteOriginal(ctx, owner, id)
		if errors.Is(err, errDerivedAdded) && attempt < 3 {
			continue // the worker stored one meanwhile: remove it too
		}
		return err
	}
}

// errDerivedAdded: a derived object was stored while its document was
// being deleted.
var errDerivedAdded = errors.New("the document got a derived object while it was deleted; try again")

// deleteOriginal removes a document without derived objects (see Delete).
// It holds the owner's quota lock, which StoreDerived takes too, so none
// can be added until it commits; one added before is errDerivedAdded.
func (s *Service) deleteOriginal(ctx context.Context, owner, id string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, _, err := lockQuota(ctx, tx, owner); err != nil {
			return err
		}
		var derived bool
		err := tx.GetContext(ctx, &derived, `SELECT EXISTS (SELECT 1 FROM document_objects o JOIN documents d ON d.id = o.document_id
			WHERE o.document_id = $1 AND d.user_id = $2)`, id, owner)
		if isInvalidUUID(err) {
			return fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		if derived {
			return errDerivedAdded
		}
		var key string
		var size int64
		err = tx.QueryRowxContext(ctx, `DELETE FROM documents WHERE id = $1 AND user_id = $2 AND status <> $3
			RETURNING object_key, size_bytes`, id, owner, StatusUploading).Scan(&key, &size)
		if errors.Is(err, sql.ErrNoRows) || isInvalidUUID(err) {
			return fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE quotas SET used_bytes = used_bytes - $1 WHERE user_id = $2`, size, owner); err != nil {
			return err
		}
		if err := s.objects.Delete(ctx, key); err != nil {
			return fmt.Errorf("delete document %s: %w", id, err)
		}
		return nil
	})
}

// isInvalidUUID reports PostgreSQL's invalid_text_representation, which a
// malformed id gives: for the caller it is simply not found.
func isInvalidUUID(err error) bool {
	return err != nil && strings.Contains(err.Error(), "invalid input syntax for type uuid")
}

// DropUpload removes owner's upload id that is still 'uploading' (in
// flight, or stale): its object first, then its row and reservation, as a
// failed upload undoes itself. The upload, if it is still sending, then
// finds its row gone and removes what it stored (see commitSimple and
// discard). A row that is not an upload of owner's is ErrNotFound.
func (s *Service) DropUpload(ctx context.Context, owner, id string) error {
	var key string
	err := s.db.GetContext(ctx, &key, `SELECT object_key FROM documents WHERE id = $1 AND user_id = $2 AND status = $3`, id, owner, StatusUploading)
	if errors.Is(err, sql.ErrNoRows) || isInvalidUUID(err) {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return err
	}
	return s.discard(ctx, owner, id, key, true, nil)
}
