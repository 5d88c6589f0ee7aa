package cmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/schema"
)

func newGrantCommand(a *app) *cobra.Command {
	var role string
	c := &cobra.Command{
		Use:   "grant",
		Short: "Give the app role DML-only privileges (run after migrate up)",
		Long: `Give the app role (default docuvault_app, env DOCUVAULT_APP_ROLE) USAGE on the
schema, SELECT/INSERT/UPDATE/DELETE on every table, USAGE/SELECT on sequences,
and the same by default on tables later migrations create. No DDL, no TRUNCATE.
Connects with DATABASE_MIGRATE_URL. Safe to run again.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if role == "" {
				role = a.cfg.AppRole
			}
			if err := a.cfg.Require("DATABASE_MIGRATE_URL"); err != nil {
				return err
			}
			ctx := cmd.Context()
			db, err := database.Open(ctx, "DATABASE_MIGRATE_URL", a.cfg.DatabaseMigrateURL)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := schema.Grant(ctx, db.DB, role); err != nil {
				return fmt.Errorf("grant: %w", err)
			}
			fmt.Fprintf(a.stdout, "granted DML on schema public to %s\n", role)
			return nil
		},
	}
	c.Flags().StringVar(&role, "role", "", "role to grant to (default: DOCUVAULT_APP_ROLE, docuvault_app)")
	return c
}
