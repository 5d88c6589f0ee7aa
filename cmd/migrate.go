package cmd

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/migrations"
	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/schema"
)

func newMigrateCommand(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "migrate",
		Short: "Apply or roll back the database schema (as DATABASE_MIGRATE_URL)",
		Long: `Apply or roll back DocuVault's schema. The SQL is embedded in this binary;
migrate connects only with DATABASE_MIGRATE_URL (the DDL role) and holds a
PostgreSQL advisory lock, so concurrent runs apply each migration once.`,
		Args: usageArgs(cobra.NoArgs),
	}
	c.AddCommand(
		&cobra.Command{
			Use:   "up",
			Short: "Apply every pending migration",
			Args:  usageArgs(cobra.NoArgs),
			RunE: func(cmd *cobra.Command, _ []string) error {
				return a.withMigrator(cmd.Context(), func(ctx context.Context, m *schema.Migrator) error {
					n, err := m.Up(ctx)
					if err != nil {
						return fmt.Errorf("migrate up: %w", err)
					}
					fmt.Fprintf(a.stdout, "applied %d migration(s)\n", n)
					return nil
				})
			},
		},
		newMigrateDownCommand(a),
		&cobra.Command{
			Use:   "status",
			Short: "List migrations and whether each is applied",
			Args:  usageArgs(cobra.NoArgs),
			RunE: func(cmd *cobra.Command, _ []string) error {
				return a.withMigrator(cmd.Context(), func(ctx context.Context, m *schema.Migrator) error {
					st, err := m.Status(ctx)
					if err != nil {
						return fmt.Errorf("migrate status: %w", err)
					}
					tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "MIGRATION\tAPPLIED")
					for _, s := range st {
						applied := "pending"
						if s.AppliedAt != nil {
							applied = s.AppliedAt.UTC().Format(time.RFC3339)
						}
						fmt.Fprintf(tw, "%s\t%s\n", s.ID, applied)
					}
					return tw.Flush()
				})
			},
		},
		&cobra.Command{
			Use:   "redo",
			Short: "Roll back the last applied migration and apply it again",
			Args:  usageArgs(cobra.NoArgs),
			RunE: func(cmd *cobra.Command, _ []string) error {
				return a.withMigrator(cmd.Context(), func(ctx context.Context, m *schema.Migrator) error {
					id, err := m.Redo(ctx)
					if err != nil {
						return fmt.Errorf("migrate redo: %w", err)
					}
					fmt.Fprintf(a.stdout, "redid %s\n", id)
					return nil
				})
			},
		},
	)
	return c
}

func newMigrateDownCommand(a *app) *cobra.Command {
	var steps int
	c := &cobra.Command{
		Use:   "down",
		Short: "Roll back the last applied migration (or --steps N)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if steps < 1 {
				return usageErrorf("--steps must be at least 1, not %d", steps)
			}
			return a.withMigrator(cmd.Context(), func(ctx context.Context, m *schema.Migrator) error {
				n, err := m.Down(ctx, steps)
				if err != nil {
					return fmt.Errorf("migrate down: %w", err)
				}
				fmt.Fprintf(a.stdout, "rolled back %d migration(s)\n", n)
				return nil
			})
		},
	}
	c.Flags().IntVar(&steps, "steps", 1, "how many migrations to roll back")
	return c
}

func (a *app) withMigrator(ctx context.Context, fn func(context.Context, *schema.Migrator) error) error {
	if err := a.cfg.Require("DATABASE_MIGRATE_URL"); err != nil {
		return err
	}
	db, err := database.Open(ctx, "DATABASE_MIGRATE_URL", a.cfg.DatabaseMigrateURL)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(ctx, schema.NewMigrator(db.DB, migrations.FS()))
}
