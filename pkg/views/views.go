package views

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/text/unicode/norm"

	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/usertext"
)

// Sentinel errors. Every error for a caller's mistake is an *Error that
// unwraps to one of them.
var (
	// ErrNotFound: the view does not exist, is another user's, or its id is
	// not a UUID. The three are never told apart.
	ErrNotFound = errors.New("view not found")
	// ErrConflict: the owner already has a view of that name.
	ErrConflict = errors.New("view name taken")
	// ErrInvalid: the name or the filter cannot be used.
	ErrInvalid = errors.New("invalid view")
)

// Error is a caller's mistake: Err is ErrNotFound, ErrConflict or
// ErrInvalid (errors.Is works), Field names the input at fault ("id",
// "name", "position" or a filter key), and the message says what to do.
type Error struct {
	Err   error
	Field string
	Msg   string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// MaxNameLen is the longest view name, in characters.
const MaxNameLen = 100

// maxContentTypeLen bounds the content_type a filter holds.
const maxContentTypeLen = 255

// Unfiled and Root are the topic and folder values that are not ids:
// documents under no topic, documents in no folder.
const (
	Unfiled = "unfiled"
	Root    = "root"
)

// Filter is what a view narrows the documents list by; "" is "any". Its
// JSON keys are the documents list's query parameters, except that Topic
// may be Unfiled (the list's unfiled=true).
type Filter struct {
	Status      string `json:"status,omitempty"`
	Topic       string `json:"topic,omitempty"`  // a topic id, or Unfiled
	Folder      string `json:"folder,omitempty"` // a folder id, or Root
	ContentType string `json:"content_type,omitempty"`
	DateFrom    string `json:"date_from,omitempty"` // YYYY-MM-DD
	DateTo      string `json:"date_to,omitempty"`   // YYYY-MM-DD
	Sort        string `json:"sort,omitempty"`      // one of catalog.SortNames
}

// Keys are a filter's JSON keys, in the order messages list them.
func Keys() []string {
	return []string{"status", "topic", "folder", "content_type", "date_from", "date_to", "sort"}
}

// View is one of a user's saved views. Filter is what applying it narrows
// by now: a topic or folder deleted since it was saved is left out, and
// Note says so ("" when nothing was left out).
type View struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Filter    Filter    `json:"filter"`
	Position  int       `json:"position"`
	CreatedAt time.Time `json:"created_at"`
	Note      string    `json:"note,omitempty"`
}

func notFound() error {
	return &Error{Err: ErrNotFound, Field: "id", Msg: "view not found: use the id of one of your saved views"}
}

func conflict(name string) error {
	return &Error{Err: ErrConflict, Field: "name", Msg: fmt.Sprintf("you already have a view named %q: choose another name", name)}
}

func invalid(field, format string, args ...any) error {
	return &Error{Err: ErrInvalid, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// ParseFilter reads a filter from a JSON object, refusing keys it does not
// know and values that are not strings (it does not check the values; Create
// and Update do). Empty input or null is the empty filter.
func ParseFilter(raw []byte) (Filter, error) {
	var f Filter
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return f, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return f, invalid("filter", "the filter must be a JSON object of %s", strings.Join(Keys(), ", "))
	}
	dst := map[string]*string{"status": &f.Status, "topic": &f.Topic, "folder": &f.Folder, "content_type": &f.ContentType,
		"date_from": &f.DateFrom, "date_to": &f.DateTo, "sort": &f.Sort}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		p, ok := dst[k]
		if !ok {
			return Filter{}, invalid(k, "the filter has no key %q: use %s", k, strings.Join(Keys(), ", "))
		}
		if string(m[k]) == "null" {
			continue
		}
		if err := json.Unmarshal(m[k], p); err != nil {
			return Filter{}, invalid(k, "the filter's %s must be a string", k)
		}
	}
	return f, nil
}

