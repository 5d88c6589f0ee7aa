package catalog

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/docuvault/docuvault/pkg/usertext"
)

// Filter is what a document listing and a search both narrow by.
type Filter struct {
	Status      string    // one of Statuses, or ""
	TopicID     string    // documents filed under this topic, or ""
	FolderID    string    // documents in this folder; "root" for none; "" for any
	ContentType string    // exact content type, or ""
	From, To    time.Time // created at or after From, before To (zero: unbounded)
	// Unfiled: only documents that were classified and are under no topic
	// (neither the classifier's nor a person's).
	Unfiled bool
	// DateFrom, DateTo: the document's own date on or after DateFrom, on
	// or before DateTo (days; zero: unbounded); documents without a date
	// are left out when either is set.
	DateFrom, DateTo time.Time
}

// FilterError is a filter that cannot be used: Field names the parameter,
// Msg says what to fix. It wraps ErrInvalid.
type FilterError struct {
	Field, Msg string
}

func (e *FilterError) Error() string { return e.Msg }
func (e *FilterError) Unwrap() error { return ErrInvalid }

// Validate checks f, returning a *FilterError.
func (f Filter) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &FilterError{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if f.Status != "" {
		known := false
		for _, s := range Statuses {
			known = known || s == f.Status
		}
		if !known {
			return bad("status", "status %q: use one of %s", f.Status, strings.Join(Statuses, ", "))
		}
	}
	if f.TopicID != "" {
		if _, err := uuid.Parse(f.TopicID); err != nil {
			return bad("topic", "topic %q is not a topic id", f.TopicID)
		}
	}
	if f.FolderID != "" && f.FolderID != "root" {
		if _, err := uuid.Parse(f.FolderID); err != nil {
			return bad("folder", "folder %q is not a folder id (or root)", f.FolderID)
		}
	}
	if err := usertext.CheckLine("content_type", f.ContentType); err != nil {
		// A NUL reached PostgreSQL as a 500 (issue 20, D10).
		return bad("content_type", "%v", err)
	}
	if !f.DateFrom.IsZero() && !f.DateTo.IsZero() && f.DateFrom.After(f.DateTo) {
		return bad("date_from", "date_from %s is after date_to %s", f.DateFrom.Format(time.DateOnly), f.DateTo.Format(time.DateOnly))
	}
	return nil
}

// Conditions returns f's SQL conditions over documents d; arg adds a value
// to the statement's arguments and returns its placeholder. f must be valid.
func (f Filter) Conditions(arg func(any) string) []string {
	var where []string
	if f.Status != "" {
		where = append(where, "d.status = "+arg(f.Status))
	}
	if f.TopicID != "" {
		where = append(where, "EXISTS (SELECT 1 FROM document_topics dt WHERE dt.document_id = d.id AND dt.topic_id = "+arg(f.TopicID)+")")
	}
	switch f.FolderID {
	case "":
	case "root":
		where = append(where, "d.folder_id IS NULL")
	default:
		where = append(where, "d.folder_id = "+arg(f.FolderID))
	}
	if f.ContentType != "" {
		where = append(where, "d.content_type = "+arg(f.ContentType))
	}
	if !f.From.IsZero() {
		where = append(where, "d.created_at >= "+arg(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "d.created_at < "+arg(f.To))
	}
	if f.Unfiled {
		where = append(where, "d.status = 'classified' AND NOT EXISTS (SELECT 1 FROM document_topics dt WHERE dt.document_id = d.id)")
	}
	if !f.DateFrom.IsZero() {
		where = append(where, "d.document_date >= "+arg(f.DateFrom.Format(time.DateOnly))+"::date")
	}
	if !f.DateTo.IsZero() {
		where = append(where, "d.document_date <= "+arg(f.DateTo.Format(time.DateOnly))+"::date")
	}
	return where
}
