package api

import (
	"context"
	"fmt"

	"github.com/gomodule/redigo/redis"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/migrations"
	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/health"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/schema"
)

// PooledChecks are the checks of `docuvault health` (same components,
// same report) made through the server's own connection pools, so that a
// load balancer polling /health every few seconds costs a query on an open
// connection, not a new PostgreSQL session with its SCRAM handshake.
func PooledChecks(db *sqlx.DB, store objectstore.Store, pool *redis.Pool) map[string]health.Check {
	return map[string]health.Check{
		"postgres": func(ctx context.Context) error {
			var one int
			if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
				return fmt.Errorf("postgres: SELECT 1: %s", database.Describe(err))
			}
			if err := schema.CheckCurrent(ctx, db.DB, migrations.FS()); err != nil {
				if database.IsPermissionDenied(err) {
					return fmt.Errorf("postgres: the app role cannot read %s: run `docuvault grant`", schema.Table)
				}
				return fmt.Errorf("postgres: %w", err)
			}
			return nil
		},
		"minio": func(ctx context.Context) error {
			if err := store.Ping(ctx); err != nil {
				return fmt.Errorf("minio: %w", err)
			}
			return nil
		},
		"redis": func(ctx context.Context) error {
			c, err := pool.GetContext(ctx)
			if err != nil {
				return fmt.Errorf("redis: %w", err)
			}
			defer c.Close()
			reply, err := redis.String(redis.DoContext(c, ctx, "PING"))
			if err != nil {
				return fmt.Errorf("redis: PING: %w", err)
			}
			if reply != "PONG" {
				return fmt.Errorf("redis: PING answered %q", reply)
			}
			return nil
		},
	}
}