// Check validates f's values for owner and returns it as stored: ids in
// canonical form. Topic and folder ids must be owner's. Its errors are
// ErrInvalid *Errors; Create and Update call it.
func Check(ctx context.Context, q sqlx.QueryerContext, owner string, f Filter) (Filter, error) {
	if f.Status != "" && !slices.Contains(catalog.Statuses, f.Status) {
		return Filter{}, invalid("status", "status %q: use one of %s", f.Status, strings.Join(catalog.Statuses, ", "))
	}
	if f.Sort != "" && !slices.Contains(catalog.SortNames(), f.Sort) {
		return Filter{}, invalid("sort", "sort %q: use one of %s", f.Sort, strings.Join(catalog.SortNames(), ", "))
	}
	if f.ContentType != "" {
		if err := usertext.CheckLine("content type", f.ContentType); err != nil {
			return Filter{}, invalid("content_type", "%s", err.Error())
		}
		if n := utf8.RuneCountInString(f.ContentType); n > maxContentTypeLen {
			return Filter{}, invalid("content_type", "content type is %d characters long: use at most %d", n, maxContentTypeLen)
		}
	}
	var from, to time.Time
	for _, d := range []struct {
		field string
		val   string
		dst   *time.Time
	}{{"date_from", f.DateFrom, &from}, {"date_to", f.DateTo, &to}} {
		if d.val == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, d.val)
		if err != nil {
			return Filter{}, invalid(d.field, "%s %q is not a day: write it like 2026-01-31", strings.ReplaceAll(d.field, "_", " "), d.val)
		}
		*d.dst = t
	}
	if !from.IsZero() && !to.IsZero() && from.After(to) {
		return Filter{}, invalid("date_from", "date from %s is after date to %s: swap them", f.DateFrom, f.DateTo)
	}
	if f.Topic != "" && f.Topic != Unfiled {
		id, ok := parseID(f.Topic)
		if ok {
			ok, err := exists(ctx, q, `SELECT EXISTS (SELECT 1 FROM topics WHERE id = $1 AND user_id = $2)`, id, owner)
			if err != nil {
				return Filter{}, err
			}
			if ok {
				f.Topic = id
			} else {
				id = ""
			}
		}
		if id == "" {
			return Filter{}, invalid("topic", "no topic %q: use the id of one of your topics, or %s", f.Topic, Unfiled)
		}
	}
	if f.Folder != "" && f.Folder != Root {
		id, ok := parseID(f.Folder)
		if ok {
			ok, err := exists(ctx, q, `SELECT EXISTS (SELECT 1 FROM folders WHERE id = $1 AND user_id = $2)`, id, owner)
			if err != nil {
				return Filter{}, err
			}
			if ok {
				f.Folder = id
			} else {
				id = ""
			}
		}
		if id == "" {
			return Filter{}, invalid("folder", "no folder %q: use the id of one of your folders, or %s", f.Folder, Root)
		}
	}
	return f, nil
}

func exists(ctx context.Context, q sqlx.QueryerContext, query string, args ...any) (bool, error) {
	var ok bool
	if err := q.QueryRowxContext(ctx, query, args...).Scan(&ok); err != nil {
		return false, fmt.Errorf("check view filter: %w", err)
	}
	return ok, nil
}

// CleanName returns name as it is stored — spaces trimmed at both ends,
// Unicode NFC — or an ErrInvalid *Error: empty, longer than MaxNameLen
// characters, or holding a character usertext.CheckLine refuses.
func CleanName(name string) (string, error) {
	name, err := usertext.CleanName("view name", name, MaxNameLen)
	if err != nil {
		return "", invalid("name", "%s", err.Error())
	}
	return name, nil
}

// row is a view as selected by viewColumns.
type row struct {
	ID         string    `db:"id"`
	Name       string    `db:"name"`
	Filter     []byte    `db:"filter"`
	Position   int       `db:"position"`
	CreatedAt  time.Time `db:"created_at"`
	TopicGone  bool      `db:"topic_gone"`
	FolderGone bool      `db:"folder_gone"`
}

