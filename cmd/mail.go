package cmd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/mail"
	"github.com/docuvault/docuvault/pkg/topics"
	"github.com/docuvault/docuvault/pkg/users"
)

func newMailCommand(a *app) *cobra.Command {
	c := &cobra.Command{Use: "mail", Short: "Take documents in from e-mail: a user's IMAP accounts and the rules of what to take",
		Args: usageArgs(cobra.NoArgs)}
	var user string
	var asJSON bool
	userFlag := func(cmd *cobra.Command) {
		cmd.Flags().StringVar(&user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	}

	var n mail.NewAccount
	var passwordStdin bool
	add := &cobra.Command{
		Use:   "add NAME --host HOST [--port N] [--security tls|starttls|none] --login LOGIN --password-stdin [--user H]",
		Short: "Add an IMAP account (its password read from standard input, stored encrypted)",
		Long: `Add an IMAP account. The password is read from the first line of standard
input (--password-stdin; never on the command line) and stored encrypted with
SECRET_KEY. --security tls (implicit TLS, port 993, the default) or starttls
(port 143); none only to a loopback address. Then add a rule: docuvault mail rule add NAME.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !passwordStdin {
				return usageErrorf("mail add: give the password on standard input with --password-stdin (never on the command line)")
			}
			line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
			if err != nil && !errors.Is(err, io.EOF) {
				return fmt.Errorf("read the password from stdin: %w", err)
			}
			n.Password = strings.TrimRight(line, "\r\n")
			if n.Password == "" {
				return usageErrorf("mail add: --password-stdin: standard input held no password")
			}
			n.Name = args[0]
			return runMailAdd(cmd.Context(), a, user, n)
		},
	}
	add.Flags().StringVar(&n.Host, "host", "", "the IMAP server (like imap.example.org)")
	add.Flags().IntVar(&n.Port, "port", 0, "its port (default 993 for tls, 143 otherwise)")
	add.Flags().StringVar(&n.Security, "security", "tls", "tls, starttls, or none (loopback only)")
	add.Flags().StringVar(&n.Login, "login", "", "the account's login (user name)")
	add.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
	userFlag(add)

	list := &cobra.Command{
		Use:   "list [--user H] [--json]",
		Short: "List a user's IMAP accounts: status, last poll, last error (never the password)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runMailList(cmd.Context(), a, user, asJSON)
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "one JSON object per account per line")
	userFlag(list)

	rm := &cobra.Command{
		Use:   "rm NAME [--user H]",
		Short: "Remove an IMAP account and its rules (its documents stay)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMailRm(cmd.Context(), a, user, args[0])
		},
	}
	userFlag(rm)

	poll := &cobra.Command{
		Use:   "poll [NAME] [--user H]",
		Short: "Poll a user's IMAP accounts (or one) now, whatever their schedule: for cron and tests",
		Long: `Poll now: each rule's folder, taking what the rules say. The worker polls
every account on its own (every 5 minutes, after a failure with backoff); this
is for cron or a first try. Exit 0 when every account was polled (messages or
attachments not taken are listed in docuvault watch --status and the web app),
1 when an account could not be polled (its reason is printed).`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			return runMailPoll(cmd.Context(), a, user, name, asJSON)
		},
	}
	poll.Flags().BoolVar(&asJSON, "json", false, "one JSON summary per account per line")
	userFlag(poll)

	c.AddCommand(add, list, rm, poll, newMailRuleCommand(a))
	return c
}

func newMailRuleCommand(a *app) *cobra.Command {
	c := &cobra.Command{Use: "rule", Short: "Manage the rules of an IMAP account: what to take from which folder", Args: usageArgs(cobra.NoArgs)}
	var user string
	var asJSON bool
	var n mail.NewRule
	var topicNames []string
	add := &cobra.Command{
		Use:   "add ACCOUNT [--folder INBOX] [--from S] [--subject S] [--body S] [--mode attachments|message] [--types pdf,jpg] [--topic NAME]... [--after none|read|flag|delete|move:FOLDER]",
		Short: "Add a rule: from which folder, which messages, what of them, and what to do with them afterwards",
		Long: `Add a rule to an account. Messages of --folder whose sender, subject and body
contain --from, --subject and --body (case-insensitive; all when not given)
are taken: --mode attachments (the default) stores each attachment (of
--types, by extension or type, like pdf,jpg; all when not given) as a
document; --mode message stores the whole message as an .eml document. Each
gets the --topic topics. --after says what is done with the message on the
server once its documents are stored: none (default), read, flag, delete or
move:FOLDER. The rules of a folder are tried in order; the first that takes
a message takes it, and no message is taken twice.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMailRuleAdd(cmd.Context(), a, user, args[0], n, topicNames)
		},
	}
	add.Flags().StringVar(&n.Folder, "folder", "INBOX", "the IMAP folder")
	add.Flags().StringVar(&n.From, "from", "", "take messages whose sender contains this")
	add.Flags().StringVar(&n.Subject, "subject", "", "take messages whose subject contains this")
	add.Flags().StringVar(&n.Body, "body", "", "take messages whose text contains this")
	add.Flags().StringVar(&n.Mode, "mode", mail.ModeAttachments, "attachments (each a document) or message (the whole message as .eml)")
	add.Flags().StringSliceVar(&n.Types, "types", nil, "attachment types to take, like pdf,jpg (default all)")
	add.Flags().StringArrayVar(&topicNames, "topic", nil, "a topic every document gets (repeatable)")
	add.Flags().StringVar(&n.After, "after", mail.AfterNone, "afterwards: none, read, flag, delete or move:FOLDER")
	add.Flags().StringVar(&user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")

	list := &cobra.Command{
		Use:   "list ACCOUNT [--user H] [--json]",
		Short: "List an account's rules in order",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMailRuleList(cmd.Context(), a, user, args[0], asJSON)
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "one JSON object per rule per line")
	list.Flags().StringVar(&user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	rm := &cobra.Command{
		Use:   "rm ACCOUNT RULE [--user H]",
		Short: "Remove a rule (RULE: its number in mail rule list, or its id)",
		Args:  usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMailRuleRm(cmd.Context(), a, user, args[0], args[1])
		},
	}
	rm.Flags().StringVar(&user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	c.AddCommand(add, list, rm)
	return c
}

// mailError makes a caller's mistake a usage error (exit 64); not found
// and a name taken keep exit 1.
func mailError(what string, err error) error {
	if errors.Is(err, mail.ErrInvalid) {
		return exitcode.With(exitcode.Usage, fmt.Errorf("%s: %w", what, err))
	}
	var me *mail.Error
	if errors.As(err, &me) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return err
}

func (a *app) recordMail(ctx context.Context, db *sqlx.DB, u users.User, id string, meta map[string]any) {
	meta["what"] = "mail_account"
	a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.SettingsChange, ResourceID: id, Metadata: meta})
}

