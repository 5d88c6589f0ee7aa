package folders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/usertext"
)

// Sentinel errors. Every error for a caller's mistake is an *Error that
// unwraps to one of them.
var (
	// ErrNotFound: the folder (or the parent given) does not exist, is
	// another user's, or its id is not a UUID. The three are never told apart.
	ErrNotFound = errors.New("folder not found")
	// ErrConflict: the parent already has a folder of that name.
	ErrConflict = errors.New("folder name taken")
	// ErrCycle: the move would put a folder inside itself.
	ErrCycle = errors.New("folder cycle")
	// ErrInvalid: the name cannot be used.
	ErrInvalid = errors.New("invalid folder")
)

// Error is a caller's mistake: Err is ErrNotFound, ErrConflict, ErrCycle or
// ErrInvalid (errors.Is works), Field names the input at fault ("id",
// "name" or "parent_id"), and the message says what to do about it.
type Error struct {
	Err   error
	Field string
	Msg   string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// MaxNameLen is the longest folder name, in characters.
const MaxNameLen = 255

// Folder is one of a user's folders; ParentID is nil at the top level.
// DocumentCount is how many documents are in the folder itself (not in its
// subfolders; documents still uploading do not count), as the documents
// list filtered by the folder shows them.
type Folder struct {
	ID            string    `db:"id" json:"id"`
	ParentID      *string   `db:"parent_id" json:"parent_id"`
	Name          string    `db:"name" json:"name"`
	CreatedAt     time.Time `db:"created_at" json:"created_at"`
	DocumentCount int       `db:"document_count" json:"document_count"`
}

// folderColumns reads a folder row named folders (an UPDATE's RETURNING
// included); the count probes documents' folder_id index.
const folderColumns = `folders.id, folders.parent_id, folders.name, folders.created_at,
	(SELECT count(*) FROM documents d WHERE d.folder_id = folders.id AND d.status <> 'uploading' AND d.trashed_at IS NULL) AS document_count`

// lockClass is the first key of the per-owner advisory lock that moves and
// deletes hold ("fold" in ASCII); the second is a hash of the owner's id.
const lockClass = 0x666f6c64

func notFound() error {
	return &Error{Err: ErrNotFound, Field: "id", Msg: "folder not found: use the id of one of your folders"}
}

func parentNotFound() error {
	return &Error{Err: ErrNotFound, Field: "parent_id",
		Msg: "parent folder not found: use the id of one of your folders, or null for the top level"}
}

func conflict(name string, parent *string) error {
	where := "in that folder"
	if parent == nil {
		where = "at the top level"
	}
	return &Error{Err: ErrConflict, Field: "name",
		Msg: fmt.Sprintf("a folder named %q already exists %s: choose another name", name, where)}
}

// Create makes a folder called name for owner, under parentID (nil: at the
// top level).
//
// Errors: ErrInvalid for a name that cannot be used (see CleanName),
// ErrNotFound when parentID is not one of owner's folders, ErrConflict when
// the parent already has a folder of that name. Of several calls racing to
// create one name under one parent (the top level included), exactly one
// succeeds.
func Create(ctx context.Context, db *sqlx.DB, owner, name string, parentID *string) (Folder, error) {
	name, err := CleanName(name)
	if err != nil {
		return Folder{}, err
	}
	var parent *string
	if parentID != nil {
		p, ok := parseID(*parentID)
		if !ok {
			return Folder{}, parentNotFound()
		}
		parent = &p
	}
	var f Folder
	// The parent's ownership is checked in the same statement; a parent
	// deleted meanwhile fails the foreign key instead.
	err = db.GetContext(ctx, &f, `INSERT INTO folders (user_id, parent_id, name)
		SELECT $1::uuid, $2::uuid, $3
		WHERE $2::uuid IS NULL OR EXISTS (SELECT 1 FROM folders WHERE id = $2::uuid AND user_id = $1::uuid)
		RETURNING `+folderColumns, owner, parent, name)
	switch {
	case errors.Is(err, sql.ErrNoRows), database.ErrorCode(err) == database.ForeignKeyViolation && parent != nil:
		return Folder{}, parentNotFound()
	case database.ErrorCode(err) == database.UniqueViolation:
		return Folder{}, conflict(name, parent)
	case err != nil:
		return Folder{}, fmt.Errorf("create folder: %w", err)
	}
	return f, nil
}

// List returns owner's folders, by name; the tree is in the ParentIDs.
func List(ctx context.Context, db *sqlx.DB, owner string) ([]Folder, error) {
	fs := []Folder{}
	if err := db.SelectContext(ctx, &fs, `SELECT `+folderColumns+` FROM folders WHERE user_id = $1 ORDER BY name, id`, owner); err != nil {
		return nil, fmt.Errorf("list folders: %w", err)
	}
	return fs, nil
}

// Get returns owner's folder id, or ErrNotFound.
func Get(ctx context.Context, db *sqlx.DB, owner, id string) (Folder, error) {
	fid, ok := parseID(id)
	if !ok {
		return Folder{}, notFound()
	}
	var f Folder
	err := db.GetContext(ctx, &f, `SELECT `+folderColumns+` FROM folders WHERE id = $1 AND user_id = $2`, fid, owner)
	if errors.Is(err, sql.ErrNoRows) {
		return Folder{}, notFound()
	}
	if err != nil {
		return Folder{}, fmt.Errorf("get folder: %w", err)
	}
	return f, nil
}

// Update renames and/or moves owner's folder id. A nil name keeps the
// name; a nil parentID keeps the parent; *parentID == nil moves the folder
// to the top level. It returns the folder as it now is.
//
// Errors: ErrNotFound when id is not one of owner's folders (Field "id") or
// the new parent is not (Field "parent_id"); ErrInvalid for a bad name;
// ErrConflict when the (new) parent has a folder of that name already;
// ErrCycle when the new parent is the folder itself or one of its
// subfolders. Moves by one owner are serialized (a transaction-scoped
// advisory lock), so two concurrent moves cannot make a cycle together.
func Update(ctx context.Context, db *sqlx.DB, owner, id string, name *string, parentID **string) (Folder, error) {
	fid, ok := parseID(id)
	if !ok {
		return Folder{}, notFound()
	}
	var newName *string
	if name != nil {
		n, err := CleanName(*name)
		if err != nil {
			return Folder{}, err
		}
		newName = &n
	}
	move := parentID != nil
	var newParent *string
	if move && *parentID != nil {
		p, ok := parseID(**parentID)
		if !ok {
			return Folder{}, parentNotFound()
		}
		newParent = &p
	}
	if newName == nil && !move {
		return Get(ctx, db, owner, fid)
	}
	var f Folder
	err := database.InTx(ctx, db, func(tx *sqlx.Tx) error {
		if move {
			if err := lockOwner(ctx, tx, owner); err != nil {
				return err
			}
		}
		var cur Folder
		err := tx.GetContext(ctx, &cur, `SELECT `+folderColumns+` FROM folders WHERE id = $1 AND user_id = $2 FOR UPDATE`, fid, owner)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound()
		}
		if err != nil {
			return fmt.Errorf("update folder: %w", err)
		}
		if newParent != nil {
			if *newParent == fid {
				return cycle()
			}
			// Climb from the new parent to the top: the parent must be
			// owner's, and the folder being moved must not be on the way.
			// (UNION, not UNION ALL: it ends even on a corrupt, cyclic tree.)
			var found, loops bool
			err := tx.QueryRowContext(ctx, `WITH RECURSIVE up (id, parent_id) AS (
					SELECT id, parent_id FROM folders WHERE id = $1 AND user_id = $2
					UNION
					SELECT f.id, f.parent_id FROM folders f JOIN up ON f.id = up.parent_id
				)
				SELECT COALESCE(bool_or(id = $1), false), COALESCE(bool_or(id = $3), false) FROM up`,
				*newParent, owner, fid).Scan(&found, &loops)
			if err != nil {
				return fmt.Errorf("check folder move: %w", err)
			}
			if !found {
				return parentNotFound()
			}
			if loops {
				return cycle()
			}
		}
		if newName == nil {
			newName = &cur.Name
		}
		if !move {
			newParent = cur.ParentID
		}
		err = tx.GetContext(ctx, &f, `UPDATE folders SET name = $3, parent_id = $4
			WHERE id = $1 AND user_id = $2 RETURNING `+folderColumns, fid, owner, *newName, newParent)
		switch {
		case database.ErrorCode(err) == database.ForeignKeyViolation:
			return parentNotFound() // the new parent was deleted meanwhile
		case database.ErrorCode(err) == database.UniqueViolation:
			return conflict(*newName, newParent)
		case err != nil:
			return fmt.Errorf("update folder: %w", err)
		}
		return nil
	})
	if err != nil {
		return Folder{}, err
	}
	return f, nil
}

