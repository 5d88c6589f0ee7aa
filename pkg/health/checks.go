package health

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/docuvault/docuvault/migrations"
	"github.com/docuvault/docuvault/pkg/config"
	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/redisconn"
	"github.com/docuvault/docuvault/pkg/schema"
)

// Checks returns DocuVault's three checks for cfg: PostgreSQL as the app
// role (SELECT 1, and the schema at this binary's latest migration), the
// object store with the app key (the bucket exists and is reachable), and
// Redis (PING with its password). Each connects afresh: nothing is cached.
func Checks(cfg *config.Config) map[string]Check {
	return map[string]Check{
		"postgres": func(ctx context.Context) error {
			db, err := database.Open(ctx, "DATABASE_URL", cfg.DatabaseURL)
			if err != nil {
				return err
			}
			defer db.Close()
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
			if err := cfg.Require("MINIO_ACCESS_KEY", "MINIO_SECRET_KEY"); err != nil {
				return fmt.Errorf("minio: %w", err)
			}
			store, err := objectstore.New(objectstore.Options{
				Endpoint: cfg.MinioEndpoint, Secure: cfg.MinioSecure, Region: cfg.MinioRegion,
				Bucket: cfg.MinioBucket, AccessKey: cfg.MinioAccessKey, SecretKey: cfg.MinioSecretKey,
			})
			if err != nil {
				return fmt.Errorf("minio: %w", err)
			}
			if err := store.Ping(ctx); err != nil {
				return fmt.Errorf("minio: %s with MINIO_ACCESS_KEY: %w", cfg.MinioEndpoint, err)
			}
			return nil
		},
		"redis": func(ctx context.Context) error {
			return redisconn.Ping(ctx, cfg.RedisURL)
		},
	}
}

// WriteText writes the report as a table for a person.
func (r Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPONENT\tSTATUS\tLATENCY\tERROR")
	for _, n := range r.Names() {
		c := r.Components[n]
		status := "ok"
		if !c.OK {
			status = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%dms\t%s\n", n, status, c.LatencyMS, c.Error)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "overall: %s\n", r.Status)
	return err
}
