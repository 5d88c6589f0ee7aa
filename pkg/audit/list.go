package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/docuvault/docuvault/pkg/shares"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Entry is one row of the audit log, with what people read in it: who
// acted, whom it concerns, the document it is about, a label and a
// summary in words, names instead of ids.
type Entry struct {
	ID         int64           `json:"id"`
	UserID     *string         `json:"user_id"`
	ActorID    *string         `json:"actor_id"`
	ActorLabel *string         `json:"actor_label"`
	EventType  string          `json:"event_type"`
	ResourceID *string         `json:"resource_id"`
	IP         *string         `json:"ip"`
	Metadata   json.RawMessage `json:"metadata"` // null when there is none
	CreatedAt  time.Time       `json:"created_at"`

	Label    string       `json:"label"`    // the event type in words: "Document uploaded"
	Summary  string       `json:"summary"`  // the details in words: "Topics set to Finance, Tax"; may be ""
	Actor    Person       `json:"actor"`    // who acted
	User     *Person      `json:"user"`     // whom the event concerns; null when nobody
	Document *DocumentRef `json:"document"` // the document of a document event; null otherwise
	From     string       `json:"from"`     // where from: an address, "this machine (::1)", "command line", or ""
}

// Person is an actor, or the user an event concerns.
type Person struct {
	// Kind is "user" (an account), "cli" (a command run through the CLI)
	// or "none" (nobody: a failed sign-in to no account, a deleted account).
	Kind   string  `json:"kind"`
	ID     *string `json:"id"`               // the account's id, kind "user"
	Handle string  `json:"handle,omitempty"` // the account's handle, or the OS user of "cli"
	Name   string  `json:"name"`             // for people: "ann", "root (command line)", "nobody"
}

// DocumentRef is the document an event is about.
type DocumentRef struct {
	ID       string `json:"id"`
	Filename string `json:"filename"`
	// CanOpen: the document still exists and the viewer (Filter.Viewer)
	// owns it or has it shared with them, so a link to it works.
	CanOpen bool `json:"can_open"`
}

// Filter selects entries for List. Zero values select everything.
type Filter struct {
	UserID    string    // only events concerning this user; "" for every user's
	Person    string    // only events concerning or done by this user (a UUID)
	CLI       bool      // only events done through the CLI
	EventType string    // only events of this type
	Since     time.Time // only events at or after Since
	Until     time.Time // only events before Until
	Limit     int       // entries per page: DefaultLimit when 0 or less, at most MaxLimit
	Cursor    string    // the Next of the previous page, or "" for the first
	Viewer    string    // the user reading, for DocumentRef.CanOpen; "" opens nothing
}

// Page is one page of List; Next is the cursor of the following page, ""
// after the last.
type Page struct {
	Entries []Entry `json:"entries"`
	Next    string  `json:"next,omitempty"`
}

// documentEvents are the event types about one document (resource_id).
var documentEvents = []string{Upload, Download, Update, Delete, Share}

