package cmd

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/health"
)

// errUnhealthy is returned by health when a component failed; the table or
// JSON already said which, so main prints only this line.
var errUnhealthy = errors.New("health: at least one component failed")

func newHealthCommand(a *app) *cobra.Command {
	var (
		asJSON  bool
		timeout time.Duration
	)
	c := &cobra.Command{
		Use:   "health",
		Short: "Probe PostgreSQL, the object store and Redis; exit 0 only when all are ok",
		Long: `Probe every service with a real call: PostgreSQL as the app role (SELECT 1,
and the schema at this binary's latest migration), the object store with the
app key (the bucket exists and is reachable), Redis (PING with its password).
Each probe is bounded by --timeout. Exit 0 when all are ok, 1 otherwise.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if timeout <= 0 {
				return usageErrorf("--timeout must be positive, not %s", timeout)
			}
			rep := health.Run(cmd.Context(), timeout, health.Checks(a.cfg))
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else if err := rep.WriteText(a.stdout); err != nil {
				return err
			}
			if !rep.OK() {
				return errUnhealthy
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object instead of a table")
	c.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "bound on each probe")
	return c
}