func cycle() error {
	return &Error{Err: ErrCycle, Field: "parent_id",
		Msg: "cannot move a folder into itself or into one of its subfolders: choose another parent"}
}

// Delete removes owner's folder id with all its subfolders. The documents
// in any of them stay, with no folder (documents.folder_id is ON DELETE SET
// NULL; folders.parent_id is ON DELETE CASCADE). ErrNotFound when id is not
// one of owner's folders.
func Delete(ctx context.Context, db *sqlx.DB, owner, id string) error {
	fid, ok := parseID(id)
	if !ok {
		return notFound()
	}
	return database.InTx(ctx, db, func(tx *sqlx.Tx) error {
		// Waiting for a move in progress avoids a deadlock between the
		// cascade and the move's row locks.
		if err := lockOwner(ctx, tx, owner); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM folders WHERE id = $1 AND user_id = $2`, fid, owner)
		if err != nil {
			return fmt.Errorf("delete folder: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("delete folder: %w", err)
		} else if n == 0 {
			return notFound()
		}
		return nil
	})
}

// lockOwner takes owner's folder lock until the transaction ends.
func lockOwner(ctx context.Context, tx *sqlx.Tx, owner string) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1::int, hashtext($2))`, lockClass, owner); err != nil {
		return fmt.Errorf("lock folders: %w", err)
	}
	return nil
}

// CleanName returns name as it is stored — spaces trimmed at both ends,
// Unicode NFC — or an ErrInvalid *Error saying what is wrong with it: empty,
// longer than MaxNameLen characters, not UTF-8, "." or "..", or containing
// '/', or a character usertext.CheckLine refuses (a control character, a
// bidirectional-text control, an invisible formatting character).
func CleanName(name string) (string, error) {
	invalid := func(format string, args ...any) error {
		return &Error{Err: ErrInvalid, Field: "name", Msg: fmt.Sprintf(format, args...)}
	}
	// The rule every name shares (pkg/usertext): valid UTF-8, 1 to
	// MaxNameLen characters, no NUL or other control character, no
	// bidirectional control, no invisible formatting character.
	name, err := usertext.CleanName("folder name", name, MaxNameLen)
	if err != nil {
		return "", invalid("%s", err.Error())
	}
	if name == "." || name == ".." {
		return "", invalid("folder name %q is reserved: choose another name", name)
	}
	if strings.ContainsRune(name, '/') {
		return "", invalid("folder name %q contains '/': choose a name without slashes", name)
	}
	return name, nil
}

// parseID returns id in canonical form, or false when it is not a UUID.
func parseID(id string) (string, bool) {
	u, err := uuid.Parse(id)
	if err != nil {
		return "", false
	}
	return u.String(), true
}

// Resolve finds owner's folder by ref: its id, or its path from the top
// level, names joined by '/' ("Taxes/2024"; a leading '/' is allowed). A
// path's names are compared as they are stored (see CleanName). ErrNotFound
// when no folder of owner's is there.
func Resolve(ctx context.Context, db *sqlx.DB, owner, ref string) (Folder, error) {
	if id, ok := parseID(ref); ok {
		f, err := Get(ctx, db, owner, id)
		if err == nil || !errors.Is(err, ErrNotFound) {
			return f, err
		}
		// a folder may be named like a UUID: try it as a path too
	}
	all, err := List(ctx, db, owner)
	if err != nil {
		return Folder{}, err
	}
	missing := &Error{Err: ErrNotFound, Field: "id",
		Msg: fmt.Sprintf("no folder %q: give a folder's path (as \"folder list\" shows it) or its id", ref)}
	var parent *string
	var found Folder
	parts := strings.Split(strings.TrimPrefix(ref, "/"), "/")
	for _, part := range parts {
		name, err := CleanName(part)
		if err != nil {
			return Folder{}, missing
		}
		ok := false
		for _, f := range all {
			if f.Name == name && sameParent(f.ParentID, parent) {
				found, ok = f, true
				break
			}
		}
		if !ok {
			return Folder{}, missing
		}
		id := found.ID
		parent = &id
	}
	return found, nil
}

func sameParent(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// Paths returns each folder's path from the top level ("Taxes/2024"),
// by id, for folders as List returns them.
func Paths(fs []Folder) map[string]string {
	byID := make(map[string]Folder, len(fs))
	for _, f := range fs {
		byID[f.ID] = f
	}
	paths := make(map[string]string, len(fs))
	var path func(id string, depth int) string
	path = func(id string, depth int) string {
		if p, ok := paths[id]; ok {
			return p
		}
		f := byID[id]
		p := f.Name
		// depth bounds the climb on a (corrupt) cyclic tree.
		if f.ParentID != nil && depth < len(fs) {
			p = path(*f.ParentID, depth+1) + "/" + p
		}
		paths[id] = p
		return p
	}
	for _, f := range fs {
		path(f.ID, 0)
	}
	return paths
}

// Subtree counts, in folders as List returns them, the subfolders below id
// (at any depth) and the documents in id and in all of them: what Delete
// would remove and move out.
func Subtree(fs []Folder, id string) (subfolders, documents int) {
	children := map[string][]Folder{}
	var self *Folder
	for i, f := range fs {
		if f.ParentID != nil {
			children[*f.ParentID] = append(children[*f.ParentID], f)
		}
		if f.ID == id {
			self = &fs[i]
		}
	}
	if self == nil {
		return 0, 0
	}
	seen := map[string]bool{id: true}
	queue := []Folder{*self}
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		documents += f.DocumentCount
		for _, c := range children[f.ID] {
			if !seen[c.ID] {
				seen[c.ID] = true
				subfolders++
				queue = append(queue, c)
			}
		}
	}
	return subfolders, documents
}
