package audit

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
)

// Event types.
const (
	Login          = "login"
	LoginFailed    = "login_failed"
	Logout         = "logout"
	TokenReuse     = "token_reuse" // a used refresh token came back: every session ended
	Upload         = "upload"
	Download       = "download"
	Update         = "document_update"
	Delete         = "document_delete"  // deleted for good, at once (doc rm --purge, the trash's delete)
	Trash          = "document_trash"   // moved to its owner's trash
	Restore        = "document_restore" // back from the trash, or an older version made current
	Purge          = "document_purge"   // removed for good by the trash's purge after DOCUVAULT_TRASH_DAYS
	TrashEmpty     = "trash_empty"      // an owner emptied their trash
	Version        = "document_version" // a new version uploaded, or an older one deleted
	Share          = "share"
	Unshare        = "unshare"
	TopicChange    = "topic_change"
	FolderChange   = "folder_change"
	ViewChange     = "view_change"             // a saved view created, changed or deleted
	TokenChange    = "api_token_change"        // a personal API token created or revoked
	SecretsRotate  = "secrets_rotate"          // secrets at rest re-sealed under a new SECRET_KEY
	Transfer       = "vault_transfer"          // the vault (or some users) exported or imported (docuvault export/import)
	CloudChange    = "cloud_connection_change" // a cloud connection added or removed
	UserAdmin      = "user_admin"
	SettingsChange = "settings_change"
	NoteChange     = "note_change"       // a note on a document added, edited or deleted (never its text)
	LinkChange     = "share_link_change" // a public share link created or revoked
	LinkOpen       = "share_link_open"   // a public share link opened (actor "link:<id>")
	GroupChange    = "group_change"      // an admin created, renamed or deleted a group, or changed its members
	SSO            = "sso"               // single sign-on: an account made or linked, its groups or role set by the provider, an identity unlinked
	FolderShare    = "folder_share"      // a folder shared with a user or a group (pkg/foldershares)
	FolderUnshare  = "folder_unshare"    // a folder share ended
)

// ErrInvalid is what Record and List return (inside an *Error) for an
// event or a filter they cannot use.
var ErrInvalid = errors.New("invalid audit event or filter")

