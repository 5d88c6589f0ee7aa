package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/objectstore"
)

// Version is an older content of a document: its own object under the
// document's prefix, counted in quota like the current content (which is
// the documents row itself).
type Version struct {
	ID          string    `db:"id" json:"id"`
	DocumentID  string    `db:"document_id" json:"document_id"`
	UserID      string    `db:"user_id" json:"-"` // the document's owner
	Number      int       `db:"number" json:"number"`
	ObjectKey   string    `db:"object_key" json:"-"`
	SizeBytes   int64     `db:"size_bytes" json:"size_bytes"`
	SHA256      []byte    `db:"sha256" json:"-"`
	ContentType string    `db:"content_type" json:"content_type"`
	Filename    string    `db:"filename" json:"filename"`
	CreatedAt   time.Time `db:"created_at" json:"created_at"` // when it stopped being the current content
	CreatedBy   *string   `db:"created_by" json:"created_by"` // who replaced it (nil: the CLI, or a deleted account)
}

const versionColumns = `v.id, v.document_id, COALESCE(d.user_id::text, '') AS user_id, v.number, v.object_key, v.size_bytes,
	v.sha256, v.content_type, v.filename, v.created_at, v.created_by`

// Sentinel errors of versions; test with errors.Is.
var (
	// ErrNoVersion: the document has no version of that number.
	ErrNoVersion = errors.New("no such version")
	// ErrSameContent: the new version's content is the current one's.
	ErrSameContent = errors.New("the new version has the same content as the current one")
)

// VersionInput is a new content for a document.
type VersionInput struct {
	OwnerID    string
	DocumentID string
	Filename   string      // as the user gave it; sanitised for storage
	Body       io.ReaderAt // the content (a file, or serve's spooled copy)
	Size       int64       // its exact length
	ActorID    string      // the account replacing it, or "" (CLI)
}

