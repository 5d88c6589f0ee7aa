package schema

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"

	"github.com/lib/pq"
)

// ErrRoleNotFound is returned by Grant when the role does not exist.
type ErrRoleNotFound struct{ Role string }

func (e *ErrRoleNotFound) Error() string {
	return fmt.Sprintf("role %q does not exist: create it first (scripts/postgres/initdb.d/01-docuvault-roles.sh) or pass --role", e.Role)
}

var roleName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]{0,62}$`)

// Grant gives role DML-only access to the public schema of db: USAGE on the
// schema; SELECT, INSERT, UPDATE, DELETE on every table; USAGE and SELECT on
// every sequence; the same by default for tables and sequences the
// connected (migrate) role creates later; and only SELECT on the migrations
// table and on search_index_parts. It never grants CREATE, TRUNCATE,
// REFERENCES or TRIGGER, and it removes CREATE on the schema from PUBLIC. Running it again changes nothing.
//
// db must be connected as the role that owns the schema (the migrate role).
func Grant(ctx context.Context, db *sql.DB, role string) error {
	if !roleName.MatchString(role) {
		return fmt.Errorf("%q is not a valid role name", role)
	}
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", role).Scan(&exists); err != nil {
		return fmt.Errorf("look up role %s: %w", role, err)
	}
	if !exists {
		return &ErrRoleNotFound{Role: role}
	}
	r := pq.QuoteIdentifier(role)
	stmts := []string{
		"REVOKE CREATE ON SCHEMA public FROM PUBLIC",
		"GRANT USAGE ON SCHEMA public TO " + r,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + r,
		"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO " + r,
		"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO " + r,
		"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO " + r,
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	// The app may read which migrations are applied (health does) and
	// which parts the search index has (only docuvault_search_index_cut,
	// run as the migrate role, writes them), never write either.
	for _, tbl := range []string{Table, "search_index_parts"} {
		var exists bool
		if err := tx.QueryRowContext(ctx, "SELECT to_regclass($1) IS NOT NULL", tbl).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			continue
		}
		if _, err := tx.ExecContext(ctx, "REVOKE INSERT, UPDATE, DELETE ON "+tbl+" FROM "+r); err != nil {
			return fmt.Errorf("limit %s to SELECT: %w", tbl, err)
		}
	}
	return tx.Commit()
}