// Error is a caller's mistake: Err is ErrInvalid (errors.Is works), Field
// names the input at fault, and the message says what to do about it.
type Error struct {
	Err   error
	Field string
	Msg   string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

func invalid(field, format string, args ...any) error {
	return &Error{Err: ErrInvalid, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// MaxMetadataBytes is the most metadata an event may carry, as JSON.
const MaxMetadataBytes = 4096

// Page sizes of List.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Event is one thing that happened. Empty strings are stored as NULL.
type Event struct {
	UserID     string         // the user the event concerns
	ActorID    string         // the user who acted (an admin, or the user)
	ActorLabel string         // who acted when no user did: CLIActor() for the CLI
	Type       string         // one of the constants above
	ResourceID string         // the document, folder, share, topic or user
	IP         string         // the client's address; unparsable ones are stored as NULL
	Metadata   map[string]any // small details; never secrets or document text
}

// Record writes e to the audit log through db (a *sqlx.DB or *sqlx.Tx).
//
// The ids must be UUIDs or empty, and the type 1 to 64 lower-case letters,
// digits or '_'. IP may be an address, or an address with a port (like
// http.Request.RemoteAddr); anything else is stored as NULL rather than
// failing the request being audited. Metadata is refused when its JSON is
// over MaxMetadataBytes or when any key in it, at any depth, is or
// contains the word password, passwd, token, secret or text (words split
// at '_', '-', '.', spaces and camelCase humps: "access_token",
// "refreshToken" and "extracted_text" are refused; "context" is not).
// Every refusal is an *Error wrapping ErrInvalid.
func Record(ctx context.Context, db sqlx.ExecerContext, e Event) error {
	row, err := Columns(e)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `INSERT INTO audit_log (user_id, actor_id, actor_label, event_type, resource_id, ip_address, metadata)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, row.UserID, row.ActorID, row.ActorLabel, row.Type, row.ResourceID, row.IP, row.Metadata)
	if err != nil {
		return fmt.Errorf("record %s event: %w", e.Type, err)
	}
	return nil
}

// Row is an event as audit_log's columns hold it: ids canonical or nil
// (NULL), the address normalised or nil, the metadata as JSON text or nil.
type Row struct {
	UserID, ActorID, ResourceID any
	ActorLabel                  any // string or nil
	Type                        string
	IP                          any
	Metadata                    any
}

// Columns checks e as Record does and returns its row, for a statement
// that writes the audit row itself (storage writes an upload's in the
// statement that stores the document).
func Columns(e Event) (Row, error) {
	if err := checkType(e.Type); err != nil {
		return Row{}, err
	}
	userID, err := optionalID("user_id", e.UserID)
	if err != nil {
		return Row{}, err
	}
	actorID, err := optionalID("actor_id", e.ActorID)
	if err != nil {
		return Row{}, err
	}
	resourceID, err := optionalID("resource_id", e.ResourceID)
	if err != nil {
		return Row{}, err
	}
	label, err := checkLabel(e.ActorLabel)
	if err != nil {
		return Row{}, err
	}
	meta, err := encodeMetadata(e.Metadata)
	if err != nil {
		return Row{}, err
	}
	return Row{UserID: userID, ActorID: actorID, ActorLabel: label, ResourceID: resourceID, Type: e.Type, IP: normalizeIP(e.IP), Metadata: meta}, nil
}

func checkType(t string) error {
	ok := len(t) >= 1 && len(t) <= 64 && t[0] >= 'a' && t[0] <= 'z'
	for i := 0; ok && i < len(t); i++ {
		c := t[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
	}
	if !ok {
		return invalid("type", "event type %q: use 1 to 64 lower-case letters, digits or '_', like %q", t, Upload)
	}
	return nil
}

// optionalID returns nil for "" (stored as NULL), the canonical UUID
// otherwise, or an error naming field.
func optionalID(field, id string) (any, error) {
	if id == "" {
		return nil, nil
	}
	u, err := uuid.Parse(id)
	if err != nil {
		return nil, invalid(field, "%s %q is not a UUID: pass the id, or \"\" for none", field, id)
	}
	return u.String(), nil
}

// normalizeIP returns the address in s for an inet column, or nil.
func normalizeIP(s string) any {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return nil
		}
		a = ap.Addr()
	}
	// inet has no zones; an IPv4 address arriving as ::ffff:a.b.c.d is IPv4.
	return a.WithZone("").Unmap().String()
}

// encodeMetadata returns m as a JSON string for the jsonb column (a string,
// not []byte, which lib/pq would send as bytea), nil for none, or why it
// is refused.
func encodeMetadata(m map[string]any) (any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, invalid("metadata", "metadata cannot be encoded as JSON: %v", err)
	}
	if len(b) > MaxMetadataBytes {
		return nil, invalid("metadata", "metadata is %d bytes of JSON: keep it under %d (ids, names and sizes, not content)", len(b), MaxMetadataBytes)
	}
	// Check the keys of the JSON, not of m: values that are structs or
	// maps of their own become objects with keys too.
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	if key, bad := secretKey(v); bad {
		return nil, invalid("metadata", "metadata key %q may hold a secret or document text: leave it out of the audit log", key)
	}
	return string(b), nil
}

// secretKey finds a key at any depth of v whose name suggests a secret.
func secretKey(v any) (string, bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if secretName(k) {
				return k, true
			}
			if k, bad := secretKey(x); bad {
				return k, true
			}
		}
	case []any:
		for _, x := range v {
			if k, bad := secretKey(x); bad {
				return k, true
			}
		}
	}
	return "", false
}

// secretName reports whether one of the words of key is a forbidden one.
func secretName(key string) bool {
	for _, w := range words(key) {
		switch strings.ToLower(w) {
		case "password", "passwd", "token", "secret", "text":
			return true
		}
	}
	return false
}

// words splits a key at non-letters-or-digits and where a lower-case letter
// or digit is followed by an upper-case one ("refreshToken", "API_Token").
func words(key string) []string {
	var out []string
	start := -1
	prev := rune(0)
	for i, r := range key {
		isWordRune := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case !isWordRune:
			if start >= 0 {
				out = append(out, key[start:i])
				start = -1
			}
		case start < 0:
			start = i
		case unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev)):
			out = append(out, key[start:i])
			start = i
		}
		prev = r
	}
	if start >= 0 {
		out = append(out, key[start:])
	}
	return out
}

// maxCursorMicros is the end of year 9999, as far as timestamptz and RFC 3339 go.
const maxCursorMicros = 253402300799999999

// A cursor is base64url("<created_at in Unix microseconds>.<id>"):
// PostgreSQL keeps microseconds, so the position is exact.
func encodeCursor(at time.Time, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMicro(), 10) + "." + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (time.Time, int64, error) {
	bad := invalid("cursor", "invalid cursor: pass the next of the previous page unchanged")
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, 0, bad
	}
	micros, ids, ok := strings.Cut(string(raw), ".")
	if !ok {
		return time.Time{}, 0, bad
	}
	us, err := strconv.ParseInt(micros, 10, 64)
	if err != nil || us < 0 || us > maxCursorMicros {
		return time.Time{}, 0, bad
	}
	id, err := strconv.ParseInt(ids, 10, 64)
	if err != nil || id < 1 {
		return time.Time{}, 0, bad
	}
	return time.UnixMicro(us).UTC(), id, nil
}
