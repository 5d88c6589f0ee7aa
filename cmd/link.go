package cmd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/folders"
	"github.com/docuvault/docuvault/pkg/sharelinks"
	"github.com/docuvault/docuvault/pkg/users"
)

// linkAddOptions are link add's flags.
type linkAddOptions struct {
	user          string
	folder        string
	expires       string
	passwordStdin bool
	maxDownloads  int
	baseURL       string
	asJSON        bool
}

func newLinkCommand(a *app) *cobra.Command {
	c := &cobra.Command{Use: "link", Short: "Manage public share links (/s/TOKEN: a document or a folder for people without an account)",
		Args: usageArgs(cobra.NoArgs)}
	var o linkAddOptions
	add := &cobra.Command{
		Use:   "add (DOC_ID | --folder PATH) [--expires 7d|12h|YYYY-MM-DD] [--password-stdin] [--max-downloads N] [--base-url URL] [--user H]",
		Short: "Make a share link and print its token, this once (with --base-url: the whole URL)",
		Long: `Make a public share link to one of your documents, or with --folder to the
documents directly in one of your folders (not its subfolders) as they are
when the link is used. Anyone with the link can open and download them at
SERVER/s/TOKEN without an account, until it expires, runs out of downloads
or is revoked (docuvault link rm). --password-stdin reads a password (at
least 8 characters) from the first line of standard input; the recipient
must give it. The token is shown only now; only its SHA-256 is stored.`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runLinkAdd(cmd.Context(), o, args, cmd.InOrStdin())
		},
	}
	f := add.Flags()
	f.StringVar(&o.user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	f.StringVar(&o.folder, "folder", "", "link a folder (its path, like Taxes/2024, or its id) instead of a document")
	f.StringVar(&o.expires, "expires", "", "when the link stops working: days (7d), hours (12h) or a day (YYYY-MM-DD, its end in UTC); default never")
	f.BoolVar(&o.passwordStdin, "password-stdin", false, "read a password for the link from standard input")
	f.IntVar(&o.maxDownloads, "max-downloads", 0, "downloads allowed in all (default no limit)")
	f.StringVar(&o.baseURL, "base-url", "", "the server's public address (https://docs.example.org): print the link's whole URL")
	f.BoolVar(&o.asJSON, "json", false, "print the link, its token and URL as one JSON object")
	var user string
	var asJSON bool
	list := &cobra.Command{
		Use:   "list [--user H] [--json]",
		Short: "List your share links (never their tokens): what, state, downloads, expiry",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runLinkList(cmd.Context(), user, asJSON)
		},
	}
	list.Flags().StringVar(&user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	list.Flags().BoolVar(&asJSON, "json", false, "one JSON object per link per line")
	rm := &cobra.Command{
		Use:   "rm LINK_ID [--user H]",
		Short: "Revoke a share link: it stops working at once",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runLinkRm(cmd.Context(), user, args[0])
		},
	}
	rm.Flags().StringVar(&user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	c.AddCommand(add, list, rm)
	return c
}

// parseLinkExpiry reads --expires: "" (never), days ("7d"), hours ("12h")
// or a day (YYYY-MM-DD, until its end in UTC).
func parseLinkExpiry(s string, now time.Time) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "h": time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.Atoi(n)
			if err != nil || v < 1 || time.Duration(v)*unit > 3650*24*time.Hour {
				return nil, usageErrorf("link add: --expires %q: give 1d to 3650d, hours like 12h, or a day as YYYY-MM-DD", s)
			}
			t := now.Add(time.Duration(v) * unit)
			return &t, nil
		}
	}
	day, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil, usageErrorf("link add: --expires %q: give days (7d), hours (12h) or a day as YYYY-MM-DD", s)
	}
	t := day.Add(24*time.Hour - time.Second)
	if !t.After(now) {
		return nil, usageErrorf("link add: --expires %s has passed: give a day in the future", s)
	}
	return &t, nil
}

// linkError makes a link that cannot be made as asked a usage error (exit
// 64); not found stays exit 1.
func linkError(what string, err error) error {
	switch {
	case errors.Is(err, sharelinks.ErrInvalid):
		return exitcode.With(exitcode.Usage, fmt.Errorf("%s: %w", what, err))
	case errors.Is(err, sharelinks.ErrNotFound):
		return fmt.Errorf("%s: %w", what, err)
	}
	return err
}

