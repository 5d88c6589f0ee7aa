package database

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"github.com/jmoiron/sqlx"
)

// Statements keeps the statements a component runs again and again,
// prepared on first use: PostgreSQL then parses and plans each once per
// connection (database/sql prepares it again on each new one) instead of
// on every run, and lib/pq saves the round trip it spends parsing an
// unprepared statement with arguments. Safe for concurrent use.
type Statements struct {
	db    *sqlx.DB
	mu    sync.Mutex
	stmts map[string]*sqlx.Stmt
}

// NewStatements returns an empty Statements on db.
func NewStatements(db *sqlx.DB) *Statements {
	return &Statements{db: db, stmts: map[string]*sqlx.Stmt{}}
}

// Prepare returns query prepared, preparing it the first time.
func (s *Statements) Prepare(ctx context.Context, query string) (*sqlx.Stmt, error) {
	return s.prepare(ctx, query, -1)
}

// prepare is Prepare keeping at most limit statements (limit < 0: no
// bound); a new statement past the bound is not prepared, and gives nil.
func (s *Statements) prepare(ctx context.Context, query string, limit int) (*sqlx.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.stmts[query]; ok {
		return st, nil
	}
	if limit >= 0 && len(s.stmts) >= limit {
		return nil, nil
	}
	st, err := s.db.PreparexContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.stmts[query] = st
	return st, nil
}

// maxExecKept bounds how many statements ExecContext keeps prepared: a
// caller that sends ever new statement texts does not grow the cache
// without end (past the bound, new ones run unprepared).
const maxExecKept = 64

var _ sqlx.ExecerContext = (*Statements)(nil)

// ExecContext runs query as a statement prepared on first use, so that a
// Statements can stand wherever an sqlx.ExecerContext is taken. After
// maxExecKept distinct statements, further new ones run unprepared.
func (s *Statements) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := s.prepare(ctx, query, maxExecKept)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return s.db.ExecContext(ctx, query, args...)
	}
	return st.ExecContext(ctx, args...)
}

// Close releases the prepared statements; a later Prepare prepares anew.
func (s *Statements) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for q, st := range s.stmts {
		errs = append(errs, st.Close())
		delete(s.stmts, q)
	}
	return errors.Join(errs...)
}
