package groups

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/shares"
	"github.com/docuvault/docuvault/pkg/usertext"
)

// Sentinel errors. Every error for a caller's mistake is an *Error that
// unwraps to one of them.
var (
	// ErrNotFound: the group, share or document does not exist (or is not
	// the caller's), or its id is not a UUID.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a group of that name exists, or the document is
	// already shared with the group.
	ErrConflict = errors.New("conflict")
	// ErrInvalid: a bad name, permission or member handle.
	ErrInvalid = errors.New("invalid group")
	// ErrNotMember: the sharer does not belong to the group (and is not
	// an admin).
	ErrNotMember = errors.New("not a member of the group")
)

// Error is a caller's mistake: Err is one of the sentinels (errors.Is
// works), Field names the input at fault, Msg says what to do about it.
type Error struct {
	Err   error
	Field string
	Msg   string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

func invalid(field, format string, args ...any) error {
	return &Error{Err: ErrInvalid, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func groupNotFound(name string) error {
	if name == "" {
		return &Error{Err: ErrNotFound, Field: "group", Msg: "group not found: use the id or name of an existing group"}
	}
	return &Error{Err: ErrNotFound, Field: "group", Msg: fmt.Sprintf("no group named %q: see docuvault group list", name)}
}

// Group is a named set of users.
type Group struct {
	ID        string         `db:"id" json:"id"`
	Name      string         `db:"name" json:"name"`
	CreatedAt time.Time      `db:"created_at" json:"created_at"`
	Members   pq.StringArray `db:"members" json:"members"` // handles, sorted
}

const selectGroup = `SELECT g.id, g.name, g.created_at,
	ARRAY(SELECT u.handle FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = g.id ORDER BY lower(u.handle)) AS members
	FROM groups g`

// MaxName is the longest group name, in characters.
const MaxName = 100

func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if err := usertext.CheckLine("name", name); err != nil {
		return "", invalid("name", "%s: give the group a name of one line", err)
	}
	if name == "" {
		return "", invalid("name", "no group name: give the group a name")
	}
	if n := len([]rune(name)); n > MaxName {
		return "", invalid("name", "group name is %d characters: keep it to %d", n, MaxName)
	}
	return name, nil
}

func nameTaken(name string) error {
	return &Error{Err: ErrConflict, Field: "name", Msg: fmt.Sprintf("a group named %q exists: choose another name", name)}
}

// Create makes an empty group. ErrInvalid for a bad name, ErrConflict when
// the name is taken in any letter case.
func Create(ctx context.Context, db sqlx.ExtContext, name string) (Group, error) {
	name, err := checkName(name)
	if err != nil {
		return Group{}, err
	}
	var id string
	err = db.QueryRowxContext(ctx, `INSERT INTO groups (name) VALUES ($1) RETURNING id`, name).Scan(&id)
	if database.ErrorCode(err) == database.UniqueViolation {
		return Group{}, nameTaken(name)
	}
	if err != nil {
		return Group{}, fmt.Errorf("create group: %w", err)
	}
	return Get(ctx, db, id)
}

// Get returns the group whose id, or name in any letter case, is ref.
func Get(ctx context.Context, db sqlx.QueryerContext, ref string) (Group, error) {
	ref = strings.TrimSpace(ref)
	var g Group
	var err error
	if id, ok := parseID(ref); ok {
		err = sqlx.GetContext(ctx, db, &g, selectGroup+` WHERE g.id = $1`, id)
	} else {
		if usertext.CheckLine("group", ref) != nil {
			return Group{}, groupNotFound("")
		}
		err = sqlx.GetContext(ctx, db, &g, selectGroup+` WHERE lower(g.name) = lower($1)`, ref)
	}
	if errors.Is(err, sql.ErrNoRows) {
		if _, ok := parseID(ref); ok {
			return Group{}, groupNotFound("")
		}
		return Group{}, groupNotFound(ref)
	}
	if err != nil {
		return Group{}, fmt.Errorf("read group: %w", err)
	}
	return g, nil
}

// List returns every group with its members, by name.
func List(ctx context.Context, db sqlx.QueryerContext) ([]Group, error) {
	gs := []Group{}
	if err := sqlx.SelectContext(ctx, db, &gs, selectGroup+` ORDER BY lower(g.name), g.id`); err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	return gs, nil
}

// Mine returns the groups userID belongs to, by name.
func Mine(ctx context.Context, db sqlx.QueryerContext, userID string) ([]Group, error) {
	gs := []Group{}
	if _, ok := parseID(userID); !ok {
		return gs, nil
	}
	err := sqlx.SelectContext(ctx, db, &gs, selectGroup+` WHERE EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.id AND m.user_id = $1)
		ORDER BY lower(g.name), g.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	return gs, nil
}

// Rename gives group ref a new name; it returns the group as it was
// before and as it is now.
func Rename(ctx context.Context, db sqlx.ExtContext, ref, name string) (old, renamed Group, err error) {
	name, err = checkName(name)
	if err != nil {
		return Group{}, Group{}, err
	}
	old, err = Get(ctx, db, ref)
	if err != nil {
		return Group{}, Group{}, err
	}
	res, err := db.ExecContext(ctx, `UPDATE groups SET name = $2 WHERE id = $1`, old.ID, name)
	if database.ErrorCode(err) == database.UniqueViolation {
		return Group{}, Group{}, nameTaken(name)
	}
	if err != nil {
		return Group{}, Group{}, fmt.Errorf("rename group: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Group{}, Group{}, groupNotFound("")
	}
	renamed, err = Get(ctx, db, old.ID)
	return old, renamed, err
}

// Delete removes group ref, its memberships and its shares, of documents
// and of folders (every member loses the access it gave at once). It
// returns the group and how many shares went with it.
func Delete(ctx context.Context, db *sqlx.DB, ref string) (Group, int, error) {
	g, err := Get(ctx, db, ref)
	if err != nil {
		return Group{}, 0, err
	}
	var n int
	err = db.QueryRowContext(ctx, `WITH gone AS (DELETE FROM groups WHERE id = $1 RETURNING id)
		SELECT (SELECT count(*) FROM group_shares WHERE group_id IN (SELECT id FROM gone))
			+ (SELECT count(*) FROM folder_shares WHERE group_id IN (SELECT id FROM gone))`, g.ID).Scan(&n)
	if err != nil {
		return Group{}, 0, fmt.Errorf("delete group: %w", err)
	}
	return g, n, nil
}

// userIDs returns the ids of the users whose handles (any letter case) are
// given, in order; ErrInvalid names the first unknown handle.
func userIDs(ctx context.Context, q sqlx.QueryerContext, handles []string) ([]string, error) {
	ids := make([]string, 0, len(handles))
	for _, h := range handles {
		h = strings.TrimSpace(h)
		if usertext.CheckLine("member", h) != nil || h == "" {
			return nil, invalid("members", "member %q: give the handles of existing users", h)
		}
		var id string
		err := sqlx.GetContext(ctx, q, &id, `SELECT id FROM users WHERE lower(handle) = lower($1)`, h)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, invalid("members", "no user with handle %q: check the handle (docuvault user list)", h)
		}
		if err != nil {
			return nil, fmt.Errorf("find user: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Change is a change of a group's members: handles to add and to remove,
// or, with Set, the whole new list (Add then holds it).
type Change struct {
	Add    []string
	Remove []string
	Set    bool
}

// Changed says which handles were added and removed.
type Changed struct {
	Group   Group    `json:"group"`
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
}

// SetMembers applies c to group ref in one transaction. Unknown handles
// are ErrInvalid and change nothing; adding a member twice or removing a
// non-member is not an error (it is not reported as changed).
func SetMembers(ctx context.Context, db *sqlx.DB, ref string, c Change) (Changed, error) {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return Changed{}, fmt.Errorf("change members: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	g, err := Get(ctx, tx, ref)
	if err != nil {
		return Changed{}, err
	}
	// Lock the group: concurrent changes of one group's members apply one
	// after the other.
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM groups WHERE id = $1 FOR UPDATE`, g.ID); err != nil {
		return Changed{}, fmt.Errorf("change members: %w", err)
	}
	add, err := userIDs(ctx, tx, c.Add)
	if err != nil {
		return Changed{}, err
	}
	remove, err := userIDs(ctx, tx, c.Remove)
	if err != nil {
		return Changed{}, err
	}
	out := Changed{Added: []string{}, Removed: []string{}}
	if c.Set {
		err = tx.SelectContext(ctx, &out.Removed, `WITH gone AS (DELETE FROM group_members WHERE group_id = $1 AND NOT (user_id = ANY($2::uuid[])) RETURNING user_id)
			SELECT u.handle FROM gone JOIN users u ON u.id = gone.user_id ORDER BY lower(u.handle)`, g.ID, pq.Array(add))
	} else {
		err = tx.SelectContext(ctx, &out.Removed, `WITH gone AS (DELETE FROM group_members WHERE group_id = $1 AND user_id = ANY($2::uuid[]) RETURNING user_id)
			SELECT u.handle FROM gone JOIN users u ON u.id = gone.user_id ORDER BY lower(u.handle)`, g.ID, pq.Array(remove))
	}
	if err != nil {
		return Changed{}, fmt.Errorf("remove members: %w", err)
	}
	err = tx.SelectContext(ctx, &out.Added, `WITH added AS (INSERT INTO group_members (group_id, user_id)
			SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING user_id)
		SELECT u.handle FROM added JOIN users u ON u.id = added.user_id ORDER BY lower(u.handle)`, g.ID, pq.Array(add))
	if err != nil {
		return Changed{}, fmt.Errorf("add members: %w", err)
	}
	if out.Group, err = Get(ctx, tx, g.ID); err != nil {
		return Changed{}, err
	}
	if err := tx.Commit(); err != nil {
		return Changed{}, fmt.Errorf("change members: %w", err)
	}
	return out, nil
}

// Share is a document's owner giving a group access to it.
type Share struct {
	ID          string    `db:"id" json:"id"`
	DocumentID  string    `db:"document_id" json:"document_id"`
	OwnerID     string    `db:"owner_id" json:"owner_id"`
	OwnerHandle string    `db:"owner_handle" json:"owner_handle"`
	GroupID     string    `db:"group_id" json:"group_id"`
	GroupName   string    `db:"group_name" json:"group"`
	Permission  string    `db:"permission" json:"permission"`
	CreatedAt   time.Time `db:"created_at" json:"created_at"`
	Filename    string    `db:"filename" json:"filename"`
}

const selectShare = `SELECT s.id, s.document_id, s.owner_id, o.handle AS owner_handle, s.group_id, g.name AS group_name,
	s.permission, s.created_at, d.filename
	FROM group_shares s
	JOIN documents d ON d.id = s.document_id
	JOIN users o ON o.id = s.owner_id
	JOIN groups g ON g.id = s.group_id`

func documentNotFound() error {
	return &Error{Err: ErrNotFound, Field: "document_id", Msg: "document not found: you can share only your own documents"}
}

// ShareDocument shares ownerID's document documentID with the group named
// (or with the id) group, with permission "view" or "edit". The owner must
// belong to the group unless admin is true (ErrNotMember).
//
// Errors: ErrInvalid for another permission; ErrNotFound when the document
// is not ownerID's (checked first) or the group does not exist;
// ErrNotMember; ErrConflict when the document is already shared with the
// group.
func ShareDocument(ctx context.Context, db *sqlx.DB, ownerID string, admin bool, documentID, group, permission string) (Share, error) {
	if permission != shares.PermView && permission != shares.PermEdit {
		return Share{}, invalid("permission", "permission %q: use %q or %q", permission, shares.PermView, shares.PermEdit)
	}
	docID, ok := parseID(documentID)
	if !ok {
		return Share{}, documentNotFound()
	}
	if _, ok := parseID(ownerID); !ok {
		return Share{}, documentNotFound()
	}
	var owns bool
	err := db.GetContext(ctx, &owns, `SELECT EXISTS (SELECT 1 FROM documents d WHERE d.id = $1 AND d.user_id = $2 AND `+shares.Visible("d")+`)`, docID, ownerID)
	if err != nil {
		return Share{}, fmt.Errorf("share with group: %w", err)
	}
	if !owns {
		return Share{}, documentNotFound()
	}
	if strings.TrimSpace(group) == "" {
		return Share{}, invalid("group", "no group: give the name of a group you belong to")
	}
	g, err := Get(ctx, db, group)
	if err != nil {
		return Share{}, err
	}
	var id string
	// Ownership and membership are checked again in the INSERT: a
	// document deleted, or a membership ended, since is not shared.
	err = db.QueryRowContext(ctx, `INSERT INTO group_shares (document_id, owner_id, group_id, permission)
		SELECT d.id, d.user_id, $3, $4 FROM documents d
		WHERE d.id = $1 AND d.user_id = $2 AND `+shares.Visible("d")+`
			AND ($5 OR EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = $3 AND m.user_id = $2))
		RETURNING id`, docID, ownerID, g.ID, permission, admin).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		var member bool
		if err := db.GetContext(ctx, &member, `SELECT EXISTS (SELECT 1 FROM group_members WHERE group_id = $1 AND user_id = $2)`, g.ID, ownerID); err != nil {
			return Share{}, fmt.Errorf("share with group: %w", err)
		}
		if !member && !admin {
			return Share{}, &Error{Err: ErrNotMember, Field: "group",
				Msg: fmt.Sprintf("you are not a member of group %q: share only with groups you belong to (an admin can add you)", g.Name)}
		}
		return Share{}, documentNotFound()
	case database.ErrorCode(err) == database.UniqueViolation:
		return Share{}, &Error{Err: ErrConflict, Field: "group",
			Msg: fmt.Sprintf("the document is already shared with group %q: delete that share first to change its permission", g.Name)}
	case database.ErrorCode(err) == database.ForeignKeyViolation:
		return Share{}, groupNotFound(group)
	case err != nil:
		return Share{}, fmt.Errorf("share with group: %w", err)
	}
	var s Share
	if err := db.GetContext(ctx, &s, selectShare+` WHERE s.id = $1`, id); err != nil {
		return Share{}, fmt.Errorf("read new group share: %w", err)
	}
	return s, nil
}

// ListGiven returns the group shares of ownerID's documents, newest first.
func ListGiven(ctx context.Context, db sqlx.QueryerContext, ownerID string) ([]Share, error) {
	return listShares(ctx, db, `s.owner_id = $1`, ownerID)
}

// ListReceived returns the group shares userID reaches through the groups
// they belong to (not of their own documents), newest first.
func ListReceived(ctx context.Context, db sqlx.QueryerContext, userID string) ([]Share, error) {
	return listShares(ctx, db, `s.owner_id <> $1 AND s.owner_id = d.user_id
		AND EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = s.group_id AND m.user_id = $1)`, userID)
}

// ListForDocument returns the group shares of one document, for its owner.
func ListForDocument(ctx context.Context, db sqlx.QueryerContext, ownerID, documentID string) ([]Share, error) {
	docID, ok := parseID(documentID)
	if !ok {
		return []Share{}, nil
	}
	return listShares(ctx, db, `s.owner_id = $1 AND s.document_id = '`+docID+`'`, ownerID)
}

func listShares(ctx context.Context, db sqlx.QueryerContext, cond, userID string) ([]Share, error) {
	ss := []Share{}
	if _, ok := parseID(userID); !ok {
		return ss, nil
	}
	err := sqlx.SelectContext(ctx, db, &ss, selectShare+` WHERE `+cond+` AND `+shares.Visible("d")+`
		ORDER BY s.created_at DESC, s.id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("list group shares: %w", err)
	}
	return ss, nil
}

// Unshare ends group share shareID; its owner may, or an admin. It returns
// the share as it was.
func Unshare(ctx context.Context, db *sqlx.DB, userID string, admin bool, shareID string) (Share, error) {
	id, ok := parseID(shareID)
	if !ok {
		return Share{}, shareNotFound()
	}
	var s Share
	err := db.GetContext(ctx, &s, selectShare+` WHERE s.id = $1 AND (s.owner_id = $2 OR $3)`, id, userID, admin)
	if errors.Is(err, sql.ErrNoRows) {
		return Share{}, shareNotFound()
	}
	if err != nil {
		return Share{}, fmt.Errorf("delete group share: %w", err)
	}
	res, err := db.ExecContext(ctx, `DELETE FROM group_shares WHERE id = $1`, id)
	if err != nil {
		return Share{}, fmt.Errorf("delete group share: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Share{}, shareNotFound()
	}
	return s, nil
}

func shareNotFound() error {
	return &Error{Err: ErrNotFound, Field: "id", Msg: "group share not found: use the id of a group share you gave"}
}

// parseID returns id in canonical form, or false when it is not a UUID.
func parseID(id string) (string, bool) {
	u, err := uuid.Parse(id)
	if err != nil {
		return "", false
	}
	return u.String(), true
}
