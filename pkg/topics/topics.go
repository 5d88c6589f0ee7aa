// Package topics keeps each user's topics: the names documents are filed
// under. A topic's name is unique per user.
package topics

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/classify"
	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/usertext"
)

// Sentinel errors.
var (
	ErrNotFound = errors.New("no such topic")
	ErrExists   = errors.New("topic already exists")
	// ErrTooMany is returned by Create when the user has MaxPerUser topics
	// already; it wraps ErrInvalid as well (an API answers 422).
	ErrTooMany = fmt.Errorf("%w: too many topics", ErrInvalid)
)

// MaxPerUser is the most topics one user may have. Every topic's rule is
// matched against each of the user's documents, and the builtin classifier
// scores each topic: the cap bounds that work (issue 20, D3).
const MaxPerUser = 500

// lockClass is the first key of the per-owner advisory lock Create holds
// while it counts and adds ("topc" in ASCII); the second is a hash of the
// owner's id. Two concurrent creates cannot both take the last place.
const lockClass = 0x746f7063

// DefaultColor is the seed's default topic colour.
const DefaultColor = "#6366f1"

// Topic is one of a user's topics.
type Topic struct {
	ID          string `db:"id" json:"id"`
	UserID      string `db:"user_id" json:"user_id"`
	Handle      string `db:"handle" json:"user"`
	Name        string `db:"name" json:"name"`
	Description string `db:"description" json:"description"`
	Color       string `db:"color" json:"color"`
	// The match rule: Algorithm is none, any, all, literal, regex or fuzzy.
	Match           string `db:"match" json:"match"`
	Algorithm       string `db:"matching_algorithm" json:"algorithm"`
	CaseInsensitive bool   `db:"is_insensitive" json:"case_insensitive"`
	// AutoAssign is false for a topic that no classifier assigns or
	// proposes: only a person files documents there, or its match rule.
	AutoAssign bool `db:"auto_assign" json:"auto_assign"`
}

var colorRe = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// MaxNameLen is the longest topic name, in characters.
const MaxNameLen = 100

// Add creates a topic for userID, without a match rule.
func Add(ctx context.Context, db *sqlx.DB, userID, name, description, color string) (Topic, error) {
	return AddWithRule(ctx, db, userID, name, description, color, classify.Rule{})
}

// AddWithRule creates a topic for userID with a match rule (see
// pkg/classify: any, all, literal, regex, fuzzy), refusing a rule that
// cannot be used.
func AddWithRule(ctx context.Context, db *sqlx.DB, userID, name, description, color string, rule classify.Rule) (Topic, error) {
	return Create(ctx, db, userID, New{Name: name, Description: description, Color: color, Rule: rule})
}

// New is a topic to create.
type New struct {
	Name, Description string
	Color             string // "" is DefaultColor
	Rule              classify.Rule
	// ManualOnly: no classifier assigns or proposes the topic (its
	// AutoAssign is false); a person does, and its match rule.
	ManualOnly bool
}

// Create creates topic n for userID, refusing a name, colour or match rule
// that cannot be used (a rule's error is a classify.ErrBadRule, a regex
// over the bounds a *classify.RuleTooComplexError); a name userID has
// already is ErrExists; a user with MaxPerUser topics gets ErrTooMany.
func Create(ctx context.Context, db *sqlx.DB, userID string, n New) (Topic, error) {
	name, description, color, rule := n.Name, n.Description, n.Color, n.Rule
	if rule.Algorithm == "" {
		rule.Algorithm = classify.MatchNone
	}
	if _, err := rule.Compile(); err != nil {
		return Topic{}, err
	}
	name = strings.TrimSpace(name)
	if err := checkText(&name, &description, &rule.Match); err != nil {
		return Topic{}, err
	}
	if color == "" {
		color = DefaultColor
	}
	if !colorRe.MatchString(color) {
		return Topic{}, fmt.Errorf("%w: colour %q: use #rrggbb, like #6366f1", ErrInvalid, color)
	}
	var id string
	err := database.InTx(ctx, db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1::int, hashtext($2))`, lockClass, userID); err != nil {
			return err
		}
		var have int
		if err := tx.GetContext(ctx, &have, `SELECT count(*) FROM topics WHERE user_id = $1`, userID); err != nil {
			return err
		}
		if have >= MaxPerUser {
			return fmt.Errorf("%w: a user may have at most %d topics: remove some before adding another", ErrTooMany, MaxPerUser)
		}
		return tx.QueryRowContext(ctx, `INSERT INTO topics (user_id, name, description, color, match, matching_algorithm, is_insensitive, auto_assign)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			userID, name, description, strings.ToLower(color), rule.Match, rule.Algorithm, rule.CaseInsensitive, !n.ManualOnly).Scan(&id)
	})
	if errors.Is(err, ErrTooMany) {
		return Topic{}, err
	}
	if err != nil {
		if database.ErrorCode(err) == database.UniqueViolation {
			return Topic{}, fmt.Errorf("%w: %q", ErrExists, name)
		}
		return Topic{}, fmt.Errorf("add topic: %w", err)
	}
	return Topic{ID: id, UserID: userID, Name: name, Description: description, Color: strings.ToLower(color),
		Match: rule.Match, Algorithm: rule.Algorithm, CaseInsensitive: rule.CaseInsensitive, AutoAssign: !n.ManualOnly}, nil
}

