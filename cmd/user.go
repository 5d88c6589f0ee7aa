package cmd

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/dustin/go-humanize"
	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/config"
	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/passwords"
	"github.com/docuvault/docuvault/pkg/settings"
	"github.com/docuvault/docuvault/pkg/users"
)

func newUserCommand(a *app) *cobra.Command {
	c := &cobra.Command{Use: "user", Short: "Manage users (owners of documents)", Args: usageArgs(cobra.NoArgs)}
	c.AddCommand(newUserAddCommand(a, os.Stdin), newUserListCommand(a), newUserQuotaCommand(a),
		newUserPasswdCommand(a, os.Stdin), newUserResetLinkCommand(a), newUserRmCommand(a, os.Stdin), newUserExportCommand(a),
		newUserTOTPResetCommand(a), newUserTOTPPolicyCommand(a), newUserSSOCommand(a), newUserSSOUnlinkCommand(a),
		newUserLanguageCommand(a))
	return c
}

func newUserAddCommand(a *app, stdin io.Reader) *cobra.Command {
	var (
		email         string
		admin         bool
		passwordStdin bool
		quota         string
	)
	c := &cobra.Command{
		Use:   "add HANDLE --email E",
		Short: "Create a user and its quota row",
		Long: `Create a user. Without --password-stdin the account has no password and
cannot sign in (it can still own documents uploaded from the CLI) until one
is set with ` + "`docuvault user passwd HANDLE`" + `. --password-stdin reads the
password from the first line of standard input; it must pass the password
policy (see ` + "`docuvault user passwd --help`" + `).`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if email == "" {
				return usageErrorf("--email is required")
			}
			q := a.cfg.DefaultQuota
			if quota != "" {
				var err error
				if q, err = config.ParseSize(quota); err != nil {
					return usageErrorf("--quota: %s", err)
				}
			}
			var password string
			if passwordStdin {
				line, err := bufio.NewReader(stdin).ReadString('\n')
				if err != nil && !errors.Is(err, io.EOF) {
					return fmt.Errorf("read the password from stdin: %w", err)
				}
				password = strings.TrimRight(line, "\r\n")
				if password == "" {
					return usageErrorf("--password-stdin: standard input held no password")
				}
			}
			if password != "" {
				if err := a.policy().Check(password, passwords.Account{Handle: args[0], Email: email}); err != nil {
					return policyError(err)
				}
			}
			ctx := cmd.Context()
			var u users.User
			err := a.withDB(ctx, func(db *sqlx.DB) (err error) {
				u, err = users.Create(ctx, db, users.NewUser{Handle: args[0], Email: email, Admin: admin, Password: password, QuotaBytes: q, HashCost: a.cfg.PasswordHashCost})
				if err != nil {
					return err
				}
				a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.UserAdmin, ResourceID: u.ID,
					Metadata: map[string]any{"resource": "user", "action": "create", "handle": u.Handle, "role": u.Role}})
				return nil
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "created user %s (%s, %s, quota %s)\n", u.Handle, u.ID, u.Role, humanize.IBytes(uint64(u.LimitBytes)))
			if !u.CanLogin {
				fmt.Fprintf(a.stderr, "%s has no password and cannot sign in until one is set: docuvault user passwd %s\n", u.Handle, u.Handle)
			}
			return nil
		},
	}
	c.Flags().StringVar(&email, "email", "", "email address (required)")
	c.Flags().BoolVar(&admin, "admin", false, "make the user an administrator")
	c.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from standard input")
	c.Flags().StringVar(&quota, "quota", "", "quota, e.g. 2GiB (default DOCUVAULT_DEFAULT_QUOTA, 100MiB)")
	return c
}

func newUserListCommand(a *app) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List users with their quota",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			var us []users.User
			err := a.withDB(ctx, func(db *sqlx.DB) (err error) {
				us, err = users.List(ctx, db)
				return err
			})
			if err != nil {
				return fmt.Errorf("list users: %w", err)
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				for _, u := range us {
					if err := enc.Encode(u); err != nil {
						return err
					}
				}
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "HANDLE\tEMAIL\tROLE\tACTIVE\tLOGIN\tUSED\tQUOTA")
			for _, u := range us {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%t\t%s\t%s\n", u.Handle, u.Email, u.Role, u.IsActive, u.CanLogin,
					humanize.IBytes(uint64(u.UsedBytes)), humanize.IBytes(uint64(u.LimitBytes)))
			}
			return tw.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "one JSON object per user per line")
	return c
}

func newUserQuotaCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "quota HANDLE SIZE",
		Short: "Set a user's quota, e.g. 2GiB",
		Args:  usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			limit, err := config.ParseSize(args[1])
			if err != nil {
				return usageErrorf("quota: %s", err)
			}
			ctx := cmd.Context()
			var u users.User
			err = a.withDB(ctx, func(db *sqlx.DB) (err error) {
				u, err = users.SetQuota(ctx, db, args[0], limit)
				if err != nil {
					return err
				}
				a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.UserAdmin, ResourceID: u.ID,
					Metadata: map[string]any{"resource": "user", "action": "update", "handle": u.Handle, "quota_bytes": u.LimitBytes}})
				return nil
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "quota of %s: %s (%s used)\n", u.Handle, humanize.IBytes(uint64(u.LimitBytes)), humanize.IBytes(uint64(u.UsedBytes)))
			return nil
		},
	}
}

func newUserLanguageCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "language HANDLE [en|de|none]",
		Short: "Show or set the language of the e-mails DocuVault sends a user",
		Long: `Show (no second argument) or set the language of the e-mails DocuVault
sends a user (a password reset link): en or de; none for no choice, when
a "forgot password" mail follows the language of the page that asked for
it and other mails are in English. The web app sets it when the person
picks a language while signed in.`,
		Args: usageArgs(cobra.RangeArgs(1, 2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var (
				u    users.User
				lang string
			)
			err := a.withDB(ctx, func(db *sqlx.DB) (err error) {
				if u, err = users.Resolve(ctx, db, args[0]); err != nil {
					return err
				}
				if len(args) == 2 {
					lang = args[1]
					if lang == "none" {
						lang = ""
					}
					if err := settings.SetLanguage(ctx, db, u.ID, lang); err != nil {
						if errors.Is(err, settings.ErrInvalid) {
							return exitcode.With(exitcode.Usage, fmt.Errorf("language must be %s or none, not %q", strings.Join(settings.Languages, ", "), args[1]))
						}
						return err
					}
					a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.UserAdmin, ResourceID: u.ID,
						Metadata: map[string]any{"resource": "user", "action": "update", "handle": u.Handle, "language": lang}})
				}
				lang, err = settings.Language(ctx, db, u.ID)
				return err
			})
			if err != nil {
				return err
			}
			if lang == "" {
				lang = "none (e-mails in English; a forgot-password mail in the language of the page that asked)"
			}
			fmt.Fprintf(a.stdout, "language of %s: %s\n", u.Handle, lang)
			return nil
		},
	}
}
