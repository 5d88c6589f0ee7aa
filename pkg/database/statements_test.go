package database_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/tests/testenv"
)

// TestStatementsExec runs more distinct statements through ExecContext
// than it keeps: each runs and does what it says, the first 64 stay
// prepared on the connection, and the rest run unprepared.
func TestStatementsExec(t *testing.T) {
	ctx := context.Background()
	d := testenv.NewDatabase(t)
	db, err := sqlx.Open("postgres", d.MigrateURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one session, so pg_prepared_statements sees them all
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (n int)`); err != nil {
		t.Fatal(err)
	}
	st := database.NewStatements(db)
	const distinct = 70
	for round := 0; round < 2; round++ {
		for i := range distinct {
			// Distinct texts: a comment makes each statement its own.
			if _, err := st.ExecContext(ctx, fmt.Sprintf(`INSERT INTO t (n) VALUES ($1) -- %d`, i), i); err != nil {
				t.Fatalf("statement %d: %v", i, err)
			}
		}
	}
	var rows, sum int
	if err := db.QueryRowxContext(ctx, `SELECT count(*), coalesce(sum(n), 0) FROM t`).Scan(&rows, &sum); err != nil {
		t.Fatal(err)
	}
	if want := 2 * distinct; rows != want || sum != 2*distinct*(distinct-1)/2 {
		t.Fatalf("table has %d rows summing to %d, want %d rows summing to %d", rows, sum, want, 2*distinct*(distinct-1)/2)
	}
	var kept int
	if err := db.QueryRowxContext(ctx, `SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO t %'`).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	if kept != 64 {
		t.Errorf("%d statements prepared on the session, want 64 (the rest run unprepared)", kept)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowxContext(ctx, `SELECT count(*) FROM pg_prepared_statements`).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	if kept != 0 {
		t.Errorf("%d statements still prepared after Close", kept)
	}
}