// checkText applies the text rule every name shares (pkg/usertext) to a
// topic's name (already trimmed), description and match rule, each nil
// when unchanged, before any of them reaches PostgreSQL. Errors wrap
// ErrInvalid and usertext.ErrInvalid.
func checkText(name, description, match *string) error {
	if name != nil {
		if *name == "" || utf8.RuneCountInString(*name) > MaxNameLen {
			return fmt.Errorf("%w: topic name %q: use 1 to %d printable characters", ErrInvalid, *name, MaxNameLen)
		}
		if err := usertext.CheckLine("topic name", *name); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	if description != nil {
		if err := usertext.CheckText("topic description", *description); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	if match != nil {
		if err := usertext.CheckText("match rule", *match); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	return nil
}

const selectTopic = `SELECT t.id, t.user_id, COALESCE(u.handle, '') AS handle, t.name, t.description, t.color,
	t.match, t.matching_algorithm, t.is_insensitive, t.auto_assign
	FROM topics t LEFT JOIN users u ON u.id = t.user_id`

// List returns userID's topics by name, or every user's when userID is "".
func List(ctx context.Context, db *sqlx.DB, userID string) ([]Topic, error) {
	var ts []Topic
	var err error
	if userID == "" {
		err = db.SelectContext(ctx, &ts, selectTopic+` ORDER BY u.handle, t.name`)
	} else {
		err = db.SelectContext(ctx, &ts, selectTopic+` WHERE t.user_id = $1 ORDER BY t.name`, userID)
	}
	return ts, err
}

// Remove deletes userID's topic called name (its document assignments go with it).
func Remove(ctx context.Context, db *sqlx.DB, userID, name string) error {
	if usertext.CheckLine("topic name", name) != nil {
		return fmt.Errorf("%w: %q", ErrNotFound, name) // no topic can have it: no query
	}
	res, err := db.ExecContext(ctx, `DELETE FROM topics WHERE user_id = $1 AND name = $2`, userID, name)
	if err != nil {
		return fmt.Errorf("remove topic: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	return nil
}

// IDsByName returns the ids of userID's topics called names, in order, or
// an error naming every unknown one (ErrNotFound). A name no topic can
// have (see pkg/usertext; a NUL byte would be a database error) is unknown
// without being looked up.
func IDsByName(ctx context.Context, db *sqlx.DB, userID string, names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	var rows []struct {
		ID   string `db:"id"`
		Name string `db:"name"`
	}
	var valid []string
	for _, n := range names {
		if usertext.CheckLine("topic name", n) == nil {
			valid = append(valid, n)
		}
	}
	if err := db.SelectContext(ctx, &rows, `SELECT id, name FROM topics WHERE user_id = $1 AND name = ANY($2)`, userID, pq.Array(valid)); err != nil {
		return nil, err
	}
	byName := map[string]string{}
	for _, r := range rows {
		byName[r.Name] = r.ID
	}
	var ids []string
	var unknown []string
	for _, n := range names {
		if id, ok := byName[n]; ok {
			ids = append(ids, id)
		} else {
			unknown = append(unknown, fmt.Sprintf("%q", n))
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%w: %s (see `docuvault topic list`)", ErrNotFound, strings.Join(unknown, ", "))
	}
	return ids, nil
}
