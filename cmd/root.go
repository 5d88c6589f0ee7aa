// Package cmd is docuvault's command line: one file per subcommand, each
// turning flags into an options struct and calling plain functions in pkg/.
// It holds no business logic and never exits the process: errors go back to
// main, the one place that maps them to exit codes.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/config"
	"github.com/docuvault/docuvault/pkg/exitcode"
)

// Build information, set by the linker (-X) in releases.
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

// app is what every subcommand shares: the loaded configuration, the
// logger and the output streams. It is built per Execute call.
type app struct {
	configFile string
	stdout     io.Writer
	stderr     io.Writer
	cfg        *config.Config
	log        *slog.Logger
}

// skipConfig marks commands that must work without a usable configuration.
const skipConfig = "docuvault/skip-config"

// NewRootCommand builds the whole command tree writing to stdout and stderr.
func NewRootCommand(stdout, stderr io.Writer) *cobra.Command {
	a := &app{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "docuvault",
		Short: "DocuVault keeps your documents: bytes in S3-compatible storage, metadata in PostgreSQL",
		Long: `DocuVault keeps documents: the bytes in S3-compatible object storage (MinIO),
the metadata in PostgreSQL, background work in Redis.

Configuration comes from flags, then the environment, then the config file
(--config, ./docuvault.yaml, $XDG_CONFIG_HOME/docuvault/config.yaml,
/etc/docuvault/config.yaml), then env files (./.env, /etc/docuvault/env), then
defaults. "docuvault config show" prints what is in effect and where it came from.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Annotations[skipConfig] == "true" {
				return nil
			}
			return a.load(cmd)
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return exitcode.Usagef("%s (see %s --help)", err, c.CommandPath())
	})
	pf := root.PersistentFlags()
	pf.StringVar(&a.configFile, "config", "", "config file (YAML); default: ./docuvault.yaml, $XDG_CONFIG_HOME/docuvault/config.yaml, /etc/docuvault/config.yaml")
	pf.String("log-level", "info", "log level: debug, info, warn, error (env DOCUVAULT_LOG_LEVEL)")
	pf.String("log-format", "text", "log format: text or json (env DOCUVAULT_LOG_FORMAT)")

	root.AddCommand(
		newMigrateCommand(a),
		newGrantCommand(a),
		newBucketCommand(a),
		newHealthCommand(a),
		newUserCommand(a),
		newTopicCommand(a),
		newFolderCommand(a),
		newViewCommand(a),
		newTokenCommand(a),
		newGroupCommand(a),
		newSSOCommand(a),
		newNoteCommand(a),
		newLinkCommand(a),
		newSecretsCommand(a),
		newUploadCommand(a),
		newWatchCommand(a),
		newCloudCommand(a),
		newMailCommand(a),
		newFsckCommand(a),
		newExportCommand(a),
		newImportCommand(a),
		newWorkerCommand(a),
		newServeCommand(a),
		newClassifyCommand(a),
		newExtractCommand(a),
		newDocCommand(a),
		newTrashCommand(a),
		newOverviewCommand(a),
		newSearchCommand(a),
		newJobsCommand(a),
		newConfigCommand(a),
		newVersionCommand(a),
	)
	strictGroups(root)
	return root
}

// strictGroups makes every command that only groups others (topic, doc,
// user…) refuse a word that is none of its subcommands, as the root does,
// instead of printing its help and exiting 0; alone, it prints its help.
func strictGroups(c *cobra.Command) {
	for _, sub := range c.Commands() {
		strictGroups(sub)
	}
	if c.HasParent() && c.HasSubCommands() && !c.Runnable() {
		if c.Annotations == nil {
			c.Annotations = map[string]string{}
		}
		c.Annotations[skipConfig] = "true"
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return unknownCommand(cmd, args[0])
		}
	}
}

// unknownCommand is the usage error for a word that names no subcommand of
// cmd, with cobra's suggestions.
func unknownCommand(cmd *cobra.Command, word string) error {
	msg := fmt.Sprintf("unknown command %q for %q", word, cmd.CommandPath())
	if s := cmd.SuggestionsFor(word); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %q?", s[0])
	}
	return exitcode.Usagef("%s (see %s --help)", msg, cmd.CommandPath())
}

// cobraMessage rewrites cobra's own multi-line messages as one line:
// "unknown command \"uplod\" for \"docuvault\"\n\nDid you mean this?\n\tupload\n"
// becomes `unknown command "uplod" for "docuvault"; did you mean "upload"?`.
func cobraMessage(msg string) string {
	head, rest, found := strings.Cut(msg, "\n\nDid you mean this?\n")
	if !found {
		return strings.TrimSpace(msg)
	}
	var s []string
	for _, l := range strings.Split(rest, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			s = append(s, fmt.Sprintf("%q", l))
		}
	}
	if len(s) == 0 {
		return head
	}
	return head + "; did you mean " + strings.Join(s, " or ") + "?"
}

// load reads the configuration once and sets up the logger.
func (a *app) load(cmd *cobra.Command) error {
	bootLog := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg, err := config.Load(config.Options{
		ConfigFile: a.configFile,
		Flags:      cmd.Flags(),
		Logger:     bootLog,
	})
	if err != nil {
		return err
	}
	a.cfg = cfg
	a.log = newLogger(a.stderr, cfg)
	return nil
}

func newLogger(w io.Writer, cfg *config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Execute runs docuvault with args. The returned error carries its exit
// code (exitcode.Code) and is meant to be printed as one line.
func Execute(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := NewRootCommand(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil && isCobraUsageError(err) {
		return exitcode.Usagef("%s (see docuvault --help)", cobraMessage(err.Error()))
	}
	return err
}

// isCobraUsageError recognises the errors cobra itself returns for a wrong
// command line; cobra gives them no type of their own.
func isCobraUsageError(err error) bool {
	var coded *exitcode.Error
	if errors.As(err, &coded) {
		return false
	}
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "requires exactly", "invalid argument"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// usageArgs wraps a cobra.PositionalArgs so that its errors are usage errors.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			// "docuvault: topic add: accepts 1 arg(s), received 0 (usage: …)"
			path := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
			return exitcode.Usagef("%s: %s (usage: %s)", path, err, strings.TrimSuffix(cmd.UseLine(), " [flags]"))
		}
		return nil
	}
}
