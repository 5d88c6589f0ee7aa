package storage

import "time"

// Version is an older content of a document: its own object under the
// document's prefix, counted in quota like the current content (which is
// the documents row itself).
type Version struct {
	ID          string    `db:"id" json:"id"`
	DocumentID  string    `db:"document_id" json:"document_id"`
	UserID      string    `db:"user_id" json:"-"` // the document's owner
	Number      int       `db:"number" json:"number"`
	ObjectKey   string    `db:"object_key" json:"-"`
	SizeBytes   int64     `db:"size_bytes" json:"size_bytes"`
	SHA256      []byte    `db:"sha256" json:"-"`
	ContentType string    `db:"content_type" json:"content_type"`
	Filename    string    `db:"filename" json:"filename"`
	CreatedAt   time.Time `db:"created_at" json:"created_at"`
	CreatedBy   *string   `db:"created_by" json:"created_by"`
}

const versionColumns = `v.id, v.document_id, COALESCE(d.user_id::text, '') AS user_id, v.number, v.object_key, v.size_bytes,
	v.sha256, v.content_type, v.filename, v.created_at, v.created_by`
