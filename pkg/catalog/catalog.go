// Package catalog reads documents the way the HTTP API shows them: one
// document with its topics, scores, status and failure reason, and filtered,
// sorted listings of a user's own documents or of those shared with them,
// paged by keyset with an opaque cursor. It also makes the metadata-only
// changes a person asks for (rename, move, classify again); everything that
// touches bytes or quota stays in package storage.
//
// Listings never carry extracted text.
package catalog

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/docuvault/docuvault/pkg/shares"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/database"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrNotFound: no such document (or still uploading, or not a UUID).
	ErrNotFound = errors.New("no such document")
	// ErrInvalid: a filter, sort, cursor or field the caller gave is unusable.
	ErrInvalid = errors.New("invalid request")
	// ErrBusy: the document is being processed right now.
	ErrBusy = errors.New("document is being processed")
)

// invalid returns an error wrapping ErrInvalid with a message for a person.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// TopicRef is a topic as a document shows it.
type TopicRef struct {
	ID     string   `db:"id" json:"id"`
	Name   string   `db:"name" json:"name"`
	Color  string   `db:"color" json:"color"`
	Source string   `db:"source" json:"source"` // "manual" (a person) or "auto" (the classifier)
	Score  *float64 `db:"score" json:"score"`   // the classifier's, for "auto"
	// Evidence is why the classifier assigned it (filing.go); empty for
	// a person's choice.
	Evidence Evidence `db:"evidence" json:"evidence"`
	// Rule is the topic's match rule when that rule assigned it (Source
	// "auto"); nil when the classifier or a person did.
	Rule *RuleRef `db:"rule" json:"rule,omitempty"`
}

// Document is a document's metadata as the API shows it.
type Document struct {
	ID             string  `db:"id" json:"id"`
	OwnerID        string  `db:"user_id" json:"owner_id"`
	OwnerHandle    string  `db:"owner_handle" json:"owner"`
	Permission     string  `db:"permission" json:"permission"` // owner, edit or view: what the viewer may do
	FolderID       *string `db:"folder_id" json:"folder_id"`
	Filename       string  `db:"filename" json:"filename"`
	ContentType    string  `db:"content_type" json:"content_type"`
	SizeBytes      int64   `db:"size_bytes" json:"size_bytes"`
	SHA256         []byte  `db:"sha256" json:"-"`
	SHA256Hex      string  `db:"-" json:"sha256"`
	Status         string  `db:"status" json:"status"`
	FailureReason  *string `db:"failure_reason" json:"failure_reason"`
	Extractor      *string `db:"extractor" json:"extractor,omitempty"`
	ExtractionNote *string `db:"extraction_note" json:"extraction_note,omitempty"`
	// Pages says how each page was read (a PDF's): see extract.Page.
	Pages              *json.RawMessage `db:"pages" json:"pages,omitempty"`
	Classifier         *string          `db:"classifier" json:"classifier,omitempty"`
	ClassificationNote *string          `db:"classification_note" json:"classification_note,omitempty"`
	// DocumentDate is the date the document carries (a letter's, an
	// invoice's: pkg/docdate), YYYY-MM-DD; nil when none was found.
	DocumentDate *string    `db:"document_date" json:"document_date"`
	SharedAt     *time.Time `db:"shared_at" json:"shared_at,omitempty"`
	CreatedAt    time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt    time.Time  `db:"updated_at" json:"updated_at"`
	Topics       []TopicRef `db:"-" json:"topics"`
	// Candidates are the classifier's best topics for the document, with
	// their scores (filing.go); only Get fills them.
	Candidates []Candidate `db:"-" json:"candidates,omitempty"`
	TopicsJSON []byte      `db:"topics_json" json:"-"` // List reads topics in the same query

	// HasThumbnail and HasSearchable say whether the document has a
	// thumbnail and a searchable copy (see storage.StoreDerived).
	HasThumbnail  bool `db:"has_thumbnail" json:"has_thumbnail"`
	HasSearchable bool `db:"has_searchable" json:"has_searchable"`
}

// topicsColumn is a document's topics as one JSON array, for List: one
// query per page instead of two.
const topicsColumn = `(SELECT COALESCE(json_agg(json_build_object('id', t.id, 'name', t.name, 'color', t.color,
		'source', dt.source, 'score', dt.score, 'evidence', dt.evidence, 'rule', ` + ruleColumn + `) ORDER BY t.name), '[]')
	FROM document_topics dt JOIN topics t ON t.id = dt.topic_id WHERE dt.document_id = d.id) AS topics_json`