// NewVersion makes in's content the current content of owner's document:
// the document keeps its id, topics, folder, shares and history, its old
// content becomes its newest Version, its derived objects (made from the
// old content) go, and it is queued for extraction and classification
// again. The content is checked as an upload's (size limit, allow-list by
// sniffed type); its bytes count in quota like every version's.
//
// Quota is exact: a quick look refuses what does not fit before any byte
// is sent (a *QuotaError wrapping ErrOverQuota, with the figures); the
// object is then written, under a fresh key in the document's prefix, and
// one transaction under the owner's quota lock decides — the same check
// again, the version row, the document row, the quota — or the object is
// deleted. A crash between the two leaves at worst an object without a
// row, which fsck removes. A document in the trash, or not owner's, is
// ErrNotFound.
func (s *Service) NewVersion(ctx context.Context, in VersionInput) (Document, Version, error) {
	if _, err := uuid.Parse(in.DocumentID); err != nil {
		return Document{}, Version{}, fmt.Errorf("%w: %s", ErrNotFound, in.DocumentID)
	}
	cur, err := s.Get(ctx, in.OwnerID, in.DocumentID)
	if err != nil {
		return Document{}, Version{}, err
	}
	filename := SanitizeFilename(in.Filename)
	if in.Size <= 0 {
		return Document{}, Version{}, ErrEmpty
	}
	if in.Size > s.maxSize {
		return Document{}, Version{}, fmt.Errorf("%w: %s is over the %s limit (DOCUVAULT_MAX_UPLOAD_SIZE)", ErrTooLarge, human(in.Size), human(s.maxSize))
	}
	head := make([]byte, min(int64(SniffLen), in.Size))
	if _, err := in.Body.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return Document{}, Version{}, fmt.Errorf("read %s: %w", filename, err)
	}
	contentType, ext := Sniff(head, filename)
	if !s.allowed[contentType] {
		return Document{}, Version{}, &TypeNotAllowedError{ContentType: contentType}
	}
	h := sha256.New()
	n, err := io.Copy(h, io.NewSectionReader(in.Body, 0, in.Size))
	if err != nil {
		return Document{}, Version{}, fmt.Errorf("read %s: %w", filename, err)
	}
	if n != in.Size {
		return Document{}, Version{}, ErrSizeMismatch
	}
	sum := h.Sum(nil)
	if string(sum) == string(cur.SHA256) {
		return Document{}, Version{}, ErrSameContent
	}
	if used, limit, err := s.quotaNow(ctx, in.OwnerID); err != nil {
		return Document{}, Version{}, err
	} else if used+in.Size > limit {
		return Document{}, Version{}, &QuotaError{Need: in.Size, Used: used, Limit: limit}
	}

	key := fmt.Sprintf("%s/%s/%s%s", in.OwnerID, in.DocumentID, uuid.NewString(), ext)
	body := io.NewSectionReader(in.Body, 0, in.Size)
	if in.Size <= objectstore.PartSize {
		_, err = s.objects.PutChecked(ctx, key, body, in.Size, sum, contentType)
	} else {
		_, err = s.objects.Put(ctx, key, body, in.Size, contentType)
	}
	if err != nil {
		_ = s.dropObject(ctx, key)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return Document{}, Version{}, ctxErr
		}
		return Document{}, Version{}, fmt.Errorf("put the new version: %w", err)
	}

	var d Document
	var v Version
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		used, limit, err := lockQuota(ctx, tx, in.OwnerID)
		if err != nil {
			return err
		}
		if used+in.Size > limit {
			return &QuotaError{Need: in.Size, Used: used, Limit: limit}
		}
		old, err := lockCurrent(ctx, tx, in.OwnerID, in.DocumentID)
		if err != nil {
			return err
		}
		if v, err = keepAsVersion(ctx, tx, old, in.ActorID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE quotas SET used_bytes = used_bytes + $1 WHERE user_id = $2`, in.Size, in.OwnerID); err != nil {
			return err
		}
		d, err = makeCurrent(ctx, tx, in.DocumentID, key, filename, contentType, in.Size, sum)
		return err
	})
	if err != nil {
		return Document{}, Version{}, errors.Join(err, s.dropObject(ctx, key))
	}
	return d, v, s.followCurrent(ctx, in.OwnerID, in.DocumentID)
}

// quotaNow reads owner's quota without locking it.
func (s *Service) quotaNow(ctx context.Context, owner string) (used, limit int64, err error) {
	err = s.db.QueryRowxContext(ctx, `SELECT used_bytes, limit_bytes FROM quotas WHERE user_id = $1`, owner).Scan(&used, &limit)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, fmt.Errorf("%w: %s", ErrUnknownOwner, owner)
	}
	return used, limit, err
}

// lockCurrent locks owner's document row (outside the trash) and returns it.
func lockCurrent(ctx context.Context, tx *sqlx.Tx, owner, id string) (Document, error) {
	var d Document
	err := tx.GetContext(ctx, &d, `SELECT `+documentColumns+` FROM documents
		WHERE id = $1 AND user_id = $2 AND status <> $3 AND trashed_at IS NULL AND NOT purging FOR UPDATE`, id, owner, StatusUploading)
	if errors.Is(err, sql.ErrNoRows) || isInvalidUUID(err) {
		return Document{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return d, err
}

// keepAsVersion records d's current content as its newest version.
func keepAsVersion(ctx context.Context, tx *sqlx.Tx, d Document, actor string) (Version, error) {
	var v Version
	var by any
	if actor != "" {
		by = actor
	}
	err := tx.GetContext(ctx, &v, `WITH v AS (
			INSERT INTO document_versions (document_id, number, object_key, size_bytes, sha256, content_type, filename, created_by)
			SELECT $1, COALESCE((SELECT max(number) FROM document_versions WHERE document_id = $1), 0) + 1, $2, $3, $4, $5, $6, $7
			RETURNING *)
		SELECT `+versionColumns+` FROM v JOIN documents d ON d.id = v.document_id`,
		d.ID, d.ObjectKey, d.SizeBytes, d.SHA256, d.ContentType, d.Filename, by)
	if err != nil {
		return Version{}, fmt.Errorf("keep the current content as a version: %w", err)
	}
	return v, nil
}

// makeCurrent points document id at a content and puts it back to pending.
func makeCurrent(ctx context.Context, tx *sqlx.Tx, id, key, filename, contentType string, size int64, sum []byte) (Document, error) {
	var d Document
	err := tx.GetContext(ctx, &d, `UPDATE documents SET object_key = $2, filename = $3, content_type = $4, size_bytes = $5, sha256 = $6,
			status = 'pending', failure_reason = NULL, updated_at = now()
		WHERE id = $1 RETURNING `+documentColumns, id, key, filename, contentType, size, sum)
	return d, err
}

// followCurrent makes the document's text, thumbnail and classification
// follow its new current content: the derived objects of the old one go
// (each object before its row), and it is queued for extraction.
func (s *Service) followCurrent(ctx context.Context, owner, id string) error {
	if err := s.deleteDerived(ctx, owner, id); err != nil {
		return fmt.Errorf("the new content is current; its old thumbnail is not yet removed: %w", err)
	}
	if s.jobs != nil {
		// Not queued (Redis down): it is pending, the sweeper queues it.
		_ = s.jobs.EnqueueExtract(ctx, id)
	}
	return nil
}

// Versions returns the older versions of owner's document, newest first.
func (s *Service) Versions(ctx context.Context, owner, id string) ([]Version, error) {
	if _, err := s.Get(ctx, owner, id); err != nil {
		return nil, err
	}
	vs := []Version{}
	err := s.db.SelectContext(ctx, &vs, `SELECT `+versionColumns+` FROM document_versions v JOIN documents d ON d.id = v.document_id
		WHERE v.document_id = $1 AND d.user_id = $2 ORDER BY v.number DESC`, id, owner)
	return vs, err
}

// GetVersion returns version number of owner's document.
func (s *Service) GetVersion(ctx context.Context, owner, id string, number int) (Version, error) {
	if _, err := s.Get(ctx, owner, id); err != nil {
		return Version{}, err
	}
	var v Version
	err := s.db.GetContext(ctx, &v, `SELECT `+versionColumns+` FROM document_versions v JOIN documents d ON d.id = v.document_id
		WHERE v.document_id = $1 AND d.user_id = $2 AND v.number = $3`, id, owner, number)
	if errors.Is(err, sql.ErrNoRows) {
		return Version{}, fmt.Errorf("%w: %d of document %s", ErrNoVersion, number, id)
	}
	return v, err
}

// OpenVersion returns a stream of version number's bytes.
func (s *Service) OpenVersion(ctx context.Context, owner, id string, number int) (io.ReadCloser, Version, error) {
	v, err := s.GetVersion(ctx, owner, id, number)
	if err != nil {
		return nil, Version{}, err
	}
	rc, err := s.objects.Get(ctx, v.ObjectKey)
	if err != nil {
		return nil, Version{}, fmt.Errorf("open version %d of %s: %w", number, id, err)
	}
	return rc, v, nil
}

// RestoreVersion makes version number the current content again and keeps
// the current one as the newest version: no bytes are copied, so quota
// does not change. Text, thumbnail and classification follow (see
// NewVersion). It returns the document and the version the replaced
// content became.
func (s *Service) RestoreVersion(ctx context.Context, owner, id string, number int, actor string) (Document, Version, error) {
	var d Document
	var kept Version
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, _, err := lockQuota(ctx, tx, owner); err != nil {
			return err
		}
		cur, err := lockCurrent(ctx, tx, owner, id)
		if err != nil {
			return err
		}
		// The current content first, numbered after every version so far.
		if kept, err = keepAsVersion(ctx, tx, cur, actor); err != nil {
			return err
		}
		var v Version
		err = tx.GetContext(ctx, &v, `DELETE FROM document_versions v USING documents d
			WHERE v.document_id = $1 AND v.number = $2 AND d.id = v.document_id RETURNING `+versionColumns, id, number)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %d of document %s", ErrNoVersion, number, id)
		}
		if err != nil {
			return err
		}
		d, err = makeCurrent(ctx, tx, id, v.ObjectKey, v.Filename, v.ContentType, v.SizeBytes, v.SHA256)
		return err
	})
	if err != nil {
		return Document{}, Version{}, err
	}
	return d, kept, s.followCurrent(ctx, owner, id)
}

// DeleteVersion deletes version number of owner's document (never the
// current content): in one transaction under the owner's quota lock, its
// row and its bytes in quota go, then its object; the transaction commits
// only once the object is gone.
func (s *Service) DeleteVersion(ctx context.Context, owner, id string, number int) (Version, error) {
	var v Version
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, _, err := lockQuota(ctx, tx, owner); err != nil {
			return err
		}
		if _, err := lockCurrent(ctx, tx, owner, id); err != nil {
			return err
		}
		err := tx.GetContext(ctx, &v, `DELETE FROM document_versions v USING documents d
			WHERE v.document_id = $1 AND v.number = $2 AND d.id = v.document_id RETURNING `+versionColumns, id, number)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %d of document %s", ErrNoVersion, number, id)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE quotas SET used_bytes = used_bytes - $1 WHERE user_id = $2`, v.SizeBytes, owner); err != nil {
			return err
		}
		return s.objects.Delete(ctx, v.ObjectKey)
	})
	if err != nil {
		return Version{}, err
	}
	return v, nil
}
