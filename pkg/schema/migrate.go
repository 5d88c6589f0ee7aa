// Package schema applies DocuVault's migrations and grants the app role its
// privileges: the two deploy steps run as the DDL role (DATABASE_MIGRATE_URL).
//
// sql-migrate takes no lock of its own, so every Migrator call holds a
// PostgreSQL advisory lock on one dedicated connection for its whole run:
// several `docuvault migrate up` started at once wait for each other, and
// each migration is applied exactly once.
package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"time"

	migrate "github.com/rubenv/sql-migrate"
)

// Table is the table sql-migrate records applied migrations in.
const Table = "docuvault_migrations"

// lockKey is the advisory lock every migrate run holds ("docuvault" in ASCII).
const lockKey int64 = 0x646f63757661756c

// Migrator runs the migrations in an fs.FS against one database.
type Migrator struct {
	db     *sql.DB
	source migrate.MigrationSource
	set    migrate.MigrationSet
}

// NewMigrator returns a Migrator for db with the .sql files at the top of fsys.
func NewMigrator(db *sql.DB, fsys fs.FS) *Migrator {
	return &Migrator{
		db:     db,
		source: migrate.HttpFileSystemMigrationSource{FileSystem: http.FS(fsys)},
		set:    migrate.MigrationSet{TableName: Table},
	}
}

// Status is one migration and whether it is applied.
type Status struct {
	ID        string
	AppliedAt *time.Time // nil when pending
}

// Up applies every pending migration and returns how many it applied.
func (m *Migrator) Up(ctx context.Context) (int, error) {
	return m.exec(ctx, migrate.Up, 0)
}

// Down rolls back the last steps applied migrations (steps >= 1).
func (m *Migrator) Down(ctx context.Context, steps int) (int, error) {
	if steps < 1 {
		return 0, fmt.Errorf("steps must be at least 1, not %d", steps)
	}
	return m.exec(ctx, migrate.Down, steps)
}

// Redo rolls back the last applied migration and applies it again.
func (m *Migrator) Redo(ctx context.Context) (string, error) {
	var id string
	err := m.locked(ctx, func() error {
		records, err := m.set.GetMigrationRecords(m.db, "postgres")
		if err != nil {
			return fmt.Errorf("read applied migrations: %w", err)
		}
		if len(records) == 0 {
			return errors.New("no migration is applied: nothing to redo")
		}
		id = records[len(records)-1].Id
		if _, err := m.set.ExecMaxContext(ctx, m.db, "postgres", m.source, migrate.Down, 1); err != nil {
			return fmt.Errorf("roll back %s: %w", id, err)
		}
		if _, err := m.set.ExecMaxContext(ctx, m.db, "postgres", m.source, migrate.Up, 1); err != nil {
			return fmt.Errorf("apply %s again: %w", id, err)
		}
		return nil
	})
	return id, err
}

// Status lists every known migration, embedded or applied, in order.
func (m *Migrator) Status(ctx context.Context) ([]Status, error) {
	var out []Status
	err := m.locked(ctx, func() error {
		known, err := m.source.FindMigrations()
		if err != nil {
			return fmt.Errorf("read migrations: %w", err)
		}
		records, err := m.set.GetMigrationRecords(m.db, "postgres")
		if err != nil {
			return fmt.Errorf("read applied migrations: %w", err)
		}
		applied := map[string]time.Time{}
		for _, r := range records {
			applied[r.Id] = r.AppliedAt
		}
		for _, k := range known {
			s := Status{ID: k.Id}
			if at, ok := applied[k.Id]; ok {
				at := at
				s.AppliedAt = &at
				delete(applied, k.Id)
			}
			out = append(out, s)
		}
		for _, r := range records {
			if _, unknown := applied[r.Id]; unknown {
				at := r.AppliedAt
				out = append(out, Status{ID: r.Id + " (not in this binary)", AppliedAt: &at})
			}
		}
		return nil
	})
	return out, err
}

func (m *Migrator) exec(ctx context.Context, dir migrate.MigrationDirection, max int) (int, error) {
	var n int
	err := m.locked(ctx, func() error {
		var err error
		n, err = m.set.ExecMaxContext(ctx, m.db, "postgres", m.source, dir, max)
		return err
	})
	return n, err
}

// locked runs fn while holding the migrate advisory lock on a dedicated
// connection; fn itself runs on other connections of the pool.
func (m *Migrator) locked(ctx context.Context, fn func() error) error {
	conn, err := m.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connection for the migrate lock: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return fmt.Errorf("take the migrate lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must be released even when ctx is done.
		// Closing conn would release it too, but it goes back to the pool.
		unlockCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(unlockCtx, "SELECT pg_advisory_unlock($1)", lockKey); err != nil {
			_ = conn.Raw(func(any) error { return errors.New("drop connection") })
		}
	}()
	return fn()
}

// Embedded returns the ids of the migrations in fsys, in order.
func Embedded(fsys fs.FS) ([]string, error) {
	ms, err := migrate.HttpFileSystemMigrationSource{FileSystem: http.FS(fsys)}.FindMigrations()
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.Id
	}
	return ids, nil
}

// ErrNotMigrated is returned by CheckCurrent when the database has no
// migrations table: `docuvault migrate up` never ran against it.
var ErrNotMigrated = errors.New("the schema is not migrated: run `docuvault migrate up` (and `docuvault grant`)")

// CheckCurrent reports whether the database's applied migrations are
// exactly fsys's. It only reads, so the app role can run it. It returns
// ErrNotMigrated, or an error naming the pending or unknown migrations.
func CheckCurrent(ctx context.Context, db *sql.DB, fsys fs.FS) error {
	want, err := Embedded(fsys)
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	var exists bool
	if err := db.QueryRowContext(ctx, "SELECT to_regclass($1) IS NOT NULL", Table).Scan(&exists); err != nil {
		return fmt.Errorf("look for %s: %w", Table, err)
	}
	if !exists {
		return ErrNotMigrated
	}
	rows, err := db.QueryContext(ctx, "SELECT id FROM "+Table)
	if err != nil {
		return fmt.Errorf("read %s: %w", Table, err)
	}
	defer rows.Close()
	applied := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		applied[id] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var pending []string
	for _, id := range want {
		if !applied[id] {
			pending = append(pending, id)
		}
		delete(applied, id)
	}
	if len(pending) > 0 {
		return fmt.Errorf("%d migration(s) pending (%s): run `docuvault migrate up`", len(pending), pending[0])
	}
	if len(applied) > 0 {
		return fmt.Errorf("the database has %d migration(s) this binary does not know: it is older than the schema", len(applied))
	}
	return nil
}
