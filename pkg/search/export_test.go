package search

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// Walked reports whether Search looks for q's newest candidates in
// search_index (findNewest) from the start rather than reading every
// match (see walked).
func Walked(ctx context.Context, db *sqlx.DB, q Query) (bool, error) {
	tx, err := begin(ctx, db)
	if err != nil {
		return false, err
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	st, err := prepare(ctx, tx, q)
	if err != nil || st.query == "" {
		return false, err
	}
	found, err := findNewest(ctx, tx, st, false)
	return found != nil, err
}
