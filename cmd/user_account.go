package cmd

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/docuvault/docuvault/pkg/accounts"
	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/passwords"
	"github.com/docuvault/docuvault/pkg/users"
)

// policy is the password policy of the configuration.
func (a *app) policy() passwords.Policy {
	return passwords.Policy{MinLen: a.cfg.PasswordMinLen, Hash: a.cfg.PasswordHashCost}
}

// policyError makes a refused password a usage error (exit 64): the input
// was wrong, the command can be run again with another.
func policyError(err error) error {
	for _, s := range []error{passwords.ErrTooShort, passwords.ErrTooLong, passwords.ErrCommon, passwords.ErrPersonal} {
		if errors.Is(err, s) {
			return exitcode.With(exitcode.Usage, err)
		}
	}
	return err
}

// readPassword reads a new password: with fromStdin the first line of
// stdin; else, on a terminal, typed twice without echo.
func (a *app) readPassword(stdin io.Reader, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read the password from stdin: %w", err)
		}
		pw := strings.TrimRight(line, "\r\n")
		if pw == "" {
			return "", usageErrorf("--password-stdin: standard input held no password")
		}
		return pw, nil
	}
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usageErrorf("standard input is not a terminal: pass the password on standard input with --password-stdin")
	}
	fmt.Fprint(a.stderr, "New password: ")
	first, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	fmt.Fprint(a.stderr, "Again: ")
	second, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	if string(first) != string(second) {
		return "", usageErrorf("the two passwords differ: nothing changed, try again")
	}
	if len(first) == 0 {
		return "", usageErrorf("no password typed: nothing changed")
	}
	return string(first), nil
}

func newUserPasswdCommand(a *app, stdin io.Reader) *cobra.Command {
	var passwordStdin bool
	c := &cobra.Command{
		Use:   "passwd HANDLE [--password-stdin]",
		Short: "Set a user's password (every session of theirs ends)",
		Long: `Set a user's password. On a terminal it is typed twice, without echo;
--password-stdin reads it from the first line of standard input instead.
The password must have DOCUVAULT_PASSWORD_MIN_LENGTH characters (10 by
default), and must not be one of the most common passwords nor built on the
user's handle or e-mail address. Every session of the user ends.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var u users.User
			err := a.withDB(ctx, func(db *sqlx.DB) (err error) {
				if u, err = users.ByHandle(ctx, db, args[0]); err != nil {
					return err
				}
				pw, err := a.readPassword(stdin, passwordStdin)
				if err != nil {
					return err
				}
				if u, err = accounts.SetPassword(ctx, db, nil, a.policy(), u.ID, pw); err != nil {
					return policyError(err)
				}
				a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.UserAdmin, ResourceID: u.ID,
					Metadata: map[string]any{"resource": "user", "action": "set_password", "handle": u.Handle}})
				return nil
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "password of %s set; every session of theirs ended\n", u.Handle)
			return nil
		},
	}
	c.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from standard input")
	return c
}

func newUserResetLinkCommand(a *app) *cobra.Command {
	var send bool
	c := &cobra.Command{
		Use:   "reset-link HANDLE [--send]",
		Short: "Make a one-time password reset link (24 hours), shown or sent by e-mail",
		Long: `Make a one-time password reset link for a user, printed once: open
/reset/TOKEN on the server's address (the web app) to set a new password.
It works once, for 24 hours; a new link replaces the user's earlier ones.
Without --send no e-mail is sent: hand it over yourself.

With --send the link is mailed to the user's address through the SMTP
server of DOCUVAULT_SMTP_HOST, built on DOCUVAULT_PUBLIC_URL, and not
printed. If the mail cannot be sent, the link is removed again and the
error says why.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var (
				u users.User
				r accounts.Reset
			)
			if send {
				rm, err := a.resetMailer(nil)
				if err != nil {
					return err
				}
				if rm == nil {
					return usageErrorf("--send: no SMTP server is configured (DOCUVAULT_SMTP_HOST, DOCUVAULT_SMTP_FROM, DOCUVAULT_PUBLIC_URL): run without --send to print the link")
				}
				err = a.withDB(ctx, func(db *sqlx.DB) (err error) {
					if u, err = users.ByHandle(ctx, db, args[0]); err != nil {
						return err
					}
					if r, err = rm.SendReset(ctx, db, u, ""); err != nil {
						if errors.Is(err, accounts.ErrNoAddress) {
							return exitcode.With(exitcode.Usage, err)
						}
						return err
					}
					a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.UserAdmin, ResourceID: u.ID,
						Metadata: map[string]any{"resource": "user", "action": "reset_link", "handle": u.Handle, "sent": true}})
					return nil
				})
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "reset link for %s mailed to %s; it works once, until %s\n", u.Handle, u.Email, r.ExpiresAt.Local().Format("2006-01-02 15:04"))
				return nil
			}
			err := a.withDB(ctx, func(db *sqlx.DB) (err error) {
				if u, err = users.ByHandle(ctx, db, args[0]); err != nil {
					return err
				}
				if r, err = accounts.CreateReset(ctx, db, u.ID, ""); err != nil {
					return err
				}
				a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.UserAdmin, ResourceID: u.ID,
					Metadata: map[string]any{"resource": "user", "action": "reset_link", "handle": u.Handle}})
				return nil
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "/reset/%s\n", r.Token)
			fmt.Fprintf(a.stderr, "open this path on DocuVault's address (e.g. https://docs.example.org/reset/…) before %s; it works once\n", r.ExpiresAt.Local().Format("2006-01-02 15:04"))
			return nil
		},
	}
	c.Flags().BoolVar(&send, "send", false, "mail the link to the user's address (needs DOCUVAULT_SMTP_HOST) instead of printing it")
	return c
}

