package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/objectstore"
)

// Kinds of derived objects: what a document has besides its original, made
// from it (by the worker). At most one of each per document.
const (
	KindThumbnail     = "thumbnail"      // an image of the first page
	KindSearchablePDF = "searchable_pdf" // the PDF with OCR'd pages under an invisible text layer
)

// ErrNoDerived is returned by OpenDerived when the document has no object
// of that kind.
var ErrNoDerived = errors.New("the document has no such object")

// DerivedObject is one derived object's row.
type DerivedObject struct {
	ID          string    `db:"id" json:"id"`
	DocumentID  string    `db:"document_id" json:"document_id"`
	UserID      string    `db:"user_id" json:"user_id"` // the document's owner
	Kind        string    `db:"kind" json:"kind"`
	ObjectKey   string    `db:"object_key" json:"object_key"`
	ContentType string    `db:"content_type" json:"content_type"`
	SizeBytes   int64     `db:"size_bytes" json:"size_bytes"`
	SHA256      []byte    `db:"sha256" json:"-"`
	CreatedAt   time.Time `db:"created_at" json:"created_at"`
}

const derivedColumns = `o.id, o.document_id, COALESCE(d.user_id::text, '') AS user_id, o.kind, o.object_key,
	o.content_type, o.size_bytes, o.sha256, o.created_at`

// DerivedInput is a derived object to store.
type DerivedInput struct {
	OwnerID     string
	DocumentID  string
	Kind        string // KindThumbnail or KindSearchablePDF
	ContentType string // e.g. image/jpeg, application/pdf
	Ext         string // the key's extension, with its dot: ".jpg", ".pdf"
	Path        string // a local file holding the content
}

