package api

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"

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

// healthSummary is /health for a client that may not see the details:
// the overall status and each component's ok, without the latencies and
// the error messages, which name internal hosts, ports and the database
// role. It has the shape of health.Report.
type healthSummary struct {
	Status     string                 `json:"status"`
	Components map[string]componentOK `json:"components"`
}

type componentOK struct {
	OK bool `json:"ok"`
}

func summarize(rep health.Report) healthSummary {
	sum := healthSummary{Status: rep.Status, Components: make(map[string]componentOK, len(rep.Components))}
	for name, c := range rep.Components {
		sum.Components[name] = componentOK{c.OK}
	}
	return sum
}

// healthDetails reports whether r may see /health's whole report: a client
// on loopback (the host's own monitoring; behind a proxy, the client
// address the trusted proxies report, see DOCUVAULT_TRUSTED_PROXIES), or
// one that sends an administrator's access token. Any other client, and a
// token that is invalid or not an administrator's, gets the summary: a
// load balancer needs no token.
func (s *Server) healthDetails(r *http.Request) bool {
	if a, err := netip.ParseAddr(state(r.Context()).clientIP); err == nil && a.Unmap().IsLoopback() {
		return true
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return false
	}
	u, err := s.d.Auth.Authenticate(r.Context(), strings.TrimSpace(token))
	return err == nil && u.Role == "admin"
}
