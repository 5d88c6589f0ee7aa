package shares

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
	"github.com/docuvault/docuvault/pkg/usertext"
)

// Sentinel errors. Every error for a caller's mistake is an *Error that
// unwraps to one of them.
var (
	// ErrNotFound: the share or document does not exist, is not the
	// caller's, or its id is not a UUID. The cases are never told apart.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the document is already shared with that recipient.
	ErrConflict = errors.New("already shared")
	// ErrInvalid: a bad permission or recipient.
	ErrInvalid = errors.New("invalid share")
)

// Error is a caller's mistake: Err is ErrNotFound, ErrConflict or ErrInvalid
// (errors.Is works), Field names the input at fault ("id", "document_id",
// "recipient" or "permission"), and the message says what to do about it.
type Error struct {
	Err   error
	Field string
	Msg   string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// Permissions a share grants.
const (
	PermView = "view"
	PermEdit = "edit"
)

// Level is what a user may do with a document, as Access answers it. The
// levels are ordered: each allows everything the one before it does, so
// callers compare (level >= View).
//
// It is not named Access because the function Access returns it, and a Go
// package cannot have a type and a function of one name.
type Level int

// Access levels.
const (
	None  Level = iota // may not know the document exists
	View               // may read it and its metadata
	Edit               // may also rename, move and retag it
	Owner              // may also delete and share it
)

// String returns "none", "view", "edit" or "owner".
func (a Level) String() string {
	switch a {
	case None:
		return "none"
	case View:
		return "view"
	case Edit:
		return "edit"
	case Owner:
		return "owner"
	}
	return fmt.Sprintf("Level(%d)", int(a))
}

// MarshalText makes a Level a JSON string, like "edit".
func (a Level) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// Share is a document's owner giving its recipient access to it.
type Share struct {
	ID              string    `db:"id" json:"id"`
	DocumentID      string    `db:"document_id" json:"document_id"`
	OwnerID         string    `db:"owner_id" json:"owner_id"`
	OwnerHandle     string    `db:"owner_handle" json:"owner_handle"`
	RecipientID     string    `db:"recipient_id" json:"recipient_id"`
	RecipientHandle string    `db:"recipient_handle" json:"recipient_handle"`
	Permission      string    `db:"permission" json:"permission"` // PermView or PermEdit
	CreatedAt       time.Time `db:"created_at" json:"created_at"`
	Filename        string    `db:"filename" json:"filename"` // the document's
}

const selectShare = `SELECT s.id, s.document_id, s.owner_id, o.handle AS owner_handle,
	s.recipient_id, r.handle AS recipient_handle, s.permission, s.created_at, d.filename
	FROM shares s
	JOIN documents d ON d.id = s.document_id
	JOIN users o ON o.id = s.owner_id
	JOIN users r ON r.id = s.recipient_id`

// statusUploading is the documents.status of a document whose bytes are
// still being written: absent for every purpose here.
const statusUploading = "uploading"

// Visible is the SQL condition that the document of table alias (a
// constant, never input: "d") exists for everyone who may reach it — not
// still uploading, not in the trash. Access, notes and share links decide through it, so a
// new state that hides documents (trash) is added here, once.
func Visible(alias string) string {
	return "(" + alias + ".status <> '" + statusUploading + "' AND " + alias + ".trashed_at IS NULL)"
}

// Grants is a subquery (alias it: "(...) g") of every grant of access to a
// document, one row per (document, user) and way of reaching it: direct
// shares, group shares once for each member of the group, and folder shares
// (pkg/foldershares) once for each document in the shared folder or any
// folder below it, to the recipient or to each member of the group. Its
// columns are document_id, owner_id (the sharer), user_id (who may reach
// it), permission ("view" or "edit") and created_at. Membership and the
// folder tree are read at query time, so leaving a group, moving a
// document or a folder, ends (or gives) access at once. Every check of
// "shared with" reads it; a caller also requires owner_id = the document's
// user_id, as Access does, and leaves out the viewer's own documents (an
// owner may belong to the group they shared with).
//
// The tree walk (shared_tree: every folder at or below a shared folder,
// with the shared folder as root_id) starts from folder_shares, so it
// costs nothing while no folder is shared; it does not depend on the
// caller's row, so PostgreSQL runs it once per statement.
const Grants = `(WITH RECURSIVE shared_tree (folder_id, root_id) AS (
		SELECT DISTINCT fsh.folder_id, fsh.folder_id FROM folder_shares fsh
		UNION
		SELECT fch.id, st.root_id FROM folders fch JOIN shared_tree st ON fch.parent_id = st.folder_id)
	SELECT sh.document_id, sh.owner_id, sh.recipient_id AS user_id, sh.permission, sh.created_at FROM shares sh
	UNION ALL
	SELECT gs.document_id, gs.owner_id, gm.user_id, gs.permission, gs.created_at
		FROM group_shares gs JOIN group_members gm ON gm.group_id = gs.group_id
	UNION ALL
	SELECT fdoc.id, fsh.owner_id, fr.user_id, fsh.permission, fsh.created_at
		FROM documents fdoc
		JOIN shared_tree st ON st.folder_id = fdoc.folder_id
		JOIN folder_shares fsh ON fsh.folder_id = st.root_id
		CROSS JOIN LATERAL (SELECT fsh.recipient_id WHERE fsh.recipient_id IS NOT NULL
			UNION ALL
			SELECT fgm.user_id FROM group_members fgm WHERE fgm.group_id = fsh.group_id) fr (user_id))`

// Permission is the SQL expression for the best permission ("edit" over
// "view", NULL for none) that user (a parameter such as "$1", never input)
// has through Grants on the document of alias (a constant, such as "d").
// min works because 'edit' < 'view' and no other permission exists.
func Permission(alias, user string) string {
	return `(SELECT min(g.permission) FROM ` + Grants + ` g WHERE g.document_id = ` + alias + `.id AND g.user_id = ` + user +
		` AND g.owner_id = ` + alias + `.user_id)`
}

// Reachable is the SQL condition that user (a parameter) reaches the
// document of alias through a share: directly or through a group.
func Reachable(alias, user string) string {
	return `EXISTS (SELECT 1 FROM ` + Grants + ` g WHERE g.document_id = ` + alias + `.id AND g.user_id = ` + user +
		` AND g.owner_id = ` + alias + `.user_id)`
}

func documentNotFound() error {
	return &Error{Err: ErrNotFound, Field: "document_id", Msg: "document not found: you can share only your own documents"}
}

func shareNotFound() error {
	return &Error{Err: ErrNotFound, Field: "id", Msg: "share not found: use the id of a share you gave or received"}
}

func invalid(field, format string, args ...any) error {
	return &Error{Err: ErrInvalid, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Create shares ownerID's document documentID with the active user whose
// handle (not email) is recipientHandle, in any letter case, with
// permission "view" or "edit".
//
// Errors: ErrInvalid for another permission (Field "permission"), or a
// recipient who is unknown, inactive or the owner (Field "recipient");
// ErrNotFound when the document is not ownerID's — checked before the
// recipient, so a non-owner learns nothing about either; ErrConflict when
// the document is already shared with that recipient (delete that share to
// change its permission).
func Create(ctx context.Context, db *sqlx.DB, ownerID, documentID, recipientHandle, permission string) (Share, error) {
	if permission != PermView && permission != PermEdit {
		return Share{}, invalid("permission", "permission %q: use %q or %q", permission, PermView, PermEdit)
	}
	docID, ok := parseID(documentID)
	if !ok {
		return Share{}, documentNotFound()
	}
	recipientHandle = strings.TrimSpace(recipientHandle)
	// Text no handle can hold (a NUL byte would be a database error) is
	// refused before any query; it says nothing about the document.
	if err := usertext.CheckLine("recipient", recipientHandle); err != nil {
		return Share{}, invalid("recipient", "%s: give the handle of the person to share with", err)
	}
	var owns bool
	var recipient sql.NullString
	err := db.QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM documents WHERE id = $1 AND user_id = $2 AND status <> $3 AND trashed_at IS NULL),
		(SELECT id FROM users WHERE lower(handle) = lower($4) AND is_active)`,
		docID, ownerID, statusUploading, recipientHandle).Scan(&owns, &recipient)
	if err != nil {
		return Share{}, fmt.Errorf("create share: %w", err)
	}
	switch {
	case !owns:
		return Share{}, documentNotFound()
	case recipientHandle == "":
		return Share{}, invalid("recipient", "no recipient: give the handle of the person to share with")
	case !recipient.Valid:
		// Unknown and inactive read alike: an owner learns no more than a
		// directory of active users would tell.
		return Share{}, invalid("recipient", "no active user with handle %q: check the recipient's handle", recipientHandle)
	case recipient.String == ownerID:
		return Share{}, invalid("recipient", "you cannot share a document with yourself: name another user")
	}
	var id string
	// The ownership test is repeated in the INSERT: a document deleted
	// since is not shared.
	err = db.QueryRowContext(ctx, `INSERT INTO shares (document_id, owner_id, recipient_id, permission)
		SELECT d.id, d.user_id, $3, $4 FROM documents d WHERE d.id = $1 AND d.user_id = $2 AND d.status <> $5 AND d.trashed_at IS NULL
		RETURNING id`, docID, ownerID, recipient.String, permission, statusUploading).Scan(&id)
	var pqErr *pq.Error
	errors.As(err, &pqErr)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Share{}, documentNotFound()
	case pqErr != nil && pqErr.Code == database.UniqueViolation:
		return Share{}, &Error{Err: ErrConflict, Field: "recipient",
			Msg: fmt.Sprintf("the document is already shared with %q: delete that share first to change its permission", recipientHandle)}
	case pqErr != nil && pqErr.Code == database.ForeignKeyViolation && strings.Contains(pqErr.Constraint, "document"):
		return Share{}, documentNotFound()
	case pqErr != nil && pqErr.Code == database.ForeignKeyViolation:
		return Share{}, invalid("recipient", "no active user with handle %q: check the recipient's handle", recipientHandle)
	case err != nil:
		return Share{}, fmt.Errorf("create share: %w", err)
	}
	var s Share
	if err := db.GetContext(ctx, &s, selectShare+` WHERE s.id = $1`, id); err != nil {
		return Share{}, fmt.Errorf("read new share: %w", err)
	}
	return s, nil
}

// ListGiven returns the shares of userID's documents, newest first.
func ListGiven(ctx context.Context, db *sqlx.DB, userID string) ([]Share, error) {
	return list(ctx, db, "s.owner_id", userID)
}

// ListReceived returns the shares userID has received, newest first,
// leaving out documents that are still uploading or in the trash (their
// shares are suspended until the owner restores them).
func ListReceived(ctx context.Context, db *sqlx.DB, userID string) ([]Share, error) {
	return list(ctx, db, "s.recipient_id", userID)
}

// list returns the shares whose column (a constant, never input) is userID.
func list(ctx context.Context, db *sqlx.DB, column, userID string) ([]Share, error) {
	ss := []Share{}
	err := db.SelectContext(ctx, &ss, selectShare+` WHERE `+column+` = $1 AND d.status <> $2 AND d.trashed_at IS NULL
		ORDER BY s.created_at DESC, s.id DESC`, userID, statusUploading)
	if err != nil {
		return nil, fmt.Errorf("list shares: %w", err)
	}
	return ss, nil
}

// Delete ends share shareID; its owner or its recipient may. ErrNotFound
// for anyone else, and for a share that does not exist.
func Delete(ctx context.Context, db *sqlx.DB, userID, shareID string) error {
	id, ok := parseID(shareID)
	if !ok {
		return shareNotFound()
	}
	res, err := db.ExecContext(ctx, `DELETE FROM shares WHERE id = $1 AND (owner_id = $2 OR recipient_id = $2)`, id, userID)
	if err != nil {
		return fmt.Errorf("delete share: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("delete share: %w", err)
	}
	if n == 0 {
		return shareNotFound()
	}
	return nil
}

// Access returns what userID may do with documentID: Owner for its owner,
// View or Edit for a recipient of a share or a member of a group it is
// shared with, or through a folder it is in or below that is shared with
// them or their group (pkg/foldershares) — the best of them —, None
// otherwise — also for a
// document that does not exist, is still uploading, or an id that is not a
// UUID. The error is only ever a database failure.
//
// db may be a transaction (notes check access with the document's row
// locked).
func Access(ctx context.Context, db sqlx.QueryerContext, userID, documentID string) (Level, error) {
	docID, ok := parseID(documentID)
	if !ok {
		return None, nil
	}
	if _, ok := parseID(userID); !ok {
		return None, nil
	}
	var owner bool
	var perm sql.NullString
	err := db.QueryRowxContext(ctx, `SELECT COALESCE(d.user_id = $2, false), `+Permission("d", "$2::uuid")+`
		FROM documents d
		WHERE d.id = $1 AND `+Visible("d"), docID, userID).Scan(&owner, &perm)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return None, nil
	case err != nil:
		return None, fmt.Errorf("document access: %w", err)
	case owner:
		return Owner, nil
	case perm.String == PermEdit:
		return Edit, nil
	case perm.String == PermView:
		return View, nil
	}
	return None, nil
}

// parseID returns id in canonical form, or false when it is not a UUID.
func parseID(id string) (string, bool) {
	u, err := uuid.Parse(id)
	if err != nil {
		return "", false
	}
	return u.String(), true
}
