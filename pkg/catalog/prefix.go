package catalog

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
)

// ErrAmbiguous: an id prefix matches more than one of the owner's documents.
var ErrAmbiguous = errors.New("ambiguous document id")

// MinPrefix is the shortest id prefix ResolveID takes.
const MinPrefix = 4

var idPrefix = regexp.MustCompile(`^[0-9a-fA-F-]+$`)

// ResolveID turns what a person typed for one of owner's documents — its
// whole id, or the start of it as git takes a commit's (at least MinPrefix
// characters) — into the document's id. It returns ErrNotFound when none
// of owner's documents starts so, ErrAmbiguous (naming two) when several
// do, and ErrInvalid for text that cannot start an id.
func ResolveID(ctx context.Context, db *sqlx.DB, owner, typed string) (string, error) {
	typed = strings.ToLower(strings.TrimSpace(typed))
	if _, err := uuid.Parse(typed); err == nil && len(typed) == 36 {
		return typed, nil
	}
	if len(typed) < MinPrefix || len(typed) > 36 || !idPrefix.MatchString(typed) {
		return "", invalid("%q is not a document id: give the id or at least its first %d characters (see `docuvault doc list`)", typed, MinPrefix)
	}
	var ids []string
	if err := db.SelectContext(ctx, &ids, `SELECT id::text FROM documents
		WHERE user_id = $1 AND status <> 'uploading' AND trashed_at IS NULL AND starts_with(id::text, $2) ORDER BY id LIMIT 2`, owner, typed); err != nil {
		return "", fmt.Errorf("find document %s: %w", typed, err)
	}
	switch len(ids) {
	case 0:
		return "", fmt.Errorf("%w: %s", ErrNotFound, typed)
	case 1:
		return ids[0], nil
	default:
		return "", fmt.Errorf("%w: %s is the start of %s, %s and maybe more: give more of it", ErrAmbiguous, typed, ids[0], ids[1])
	}
}
