package cmd

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/auth"
	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/secrets"
)

// secretsRotateOptions are secrets rotate's flags.
type secretsRotateOptions struct {
	oldKeyFile string
	dryRun     bool
	asJSON     bool
}

func newSecretsCommand(a *app) *cobra.Command {
	c := &cobra.Command{Use: "secrets", Short: "Manage the secrets DocuVault keeps at rest (IMAP passwords, cloud credentials)",
		Args: usageArgs(cobra.NoArgs)}
	var o secretsRotateOptions
	rotate := &cobra.Command{
		Use:   "rotate [--old-secret-key-file FILE] [--dry-run] [--json]",
		Short: "Re-seal every stored secret under the current SECRET_KEY; the previous key comes from DOCUVAULT_OLD_SECRET_KEY or --old-secret-key-file, never the command line",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSecretsRotate(cmd.Context(), a, o)
		},
	}
	rotate.Flags().StringVar(&o.oldKeyFile, "old-secret-key-file", "", "a file with the previous SECRET_KEY (several: one per line; # starts a comment), as well as DOCUVAULT_OLD_SECRET_KEY")
	rotate.Flags().BoolVar(&o.dryRun, "dry-run", false, "count what would be re-sealed, change nothing")
	rotate.Flags().BoolVar(&o.asJSON, "json", false, "print the counts as one JSON object")
	c.AddCommand(rotate)
	return c
}

// readKeyFile reads old secret keys from path: one per line, blank lines
// and lines starting with # ignored. The error never holds the file's
// content.
func readKeyFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageErrorf("secrets rotate: --old-secret-key-file: %v", err)
	}
	defer f.Close()
	var keys []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			keys = append(keys, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("secrets rotate: read %s: %w", path, err)
	}
	if len(keys) == 0 {
		return nil, usageErrorf("secrets rotate: %s holds no key: write the previous SECRET_KEY in it, one per line", path)
	}
	return keys, nil
}

// keyring is the secrets keyring of the configuration: SECRET_KEY seals,
// it and DOCUVAULT_OLD_SECRET_KEY (and extra) open.
func (a *app) keyring(extra ...string) (*secrets.Keyring, error) {
	if err := auth.CheckSecret(a.cfg.SecretKey); err != nil {
		return nil, exitcode.With(exitcode.Usage, fmt.Errorf("SECRET_KEY is unusable: %w", err))
	}
	var old []string
	if a.cfg.OldSecretKey != "" {
		old = append(old, a.cfg.OldSecretKey)
	}
	k, err := secrets.NewKeyring(a.cfg.SecretKey, append(old, extra...)...)
	if err != nil {
		return nil, exitcode.With(exitcode.Usage, err)
	}
	return k, nil
}

func runSecretsRotate(ctx context.Context, a *app, o secretsRotateOptions) error {
	var extra []string
	if o.oldKeyFile != "" {
		keys, err := readKeyFile(o.oldKeyFile)
		if err != nil {
			return err
		}
		extra = keys
	}
	if len(extra) == 0 && a.cfg.OldSecretKey == "" && !o.dryRun {
		return usageErrorf("secrets rotate: give the previous SECRET_KEY in DOCUVAULT_OLD_SECRET_KEY or a file named by --old-secret-key-file (never on the command line)")
	}
	k, err := a.keyring(extra...)
	if err != nil {
		return fmt.Errorf("secrets rotate: %w", err)
	}
	return a.withDB(ctx, func(db *sqlx.DB) error {
		rep, err := secrets.Rotate(ctx, db, k, secrets.Columns(), o.dryRun)
		if err != nil {
			return fmt.Errorf("secrets rotate: %w", err)
		}
		if !o.dryRun && rep.Rotated > 0 {
			a.record(ctx, db, audit.Event{Type: audit.SecretsRotate, Metadata: map[string]any{
				"rotated": rep.Rotated, "failed": len(rep.Failed), "key_id": k.CurrentID()}})
		}
		if o.asJSON {
			failed := make([]map[string]string, len(rep.Failed))
			for i, f := range rep.Failed {
				failed[i] = map[string]string{"column": f.Column.String(), "id": f.ID, "error": f.Err.Error()}
			}
			if err := json.NewEncoder(a.stdout).Encode(map[string]any{"key_id": k.CurrentID(), "dry_run": o.dryRun,
				"rotated": rep.Rotated, "current": rep.Current, "empty": rep.Empty, "failed": failed}); err != nil {
				return err
			}
		} else {
			verb := "re-sealed"
			if o.dryRun {
				verb = "would re-seal"
			}
			for _, f := range rep.Failed {
				fmt.Fprintf(a.stderr, "%s %s: %v\n", f.Column, f.ID, f.Err)
			}
			fmt.Fprintf(a.stdout, "%s %d secrets under key %s; %d already under it, %d empty, %d failed\n",
				verb, rep.Rotated, k.CurrentID(), rep.Current, rep.Empty, len(rep.Failed))
		}
		if len(rep.Failed) > 0 {
			return fmt.Errorf("secrets rotate: %d secrets could not be opened with SECRET_KEY or the old keys given (listed above), and were left as they are", len(rep.Failed))
		}
		return nil
	})
}
