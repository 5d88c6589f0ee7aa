package cmd

import (
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/transfer"
)

func newImportCommand(a *app) *cobra.Command {
	var o transfer.ImportOptions
	c := &cobra.Command{
		Use:   "import DIR|FILE.tar [--user H…] [--parallel N]",
		Short: "Import an export into this deployment (empty, or merging its users in)",
		Long: `Check every file of the export against its manifest's SHA-256 first: a
changed byte refuses the whole import, naming the file. Then store the
objects and insert the rows in one transaction, committed only once every
object is in the bucket, so a crash leaves no half-import: run the same
command again and it finishes (rows whose id exists are kept as they are,
objects already stored with the same bytes are not sent again).
A user whose handle or email belongs to another account of this deployment
is refused (import the others with --user). An export from a newer schema
is refused. Quotas of the imported users are recomputed from their
documents and versions.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Parallel < 1 || o.Parallel > 256 {
				return usageErrorf("--parallel must be between 1 and 256, not %d", o.Parallel)
			}
			ctx := cmd.Context()
			return a.withTransfer(ctx, func(db *sqlx.DB, store objectstore.Store) error {
				rep, err := transfer.Import(ctx, db, store, args[0], o)
				if err != nil {
					return err
				}
				a.record(ctx, db, audit.Event{Type: audit.Transfer, Metadata: map[string]any{
					"action": "import", "users": o.Users, "documents": rep.Inserted["documents"],
					"objects_stored": rep.ObjectsStored}})
				fmt.Fprintf(a.stdout, "imported %d user(s), %d document(s), %d version(s), %d note(s); %d object(s) stored, %d already there\n",
					rep.Inserted["users"], rep.Inserted["documents"], rep.Inserted["document_versions"], rep.Inserted["notes"],
					rep.ObjectsStored, rep.ObjectsKept)
				return nil
			})
		},
	}
	c.Flags().StringSliceVar(&o.Users, "user", nil, "import only these users of the export (handle; repeat or comma-separate)")
	c.Flags().IntVar(&o.Parallel, "parallel", transfer.DefaultParallel, "objects sent to the object store at once (each holds up to 1 MiB)")
	return c
}
