// Package transfer exports a vault (or some of its users) as a directory or
// a tar file — the originals of every document and version, their derived
// objects, and the metadata as JSON lines — and imports such an export into
// a deployment, verifying every byte against the manifest's SHA-256 first.
//
// Layout (a directory, or the same paths in a tar, in this order):
//
//	data/<kind>.jsonl   one JSON object per row, kind by kind (see kinds)
//	objects/<key>       the bytes of each object, key as in the bucket
//	objects.jsonl       one line per object: path, size, sha256
//	manifest.json       format, schema version, counts, and the size and
//	                    SHA-256 of every data file and of objects.jsonl
//
// The manifest comes last: an export without one is incomplete.
package transfer

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/docuvault/docuvault/migrations"
)

// lockedHash is pkg/users' password_hash of an account with no password.
const lockedHash = "!"

// FormatVersion is the export format this code writes and reads.
const FormatVersion = 1

// Format names the format in the manifest.
const Format = "docuvault-export"

// docFilter selects the documents an export takes: stored (not still
// uploading, not being purged), of the chosen users ($1 NULL: everyone).
const docFilter = `d.status <> 'uploading' AND NOT d.purging AND ($1::uuid[] IS NULL OR d.user_id = ANY($1))`

// userFilter is the user filter for column col.
func userFilter(col string) string {
	return fmt.Sprintf("($1::uuid[] IS NULL OR %s = ANY($1))", col)
}

// kind is one file of rows: how an export selects them (one JSON value per
// row, $1 the chosen user ids or NULL) and how an import inserts one ($1 the
// JSON line, $2 the chosen user ids or NULL).
type kind struct {
	Name   string // data/<Name>.jsonl
	Table  string
	Secret bool // only with --with-secrets
	// Select yields one jsonb per row, in a stable order.
	Select string
	// Conflict is the primary key the import skips existing rows by; ""
	// means Where guards against duplicates itself.
	Conflict string
	// Override replaces a column's value (r is the row from the line).
	Override map[string]string
	// Where limits which lines are inserted.
	Where string
}

func existingUser(col string) string {
	return "(SELECT u.id FROM users u WHERE u.id = r." + col + ")"
}

// importedDoc is true for a line whose document belongs to the chosen users.
const importedDoc = `EXISTS (SELECT 1 FROM documents d WHERE d.id = r.document_id AND ($2::uuid[] IS NULL OR d.user_id = ANY($2)))`

