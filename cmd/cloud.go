package cmd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/cloud"
	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/users"
)

// cloudAddOptions are cloud add's flags.
type cloudAddOptions struct {
	user           string
	provider       string
	endpoint       string
	url            string
	bucket         string
	path           string
	region         string
	tls            bool
	accessKey      string
	secretKeyStdin bool
	login          string
	passwordStdin  bool
	folders        bool
	asJSON         bool
}

// cloudSyncOptions are cloud sync's flags.
type cloudSyncOptions struct {
	user     string
	asJSON   bool
	timeout  time.Duration
	parallel int
}

func newCloudCommand(a *app) *cobra.Command {
	c := &cobra.Command{Use: "cloud", Short: "Import documents from a user's cloud connections (S3 buckets, WebDAV folders such as Nextcloud)",
		Args: usageArgs(cobra.NoArgs)}
	var add cloudAddOptions
	addCmd := &cobra.Command{
		Use:   "add NAME --provider s3|webdav …",
		Short: "Add a cloud connection; its secret is read from standard input, never the command line",
		Long: `Add a cloud connection of a user, whose new and changed files become documents
at each sync (docuvault cloud sync, the worker's periodic job, the web app's
"Sync now").

  s3:     --endpoint HOST:PORT --bucket B [--prefix P] [--region R] [--tls=false]
          --access-key K --secret-key-stdin
  webdav: --url https://cloud.example.org/remote.php/dav/files/ann/ [--path Scans]
          --login ann --password-stdin

--folders makes the folders under the path DocuVault folders of the same
names. The secret key or password is read from the first line of standard
input and stored encrypted with SECRET_KEY.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCloudAdd(cmd.Context(), a, args[0], add, os.Stdin)
		},
	}
	af := addCmd.Flags()
	af.StringVar(&add.user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	af.StringVar(&add.provider, "provider", "", "s3 or webdav")
	af.StringVar(&add.endpoint, "endpoint", "", "s3: the server, host:port (no scheme)")
	af.StringVar(&add.url, "url", "", "webdav: the server's URL, http(s)://…")
	af.StringVar(&add.bucket, "bucket", "", "s3: the bucket")
	af.StringVar(&add.path, "prefix", "", "s3: import only keys under this prefix")
	af.StringVar(&add.path, "path", "", "webdav: import only this folder below the URL")
	af.StringVar(&add.region, "region", "", "s3: the region (most S3-compatible servers need none)")
	af.BoolVar(&add.tls, "tls", true, "s3: use https (--tls=false for http)")
	af.StringVar(&add.accessKey, "access-key", "", "s3: the access key")
	af.BoolVar(&add.secretKeyStdin, "secret-key-stdin", false, "s3: read the secret key from standard input")
	af.StringVar(&add.login, "login", "", "webdav: the user name")
	af.BoolVar(&add.passwordStdin, "password-stdin", false, "webdav: read the password from standard input")
	af.BoolVar(&add.folders, "folders", false, "make the folders under the path DocuVault folders")
	af.BoolVar(&add.asJSON, "json", false, "print the connection as one JSON object")

	var user string
	var asJSON bool
	list := &cobra.Command{
		Use:   "list [--user H] [--json]",
		Short: "List a user's cloud connections: status, last sync, last error (never their secrets)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCloudList(cmd.Context(), a, user, asJSON)
		},
	}
	list.Flags().StringVar(&user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	list.Flags().BoolVar(&asJSON, "json", false, "one JSON object per connection per line")
	rm := &cobra.Command{
		Use:   "rm NAME [--user H]",
		Short: "Remove a cloud connection (NAME: its name or id); the documents it brought stay",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCloudRm(cmd.Context(), a, user, args[0])
		},
	}
	rm.Flags().StringVar(&user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	var so cloudSyncOptions
	syncCmd := &cobra.Command{
		Use:   "sync NAME [--user H] [--json]",
		Short: "Import a cloud connection's new and changed files now (for cron too): exit 0 when all were taken, 2 when some failed, 1 when the server failed",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCloudSync(cmd.Context(), a, args[0], so)
		},
	}
	syncCmd.Flags().StringVar(&so.user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	syncCmd.Flags().BoolVar(&so.asJSON, "json", false, "one JSON object per file per line, then the summary")
	syncCmd.Flags().DurationVar(&so.timeout, "timeout", 30*time.Second, "a server that does not answer for this long has failed")
	syncCmd.Flags().IntVar(&so.parallel, "parallel", 4, "files stored at once (1 to 32)")
	c.AddCommand(addCmd, list, rm, syncCmd)
	return c
}

// cloudError makes a caller's mistake a usage error (exit 64); a
// connection not found or a name taken keep exit 1.
func cloudError(what string, err error) error {
	if errors.Is(err, cloud.ErrInvalid) {
		return exitcode.With(exitcode.Usage, fmt.Errorf("%s: %w", what, err))
	}
	return fmt.Errorf("%s: %w", what, err)
}

func readSecretLine(stdin io.Reader, flag string) (string, error) {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read %s: %w", flag, err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usageErrorf("cloud add: %s: standard input held nothing", flag)
	}
	return line, nil
}

func runCloudAdd(ctx context.Context, a *app, name string, o cloudAddOptions, stdin io.Reader) error {
	n := cloud.New{Provider: o.provider, Name: name, Bucket: o.bucket, Path: o.path, Region: o.region, MapFolders: o.folders}
	switch o.provider {
	case cloud.ProviderS3:
		if o.url != "" || o.login != "" || o.passwordStdin {
			return usageErrorf("cloud add: --url, --login and --password-stdin are for webdav; s3 takes --endpoint, --access-key and --secret-key-stdin")
		}
		if !o.secretKeyStdin {
			return usageErrorf("cloud add: give the secret key on standard input with --secret-key-stdin (never on the command line)")
		}
		n.Endpoint, n.Secure, n.Login = o.endpoint, o.tls, o.accessKey
	case cloud.ProviderWebDAV:
		if o.endpoint != "" || o.bucket != "" || o.accessKey != "" || o.secretKeyStdin || o.region != "" {
			return usageErrorf("cloud add: --endpoint, --bucket, --access-key, --secret-key-stdin and --region are for s3; webdav takes --url, --login and --password-stdin")
		}
		if !o.passwordStdin {
			return usageErrorf("cloud add: give the password on standard input with --password-stdin (never on the command line)")
		}
		n.Endpoint, n.Login = o.url, o.login
	default:
		return usageErrorf("cloud add: --provider must be s3 or webdav, not %q", o.provider)
	}
	flag := "--password-stdin"
	if o.provider == cloud.ProviderS3 {
		flag = "--secret-key-stdin"
	}
	secret, err := readSecretLine(stdin, flag)
	if err != nil {
		return err
	}
	n.Secret = secret
	k, err := a.keyring()
	if err != nil {
		return fmt.Errorf("cloud add: %w", err)
	}
	return a.withOwner(ctx, o.user, func(db *sqlx.DB, u users.User) error {
		c, err := cloud.Add(ctx, db, k, u.ID, n)
		if err != nil {
			return cloudError("cloud add", err)
		}
		a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.CloudChange, ResourceID: c.ID,
			Metadata: map[string]any{"action": "create", "name": c.Name, "provider": c.Provider}})
		if o.asJSON {
			return json.NewEncoder(a.stdout).Encode(c)
		}
		fmt.Fprintf(a.stdout, "added cloud connection %q (%s) for %s: take its files now with `docuvault cloud sync %s`\n", c.Name, c.Provider, u.Handle, shellWord(c.Name))
		return nil
	})
}

// shellWord quotes s for a shell when it needs it.
func shellWord(s string) string {
	if strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func runCloudList(ctx context.Context, a *app, user string, asJSON bool) error {
	return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
		cs, err := cloud.List(ctx, db, u.ID)
		if err != nil {
			return err
		}
		return printList(a.stdout, asJSON, cs,
			fmt.Sprintf("%s has no cloud connections (add one: docuvault cloud add NAME --provider webdav --url … --login … --password-stdin)", u.Handle),
			[]string{"NAME", "PROVIDER", "WHERE", "STATUS", "LAST SYNC", "LAST ERROR"},
			func(c cloud.Connection) []string {
				lastErr := ""
				if c.LastError != nil {
					lastErr = *c.LastError
				}
				return []string{c.Name, c.Provider, where(c), c.Status, listTime(c.LastSyncAt, "never"), lastErr}
			})
	})
}

// where is a connection's place in one word.
func where(c cloud.Connection) string {
	if c.Provider == cloud.ProviderS3 {
		s := c.Endpoint + "/" + c.Bucket
		if c.Path != "" {
			s += "/" + c.Path
		}
		return s
	}
	s := strings.TrimSuffix(c.Endpoint, "/")
	if c.Path != "" {
		s += "/" + c.Path
	}
	return s
}

func runCloudRm(ctx context.Context, a *app, user, ref string) error {
	return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
		c, err := cloud.Resolve(ctx, db, u.ID, ref)
		if err != nil {
			return cloudError("cloud rm", err)
		}
		if err := cloud.Delete(ctx, db, u.ID, c.ID); err != nil {
			return cloudError("cloud rm", err)
		}
		a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.CloudChange, ResourceID: c.ID,
			Metadata: map[string]any{"action": "delete", "name": c.Name, "provider": c.Provider}})
		fmt.Fprintf(a.stdout, "removed cloud connection %q (its documents stay)\n", c.Name)
		return nil
	})
}

func runCloudSync(ctx context.Context, a *app, ref string, o cloudSyncOptions) error {
	if o.parallel < 1 || o.parallel > 32 {
		return usageErrorf("cloud sync: --parallel must be 1 to 32, not %d", o.parallel)
	}
	if o.timeout <= 0 {
		return usageErrorf("cloud sync: --timeout must be a positive duration")
	}
	k, err := a.keyring()
	if err != nil {
		return fmt.Errorf("cloud sync: %w", err)
	}
	return a.withOwner(ctx, o.user, func(db *sqlx.DB, u users.User) error {
		c, err := cloud.Resolve(ctx, db, u.ID, ref)
		if err != nil {
			return cloudError("cloud sync", err)
		}
		svc, closeStorage, err := a.openStorage(ctx, db)
		if err != nil {
			return err
		}
		defer closeStorage()
		var mu sync.Mutex
		enc := json.NewEncoder(a.stdout)
		obs := func(r cloud.Result) {
			mu.Lock()
			defer mu.Unlock()
			if o.asJSON {
				_ = enc.Encode(r)
				return
			}
			switch r.Status {
			case "error":
				fmt.Fprintf(a.stdout, "FAILED     %s: %s\n", r.Path, r.Error)
			case "duplicate":
				fmt.Fprintf(a.stdout, "duplicate  %s: same content as document %s\n", r.Path, r.DuplicateOf)
			case "version":
				fmt.Fprintf(a.stdout, "version    %s → %s (changed: a new version of it)\n", r.Path, r.ID)
			case "unchanged":
				fmt.Fprintf(a.stdout, "unchanged  %s → %s (same content)\n", r.Path, r.ID)
			default:
				fmt.Fprintf(a.stdout, "stored     %s → %s\n", r.Path, r.ID)
			}
		}
		sum, err := cloud.Sync(ctx, cloud.Deps{DB: db, Storage: svc, Keyring: k, Log: a.log},
			cloud.Options{Timeout: o.timeout, Parallel: o.parallel, AuditActor: audit.CLIActor()}, c.ID, obs)
		if o.asJSON {
			_ = enc.Encode(map[string]any{"summary": sum})
		} else if err == nil || !errors.Is(err, cloud.ErrConnection) || sum.Stored+sum.Versions+sum.Duplicates+sum.Failed > 0 {
			fmt.Fprintf(a.stderr, "cloud sync %s: %d stored, %d new versions, %d duplicates, %d unchanged, %d ignored, %d failed\n",
				c.Name, sum.Stored, sum.Versions, sum.Duplicates, sum.Unchanged, sum.Ignored, sum.Failed)
		}
		switch {
		case errors.Is(err, cloud.ErrBusy):
			return fmt.Errorf("cloud sync %s: %w: try again when it has finished", c.Name, err)
		case errors.Is(err, cloud.ErrConnection):
			return fmt.Errorf("cloud sync %s: %s (the connection is in status ERROR)", c.Name, cloud.Reason(err))
		case err != nil:
			return fmt.Errorf("cloud sync %s: %w", c.Name, err)
		}
		if sum.Failed > 0 {
			total := sum.Failed + sum.Stored + sum.Versions + sum.Duplicates
			return exitcode.Some(sum.Failed, total, fmt.Errorf("cloud sync %s: %d of %d file(s) failed (see `docuvault watch --status`)", c.Name, sum.Failed, total))
		}
		return nil
	})
}
