// Package ingest keeps what DocuVault's sources (watch folders now; e-mail
// and cloud connections later) could not take in: one row per user and
// path with the reason, so that a person sees it in `docuvault watch
// --status`, GET /api/ingest/errors and the web app. A path's row goes when
// the path is taken later.
package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Sources of ingestion.
const (
	SourceWatch = "watch"
	SourceCloud = "cloud" // a cloud connection (pkg/cloud); location is its name
	SourceMail  = "imap"  // e-mail (pkg/mail): location the account's name, path an IMAP URL of the message
)

// Error is one path a source could not take in.
type Error struct {
	ID       string    `db:"id" json:"id"`
	UserID   string    `db:"user_id" json:"-"`
	Source   string    `db:"source" json:"source"`
	Location string    `db:"location" json:"location"`
	Path     string    `db:"path" json:"path"`
	Reason   string    `db:"reason" json:"reason"`
	Attempts int       `db:"attempts" json:"attempts"`
	FirstAt  time.Time `db:"first_at" json:"first_at"`
	LastAt   time.Time `db:"last_at" json:"last_at"`
}

// MaxReason bounds a stored reason (characters).
const MaxReason = 1000

// Record stores (or, for a path already failed, updates and counts) the
// failure of path.
func Record(ctx context.Context, db sqlx.ExecerContext, owner, source, location, path, reason string) error {
	if r := []rune(reason); len(r) > MaxReason {
		reason = string(r[:MaxReason])
	}
	_, err := db.ExecContext(ctx, `
		INSERT INTO ingest_errors (user_id, source, location, path, reason)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id, source, path) DO UPDATE
		SET reason = EXCLUDED.reason, location = EXCLUDED.location,
		    attempts = ingest_errors.attempts + 1, last_at = now()`,
		owner, source, location, path, reason)
	if err != nil {
		return fmt.Errorf("record ingest error: %w", err)
	}
	return nil
}

// Clear removes path's failure, if any (it has been taken).
func Clear(ctx context.Context, db sqlx.ExecerContext, owner, source, path string) error {
	if _, err := db.ExecContext(ctx, `DELETE FROM ingest_errors WHERE user_id = $1 AND source = $2 AND path = $3`, owner, source, path); err != nil {
		return fmt.Errorf("clear ingest error: %w", err)
	}
	return nil
}

// Paths returns the paths of owner's failures from source, to know which
// paths have a row to clear.
func Paths(ctx context.Context, db *sqlx.DB, owner, source string) (map[string]bool, error) {
	var ps []string
	if err := db.SelectContext(ctx, &ps, `SELECT path FROM ingest_errors WHERE user_id = $1 AND source = $2`, owner, source); err != nil {
		return nil, fmt.Errorf("list ingest errors: %w", err)
	}
	m := make(map[string]bool, len(ps))
	for _, p := range ps {
		m[p] = true
	}
	return m, nil
}

// List returns owner's failures, the latest first, at most limit of them.
func List(ctx context.Context, db *sqlx.DB, owner string, limit int) ([]Error, error) {
	out := []Error{}
	if err := db.SelectContext(ctx, &out, `
		SELECT id, user_id, source, location, path, reason, attempts, first_at, last_at
		FROM ingest_errors WHERE user_id = $1
		ORDER BY last_at DESC, path LIMIT $2`, owner, limit); err != nil {
		return nil, fmt.Errorf("list ingest errors: %w", err)
	}
	return out, nil
}

// Count returns how many failures owner has.
func Count(ctx context.Context, db *sqlx.DB, owner string) (int, error) {
	var n int
	if err := db.GetContext(ctx, &n, `SELECT count(*) FROM ingest_errors WHERE user_id = $1`, owner); err != nil {
		return 0, fmt.Errorf("count ingest errors: %w", err)
	}
	return n, nil
}
