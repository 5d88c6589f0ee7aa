package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/storage"
)

func newFsckCommand(a *app) *cobra.Command {
	var (
		o      storage.FsckOptions
		asJSON bool
	)
	c := &cobra.Command{
		Use:   "fsck [--repair]",
		Short: "Find (and with --repair fix) objects without rows, rows without objects and quota drift",
		Long: `Compare the bucket with the documents table (and the documents' older
versions and derived objects) and each quota with the owner's documents. Reports objects without a row, rows whose object is gone, uploads
that never finished (older than --grace: their rows, and multipart uploads
left incomplete in the bucket), and quota drift. With --repair it aborts the
incomplete multipart uploads, deletes orphan objects, removes rows without
objects and stale uploads, and sets each quota to the sum of the owner's
documents.
Exit 0 when nothing is wrong (or all of it was repaired), 1 otherwise. When
the check cannot run (a service down) nothing is printed on stdout, the
error goes to stderr, exit 1.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Grace < 0 {
				return usageErrorf("--grace must not be negative")
			}
			if o.Grace == 0 {
				o.Grace = time.Nanosecond // 0 on the command line means: no grace
			}
			ctx := cmd.Context()
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			svc, closeStorage, err := a.openStorage(ctx, db)
			if err != nil {
				return err
			}
			defer closeStorage()
			rep, err := svc.Fsck(ctx, o)
			if err != nil && !errors.Is(err, storage.ErrRepair) {
				// The check could not run: no report, which would read as
				// a clean vault; the error goes to stderr.
				return fmt.Errorf("fsck could not check the vault: %w", err)
			}
			if asJSON {
				if e := json.NewEncoder(a.stdout).Encode(rep); e != nil {
					return e
				}
			} else {
				printFsck(a, rep)
			}
			if err != nil {
				return err
			}
			if rep.Problems() > 0 && !rep.Repaired {
				return errors.New("fsck: problems found; run again with --repair to fix them")
			}
			return nil
		},
	}
	c.Flags().BoolVar(&o.Repair, "repair", false, "fix what is found")
	c.Flags().DurationVar(&o.Grace, "grace", time.Hour, "leave uploads and objects younger than this alone (they may be in flight); 0 for none")
	c.Flags().BoolVar(&asJSON, "json", false, "print the report as one JSON object")
	return c
}

func printFsck(a *app, rep storage.FsckReport) {
	for _, k := range rep.OrphanObjects {
		fmt.Fprintf(a.stdout, "object without row: %s\n", k)
	}
	for _, d := range rep.MissingObjects {
		fmt.Fprintf(a.stdout, "row without object: document %s (%s)\n", d.ID, d.Filename)
	}
	for _, o := range rep.MissingDerived {
		fmt.Fprintf(a.stdout, "row without object: %s of document %s\n", strings.ReplaceAll(o.Kind, "_", " "), o.DocumentID)
	}
	for _, v := range rep.MissingVersions {
		fmt.Fprintf(a.stdout, "row without object: version %d of document %s (%s)\n", v.Number, v.DocumentID, v.Filename)
	}
	for _, d := range rep.StaleUploads {
		fmt.Fprintf(a.stdout, "unfinished upload: document %s (%s), since %s\n", d.ID, d.Filename, d.UpdatedAt.UTC().Format(time.RFC3339))
	}
	for _, u := range rep.IncompleteUploads {
		fmt.Fprintf(a.stdout, "incomplete multipart upload: %s (upload %s), since %s\n", u.Key, u.UploadID, u.Initiated.UTC().Format(time.RFC3339))
	}
	for _, q := range rep.QuotaDrift {
		fmt.Fprintf(a.stdout, "quota drift: user %s uses %d bytes, documents sum to %d\n", q.UserID, q.Used, q.Actual)
	}
	for _, u := range rep.MissingQuotas {
		fmt.Fprintf(a.stdout, "user without quota row: %s\n", u)
	}
	switch {
	case rep.Problems() == 0:
		fmt.Fprintln(a.stdout, "fsck: nothing to repair")
	case rep.Repaired:
		fmt.Fprintf(a.stdout, "fsck: repaired %d problem(s)\n", rep.Problems())
	default:
		fmt.Fprintf(a.stdout, "fsck: %d problem(s) found\n", rep.Problems())
	}
}