const listColumns = `d.id, d.user_id, u.handle AS owner_handle, d.folder_id, d.filename, d.content_type,
	d.size_bytes, d.sha256, d.status, d.failure_reason, d.created_at, d.updated_at,
	to_char(d.document_date, 'YYYY-MM-DD') AS document_date, ` + derivedColumns

// derivedColumns says which derived objects a document has: two probes of
// document_objects' unique (document_id, kind) index per row.
const derivedColumns = `EXISTS (SELECT 1 FROM document_objects o WHERE o.document_id = d.id AND o.kind = 'thumbnail') AS has_thumbnail,
	EXISTS (SELECT 1 FROM document_objects o WHERE o.document_id = d.id AND o.kind = 'searchable_pdf') AS has_searchable`

// Get returns document id as viewer sees it, with permission (owner, edit
// or view) given by the caller, who has checked it. Documents still
// uploading are not found.
func Get(ctx context.Context, db *sqlx.DB, id, permission string) (Document, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Document{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	var d Document
	err := db.GetContext(ctx, &d, `SELECT `+listColumns+`, $2::text AS permission,
		d.extractor, d.extraction_note, d.pages, d.classifier, d.classification_note, NULL::timestamptz AS shared_at
		FROM documents d JOIN users u ON u.id = d.user_id
		WHERE d.id = $1 AND d.status <> 'uploading' AND d.trashed_at IS NULL`, id, permission)
	if errors.Is(err, sql.ErrNoRows) {
		return Document{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return Document{}, fmt.Errorf("get document: %w", err)
	}
	docs := []Document{d}
	if err := withTopics(ctx, db, docs); err != nil {
		return Document{}, err
	}
	if err := withCandidates(ctx, db, &docs[0]); err != nil {
		return Document{}, err
	}
	return docs[0], nil
}

// withTopics fills each document's Topics (one query for all) and SHA256Hex.
func withTopics(ctx context.Context, db sqlx.QueryerContext, docs []Document) error {
	if len(docs) == 0 {
		return nil
	}
	ids := make([]string, len(docs))
	at := map[string]int{}
	for i := range docs {
		ids[i] = docs[i].ID
		at[docs[i].ID] = i
		docs[i].Topics = []TopicRef{}
		docs[i].SHA256Hex = fmt.Sprintf("%x", docs[i].SHA256)
	}
	var rows []struct {
		DocumentID string `db:"document_id"`
		TopicRef
	}
	err := sqlx.SelectContext(ctx, db, &rows, `SELECT dt.document_id, t.id, t.name, t.color, dt.source, dt.score, dt.evidence, `+ruleColumn+` AS rule
		FROM document_topics dt JOIN topics t ON t.id = dt.topic_id
		WHERE dt.document_id = ANY($1::uuid[]) ORDER BY t.name`, pq.Array(ids))
	if err != nil {
		return fmt.Errorf("document topics: %w", err)
	}
	for _, r := range rows {
		i := at[r.DocumentID]
		docs[i].Topics = append(docs[i].Topics, r.TopicRef)
	}
	return nil
}

// Query selects and orders documents for List.
type Query struct {
	Viewer string // the user whose documents (or received shares) are listed
	// Shared lists the documents shared with Viewer instead of Viewer's own.
	Shared      bool
	Status      string    // one of the statuses, or ""
	TopicID     string    // documents filed under this topic, or ""
	FolderID    string    // documents in this folder; "root" for none; "" for any
	ContentType string    // exact content type, or ""
	From, To    time.Time // created at or after From, before To (zero: unbounded)
	// DateFrom and DateTo select documents whose own date (DocumentDate)
	// is on or after DateFrom, on or before DateTo (zero: unbounded); a
	// document without a date is left out when either is set.
	DateFrom, DateTo time.Time
	// Unfiled: only unfiled documents (classified, under no topic).
	Unfiled bool
	// Sort is created_desc (the default), created_asc, filename_asc,
	// filename_desc, size_desc, size_asc, date_desc or date_asc (the
	// document's own date; documents without one come last either way);
	// ties are broken by id.
	Sort   string
	Limit  int    // 1 to 200; 0 means 50
	Cursor string // Next of the previous page
}

// Page is one page of a listing; Next is "" on the last page.
type Page struct {
	Documents []Document `json:"documents"`
	Next      string     `json:"next_cursor,omitempty"`
}

// sortSpec is one order: its column, its direction, and how its cursor
// value is written and read.
type sortSpec struct {
	column string
	desc   bool
	kind   string // time, text, int, date
}

// Documents without a date of their own sort as these days: after every
// dated one, newest or oldest first.
const (
	undatedDesc = "0001-01-01"
	undatedAsc  = "9999-12-31"
)

var sorts = map[string]sortSpec{
	"created_desc":  {"d.created_at", true, "time"},
	"created_asc":   {"d.created_at", false, "time"},
	"filename_asc":  {"d.filename", false, "text"},
	"filename_desc": {"d.filename", true, "text"},
	"size_desc":     {"d.size_bytes", true, "int"},
	"size_asc":      {"d.size_bytes", false, "int"},
	"date_desc":     {"COALESCE(d.document_date, '" + undatedDesc + "'::date)", true, "date"},
	"date_asc":      {"COALESCE(d.document_date, '" + undatedAsc + "'::date)", false, "date"},
}

// SortNames returns the orders a listing takes (Query.Sort), the default
// first.
func SortNames() []string {
	return []string{"created_desc", "created_asc", "filename_asc", "filename_desc", "size_desc", "size_asc", "date_desc", "date_asc"}
}

// Statuses are the document statuses a listing may filter by.
var Statuses = []string{"pending", "processing", "classified", "no_text", "failed", "skipped"}

// cursor is what an opaque cursor holds: the sort it belongs to and the
// last row's sort value and id.
type cursor struct {
	Sort  string `json:"s"`
	Value string `json:"v"`
	ID    string `json:"i"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, sort string) (cursor, error) {
	bad := invalid("cursor: pass the next_cursor of the previous page, with the same sort")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) > 2048 {
		return cursor{}, bad
	}
	var c cursor
	if err := json.Unmarshal(raw, &c); err != nil || c.Sort != sort {
		return cursor{}, bad
	}
	if _, err := uuid.Parse(c.ID); err != nil {
		return cursor{}, bad
	}
	return c, nil
}

// List returns one page of the documents q selects.
func List(ctx context.Context, db *sqlx.DB, q Query) (Page, error) {
	return list(ctx, q, func(docs *[]Document, query string, args []any) error {
		return db.SelectContext(ctx, docs, query, args...)
	})
}

// Lister is List with prepared statements: PostgreSQL plans each shape of
// listing (its filters and sort) once per connection instead of on every
// page, which is most of a page's cost in the database. Safe for
// concurrent use; it holds at most one statement per shape (a few hundred
// at most).
type Lister struct {
	stmts *database.Statements
}

// NewLister returns a Lister on db.
func NewLister(db *sqlx.DB) *Lister { return &Lister{stmts: database.NewStatements(db)} }

// List is the package's List.
func (l *Lister) List(ctx context.Context, q Query) (Page, error) {
	return list(ctx, q, func(docs *[]Document, query string, args []any) error {
		st, err := l.stmts.Prepare(ctx, query)
		if err != nil {
			return err
		}
		return st.SelectContext(ctx, docs, args...)
	})
}

// Close releases the prepared statements.
func (l *Lister) Close() error { return l.stmts.Close() }

func list(ctx context.Context, q Query, sel func(docs *[]Document, query string, args []any) error) (Page, error) {
	if q.Sort == "" {
		q.Sort = "created_desc"
	}
	spec, ok := sorts[q.Sort]
	if !ok {
		return Page{}, invalid("sort %q: use created_desc, created_asc, filename_asc, filename_desc, size_desc, size_asc, date_desc or date_asc", q.Sort)
	}
	if q.Limit == 0 {
		q.Limit = 50
	}
	if q.Limit < 1 || q.Limit > 200 {
		return Page{}, invalid("limit must be 1 to 200, not %d", q.Limit)
	}
	args := []any{q.Viewer}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	var from, perm, sharedAt string
	where := []string{"d.status <> 'uploading'", "d.trashed_at IS NULL"}
	if q.Shared {
		// Direct and group shares (shares.Grants), one row per document:
		// the best permission, the first time it was shared.
		from = `documents d JOIN (SELECT g.document_id, g.owner_id, min(g.permission) AS permission, min(g.created_at) AS created_at
			FROM ` + shares.Grants + ` g WHERE g.user_id = $1 GROUP BY g.document_id, g.owner_id) s
			ON s.document_id = d.id AND s.owner_id = d.user_id JOIN users u ON u.id = d.user_id`
		where = append(where, "d.user_id <> $1")
		perm, sharedAt = "s.permission", "s.created_at"
	} else {
		from = `documents d JOIN users u ON u.id = d.user_id`
		where = append(where, "d.user_id = $1")
		perm, sharedAt = "'owner'", "NULL::timestamptz"
	}
	f := Filter{Status: q.Status, TopicID: q.TopicID, FolderID: q.FolderID, ContentType: q.ContentType, From: q.From, To: q.To,
		DateFrom: q.DateFrom, DateTo: q.DateTo}
	f.Unfiled = q.Unfiled
	if err := f.Validate(); err != nil {
		return Page{}, err
	}
	where = append(where, f.Conditions(arg)...)
	cmp, dir := ">", "ASC"
	if spec.desc {
		cmp, dir = "<", "DESC"
	}
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor, q.Sort)
		if err != nil {
			return Page{}, err
		}
		var v any = c.Value
		switch spec.kind {
		case "time":
			t, err := time.Parse(time.RFC3339Nano, c.Value)
			if err != nil {
				return Page{}, invalid("cursor: pass the next_cursor of the previous page")
			}
			v = t
		case "int":
			var n int64
			if _, err := fmt.Sscan(c.Value, &n); err != nil {
				return Page{}, invalid("cursor: pass the next_cursor of the previous page")
			}
			v = n
		case "date":
			if _, err := time.Parse(time.DateOnly, c.Value); err != nil {
				return Page{}, invalid("cursor: pass the next_cursor of the previous page")
			}
		}
		cast := ""
		if spec.kind == "date" {
			cast = "::date"
		}
		where = append(where, fmt.Sprintf("(%s, d.id) %s (%s%s, %s::uuid)", spec.column, cmp, arg(v), cast, arg(c.ID)))
	}
	limitArg := arg(q.Limit + 1)
	query := `SELECT ` + listColumns + `, ` + perm + ` AS permission, ` + sharedAt + ` AS shared_at, ` + topicsColumn + `
		FROM ` + from + ` WHERE ` + strings.Join(where, " AND ") +
		fmt.Sprintf(` ORDER BY %s %s, d.id %s LIMIT %s`, spec.column, dir, dir, limitArg)
	var docs []Document
	if err := sel(&docs, query, args); err != nil {
		return Page{}, fmt.Errorf("list documents: %w", err)
	}
	p := Page{Documents: docs}
	if len(docs) > q.Limit {
		p.Documents = docs[:q.Limit]
		last := p.Documents[q.Limit-1]
		var v string
		switch spec.kind {
		case "time":
			v = last.CreatedAt.UTC().Format(time.RFC3339Nano)
		case "text":
			v = last.Filename
		case "int":
			v = fmt.Sprint(last.SizeBytes)
		case "date":
			v = undatedDesc
			if !spec.desc {
				v = undatedAsc
			}
			if last.DocumentDate != nil {
				v = *last.DocumentDate
			}
		}
		p.Next = encodeCursor(cursor{Sort: q.Sort, Value: v, ID: last.ID})
	}
	if p.Documents == nil {
		p.Documents = []Document{}
	}
	for i := range p.Documents {
		d := &p.Documents[i]
		d.SHA256Hex = fmt.Sprintf("%x", d.SHA256)
		if err := json.Unmarshal(d.TopicsJSON, &d.Topics); err != nil {
			return Page{}, fmt.Errorf("document topics: %w", err)
		}
		d.TopicsJSON = nil
	}
	return p, nil
}

// Text returns document id's extracted text and its status; ok is false
// when there is no text (not extracted yet, or extraction failed).
func Text(ctx context.Context, db *sqlx.DB, id string) (text string, status string, ok bool, err error) {
	if _, err := uuid.Parse(id); err != nil {
		return "", "", false, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	var row struct {
		Text   *string `db:"extracted_text"`
		Status string  `db:"status"`
	}
	err = db.GetContext(ctx, &row, `SELECT extracted_text, status FROM documents WHERE id = $1 AND status <> 'uploading' AND trashed_at IS NULL`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return "", "", false, fmt.Errorf("document text: %w", err)
	}
	if row.Text == nil {
		return "", row.Status, false, nil
	}
	return *row.Text, row.Status, true, nil
}
