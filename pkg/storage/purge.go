package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/objectstore"
)

// Purge deletes owner's document for good, in the trash or not: every
// object it has (the original, its older versions, its derived objects,
// and anything else under its prefix {user_id}/{document_id}/), then its
// row (its topics, shares, versions' and derived objects' rows go with
// it) and all their bytes from quota. It returns the document as it was.
//
// It is safe to stop at any point. It first marks the row purging, in its
// own transaction; from then on fsck does not take the row's missing
// objects for a problem, and the trash's purge (or Purge again) finishes
// the job. The objects are then deleted and the row removed in one
// transaction under the owner's quota lock — the lock StoreDerived and new
// versions take — so nothing can be added to the document meanwhile, and
// the row goes only once every object is gone: a row may outlive its
// objects (marked purging), an object never outlives its row.
//
// A document that does not exist (or is still uploading) is ErrNotFound.
func (s *Service) Purge(ctx context.Context, owner, id string) (Document, error) {
	var d Document
	err := s.db.GetContext(ctx, &d, `UPDATE documents SET purging = true
		WHERE id = $1 AND user_id = $2 AND status <> $3 RETURNING `+documentColumns, id, owner, StatusUploading)
	if errors.Is(err, sql.ErrNoRows) || isInvalidUUID(err) {
		return Document{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return Document{}, fmt.Errorf("purge document %s: %w", id, err)
	}
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, _, err := lockQuota(ctx, tx, owner); err != nil {
			return err
		}
		var keys []string
		if err := tx.SelectContext(ctx, &keys, `SELECT object_key FROM documents WHERE id = $1
			UNION SELECT object_key FROM document_objects WHERE document_id = $1
			UNION SELECT object_key FROM document_versions WHERE document_id = $1`, id); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, k := range keys {
			seen[k] = true
		}
		// Anything else under the document's prefix (an object whose row
		// a crash lost) goes too: no other document's keys start with it.
		if err := s.objects.List(ctx, owner+"/"+id+"/", func(i objectstore.Info) error {
			if !seen[i.Key] {
				seen[i.Key] = true
				keys = append(keys, i.Key)
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range keys {
			if err := s.objects.Delete(ctx, k); err != nil {
				return err
			}
		}
		var size int64
		err := tx.QueryRowxContext(ctx, `SELECT (SELECT COALESCE(sum(size_bytes), 0) FROM documents WHERE id = $1)
				+ (SELECT COALESCE(sum(size_bytes), 0) FROM document_objects WHERE document_id = $1)
				+ (SELECT COALESCE(sum(size_bytes), 0) FROM document_versions WHERE document_id = $1)`, id).Scan(&size)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM documents WHERE id = $1 AND user_id = $2`, id, owner); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE quotas SET used_bytes = used_bytes - $1 WHERE user_id = $2`, size, owner)
		return err
	})
	if err != nil {
		return Document{}, fmt.Errorf("purge document %s: %w", id, err)
	}
	return d, nil
}
