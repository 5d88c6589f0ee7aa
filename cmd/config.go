package cmd

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/config"
	"github.com/docuvault/docuvault/pkg/exitcode"
)

func newConfigCommand(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "config",
		Short: "Inspect the configuration",
		Args:  usageArgs(cobra.NoArgs),
	}
	c.AddCommand(&cobra.Command{
		Use:   "show",
		Short: "Print the effective configuration, secrets redacted, and where each value came from",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VARIABLE\tVALUE\tSOURCE")
			for _, s := range config.Settings() {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Env, a.cfg.Display(s), a.cfg.Sources[s.Key])
			}
			// The single sign-on providers (config file only); the client
			// secret is never printed.
			for i, p := range a.cfg.OIDC {
				secret := "<unset>"
				if p.ClientSecret != "" {
					secret = "<redacted>"
				}
				fmt.Fprintf(tw, "oidc[%d]\tname=%s issuer=%s client_id=%s client_secret=%s allow_signup=%t\tconfig file %s\n",
					i, p.Name, config.RedactURL(p.Issuer), p.ClientID, secret, p.AllowSignup, a.cfg.ConfigFile)
			}
			return tw.Flush()
		},
	})
	return c
}

func newVersionCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:         "version",
		Short:       "Print the version, commit and build date",
		Args:        usageArgs(cobra.NoArgs),
		Annotations: map[string]string{skipConfig: "true"},
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(a.stdout, "docuvault %s (commit %s, built %s)\n", version, commit, date)
			return err
		},
	}
}

func usageErrorf(format string, args ...any) error { return exitcode.Usagef(format, args...) }
