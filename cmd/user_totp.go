package cmd

import (
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/totp"
	"github.com/docuvault/docuvault/pkg/users"
)

func newUserTOTPResetCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "totp-reset HANDLE",
		Short: "Remove a user's second factor (lost phone and recovery codes)",
		Long: `Remove a user's two-factor sign-in (TOTP) and its recovery codes: they
sign in with their password alone again, and can set up a new
authenticator in Settings (if the two-factor policy requires one, they
must).`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var u users.User
			err := a.withDB(ctx, func(db *sqlx.DB) (err error) {
				if u, err = users.ByHandle(ctx, db, args[0]); err != nil {
					return err
				}
				if err := totp.New(db, nil, "").Reset(ctx, u.ID); err != nil {
					return err
				}
				a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.UserAdmin, ResourceID: u.ID,
					Metadata: map[string]any{"resource": "user", "action": "totp_reset", "handle": u.Handle}})
				return nil
			})
			if errors.Is(err, totp.ErrNotEnrolled) {
				return fmt.Errorf("%s has no second factor: nothing to reset", u.Handle)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "second factor of %s removed\n", u.Handle)
			return nil
		},
	}
}

func newUserTOTPPolicyCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "totp-policy [off|admins|everyone]",
		Short: "Show or set who must use two-factor sign-in",
		Long: `Show (no argument) or set who must use two-factor sign-in (TOTP): off,
admins or everyone. A person the policy covers who has no second factor
still signs in with their password, but can do nothing but set one up in
Settings (the API answers 403 totp_required) until they have.`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var p string
			err := a.withDB(ctx, func(db *sqlx.DB) (err error) {
				svc := totp.New(db, nil, "")
				if len(args) == 1 {
					if err := svc.SetPolicy(ctx, args[0]); err != nil {
						if errors.Is(err, totp.ErrInvalidPolicy) {
							return exitcode.With(exitcode.Usage, err)
						}
						return err
					}
				}
				if p, err = svc.Policy(ctx); err != nil {
					return err
				}
				if len(args) == 1 {
					a.record(ctx, db, audit.Event{Type: audit.SettingsChange, Metadata: map[string]any{"setting": "totp_policy", "required": p}})
				}
				return nil
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "two-factor sign-in required for: %s\n", p)
			return nil
		},
	}
}
