package database

import (
	"context"
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
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.stmts[query]; ok {
		return st, nil
	}
	st, err := s.db.PreparexContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.stmts[query] = st
	return st, nil
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
