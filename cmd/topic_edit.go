package cmd

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/topics"
	"github.com/docuvault/docuvault/pkg/users"
)

// topicEditOptions are topic edit's flags; only the flags given change.
type topicEditOptions struct {
	User        string
	Name        string
	Description string
	Color       string
	Auto        bool
	NoAuto      bool
	changed     func(string) bool
}

// AddFlags registers the options' flags.
func (o *topicEditOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.User, "user", "", "owner's handle (default DOCUVAULT_USER, or the only user)")
	fs.StringVar(&o.Name, "name", "", "a new name")
	fs.StringVar(&o.Description, "description", "", "what belongs under this topic")
	fs.StringVar(&o.Color, "color", "", "colour, #rrggbb")
	fs.BoolVar(&o.NoAuto, "no-auto", false, "never assign or propose this topic automatically: only a person, or its match rule")
	fs.BoolVar(&o.Auto, "auto", false, "let the classifier assign this topic again")
}

func newTopicEditCommand(a *app) *cobra.Command {
	var o topicEditOptions
	c := &cobra.Command{
		Use:   "edit NAME [--name N] [--description D] [--color C] [--auto | --no-auto] [--user H]",
		Short: "Change a topic: its name, description, colour, or whether the classifier may assign it",
		Long: `Change a topic; only the flags given change.

--no-auto makes a topic that no classifier assigns or proposes (the builtin
scores it 0, an LLM is never offered it): only a person files documents
there, or the topic's match rule, which is a person's choice too. --auto
undoes it. Documents already filed keep their topics.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.changed = cmd.Flags().Changed
			return a.runTopicEdit(cmd.Context(), o, args[0])
		},
	}
	o.AddFlags(c.Flags())
	return c
}

func (a *app) runTopicEdit(ctx context.Context, o topicEditOptions, name string) error {
	changed := o.changed
	if changed == nil {
		changed = func(string) bool { return false }
	}
	if o.Auto && o.NoAuto {
		return usageErrorf("topic edit: --auto and --no-auto contradict each other: give one")
	}
	var c topics.Change
	if changed("name") {
		c.Name = &o.Name
	}
	if changed("description") {
		c.Description = &o.Description
	}
	if changed("color") {
		c.Color = &o.Color
	}
	if o.Auto || o.NoAuto {
		auto := o.Auto
		c.AutoAssign = &auto
	}
	if c == (topics.Change{}) {
		return usageErrorf("topic edit: say what to change: --name, --description, --color, --auto or --no-auto")
	}
	return a.withOwner(ctx, o.User, func(db *sqlx.DB, u users.User) error {
		ids, err := topics.IDsByName(ctx, db, u.ID, []string{name})
		if err != nil {
			return err
		}
		t, err := topics.Update(ctx, db, u.ID, ids[0], c)
		if err != nil {
			return topicFlagError("topic edit", err)
		}
		meta := map[string]any{"action": "update", "name": t.Name, "old_name": name}
		if c.AutoAssign != nil {
			meta["auto_assign"] = t.AutoAssign
		}
		a.record(ctx, db, audit.Event{UserID: u.ID, Type: audit.TopicChange, ResourceID: t.ID, Metadata: meta})
		how := "assigned automatically"
		if !t.AutoAssign {
			how = "never assigned automatically"
		}
		fmt.Fprintf(a.stdout, "topic %q of %s: %s (%s)\n", t.Name, u.Handle, how, t.Color)
		return nil
	})
}
