package foldershares

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/groups"
	"github.com/docuvault/docuvault/pkg/shares"
	"github.com/docuvault/docuvault/pkg/usertext"
)

// Sentinel errors. Every error for a caller's mistake is an *Error that
// unwraps to one of them.
var (
	// ErrNotFound: the folder or share does not exist, is not the
	// caller's, or its id is not a UUID; or the group named does not
	// exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the folder is already shared with that user or group.
	ErrConflict = errors.New("already shared")
	// ErrInvalid: a bad permission or recipient.
	ErrInvalid = errors.New("invalid folder share")
	// ErrNotMember: the owner shares with a group they do not belong to
	// (and is not an admin).
	ErrNotMember = errors.New("not a member of the group")
)

// Error is a caller's mistake: Err is one of the sentinels (errors.Is
// works), Field names the input at fault ("id", "folder_id", "recipient",
// "group" or "permission"), Msg says what to do about it.
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

func folderNotFound() error {
	return &Error{Err: ErrNotFound, Field: "folder_id", Msg: "folder not found: you can share only your own folders"}
}

func shareNotFound() error {
	return &Error{Err: ErrNotFound, Field: "id", Msg: "folder share not found: use the id of a folder share you gave or received"}
}

// Share is a folder's owner giving a user (RecipientID) or a group
// (GroupID) access to the folder and everything below it.
type Share struct {
	ID              string    `db:"id" json:"id"`
	FolderID        string    `db:"folder_id" json:"folder_id"`
	FolderName      string    `db:"folder_name" json:"folder"`
	OwnerID         string    `db:"owner_id" json:"owner_id"`
	OwnerHandle     string    `db:"owner_handle" json:"owner_handle"`
	RecipientID     *string   `db:"recipient_id" json:"recipient_id"`
	RecipientHandle *string   `db:"recipient_handle" json:"recipient_handle"`
	GroupID         *string   `db:"group_id" json:"group_id"`
	GroupName       *string   `db:"group_name" json:"group"`
	Permission      string    `db:"permission" json:"permission"` // shares.PermView or shares.PermEdit
	CreatedAt       time.Time `db:"created_at" json:"created_at"`
}

// To says who it is shared with, for messages: "bob" or "group Family".
func (s Share) To() string {
	if s.GroupName != nil {
		return fmt.Sprintf("group %q", *s.GroupName)
	}
	if s.RecipientHandle != nil {
		return *s.RecipientHandle
	}
	return "?"
}

const selectShare = `SELECT s.id, s.folder_id, f.name AS folder_name, s.owner_id, o.handle AS owner_handle,
	s.recipient_id, r.handle AS recipient_handle, s.group_id, g.name AS group_name, s.permission, s.created_at
	FROM folder_shares s
	JOIN folders f ON f.id = s.folder_id
	JOIN users o ON o.id = s.owner_id
	LEFT JOIN users r ON r.id = s.recipient_id
	LEFT JOIN groups g ON g.id = s.group_id`

// To is who a folder is shared with: exactly one of User (a handle) and
// Group (a group's name or id).
type To struct {
	User  string
	Group string
}

