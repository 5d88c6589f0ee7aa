package notes

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/shares"
	"github.com/docuvault/docuvault/pkg/usertext"
)

// MaxLength is the longest note, in characters (the table's CHECK says the
// same).
const MaxLength = 10000

// Sentinel errors. Every error for a caller's mistake is an *Error that
// unwraps to one of them.
var (
	// ErrNotFound: the note or document does not exist, the caller may not
	// see it, or its id is not a UUID. The cases are never told apart.
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the caller sees the document but may not do this
	// (a view recipient adding a note, someone editing another's note).
	ErrForbidden = errors.New("forbidden")
	// ErrInvalid: the note's text is empty, too long or not text.
	ErrInvalid = errors.New("invalid note")
)

// Error is a caller's mistake: Err is one of the sentinels above
// (errors.Is works) and the message says what to do about it.
type Error struct {
	Err error
	Msg string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

func notFound() error {
	return &Error{Err: ErrNotFound, Msg: "not found: use the id of a document or note you may see"}
}

func forbidden(msg string) error { return &Error{Err: ErrForbidden, Msg: msg} }

// Note is one note, as a viewer sees it.
type Note struct {
	ID         string    `db:"id" json:"id"`
	DocumentID string    `db:"document_id" json:"document_id"`
	AuthorID   *string   `db:"author_id" json:"author_id"`  // nil: the author's account was deleted
	Author     *string   `db:"author_handle" json:"author"` // the author's handle
	Body       string    `db:"body" json:"body"`            // the note's text
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
	UpdatedAt  time.Time `db:"updated_at" json:"updated_at"`
	// CanEdit and CanDelete say what the viewer may do with it.
	CanEdit   bool `db:"-" json:"can_edit"`
	CanDelete bool `db:"-" json:"can_delete"`
}

const selectNote = `SELECT n.id, n.document_id, n.author_id, u.handle AS author_handle, n.body, n.created_at, n.updated_at
	FROM notes n LEFT JOIN users u ON u.id = n.author_id`

// CheckBody returns body as it is stored (line endings made "\n", spaces
// trimmed at both ends), or an *Error (ErrInvalid): empty, over MaxLength
// characters, not valid UTF-8, or holding control characters other than
// tab and line breaks.
func CheckBody(body string) (string, error) {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	if err := usertext.CheckText("note", body); err != nil {
		return "", &Error{Err: ErrInvalid, Msg: err.Error() + ": write the note as plain text"}
	}
	switch n := utf8.RuneCountInString(body); {
	case n == 0:
		return "", &Error{Err: ErrInvalid, Msg: "the note is empty: write some text"}
	case n > MaxLength:
		return "", &Error{Err: ErrInvalid, Msg: fmt.Sprintf("the note is %d characters long: write at most %d", n, MaxLength)}
	}
	return body, nil
}

// List returns the notes on documentID, oldest first, for viewerID, who
// must be able to see the document (ErrNotFound otherwise).
func List(ctx context.Context, db *sqlx.DB, viewerID, documentID string) ([]Note, error) {
	level, err := shares.Access(ctx, db, viewerID, documentID)
	if err != nil {
		return nil, err
	}
	if level < shares.View {
		return nil, notFound()
	}
	ns := []Note{}
	if err := db.SelectContext(ctx, &ns, selectNote+` WHERE n.document_id = $1 ORDER BY n.created_at, n.id`, documentID); err != nil {
		return nil, fmt.Errorf("list notes: %w", err)
	}
	for i := range ns {
		ns[i].CanEdit, ns[i].CanDelete = allowed(ns[i], viewerID, level)
	}
	return ns, nil
}

// allowed says whether viewerID, at level on the note's document, may edit
// and delete note.
func allowed(n Note, viewerID string, level shares.Level) (edit, del bool) {
	mine := n.AuthorID != nil && *n.AuthorID == viewerID
	edit = mine && level >= shares.Edit
	return edit, edit || level == shares.Owner
}

// Add writes a note by userID on documentID: its owner or an edit
// recipient may (ErrForbidden for a view recipient, ErrNotFound for
// anyone else). The body is checked by CheckBody.
func Add(ctx context.Context, db *sqlx.DB, userID, documentID, body string) (Note, error) {
	body, err := CheckBody(body)
	if err != nil {
		return Note{}, err
	}
	var n Note
	err = inDocument(ctx, db, userID, documentID, func(tx *sqlx.Tx, level shares.Level) error {
		if level < shares.Edit {
			return forbidden("this document is shared with you to view only: ask its owner for edit access to write notes")
		}
		var id string
		if err := tx.GetContext(ctx, &id, `INSERT INTO notes (document_id, author_id, body) VALUES ($1, $2, $3) RETURNING id`,
			documentID, userID, body); err != nil {
			return fmt.Errorf("add note: %w", err)
		}
		if err := tx.GetContext(ctx, &n, selectNote+` WHERE n.id = $1`, id); err != nil {
			return fmt.Errorf("read new note: %w", err)
		}
		n.CanEdit, n.CanDelete = allowed(n, userID, level)
		return nil
	})
	return n, err
}

// Edit replaces the text of note noteID; only its author may, while they
// may edit its document. It returns the note as it was before (for the
// audit: its length) and as it is now.
func Edit(ctx context.Context, db *sqlx.DB, userID, noteID, body string) (before, after Note, err error) {
	body, err = CheckBody(body)
	if err != nil {
		return Note{}, Note{}, err
	}
	err = inNote(ctx, db, userID, noteID, func(tx *sqlx.Tx, n Note, level shares.Level) error {
		before = n
		if edit, _ := allowed(n, userID, level); !edit {
			return forbidden("you may edit only your own notes, on documents you may edit")
		}
		if err := tx.GetContext(ctx, &after, `UPDATE notes SET body = $2, updated_at = now() WHERE id = $1
			RETURNING id, document_id, author_id, body, created_at, updated_at`, n.ID, body); err != nil {
			return fmt.Errorf("edit note: %w", err)
		}
		after.Author = n.Author
		after.CanEdit, after.CanDelete = allowed(after, userID, level)
		return nil
	})
	return before, after, err
}

// Delete removes note noteID: its author (while they may edit the
// document) or the document's owner may. It returns the deleted note.
func Delete(ctx context.Context, db *sqlx.DB, userID, noteID string) (Note, error) {
	var deleted Note
	err := inNote(ctx, db, userID, noteID, func(tx *sqlx.Tx, n Note, level shares.Level) error {
		if _, del := allowed(n, userID, level); !del {
			return forbidden("you may delete only your own notes, or any note on your own documents")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM notes WHERE id = $1`, n.ID); err != nil {
			return fmt.Errorf("delete note: %w", err)
		}
		deleted = n
		return nil
	})
	return deleted, err
}

// inNote runs fn for note noteID, in inDocument of its document.
func inNote(ctx context.Context, db *sqlx.DB, userID, noteID string, fn func(*sqlx.Tx, Note, shares.Level) error) error {
	id, ok := parseID(noteID)
	if !ok {
		return notFound()
	}
	var docID string
	err := db.GetContext(ctx, &docID, `SELECT document_id FROM notes WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound()
	}
	if err != nil {
		return fmt.Errorf("find note: %w", err)
	}
	return inDocument(ctx, db, userID, docID, func(tx *sqlx.Tx, level shares.Level) error {
		var n Note
		// Read again under the document's lock: deleted or moved since.
		err := tx.GetContext(ctx, &n, selectNote+` WHERE n.id = $1 AND n.document_id = $2`, id, docID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound()
		}
		if err != nil {
			return fmt.Errorf("read note: %w", err)
		}
		return fn(tx, n, level)
	})
}

// inDocument runs fn in a transaction holding documentID's row locked,
// with userID's access level to it (at least View: ErrNotFound
// otherwise), then rewrites the document's notes_text, which search reads,
// and commits. The lock orders writers of one document's notes, so each
// rewrite sees every note committed before it.
func inDocument(ctx context.Context, db *sqlx.DB, userID, documentID string, fn func(*sqlx.Tx, shares.Level) error) error {
	docID, ok := parseID(documentID)
	if !ok {
		return notFound()
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("notes: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	var locked bool
	err = tx.GetContext(ctx, &locked, `SELECT true FROM documents d WHERE d.id = $1 AND `+shares.Visible("d")+` FOR UPDATE`, docID)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound()
	}
	if err != nil {
		return fmt.Errorf("notes: lock document: %w", err)
	}
	level, err := shares.Access(ctx, tx, userID, docID)
	if err != nil {
		return err
	}
	if level < shares.View {
		return notFound()
	}
	if err := fn(tx, level); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE documents SET notes_text =
		(SELECT string_agg(body, E'\n' ORDER BY created_at, id) FROM notes WHERE document_id = $1) WHERE id = $1`, docID); err != nil {
		return fmt.Errorf("notes: index for search: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("notes: %w", err)
	}
	return nil
}

// parseID returns id in canonical form, or false when it is not a UUID.
func parseID(id string) (string, bool) {
	u, err := uuid.Parse(id)
	if err != nil {
		return "", false
	}
	return u.String(), true
}
