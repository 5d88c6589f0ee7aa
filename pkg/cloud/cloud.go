package cloud

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/ingest"
	"github.com/docuvault/docuvault/pkg/secrets"
	"github.com/docuvault/docuvault/pkg/usertext"
)

// Providers.
const (
	ProviderS3     = "s3"
	ProviderWebDAV = "webdav"
)

// Statuses.
const (
	StatusActive = "ACTIVE"
	StatusError  = "ERROR"
)

// Sentinel errors. A caller's mistake is an *Error that unwraps to
// ErrInvalid, ErrNotFound or ErrConflict.
var (
	// ErrNotFound: no connection of that name or id for this user.
	ErrNotFound = errors.New("cloud connection not found")
	// ErrInvalid: a setting cannot be used (the message says which).
	ErrInvalid = errors.New("invalid cloud connection")
	// ErrConflict: the user already has a connection of that name.
	ErrConflict = errors.New("cloud connection name taken")
)

// Error is a caller's mistake: Err is ErrInvalid, ErrNotFound or
// ErrConflict; Field names the input at fault; Msg says what to do.
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

// MaxNameLen is the longest connection name, in characters.
const MaxNameLen = 100

// Connection is one of a user's cloud connections, without its
// credentials (they never leave the package but to the provider's client).
type Connection struct {
	ID         string     `db:"id" json:"id"`
	UserID     string     `db:"user_id" json:"-"`
	Provider   string     `db:"provider" json:"provider"`
	Name       string     `db:"display_name" json:"name"`
	Endpoint   string     `db:"endpoint" json:"endpoint"`
	Bucket     string     `db:"bucket" json:"bucket,omitempty"`
	Path       string     `db:"path" json:"path"`
	Region     string     `db:"region" json:"region,omitempty"`
	Secure     bool       `db:"secure" json:"secure"`
	MapFolders bool       `db:"map_folders" json:"map_folders"`
	Status     string     `db:"status" json:"status"`
	LastSyncAt *time.Time `db:"last_sync_at" json:"last_sync_at"`
	LastError  *string    `db:"last_error" json:"last_error"`
	Failures   int        `db:"failures" json:"failures"`
	NextTryAt  *time.Time `db:"next_try_at" json:"next_try_at,omitempty"`
	CreatedAt  time.Time  `db:"connected_at" json:"created_at"`
}

const columns = `id, user_id, provider, display_name, endpoint, bucket, path, region, secure, map_folders,
	status, last_sync_at, last_error, failures, next_try_at, connected_at`

// New is what Add needs to make a connection.
type New struct {
	Provider string // ProviderS3 or ProviderWebDAV
	Name     string
	// S3: Endpoint is host:port (no scheme), Secure says TLS, Bucket and
	// Path (the prefix, may be empty) say what is imported.
	// WebDAV: Endpoint is the server's URL (http or https), Path a folder
	// below it (may be empty).
	Endpoint string
	Bucket   string
	Path     string
	Region   string
	Secure   bool
	// Login and Secret: the S3 access key and secret key, or the WebDAV
	// user and password.
	Login      string
	Secret     string
	MapFolders bool
}

// credentials is what credentials_enc seals.
type credentials struct {
	Login  string `json:"login"`
	Secret string `json:"secret"`
}

// check cleans n and says what cannot be used.
func (n *New) check() error {
	name, err := usertext.CleanName("connection name", n.Name, MaxNameLen)
	if err != nil {
		return invalid("name", "%s", err.Error())
	}
	n.Name = name
	n.Endpoint = strings.TrimSpace(n.Endpoint)
	n.Path = strings.Trim(strings.TrimSpace(n.Path), "/")
	switch n.Provider {
	case ProviderS3:
		if n.Endpoint == "" {
			return invalid("endpoint", "an s3 connection needs its endpoint, host:port (e.g. s3.example.org:9000)")
		}
		if u, err := url.Parse(n.Endpoint); err == nil && u.Scheme != "" && u.Host != "" {
			return invalid("endpoint", "endpoint %q must be host:port, without a scheme (TLS is on by default; turn it off for http)", n.Endpoint)
		}
		if n.Bucket = strings.TrimSpace(n.Bucket); n.Bucket == "" {
			return invalid("bucket", "an s3 connection needs its bucket")
		}
		if n.Login == "" || n.Secret == "" {
			return invalid("credentials", "an s3 connection needs an access key and a secret key")
		}
	case ProviderWebDAV:
		u, err := url.Parse(n.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalid("url", "a webdav connection needs the server's URL, http(s)://host/path, not %q", n.Endpoint)
		}
		if u.User != nil {
			return invalid("url", "put the login and password in their own fields, not in the URL")
		}
		n.Bucket, n.Region = "", ""
		n.Secure = u.Scheme == "https"
		if n.Login == "" {
			return invalid("credentials", "a webdav connection needs a login (and its password)")
		}
	default:
		return invalid("provider", "provider must be s3 or webdav, not %q", n.Provider)
	}
	for _, s := range []string{n.Login, n.Secret, n.Bucket, n.Path, n.Region} {
		if strings.ContainsAny(s, "\x00\r\n") {
			return invalid("credentials", "settings cannot contain line breaks or NUL characters")
		}
	}
	return nil
}

