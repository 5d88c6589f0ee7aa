package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/storage"
)

// ErrNoFolder is returned by Update for a folder that is not the
// document owner's; it wraps ErrInvalid.
var ErrNoFolder = fmt.Errorf("%w: folder_id is not one of the owner's folders", ErrInvalid)

// Change is a metadata change to a document; nil fields stay as they are.
type Change struct {
	Filename *string
	// FolderID moves the document: a non-nil pointer to nil moves it out of
	// every folder.
	FolderID **string
}

// Update applies c to owner's document id. The filename is made safe as
// storage keeps filenames; the folder must be owner's (ErrNoFolder).
func Update(ctx context.Context, db *sqlx.DB, owner, id string, c Change) error {
	if _, err := uuid.Parse(id); err != nil {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	var name *string
	if c.Filename != nil {
		if *c.Filename == "" {
			return invalid("filename must not be empty")
		}
		n := storage.SanitizeFilename(*c.Filename)
		name = &n
	}
	move := c.FolderID != nil
	var folder *string
	if move {
		folder = *c.FolderID
		if folder != nil {
			if _, err := uuid.Parse(*folder); err != nil {
				return ErrNoFolder
			}
		}
	}
	return database.InTx(ctx, db, func(tx *sqlx.Tx) error {
		if folder != nil {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM folders WHERE id = $1 AND user_id = $2 FOR SHARE`, *folder, owner).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNoFolder
			}
			if err != nil {
				return fmt.Errorf("find folder: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE documents SET
				filename = COALESCE($3, filename),
				folder_id = CASE WHEN $4 THEN $5::uuid ELSE folder_id END,
				updated_at = now()
			WHERE id = $1 AND user_id = $2 AND status <> 'uploading' AND trashed_at IS NULL`, id, owner, name, move, folder)
		if err != nil {
			return fmt.Errorf("update document: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		return nil
	})
}

// MarkPending puts owner's document id back to 'pending' (clearing its
// failure reason) so that the worker extracts and classifies it again; the
// caller enqueues it. A document being processed is ErrBusy.
func MarkPending(ctx context.Context, db *sqlx.DB, owner, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	var status string
	err := db.QueryRowContext(ctx, `WITH old AS (
			SELECT id, status FROM documents WHERE id = $1 AND user_id = $2 AND status <> 'uploading' AND trashed_at IS NULL FOR UPDATE)
		UPDATE documents d SET status = CASE WHEN old.status = 'processing' THEN d.status ELSE 'pending' END,
			failure_reason = CASE WHEN old.status = 'processing' THEN d.failure_reason ELSE NULL END,
			updated_at = now()
		FROM old WHERE d.id = old.id RETURNING old.status`, id, owner).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return fmt.Errorf("mark pending: %w", err)
	}
	if status == storage.StatusProcessing {
		return ErrBusy
	}
	return nil
}
