package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docuvault/docuvault/pkg/ratelimit"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/pkg/usertext"
)

// LoginAttempt is one login, for Login.
type LoginAttempt struct {
	Identifier string // handle or email
	Password   string
	ClientIP   string // for the per-IP limit; "" skips it
	UserAgent  string // kept with the session, for the sessions list
	// SecondFactor, when set, is asked after a correct password whether
	// the account needs a second step (pkg/totp); when it says so, Login
	// starts no session and returns ErrSecondFactor.
	SecondFactor func(ctx context.Context, userID string) (bool, error)
}

// ErrSecondFactor: the password was right, and the account signs in with
// a second factor: no session was started (the caller asks for the code,
// then calls StartSession).
var ErrSecondFactor = errors.New("a second factor is required")

// Login checks a handle (in any letter case) or email and password and
// starts a session.
//
// Errors: *RateLimitError (ErrRateLimited) when the client IP made too
// many attempts or the account had too many failures in the window;
// ErrInvalidCredentials for an unknown account or a wrong password;
// ErrInactive for a disabled account whose password was right;
// ErrUnavailable when Redis cannot be asked; ErrSecondFactor when the
// password was right and LoginAttempt.SecondFactor asks for a second step. The account's id is returned
// whenever the identifier named one, even on failure (for the audit trail).
func (s *Service) Login(ctx context.Context, a LoginAttempt) (userID string, t Tokens, err error) {
	ident := strings.TrimSpace(a.Identifier)
	if a.ClientIP != "" {
		n, ttl, err := s.hit(ctx, s.key2("ip", a.ClientIP), s.opts.IPLimit.Window)
		if err != nil {
			return "", Tokens{}, err
		}
		if n > s.opts.IPLimit.N {
			return "", Tokens{}, &RateLimitError{Scope: "client address", RetryAfter: ttl}
		}
	}

	var acct struct {
		ID       string `db:"id"`
		Hash     string `db:"password_hash"`
		IsActive bool   `db:"is_active"`
	}
	found := true
	if ident == "" || usertext.CheckLine("handle", ident) != nil {
		// Text no handle or email can be (a NUL byte would be a database
		// error) names no account: refused like an unknown one, no query.
		found = false
	} else {
		// Handles ignore letter case (unique on lower(handle), migration 0016).
		err = s.db.GetContext(ctx, &acct, `SELECT id, password_hash, is_active FROM users
			WHERE lower(handle) = lower($1) OR (email = $1 AND NOT EXISTS (SELECT 1 FROM users WHERE lower(handle) = lower($1)))`, ident)
		if errors.Is(err, sql.ErrNoRows) {
			found = false
		} else if err != nil {
			return "", Tokens{}, fmt.Errorf("find account: %w", err)
		}
	}
	// The per-account key is the account's id when there is one, so its
	// handle and its email share one budget.
	acctKey := s.key2("account", "unknown:"+strings.ToLower(ident))
	if found {
		acctKey = s.key2("account", acct.ID)
	}
	fails, ttl, err := s.peek(ctx, acctKey)
	if err != nil {
		return acct.ID, Tokens{}, err
	}
	if fails >= s.opts.AccountLimit.N {
		return acct.ID, Tokens{}, &RateLimitError{Scope: "account", RetryAfter: ttl}
	}

	// With no account, a dummy hash at the configured cost (Verify of
	// ""): an unknown handle takes as long to refuse as a wrong password.
	hash := ""
	if found {
		hash = acct.Hash
	}
	ok, err := s.hasher.Verify(ctx, hash, a.Password)
	if err != nil && !errors.Is(err, users.ErrBadHash) {
		return acct.ID, Tokens{}, err
	}
	if !found || !ok {
		if _, _, err := s.hit(ctx, acctKey, s.opts.AccountLimit.Window); err != nil {
			return acct.ID, Tokens{}, err
		}
		return acct.ID, Tokens{}, ErrInvalidCredentials
	}
	if !acct.IsActive {
		return acct.ID, Tokens{}, ErrInactive
	}
	s.forget(ctx, acctKey)
	s.rehash(ctx, acct.ID, acct.Hash, a.Password)
	if a.SecondFactor != nil {
		need, err := a.SecondFactor(ctx, acct.ID)
		if err != nil {
			return acct.ID, Tokens{}, err
		}
		if need {
			return acct.ID, Tokens{}, ErrSecondFactor
		}
	}

	t, err = s.StartSession(ctx, acct.ID, SessionInfo{UserAgent: a.UserAgent, ClientIP: a.ClientIP})
	if err != nil {
		return acct.ID, Tokens{}, err
	}
	return acct.ID, t, nil
}

// rehash stores password again at the configured cost when the account's
// hash was made at another (DOCUVAULT_PASSWORD_HASH_COST changed since),
// so a new cost reaches every account that signs in. It is best effort: a
// failure leaves the old hash, which still verifies, and a hash changed
// meanwhile (a new password) is not overwritten.
func (s *Service) rehash(ctx context.Context, userID, old, password string) {
	if !s.hasher.NeedsRehash(old) {
		return
	}
	h, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return
	}
	_, _ = s.db.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3`, h, userID, old)
}

// key2 is a sign-in rate limit's Redis key (pkg/ratelimit).
func (s *Service) key2(scope, value string) string {
	return s.limits().Key("login", scope, value)
}

func (s *Service) limits() ratelimit.Counter {
	return ratelimit.Counter{Pool: s.redis, Namespace: s.opts.Namespace}
}

// hit counts one event under key and returns the window's count so far
// and the time left in it.
func (s *Service) hit(ctx context.Context, key string, window time.Duration) (int64, time.Duration, error) {
	n, ttl, err := s.limits().Hit(ctx, key, window)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return n, ttl, nil
}

// peek returns the count under key and the time left in its window.
func (s *Service) peek(ctx context.Context, key string) (int64, time.Duration, error) {
	n, ttl, err := s.limits().Peek(ctx, key)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return n, ttl, nil
}

// forget clears key (a successful login clears its account's failures).
// A failure here only leaves the count to expire.
func (s *Service) forget(ctx context.Context, key string) {
	s.limits().Forget(ctx, key)
}

// LimitPasswordCheck runs check, a comparison of userID's password outside
// Login (a person changing their password gives the current one), under
// Login's per-account limit of failures: when the account has had
// Options.AccountLimit failures in the window it is refused with a
// *RateLimitError (ErrRateLimited) without running check, and an error of
// check for which failed is true counts as one more failure. So a stolen
// session cannot guess the password faster than the login page can.
func (s *Service) LimitPasswordCheck(ctx context.Context, userID string, check func() error, failed func(error) bool) error {
	key := s.key2("account", userID)
	fails, ttl, err := s.peek(ctx, key)
	if err != nil {
		return err
	}
	if fails >= s.opts.AccountLimit.N {
		return &RateLimitError{Scope: "account", RetryAfter: ttl}
	}
	if herr := s.hasher.Run(ctx, func() { err = check() }); herr != nil {
		return herr
	}
	if err != nil && failed(err) {
		if _, _, herr := s.hit(ctx, key, s.opts.AccountLimit.Window); herr != nil {
			return errors.Join(err, herr)
		}
	}
	return err
}