func runMailAdd(ctx context.Context, a *app, user string, n mail.NewAccount) error {
	k, err := a.keyring()
	if err != nil {
		return err
	}
	return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
		acc, err := mail.AddAccount(ctx, db, k, u.ID, n)
		if err != nil {
			return mailError("mail add", err)
		}
		a.recordMail(ctx, db, u, acc.ID, map[string]any{"action": "create", "name": acc.Name, "host": acc.Host})
		fmt.Fprintf(a.stdout, "added mail account %q (%s@%s:%d, %s); now add a rule: docuvault mail rule add %s --folder INBOX\n",
			acc.Name, acc.Login, acc.Host, acc.Port, acc.Security, shellWord(acc.Name))
		return nil
	})
}

func runMailList(ctx context.Context, a *app, user string, asJSON bool) error {
	return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
		accs, err := mail.ListAccounts(ctx, db, u.ID)
		if err != nil {
			return err
		}
		return printList(a.stdout, asJSON, accs,
			fmt.Sprintf("%s has no mail accounts (add one: docuvault mail add NAME --host HOST --login LOGIN --password-stdin)", u.Handle),
			[]string{"NAME", "SERVER", "LOGIN", "STATUS", "LAST POLL", "LAST ERROR"},
			func(acc mail.Account) []string {
				return []string{acc.Name, fmt.Sprintf("%s:%d (%s)", acc.Host, acc.Port, acc.Security), acc.Login, acc.Status, listTime(acc.LastPollAt, "never"), acc.LastError}
			})
	})
}

