package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
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

// accessClaims are an access token's claims: the registered ones, the
// account's token generation when it was issued (users.token_generation,
// migration 0016) and its session (sessions.id, migration 0032). A token
// without "gen" (issued before that migration) counts as generation 0; one
// without "sid" belongs to no session (issued before 0032).
type accessClaims struct {
	jwt.RegisteredClaims
	Generation int64  `json:"gen"`
	Session    string `json:"sid,omitempty"`
}

// issueAccess signs an access token for userID in its token generation gen
// and session sid.
func (s *Service) issueAccess(userID, sid string, gen int64, now time.Time) (string, error) {
	claims := accessClaims{RegisteredClaims: registered(userID, audience, now, s.opts.AccessTTL), Generation: gen, Session: sid}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.key)
}

// registered are the registered claims of a token of DocuVault's for
// userID and aud, issued at now, good for ttl, with an id of its own.
func registered(userID, aud string, now time.Time, ttl time.Duration) jwt.RegisteredClaims {
	return jwt.RegisteredClaims{
		Issuer:    issuer,
		Subject:   userID,
		Audience:  jwt.ClaimStrings{aud},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now.Add(-5 * time.Second)),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		ID:        uuid.NewString(),
	}
}

// ParseAccess checks an access token's signature, algorithm, issuer,
// audience and expiry, and returns its user's id. Any failure is
// ErrInvalidToken. It does not know whether the token was revoked since:
// Authenticate does.
func (s *Service) ParseAccess(token string) (string, error) {
	c, err := s.parseAccess(token)
	return c.Subject, err
}

// verify parses token into claims: signed HS256 with the service's key,
// by issuer, for aud, with an expiry (5 s of leeway) and a user id as
// its subject. Any failure is ErrInvalidToken.
func (s *Service) verify(token string, claims jwt.Claims, aud string) error {
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return s.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer), jwt.WithAudience(aud),
		jwt.WithExpirationRequired(), jwt.WithLeeway(5*time.Second))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if sub, err := claims.GetSubject(); err != nil || uuid.Validate(sub) != nil {
		return fmt.Errorf("%w: bad subject", ErrInvalidToken)
	}
	return nil
}

func (s *Service) parseAccess(token string) (accessClaims, error) {
	var claims accessClaims
	if err := s.verify(token, &claims, audience); err != nil {
		return accessClaims{}, err
	}
	if claims.Session != "" {
		if _, err := uuid.Parse(claims.Session); err != nil {
			return accessClaims{}, fmt.Errorf("%w: bad session", ErrInvalidToken)
		}
	}
	return claims, nil
}

// Authenticate checks an access token and returns its user, who must still
// exist and be active, and must not have ended every session since the
// token was issued: a disabled account, a logout everywhere or a reused
// refresh token (each raises the account's token generation) loses access
// at once, not when the token expires; so does a token whose own session
// was ended (logout, or "end this session" in Settings). The account is
// read at most once per Options.AccountTTL (see accountCache); this
// Service forgets it at once when it changes it, another instance within
// that TTL.
// The user has ID, Handle, Email, Role, IsActive and CreatedAt set (not the
// quota: users.Get has it).
func (s *Service) Authenticate(ctx context.Context, token string) (users.User, error) {
	u, _, err := s.AuthenticateSession(ctx, token)
	return u, err
}

// AuthenticateSession is Authenticate, and also returns the token's
// session id ("" for a token issued before sessions were kept).
func (s *Service) AuthenticateSession(ctx context.Context, token string) (users.User, string, error) {
	c, err := s.parseAccess(token)
	if err != nil {
		return users.User{}, "", err
	}
	a, err := s.liveAccount(ctx, c.Subject, c.Session, c.Generation)
	return a.User, c.Session, err
}