// viewColumns reads a saved_views row named v, with whether the topic or
// folder its filter names is gone.
const viewColumns = `v.id, v.name, v.filter, v.position, v.created_at,
	(v.filter->>'topic' IS NOT NULL AND v.filter->>'topic' <> 'unfiled' AND NOT EXISTS (
		SELECT 1 FROM topics t WHERE t.id::text = v.filter->>'topic' AND t.user_id = v.user_id)) AS topic_gone,
	(v.filter->>'folder' IS NOT NULL AND v.filter->>'folder' <> 'root' AND NOT EXISTS (
		SELECT 1 FROM folders f WHERE f.id::text = v.filter->>'folder' AND f.user_id = v.user_id)) AS folder_gone`

func (r row) view() (View, error) {
	v := View{ID: r.ID, Name: r.Name, Position: r.Position, CreatedAt: r.CreatedAt}
	if err := json.Unmarshal(r.Filter, &v.Filter); err != nil {
		return View{}, fmt.Errorf("read view %s: %w", r.ID, err)
	}
	var notes []string
	if r.TopicGone {
		v.Filter.Topic = ""
		notes = append(notes, "topic")
	}
	if r.FolderGone {
		v.Filter.Folder = ""
		notes = append(notes, "folder")
	}
	if len(notes) > 0 {
		verb := "has"
		if len(notes) > 1 {
			verb = "have"
		}
		v.Note = fmt.Sprintf("the %s this view was saved with %s been deleted: it now shows documents in any %s",
			strings.Join(notes, " and "), verb, strings.Join(notes, " and any "))
	}
	return v, nil
}

// Create saves a view called name with filter f for owner, after owner's
// other views.
//
// Errors: ErrInvalid for a bad name or filter value (a topic or folder
// that is not owner's included), ErrConflict when owner has a view of that
// name in any case. Of several calls racing for one name, one succeeds.
func Create(ctx context.Context, db *sqlx.DB, owner, name string, f Filter) (View, error) {
	name, err := CleanName(name)
	if err != nil {
		return View{}, err
	}
	f, err = Check(ctx, db, owner, f)
	if err != nil {
		return View{}, err
	}
	raw, err := json.Marshal(f)
	if err != nil {
		return View{}, fmt.Errorf("create view: %w", err)
	}
	var r row
	err = db.GetContext(ctx, &r, `WITH v AS (
			INSERT INTO saved_views (user_id, name, filter, position)
			SELECT $1::uuid, $2, $3::jsonb, COALESCE(max(position) + 1, 0) FROM saved_views WHERE user_id = $1::uuid
			RETURNING *)
		SELECT `+viewColumns+` FROM v`, owner, name, string(raw))
	switch {
	case database.ErrorCode(err) == database.UniqueViolation:
		return View{}, conflict(name)
	case err != nil:
		return View{}, fmt.Errorf("create view: %w", err)
	}
	return r.view()
}