func runMailRm(ctx context.Context, a *app, user, ref string) error {
	return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
		acc, err := mail.ResolveAccount(ctx, db, u.ID, ref)
		if err != nil {
			return mailError("mail rm", err)
		}
		if err := mail.DeleteAccount(ctx, db, u.ID, acc.ID); err != nil {
			return mailError("mail rm", err)
		}
		a.recordMail(ctx, db, u, acc.ID, map[string]any{"action": "delete", "name": acc.Name})
		fmt.Fprintf(a.stdout, "removed mail account %q\n", acc.Name)
		return nil
	})
}

func runMailRuleAdd(ctx context.Context, a *app, user, ref string, n mail.NewRule, topicNames []string) error {
	return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
		acc, err := mail.ResolveAccount(ctx, db, u.ID, ref)
		if err != nil {
			return mailError("mail rule add", err)
		}
		if len(topicNames) > 0 {
			ids, err := topics.IDsByName(ctx, db, u.ID, topicNames)
			if err != nil {
				if errors.Is(err, topics.ErrNotFound) {
					return exitcode.With(exitcode.Usage, fmt.Errorf("mail rule add: %w (create it: docuvault topic add NAME)", err))
				}
				return err
			}
			n.TopicIDs = ids
		}
		r, err := mail.AddRule(ctx, db, u.ID, acc.ID, n)
		if err != nil {
			return mailError("mail rule add", err)
		}
		a.recordMail(ctx, db, u, acc.ID, map[string]any{"action": "rule_add", "name": acc.Name, "folder": r.Folder, "mode": r.Mode})
		fmt.Fprintf(a.stdout, "added rule %d to %q: %s\n", r.Position, acc.Name, describeRule(r))
		return nil
	})
}

func describeRule(r mail.Rule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "folder %s", r.Folder)
	for _, f := range []struct{ what, v string }{{"from", r.From}, {"subject", r.Subject}, {"body", r.Body}} {
		if f.v != "" {
			fmt.Fprintf(&b, ", %s contains %q", f.what, f.v)
		}
	}
	if r.Mode == mail.ModeMessage {
		b.WriteString(", the whole message (.eml)")
	} else if len(r.Types) > 0 {
		fmt.Fprintf(&b, ", attachments of type %s", strings.Join(r.Types, ","))
	} else {
		b.WriteString(", every attachment")
	}
	if len(r.TopicIDs) > 0 {
		fmt.Fprintf(&b, ", %d topic(s)", len(r.TopicIDs))
	}
	switch r.After {
	case mail.AfterMove:
		fmt.Fprintf(&b, ", then moved to %s", r.MoveFolder)
	case mail.AfterNone:
	default:
		fmt.Fprintf(&b, ", then %s", map[string]string{mail.AfterRead: "marked read", mail.AfterFlag: "flagged", mail.AfterDelete: "deleted"}[r.After])
	}
	return b.String()
}

