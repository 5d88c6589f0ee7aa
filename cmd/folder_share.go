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
	"github.com/docuvault/docuvault/pkg/folders"
	"github.com/docuvault/docuvault/pkg/foldershares"
	"github.com/docuvault/docuvault/pkg/users"
)

// folderShareOptions are the flags of folder share, unshare and shares.
// User is the folder's owner, as in every folder subcommand; With and
// Group name who it is shared with.
type folderShareOptions struct {
	User       string
	With       string
	Group      string
	Permission string
	Received   bool
	JSON       bool
}

// newFolderShareCommands returns folder share, unshare and shares.
func newFolderShareCommands(a *app) []*cobra.Command {
	var shareOpts, unshareOpts, listOpts folderShareOptions
	owner := func(cmd *cobra.Command, o *folderShareOptions) {
		cmd.Flags().StringVar(&o.User, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	}
	to := func(cmd *cobra.Command, o *folderShareOptions) {
		cmd.Flags().StringVar(&o.With, "with", "", "the handle of the person to share with")
		cmd.Flags().StringVar(&o.Group, "group", "", "the name (or id) of the group to share with")
	}
	share := &cobra.Command{
		Use:   "share FOLDER (--with HANDLE | --group NAME) [--permission view|edit] [--user H]",
		Short: "Share a folder, with its subfolders and every document in them now or later, with a person or a group",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFolderShare(cmd.Context(), a, shareOpts, args[0])
		},
	}
	owner(share, &shareOpts)
	to(share, &shareOpts)
	share.Flags().StringVar(&shareOpts.Permission, "permission", "view", "what they may do: view, or edit (rename, retag, move among your folders)")
	unshare := &cobra.Command{
		Use:   "unshare FOLDER (--with HANDLE | --group NAME) [--user H]",
		Short: "Stop sharing a folder with a person or a group (at once)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFolderUnshare(cmd.Context(), a, unshareOpts, args[0])
		},
	}
	owner(unshare, &unshareOpts)
	to(unshare, &unshareOpts)
	shares := &cobra.Command{
		Use:   "shares [FOLDER] [--received] [--user H] [--json]",
		Short: "List the folder shares a user gave (of one folder, or all), or with --received those they reach",
		Args:  usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			folder := ""
			if len(args) == 1 {
				folder = args[0]
			}
			return runFolderShares(cmd.Context(), a, listOpts, folder)
		},
	}
	owner(shares, &listOpts)
	shares.Flags().BoolVar(&listOpts.Received, "received", false, "the folders shared with the user (directly or with a group), not those they shared")
	shares.Flags().BoolVar(&listOpts.JSON, "json", false, "one JSON object per share per line")
	return []*cobra.Command{share, unshare, shares}
}

// folderShareError makes bad input a usage error (exit 64); a folder,
// group or share not found, a share that exists, a group the owner is not
// in keep exit 1.
func folderShareError(what string, err error) error {
	if errors.Is(err, foldershares.ErrInvalid) {
		return exitcode.With(exitcode.Usage, fmt.Errorf("%s: %w", what, err))
	}
	var fe *foldershares.Error
	if errors.As(err, &fe) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return folderError(what, err)
}

func (o folderShareOptions) to() (foldershares.To, error) {
	to := foldershares.To{User: strings.TrimSpace(o.With), Group: strings.TrimSpace(o.Group)}
	if (to.User == "") == (to.Group == "") {
		return to, exitcode.Usagef("give either --with HANDLE or --group NAME")
	}
	return to, nil
}

func runFolderShare(ctx context.Context, a *app, o folderShareOptions, ref string) error {
	to, err := o.to()
	if err != nil {
		return err
	}
	return a.withOwner(ctx, o.User, func(db *sqlx.DB, u users.User) error {
		f, err := folders.Resolve(ctx, db, u.ID, ref)
		if err != nil {
			return folderError("folder share", err)
		}
		s, err := foldershares.Create(ctx, db, u.ID, u.Role == "admin", f.ID, to, o.Permission)
		if err != nil {
			return folderShareError("folder share", err)
		}
		a.record(ctx, db, s.Event(audit.FolderShare))
		fmt.Fprintf(a.stdout, "folder %q shared with %s (%s), with its subfolders\n", ref, s.To(), s.Permission)
		return nil
	})
}

