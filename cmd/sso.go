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
	"github.com/docuvault/docuvault/pkg/config"
	"github.com/docuvault/docuvault/pkg/oidc"
	"github.com/docuvault/docuvault/pkg/users"
)

// ssoProviders are the config file's oidc: providers as pkg/oidc takes them.
func ssoProviders(list []config.OIDCProvider) []oidc.Provider {
	out := make([]oidc.Provider, 0, len(list))
	for _, p := range list {
		gm := make([]oidc.GroupMap, 0, len(p.GroupMap))
		for _, m := range p.GroupMap {
			gm = append(gm, oidc.GroupMap{Claim: m.Claim, Group: m.Group})
		}
		out = append(out, oidc.Provider{Name: p.Name, DisplayName: p.DisplayName, Issuer: p.Issuer, ClientID: p.ClientID,
			ClientSecret: p.ClientSecret, Scopes: p.Scopes, AllowSignup: p.AllowSignup, GroupsClaim: p.GroupsClaim,
			AdminGroups: p.AdminGroups, GroupMap: gm})
	}
	return out
}

func newSSOCommand(a *app) *cobra.Command {
	c := &cobra.Command{Use: "sso", Short: "Single sign-on with OpenID Connect (the config file's oidc: providers)", Args: usageArgs(cobra.NoArgs)}
	var asJSON bool
	list := &cobra.Command{
		Use:   "list [--json]",
		Short: "List the configured providers, their redirect URIs, and whether each answers",
		Long: `List the single sign-on providers of the config file's oidc: list: each
one's redirect URI (register it at the provider), whether its discovery
document answers now, and the groups its group_map names that do not
exist (docuvault group add NAME).`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSSOList(cmd.Context(), a, asJSON)
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "one JSON object per provider per line")
	c.AddCommand(list)
	return c
}

func runSSOList(ctx context.Context, a *app, asJSON bool) error {
	if len(a.cfg.OIDC) == 0 {
		fmt.Fprintln(a.stdout, "no single sign-on providers: add them to the config file's oidc: list (docs/operations.md)")
		return nil
	}
	var sts []oidc.Status
	err := a.withDB(ctx, func(db *sqlx.DB) (err error) {
		sts, err = oidc.New(db, nil, ssoProviders(a.cfg.OIDC), oidc.Options{PublicURL: a.cfg.PublicURL}).Check(ctx)
		return err
	})
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		for _, s := range sts {
			if err := enc.Encode(s); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tDISPLAY NAME\tISSUER\tSIGN-UP\tSTATUS\tREDIRECT URI")
	down := 0
	for _, s := range sts {
		status := "ok"
		if !s.Reachable {
			status, down = "unreachable: "+s.Error, down+1
		}
		if len(s.MissingGroups) > 0 {
			status += "; group_map names missing groups: " + strings.Join(s.MissingGroups, ", ")
		}
		signup := "no"
		if s.AllowSignup {
			signup = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, s.DisplayName, s.Issuer, signup, status, s.RedirectURL)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if down > 0 {
		return fmt.Errorf("%d of %d single sign-on providers do not answer (password sign-in is not affected)", down, len(sts))
	}
	return nil
}

func newUserSSOCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "sso HANDLE",
		Short: "List a user's single sign-on identities",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withDB(ctx, func(db *sqlx.DB) error {
				u, err := users.ByHandle(ctx, db, args[0])
				if err != nil {
					return err
				}
				ids, err := oidc.Identities(ctx, db, u.ID)
				if err != nil {
					return err
				}
				if len(ids) == 0 {
					fmt.Fprintf(a.stdout, "%s has no single sign-on identity\n", u.Handle)
					return nil
				}
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "PROVIDER\tSUBJECT\tEMAIL\tLINKED\tLAST SIGN-IN")
				for _, i := range ids {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", i.Provider, i.Subject, i.Email, i.CreatedAt.Format("2006-01-02 15:04"), i.LastLoginAt.Format("2006-01-02 15:04"))
				}
				return tw.Flush()
			})
		},
	}
}

func newUserSSOUnlinkCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "sso-unlink HANDLE PROVIDER",
		Short: "Unlink a user's identity at a single sign-on provider (the account stays)",
		Args:  usageArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withDB(ctx, func(db *sqlx.DB) error {
				u, err := users.ByHandle(ctx, db, args[0])
				if err != nil {
					return err
				}
				if _, err := oidc.Unlink(ctx, db, u.ID, args[1]); errors.Is(err, oidc.ErrNotLinked) {
					return fmt.Errorf("%s has no identity of provider %q (docuvault user sso %s)", u.Handle, args[1], u.Handle)
				} else if err != nil {
					return err
				}
				a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.SSO, ResourceID: u.ID,
					Metadata: map[string]any{"action": "unlink", "provider": args[1], "handle": u.Handle}})
				fmt.Fprintf(a.stdout, "identity of %s at %s unlinked\n", u.Handle, args[1])
				return nil
			})
		},
	}
}
