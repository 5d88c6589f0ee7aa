package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/users"
)

const (
	issuer   = "docuvault"
	audience = "docuvault-api"
)

// accessClaims are an access token's claims: the registered ones and the
// account's token generation when it was issued (users.token_generation,
// migration 0016). A token without "gen" (issued before that migration)
// counts as generation 0.
type accessClaims struct {
	jwt.RegisteredClaims
	Generation int64 `json:"gen"`
}

// issueAccess signs an access token for userID in its token generation gen.
func (s *Service) issueAccess(userID string, gen int64, now time.Time) (string, error) {
	claims := accessClaims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer:    issuer,
		Subject:   userID,
		Audience:  jwt.ClaimStrings{audience},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now.Add(-5 * time.Second)),
		ExpiresAt: jwt.NewNumericDate(now.Add(s.opts.AccessTTL)),
		ID:        uuid.NewString(),
	}, Generation: gen}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.key)
}

// ParseAccess checks an access token's signature, algorithm, issuer,
// audience and expiry, and returns its user's id. Any failure is
// ErrInvalidToken. It does not know whether the token was revoked since:
// Authenticate does.
func (s *Service) ParseAccess(token string) (string, error) {
	c, err := s.parseAccess(token)
	return c.Subject, err
}

func (s *Service) parseAccess(token string) (accessClaims, error) {
	var claims accessClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return s.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer), jwt.WithAudience(audience),
		jwt.WithExpirationRequired(), jwt.WithLeeway(5*time.Second))
	if err != nil {
		return accessClaims{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if _, err := uuid.Parse(claims.Subject); err != nil {
		return accessClaims{}, fmt.Errorf("%w: bad subject", ErrInvalidToken)
	}
	return claims, nil
}

// Authenticate checks an access token and returns its user, who must still
// exist and be active, and must not have ended every session since the
// token was issued: a disabled account, a logout everywhere or a reused
// refresh token (each raises the account's token generation) loses access
// at once, not when the token expires. The account is read at most once
// per Options.AccountTTL (see accountCache); this Service forgets it at
// once when it changes it, another instance within that TTL.
// The user has ID, Handle, Email, Role, IsActive and CreatedAt set (not the
// quota: users.Get has it).
func (s *Service) Authenticate(ctx context.Context, token string) (users.User, error) {
	c, err := s.parseAccess(token)
	if err != nil {
		return users.User{}, err
	}
	a, err := s.account(ctx, c.Subject)
	if errors.Is(err, sql.ErrNoRows) {
		return users.User{}, fmt.Errorf("%w: no such account", ErrInvalidToken)
	}
	if err != nil {
		return users.User{}, fmt.Errorf("load account: %w", err)
	}
	if !a.IsActive {
		return users.User{}, ErrInactive
	}
	if c.Generation < a.Generation {
		return users.User{}, fmt.Errorf("%w: signed out", ErrInvalidToken)
	}
	return a.User, nil
}

// issue creates a refresh token row for userID in tx and returns both
// tokens, and the new row's id. The access token carries the account's
// token generation as tx sees it.
func (s *Service) issue(ctx context.Context, tx sqlx.ExtContext, userID string) (Tokens, string, error) {
	now := time.Now()
	var gen int64
	if err := sqlx.GetContext(ctx, tx, &gen, `SELECT token_generation FROM users WHERE id = $1`, userID); err != nil {
		return Tokens{}, "", fmt.Errorf("read token generation: %w", err)
	}
	refresh, hash, err := newRefreshToken()
	if err != nil {
		return Tokens{}, "", err
	}
	var id string
	if err := sqlx.GetContext(ctx, tx, &id, `INSERT INTO refresh_tokens (user_id, token_hash, expires_at)
		VALUES ($1, $2, $3) RETURNING id`, userID, hash, now.Add(s.opts.RefreshTTL)); err != nil {
		return Tokens{}, "", fmt.Errorf("store refresh token: %w", err)
	}
	access, err := s.issueAccess(userID, gen, now)
	if err != nil {
		return Tokens{}, "", err
	}
	return Tokens{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer", ExpiresIn: int64(s.opts.AccessTTL / time.Second)}, id, nil
}

// Refresh exchanges a refresh token for new tokens; the old one is used up.
// An unknown, expired or signed-out token is ErrInvalidToken. A token that
// was already exchanged is ErrTokenReused, and every refresh token of its
// user is revoked. A disabled account gets ErrInactive. The user is
// returned whenever the token named one (for the audit trail).
func (s *Service) Refresh(ctx context.Context, token string) (users.User, Tokens, error) {
	if token == "" {
		return users.User{}, Tokens{}, ErrInvalidToken
	}
	var (
		userID string
		out    Tokens
		reused bool
	)
	err := database.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var row struct {
			ID         string     `db:"id"`
			UserID     string     `db:"user_id"`
			ExpiresAt  time.Time  `db:"expires_at"`
			Revoked    bool       `db:"revoked"`
			ReplacedBy *string    `db:"replaced_by"`
			RevokedAt  *time.Time `db:"revoked_at"`
			IsActive   bool       `db:"is_active"`
		}
		err := tx.GetContext(ctx, &row, `SELECT t.id, t.user_id, t.expires_at, t.revoked, t.replaced_by, t.revoked_at, u.is_active
			FROM refresh_tokens t JOIN users u ON u.id = t.user_id
			WHERE t.token_hash = $1 FOR UPDATE OF t`, hashToken(token))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrInvalidToken
		}
		if err != nil {
			return fmt.Errorf("find refresh token: %w", err)
		}
		userID = row.UserID
		switch {
		case row.Revoked && row.ReplacedBy != nil:
			// Exchanged before: whoever holds it now, the account is not
			// safe. Revoke the whole family (every token of the user) and
			// commit that, then refuse.
			if err := revokeAll(ctx, tx, row.UserID); err != nil {
				return err
			}
			reused = true
			return nil
		case row.Revoked:
			return ErrInvalidToken
		case !row.ExpiresAt.After(time.Now()):
			return fmt.Errorf("%w: expired", ErrInvalidToken)
		case !row.IsActive:
			return ErrInactive
		}
		var newID string
		out, newID, err = s.issue(ctx, tx, row.UserID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE refresh_tokens SET revoked = true, revoked_at = now(), replaced_by = $1 WHERE id = $2`, newID, row.ID)
		return err
	})
	if reused && err == nil {
		s.accounts.forget(userID)
	}
	var u users.User
	if userID != "" {
		u, _ = users.Get(ctx, s.db, userID)
	}
	if err != nil {
		return u, Tokens{}, err
	}
	if reused {
		return u, Tokens{}, ErrTokenReused
	}
	return u, out, nil
}

// Logout revokes userID's refresh token token, or, when token is "", every
// refresh token of userID. Revoking a token that is not userID's, or is
// already revoked, is ErrInvalidToken.
func (s *Service) Logout(ctx context.Context, userID, token string) error {
	if token == "" {
		return s.RevokeAll(ctx, userID)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE refresh_tokens SET revoked = true, revoked_at = now()
		WHERE token_hash = $1 AND user_id = $2 AND NOT revoked`, hashToken(token), userID)
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrInvalidToken
	}
	return nil
}

// RevokeAll ends every session of userID (logout everywhere): it revokes
// every refresh token, and raises the account's token generation so that
// every access token issued so far is refused at once.
func (s *Service) RevokeAll(ctx context.Context, userID string) error {
	err := database.InTx(ctx, s.db, func(tx *sqlx.Tx) error { return revokeAll(ctx, tx, userID) })
	// Forgotten after the commit: a request that reads the account now
	// sees the new generation (see accountCache.put).
	s.accounts.forget(userID)
	return err
}

// revokeAll revokes userID's refresh tokens and raises its token
// generation, in tx.
func revokeAll(ctx context.Context, tx *sqlx.Tx, userID string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET revoked = true, revoked_at = now()
		WHERE user_id = $1 AND NOT revoked`, userID); err != nil {
		return fmt.Errorf("revoke tokens: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET token_generation = token_generation + 1 WHERE id = $1`, userID); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	return nil
}

// Close releases the Service's prepared statement.
func (s *Service) Close() error { return s.stmts.Close() }