// liveAccount is the account of a token for userID in session sid,
// issued in token generation gen: ErrInvalidToken when there is no such
// account, the session has ended or the account's generation has passed
// gen (signed out everywhere since); ErrInactive when it is disabled.
func (s *Service) liveAccount(ctx context.Context, userID, sid string, gen int64) (account, error) {
	a, err := s.account(ctx, userID, sid)
	if errors.Is(err, sql.ErrNoRows) {
		return account{}, fmt.Errorf("%w: no such account", ErrInvalidToken)
	}
	if err != nil {
		return account{}, fmt.Errorf("load account: %w", err)
	}
	if !a.IsActive {
		return account{}, ErrInactive
	}
	if gen < a.Generation || !a.SessionLive {
		return account{}, fmt.Errorf("%w: signed out", ErrInvalidToken)
	}
	return a, nil
}

// SessionInfo is what a session records about the client that signed in
// (or last refreshed): both are only shown to the account's owner.
type SessionInfo struct {
	UserAgent string
	ClientIP  string
}

func (i SessionInfo) clean() SessionInfo {
	ua := strings.ToValidUTF8(i.UserAgent, "")
	ua = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, ua)
	if len([]rune(ua)) > maxUserAgent {
		ua = string([]rune(ua)[:maxUserAgent])
	}
	ip := i.ClientIP
	if len(ip) > 64 {
		ip = ip[:64]
	}
	return SessionInfo{UserAgent: ua, ClientIP: ip}
}

// maxUserAgent is the most of a User-Agent a session keeps (migration 0032).
const maxUserAgent = 300

// issue creates a refresh token row for userID in tx and returns both
// tokens, and the new row's id. With sessionID "" it starts a new session
// (sessions row) with info; else the token continues that session, whose
// last use (and user agent and address, when info has them) it updates.
// The access token carries the account's token generation as tx sees it.
func (s *Service) issue(ctx context.Context, tx sqlx.ExtContext, userID, sessionID string, info SessionInfo) (Tokens, string, error) {
	now := time.Now()
	info = info.clean()
	var gen int64
	if err := sqlx.GetContext(ctx, tx, &gen, `SELECT token_generation FROM users WHERE id = $1`, userID); err != nil {
		return Tokens{}, "", fmt.Errorf("read token generation: %w", err)
	}
	expires := now.Add(s.opts.RefreshTTL)
	if sessionID == "" {
		if err := sqlx.GetContext(ctx, tx, &sessionID, `INSERT INTO sessions (user_id, user_agent, client_ip, expires_at)
			VALUES ($1, $2, $3, $4) RETURNING id`, userID, info.UserAgent, info.ClientIP, expires); err != nil {
			return Tokens{}, "", fmt.Errorf("start session: %w", err)
		}
	} else if _, err := tx.ExecContext(ctx, `UPDATE sessions SET last_used_at = now(), expires_at = $2,
		user_agent = COALESCE(NULLIF($3, ''), user_agent), client_ip = COALESCE(NULLIF($4, ''), client_ip) WHERE id = $1`,
		sessionID, expires, info.UserAgent, info.ClientIP); err != nil {
		return Tokens{}, "", fmt.Errorf("update session: %w", err)
	}
	refresh, hash, err := newRefreshToken()
	if err != nil {
		return Tokens{}, "", err
	}
	var id string
	if err := sqlx.GetContext(ctx, tx, &id, `INSERT INTO refresh_tokens (user_id, token_hash, expires_at, session_id)
		VALUES ($1, $2, $3, $4) RETURNING id`, userID, hash, expires, sessionID); err != nil {
		return Tokens{}, "", fmt.Errorf("store refresh token: %w", err)
	}
	access, err := s.issueAccess(userID, sessionID, gen, now)
	if err != nil {
		return Tokens{}, "", err
	}
	return Tokens{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer", ExpiresIn: int64(s.opts.AccessTTL / time.Second)}, id, nil
}

// StartSession starts a session for userID, whose credentials the caller
// has checked, and returns its tokens. Login calls it after the password;
// a later step (a second factor) would call it instead of Login doing so.
func (s *Service) StartSession(ctx context.Context, userID string, info SessionInfo) (Tokens, error) {
	var t Tokens
	err := database.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var err error
		t, _, err = s.issue(ctx, tx, userID, "", info)
		return err
	})
	return t, err
}