// Create shares ownerID's folder folderID with to.User (an active user's
// handle, any letter case) or to.Group, with permission "view" or "edit".
// An owner shares with a group only when they belong to it, unless admin.
//
// Errors, checked in this order: ErrInvalid for another permission;
// ErrNotFound when the folder is not ownerID's (Field "folder_id"), so a
// non-owner learns nothing more; ErrInvalid for neither or both of User
// and Group, an unknown or inactive user, or the owner themselves
// (Field "recipient"); ErrNotFound for an unknown group (Field "group");
// ErrNotMember; ErrConflict when the folder is already shared with them
// (delete that share to change its permission).
func Create(ctx context.Context, db *sqlx.DB, ownerID string, admin bool, folderID string, to To, permission string) (Share, error) {
	if permission != shares.PermView && permission != shares.PermEdit {
		return Share{}, invalid("permission", "permission %q: use %q or %q", permission, shares.PermView, shares.PermEdit)
	}
	fid, ok := parseID(folderID)
	if !ok {
		return Share{}, folderNotFound()
	}
	if _, ok := parseID(ownerID); !ok {
		return Share{}, folderNotFound()
	}
	var owns bool
	if err := db.GetContext(ctx, &owns, `SELECT EXISTS (SELECT 1 FROM folders WHERE id = $1 AND user_id = $2)`, fid, ownerID); err != nil {
		return Share{}, fmt.Errorf("share folder: %w", err)
	}
	if !owns {
		return Share{}, folderNotFound()
	}
	user, group := strings.TrimSpace(to.User), strings.TrimSpace(to.Group)
	switch {
	case user == "" && group == "":
		return Share{}, invalid("recipient", "no recipient: give the handle of a person or the name of a group to share with")
	case user != "" && group != "":
		return Share{}, invalid("recipient", "give either a person or a group, not both")
	}
	var recipientID, groupID *string
	var g groups.Group
	if user != "" {
		if err := usertext.CheckLine("recipient", user); err != nil {
			return Share{}, invalid("recipient", "%s: give the handle of the person to share with", err)
		}
		var id string
		err := db.GetContext(ctx, &id, `SELECT id FROM users WHERE lower(handle) = lower($1) AND is_active`, user)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return Share{}, invalid("recipient", "no active user with handle %q: check the recipient's handle", user)
		case err != nil:
			return Share{}, fmt.Errorf("share folder: %w", err)
		case id == ownerID:
			return Share{}, invalid("recipient", "you cannot share a folder with yourself: name another user")
		}
		recipientID = &id
	} else {
		var err error
		g, err = groups.Get(ctx, db, group)
		if errors.Is(err, groups.ErrNotFound) {
			return Share{}, &Error{Err: ErrNotFound, Field: "group", Msg: err.Error()}
		}
		if err != nil {
			return Share{}, err
		}
		groupID = &g.ID
	}
	var id string
	// Ownership and membership are checked again in the INSERT: a folder
	// deleted, or a membership ended, since is not shared.
	err := db.GetContext(ctx, &id, `INSERT INTO folder_shares (folder_id, owner_id, recipient_id, group_id, permission)
		SELECT f.id, f.user_id, $3, $4, $5 FROM folders f
		WHERE f.id = $1 AND f.user_id = $2
			AND ($4::uuid IS NULL OR $6 OR EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = $4 AND m.user_id = $2))
		RETURNING id`, fid, ownerID, recipientID, groupID, permission, admin)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if groupID != nil && !admin {
			var member bool
			if err := db.GetContext(ctx, &member, `SELECT EXISTS (SELECT 1 FROM group_members WHERE group_id = $1 AND user_id = $2)`, g.ID, ownerID); err != nil {
				return Share{}, fmt.Errorf("share folder: %w", err)
			}
			if !member {
				return Share{}, &Error{Err: ErrNotMember, Field: "group",
					Msg: fmt.Sprintf("you are not a member of group %q: share only with groups you belong to (an admin can add you)", g.Name)}
			}
		}
		return Share{}, folderNotFound()
	case database.ErrorCode(err) == database.UniqueViolation:
		who := fmt.Sprintf("%q", user)
		if groupID != nil {
			who = fmt.Sprintf("group %q", g.Name)
		}
		return Share{}, &Error{Err: ErrConflict, Field: "recipient",
			Msg: fmt.Sprintf("the folder is already shared with %s: delete that share first to change its permission", who)}
	case database.ErrorCode(err) == database.ForeignKeyViolation:
		// The folder, user or group went meanwhile.
		return Share{}, folderNotFound()
	case err != nil:
		return Share{}, fmt.Errorf("share folder: %w", err)
	}
	return get(ctx, db, id)
}