func runMailRuleList(ctx context.Context, a *app, user, ref string, asJSON bool) error {
	return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
		acc, err := mail.ResolveAccount(ctx, db, u.ID, ref)
		if err != nil {
			return mailError("mail rule list", err)
		}
		rs, err := mail.ListRules(ctx, db, u.ID, acc.ID)
		if err != nil {
			return err
		}
		if asJSON {
			enc := json.NewEncoder(a.stdout)
			for _, r := range rs {
				if err := enc.Encode(r); err != nil {
					return err
				}
			}
			return nil
		}
		if len(rs) == 0 {
			fmt.Fprintf(a.stdout, "%q has no rules: nothing is taken (add one: docuvault mail rule add %s --folder INBOX)\n", acc.Name, shellWord(acc.Name))
			return nil
		}
		for _, r := range rs {
			fmt.Fprintf(a.stdout, "%d  %s  (%s)\n", r.Position, describeRule(r), r.ID)
		}
		return nil
	})
}

func runMailRuleRm(ctx context.Context, a *app, user, ref, rule string) error {
	return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
		acc, err := mail.ResolveAccount(ctx, db, u.ID, ref)
		if err != nil {
			return mailError("mail rule rm", err)
		}
		if err := mail.DeleteRule(ctx, db, u.ID, acc.ID, rule); err != nil {
			return mailError("mail rule rm", err)
		}
		a.recordMail(ctx, db, u, acc.ID, map[string]any{"action": "rule_remove", "name": acc.Name})
		fmt.Fprintf(a.stdout, "removed rule %s of %q\n", rule, acc.Name)
		return nil
	})
}

// mailPoller is the poller of this configuration; closeFn releases it.
func (a *app) mailPoller(ctx context.Context, db *sqlx.DB) (*mail.Poller, func(), error) {
	k, err := a.keyring()
	if err != nil {
		return nil, nil, err
	}
	svc, closeFn, err := a.openStorage(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	return &mail.Poller{DB: db, Storage: svc, Keyring: k, Log: a.log, AuditActor: audit.CLIActor()}, closeFn, nil
}

func runMailPoll(ctx context.Context, a *app, user, name string, asJSON bool) error {
	return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
		var accs []mail.Account
		if name != "" {
			acc, err := mail.ResolveAccount(ctx, db, u.ID, name)
			if err != nil {
				return mailError("mail poll", err)
			}
			accs = []mail.Account{acc}
		} else {
			var err error
			if accs, err = mail.ListAccounts(ctx, db, u.ID); err != nil {
				return err
			}
			if len(accs) == 0 {
				return fmt.Errorf("mail poll: %s has no mail accounts (add one: docuvault mail add)", u.Handle)
			}
		}
		p, closeFn, err := a.mailPoller(ctx, db)
		if err != nil {
			return err
		}
		defer closeFn()
		failed := 0
		enc := json.NewEncoder(a.stdout)
		for _, acc := range accs {
			start := time.Now()
			s, err := p.Poll(ctx, acc)
			switch {
			case errors.Is(err, mail.ErrBusy):
				s.Error = "being polled elsewhere (the worker): try again in a moment"
				failed++
			case errors.Is(err, mail.ErrAccount):
				failed++
			case errors.Is(err, mail.ErrStorage):
				s.Error = "stopped: the object store is unavailable; what was not stored is taken at the next poll"
				failed++
			case err != nil:
				return fmt.Errorf("mail poll: %w", err)
			}
			if asJSON {
				if err := enc.Encode(s); err != nil {
					return err
				}
				continue
			}
			if s.Error != "" {
				fmt.Fprintf(a.stdout, "%s: ERROR: %s\n", acc.Name, s.Error)
				continue
			}
			fmt.Fprintf(a.stdout, "%s: %d message(s) taken: %d document(s) stored, %d duplicate(s), %d not taken, %d skipped by the rules (%.1fs)\n",
				acc.Name, s.Messages, s.Stored, s.Duplicates, s.Failed, s.Skipped, time.Since(start).Seconds())
		}
		if failed > 0 {
			return fmt.Errorf("mail poll: %d account(s) could not be polled (see above; docuvault mail list)", failed)
		}
		return nil
	})
}
