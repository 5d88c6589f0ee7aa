package sharelinks

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/passwords"
	"github.com/docuvault/docuvault/pkg/ratelimit"
	"github.com/docuvault/docuvault/pkg/shares"
	"github.com/docuvault/docuvault/pkg/users"
)

// Sentinel errors. Every error for a caller's mistake is an *Error that
// unwraps to one of them.
var (
	// ErrNotFound: no usable link (unknown token, revoked, expired,
	// exhausted, wrong password), or a document or folder the caller
	// cannot link or the link does not reach. Never told apart.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: a bad expiry, password or download limit.
	ErrInvalid = errors.New("invalid share link")
	// ErrLocked: the link needs its password first (Unlock).
	ErrLocked = errors.New("password required")
	// ErrUnavailable: Redis, which holds the rate limits, cannot be asked.
	ErrUnavailable = errors.New("rate limits unavailable")
)

// Error is a caller's mistake: Err is one of the sentinels above.
type Error struct {
	Err error
	Msg string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// RateLimitError says that too many wrong passwords came from one client
// address or for one token; RetryAfter is when to try again.
type RateLimitError struct {
	Scope      string
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("too many wrong passwords from this %s: try again in %s", e.Scope, e.RetryAfter.Round(time.Second))
}

func notFound() error {
	return &Error{Err: ErrNotFound, Msg: "this link does not exist, has expired or was revoked: ask its sender for a new one"}
}

func invalid(format string, args ...any) error {
	return &Error{Err: ErrInvalid, Msg: fmt.Sprintf(format, args...)}
}

// tokenBytes is how many random bytes a token carries.
const tokenBytes = 32

// TokenLen is a token's length: 32 bytes in unpadded base64url.
var TokenLen = base64.RawURLEncoding.EncodedLen(tokenBytes)

// MaxDownloads is the largest download limit.
const MaxDownloads = 1_000_000

// MaxLinks is how many links (revoked ones not counted) one user may have.
const MaxLinks = 500

// Limit is a rate limit: at most N events per Window.
type Limit struct {
	N      int64
	Window time.Duration
}

// Options configures a Service.
type Options struct {
	Secret    string // SECRET_KEY: the access values' key is derived from it
	Namespace string // prefixes the rate limits' Redis keys
	// IPLimit and LinkLimit bound wrong passwords per client address and
	// per token. Zero means 20 per 15 minutes and 10 per 15 minutes.
	IPLimit, LinkLimit Limit
	// AccessTTL is the life of an unlocked link's access value; 0 means
	// one hour.
	AccessTTL time.Duration
	// HashCost is the cost of link password hashes (zero: the default);
	// an unknown token verifies a dummy hash at this cost.
	HashCost passwords.HashCost
	// Hasher, when set, runs the password hashes instead of one of the
	// Service's own at HashCost (which is then not read): serve shares one
	// with sign-in (pkg/auth), so argon2id's memory is bounded per process.
	Hasher *users.Hasher
}

// Service creates, reads and unlocks share links.
type Service struct {
	db     *sqlx.DB
	redis  *redis.Pool
	key    []byte
	opts   Options
	hasher *users.Hasher // opts.Hasher, or one at opts.HashCost
}

// New returns a Service. Without o.Secret (and a pool) it can create,
// list and revoke links — all the CLI does — but Unlock answers
// ErrUnavailable and password links stay locked.
func New(db *sqlx.DB, pool *redis.Pool, o Options) (*Service, error) {
	if o.IPLimit.N <= 0 || o.IPLimit.Window <= 0 {
		o.IPLimit = Limit{N: 20, Window: 15 * time.Minute}
	}
	if o.LinkLimit.N <= 0 || o.LinkLimit.Window <= 0 {
		o.LinkLimit = Limit{N: 10, Window: 15 * time.Minute}
	}
	if o.Namespace == "" {
		o.Namespace = "docuvault"
	}
	if o.AccessTTL <= 0 {
		o.AccessTTL = time.Hour
	}
	var key []byte
	if o.Secret != "" {
		var err error
		key, err = hkdf.Key(sha256.New, []byte(o.Secret), []byte("docuvault"), "docuvault share link access v1", 32)
		if err != nil {
			return nil, fmt.Errorf("share links: %w", err)
		}
	}
	h := o.Hasher
	if h == nil {
		h = users.NewHasher(o.HashCost, 0)
	}
	return &Service{db: db, redis: pool, key: key, opts: o, hasher: h}, nil
}

// Link is a share link as its owner sees it (never its token or hash).
type Link struct {
	ID           string     `db:"id" json:"id"`
	OwnerID      string     `db:"owner_id" json:"owner_id"`
	DocumentID   *string    `db:"document_id" json:"document_id"`
	FolderID     *string    `db:"folder_id" json:"folder_id"`
	Name         string     `db:"name" json:"name"` // the document's filename or the folder's name
	HasPassword  bool       `db:"has_password" json:"has_password"`
	ExpiresAt    *time.Time `db:"expires_at" json:"expires_at"`
	MaxDownloads *int       `db:"max_downloads" json:"max_downloads"`
	Downloads    int        `db:"downloads" json:"downloads"`
	CreatedAt    time.Time  `db:"created_at" json:"created_at"`
	RevokedAt    *time.Time `db:"revoked_at" json:"revoked_at"`
	// State is "active", "expired", "exhausted" or "revoked".
	State string `db:"state" json:"state"`

	passwordHash sql.NullString
}

const selectLink = `SELECT l.id, l.owner_id, l.document_id, l.folder_id,
	COALESCE(d.filename, f.name, '') AS name, l.password_hash IS NOT NULL AS has_password,
	l.expires_at, l.max_downloads, l.downloads, l.created_at, l.revoked_at,
	CASE WHEN l.revoked_at IS NOT NULL THEN 'revoked'
		WHEN l.expires_at IS NOT NULL AND l.expires_at <= now() THEN 'expired'
		WHEN l.max_downloads IS NOT NULL AND l.downloads >= l.max_downloads THEN 'exhausted'
		ELSE 'active' END AS state
	FROM share_links l
	LEFT JOIN documents d ON d.id = l.document_id
	LEFT JOIN folders f ON f.id = l.folder_id`

// usable is the SQL condition that link l gives access now: not revoked,
// expired or used up, and its owner's account is active (a disabled
// account's links stop working with it).
const usable = `l.revoked_at IS NULL AND (l.expires_at IS NULL OR l.expires_at > now())
	AND (l.max_downloads IS NULL OR l.downloads < l.max_downloads)
	AND EXISTS (SELECT 1 FROM users u WHERE u.id = l.owner_id AND u.is_active)`

// Spec is what Create makes a link with.
type Spec struct {
	DocumentID   string     // one of DocumentID and FolderID
	FolderID     string     //
	ExpiresAt    *time.Time // nil: never
	Password     string     // "": none; else at least users.MinPasswordLen characters
	MaxDownloads int        // 0: no limit
}

// Create makes a link to ownerID's document or folder and returns it with
// its token, which is never shown again. ErrNotFound when the document or
// folder is not ownerID's (or the document is not visible); ErrInvalid for
// an expiry not in the future, a short password, a download limit out of
// range, or MaxLinks links already.
func (s *Service) Create(ctx context.Context, ownerID string, n Spec) (Link, string, error) {
	if (n.DocumentID == "") == (n.FolderID == "") {
		return Link{}, "", invalid("link one document or one folder")
	}
	if n.ExpiresAt != nil && !n.ExpiresAt.After(time.Now()) {
		return Link{}, "", invalid("the expiry %s has passed: give a time in the future", n.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if n.MaxDownloads < 0 || n.MaxDownloads > MaxDownloads {
		return Link{}, "", invalid("the download limit must be 1 to %d (or none)", MaxDownloads)
	}
	var pwHash sql.NullString
	if n.Password != "" {
		h, err := s.hasher.Hash(ctx, n.Password)
		if err != nil {
			if ctx.Err() != nil {
				return Link{}, "", ctx.Err()
			}
			return Link{}, "", invalid("%s", err)
		}
		pwHash = sql.NullString{String: h, Valid: true}
	}
	var maxDl sql.NullInt64
	if n.MaxDownloads > 0 {
		maxDl = sql.NullInt64{Int64: int64(n.MaxDownloads), Valid: true}
	}
	target := "document"
	id := n.DocumentID
	if n.FolderID != "" {
		target, id = "folder", n.FolderID
	}
	id, ok := parseID(id)
	if !ok {
		return Link{}, "", notFound()
	}
	raw := make([]byte, tokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return Link{}, "", fmt.Errorf("share link token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	var count int
	if err := s.db.GetContext(ctx, &count, `SELECT count(*) FROM share_links WHERE owner_id = $1 AND revoked_at IS NULL`, ownerID); err != nil {
		return Link{}, "", fmt.Errorf("create share link: %w", err)
	}
	if count >= MaxLinks {
		return Link{}, "", invalid("you have %d share links: revoke some before making more", count)
	}
	// The target's ownership is checked in the INSERT itself.
	var q string
	if target == "document" {
		q = `INSERT INTO share_links (owner_id, document_id, token_hash, password_hash, expires_at, max_downloads)
			SELECT d.user_id, d.id, $3, $4, $5, $6 FROM documents d WHERE d.id = $1 AND d.user_id = $2 AND ` + shares.Visible("d") + `
			RETURNING id`
	} else {
		q = `INSERT INTO share_links (owner_id, folder_id, token_hash, password_hash, expires_at, max_downloads)
			SELECT f.user_id, f.id, $3, $4, $5, $6 FROM folders f WHERE f.id = $1 AND f.user_id = $2
			RETURNING id`
	}
	var linkID string
	err := s.db.GetContext(ctx, &linkID, q, id, ownerID, sum[:], pwHash, n.ExpiresAt, maxDl)
	if errors.Is(err, sql.ErrNoRows) {
		return Link{}, "", &Error{Err: ErrNotFound, Msg: fmt.Sprintf("%s not found: you can link only your own %ss", target, target)}
	}
	if err != nil {
		return Link{}, "", fmt.Errorf("create share link: %w", err)
	}
	l, err := s.Get(ctx, ownerID, linkID)
	return l, token, err
}

// Get returns ownerID's link id (ErrNotFound for another's).
func (s *Service) Get(ctx context.Context, ownerID, id string) (Link, error) {
	lid, ok := parseID(id)
	if !ok {
		return Link{}, notFound()
	}
	var l Link
	err := s.db.GetContext(ctx, &l, selectLink+` WHERE l.id = $1 AND l.owner_id = $2`, lid, ownerID)
	if errors.Is(err, sql.ErrNoRows) {
		return Link{}, notFound()
	}
	if err != nil {
		return Link{}, fmt.Errorf("read share link: %w", err)
	}
	return l, nil
}

// List returns ownerID's links, newest first; with documentID, only that
// document's.
func (s *Service) List(ctx context.Context, ownerID, documentID string) ([]Link, error) {
	ls := []Link{}
	q := selectLink + ` WHERE l.owner_id = $1`
	args := []any{ownerID}
	if documentID != "" {
		id, ok := parseID(documentID)
		if !ok {
			return ls, nil
		}
		q += ` AND l.document_id = $2`
		args = append(args, id)
	}
	if err := s.db.SelectContext(ctx, &ls, q+` ORDER BY l.created_at DESC, l.id DESC`, args...); err != nil {
		return nil, fmt.Errorf("list share links: %w", err)
	}
	return ls, nil
}

// Revoke ends ownerID's link id at once. ErrNotFound for another's link
// or one revoked already.
func (s *Service) Revoke(ctx context.Context, ownerID, id string) (Link, error) {
	lid, ok := parseID(id)
	if !ok {
		return Link{}, notFound()
	}
	res, err := s.db.ExecContext(ctx, `UPDATE share_links SET revoked_at = now() WHERE id = $1 AND owner_id = $2 AND revoked_at IS NULL`, lid, ownerID)
	if err != nil {
		return Link{}, fmt.Errorf("revoke share link: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return Link{}, notFound()
	}
	return s.Get(ctx, ownerID, lid)
}

// hashToken is the SHA-256 of token, or false when it cannot be a token.
func hashToken(token string) ([]byte, bool) {
	if len(token) != TokenLen {
		return nil, false
	}
	if _, err := base64.RawURLEncoding.DecodeString(token); err != nil {
		return nil, false
	}
	sum := sha256.Sum256([]byte(token))
	return sum[:], true
}

// Resolve returns the usable link of token (ErrNotFound otherwise), before
// any password: Authorize says whether access may use it.
func (s *Service) Resolve(ctx context.Context, token string) (Link, error) {
	h, ok := hashToken(token)
	if !ok {
		return Link{}, notFound()
	}
	var row struct {
		Link
		PasswordHash sql.NullString `db:"password_hash"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT l.id, l.owner_id, l.document_id, l.folder_id, '' AS name,
		l.password_hash IS NOT NULL AS has_password, l.password_hash, l.expires_at, l.max_downloads, l.downloads,
		l.created_at, l.revoked_at, 'active' AS state
		FROM share_links l WHERE l.token_hash = $1 AND `+usable, h)
	if errors.Is(err, sql.ErrNoRows) {
		return Link{}, notFound()
	}
	if err != nil {
		return Link{}, fmt.Errorf("find share link: %w", err)
	}
	l := row.Link
	l.passwordHash = row.PasswordHash
	return l, nil
}

// Authorize returns nil when access (Unlock's value, "" for none) lets
// its holder use l: always for a link without a password; else ErrLocked.
func (s *Service) Authorize(l Link, access string) error {
	if !l.HasPassword {
		return nil
	}
	exp, sig, ok := strings.Cut(access, ".")
	if !ok || s.key == nil {
		return &Error{Err: ErrLocked, Msg: "this link needs its password"}
	}
	unix, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || time.Now().Unix() >= unix {
		return &Error{Err: ErrLocked, Msg: "this link needs its password"}
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.sign(l.ID, unix)) {
		return &Error{Err: ErrLocked, Msg: "this link needs its password"}
	}
	return nil
}

func (s *Service) sign(linkID string, unix int64) []byte {
	m := hmac.New(sha256.New, s.key)
	fmt.Fprintf(m, "%s\n%d", linkID, unix)
	return m.Sum(nil)
}

// Unlock checks password for token's link and returns an access value for
// Authorize and its expiry. A wrong password, an unknown token and a link
// without a password that is not usable all answer ErrNotFound; failures
// count against clientIP ("" skips that limit) and the token, and past
// either limit Unlock answers *RateLimitError before checking anything.
func (s *Service) Unlock(ctx context.Context, token, password, clientIP string) (string, time.Time, Link, error) {
	if s.key == nil || s.redis == nil {
		return "", time.Time{}, Link{}, fmt.Errorf("%w: share links have no SECRET_KEY or Redis here", ErrUnavailable)
	}
	ipKey, linkKey := s.limitKey("ip", clientIP), s.limitKey("link", token)
	for _, c := range []struct {
		key   string
		limit Limit
		scope string
	}{{ipKey, s.opts.IPLimit, "address"}, {linkKey, s.opts.LinkLimit, "link"}} {
		if c.scope == "address" && clientIP == "" {
			continue
		}
		n, ttl, err := s.peek(ctx, c.key)
		if err != nil {
			return "", time.Time{}, Link{}, err
		}
		if n >= c.limit.N {
			return "", time.Time{}, Link{}, &RateLimitError{Scope: c.scope, RetryAfter: ttl}
		}
	}
	l, err := s.Resolve(ctx, token)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return "", time.Time{}, Link{}, err
	}
	found := err == nil
	// With no link (or none with a password), a dummy hash at the
	// configured cost (Verify of ""): an unknown token takes as long to
	// refuse.
	hash := ""
	if found && l.passwordHash.Valid {
		hash = l.passwordHash.String
	}
	ok := false
	if found && !l.HasPassword {
		ok = true
	} else {
		// A stored hash that does not parse (ErrBadHash) verifies nothing;
		// any other error is ctx's, waiting for a hash slot.
		var verr error
		if ok, verr = s.hasher.Verify(ctx, hash, password); verr != nil && !errors.Is(verr, users.ErrBadHash) {
			return "", time.Time{}, Link{}, verr
		}
		ok = ok && found
	}
	if !ok {
		if clientIP != "" {
			if _, _, err := s.hit(ctx, ipKey, s.opts.IPLimit.Window); err != nil {
				return "", time.Time{}, Link{}, err
			}
		}
		if _, _, err := s.hit(ctx, linkKey, s.opts.LinkLimit.Window); err != nil {
			return "", time.Time{}, Link{}, err
		}
		return "", time.Time{}, Link{}, notFound()
	}
	exp := time.Now().Add(s.opts.AccessTTL).Truncate(time.Second)
	if l.ExpiresAt != nil && l.ExpiresAt.Before(exp) {
		exp = *l.ExpiresAt
	}
	access := strconv.FormatInt(exp.Unix(), 10) + "." + base64.RawURLEncoding.EncodeToString(s.sign(l.ID, exp.Unix()))
	return access, exp, l, nil
}

// Document is a document as a link's recipient sees it.
type Document struct {
	ID          string    `db:"id" json:"id"`
	OwnerID     string    `db:"user_id" json:"-"`
	Filename    string    `db:"filename" json:"filename"`
	ContentType string    `db:"content_type" json:"content_type"`
	SizeBytes   int64     `db:"size_bytes" json:"size_bytes"`
	CreatedAt   time.Time `db:"created_at" json:"created_at"`
	SHA256Hex   string    `db:"sha256_hex" json:"-"`
}

// reach is the SQL condition that document d is reached by link l: the
// link's owner's, visible (shares.Visible), and the link's document or in
// the link's folder now. Every query for a link's documents uses it.
const reachSQL = `d.user_id = l.owner_id AND (d.id = l.document_id OR (l.folder_id IS NOT NULL AND d.folder_id = l.folder_id))`

func reach() string { return reachSQL + " AND " + shares.Visible("d") }

const selectDocument = `SELECT d.id, d.user_id, d.filename, d.content_type, d.size_bytes, d.created_at,
	COALESCE(encode(d.sha256, 'hex'), '') AS sha256_hex FROM share_links l JOIN documents d ON `

// Documents returns the documents l reaches, by filename.
func (s *Service) Documents(ctx context.Context, l Link) ([]Document, error) {
	ds := []Document{}
	err := s.db.SelectContext(ctx, &ds, selectDocument+reach()+` WHERE l.id = $1 ORDER BY d.filename, d.id`, l.ID)
	if err != nil {
		return nil, fmt.Errorf("share link documents: %w", err)
	}
	return ds, nil
}

// Document returns the document docID if l reaches it; "" names a
// document link's document. ErrNotFound otherwise.
func (s *Service) Document(ctx context.Context, l Link, docID string) (Document, error) {
	if docID == "" {
		if l.DocumentID == nil {
			return Document{}, notFound()
		}
		docID = *l.DocumentID
	}
	id, ok := parseID(docID)
	if !ok {
		return Document{}, notFound()
	}
	var d Document
	err := s.db.GetContext(ctx, &d, selectDocument+reach()+` WHERE l.id = $1 AND d.id = $2`, l.ID, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Document{}, notFound()
	}
	if err != nil {
		return Document{}, fmt.Errorf("share link document: %w", err)
	}
	return d, nil
}

// Claim counts one download of l, in one UPDATE that checks the link is
// still usable and under its limit: concurrent downloads never pass
// max_downloads. ErrNotFound when it is not (exhausted, expired, revoked).
func (s *Service) Claim(ctx context.Context, l Link) error {
	res, err := s.db.ExecContext(ctx, `UPDATE share_links l SET downloads = downloads + 1 WHERE l.id = $1 AND `+usable, l.ID)
	if err != nil {
		return fmt.Errorf("count share link download: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return notFound()
	}
	return nil
}

// Unclaim gives back a download Claim counted that sent nothing (the
// object could not be opened).
func (s *Service) Unclaim(ctx context.Context, l Link) {
	_, _ = s.db.ExecContext(ctx, `UPDATE share_links SET downloads = downloads - 1 WHERE id = $1 AND downloads > 0`, l.ID)
}

// limitKey is a share link rate limit's Redis key (pkg/ratelimit).
func (s *Service) limitKey(scope, value string) string {
	return s.limits().Key("link", scope, value)
}

func (s *Service) limits() ratelimit.Counter {
	return ratelimit.Counter{Pool: s.redis, Namespace: s.opts.Namespace}
}

func (s *Service) hit(ctx context.Context, key string, window time.Duration) (int64, time.Duration, error) {
	n, ttl, err := s.limits().Hit(ctx, key, window)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return n, ttl, nil
}

func (s *Service) peek(ctx context.Context, key string) (int64, time.Duration, error) {
	n, ttl, err := s.limits().Peek(ctx, key)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return n, ttl, nil
}

// parseID returns id in canonical form, or false when it is not a UUID.
func parseID(id string) (string, bool) {
	u, err := uuid.Parse(id)
	if err != nil {
		return "", false
	}
	return u.String(), true
}