// StoreDerived stores a derived object of owner's document, replacing the
// one of the same kind it had: the new object is written first (under the
// document's prefix, {user_id}/{document_id}/{uuid}{ext}), then, in one
// transaction under the owner's quota lock, the old row gives way to the
// new and the quota grows by the difference in size, then the old object
// is deleted. The bytes count in quota exactly as an upload's do.
//
// When they do not fit, nothing is stored and the error wraps ErrOverQuota
// (a *QuotaError): the caller skips the object. A document that is gone (or
// still uploading) is ErrNotFound. On any error nothing of the new object
// remains and the old one is kept; a crash between the steps leaves at
// worst an object without a row, which fsck removes.
func (s *Service) StoreDerived(ctx context.Context, in DerivedInput) (DerivedObject, error) {
	if in.Kind != KindThumbnail && in.Kind != KindSearchablePDF {
		return DerivedObject{}, fmt.Errorf("unknown kind of derived object %q", in.Kind)
	}
	if _, err := uuid.Parse(in.OwnerID); err != nil {
		return DerivedObject{}, fmt.Errorf("%w: %s", ErrNotFound, in.DocumentID)
	}
	if _, err := uuid.Parse(in.DocumentID); err != nil {
		return DerivedObject{}, fmt.Errorf("%w: %s", ErrNotFound, in.DocumentID)
	}
	f, err := os.Open(in.Path)
	if err != nil {
		return DerivedObject{}, fmt.Errorf("open the %s: %w", in.Kind, err)
	}
	defer f.Close()
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return DerivedObject{}, fmt.Errorf("read the %s: %w", in.Kind, err)
	}
	if size == 0 {
		return DerivedObject{}, fmt.Errorf("the %s: %w", in.Kind, ErrEmpty)
	}
	sum := h.Sum(nil)

	// A quick look first, so that a full quota or a deleted document costs
	// no PUT; the transaction below decides.
	if err := s.derivedFits(ctx, in, size); err != nil {
		return DerivedObject{}, err
	}

	o := DerivedObject{ID: uuid.NewString(), DocumentID: in.DocumentID, UserID: in.OwnerID, Kind: in.Kind,
		ContentType: in.ContentType, SizeBytes: size, SHA256: sum}
	o.ObjectKey = fmt.Sprintf("%s/%s/%s%s", in.OwnerID, in.DocumentID, uuid.NewString(), in.Ext)
	body := io.NewSectionReader(f, 0, size)
	if size <= objectstore.PartSize {
		_, err = s.objects.PutChecked(ctx, o.ObjectKey, body, size, sum, in.ContentType)
	} else {
		_, err = s.objects.Put(ctx, o.ObjectKey, body, size, in.ContentType)
	}
	if err != nil {
		_ = s.dropObject(ctx, o.ObjectKey)
		return DerivedObject{}, fmt.Errorf("put the %s: %w", in.Kind, err)
	}

	var old *DerivedObject
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		old = nil
		used, limit, err := lockQuota(ctx, tx, in.OwnerID)
		if err != nil {
			return err
		}
		// The document, under the quota lock: Delete takes the same lock
		// first, so it cannot go while this runs.
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM documents WHERE id = $1 AND user_id = $2 AND status <> $3`,
			in.DocumentID, in.OwnerID, StatusUploading); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%w: %s", ErrNotFound, in.DocumentID)
		}
		var prev DerivedObject
		err = tx.GetContext(ctx, &prev, `DELETE FROM document_objects o USING documents d
			WHERE o.document_id = $1 AND o.kind = $2 AND d.id = o.document_id RETURNING `+derivedColumns, in.DocumentID, in.Kind)
		switch {
		case err == nil:
			old = &prev
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		grow := size
		if old != nil {
			grow -= old.SizeBytes
		}
		if grow > 0 && used+grow > limit {
			return &QuotaError{Need: grow, Used: used, Limit: limit}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE quotas SET used_bytes = used_bytes + $1 WHERE user_id = $2`, grow, in.OwnerID); err != nil {
			return err
		}
		return tx.GetContext(ctx, &o.CreatedAt, `INSERT INTO document_objects (id, document_id, kind, object_key, content_type, size_bytes, sha256)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING created_at`,
			o.ID, o.DocumentID, o.Kind, o.ObjectKey, o.ContentType, o.SizeBytes, o.SHA256)
	})
	if err != nil {
		return DerivedObject{}, errors.Join(err, s.dropObject(ctx, o.ObjectKey))
	}
	if old != nil {
		// Its row is gone: an object left behind is an orphan fsck removes.
		if err := s.dropObject(ctx, old.ObjectKey); err != nil {
			return o, fmt.Errorf("the %s is stored; the one it replaced was not deleted: %w", in.Kind, err)
		}
	}
	return o, nil
}

// derivedFits checks, without locking, that the document exists and that
// size bytes more fit in the owner's quota (less the object replaced).
func (s *Service) derivedFits(ctx context.Context, in DerivedInput, size int64) error {
	var row struct {
		Used  int64 `db:"used_bytes"`
		Limit int64 `db:"limit_bytes"`
		Old   int64 `db:"old"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT q.used_bytes, q.limit_bytes,
		COALESCE((SELECT size_bytes FROM document_objects WHERE document_id = d.id AND kind = $3), 0) AS old
		FROM documents d JOIN quotas q ON q.user_id = d.user_id
		WHERE d.id = $1 AND d.user_id = $2 AND d.status <> $4`, in.DocumentID, in.OwnerID, in.Kind, StatusUploading)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %s", ErrNotFound, in.DocumentID)
	}
	if err != nil {
		return err
	}
	if grow := size - row.Old; grow > 0 && row.Used+grow > row.Limit {
		return &QuotaError{Need: grow, Used: row.Used, Limit: row.Limit}
	}
	return nil
}