// kinds lists the row kinds parents first, so an import can insert them in
// this order. Derived columns (search vectors) are left out and computed
// again by PostgreSQL; a document's extracted text, pages and
// classification travel with it, and so do its derived objects (thumbnails,
// previews), so nothing needs regenerating after an import.
func kinds(withSecrets bool) []kind {
	userSecrets := " - 'password_hash' - 'totp_secret'"
	if withSecrets {
		userSecrets = ""
	}
	return []kind{
		{Name: "users", Table: "users", Conflict: "id",
			Select: `SELECT to_jsonb(t)` + userSecrets + ` FROM users t WHERE ` + userFilter("t.id") + ` ORDER BY t.id`,
			// Without secrets an account comes back locked (users' "no
			// password" hash): an admin gives it a new password.
			Override: map[string]string{"totp_enabled": "(r.totp_enabled AND r.totp_secret IS NOT NULL)",
				"password_hash": "COALESCE(r.password_hash, '" + lockedHash + "')"},
			Where: `($2::uuid[] IS NULL OR r.id = ANY($2))`},
		// Groups of the chosen users (all groups for a whole vault). A
		// group whose name another group of the deployment has already is
		// not imported, nor its members and shares.
		{Name: "groups", Table: "groups", Conflict: "id",
			Select: `SELECT to_jsonb(t) FROM groups t WHERE $1::uuid[] IS NULL
				OR EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = t.id AND m.user_id = ANY($1)) ORDER BY t.id`,
			// Every group of the export is taken, chosen users or not ($2 is
			// only named: the export already chose the groups).
			Where: `($2::uuid[] IS NULL OR true) AND NOT EXISTS (SELECT 1 FROM groups g WHERE lower(g.name) = lower(r.name) AND g.id <> r.id)`},
		{Name: "group_members", Table: "group_members", Conflict: "group_id, user_id",
			Select: `SELECT to_jsonb(t) FROM group_members t WHERE ` + userFilter("t.user_id") + ` ORDER BY t.group_id, t.user_id`,
			Where: `($2::uuid[] IS NULL OR r.user_id = ANY($2)) AND EXISTS (SELECT 1 FROM groups g WHERE g.id = r.group_id)
				AND EXISTS (SELECT 1 FROM users u WHERE u.id = r.user_id)`},
		// Single sign-on identities (migration 0036): account data, like
		// the user row. One the deployment already links to the account
		// for the same provider is kept (unique per account and provider).
		{Name: "oidc_identities", Table: "oidc_identities", Conflict: "provider, subject",
			Select: `SELECT to_jsonb(t) FROM oidc_identities t WHERE ` + userFilter("t.user_id") + ` ORDER BY t.provider, t.subject`,
			Where: `($2::uuid[] IS NULL OR r.user_id = ANY($2)) AND EXISTS (SELECT 1 FROM users u WHERE u.id = r.user_id)
				AND NOT EXISTS (SELECT 1 FROM oidc_identities i WHERE i.user_id = r.user_id AND i.provider = r.provider)`},
		{Name: "quotas", Table: "quotas", Conflict: "user_id",
			Select:   `SELECT jsonb_build_object('user_id', t.user_id, 'limit_bytes', t.limit_bytes) FROM quotas t WHERE ` + userFilter("t.user_id") + ` ORDER BY t.user_id`,
			Override: map[string]string{"used_bytes": "0"},
			Where:    `($2::uuid[] IS NULL OR r.user_id = ANY($2))`},
		{Name: "folders", Table: "folders", Conflict: "id",
			// Parents before children.
			Select: `WITH RECURSIVE f AS (
				SELECT t.*, 0 AS depth FROM folders t WHERE t.parent_id IS NULL
				UNION ALL SELECT c.*, f.depth + 1 FROM folders c JOIN f ON c.parent_id = f.id)
				SELECT to_jsonb(f) - 'depth' FROM f WHERE ` + userFilter("f.user_id") + ` ORDER BY f.depth, f.id`,
			Where: `($2::uuid[] IS NULL OR r.user_id = ANY($2))`},
		{Name: "topics", Table: "topics", Conflict: "id",
			Select: `SELECT to_jsonb(t) FROM topics t WHERE ` + userFilter("t.user_id") + ` ORDER BY t.id`,
			Where:  `($2::uuid[] IS NULL OR r.user_id = ANY($2))`},
		{Name: "saved_views", Table: "saved_views", Conflict: "id",
			Select: `SELECT to_jsonb(t) FROM saved_views t WHERE ` + userFilter("t.user_id") + ` ORDER BY t.id`,
			Where:  `($2::uuid[] IS NULL OR r.user_id = ANY($2))`},
		{Name: "documents", Table: "documents", Conflict: "id",
			Select: `SELECT to_jsonb(d) - 'search_vector' - 'notes_vector' FROM documents d WHERE ` + docFilter + ` ORDER BY d.id`,
			Where:  `($2::uuid[] IS NULL OR r.user_id = ANY($2))`},
		{Name: "document_versions", Table: "document_versions", Conflict: "id",
			Select:   `SELECT to_jsonb(t) FROM document_versions t JOIN documents d ON d.id = t.document_id WHERE ` + docFilter + ` ORDER BY t.id`,
			Override: map[string]string{"created_by": existingUser("created_by")},
			Where:    importedDoc},
		{Name: "document_objects", Table: "document_objects", Conflict: "id",
			Select: `SELECT to_jsonb(t) FROM document_objects t JOIN documents d ON d.id = t.document_id WHERE ` + docFilter + ` ORDER BY t.id`,
			Where:  importedDoc},
		{Name: "document_topics", Table: "document_topics", Conflict: "document_id, topic_id",
			Select: `SELECT to_jsonb(t) FROM document_topics t JOIN documents d ON d.id = t.document_id WHERE ` + docFilter + ` ORDER BY t.document_id, t.topic_id`,
			Where:  importedDoc + ` AND EXISTS (SELECT 1 FROM topics x WHERE x.id = r.topic_id)`},
		{Name: "shares", Table: "shares", Conflict: "id",
			Select: `SELECT to_jsonb(t) FROM shares t JOIN documents d ON d.id = t.document_id WHERE ` + docFilter + ` ORDER BY t.id`,
			// A recipient who is neither in the export nor in the deployment
			// cannot be given the share.
			Where: importedDoc + ` AND EXISTS (SELECT 1 FROM users u WHERE u.id = r.recipient_id)`},
		{Name: "group_shares", Table: "group_shares", Conflict: "id",
			Select: `SELECT to_jsonb(t) FROM group_shares t JOIN documents d ON d.id = t.document_id WHERE ` + docFilter + ` ORDER BY t.id`,
			Where:  importedDoc + ` AND EXISTS (SELECT 1 FROM groups g WHERE g.id = r.group_id)`},
		// Folder shares of the chosen users' folders (after groups and
		// folders); one whose recipient or group is neither in the export
		// nor in the deployment is left out.
		{Name: "folder_shares", Table: "folder_shares", Conflict: "id",
			Select: `SELECT to_jsonb(t) FROM folder_shares t WHERE ` + userFilter("t.owner_id") + ` ORDER BY t.id`,
			Where: `($2::uuid[] IS NULL OR r.owner_id = ANY($2))
				AND EXISTS (SELECT 1 FROM folders f WHERE f.id = r.folder_id AND f.user_id = r.owner_id)
				AND (r.recipient_id IS NULL OR EXISTS (SELECT 1 FROM users u WHERE u.id = r.recipient_id))
				AND (r.group_id IS NULL OR EXISTS (SELECT 1 FROM groups g WHERE g.id = r.group_id))`},
		{Name: "notes", Table: "notes", Conflict: "id",
			Select:   `SELECT to_jsonb(t) FROM notes t JOIN documents d ON d.id = t.document_id WHERE ` + docFilter + ` ORDER BY t.id`,
			Override: map[string]string{"author_id": existingUser("author_id")},
			Where:    importedDoc},
		{Name: "share_links", Table: "share_links", Conflict: "id", Secret: true,
			Select: `SELECT to_jsonb(t) FROM share_links t WHERE ` + userFilter("t.owner_id") + `
				AND (t.document_id IS NULL OR EXISTS (SELECT 1 FROM documents d WHERE d.id = t.document_id AND ` + docFilter + `)) ORDER BY t.id`,
			Where: `($2::uuid[] IS NULL OR r.owner_id = ANY($2))
				AND (r.document_id IS NULL OR EXISTS (SELECT 1 FROM documents d WHERE d.id = r.document_id))
				AND (r.folder_id IS NULL OR EXISTS (SELECT 1 FROM folders f WHERE f.id = r.folder_id))`},
		// The audit log without its ids (a serial of the deployment, not of
		// the events); an import adds the events it does not have yet.
		{Name: "audit", Table: "audit_log",
			Select: `SELECT to_jsonb(t) - 'id' FROM audit_log t WHERE ($1::uuid[] IS NULL OR t.user_id = ANY($1) OR t.actor_id = ANY($1)) ORDER BY t.created_at, t.id`,
			Override: map[string]string{"id": "nextval('audit_log_id_seq')",
				"user_id": existingUser("user_id"), "actor_id": existingUser("actor_id")},
			Where: `($2::uuid[] IS NULL OR r.user_id = ANY($2) OR r.actor_id = ANY($2))
				AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.created_at = r.created_at AND a.event_type = r.event_type
					AND a.user_id IS NOT DISTINCT FROM r.user_id AND a.actor_id IS NOT DISTINCT FROM r.actor_id
					AND a.resource_id IS NOT DISTINCT FROM r.resource_id AND a.metadata IS NOT DISTINCT FROM r.metadata)`},
	}
}

