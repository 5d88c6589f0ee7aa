package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/folders"
	"github.com/docuvault/docuvault/pkg/users"
)

// folderOptions are the flags every folder subcommand shares.
type folderOptions struct {
	User string
	JSON bool
}

func newFolderCommand(a *app) *cobra.Command {
	c := &cobra.Command{Use: "folder", Short: "Manage a user's folders (a tree; documents are filed in one folder each)", Args: usageArgs(cobra.NoArgs)}
	userFlag := func(cmd *cobra.Command, o *folderOptions) {
		cmd.Flags().StringVar(&o.User, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	}
	var listOpts, addOpts, renameOpts, moveOpts, rmOpts folderOptions
	list := &cobra.Command{
		Use:   "list [--user H] [--json]",
		Short: "List a user's folders by path, with how many documents each holds",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runFolderList(cmd.Context(), a, listOpts)
		},
	}
	userFlag(list, &listOpts)
	list.Flags().BoolVar(&listOpts.JSON, "json", false, "one JSON object per folder per line")
	add := &cobra.Command{
		Use:   "add PATH [--user H]",
		Short: "Create a folder: NAME at the top level, or PARENT/NAME inside an existing folder",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFolderAdd(cmd.Context(), a, addOpts, args[0])
		},
	}
	userFlag(add, &addOpts)
	rename := &cobra.Command{
		Use:   "rename FOLDER NEW_NAME [--user H]",
		Short: "Rename a folder (FOLDER: its path or id)",
		Args:  usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFolderUpdate(cmd.Context(), a, renameOpts, args[0], &args[1], nil)
		},
	}
	userFlag(rename, &renameOpts)
	move := &cobra.Command{
		Use:   "move FOLDER PARENT [--user H]",
		Short: `Move a folder, with its subfolders and documents, into PARENT ("/": the top level)`,
		Args:  usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFolderUpdate(cmd.Context(), a, moveOpts, args[0], nil, &args[1])
		},
	}
	userFlag(move, &moveOpts)
	rm := &cobra.Command{
		Use:   "rm FOLDER [--user H]",
		Short: "Delete a folder and its subfolders; their documents are kept, in no folder",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFolderRm(cmd.Context(), a, rmOpts, args[0])
		},
	}
	userFlag(rm, &rmOpts)
	c.AddCommand(list, add, rename, move, rm)
	c.AddCommand(newFolderShareCommands(a)...)
	return c
}

// folderError makes a caller's mistake with a folder argument a usage error
// (exit 64): a name that cannot be used, a move into itself. A folder not
// found or a name taken keep exit 1, as topics' do.
func folderError(what string, err error) error {
	if errors.Is(err, folders.ErrInvalid) || errors.Is(err, folders.ErrCycle) {
		return exitcode.With(exitcode.Usage, fmt.Errorf("%s: %w", what, err))
	}
	var fe *folders.Error
	if errors.As(err, &fe) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return err
}

// folderRow is one line of "folder list --json".
type folderRow struct {
	folders.Folder
	Path string `json:"path"`
}

func runFolderList(ctx context.Context, a *app, o folderOptions) error {
	return a.withOwner(ctx, o.User, func(db *sqlx.DB, u users.User) error {
		fs, err := folders.List(ctx, db, u.ID)
		if err != nil {
			return err
		}
		paths := folders.Paths(fs)
		rows := make([]folderRow, len(fs))
		for i, f := range fs {
			rows[i] = folderRow{Folder: f, Path: paths[f.ID]}
		}
		// By path, so that a folder's subfolders follow it.
		sortRows(rows)
		if o.JSON {
			enc := json.NewEncoder(a.stdout)
			for _, r := range rows {
				if err := enc.Encode(r); err != nil {
					return err
				}
			}
			return nil
		}
		if len(rows) == 0 {
			fmt.Fprintf(a.stdout, "%s has no folders (create one: docuvault folder add NAME)\n", u.Handle)
			return nil
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PATH\tDOCUMENTS\tID")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%d\t%s\n", r.Path, r.DocumentCount, r.ID)
		}
		return tw.Flush()
	})
}

func sortRows(rows []folderRow) {
	// "\x00" for '/': "A/B" sorts right after "A", before "A B".
	key := func(r folderRow) string { return strings.ReplaceAll(r.Path, "/", "\x00") }
	sort.Slice(rows, func(i, j int) bool { return key(rows[i]) < key(rows[j]) })
}

func runFolderAdd(ctx context.Context, a *app, o folderOptions, path string) error {
	return a.withOwner(ctx, o.User, func(db *sqlx.DB, u users.User) error {
		path = strings.TrimPrefix(path, "/")
		var parent *string
		name := path
		if i := strings.LastIndex(path, "/"); i >= 0 {
			p, err := folders.Resolve(ctx, db, u.ID, path[:i])
			if err != nil {
				return folderError("folder add", err)
			}
			parent, name = &p.ID, path[i+1:]
		}
		f, err := folders.Create(ctx, db, u.ID, name, parent)
		if err != nil {
			return folderError("folder add", err)
		}
		a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.FolderChange, ResourceID: f.ID, Metadata: map[string]any{"action": "create", "name": f.Name}})
		fmt.Fprintf(a.stdout, "created folder %q for %s (%s)\n", path, u.Handle, f.ID)
		return nil
	})
}

func runFolderUpdate(ctx context.Context, a *app, o folderOptions, ref string, name, parentRef *string) error {
	what := "folder rename"
	if parentRef != nil {
		what = "folder move"
	}
	return a.withOwner(ctx, o.User, func(db *sqlx.DB, u users.User) error {
		f, err := folders.Resolve(ctx, db, u.ID, ref)
		if err != nil {
			return folderError(what, err)
		}
		var parent **string
		if parentRef != nil {
			var p *string // nil: the top level
			if strings.Trim(*parentRef, "/") != "" {
				pf, err := folders.Resolve(ctx, db, u.ID, *parentRef)
				if err != nil {
					return folderError(what, err)
				}
				p = &pf.ID
			}
			parent = &p
		}
		updated, err := folders.Update(ctx, db, u.ID, f.ID, name, parent)
		if err != nil {
			return folderError(what, err)
		}
		meta := map[string]any{"action": "update", "name": updated.Name, "old_name": f.Name}
		if parent != nil {
			meta["parent_id"] = updated.ParentID
		}
		a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.FolderChange, ResourceID: f.ID, Metadata: meta})
		fs, err := folders.List(ctx, db, u.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s is now %q\n", strings.TrimPrefix(ref, "/"), folders.Paths(fs)[f.ID])
		return nil
	})
}

func runFolderRm(ctx context.Context, a *app, o folderOptions, ref string) error {
	return a.withOwner(ctx, o.User, func(db *sqlx.DB, u users.User) error {
		f, err := folders.Resolve(ctx, db, u.ID, ref)
		if err != nil {
			return folderError("folder rm", err)
		}
		fs, err := folders.List(ctx, db, u.ID)
		if err != nil {
			return err
		}
		subs, docs := folders.Subtree(fs, f.ID)
		path := folders.Paths(fs)[f.ID]
		if err := folders.Delete(ctx, db, u.ID, f.ID); err != nil {
			return folderError("folder rm", err)
		}
		a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.FolderChange, ResourceID: f.ID, Metadata: map[string]any{"action": "delete", "name": f.Name}})
		fmt.Fprintf(a.stdout, "deleted folder %q and %d subfolder(s); its %d document(s) are kept, in no folder\n", path, subs, docs)
		return nil
	})
}
