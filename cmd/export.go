package cmd

import (
	"fmt"

	"github.com/dustin/go-humanize"
	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/transfer"
)

func newExportCommand(a *app) *cobra.Command {
	var o transfer.ExportOptions
	c := &cobra.Command{
		Use:   "export DIR|FILE.tar [--user H…] [--with-secrets]",
		Short: "Export the vault (or some users) — originals, versions and metadata — to a directory or a tar file",
		Long: `Write every document's bytes (the current version, each older version and
the derived objects) and the metadata (users, quotas, folders, topics with
their rules, saved views, documents with their text, versions, topic
assignments, shares, notes, the audit log) as JSON lines, plus a manifest
with each file's size and SHA-256. A path ending in .tar gets a tar file
(which must not exist); any other path a directory (new or empty).
The rows come from one snapshot; bytes are streamed, never held whole.
Without --with-secrets, password hashes and TOTP secrets are left out (the
accounts need a new password after an import) and so are share links.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withTransfer(ctx, func(db *sqlx.DB, store objectstore.Store) error {
				m, err := transfer.Export(ctx, db, store, args[0], o)
				if err != nil {
					return err
				}
				a.record(ctx, db, audit.Event{Type: audit.Transfer, Metadata: map[string]any{
					"action": "export", "users": o.Users, "with_secrets": o.WithSecrets,
					"documents": m.Counts["documents"], "objects": m.Counts["objects"]}})
				fmt.Fprintf(a.stdout, "exported %d user(s), %d document(s), %d version(s), %d object(s) (%s) to %s\n",
					m.Counts["users"], m.Counts["documents"], m.Counts["document_versions"], m.Counts["objects"],
					humanize.IBytes(uint64(m.ObjectBytes)), args[0])
				return nil
			})
		},
	}
	c.Flags().StringSliceVar(&o.Users, "user", nil, "export only these users (handle; repeat or comma-separate)")
	c.Flags().BoolVar(&o.WithSecrets, "with-secrets", false, "include password hashes, TOTP secrets and share links (keep the export safe)")
	return c
}
