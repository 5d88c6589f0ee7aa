// Package users keeps DocuVault's accounts: who owns documents, their
// quota rows, and their argon2id password hashes.
//
// A user is created together with its quota row, in one transaction, so
// every user has exactly one.
package users

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/passwords"
	"github.com/docuvault/docuvault/pkg/usertext"
)

// Sentinel errors.
var (
	ErrNotFound = errors.New("no such user")
	// ErrExists: the handle or email is another user's. Create returns it
	// as an *ExistsError, whose message says which, once.
	ErrExists = errors.New("user already exists")
	// ErrAmbiguous is returned by Resolve when no handle is given and there
	// is not exactly one user.
	ErrAmbiguous = errors.New("no user given")
)

// ExistsError is Create's answer to a handle or email that is taken:
// errors.Is(err, ErrExists) holds, and its message names what is taken and
// what to do, without repeating "already exists" (the API and the CLI show
// it as it is).
type ExistsError struct {
	Field string // "handle" or "email"
	Value string
}

func (e *ExistsError) Error() string {
	if e.Field == "email" {
		return fmt.Sprintf("the email address %s is taken by another user: use another one", e.Value)
	}
	return fmt.Sprintf("the handle %s is taken: choose another one", e.Value)
}

// Unwrap makes errors.Is(err, ErrExists) hold.
func (e *ExistsError) Unwrap() error { return ErrExists }

// DefaultQuota is the seed's default quota: 100 MiB.
const DefaultQuota int64 = 104857600

