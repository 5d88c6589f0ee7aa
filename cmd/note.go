package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/notes"
	"github.com/docuvault/docuvault/pkg/users"
)

// noteOptions are the note commands' flags.
type noteOptions struct {
	user   string
	stdin  bool
	asJSON bool
}

func newNoteCommand(a *app) *cobra.Command {
	c := &cobra.Command{Use: "note", Short: "Write, list, edit and delete notes on documents (the owner's and edit recipients'; search finds them)",
		Args: usageArgs(cobra.NoArgs)}
	userFlag := func(cmd *cobra.Command, o *noteOptions) {
		cmd.Flags().StringVar(&o.user, "user", "", "who writes or reads, by handle (default DOCUVAULT_USER, or the only user)")
	}
	var addOpts, editOpts, listOpts, rmOpts noteOptions
	add := &cobra.Command{
		Use:   `add DOC_ID ("TEXT" | --stdin) [--user H]`,
		Short: "Write a note on a document (its owner, or a recipient of an edit share); prints the note's id",
		Args:  usageArgs(cobra.RangeArgs(1, 2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runNoteAdd(cmd.Context(), addOpts, args, cmd.InOrStdin())
		},
	}
	userFlag(add, &addOpts)
	add.Flags().BoolVar(&addOpts.stdin, "stdin", false, "read the note's text from standard input")
	list := &cobra.Command{
		Use:   "list DOC_ID [--user H] [--json]",
		Short: "List a document's notes, oldest first",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runNoteList(cmd.Context(), listOpts, args[0])
		},
	}
	userFlag(list, &listOpts)
	list.Flags().BoolVar(&listOpts.asJSON, "json", false, "one JSON object per note per line")
	edit := &cobra.Command{
		Use:   `edit NOTE_ID ("TEXT" | --stdin) [--user H]`,
		Short: "Replace the text of your own note",
		Args:  usageArgs(cobra.RangeArgs(1, 2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runNoteEdit(cmd.Context(), editOpts, args, cmd.InOrStdin())
		},
	}
	userFlag(edit, &editOpts)
	edit.Flags().BoolVar(&editOpts.stdin, "stdin", false, "read the note's text from standard input")
	rm := &cobra.Command{
		Use:   "rm NOTE_ID [--user H]",
		Short: "Delete a note: your own, or any note on your own document",
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runNoteRm(cmd.Context(), rmOpts, args[0])
		},
	}
	userFlag(rm, &rmOpts)
	c.AddCommand(add, list, edit, rm)
	return c
}

// noteText is the note's text: the argument after the id, or standard
// input with --stdin (one of the two).
func noteText(what string, o noteOptions, args []string, stdin io.Reader) (string, error) {
	switch {
	case o.stdin && len(args) > 1:
		return "", usageErrorf("%s: give the text as an argument or with --stdin, not both", what)
	case o.stdin:
		b, err := io.ReadAll(io.LimitReader(stdin, 4*notes.MaxLength+1))
		if err != nil {
			return "", fmt.Errorf("%s: read standard input: %w", what, err)
		}
		return string(b), nil
	case len(args) < 2:
		return "", usageErrorf("%s: give the note's text as an argument, or --stdin", what)
	}
	return args[1], nil
}

// noteError makes a note that cannot be stored (empty, too long) a usage
// error (exit 64) and says what else went wrong in the command's words.
func noteError(what string, err error) error {
	switch {
	case errors.Is(err, notes.ErrInvalid):
		return exitcode.With(exitcode.Usage, fmt.Errorf("%s: %w", what, err))
	case errors.Is(err, notes.ErrNotFound), errors.Is(err, notes.ErrForbidden):
		return fmt.Errorf("%s: %w", what, err)
	}
	return err
}

