package search

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/docuvault/docuvault/pkg/catalog"
)

// ErrInvalid is what every error for a caller's mistake (a query, filter,
// limit or cursor that cannot be used) unwraps to; test with errors.Is.
// Such errors are *Error, whose message is one line for a person.
var ErrInvalid = errors.New("invalid search")

// Error is a caller's mistake: Field names the input at fault ("q",
// "topic", "folder", "status", "content_type", "created_after",
// "created_before", "date_from", "date_to", "limit" or "cursor"), for
// programs, and Msg says what to do about it, for people. Its Error is Msg
// alone: the message is shown to people as it is (the web app, the CLI),
// and carries no field-name prefix.
// It unwraps to ErrInvalid.
type Error struct {
	Field string
	Msg   string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &Error{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Limits on a query.
const (
	// MaxQueryBytes is the longest query text, in bytes; a person's query
	// is a few words, and a long one only makes the database work.
	MaxQueryBytes = 1000
	// MaxQueryWords is the most words (and operators) a query may have.
	MaxQueryWords = 40
	// DefaultLimit and MaxLimit bound a page of hits.
	DefaultLimit = 20
	MaxLimit     = 100
)

// Query is one search: the words to find and the same filters as
// catalog.Query (with the same meaning), for one viewer.
type Query struct {
	// Viewer is the user searching: their own documents and those shared
	// with them are searched, no others.
	Viewer string
	// Text is what to look for, in websearch_to_tsquery syntax: words (all
	// must be present), "quoted phrases", `or` between alternatives,
	// -word to exclude. A plain query of 3 to 100 characters also matches
	// filenames that are like it (typos; see Search).
	Text string

	Status      string    // one of catalog.Statuses, or ""
	TopicID     string    // documents filed under this topic, or ""
	FolderID    string    // documents in this folder; "root" for none; "" for any
	ContentType string    // exact content type, or ""
	From, To    time.Time // created at or after From, before To (zero: unbounded)
	// DateFrom, DateTo: the document's own date on or after DateFrom, on
	// or before DateTo (zero: unbounded; see catalog.Filter).
	DateFrom, DateTo time.Time
	Unfiled          bool // only classified documents under no topic

	Limit  int    // 1 to MaxLimit; 0 means DefaultLimit
	Cursor string // Result.Next of the previous page, with the same query and filters
}

// normalize checks q and returns it with Text cleaned: surrounding space
// trimmed, tabs and line breaks made spaces. Every error is an *Error.
// filter is q's list filters, as catalog has them.
func (q Query) filter() catalog.Filter {
	return catalog.Filter{Status: q.Status, TopicID: q.TopicID, FolderID: q.FolderID, ContentType: q.ContentType, From: q.From, To: q.To,
		Unfiled: q.Unfiled, DateFrom: q.DateFrom, DateTo: q.DateTo}
}

func (q Query) normalize() (Query, error) {
	if !utf8.ValidString(q.Text) {
		return q, invalid("q", "the query is not valid UTF-8 text")
	}
	if len(q.Text) > MaxQueryBytes {
		return q, invalid("q", "the query is %d bytes long: at most %d", len(q.Text), MaxQueryBytes)
	}
	var b strings.Builder
	for _, r := range q.Text {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteRune(' ')
		case unicode.IsControl(r):
			return q, invalid("q", "the query has a control character (%U): type only text", r)
		default:
			b.WriteRune(r)
		}
	}
	q.Text = strings.TrimSpace(b.String())
	if q.Text == "" {
		return q, invalid("q", "the query is empty: say what to look for")
	}
	if n := len(strings.Fields(q.Text)); n > MaxQueryWords {
		return q, invalid("q", "the query has %d words: at most %d", n, MaxQueryWords)
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return q, invalid("limit", "limit must be 1 to %d, not %d", MaxLimit, q.Limit)
	}
	if err := q.filter().Validate(); err != nil {
		var fe *catalog.FilterError
		if errors.As(err, &fe) {
			return q, invalid(fe.Field, "%s", fe.Msg)
		}
		return q, err
	}
	if _, err := uuid.Parse(q.Viewer); err != nil {
		// A programming error, not the person's: the caller resolved the viewer.
		return q, fmt.Errorf("search: viewer %q is not a user id", q.Viewer)
	}
	return q, nil
}

// plain reports whether text uses none of websearch_to_tsquery's operators
// (quotes, -exclusion, or), so that it can also be taken as a filename.
func plain(text string) bool {
	if strings.ContainsRune(text, '"') {
		return false
	}
	for _, w := range strings.Fields(text) {
		if strings.HasPrefix(w, "-") || strings.EqualFold(w, "or") {
			return false
		}
	}
	return true
}

// fingerprint identifies a query's text and filters, so that a cursor is
// refused with another query (it would skip or repeat hits).
func (q Query) fingerprint() string {
	h := sha256.New()
	for _, s := range []string{q.Viewer, q.Text, q.Status, q.TopicID, q.FolderID, q.ContentType,
		q.From.UTC().Format(time.RFC3339Nano), q.To.UTC().Format(time.RFC3339Nano)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:9])
}

