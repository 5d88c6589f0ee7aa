package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/classify"
	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/topics"
	"github.com/docuvault/docuvault/pkg/users"
)

func newTopicCommand(a *app) *cobra.Command {
	c := &cobra.Command{Use: "topic", Short: "Manage a user's topics", Args: usageArgs(cobra.NoArgs)}
	var user, description, color, match, algorithm string
	var caseSensitive, noAuto bool
	add := &cobra.Command{
		Use:   "add NAME [--user H]",
		Short: "Create a topic",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withOwner(ctx, user, func(db *sqlx.DB, u users.User) error {
				if match != "" && algorithm == "" {
					algorithm = classify.MatchAny
				}
				rule := classify.Rule{Match: match, Algorithm: algorithm, CaseInsensitive: !caseSensitive}
				t, err := topics.Create(ctx, db, u.ID, topics.New{Name: args[0], Description: description, Color: color, Rule: rule, ManualOnly: noAuto})
				if err != nil {
					return topicFlagError("topic add", err)
				}
				meta := map[string]any{"action": "create", "name": t.Name}
				if !t.AutoAssign {
					meta["auto_assign"] = false
				}
				a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.TopicChange, ResourceID: t.ID, Metadata: meta})
				how := ""
				if noAuto {
					how = ", never assigned automatically"
				}
				fmt.Fprintf(a.stdout, "created topic %q for %s (%s%s)\n", t.Name, u.Handle, t.Color, how)
				return nil
			})
		},
	}
	add.Flags().StringVar(&user, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	add.Flags().StringVar(&description, "description", "", "what belongs under this topic")
	add.Flags().StringVar(&color, "color", topics.DefaultColor, "colour, #rrggbb")
	add.Flags().StringVar(&match, "match", "", "match rule: words, a phrase or a pattern that always assigns this topic")
	add.Flags().StringVar(&algorithm, "algorithm", "", "how --match matches: any (default), all, literal, regex or fuzzy")
	add.Flags().BoolVar(&caseSensitive, "case-sensitive", false, "--match is case-sensitive")
	add.Flags().BoolVar(&noAuto, "no-auto", false, "never assign or propose this topic automatically: only a person, or its match rule")

	var listUser string
	var asJSON bool
	list := &cobra.Command{
		Use:   "list [--user H]",
		Short: "List topics (of one user, or of everyone)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			var ts []topics.Topic
			err := a.withDB(ctx, func(db *sqlx.DB) error {
				var userID string
				if listUser == "" {
					listUser = a.cfg.User // DOCUVAULT_USER; neither: everyone's
				}
				if listUser != "" {
					u, err := a.owner(ctx, db, listUser)
					if err != nil {
						return err
					}
					userID = u.ID
				}
				var err error
				if ts, err = topics.List(ctx, db, userID); err != nil {
					return fmt.Errorf("list topics: %w", err)
				}
				return nil
			})
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				for _, t := range ts {
					if err := enc.Encode(t); err != nil {
						return err
					}
				}
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "USER\tNAME\tCOLOR\tRULE\tAUTO\tDESCRIPTION")
			for _, t := range ts {
				rule := "-"
				if t.Algorithm != classify.MatchNone {
					rule = fmt.Sprintf("%s %q", t.Algorithm, t.Match)
				}
				auto := "yes"
				if !t.AutoAssign {
					auto = "no"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Handle, t.Name, t.Color, rule, auto, t.Description)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&listUser, "user", "", "only this user's topics (default DOCUVAULT_USER; neither: everyone's)")
	list.Flags().BoolVar(&asJSON, "json", false, "one JSON object per topic per line")

	var rmUser string
	rm := &cobra.Command{
		Use:   "rm NAME [--user H]",
		Short: "Remove a topic (documents keep existing, unfiled from it)",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withOwner(ctx, rmUser, func(db *sqlx.DB, u users.User) error {
				if err := topics.Remove(ctx, db, u.ID, args[0]); err != nil {
					return err
				}
				a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.TopicChange, Metadata: map[string]any{"action": "delete", "name": args[0]}})
				fmt.Fprintf(a.stdout, "removed topic %q of %s\n", args[0], u.Handle)
				return nil
			})
		},
	}
	rm.Flags().StringVar(&rmUser, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	c.AddCommand(add, list, rm, newTopicEditCommand(a))
	return c
}

// topicFlagError makes a name, colour or match rule that cannot be used a
// usage error (exit 64: a flag value is wrong); other errors, too many
// topics among them, keep theirs.
func topicFlagError(what string, err error) error {
	if errors.Is(err, topics.ErrTooMany) || !errors.Is(err, topics.ErrInvalid) && !errors.Is(err, classify.ErrBadRule) {
		return err
	}
	return exitcode.With(exitcode.Usage, fmt.Errorf("%s: %w", what, err))
}
