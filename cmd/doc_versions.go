package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/dustin/go-humanize"
	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/users"
)

// withDocStorage is withOwner with the storage service and typed resolved
// to one of u's documents.
func (a *app) withDocStorage(ctx context.Context, user, typed, what string, fn func(*sqlx.DB, users.User, *storage.Service, string) error) error {
	return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
		id, err := docID(ctx, db, u, typed, what)
		if err != nil {
			return err
		}
		svc, closeStorage, err := a.openStorage(ctx, db)
		if err != nil {
			return err
		}
		defer closeStorage()
		return fn(db, u, svc, id)
	})
}

func versionArg(s, what string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, usageErrorf("%s: %q is not a version number (1, 2, …; see `docuvault doc versions ID`)", what, s)
	}
	return n, nil
}

// versionError says what to do about a version that is not there.
func versionError(what string, u users.User, id string, err error) error {
	if errors.Is(err, storage.ErrNoVersion) {
		return fmt.Errorf("%s: %s's document %s has no such version (see `docuvault doc versions %s`)", what, u.Handle, id, id)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// runNewVersion stores path as the new current content of u's document typed.
func (a *app) runNewVersion(ctx context.Context, user, typed, path string, asJSON bool) error {
	return a.withDocStorage(ctx, user, typed, "upload --new-version-of", func(db *sqlx.DB, u users.User, svc *storage.Service, id string) error {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("upload --new-version-of: %w", err)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return fmt.Errorf("upload --new-version-of: %w", err)
		}
		d, v, err := svc.NewVersion(ctx, storage.VersionInput{OwnerID: u.ID, DocumentID: id, Filename: st.Name(), Body: f, Size: st.Size()})
		if err != nil && d.ID == "" {
			return fmt.Errorf("upload --new-version-of: %s: %w", path, err)
		}
		if err != nil {
			fmt.Fprintf(a.stderr, "warning: %v\n", err)
		}
		a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.Version, ResourceID: id,
			Metadata: map[string]any{"action": "upload", "filename": d.Filename, "size_bytes": d.SizeBytes, "kept_as": v.Number}})
		if asJSON {
			return json.NewEncoder(a.stdout).Encode(map[string]any{"document": d, "version": v})
		}
		fmt.Fprintf(a.stdout, "new version %s → %s (%s, %s); the previous content is version %d\n",
			path, d.ID, d.ContentType, humanize.IBytes(uint64(d.SizeBytes)), v.Number)
		return nil
	})
}

func newDocVersionsCommand(a *app) *cobra.Command {
	var user string
	var asJSON bool
	c := &cobra.Command{
		Use:   "versions ID [--user H] [--json]",
		Short: "List a document's older versions, newest first (upload one with `docuvault upload --new-version-of ID FILE`)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withDocStorage(ctx, user, args[0], "doc versions", func(_ *sqlx.DB, u users.User, svc *storage.Service, id string) error {
				d, err := svc.Get(ctx, u.ID, id)
				if err != nil {
					return err
				}
				vs, err := svc.Versions(ctx, u.ID, id)
				if err != nil {
					return err
				}
				if asJSON {
					return json.NewEncoder(a.stdout).Encode(map[string]any{"document": d, "versions": vs})
				}
				w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "VERSION\tFILENAME\tTYPE\tSIZE\tREPLACED")
				fmt.Fprintf(w, "current\t%s\t%s\t%s\t-\n", d.Filename, d.ContentType, humanize.IBytes(uint64(d.SizeBytes)))
				for _, v := range vs {
					fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", v.Number, v.Filename, v.ContentType, humanize.IBytes(uint64(v.SizeBytes)),
						v.CreatedAt.Local().Format("2006-01-02 15:04"))
				}
				return w.Flush()
			})
		},
	}
	c.Flags().StringVar(&user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func newDocVersionCommand(a *app) *cobra.Command {
	c := &cobra.Command{Use: "version", Short: "Get, restore or delete one older version of a document", Args: usageArgs(cobra.NoArgs)}
	var user, output string

	restore := &cobra.Command{
		Use:   "restore ID N [--user H]",
		Short: "Make version N the current content again; the current one becomes the newest version",
		Args:  usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := versionArg(args[1], "doc version restore")
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			return a.withDocStorage(ctx, user, args[0], "doc version restore", func(db *sqlx.DB, u users.User, svc *storage.Service, id string) error {
				d, kept, err := svc.RestoreVersion(ctx, u.ID, id, n, "")
				if err != nil && d.ID == "" {
					return versionError("doc version restore", u, id, err)
				}
				if err != nil {
					fmt.Fprintf(a.stderr, "warning: %v\n", err)
				}
				a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.Restore, ResourceID: id,
					Metadata: map[string]any{"version": n, "filename": d.Filename, "kept_as": kept.Number}})
				fmt.Fprintf(a.stdout, "restored version %d of %s (%s); the replaced content is version %d\n", n, id, d.Filename, kept.Number)
				return nil
			})
		},
	}
	rm := &cobra.Command{
		Use:   "rm ID N [--user H]",
		Short: "Delete version N for good (never the current content)",
		Args:  usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := versionArg(args[1], "doc version rm")
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			return a.withDocStorage(ctx, user, args[0], "doc version rm", func(db *sqlx.DB, u users.User, svc *storage.Service, id string) error {
				v, err := svc.DeleteVersion(ctx, u.ID, id, n)
				if err != nil {
					return versionError("doc version rm", u, id, err)
				}
				a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.Version, ResourceID: id,
					Metadata: map[string]any{"action": "delete", "version": n, "filename": v.Filename, "size_bytes": v.SizeBytes}})
				fmt.Fprintf(a.stdout, "deleted version %d of %s (%s, %s freed)\n", n, id, v.Filename, humanize.IBytes(uint64(v.SizeBytes)))
				return nil
			})
		},
	}
	get := &cobra.Command{
		Use:   "get ID N [-o FILE|-] [--user H]",
		Short: "Download version N (to its filename in the current directory, FILE, or - for stdout)",
		Args:  usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := versionArg(args[1], "doc version get")
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			return a.withDocStorage(ctx, user, args[0], "doc version get", func(db *sqlx.DB, u users.User, svc *storage.Service, id string) error {
				rc, v, err := svc.OpenVersion(ctx, u.ID, id, n)
				if err != nil {
					return versionError("doc version get", u, id, err)
				}
				defer rc.Close()
				if err := a.writeDownload(output, v.Filename, rc, v.SizeBytes, v.SHA256); err != nil {
					return err
				}
				a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.Download, ResourceID: id,
					Metadata: map[string]any{"filename": v.Filename, "version": n, "bytes": v.SizeBytes}})
				return nil
			})
		},
	}
	get.Flags().StringVarP(&output, "output", "o", "", "file to write, - for stdout (default: the version's filename, not overwritten)")
	for _, sub := range []*cobra.Command{restore, rm, get} {
		sub.Flags().StringVar(&user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
		c.AddCommand(sub)
	}
	return c
}