// linkAudit is a link's audit event: never its token or password.
func linkAudit(action string, l sharelinks.Link) audit.Event {
	e := audit.Event{UserID: l.OwnerID, Type: audit.LinkChange, Metadata: map[string]any{
		"action": action, "link_id": l.ID, "name": l.Name, "protected": l.HasPassword}}
	if l.DocumentID != nil {
		e.ResourceID = *l.DocumentID
	}
	if l.FolderID != nil {
		e.Metadata["folder_id"] = *l.FolderID
	}
	return e
}

func (a *app) runLinkAdd(ctx context.Context, o linkAddOptions, args []string, stdin io.Reader) error {
	if (len(args) == 1) == (o.folder != "") {
		return usageErrorf("link add: give a DOC_ID or --folder PATH (one of them)")
	}
	expires, err := parseLinkExpiry(o.expires, time.Now())
	if err != nil {
		return err
	}
	if o.maxDownloads < 0 {
		return usageErrorf("link add: --max-downloads must be 1 or more (or left out: no limit)")
	}
	spec := sharelinks.Spec{ExpiresAt: expires, MaxDownloads: o.maxDownloads}
	if o.passwordStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("link add: read the password from standard input: %w", err)
		}
		spec.Password = strings.TrimRight(line, "\r\n")
		if spec.Password == "" {
			return usageErrorf("link add: --password-stdin: standard input held no password")
		}
	}
	return a.withOwner(ctx, o.user, func(db *sqlx.DB, u users.User) error {
		if o.folder != "" {
			f, err := folders.Resolve(ctx, db, u.ID, o.folder)
			if errors.Is(err, folders.ErrNotFound) {
				return fmt.Errorf("link add: %s has no folder %q (see `docuvault folder list`)", u.Handle, o.folder)
			}
			if err != nil {
				return err
			}
			spec.FolderID = f.ID
		} else {
			id, err := docID(ctx, db, u, args[0], "link add")
			if err != nil {
				return err
			}
			spec.DocumentID = id
		}
		svc, err := sharelinks.New(db, nil, sharelinks.Options{HashCost: a.cfg.PasswordHashCost})
		if err != nil {
			return err
		}
		l, token, err := svc.Create(ctx, u.ID, spec)
		if err != nil {
			return linkError("link add", err)
		}
		a.record(ctx, db, linkAudit("create", l))
		url := "/s/" + token
		if o.baseURL != "" {
			url = strings.TrimRight(o.baseURL, "/") + url
		}
		if o.asJSON {
			return json.NewEncoder(a.stdout).Encode(struct {
				sharelinks.Link
				Token string `json:"token"`
				URL   string `json:"url"`
			}{l, token, url})
		}
		fmt.Fprintf(a.stderr, "share link to %q: shown this once, send it now (open it at <server>/s/TOKEN)\n", l.Name)
		if o.baseURL != "" {
			fmt.Fprintln(a.stdout, url)
		} else {
			fmt.Fprintln(a.stdout, token)
		}
		return nil
	})
}

func (a *app) runLinkList(ctx context.Context, user string, asJSON bool) error {
	return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
		svc, err := sharelinks.New(db, nil, sharelinks.Options{HashCost: a.cfg.PasswordHashCost})
		if err != nil {
			return err
		}
		ls, err := svc.List(ctx, u.ID, "")
		if err != nil {
			return err
		}
		return printList(a.stdout, asJSON, ls,
			fmt.Sprintf("%s has no share links (make one: docuvault link add DOC_ID --expires 7d)", u.Handle),
			[]string{"ID", "KIND", "NAME", "STATE", "DOWNLOADS", "EXPIRES", "PASSWORD"},
			func(l sharelinks.Link) []string {
				kind := "document"
				if l.FolderID != nil {
					kind = "folder"
				}
				dl := strconv.Itoa(l.Downloads)
				if l.MaxDownloads != nil {
					dl += "/" + strconv.Itoa(*l.MaxDownloads)
				}
				pw := "no"
				if l.HasPassword {
					pw = "yes"
				}
				return []string{l.ID, kind, l.Name, l.State, dl, listTime(l.ExpiresAt, "never"), pw}
			})
	})
}

func (a *app) runLinkRm(ctx context.Context, user, id string) error {
	return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
		svc, err := sharelinks.New(db, nil, sharelinks.Options{HashCost: a.cfg.PasswordHashCost})
		if err != nil {
			return err
		}
		l, err := svc.Revoke(ctx, u.ID, id)
		if err != nil {
			return linkError("link rm", err)
		}
		a.record(ctx, db, linkAudit("revoke", l))
		fmt.Fprintf(a.stdout, "revoked share link %s (%s)\n", l.ID, l.Name)
		return nil
	})
}