// User is an account with its quota.
type User struct {
	ID         string    `db:"id" json:"id"`
	Handle     string    `db:"handle" json:"handle"`
	Email      string    `db:"email" json:"email"`
	Role       string    `db:"role" json:"role"`
	IsActive   bool      `db:"is_active" json:"is_active"`
	CanLogin   bool      `db:"can_login" json:"can_login"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
	LimitBytes int64     `db:"limit_bytes" json:"quota_limit_bytes"`
	UsedBytes  int64     `db:"used_bytes" json:"quota_used_bytes"`
}

// NewUser is what Create needs.
type NewUser struct {
	Handle     string
	Email      string
	Admin      bool
	Password   string // "" makes an account that cannot log in
	QuotaBytes int64  // 0 means DefaultQuota
	// HashCost is the password hash's cost; zero is the default.
	HashCost passwords.HashCost
}

var handleRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidateHandle says what is wrong with a handle, or nil. Handles keep
// the letter case they were created with but are unique regardless of it
// (migration 0016's index on lower(handle)): "Alice" and "alice" are one
// account, and every lookup by handle ignores case.
func ValidateHandle(h string) error {
	if !handleRe.MatchString(h) {
		return fmt.Errorf("handle %q: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", h)
	}
	return nil
}

const selectUser = `SELECT u.id, u.handle, u.email, u.role, u.is_active, u.password_hash <> $1 AS can_login, u.created_at,
	COALESCE(q.limit_bytes, 0) AS limit_bytes, COALESCE(q.used_bytes, 0) AS used_bytes
	FROM users u LEFT JOIN quotas q ON q.user_id = u.id`

// lockedHash is the password_hash of an account with no password.
const lockedHash = "!"

// Create adds a user and its quota row. A handle (in any letter case) or
// email that another user has is an *ExistsError (ErrExists).
func Create(ctx context.Context, db *sqlx.DB, n NewUser) (User, error) {
	var id string
	err := database.InTx(ctx, db, func(tx *sqlx.Tx) (err error) {
		id, err = CreateTx(ctx, tx, n)
		return err
	})
	if err != nil {
		return User{}, err
	}
	return Get(ctx, db, id)
}

// CreateTx is Create in the caller's transaction (single sign-on creates
// an account and links its identity at once); it returns the new id.
func CreateTx(ctx context.Context, tx *sqlx.Tx, n NewUser) (string, error) {
	if err := ValidateHandle(n.Handle); err != nil {
		return "", err
	}
	addr, err := mail.ParseAddress(n.Email)
	if err != nil || addr.Address != n.Email || usertext.CheckLine("email", n.Email) != nil {
		return "", fmt.Errorf("email %q is not a valid address (like ann@example.org)", n.Email)
	}
	hash := lockedHash
	if n.Password != "" {
		if hash, err = HashPassword(n.Password, n.HashCost); err != nil {
			return "", err
		}
	}
	quota := n.QuotaBytes
	if quota == 0 {
		quota = DefaultQuota
	}
	if quota < 0 {
		return "", fmt.Errorf("quota must not be negative")
	}
	role := "user"
	if n.Admin {
		role = "admin"
	}
	var id string
	err = tx.QueryRowContext(ctx,
		`INSERT INTO users (handle, email, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING id`,
		n.Handle, n.Email, hash, role).Scan(&id)
	if err != nil {
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == database.UniqueViolation {
			if strings.Contains(pqErr.Constraint, "email") {
				// A message for people: no "create user:" before it.
				return "", &ExistsError{Field: "email", Value: n.Email}
			}
			return "", &ExistsError{Field: "handle", Value: n.Handle}
		}
		return "", fmt.Errorf("create user: %w", err)
	}
	if _, err = tx.ExecContext(ctx, `INSERT INTO quotas (user_id, limit_bytes) VALUES ($1, $2)`, id, quota); err != nil {
		return "", fmt.Errorf("create user: %w", err)
	}
	return id, nil
}

// Get returns the user with id.
func Get(ctx context.Context, db *sqlx.DB, id string) (User, error) {
	var u User
	err := db.GetContext(ctx, &u, selectUser+` WHERE u.id = $2`, lockedHash, id)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	return u, err
}

// ByHandle returns the user with handle, in any letter case (or, failing
// that, with that email). Text that no handle or email can be (see
// pkg/usertext) is ErrNotFound without a query.
func ByHandle(ctx context.Context, db *sqlx.DB, handle string) (User, error) {
	if usertext.CheckLine("handle", handle) != nil {
		return User{}, fmt.Errorf("%w: %q (see `docuvault user list`)", ErrNotFound, handle)
	}
	var u User
	err := db.GetContext(ctx, &u, selectUser+` WHERE lower(u.handle) = lower($2) OR (u.email = $2 AND NOT EXISTS (SELECT 1 FROM users WHERE lower(handle) = lower($2)))`, lockedHash, handle)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("%w: %q (see `docuvault user list`)", ErrNotFound, handle)
	}
	return u, err
}

// List returns every user, by handle.
func List(ctx context.Context, db *sqlx.DB) ([]User, error) {
	var us []User
	err := db.SelectContext(ctx, &us, selectUser+` WHERE $1 = $1 ORDER BY u.handle`, lockedHash)
	return us, err
}

// Resolve returns the user named by handle; with handle "" it returns the
// only user when there is exactly one, else ErrAmbiguous.
func Resolve(ctx context.Context, db *sqlx.DB, handle string) (User, error) {
	if handle != "" {
		return ByHandle(ctx, db, handle)
	}
	var us []User
	if err := db.SelectContext(ctx, &us, selectUser+` WHERE $1 = $1 ORDER BY u.handle LIMIT 2`, lockedHash); err != nil {
		return User{}, err
	}
	switch len(us) {
	case 1:
		return us[0], nil
	case 0:
		return User{}, fmt.Errorf("%w: there are no users yet (create one: docuvault user add HANDLE --email E)", ErrAmbiguous)
	}
	return User{}, fmt.Errorf("%w: there are several users; pass --user HANDLE or set DOCUVAULT_USER", ErrAmbiguous)
}

// SetQuota sets the user's quota limit. A limit below what the user already
// stores is allowed: the user then cannot upload until under it again.
func SetQuota(ctx context.Context, db *sqlx.DB, handle string, limit int64) (User, error) {
	if limit < 0 {
		return User{}, fmt.Errorf("quota must not be negative")
	}
	u, err := ByHandle(ctx, db, handle)
	if err != nil {
		return User{}, err
	}
	_, err = db.ExecContext(ctx, `INSERT INTO quotas (user_id, limit_bytes) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET limit_bytes = EXCLUDED.limit_bytes`, u.ID, limit)
	if err != nil {
		return User{}, fmt.Errorf("set quota: %w", err)
	}
	return Get(ctx, db, u.ID)
}
