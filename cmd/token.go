package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/apitokens"
	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/users"
)

// tokenAddOptions are token add's flags.
type tokenAddOptions struct {
	user    string
	scopes  []string
	expires string
	asJSON  bool
}

func newTokenCommand(a *app) *cobra.Command {
	c := &cobra.Command{Use: "token", Short: "Manage a user's personal API tokens (Authorization: Bearer dvt_… for scripts and phone scan apps)",
		Args: usageArgs(cobra.NoArgs)}
	var user string
	var asJSON bool
	var addOpts tokenAddOptions
	list := &cobra.Command{
		Use:   "list [--user H] [--json]",
		Short: "List a user's API tokens (never their secrets): name, scopes, created, last used, expiry",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTokenList(cmd.Context(), a, user, asJSON)
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "one JSON object per token per line")
	list.Flags().StringVar(&user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	add := &cobra.Command{
		Use:   "add NAME --scope read,upload [--expires 90d|YYYY-MM-DD] [--user H] [--json]",
		Short: "Make an API token and print it, this once (standard output: the token alone)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTokenAdd(cmd.Context(), a, args[0], addOpts)
		},
	}
	add.Flags().StringSliceVar(&addOpts.scopes, "scope", nil, "what the token may do: read (list, get, download, search documents), upload (store documents), or both")
	add.Flags().StringVar(&addOpts.expires, "expires", "", "when the token stops working: a number of days (90d) or a day (YYYY-MM-DD, its end in UTC); default never")
	add.Flags().BoolVar(&addOpts.asJSON, "json", false, "print the token and its details as one JSON object")
	add.Flags().StringVar(&addOpts.user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	rm := &cobra.Command{
		Use:   "rm NAME [--user H]",
		Short: "Revoke an API token (NAME: its name, in any case, or its id): refused from the next request on",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTokenRm(cmd.Context(), a, user, args[0])
		},
	}
	rm.Flags().StringVar(&user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	c.AddCommand(list, add, rm)
	return c
}

// parseExpiry reads --expires: "" (never), days ("90d") or a day
// (YYYY-MM-DD, until its end in UTC).
func parseExpiry(s string, now time.Time) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 1 || days > 3650 {
			return nil, usageErrorf("token add: --expires %q: give 1d to 3650d, or a day as YYYY-MM-DD", s)
		}
		t := now.Add(time.Duration(days) * 24 * time.Hour)
		return &t, nil
	}
	day, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil, usageErrorf("token add: --expires %q: give a number of days (90d) or a day as YYYY-MM-DD", s)
	}
	t := day.Add(24*time.Hour - time.Second)
	if !t.After(now) {
		return nil, usageErrorf("token add: --expires %s has passed: give a day in the future", s)
	}
	return &t, nil
}

// tokenError makes a caller's mistake with a token a usage error (exit 64)
// when the name, scopes or expiry cannot be used; a token not found or a
// name taken keep exit 1, as views' do.
func tokenError(what string, err error) error {
	if errors.Is(err, apitokens.ErrInvalid) {
		return exitcode.With(exitcode.Usage, fmt.Errorf("%s: %w", what, err))
	}
	var te *apitokens.Error
	if errors.As(err, &te) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return err
}

func runTokenAdd(ctx context.Context, a *app, name string, o tokenAddOptions) error {
	expires, err := parseExpiry(o.expires, time.Now())
	if err != nil {
		return err
	}
	if len(o.scopes) == 0 {
		return usageErrorf("token add: give --scope read, --scope upload, or --scope read,upload")
	}
	return a.withOwner(ctx, o.user, func(db *sqlx.DB, u users.User) error {
		t, secret, err := apitokens.Create(ctx, db, u.ID, apitokens.New{Name: name, Scopes: o.scopes, ExpiresAt: expires})
		if err != nil {
			return tokenError("token add", err)
		}
		meta := map[string]any{"action": "create", "name": t.Name, "scopes": t.Scopes}
		if t.ExpiresAt != nil {
			meta["expires_at"] = t.ExpiresAt.UTC().Format(time.RFC3339)
		}
		a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.TokenChange, ResourceID: t.ID, Metadata: meta})
		if o.asJSON {
			return json.NewEncoder(a.stdout).Encode(struct {
				apitokens.Token
				Secret string `json:"token"`
			}{t, secret})
		}
		fmt.Fprintf(a.stderr, "API token %q for %s (%s): shown this once, store it now\n", t.Name, u.Handle, strings.Join(t.Scopes, ", "))
		fmt.Fprintln(a.stdout, secret)
		return nil
	})
}

func runTokenList(ctx context.Context, a *app, user string, asJSON bool) error {
	return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
		ts, err := apitokens.List(ctx, db, u.ID)
		if err != nil {
			return err
		}
		return printList(a.stdout, asJSON, ts,
			fmt.Sprintf("%s has no API tokens (make one: docuvault token add phone --scope upload)", u.Handle),
			[]string{"NAME", "SCOPES", "CREATED", "LAST USED", "EXPIRES", "ID"},
			func(t apitokens.Token) []string {
				return []string{t.Name, strings.Join(t.Scopes, ","), listTime(&t.CreatedAt, ""), listTime(t.LastUsedAt, "never"), listTime(t.ExpiresAt, "never"), t.ID}
			})
	})
}

func runTokenRm(ctx context.Context, a *app, user, ref string) error {
	return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
		t, err := apitokens.Resolve(ctx, db, u.ID, ref)
		if err != nil {
			return tokenError("token rm", err)
		}
		if err := apitokens.Delete(ctx, db, u.ID, t.ID); err != nil {
			return tokenError("token rm", err)
		}
		a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.TokenChange, ResourceID: t.ID, Metadata: map[string]any{"action": "revoke", "name": t.Name}})
		fmt.Fprintf(a.stdout, "revoked API token %q\n", t.Name)
		return nil
	})
}
