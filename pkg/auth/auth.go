// Package auth is the HTTP API's accounts and sessions (the seed's Phase 2):
// logging in by handle or email and password, short-lived access tokens
// (JWT, HS256, the key derived from SECRET_KEY with HKDF), long-lived
// refresh tokens kept only as SHA-256 hashes in refresh_tokens and rotated
// on every use (a used token presented again revokes all of its user's
// tokens), and login rate limits in Redis per account and per client IP.
//
// Nothing here is per process: every instance with the same SECRET_KEY,
// database and Redis accepts every other's tokens.
package auth

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/passwords"
	"github.com/docuvault/docuvault/pkg/users"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrInvalidCredentials: no such account, or the wrong password. The
	// two are never told apart.
	ErrInvalidCredentials = errors.New("invalid handle or password")
	// ErrInactive: the account is disabled.
	ErrInactive = errors.New("account disabled")
	// ErrInvalidToken: a token that is malformed, expired, revoked or
	// signed with another key.
	ErrInvalidToken = errors.New("invalid or expired token")
	// ErrTokenReused: a refresh token that was already exchanged was
	// presented again; every refresh token of its user is now revoked.
	ErrTokenReused = errors.New("refresh token already used: every session of this account was signed out")
	// ErrUnavailable: Redis, which keeps the rate limits, cannot be reached;
	// logins are refused rather than let through unlimited.
	ErrUnavailable = errors.New("rate limiter unavailable")
	// ErrWeakSecret: SECRET_KEY is missing, a placeholder, or too short.
	ErrWeakSecret = errors.New("SECRET_KEY is unusable")
)

// RateLimitError is returned, wrapping ErrRateLimited, when a login is
// refused by a rate limit; RetryAfter says when to try again.
type RateLimitError struct {
	Scope      string // "account" or "ip"
	RetryAfter time.Duration
}

// ErrRateLimited is what a *RateLimitError unwraps to.
var ErrRateLimited = errors.New("too many login attempts")

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("too many login attempts for this %s: try again in %s", e.Scope, e.RetryAfter.Round(time.Second))
}

// Unwrap makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// DefaultReuseGrace is Options.ReuseGrace's default.
const DefaultReuseGrace = 30 * time.Second

// MinSecretLen is the shortest SECRET_KEY accepted, in bytes.
const MinSecretLen = 32

// CheckSecret says why secret cannot sign tokens: missing, a placeholder
// from .env.example or the seed, or shorter than MinSecretLen bytes.
func CheckSecret(secret string) error {
	switch {
	case secret == "":
		return fmt.Errorf("%w: it is not set; set it to at least %d random bytes (openssl rand -hex 32)", ErrWeakSecret, MinSecretLen)
	case isPlaceholder(secret):
		return fmt.Errorf("%w: it is still the placeholder value; set it to at least %d random bytes (openssl rand -hex 32)", ErrWeakSecret, MinSecretLen)
	case len(secret) < MinSecretLen:
		return fmt.Errorf("%w: it is %d bytes, fewer than %d; set it to at least %d random bytes (openssl rand -hex 32)", ErrWeakSecret, len(secret), MinSecretLen, MinSecretLen)
	}
	return nil
}

func isPlaceholder(s string) bool {
	u := strings.ToUpper(s)
	return strings.Contains(u, "CHANGE_ME") || strings.Contains(u, "CHANGEME") || strings.Contains(u, "CHANGE-ME")
}

// Limit is a number of events allowed per window.
type Limit struct {
	N      int64
	Window time.Duration
}

// Options configures a Service.
type Options struct {
	Secret     string        // SECRET_KEY
	AccessTTL  time.Duration // 0 means 15 minutes
	RefreshTTL time.Duration // 0 means 30 days
	// AccountLimit bounds failed logins per account; IPLimit bounds login
	// attempts per client IP. Zero means 10/15m and 50/15m.
	AccountLimit Limit
	IPLimit      Limit
	// Namespace prefixes the rate limits' Redis keys.
	Namespace string
	// AccountTTL is how long Authenticate trusts an account it has read:
	// 0 means one second, a negative value reads it on every request.
	AccountTTL time.Duration
	// ReuseGrace is how long after a refresh the refresh token just used
	// still gets a new pair (in the same session) instead of counting as
	// reused: two tabs refreshing at once. 0 means 30 seconds; a negative
	// value, none.
	ReuseGrace time.Duration
	// HashCost is the cost of new password hashes (zero: the default): a
	// login to an unknown account verifies a dummy hash at this cost.
	HashCost passwords.HashCost
	// Hasher, when set, runs the password hashes instead of one of the
	// Service's own at HashCost (which is then not read): serve shares one
	// with the share links, so argon2id's memory is bounded per process.
	Hasher *users.Hasher
}

// Service logs people in and checks their tokens.
type Service struct {
	db     *sqlx.DB
	redis  *redis.Pool
	key    []byte
	opts   Options
	hasher *users.Hasher // opts.Hasher, or one at opts.HashCost

	stmts    *database.Statements // Authenticate's query, prepared on first use
	accounts *accountCache        // the accounts Authenticate has read lately
}

// New returns a Service, refusing an unusable secret (ErrWeakSecret).
func New(db *sqlx.DB, pool *redis.Pool, o Options) (*Service, error) {
	if err := CheckSecret(o.Secret); err != nil {
		return nil, err
	}
	if o.AccessTTL <= 0 {
		o.AccessTTL = 15 * time.Minute
	}
	if o.RefreshTTL <= 0 {
		o.RefreshTTL = 30 * 24 * time.Hour
	}
	if o.AccountLimit.N <= 0 || o.AccountLimit.Window <= 0 {
		o.AccountLimit = Limit{N: 10, Window: 15 * time.Minute}
	}
	if o.IPLimit.N <= 0 || o.IPLimit.Window <= 0 {
		o.IPLimit = Limit{N: 50, Window: 15 * time.Minute}
	}
	if o.Namespace == "" {
		o.Namespace = "docuvault"
	}
	if o.ReuseGrace == 0 {
		o.ReuseGrace = DefaultReuseGrace
	}
	if o.AccountTTL == 0 {
		o.AccountTTL = time.Second
	}
	key, err := deriveKey(o.Secret)
	if err != nil {
		return nil, err
	}
	h := o.Hasher
	if h == nil {
		h = users.NewHasher(o.HashCost, 0)
	}
	return &Service{db: db, redis: pool, key: key, opts: o, hasher: h,
		stmts: database.NewStatements(db), accounts: newAccountCache(o.AccountTTL, maxCachedAccounts)}, nil
}

// AccessTTL is the life of the access tokens this Service issues.
func (s *Service) AccessTTL() time.Duration { return s.opts.AccessTTL }

// deriveKey derives the HS256 signing key from SECRET_KEY with HKDF-SHA256,
// so the raw secret never signs anything and other uses of it get
// independent keys (by another info string).
func deriveKey(secret string) ([]byte, error) {
	return hkdf.Key(sha256.New, []byte(secret), []byte("docuvault"), "docuvault access token HS256 v1", 32)
}

// Tokens is what login and refresh answer.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"` // seconds the access token lives
}

// newRefreshToken returns a random refresh token and the hash it is stored as.
func newRefreshToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token), nil
}

// hashToken is the SHA-256 of a refresh token, hex: all the database keeps.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