// List returns the entries f selects, newest first (by created_at, then
// id), a page at a time: pass each page's Next as the next call's Cursor,
// with the same filter. A cursor List did not make, a UserID, Person or
// Viewer that is not a UUID or an Until before Since is an *Error
// wrapping ErrInvalid.
func List(ctx context.Context, db *sqlx.DB, f Filter) (Page, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	viewer, err := optionalID("viewer", f.Viewer)
	if err != nil {
		return Page{}, err
	}
	args := []any{viewer, pq.Array(documentEvents)}
	var conds []string
	where := func(cond string, arg ...any) {
		for _, a := range arg {
			args = append(args, a)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		conds = append(conds, cond)
	}
	if f.UserID != "" {
		u, err := uuid.Parse(f.UserID)
		if err != nil {
			return Page{}, invalid("user_id", "user_id %q is not a UUID: pass a user's id, or none for every user", f.UserID)
		}
		where("a.user_id = ?", u.String())
	}
	if f.Person != "" {
		u, err := uuid.Parse(f.Person)
		if err != nil {
			return Page{}, invalid("person", "person %q is not a UUID: pass a user's id, or none for everyone", f.Person)
		}
		where("(a.user_id = ? OR a.actor_id = ?)", u.String(), u.String())
	}
	if f.CLI {
		where("a.actor_label LIKE ?", CLIPrefix+"%")
	}
	if f.EventType != "" {
		where("a.event_type = ?", f.EventType)
	}
	if !f.Since.IsZero() {
		where("a.created_at >= ?", f.Since)
	}
	if !f.Until.IsZero() {
		if !f.Since.IsZero() && f.Until.Before(f.Since) {
			return Page{}, invalid("until", "until (%s) is before since (%s): swap them", f.Until.Format(time.RFC3339), f.Since.Format(time.RFC3339))
		}
		where("a.created_at < ?", f.Until)
	}
	if f.Cursor != "" {
		at, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return Page{}, err
		}
		where("(a.created_at, a.id) < (?, ?)", at, id)
	}
	// The document's current filename and whether the viewer may open it
	// (theirs, or shared with them), for the events about one document.
	q := `SELECT a.id, a.user_id, a.actor_id, a.actor_label, a.event_type, a.resource_id, host(a.ip_address), a.metadata, a.created_at,
		su.handle, au.handle, d.filename,
		d.id IS NOT NULL AND $1::uuid IS NOT NULL AND (d.user_id = $1::uuid
			OR ` + shares.Reachable("d", "$1::uuid") + `)
		FROM audit_log a
		LEFT JOIN users su ON su.id = a.user_id
		LEFT JOIN users au ON au.id = a.actor_id
		LEFT JOIN documents d ON d.id = a.resource_id AND a.event_type = ANY($2::text[]) AND d.status <> 'uploading'`
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	args = append(args, limit+1)
	q += " ORDER BY a.created_at DESC, a.id DESC LIMIT $" + strconv.Itoa(len(args))

	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return Page{}, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	p := Page{Entries: []Entry{}}
	var docNames []*string
	var canOpen []bool
	for rows.Next() {
		var (
			e                       Entry
			meta                    []byte
			userHandle, actorHandle *string
			docName                 *string
			open                    bool
		)
		if err := rows.Scan(&e.ID, &e.UserID, &e.ActorID, &e.ActorLabel, &e.EventType, &e.ResourceID, &e.IP, &meta, &e.CreatedAt,
			&userHandle, &actorHandle, &docName, &open); err != nil {
			return Page{}, fmt.Errorf("list audit log: %w", err)
		}
		if meta != nil {
			e.Metadata = json.RawMessage(meta)
		}
		e.Actor = actor(e.ActorID, actorHandle, e.ActorLabel)
		if e.UserID != nil && userHandle != nil {
			e.User = &Person{Kind: "user", ID: e.UserID, Handle: *userHandle, Name: *userHandle}
		}
		p.Entries = append(p.Entries, e)
		docNames = append(docNames, docName)
		canOpen = append(canOpen, open)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("list audit log: %w", err)
	}
	if len(p.Entries) > limit {
		p.Entries = p.Entries[:limit]
		last := p.Entries[limit-1]
		p.Next = encodeCursor(last.CreatedAt, last.ID)
	}
	if err := describeAll(ctx, db, p.Entries, docNames, canOpen); err != nil {
		return Page{}, err
	}
	return p, nil
}

// actor is the Person who acted: the account, the CLI's OS user, or nobody.
func actor(id, handle, label *string) Person {
	switch {
	case id != nil && handle != nil:
		return Person{Kind: "user", ID: id, Handle: *handle, Name: *handle}
	case label != nil && strings.HasPrefix(*label, CLIPrefix):
		name := strings.TrimPrefix(*label, CLIPrefix)
		return Person{Kind: "cli", Handle: name, Name: name + " (command line)"}
	case label != nil:
		return Person{Kind: "none", Name: *label}
	}
	return Person{Kind: "none", Name: "nobody"}
}
