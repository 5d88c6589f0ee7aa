package topics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/classify"
	"github.com/docuvault/docuvault/pkg/database"
)

// ErrInvalid is returned by Update for a name, colour or rule that cannot
// be used.
var ErrInvalid = errors.New("invalid topic")

// Get returns owner's topic id (ErrNotFound when it is absent, another
// user's, or id is not a UUID).
func Get(ctx context.Context, db *sqlx.DB, owner, id string) (Topic, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Topic{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	var t Topic
	err := db.GetContext(ctx, &t, selectTopic+` WHERE t.id = $1 AND t.user_id = $2`, id, owner)
	if errors.Is(err, sql.ErrNoRows) {
		return Topic{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return Topic{}, fmt.Errorf("get topic: %w", err)
	}
	return t, nil
}

// Change is an update to a topic; nil fields stay as they are. Rule, when
// set, replaces the whole match rule.
type Change struct {
	Name        *string
	Description *string
	Color       *string
	Rule        *classify.Rule
	// AutoAssign false: no classifier assigns or proposes the topic.
	AutoAssign *bool
}

// Update applies c to owner's topic id. Errors: ErrNotFound, ErrExists (the
// new name is taken), ErrInvalid (a name, colour or rule that cannot be
// used; the message says why; a rule's error is also a classify.ErrBadRule,
// a regex over the bounds a *classify.RuleTooComplexError).
func Update(ctx context.Context, db *sqlx.DB, owner, id string, c Change) (Topic, error) {
	t, err := Get(ctx, db, owner, id)
	if err != nil {
		return Topic{}, err
	}
	if c.Name != nil {
		name := strings.TrimSpace(*c.Name)
		if err := checkText(&name, nil, nil); err != nil {
			return Topic{}, err
		}
		t.Name = name
	}
	if c.Description != nil {
		if err := checkText(nil, c.Description, nil); err != nil {
			return Topic{}, err
		}
		t.Description = *c.Description
	}
	if c.Color != nil {
		if !colorRe.MatchString(*c.Color) {
			return Topic{}, fmt.Errorf("%w: colour %q: use #rrggbb, like #6366f1", ErrInvalid, *c.Color)
		}
		t.Color = strings.ToLower(*c.Color)
	}
	if c.Rule != nil {
		r := *c.Rule
		if r.Algorithm == "" {
			r.Algorithm = classify.MatchNone
		}
		if err := checkText(nil, nil, &r.Match); err != nil {
			return Topic{}, err
		}
		if _, err := r.Compile(); err != nil {
			// %w twice: a *classify.RuleTooComplexError stays visible.
			return Topic{}, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		t.Match, t.Algorithm, t.CaseInsensitive = r.Match, r.Algorithm, r.CaseInsensitive
	}
	if c.AutoAssign != nil {
		t.AutoAssign = *c.AutoAssign
	}
	_, err = db.ExecContext(ctx, `UPDATE topics SET name = $3, description = $4, color = $5, match = $6,
		matching_algorithm = $7, is_insensitive = $8, auto_assign = $9 WHERE id = $1 AND user_id = $2`,
		id, owner, t.Name, t.Description, t.Color, t.Match, t.Algorithm, t.CaseInsensitive, t.AutoAssign)
	if err != nil {
		if database.ErrorCode(err) == database.UniqueViolation {
			return Topic{}, fmt.Errorf("%w: %q", ErrExists, t.Name)
		}
		return Topic{}, fmt.Errorf("update topic: %w", err)
	}
	return t, nil
}

// RemoveByID deletes owner's topic id; its document assignments go with it.
func RemoveByID(ctx context.Context, db *sqlx.DB, owner, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	res, err := db.ExecContext(ctx, `DELETE FROM topics WHERE id = $1 AND user_id = $2`, id, owner)
	if err != nil {
		return fmt.Errorf("remove topic: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return nil
}
