package apitokens

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/pkg/usertext"
)

// Prefix starts every token, so that a token is recognisable in a script,
// a log a person pasted, or a secret scanner's rules.
const Prefix = "dvt_"

// secretBytes is how many random bytes a token carries.
const secretBytes = 32

// tokenLen is the length of a token: the prefix and the secret in
// unpadded base64url.
var tokenLen = len(Prefix) + base64.RawURLEncoding.EncodedLen(secretBytes)

// Scopes.
const (
	ScopeRead   = "read"   // list, get, download and search documents
	ScopeUpload = "upload" // store documents
)

// Scopes are every scope, in the order lists show them.
func Scopes() []string { return []string{ScopeRead, ScopeUpload} }

// MaxNameLen is the longest token name, in characters.
const MaxNameLen = 100

// MaxTokens is how many tokens one user may have.
const MaxTokens = 50

// UseInterval is how often, at most, Authenticate writes a token's
// last_used_at: a script uploading a folder does not write a row per file.
const UseInterval = time.Minute

// Sentinel errors. Every error for a caller's mistake is an *Error that
// unwraps to one of them.
var (
	// ErrNotFound: the token does not exist, is another user's, or its id
	// is not a UUID. The three are never told apart.
	ErrNotFound = errors.New("API token not found")
	// ErrConflict: the owner already has a token of that name.
	ErrConflict = errors.New("API token name taken")
	// ErrInvalid: the name, scopes or expiry cannot be used, or the owner
	// has MaxTokens tokens already.
	ErrInvalid = errors.New("invalid API token")
	// ErrUnauthenticated: Authenticate was given no token it knows (never
	// made, revoked, expired, or not of this form). Its message says which
	// only as far as is safe: unknown and revoked are not told apart.
	ErrUnauthenticated = errors.New("invalid API token")
	// ErrInactive: the token's account is disabled.
	ErrInactive = errors.New("account disabled")
)

// Error is a caller's mistake: Err is one of the sentinels above
// (errors.Is works), Field names the input at fault, and the message says
// what to do about it.
type Error struct {
	Err   error
	Field string
	Msg   string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

func invalid(field, format string, args ...any) error {
	return &Error{Err: ErrInvalid, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func notFound() error {
	return &Error{Err: ErrNotFound, Field: "id", Msg: "API token not found: use the id or name of one of your tokens"}
}

// Token is one of a user's tokens, as lists show it: never the secret.
type Token struct {
	ID         string     `json:"id" db:"id"`
	UserID     string     `json:"-" db:"user_id"`
	Name       string     `json:"name" db:"name"`
	Scopes     []string   `json:"scopes" db:"-"`
	CreatedAt  time.Time  `json:"created_at" db:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at" db:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at" db:"expires_at"`
}

// Has reports whether t has scope.
func (t Token) Has(scope string) bool { return slices.Contains(t.Scopes, scope) }

// Label is the audit log's actor label of what t does: "token:" and its
// name.
func (t Token) Label() string { return "token:" + t.Name }

// row is a Token as the database has it.
type row struct {
	Token
	ScopesRaw pq.StringArray `db:"scopes"`
}

func (r row) token() Token {
	t := r.Token
	t.Scopes = []string(r.ScopesRaw)
	return t
}

const columns = `id, user_id, name, scopes, created_at, last_used_at, expires_at`

// New is what Create needs to make a token.
type New struct {
	Name   string
	Scopes []string
	// ExpiresAt is when the token stops working; nil: never. It must be in
	// the future.
	ExpiresAt *time.Time
}

// CheckScopes returns scopes sorted and without repeats, or ErrInvalid
// for an empty list or a scope that does not exist.
func CheckScopes(scopes []string) ([]string, error) {
	var out []string
	for _, s := range scopes {
		s = strings.ToLower(strings.TrimSpace(s))
		if !slices.Contains(Scopes(), s) {
			return nil, invalid("scopes", "unknown scope %q: use %s", s, strings.Join(Scopes(), " and/or "))
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, invalid("scopes", "give the token at least one scope: %s", strings.Join(Scopes(), " and/or "))
	}
	slices.Sort(out)
	return out, nil
}

// Create makes a token for owner and returns it with its secret, which is
// never available again.
func Create(ctx context.Context, db sqlx.ExtContext, owner string, n New) (Token, string, error) {
	name, err := usertext.CleanName("name", n.Name, MaxNameLen)
	if err != nil {
		return Token{}, "", &Error{Err: ErrInvalid, Field: "name", Msg: err.Error()}
	}
	scopes, err := CheckScopes(n.Scopes)
	if err != nil {
		return Token{}, "", err
	}
	if n.ExpiresAt != nil && !n.ExpiresAt.After(time.Now()) {
		return Token{}, "", invalid("expires_at", "the expiry %s has passed: give a time in the future, or none", n.ExpiresAt.UTC().Format(time.RFC3339))
	}
	secret, hash, err := newSecret()
	if err != nil {
		return Token{}, "", err
	}
	var r row
	// The count and the insert in one statement: at most MaxTokens, the
	// name unique (the index says it across concurrent calls).
	err = sqlx.GetContext(ctx, db, &r, `INSERT INTO api_tokens (user_id, name, token_hash, scopes, expires_at)
		SELECT $1, $2, $3, $4, $5 WHERE (SELECT count(*) FROM api_tokens WHERE user_id = $1) < $6
		RETURNING `+columns, owner, name, hash, pq.StringArray(scopes), n.ExpiresAt, MaxTokens)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Token{}, "", invalid("name", "you have %d API tokens already: revoke one you no longer use first", MaxTokens)
	case database.ErrorCode(err) == database.UniqueViolation:
		return Token{}, "", &Error{Err: ErrConflict, Field: "name", Msg: fmt.Sprintf("you already have a token named %q: choose another name", name)}
	case database.ErrorCode(err) == database.ForeignKeyViolation:
		return Token{}, "", notFound()
	case err != nil:
		return Token{}, "", fmt.Errorf("store API token: %w", err)
	}
	return r.token(), secret, nil
}

// newSecret returns a new token and its hash.
func newSecret() (string, []byte, error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("make API token: %w", err)
	}
	t := Prefix + base64.RawURLEncoding.EncodeToString(b)
	return t, hash(t), nil
}

func hash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// LooksLike reports whether s has the form of a token (the prefix and the
// length), so that a request's bearer can be told from a session's
// access token without a query.
func LooksLike(s string) bool { return strings.HasPrefix(s, Prefix) && len(s) == tokenLen }

// List returns owner's tokens, newest first.
func List(ctx context.Context, db sqlx.QueryerContext, owner string) ([]Token, error) {
	var rows []row
	if err := sqlx.SelectContext(ctx, db, &rows, `SELECT `+columns+` FROM api_tokens WHERE user_id = $1
		ORDER BY created_at DESC, id`, owner); err != nil {
		return nil, fmt.Errorf("list API tokens: %w", err)
	}
	out := make([]Token, len(rows))
	for i, r := range rows {
		out[i] = r.token()
	}
	return out, nil
}

// Get returns owner's token id.
func Get(ctx context.Context, db sqlx.QueryerContext, owner, id string) (Token, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Token{}, notFound()
	}
	var r row
	err := sqlx.GetContext(ctx, db, &r, `SELECT `+columns+` FROM api_tokens WHERE id = $1 AND user_id = $2`, id, owner)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, notFound()
	}
	if err != nil {
		return Token{}, fmt.Errorf("get API token: %w", err)
	}
	return r.token(), nil
}