func runFolderUnshare(ctx context.Context, a *app, o folderShareOptions, ref string) error {
	to, err := o.to()
	if err != nil {
		return err
	}
	return a.withOwner(ctx, o.User, func(db *sqlx.DB, u users.User) error {
		f, err := folders.Resolve(ctx, db, u.ID, ref)
		if err != nil {
			return folderError("folder unshare", err)
		}
		ss, err := foldershares.ListForFolder(ctx, db, u.ID, f.ID)
		if err != nil {
			return folderShareError("folder unshare", err)
		}
		for _, s := range ss {
			if (to.User != "" && s.RecipientHandle != nil && strings.EqualFold(*s.RecipientHandle, to.User)) ||
				(to.Group != "" && s.GroupName != nil && (strings.EqualFold(*s.GroupName, to.Group) || *s.GroupID == to.Group)) {
				gone, err := foldershares.Delete(ctx, db, u.ID, false, f.ID, s.ID)
				if err != nil {
					return folderShareError("folder unshare", err)
				}
				a.record(ctx, db, gone.Event(audit.FolderUnshare))
				fmt.Fprintf(a.stdout, "folder %q no longer shared with %s\n", ref, gone.To())
				return nil
			}
		}
		who := to.User
		if to.Group != "" {
			who = "group " + to.Group
		}
		return fmt.Errorf("folder unshare: folder %q is not shared with %s: see docuvault folder shares %s", ref, who, quoteArg(ref))
	})
}

// folderShareRow is one line of "folder shares --json".
type folderShareRow struct {
	foldershares.Share
	Path string `json:"path,omitempty"` // the owner's path to the folder (shares given)
}

func runFolderShares(ctx context.Context, a *app, o folderShareOptions, ref string) error {
	return a.withOwner(ctx, o.User, func(db *sqlx.DB, u users.User) error {
		var ss []foldershares.Share
		paths := map[string]string{}
		var err error
		switch {
		case o.Received && ref != "":
			return exitcode.Usagef("folder shares --received lists every folder shared with the user: leave out FOLDER")
		case o.Received:
			ss, err = foldershares.ListReceived(ctx, db, u.ID)
		default:
			fs, lerr := folders.List(ctx, db, u.ID)
			if lerr != nil {
				return lerr
			}
			paths = folders.Paths(fs)
			if ref == "" {
				ss, err = foldershares.ListGiven(ctx, db, u.ID)
				break
			}
			f, rerr := folders.Resolve(ctx, db, u.ID, ref)
			if rerr != nil {
				return folderError("folder shares", rerr)
			}
			ss, err = foldershares.ListForFolder(ctx, db, u.ID, f.ID)
		}
		if err != nil {
			return folderShareError("folder shares", err)
		}
		if o.JSON {
			enc := json.NewEncoder(a.stdout)
			for _, s := range ss {
				if err := enc.Encode(folderShareRow{Share: s, Path: paths[s.FolderID]}); err != nil {
					return err
				}
			}
			return nil
		}
		if len(ss) == 0 {
			if o.Received {
				fmt.Fprintln(a.stdout, "no folders are shared with you")
			} else {
				fmt.Fprintln(a.stdout, "no folder shares (share one: docuvault folder share FOLDER --group NAME)")
			}
			return nil
		}
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		if o.Received {
			fmt.Fprintln(tw, "FOLDER\tOWNER\tTHROUGH\tPERMISSION\tID")
		} else {
			fmt.Fprintln(tw, "FOLDER\tWITH\tPERMISSION\tID")
		}
		for _, s := range ss {
			if o.Received {
				through := "you"
				if s.GroupName != nil {
					through = "group " + *s.GroupName
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.FolderName, s.OwnerHandle, through, s.Permission, s.ID)
			} else {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", paths[s.FolderID], s.To(), s.Permission, s.ID)
			}
		}
		return tw.Flush()
	})
}