// List returns owner's views in their order.
func List(ctx context.Context, db *sqlx.DB, owner string) ([]View, error) {
	var rows []row
	if err := db.SelectContext(ctx, &rows, `SELECT `+viewColumns+` FROM saved_views v WHERE v.user_id = $1
		ORDER BY v.position, v.created_at, v.id`, owner); err != nil {
		return nil, fmt.Errorf("list views: %w", err)
	}
	vs := make([]View, 0, len(rows))
	for _, r := range rows {
		v, err := r.view()
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, nil
}

// Get returns owner's view id, or ErrNotFound.
func Get(ctx context.Context, db *sqlx.DB, owner, id string) (View, error) {
	vid, ok := parseID(id)
	if !ok {
		return View{}, notFound()
	}
	var r row
	err := db.GetContext(ctx, &r, `SELECT `+viewColumns+` FROM saved_views v WHERE v.id = $1 AND v.user_id = $2`, vid, owner)
	if errors.Is(err, sql.ErrNoRows) {
		return View{}, notFound()
	}
	if err != nil {
		return View{}, fmt.Errorf("get view: %w", err)
	}
	return r.view()
}

// Resolve finds owner's view by ref: its name (in any case) or its id.
func Resolve(ctx context.Context, db *sqlx.DB, owner, ref string) (View, error) {
	var r row
	err := db.GetContext(ctx, &r, `SELECT `+viewColumns+` FROM saved_views v WHERE v.user_id = $1 AND lower(v.name) = lower($2)`,
		owner, norm.NFC.String(strings.TrimSpace(ref)))
	if err == nil {
		return r.view()
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return View{}, fmt.Errorf("find view: %w", err)
	}
	if _, ok := parseID(ref); ok {
		if v, err := Get(ctx, db, owner, ref); err == nil || !errors.Is(err, ErrNotFound) {
			return v, err
		}
	}
	return View{}, &Error{Err: ErrNotFound, Field: "name", Msg: fmt.Sprintf("no saved view %q: \"view list\" shows yours", ref)}
}

// Change is what Update changes; nil fields stay as they are.
type Change struct {
	Name   *string
	Filter *Filter // replaces the whole filter
	// Position moves the view to this place among owner's views (0 is
	// first; past the end is last); the others keep their order.
	Position *int
}

// Update renames owner's view id, replaces its filter and/or moves it, and
// returns it as it now is. Errors as Create's, and ErrNotFound when id is
// not one of owner's views, ErrInvalid for a negative position.
func Update(ctx context.Context, db *sqlx.DB, owner, id string, c Change) (View, error) {
	vid, ok := parseID(id)
	if !ok {
		return View{}, notFound()
	}
	var name string
	if c.Name != nil {
		n, err := CleanName(*c.Name)
		if err != nil {
			return View{}, err
		}
		name = n
	}
	if c.Position != nil && *c.Position < 0 {
		return View{}, invalid("position", "position %d: use 0 for the first place or more", *c.Position)
	}
	err := database.InTx(ctx, db, func(tx *sqlx.Tx) error {
		// Every view of owner's is locked, in order, so that concurrent
		// moves renumber one consistent list.
		var ids []string
		if err := tx.SelectContext(ctx, &ids, `SELECT id FROM saved_views WHERE user_id = $1
			ORDER BY position, created_at, id FOR UPDATE`, owner); err != nil {
			return fmt.Errorf("update view: %w", err)
		}
		at := -1
		for i, x := range ids {
			if x == vid {
				at = i
			}
		}
		if at < 0 {
			return notFound()
		}
		if c.Name != nil {
			_, err := tx.ExecContext(ctx, `UPDATE saved_views SET name = $3 WHERE id = $1 AND user_id = $2`, vid, owner, name)
			if database.ErrorCode(err) == database.UniqueViolation {
				return conflict(name)
			}
			if err != nil {
				return fmt.Errorf("rename view: %w", err)
			}
		}
		if c.Filter != nil {
			f, err := Check(ctx, tx, owner, *c.Filter)
			if err != nil {
				return err
			}
			raw, err := json.Marshal(f)
			if err != nil {
				return fmt.Errorf("update view: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE saved_views SET filter = $3::jsonb WHERE id = $1 AND user_id = $2`, vid, owner, string(raw)); err != nil {
				return fmt.Errorf("update view filter: %w", err)
			}
		}
		if c.Position != nil {
			to := min(*c.Position, len(ids)-1)
			ids = append(ids[:at], ids[at+1:]...)
			ids = append(ids[:to], append([]string{vid}, ids[to:]...)...)
			if _, err := tx.ExecContext(ctx, `UPDATE saved_views v SET position = o.n - 1
				FROM unnest($1::uuid[]) WITH ORDINALITY AS o(id, n) WHERE v.id = o.id AND v.user_id = $2`,
				pq.Array(ids), owner); err != nil {
				return fmt.Errorf("move view: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return View{}, err
	}
	return Get(ctx, db, owner, vid)
}

// Delete removes owner's view id; ErrNotFound when it is not one of them.
func Delete(ctx context.Context, db *sqlx.DB, owner, id string) error {
	vid, ok := parseID(id)
	if !ok {
		return notFound()
	}
	res, err := db.ExecContext(ctx, `DELETE FROM saved_views WHERE id = $1 AND user_id = $2`, vid, owner)
	if err != nil {
		return fmt.Errorf("delete view: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete view: %w", err)
	} else if n == 0 {
		return notFound()
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
