package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/groups"
	"github.com/docuvault/docuvault/pkg/users"
)

func newGroupCommand(a *app) *cobra.Command {
	c := &cobra.Command{Use: "group", Short: "Manage groups of users (a household, an office) and share documents with them",
		Args: usageArgs(cobra.NoArgs)}
	var asJSON bool
	list := &cobra.Command{
		Use:   "list [--json]",
		Short: "List the groups and their members",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runGroupList(cmd.Context(), a, asJSON)
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "one JSON object per group per line")
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Make a group (names are unique in any letter case)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *sqlx.DB) error {
				g, err := groups.Create(cmd.Context(), db, args[0])
				if err != nil {
					return groupError("group add", err)
				}
				a.record(cmd.Context(), db, audit.Event{Type: audit.GroupChange, ResourceID: g.ID,
					Metadata: map[string]any{"action": "create", "group": g.Name}})
				fmt.Fprintf(a.stdout, "group %q made (add members: docuvault group members %s --add HANDLE)\n", g.Name, quoteArg(g.Name))
				return nil
			})
		},
	}
	rename := &cobra.Command{
		Use:   "rename NAME NEW-NAME",
		Short: "Rename a group",
		Args:  usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *sqlx.DB) error {
				old, g, err := groups.Rename(cmd.Context(), db, args[0], args[1])
				if err != nil {
					return groupError("group rename", err)
				}
				a.record(cmd.Context(), db, audit.Event{Type: audit.GroupChange, ResourceID: g.ID,
					Metadata: map[string]any{"action": "rename", "group": g.Name, "old_name": old.Name}})
				fmt.Fprintf(a.stdout, "group %q renamed to %q\n", old.Name, g.Name)
				return nil
			})
		},
	}
	rm := &cobra.Command{
		Use:   "rm NAME",
		Short: "Delete a group: its members lose what was shared with it, at once",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *sqlx.DB) error {
				g, n, err := groups.Delete(cmd.Context(), db, args[0])
				if err != nil {
					return groupError("group rm", err)
				}
				a.record(cmd.Context(), db, audit.Event{Type: audit.GroupChange, ResourceID: g.ID,
					Metadata: map[string]any{"action": "delete", "group": g.Name, "shares": n}})
				fmt.Fprintf(a.stdout, "group %q deleted, with %d share(s)\n", g.Name, n)
				return nil
			})
		},
	}
	var addMembers, removeMembers []string
	members := &cobra.Command{
		Use:   "members NAME [--add H…] [--remove H…]",
		Short: "Show a group's members, or add and remove them (removal ends their access at once)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGroupMembers(cmd.Context(), a, args[0], addMembers, removeMembers)
		},
	}
	members.Flags().StringSliceVar(&addMembers, "add", nil, "handles to add (repeat, or comma-separated)")
	members.Flags().StringSliceVar(&removeMembers, "remove", nil, "handles to remove (repeat, or comma-separated)")
	var shareUser, permission string
	share := &cobra.Command{
		Use:   "share NAME DOCUMENT-ID… [--permission view|edit] [--user H]",
		Short: "Share documents of a user with a group they belong to (or any group, for an admin)",
		Args:  usageArgs(cobra.MinimumNArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGroupShare(cmd.Context(), a, shareUser, args[0], args[1:], permission)
		},
	}
	share.Flags().StringVar(&permission, "permission", "view", "what the group's members may do: view or edit")
	share.Flags().StringVar(&shareUser, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	c.AddCommand(list, add, rename, rm, members, share)
	return c
}

// quoteArg quotes a name for a shell command line when it needs it.
func quoteArg(s string) string {
	if strings.ContainsAny(s, " \t'\"\\$`") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}

// groupError makes bad input a usage error (exit 64); a group not found,
// a name taken, or a share refused keep exit 1.
func groupError(what string, err error) error {
	if errors.Is(err, groups.ErrInvalid) {
		return exitcode.With(exitcode.Usage, fmt.Errorf("%s: %w", what, err))
	}
	var ge *groups.Error
	if errors.As(err, &ge) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return err
}

func runGroupList(ctx context.Context, a *app, asJSON bool) error {
	return a.withDB(ctx, func(db *sqlx.DB) error {
		gs, err := groups.List(ctx, db)
		if err != nil {
			return err
		}
		if asJSON {
			enc := json.NewEncoder(a.stdout)
			for _, g := range gs {
				if err := enc.Encode(g); err != nil {
					return err
				}
			}
			return nil
		}
		if len(gs) == 0 {
			fmt.Fprintln(a.stdout, "no groups (make one: docuvault group add family)")
			return nil
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tMEMBERS\tID")
		for _, g := range gs {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", g.Name, strings.Join(g.Members, ","), g.ID)
		}
		return tw.Flush()
	})
}

func runGroupMembers(ctx context.Context, a *app, name string, add, remove []string) error {
	return a.withDB(ctx, func(db *sqlx.DB) error {
		if len(add) == 0 && len(remove) == 0 {
			g, err := groups.Get(ctx, db, name)
			if err != nil {
				return groupError("group members", err)
			}
			for _, m := range g.Members {
				fmt.Fprintln(a.stdout, m)
			}
			if len(g.Members) == 0 {
				fmt.Fprintf(a.stderr, "group %q has no members (add some: docuvault group members %s --add HANDLE)\n", g.Name, quoteArg(g.Name))
			}
			return nil
		}
		ch, err := groups.SetMembers(ctx, db, name, groups.Change{Add: add, Remove: remove})
		if err != nil {
			return groupError("group members", err)
		}
		a.record(ctx, db, audit.Event{Type: audit.GroupChange, ResourceID: ch.Group.ID,
			Metadata: map[string]any{"action": "members", "group": ch.Group.Name, "added": ch.Added, "removed": ch.Removed}})
		fmt.Fprintf(a.stdout, "group %q: %d added, %d removed; members: %s\n", ch.Group.Name, len(ch.Added), len(ch.Removed), strings.Join(ch.Group.Members, ", "))
		return nil
	})
}

func runGroupShare(ctx context.Context, a *app, user, group string, docs []string, permission string) error {
	return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
		for _, doc := range docs {
			s, err := groups.ShareDocument(ctx, db, u.ID, u.Role == "admin", doc, group, permission)
			if err != nil {
				return groupError("group share "+doc, err)
			}
			a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.Share, ResourceID: s.DocumentID,
				Metadata: map[string]any{"group_share_id": s.ID, "group": s.GroupName, "permission": s.Permission, "filename": s.Filename}})
			fmt.Fprintf(a.stdout, "%s shared with group %q (%s)\n", s.Filename, s.GroupName, s.Permission)
		}
		return nil
	})
}
