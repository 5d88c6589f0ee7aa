package accounts

import (
	"context"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/auth"
	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/users"
)

// Deleted is what Delete removed.
type Deleted struct {
	User      users.User `json:"user"`
	Documents int        `json:"documents"`
	Uploads   int        `json:"uploads_dropped"`
}

// deleteRounds bounds the passes over an account's documents: uploads that
// were in flight when the account was disabled may add one after a pass.
const deleteRounds = 5

// Delete removes the account userID with everything it owns, in an order
// that never leaves an object without its row or a row without its object:
//
//  1. The account is disabled and every session ends (one transaction;
//     the last active administrator is refused with ErrLastAdmin): no new
//     upload starts, and the person is signed out everywhere.
//  2. Each document goes as the trash's delete for good does (storage.Purge: its
//     objects, every version's too, then its rows and quota); an upload still 'uploading' goes
//     as a failed upload does (storage.DropUpload: object, then row). An
//     upload in flight then finds its row gone and removes its own object.
//  3. With the account's row locked (no document can be added for it
//     meanwhile) and no document left, the account's row goes: quota,
//     shares, topics, folders, saved views, API tokens, sessions and
//     reset links go with it (ON DELETE CASCADE); audit events stay,
//     without the account.
//
// Each step can be run again: a Delete stopped anywhere (killed, a
// service down) is finished by calling it again for the same account.
// s may be nil (the CLI).
func Delete(ctx context.Context, db *sqlx.DB, store *storage.Service, s Sessions, userID string) (Deleted, error) {
	u, err := users.Get(ctx, db, userID)
	if err != nil {
		return Deleted{}, err
	}
	out := Deleted{User: u}
	err = database.InTx(ctx, db, func(tx *sqlx.Tx) error {
		var admins []string
		// Lock every administrator's row: two deletions (or a deletion
		// and a demotion) at once cannot both take the last but one.
		if err := tx.SelectContext(ctx, &admins, `SELECT id FROM users WHERE role = $1 AND is_active AND id <> $2 ORDER BY id FOR UPDATE`,
			auth.RoleAdmin, userID); err != nil {
			return err
		}
		if u.Role == auth.RoleAdmin && len(admins) == 0 {
			return ErrLastAdmin
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET is_active = false WHERE id = $1`, userID); err != nil {
			return err
		}
		return auth.RevokeAllTx(ctx, tx, userID)
	})
	forget(s, userID)
	if err != nil {
		return out, fmt.Errorf("delete %s: %w", u.Handle, err)
	}

	for round := 0; ; round++ {
		var docs []struct {
			ID     string `db:"id"`
			Status string `db:"status"`
		}
		if err := db.SelectContext(ctx, &docs, `SELECT id, status FROM documents WHERE user_id = $1 ORDER BY created_at, id`, userID); err != nil {
			return out, fmt.Errorf("list the documents of %s: %w", u.Handle, err)
		}
		for _, d := range docs {
			var err error
			if d.Status == storage.StatusUploading {
				if err = store.DropUpload(ctx, userID, d.ID); err == nil {
					out.Uploads++
				}
			} else if _, err = store.Purge(ctx, userID, d.ID); err == nil {
				out.Documents++
			}
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				return out, fmt.Errorf("delete the documents of %s (run the deletion again to go on): %w", u.Handle, err)
			}
		}
		gone, err := deleteRow(ctx, db, userID)
		if err != nil {
			return out, fmt.Errorf("delete %s (run the deletion again to go on): %w", u.Handle, err)
		}
		if gone {
			return out, nil
		}
		if round+1 >= deleteRounds {
			return out, fmt.Errorf("delete %s: documents kept arriving for the account (uploads in flight); run the deletion again", u.Handle)
		}
	}
}

// deleteRow deletes the account's row when it owns no document, and
// reports whether it did. The row is locked first: an upload's insert
// (which needs the row, by its foreign key) waits for this transaction and
// then fails, so no document can appear between the check and the delete.
func deleteRow(ctx context.Context, db *sqlx.DB, userID string) (bool, error) {
	var gone bool
	err := database.InTx(ctx, db, func(tx *sqlx.Tx) error {
		var id string
		if err := tx.GetContext(ctx, &id, `SELECT id FROM users WHERE id = $1 FOR UPDATE`, userID); err != nil {
			return err
		}
		var left bool
		if err := tx.GetContext(ctx, &left, `SELECT EXISTS (SELECT 1 FROM documents WHERE user_id = $1)`, userID); err != nil {
			return err
		}
		if left {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = $1`, userID); err != nil {
			return err
		}
		gone = true
		return nil
	})
	return gone, err
}
