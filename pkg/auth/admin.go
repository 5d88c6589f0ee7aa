package auth

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/users"
)

// Roles.
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
)

// AccountChange is what an administrator changes about an account; nil
// fields stay as they are.
type AccountChange struct {
	Active *bool
	Role   *string // RoleUser or RoleAdmin
}

// ErrInvalidRole is returned by UpdateAccount for a role other than user or admin.
var ErrInvalidRole = fmt.Errorf("role must be %q or %q", RoleUser, RoleAdmin)

// UpdateAccount applies c to the account userID (users.ErrNotFound when
// there is none). Disabling an account ends every session in the same
// transaction (see RevokeAll): its access tokens stop working at once, and
// stay refused when it is enabled again.
func (s *Service) UpdateAccount(ctx context.Context, userID string, c AccountChange) (users.User, error) {
	if c.Role != nil && *c.Role != RoleUser && *c.Role != RoleAdmin {
		return users.User{}, ErrInvalidRole
	}
	if _, err := uuid.Parse(userID); err != nil {
		return users.User{}, users.ErrNotFound
	}
	err := database.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET is_active = COALESCE($2, is_active), role = COALESCE($3, role) WHERE id = $1`,
			userID, c.Active, c.Role)
		if err != nil {
			return fmt.Errorf("update account: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return users.ErrNotFound
		}
		if c.Active != nil && !*c.Active {
			return revokeAll(ctx, tx, userID)
		}
		return nil
	})
	s.accounts.forget(userID)
	if err != nil {
		return users.User{}, err
	}
	return users.Get(ctx, s.db, userID)
}