// Resolve returns owner's token named ref (in any case) or with id ref.
func Resolve(ctx context.Context, db sqlx.QueryerContext, owner, ref string) (Token, error) {
	var r row
	err := sqlx.GetContext(ctx, db, &r, `SELECT `+columns+` FROM api_tokens WHERE user_id = $1 AND lower(name) = lower($2)`, owner, strings.TrimSpace(ref))
	if err == nil {
		return r.token(), nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Token{}, fmt.Errorf("find API token: %w", err)
	}
	return Get(ctx, db, owner, ref)
}

// Delete revokes owner's token id: from the next request on it is refused.
func Delete(ctx context.Context, db sqlx.ExecerContext, owner, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return notFound()
	}
	res, err := db.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = $1 AND user_id = $2`, id, owner)
	if err != nil {
		return fmt.Errorf("revoke API token: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("revoke API token: %w", err)
	} else if n == 0 {
		return notFound()
	}
	return nil
}

// Authenticate returns the token and its account: ErrUnauthenticated for
// a token that does not exist (never made, or revoked) or has expired,
// ErrInactive for a disabled account. It reads both on every call, so a
// revocation or a disabled account counts from the next request; and it
// marks the token used when it was last marked more than UseInterval ago.
func Authenticate(ctx context.Context, db sqlx.ExtContext, token string) (Token, users.User, error) {
	if !LooksLike(token) {
		return Token{}, users.User{}, ErrUnauthenticated
	}
	var r struct {
		row
		U users.User `db:"u"`
	}
	err := sqlx.GetContext(ctx, db, &r, `SELECT t.id, t.user_id, t.name, t.scopes, t.created_at, t.last_used_at, t.expires_at,
		u.id AS "u.id", u.handle AS "u.handle", u.email AS "u.email", u.role AS "u.role",
		u.is_active AS "u.is_active", u.created_at AS "u.created_at"
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`, hash(token))
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, users.User{}, ErrUnauthenticated
	}
	if err != nil {
		return Token{}, users.User{}, fmt.Errorf("find API token: %w", err)
	}
	t := r.token()
	now := time.Now()
	if t.ExpiresAt != nil && !t.ExpiresAt.After(now) {
		return Token{}, users.User{}, &Error{Err: ErrUnauthenticated, Field: "token",
			Msg: fmt.Sprintf("this API token expired at %s: make a new one", t.ExpiresAt.UTC().Format(time.RFC3339))}
	}
	if !r.U.IsActive {
		return Token{}, users.User{}, ErrInactive
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= UseInterval {
		// Conditional, so that requests racing here write it once.
		if _, err := db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = now()
			WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - $2 * interval '1 second')`,
			t.ID, UseInterval.Seconds()); err != nil {
			return Token{}, users.User{}, fmt.Errorf("mark API token used: %w", err)
		}
		t.LastUsedAt = &now
	}
	return t, r.U, nil
}
