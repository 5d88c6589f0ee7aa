package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/database"
)

// ErrNoSession: no such session of this account, or it has ended.
var ErrNoSession = errors.New("no such session")

// Session is one sign-in of an account, as Settings lists it.
type Session struct {
	ID         string    `db:"id" json:"id"`
	UserAgent  string    `db:"user_agent" json:"user_agent"`
	ClientIP   string    `db:"client_ip" json:"client_ip"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
	LastUsedAt time.Time `db:"last_used_at" json:"last_used_at"`
	ExpiresAt  time.Time `db:"expires_at" json:"expires_at"`
	Current    bool      `db:"-" json:"current"`
}

// Sessions returns userID's sessions that have neither ended nor expired,
// the most recently used first; the one whose id is current is marked.
func (s *Service) Sessions(ctx context.Context, userID, current string) ([]Session, error) {
	out := []Session{}
	err := s.db.SelectContext(ctx, &out, `SELECT id, user_agent, client_ip, created_at, last_used_at, expires_at FROM sessions
		WHERE user_id = $1 AND ended_at IS NULL AND expires_at > now() ORDER BY last_used_at DESC, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	for i := range out {
		out[i].Current = out[i].ID == current
	}
	return out, nil
}

// EndSession ends userID's session id: its refresh tokens are revoked and
// its access tokens refused from the next request on (this instance at
// once, others within Options.AccountTTL). ErrNoSession when it is not
// userID's or has ended already.
func (s *Service) EndSession(ctx context.Context, userID, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return ErrNoSession
	}
	var n int
	err := database.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM sessions WHERE id = $1 AND user_id = $2 AND ended_at IS NULL`, id, userID); err != nil {
			return err
		}
		if n == 0 {
			return ErrNoSession
		}
		return endSessions(ctx, tx, userID, []string{id}, "")
	})
	s.accounts.forget(userID)
	return err
}

// EndOtherSessions ends every session of userID but keep (the caller's
// own; "" ends them all without raising the token generation) and returns
// how many it ended.
func (s *Service) EndOtherSessions(ctx context.Context, userID, keep string) (int, error) {
	var n int
	err := database.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var err error
		n, err = EndOtherSessionsTx(ctx, tx, userID, keep)
		return err
	})
	s.accounts.forget(userID)
	return n, err
}

// EndOtherSessionsTx is EndOtherSessions in the caller's transaction
// (a password change ends them with the change); the caller calls Forget
// after the commit.
func EndOtherSessionsTx(ctx context.Context, tx *sqlx.Tx, userID, keep string) (int, error) {
	var ids []string
	if err := tx.SelectContext(ctx, &ids, `SELECT id FROM sessions WHERE user_id = $1 AND ended_at IS NULL AND id::text <> $2`, userID, keep); err != nil {
		return 0, fmt.Errorf("list sessions: %w", err)
	}
	// Refresh tokens from before sessions were kept belong to none: they
	// are "other" too.
	return len(ids), endSessions(ctx, tx, userID, ids, keep)
}

// RevokeAllTx ends every session of userID in the caller's transaction
// and raises its token generation (see RevokeAll); the caller calls
// Forget after the commit.
func RevokeAllTx(ctx context.Context, tx *sqlx.Tx, userID string) error {
	return revokeAll(ctx, tx, userID)
}

// Forget makes this Service read userID's account again on its next
// request (after a change committed elsewhere).
func (s *Service) Forget(userID string) { s.accounts.forget(userID) }

// endSessions ends the sessions ids of userID and revokes their refresh
// tokens; with keep set, also the refresh tokens that belong to no session.
func endSessions(ctx context.Context, tx *sqlx.Tx, userID string, ids []string, keep string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = now() WHERE user_id = $1 AND id = ANY($2::uuid[]) AND ended_at IS NULL`,
		userID, pq.Array(ids)); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET revoked = true, revoked_at = now()
		WHERE user_id = $1 AND NOT revoked AND (session_id = ANY($2::uuid[]) OR ($3 <> '' AND session_id IS NULL))`,
		userID, pq.Array(ids), keep); err != nil {
		return fmt.Errorf("revoke tokens: %w", err)
	}
	return nil
}
