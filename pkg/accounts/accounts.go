// Package accounts is what is done to a whole account: its password set by
// an administrator (or the CLI), changed by its owner, or reset through a
// one-time link; the account deleted with everything it owns; and
// everything about it exported as JSON (issue 24).
//
// The password policy is pkg/passwords'; the sessions are pkg/auth's. A
// password change ends sessions in the same transaction as the change.
package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/auth"
	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/passwords"
	"github.com/docuvault/docuvault/pkg/users"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrWrongPassword: the current password given with a change is not the account's.
	ErrWrongPassword = errors.New("the current password is wrong")
	// ErrResetInvalid: no such reset link (mistyped, or the account is gone).
	ErrResetInvalid = errors.New("this password reset link is not valid: ask an administrator for a new one")
	// ErrResetUsed: the link was used already.
	ErrResetUsed = errors.New("this password reset link was used already: ask an administrator for a new one")
	// ErrResetExpired: the link is older than its life (24 hours).
	ErrResetExpired = errors.New("this password reset link has expired: ask an administrator for a new one")
	// ErrLastAdmin: the account is the last active administrator.
	ErrLastAdmin = errors.New("this is the last active administrator: make another account an administrator first")
)

// Sessions is what ends sessions when a password changes: *auth.Service
// (nil for the CLI, which has none in memory; other serve instances read
// the account again within their cache's second).
type Sessions interface {
	Forget(userID string)
}

func forget(s Sessions, userID string) {
	if s != nil {
		s.Forget(userID)
	}
}

// SetPassword gives userID a new password, checked against policy, and
// ends every session of the account (an administrator's or the CLI's
// reset: whoever knew the old one is signed out).
func SetPassword(ctx context.Context, db *sqlx.DB, s Sessions, policy passwords.Policy, userID, password string) (users.User, error) {
	u, err := users.Get(ctx, db, userID)
	if err != nil {
		return users.User{}, err
	}
	hash, err := hashFor(policy, u, password)
	if err != nil {
		return users.User{}, err
	}
	err = database.InTx(ctx, db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, userID, hash); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		return auth.RevokeAllTx(ctx, tx, userID)
	})
	forget(s, userID)
	if err != nil {
		return users.User{}, err
	}
	return users.Get(ctx, db, userID)
}

// ChangePassword is a person changing their own password: current must be
// the account's (else ErrWrongPassword), next must pass policy; every
// session of the account but keep (the one asking) ends with the change.
// It returns how many sessions ended.
func ChangePassword(ctx context.Context, db *sqlx.DB, s Sessions, policy passwords.Policy, userID, keep, current, next string) (int, error) {
	var row struct {
		Hash   string `db:"password_hash"`
		Handle string `db:"handle"`
		Email  string `db:"email"`
	}
	if err := db.GetContext(ctx, &row, `SELECT password_hash, handle, email FROM users WHERE id = $1`, userID); err != nil {
		return 0, fmt.Errorf("read account: %w", err)
	}
	ok, err := users.VerifyPassword(row.Hash, current)
	if err != nil && !errors.Is(err, users.ErrBadHash) {
		return 0, err
	}
	if !ok {
		return 0, ErrWrongPassword
	}
	if current == next {
		return 0, fmt.Errorf("%w: the new password is the current one", passwords.ErrCommon)
	}
	hash, err := hashFor(policy, users.User{Handle: row.Handle, Email: row.Email}, next)
	if err != nil {
		return 0, err
	}
	var n int
	err = database.InTx(ctx, db, func(tx *sqlx.Tx) error {
		// Only if the hash is still the one verified: two changes at once
		// do not both win.
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2`, userID, row.Hash, hash)
		if err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		if c, _ := res.RowsAffected(); c == 0 {
			return ErrWrongPassword
		}
		n, err = auth.EndOtherSessionsTx(ctx, tx, userID, keep)
		return err
	})
	forget(s, userID)
	return n, err
}

func hashFor(policy passwords.Policy, u users.User, password string) (string, error) {
	if err := policy.Check(password, passwords.Account{Handle: u.Handle, Email: u.Email}); err != nil {
		return "", err
	}
	return users.HashPassword(password, policy.Hash)
}

// ResetTTL is how long a reset link works.
const ResetTTL = 24 * time.Hour

// Reset is a reset link just made: Token is shown once and kept nowhere.
type Reset struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CreateReset makes a one-time password reset token for userID, made by
// actorID ("" for the CLI), working for ResetTTL. Earlier unused links of
// the account stop working.
func CreateReset(ctx context.Context, db *sqlx.DB, userID, actorID string) (Reset, error) {
	if _, err := users.Get(ctx, db, userID); err != nil {
		return Reset{}, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return Reset{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(token))
	var r Reset
	err := database.InTx(ctx, db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM password_resets WHERE user_id = $1 AND used_at IS NULL`, userID); err != nil {
			return err
		}
		return tx.GetContext(ctx, &r.ExpiresAt, `INSERT INTO password_resets (user_id, token_hash, created_by, expires_at)
			VALUES ($1, $2, NULLIF($3, '')::uuid, now() + $4 * interval '1 second') RETURNING expires_at`,
			userID, sum[:], actorID, int64(ResetTTL/time.Second))
	})
	if err != nil {
		return Reset{}, fmt.Errorf("create reset link: %w", err)
	}
	r.Token = token
	return r, nil
}

// UseReset sets a new password through a reset token: ErrResetInvalid,
// ErrResetUsed or ErrResetExpired when the token cannot be used, a policy
// error (the link stays usable) when the password is refused. Every
// session of the account ends. It returns the account.
func UseReset(ctx context.Context, db *sqlx.DB, s Sessions, policy passwords.Policy, token, password string) (users.User, error) {
	sum := sha256.Sum256([]byte(token))
	var userID string
	err := database.InTx(ctx, db, func(tx *sqlx.Tx) error {
		var row struct {
			ID        string     `db:"id"`
			UserID    string     `db:"user_id"`
			Handle    string     `db:"handle"`
			Email     string     `db:"email"`
			Expired   bool       `db:"expired"`
			UsedAt    *time.Time `db:"used_at"`
			Active    bool       `db:"is_active"`
			CreatedAt time.Time  `db:"created_at"`
		}
		err := tx.GetContext(ctx, &row, `SELECT r.id, r.user_id, u.handle, u.email, r.expires_at <= now() AS expired, r.used_at, u.is_active, r.created_at
			FROM password_resets r JOIN users u ON u.id = r.user_id WHERE r.token_hash = $1 FOR UPDATE OF r`, sum[:])
		if errors.Is(err, sql.ErrNoRows) {
			return ErrResetInvalid
		}
		if err != nil {
			return err
		}
		switch {
		case row.UsedAt != nil:
			return ErrResetUsed
		case row.Expired:
			return ErrResetExpired
		case !row.Active:
			return auth.ErrInactive
		}
		hash, err := hashFor(policy, users.User{Handle: row.Handle, Email: row.Email}, password)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = now() WHERE id = $1`, row.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, row.UserID, hash); err != nil {
			return err
		}
		userID = row.UserID
		return auth.RevokeAllTx(ctx, tx, row.UserID)
	})
	if userID != "" {
		forget(s, userID)
	}
	if err != nil {
		return users.User{}, err
	}
	return users.Get(ctx, db, userID)
}