func get(ctx context.Context, db sqlx.QueryerContext, id string) (Share, error) {
	var s Share
	err := sqlx.GetContext(ctx, db, &s, selectShare+` WHERE s.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Share{}, shareNotFound()
	}
	if err != nil {
		return Share{}, fmt.Errorf("read folder share: %w", err)
	}
	return s, nil
}

// ListForFolder returns the shares of ownerID's folder folderID, newest
// first; ErrNotFound when it is not ownerID's folder.
func ListForFolder(ctx context.Context, db *sqlx.DB, ownerID, folderID string) ([]Share, error) {
	fid, ok := parseID(folderID)
	if !ok {
		return nil, folderNotFound()
	}
	if _, ok := parseID(ownerID); !ok {
		return nil, folderNotFound()
	}
	var owns bool
	if err := db.GetContext(ctx, &owns, `SELECT EXISTS (SELECT 1 FROM folders WHERE id = $1 AND user_id = $2)`, fid, ownerID); err != nil {
		return nil, fmt.Errorf("list folder shares: %w", err)
	}
	if !owns {
		return nil, folderNotFound()
	}
	return list(ctx, db, `s.folder_id = $1`, fid)
}

// ListGiven returns the folder shares ownerID gave, newest first.
func ListGiven(ctx context.Context, db sqlx.QueryerContext, ownerID string) ([]Share, error) {
	if _, ok := parseID(ownerID); !ok {
		return []Share{}, nil
	}
	return list(ctx, db, `s.owner_id = $1`, ownerID)
}

// ListReceived returns the folder shares userID reaches, given to them or
// to a group they belong to (never their own folders), newest first.
func ListReceived(ctx context.Context, db sqlx.QueryerContext, userID string) ([]Share, error) {
	if _, ok := parseID(userID); !ok {
		return []Share{}, nil
	}
	return list(ctx, db, `s.owner_id <> $1 AND (s.recipient_id = $1
		OR EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = s.group_id AND m.user_id = $1))`, userID)
}

func list(ctx context.Context, db sqlx.QueryerContext, cond, arg string) ([]Share, error) {
	ss := []Share{}
	if err := sqlx.SelectContext(ctx, db, &ss, selectShare+` WHERE `+cond+` ORDER BY s.created_at DESC, s.id DESC`, arg); err != nil {
		return nil, fmt.Errorf("list folder shares: %w", err)
	}
	return ss, nil
}

// Delete ends folder share shareID and returns it as it was. Its owner
// may, its direct recipient may (leaving it), and an admin may; with
// folderID set (not ""), the share must be of that folder of userID's
// (the owner's route: another's folder is ErrNotFound, admin or not).
// ErrNotFound for anyone else and for a share that does not exist.
func Delete(ctx context.Context, db *sqlx.DB, userID string, admin bool, folderID, shareID string) (Share, error) {
	id, ok := parseID(shareID)
	if !ok {
		return Share{}, shareNotFound()
	}
	if _, ok := parseID(userID); !ok {
		return Share{}, shareNotFound()
	}
	cond := `(s.owner_id = $2 OR s.recipient_id = $2 OR $3)`
	args := []any{id, userID, admin}
	if folderID != "" {
		fid, ok := parseID(folderID)
		if !ok {
			return Share{}, folderNotFound()
		}
		var owns bool
		if err := db.GetContext(ctx, &owns, `SELECT EXISTS (SELECT 1 FROM folders WHERE id = $1 AND user_id = $2)`, fid, userID); err != nil {
			return Share{}, fmt.Errorf("delete folder share: %w", err)
		}
		if !owns {
			return Share{}, folderNotFound()
		}
		cond = `s.owner_id = $2 AND s.folder_id = $3`
		args = []any{id, userID, fid}
	}
	var s Share
	err := database.InTx(ctx, db, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &s, selectShare+` WHERE s.id = $1 AND `+cond+` FOR UPDATE OF s`, args...)
		if errors.Is(err, sql.ErrNoRows) {
			return shareNotFound()
		}
		if err != nil {
			return fmt.Errorf("delete folder share: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM folder_shares WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete folder share: %w", err)
		}
		return nil
	})
	return s, err
}

// parseID returns id in canonical form, or false when it is not a UUID.
func parseID(id string) (string, bool) {
	u, err := uuid.Parse(id)
	if err != nil {
		return "", false
	}
	return u.String(), true
}

// Event is the audit event of s being made (audit.FolderShare) or ended
// (audit.FolderUnshare): in the owner's log, about the folder, naming it,
// the recipient or group, and the permission.
func (s Share) Event(typ string) audit.Event {
	meta := map[string]any{"share_id": s.ID, "folder": s.FolderName, "permission": s.Permission}
	if s.GroupName != nil {
		meta["group"] = *s.GroupName
	}
	if s.RecipientHandle != nil {
		meta["recipient"] = *s.RecipientHandle
	}
	return audit.Event{UserID: s.OwnerID, Type: typ, ResourceID: s.FolderID, Metadata: meta}
}