// Add makes a connection for owner, its credentials sealed with k.
// Errors: ErrInvalid, ErrConflict (*Error).
func Add(ctx context.Context, db *sqlx.DB, k *secrets.Keyring, owner string, n New) (Connection, error) {
	if err := n.check(); err != nil {
		return Connection{}, err
	}
	id := uuid.NewString()
	plain, err := json.Marshal(credentials{Login: n.Login, Secret: n.Secret})
	if err != nil {
		return Connection{}, err
	}
	sealed, err := k.Seal(secrets.PurposeCloudCredentials, plain, []byte(id))
	if err != nil {
		return Connection{}, fmt.Errorf("seal credentials: %w", err)
	}
	var c Connection
	err = db.GetContext(ctx, &c, `INSERT INTO cloud_connections
		(id, user_id, provider, display_name, credentials_enc, endpoint, bucket, path, region, secure, map_folders)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING `+columns,
		id, owner, n.Provider, n.Name, sealed, n.Endpoint, n.Bucket, n.Path, n.Region, n.Secure, n.MapFolders)
	if database.ErrorCode(err) == database.UniqueViolation {
		return Connection{}, &Error{Err: ErrConflict, Field: "name", Msg: fmt.Sprintf("a cloud connection named %q exists already: choose another name", n.Name)}
	}
	if err != nil {
		return Connection{}, fmt.Errorf("add cloud connection: %w", err)
	}
	return c, nil
}

// List returns owner's connections by name.
func List(ctx context.Context, db *sqlx.DB, owner string) ([]Connection, error) {
	out := []Connection{}
	if err := db.SelectContext(ctx, &out, `SELECT `+columns+` FROM cloud_connections WHERE user_id = $1 ORDER BY lower(display_name)`, owner); err != nil {
		return nil, fmt.Errorf("list cloud connections: %w", err)
	}
	return out, nil
}

func notFound(ref string) error {
	return &Error{Err: ErrNotFound, Field: "id", Msg: fmt.Sprintf("no cloud connection %q: use the name or id of one of your cloud connections", ref)}
}

// Get returns owner's connection id; ErrNotFound when it is not theirs or
// not a UUID.
func Get(ctx context.Context, db sqlx.QueryerContext, owner, id string) (Connection, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Connection{}, notFound(id)
	}
	var c Connection
	err := sqlx.GetContext(ctx, db, &c, `SELECT `+columns+` FROM cloud_connections WHERE id = $1 AND user_id = $2`, id, owner)
	if errors.Is(err, sql.ErrNoRows) {
		return Connection{}, notFound(id)
	}
	if err != nil {
		return Connection{}, fmt.Errorf("get cloud connection: %w", err)
	}
	return c, nil
}

// Resolve finds owner's connection by name (in any case) or id.
func Resolve(ctx context.Context, db *sqlx.DB, owner, ref string) (Connection, error) {
	var c Connection
	err := db.GetContext(ctx, &c, `SELECT `+columns+` FROM cloud_connections
		WHERE user_id = $1 AND (lower(display_name) = lower($2) OR id::text = lower($2))`, owner, strings.TrimSpace(ref))
	if errors.Is(err, sql.ErrNoRows) {
		return Connection{}, notFound(ref)
	}
	if err != nil {
		return Connection{}, fmt.Errorf("find cloud connection: %w", err)
	}
	return c, nil
}

// Delete removes owner's connection id and what it remembers having taken
// (its documents stay). ErrNotFound when it is not theirs.
func Delete(ctx context.Context, db *sqlx.DB, owner, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return notFound(id)
	}
	var name string
	err := db.GetContext(ctx, &name, `DELETE FROM cloud_connections WHERE id = $1 AND user_id = $2 RETURNING display_name`, id, owner)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(id)
	}
	if err != nil {
		return fmt.Errorf("delete cloud connection: %w", err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM ingest_errors WHERE user_id = $1 AND source = $2 AND location = $3`, owner, ingest.SourceCloud, name); err != nil {
		return fmt.Errorf("delete cloud connection's errors: %w", err)
	}
	return nil
}

// openCredentials reads connection id's sealed credentials.
func openCredentials(ctx context.Context, db *sqlx.DB, k *secrets.Keyring, id string) (credentials, error) {
	var sealed string
	if err := db.GetContext(ctx, &sealed, `SELECT credentials_enc FROM cloud_connections WHERE id = $1`, id); err != nil {
		return credentials{}, fmt.Errorf("read credentials: %w", err)
	}
	plain, err := k.Open(secrets.PurposeCloudCredentials, sealed, []byte(id))
	if err != nil {
		return credentials{}, fmt.Errorf("the stored credentials cannot be opened (was SECRET_KEY changed without `docuvault secrets rotate`?): %w", err)
	}
	var cr credentials
	if err := json.Unmarshal(plain, &cr); err != nil {
		return credentials{}, fmt.Errorf("the stored credentials are not readable: %w", secrets.ErrCorrupt)
	}
	return cr, nil
}
