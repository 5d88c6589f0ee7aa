// Package notes keeps what people write about a document: its owner, and
// the recipients of an edit share, add notes; everyone who may see the
// document (view recipients too) reads them. An author edits and deletes
// their own notes while they may still edit the document; the document's
// owner may delete any note on it.
//
// A document the caller may not see (another user's, unknown, still
// uploading: shares.Access and shares.Visible decide) is ErrNotFound, as
// is a note on one, so nobody learns that it exists. A caller who may see
// the document but not do what they asked gets ErrForbidden.
//
// Notes are found by search with their document: every change rewrites
// documents.notes_text (all the document's notes) in the same
// transaction, with the document's row locked, and PostgreSQL derives
// documents.notes_vector from it (migrations/0030_notes.sql).
package notes