func newUserRmCommand(a *app, stdin io.Reader) *cobra.Command {
	var yes bool
	c := &cobra.Command{
		Use:   "rm HANDLE [--yes]",
		Short: "Delete a user with their documents, shares, tokens and sessions",
		Long: `Delete a user: every document (its objects first, then its rows), share,
topic, folder, saved view, API token and session of theirs, and their quota.
Audit events stay, without the account. The last active administrator is
refused. Without --yes it asks on a terminal (type the handle). If it is
stopped midway, run it again: it goes on where it stopped.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := users.ByHandle(ctx, db, args[0])
			if err != nil {
				return err
			}
			if !yes {
				f, ok := stdin.(*os.File)
				if !ok || !term.IsTerminal(int(f.Fd())) {
					return usageErrorf("pass --yes to delete %s and all of their documents without asking", u.Handle)
				}
				fmt.Fprintf(a.stderr, "Delete %s and all of their documents (%d bytes)? Type the handle to confirm: ", u.Handle, u.UsedBytes)
				line, _ := bufio.NewReader(stdin).ReadString('\n')
				if strings.TrimSpace(line) != u.Handle {
					return exitcode.With(exitcode.Failure, errors.New("not confirmed: nothing deleted"))
				}
			}
			svc, closeStorage, err := a.openStorage(ctx, db)
			if err != nil {
				return err
			}
			defer closeStorage()
			del, err := accounts.Delete(ctx, db, svc, nil, u.ID)
			if err != nil {
				return err
			}
			a.record(ctx, db, audit.Event{Type: audit.UserAdmin, ResourceID: u.ID,
				Metadata: map[string]any{"resource": "user", "action": "delete", "handle": u.Handle, "documents": del.Documents}})
			fmt.Fprintf(a.stdout, "deleted user %s (%d documents)\n", u.Handle, del.Documents)
			return nil
		},
	}
	c.Flags().BoolVar(&yes, "yes", false, "do not ask")
	return c
}

func newUserExportCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "export HANDLE",
		Short: "Print everything about a user's account as JSON (not the documents' bytes)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var data accounts.Data
			err := a.withDB(ctx, func(db *sqlx.DB) error {
				u, err := users.ByHandle(ctx, db, args[0])
				if err != nil {
					return err
				}
				if data, err = accounts.Export(ctx, db, u.ID); err != nil {
					return err
				}
				a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.UserAdmin, ResourceID: u.ID,
					Metadata: map[string]any{"resource": "user", "action": "export", "handle": u.Handle}})
				return nil
			})
			if err != nil {
				return err
			}
			enc := json.NewEncoder(a.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(data)
		},
	}
}
