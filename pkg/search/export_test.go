package search

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// Windowed reports whether Search looks for q's newest candidates through
// windows (findBroad) rather than reading every match, as PostgreSQL's
// estimate decides it.
func Windowed(ctx context.Context, db *sqlx.DB, q Query) (bool, error) {
	tx, err := begin(ctx, db)
	if err != nil {
		return false, err
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	st, err := prepare(ctx, tx, q)
	if err != nil || st.query == "" {
		return false, err
	}
	found, err := findBroad(ctx, tx, st, false)
	return found != nil, err
}