// cursor is what an opaque cursor holds: the query's fingerprint and the
// last hit's keyset (rank, created_at, id). The rank is a float64 written
// with strconv's shortest exact form, so it reads back bit for bit.
type cursor struct {
	Query   string `json:"q"`
	Rank    string `json:"r"`
	Created string `json:"t"`
	ID      string `json:"i"`
}

type keyset struct {
	rank    float64
	created time.Time
	id      string
}

func encodeCursor(q Query, k keyset) string {
	b, _ := json.Marshal(cursor{
		Query:   q.fingerprint(),
		Rank:    strconv.FormatFloat(k.rank, 'g', -1, 64),
		Created: k.created.UTC().Format(time.RFC3339Nano),
		ID:      k.id,
	})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(q Query) (keyset, error) {
	bad := invalid("cursor", "the cursor is not from this search: pass the next_cursor of the previous page, with the same query and filters")
	raw, err := base64.RawURLEncoding.DecodeString(q.Cursor)
	if err != nil || len(raw) > 512 {
		return keyset{}, bad
	}
	var c cursor
	if err := json.Unmarshal(raw, &c); err != nil || c.Query != q.fingerprint() {
		return keyset{}, bad
	}
	var k keyset
	if k.rank, err = strconv.ParseFloat(c.Rank, 64); err != nil || math.IsNaN(k.rank) || math.IsInf(k.rank, 0) {
		return keyset{}, bad
	}
	if k.created, err = time.Parse(time.RFC3339Nano, c.Created); err != nil {
		return keyset{}, bad
	}
	id, err := uuid.Parse(c.ID)
	if err != nil {
		return keyset{}, bad
	}
	k.id = id.String()
	return k, nil
}

// ParseQuery reads a search from URL query parameters, as GET /api/search
// (and GET /api/documents with q=) take them:
//
//	q               the query text (required)
//	topic           a topic id
//	folder          a folder id, or root
//	status          pending, processing, classified, failed or skipped
//	content_type    an exact content type
//	created_after   RFC 3339 time, inclusive
//	created_before  RFC 3339 time, exclusive
//	limit           1 to MaxLimit (default DefaultLimit)
//	cursor          next_cursor of the previous page
//
// viewer is the authenticated user's id. Errors are *Error (ErrInvalid);
// Search checks the same again, so a Query built by hand is safe too.
func ParseQuery(viewer string, v url.Values) (Query, error) {
	f, err := ParseFilter(v)
	if err != nil {
		return Query{}, err
	}
	q := Query{
		Viewer:      viewer,
		Text:        v.Get("q"),
		Status:      f.Status,
		TopicID:     f.TopicID,
		FolderID:    f.FolderID,
		ContentType: f.ContentType,
		From:        f.From,
		To:          f.To,
		DateFrom:    f.DateFrom,
		DateTo:      f.DateTo,
		Unfiled:     f.Unfiled,
		Cursor:      v.Get("cursor"),
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return Query{}, invalid("limit", "limit must be a number from 1 to %d", MaxLimit)
		}
		q.Limit = n
	}
	if _, err := q.normalize(); err != nil {
		return Query{}, err
	}
	return q, nil
}

// ParseFilter reads the list filters of ParseQuery's parameters (topic,
// folder, status, content_type, created_after, created_before, date_from,
// date_to, unfiled), without q, limit or cursor: what pkg/bulk selects a
// user's documents by. Errors are *Error (ErrInvalid); the filter is not
// validated further (see catalog.Filter.Validate).
func ParseFilter(v url.Values) (catalog.Filter, error) {
	q := catalog.Filter{
		Status:      v.Get("status"),
		TopicID:     v.Get("topic"),
		FolderID:    v.Get("folder"),
		ContentType: v.Get("content_type"),
	}
	switch v.Get("unfiled") {
	case "", "0", "false":
	case "1", "true":
		q.Unfiled = true
	default:
		return catalog.Filter{}, invalid("unfiled", "unfiled must be true or false")
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"created_after", &q.From}, {"created_before", &q.To}} {
		if s := v.Get(p.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return catalog.Filter{}, invalid(p.name, "%s must be a time like 2026-01-31T00:00:00Z", p.name)
			}
			*p.dst = t
		}
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"date_from", &q.DateFrom}, {"date_to", &q.DateTo}} {
		if s := v.Get(p.name); s != "" {
			t, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return catalog.Filter{}, invalid(p.name, "%s must be a day like 2026-01-31", p.name)
			}
			*p.dst = t
		}
	}
	return q, nil
}