// Derived returns the derived objects of owner's document, by kind.
func (s *Service) Derived(ctx context.Context, owner, docID string) (map[string]DerivedObject, error) {
	if _, err := uuid.Parse(docID); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, docID)
	}
	var objs []DerivedObject
	err := s.db.SelectContext(ctx, &objs, `SELECT `+derivedColumns+` FROM document_objects o JOIN documents d ON d.id = o.document_id
		WHERE o.document_id = $1 AND d.user_id = $2 AND d.status <> $3`, docID, owner, StatusUploading)
	if err != nil {
		return nil, err
	}
	m := make(map[string]DerivedObject, len(objs))
	for _, o := range objs {
		m[o.Kind] = o
	}
	return m, nil
}

// OpenDerived returns a stream of the derived object of kind of owner's
// document. A document that does not exist is ErrNotFound; one without
// such an object, ErrNoDerived.
func (s *Service) OpenDerived(ctx context.Context, owner, docID, kind string) (io.ReadCloser, DerivedObject, error) {
	if _, err := s.Get(ctx, owner, docID); err != nil {
		return nil, DerivedObject{}, err
	}
	var o DerivedObject
	err := s.db.GetContext(ctx, &o, `SELECT `+derivedColumns+` FROM document_objects o JOIN documents d ON d.id = o.document_id
		WHERE o.document_id = $1 AND o.kind = $2 AND d.user_id = $3`, docID, kind, owner)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, DerivedObject{}, fmt.Errorf("%w: document %s has no %s", ErrNoDerived, docID, kind)
	}
	if err != nil {
		return nil, DerivedObject{}, err
	}
	rc, err := s.objects.Get(ctx, o.ObjectKey)
	if err != nil {
		return nil, DerivedObject{}, fmt.Errorf("open the %s of document %s: %w", kind, docID, err)
	}
	return rc, o, nil
}

// deleteDerived removes the derived objects of owner's document one at a
// time, each as Delete removes a document: in a transaction under the
// owner's quota lock its row goes and its bytes leave the quota, and the
// transaction commits only after its object is gone. A failure leaves each
// object with its row, or neither.
func (s *Service) deleteDerived(ctx context.Context, owner, docID string) error {
	var ids []string
	if err := s.db.SelectContext(ctx, &ids, `SELECT o.id FROM document_objects o JOIN documents d ON d.id = o.document_id
		WHERE o.document_id = $1 AND d.user_id IS NOT DISTINCT FROM NULLIF($2, '')::uuid`, docID, owner); err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.removeDerived(ctx, owner, id, true); err != nil {
			return err
		}
	}
	return nil
}

// removeDerived removes one derived object's row, and its bytes from the
// owner's quota; with object, its object too, before the commit.
func (s *Service) removeDerived(ctx context.Context, owner, id string, object bool) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if owner != "" {
			if _, _, err := lockQuota(ctx, tx, owner); err != nil {
				return err
			}
		}
		var key string
		var size int64
		err := tx.QueryRowxContext(ctx, `DELETE FROM document_objects WHERE id = $1 RETURNING object_key, size_bytes`, id).Scan(&key, &size)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // gone meanwhile
		}
		if err != nil {
			return err
		}
		if owner != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE quotas SET used_bytes = used_bytes - $1 WHERE user_id = $2`, size, owner); err != nil {
				return err
			}
		}
		if object {
			if err := s.objects.Delete(ctx, key); err != nil {
				return fmt.Errorf("delete object %s: %w", key, err)
			}
		}
		return nil
	})
}

// PresignDerived returns a URL that downloads the derived object of kind
// of owner's document, under filename, until ttl passes. Errors as
// OpenDerived's.
func (s *Service) PresignDerived(ctx context.Context, owner, docID, kind, filename string, ttl time.Duration) (*url.URL, error) {
	all, err := s.Derived(ctx, owner, docID)
	if err != nil {
		return nil, err
	}
	o, ok := all[kind]
	if !ok {
		if _, err := s.Get(ctx, owner, docID); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: document %s has no %s", ErrNoDerived, docID, kind)
	}
	return s.objects.PresignGet(ctx, o.ObjectKey, ttl, filename)
}