// objectsSelect lists the objects an export takes (key, size), in key order.
const objectsSelect = `SELECT object_key, size_bytes FROM (
	SELECT d.object_key, d.size_bytes FROM documents d WHERE ` + docFilter + `
	UNION SELECT v.object_key, v.size_bytes FROM document_versions v JOIN documents d ON d.id = v.document_id WHERE ` + docFilter + `
	UNION SELECT o.object_key, o.size_bytes FROM document_objects o JOIN documents d ON d.id = o.document_id WHERE ` + docFilter + `
) k ORDER BY object_key`

// SchemaVersion is the latest migration this binary knows.
func SchemaVersion() string {
	known := KnownSchemas()
	return known[len(known)-1]
}

// KnownSchemas lists this binary's migrations, oldest first.
func KnownSchemas() []string {
	entries, err := fs.ReadDir(migrations.FS(), ".")
	if err != nil {
		panic(err) // embedded
	}
	var ids []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			ids = append(ids, e.Name())
		}
	}
	sort.Strings(ids)
	return ids
}

// Errors an import answers with (errors.Is).
var (
	// ErrTampered: a file's bytes differ from what the manifest says.
	ErrTampered = errors.New("the export was changed after it was written")
	// ErrIncomplete: the export lacks a file, or the tar ends early.
	ErrIncomplete = errors.New("the export is incomplete")
	// ErrNewerSchema: the export comes from a newer DocuVault.
	ErrNewerSchema = errors.New("the export comes from a newer schema")
	// ErrNotExport: the path holds no DocuVault export.
	ErrNotExport = errors.New("not a DocuVault export")
	// ErrConflict: the deployment holds something the export cannot merge
	// with (a handle taken by another user, an object key with other bytes).
	ErrConflict = errors.New("the export conflicts with the deployment")
)

// FileError names the file a check failed on.
type FileError struct {
	Path string
	Err  error
	What string
}

func (e *FileError) Error() string { return e.Path + ": " + e.What }
func (e *FileError) Unwrap() error { return e.Err }