// noteEvent is a note's audit event: its id and length, never its text.
func noteEvent(action, ownerID string, n notes.Note) audit.Event {
	return audit.Event{UserID: ownerID, Type: audit.NoteChange, ResourceID: n.DocumentID,
		Metadata: map[string]any{"action": action, "note_id": n.ID, "length": utf8.RuneCountInString(n.Body)}}
}

// documentOwner is the id of the owner of document id ("" when gone).
func documentOwner(ctx context.Context, db *sqlx.DB, id string) string {
	var owner string
	_ = db.GetContext(ctx, &owner, `SELECT user_id FROM documents WHERE id = $1`, id)
	return owner
}

func (a *app) runNoteAdd(ctx context.Context, o noteOptions, args []string, stdin io.Reader) error {
	text, err := noteText("note add", o, args, stdin)
	if err != nil {
		return err
	}
	return a.withOwner(ctx, o.user, func(db *sqlx.DB, u users.User) error {
		id, err := docID(ctx, db, u, args[0], "note add")
		if err != nil {
			return err
		}
		n, err := notes.Add(ctx, db, u.ID, id, text)
		if err != nil {
			return noteError("note add", err)
		}
		e := noteEvent("create", documentOwner(ctx, db, n.DocumentID), n)
		a.record(ctx, db, e)
		fmt.Fprintln(a.stdout, n.ID)
		return nil
	})
}

func (a *app) runNoteList(ctx context.Context, o noteOptions, typed string) error {
	return a.withOwner(ctx, o.user, func(db *sqlx.DB, u users.User) error {
		id, err := docID(ctx, db, u, typed, "note list")
		if err != nil {
			return err
		}
		ns, err := notes.List(ctx, db, u.ID, id)
		if err != nil {
			return noteError("note list", err)
		}
		if o.asJSON {
			enc := json.NewEncoder(a.stdout)
			for _, n := range ns {
				if err := enc.Encode(n); err != nil {
					return err
				}
			}
			return nil
		}
		if len(ns) == 0 {
			fmt.Fprintf(a.stdout, "no notes on this document (write one: docuvault note add %s \"…\")\n", typed)
			return nil
		}
		for i, n := range ns {
			if i > 0 {
				fmt.Fprintln(a.stdout)
			}
			author := "(deleted account)"
			if n.Author != nil {
				author = *n.Author
			}
			edited := ""
			if n.UpdatedAt.After(n.CreatedAt) {
				edited = ", edited " + n.UpdatedAt.Local().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(a.stdout, "%s  %s  %s%s\n", n.ID, author, n.CreatedAt.Local().Format("2006-01-02 15:04"), edited)
			for _, line := range strings.Split(n.Body, "\n") {
				fmt.Fprintf(a.stdout, "    %s\n", line)
			}
		}
		return nil
	})
}

func (a *app) runNoteEdit(ctx context.Context, o noteOptions, args []string, stdin io.Reader) error {
	text, err := noteText("note edit", o, args, stdin)
	if err != nil {
		return err
	}
	return a.withOwner(ctx, o.user, func(db *sqlx.DB, u users.User) error {
		before, after, err := notes.Edit(ctx, db, u.ID, args[0], text)
		if err != nil {
			return noteError("note edit", err)
		}
		e := noteEvent("edit", documentOwner(ctx, db, after.DocumentID), after)
		e.Metadata["old_length"] = utf8.RuneCountInString(before.Body)
		a.record(ctx, db, e)
		fmt.Fprintf(a.stdout, "edited note %s\n", after.ID)
		return nil
	})
}

func (a *app) runNoteRm(ctx context.Context, o noteOptions, id string) error {
	return a.withOwner(ctx, o.user, func(db *sqlx.DB, u users.User) error {
		n, err := notes.Delete(ctx, db, u.ID, id)
		if err != nil {
			return noteError("note rm", err)
		}
		e := noteEvent("delete", documentOwner(ctx, db, n.DocumentID), n)
		a.record(ctx, db, e)
		fmt.Fprintf(a.stdout, "deleted note %s\n", n.ID)
		return nil
	})
}
