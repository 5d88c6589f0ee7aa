// Package database opens DocuVault's PostgreSQL connections (sqlx over
// lib/pq) with bounded connect times, and turns connection failures into
// one-line errors that name the setting to fix and never the password.
package database

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// DefaultConnectTimeout bounds dialling and the start-up handshake when the
// URL does not set connect_timeout itself.
const DefaultConnectTimeout = 5 * time.Second

// MaxIdleConns is how many idle connections a pool keeps.
const MaxIdleConns = 16

// Open connects to the database at dsn and checks the connection with a
// ping. setting names the variable the DSN came from (DATABASE_URL,
// DATABASE_MIGRATE_URL) for error messages.
func Open(ctx context.Context, setting, dsn string) (*sqlx.DB, error) {
	if dsn == "" {
		return nil, fmt.Errorf("postgres: %s is not set", setting)
	}
	full, target, err := withConnectTimeout(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s is not a valid PostgreSQL URL (postgres://user:password@host:port/db): %w", setting, err)
	}
	db, err := sqlx.Open("postgres", full)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", setting, err)
	}
	// Keep connections for concurrent work (upload --parallel, the API):
	// database/sql's default of 2 idle ones made every other query open a
	// new session (a process and a SCRAM handshake on the server).
	db.SetMaxIdleConns(MaxIdleConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: cannot connect to %s with %s: %s", target, setting, Describe(err))
	}
	return db, nil
}

// withConnectTimeout adds connect_timeout, binary_parameters and jit to a
// URL-form DSN unless it sets them, and returns a description of the target (user@host:port/db) that
// carries no password.
func withConnectTimeout(dsn string) (string, string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", "", errors.New("it does not parse")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return "", "", fmt.Errorf("scheme %q is not postgres://", u.Scheme)
	}
	q := u.Query()
	if !q.Has("connect_timeout") {
		q.Set("connect_timeout", fmt.Sprint(int(DefaultConnectTimeout.Seconds())))
	}
	if !q.Has("binary_parameters") {
		// One round trip per query with parameters instead of lib/pq's
		// default two (prepare, then execute).
		q.Set("binary_parameters", "yes")
	}
	if !q.Has("jit") {
		// No JIT compilation: DocuVault's queries are short, and the
		// access checks' correlated subqueries (pkg/shares.Grants, with
		// its folder tree walk that runs once per statement) are costed
		// per row, which crosses jit_above_cost on a few thousand
		// documents; compiling then took seconds for a query that runs
		// in milliseconds. A DSN with jit=on keeps it.
		q.Set("jit", "off")
	}
	u.RawQuery = q.Encode()
	target := u.Host + u.Path
	if u.User != nil {
		target = u.User.Username() + "@" + target
	}
	return u.String(), target, nil
}

// Describe turns a PostgreSQL error into a short phrase for a person: the
// server's message for a server error, the network error otherwise.
func Describe(err error) string {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		msg := pqErr.Message
		switch pqErr.Code {
		case "28P01", "28000":
			msg += " (check the user and password)"
		case "3D000":
			msg += " (check the database name)"
		}
		return msg
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	s := strings.TrimPrefix(err.Error(), "pq: ")
	if strings.Contains(s, "SSL is not enabled on the server") {
		s += " (add ?sslmode=disable to the URL, or enable TLS on the server)"
	}
	return s
}

// InTx runs fn in a transaction on db, committing when fn returns nil and
// rolling back otherwise.
func InTx(ctx context.Context, db *sqlx.DB, fn func(*sqlx.Tx) error) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// IsPermissionDenied reports whether err is PostgreSQL's insufficient_privilege.
func IsPermissionDenied(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "42501"
}

// SQLSTATE codes of the PostgreSQL errors that callers turn into answers of
// their own (a name taken, a row referred to that is gone).
const (
	UniqueViolation     pq.ErrorCode = "23505"
	ForeignKeyViolation pq.ErrorCode = "23503"
)

// ErrorCode returns the SQLSTATE code of err when it is, or wraps, an error
// PostgreSQL answered with, and "" otherwise.
func ErrorCode(err error) pq.ErrorCode {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return pqErr.Code
	}
	return ""
}