// Refresh is RefreshSession without client details.
func (s *Service) Refresh(ctx context.Context, token string) (users.User, Tokens, error) {
	return s.RefreshSession(ctx, token, SessionInfo{})
}

// RefreshSession exchanges a refresh token for new tokens; the old one is
// used up. An unknown, expired or signed-out token is ErrInvalidToken. A
// token that was already exchanged is ErrTokenReused, and every session of
// its user ends — unless it was exchanged less than Options.ReuseGrace ago
// (two tabs of one browser refreshing at the same moment): then it gets
// another new pair in the same session. A disabled account gets
// ErrInactive. The user is returned whenever the token named one (for the
// audit trail).
func (s *Service) RefreshSession(ctx context.Context, token string, info SessionInfo) (users.User, Tokens, error) {
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
			ID           string     `db:"id"`
			UserID       string     `db:"user_id"`
			SessionID    *string    `db:"session_id"`
			SessionEnded bool       `db:"session_ended"`
			ExpiresAt    time.Time  `db:"expires_at"`
			Revoked      bool       `db:"revoked"`
			ReplacedBy   *string    `db:"replaced_by"`
			RevokedAt    *time.Time `db:"revoked_at"`
			IsActive     bool       `db:"is_active"`
		}
		err := tx.GetContext(ctx, &row, `SELECT t.id, t.user_id, t.session_id, COALESCE(se.ended_at IS NOT NULL, false) AS session_ended,
			t.expires_at, t.revoked, t.replaced_by, t.revoked_at, u.is_active
			FROM refresh_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN sessions se ON se.id = t.session_id
			WHERE t.token_hash = $1 FOR UPDATE OF t`, hashToken(token))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrInvalidToken
		}
		if err != nil {
			return fmt.Errorf("find refresh token: %w", err)
		}
		userID = row.UserID
		sid := ""
		if row.SessionID != nil {
			sid = *row.SessionID
		}
		switch {
		case row.Revoked && row.ReplacedBy != nil && !row.SessionEnded && row.RevokedAt != nil &&
			s.opts.ReuseGrace > 0 && time.Since(*row.RevokedAt) < s.opts.ReuseGrace && row.IsActive:
			// Exchanged a moment ago, most likely by another tab of the same
			// browser: the session goes on, with one more token.
			out, _, err = s.issue(ctx, tx, row.UserID, sid, info)
			return err
		case row.Revoked && row.ReplacedBy != nil:
			// Exchanged before: whoever holds it now, the account is not
			// safe. Revoke the whole family (every token of the user) and
			// commit that, then refuse.
			if err := revokeAll(ctx, tx, row.UserID); err != nil {
				return err
			}
			reused = true
			return nil
		case row.Revoked || row.SessionEnded:
			return ErrInvalidToken
		case !row.ExpiresAt.After(time.Now()):
			return fmt.Errorf("%w: expired", ErrInvalidToken)
		case !row.IsActive:
			return ErrInactive
		}
		var newID string
		out, newID, err = s.issue(ctx, tx, row.UserID, sid, info)
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
	err := database.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var sid *string
		err := tx.GetContext(ctx, &sid, `UPDATE refresh_tokens SET revoked = true, revoked_at = now()
			WHERE token_hash = $1 AND user_id = $2 AND NOT revoked RETURNING session_id`, hashToken(token), userID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrInvalidToken
		}
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if sid == nil {
			return nil
		}
		return endSessions(ctx, tx, userID, []string{*sid}, "")
	})
	s.accounts.forget(userID)
	return err
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
	if _, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = now() WHERE user_id = $1 AND ended_at IS NULL`, userID); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET token_generation = token_generation + 1 WHERE id = $1`, userID); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	return nil
}

// Close releases the Service's prepared statement.
func (s *Service) Close() error { return s.stmts.Close() }
