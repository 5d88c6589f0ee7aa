package mail

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/secrets"
)

// Security of an account's connection.
const (
	SecurityTLS      = "tls"      // implicit TLS (port 993)
	SecuritySTARTTLS = "starttls" // plain, then STARTTLS (port 143)
	SecurityNone     = "none"     // no TLS: only to a loopback address
)

// Account statuses.
const (
	StatusActive = "ACTIVE"
	StatusError  = "ERROR"
)

// Rule modes.
const (
	ModeAttachments = "attachments" // each (matching) attachment a document
	ModeMessage     = "message"     // the whole message as an .eml document
)

// What a rule does with a message on the server once it is taken.
const (
	AfterNone   = "none"
	AfterRead   = "read"
	AfterFlag   = "flag"
	AfterDelete = "delete"
	AfterMove   = "move"
)

// MaxNameLen is the longest account name, in characters.
const MaxNameLen = 100

// Sentinel errors. Every error for a caller's mistake is an *Error that
// unwraps to one of them.
var (
	// ErrNotFound: the account or rule does not exist, or is another
	// user's.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the owner already has an account of that name.
	ErrConflict = errors.New("mail account name taken")
	// ErrInvalid: a field cannot be used.
	ErrInvalid = errors.New("invalid mail account or rule")
	// ErrBusy: the account is being polled elsewhere (another worker).
	ErrBusy = errors.New("mail account is being polled elsewhere")
)

// Error is a caller's mistake: Err is one of the sentinels above, Field
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

func notFound(what string) error {
	return &Error{Err: ErrNotFound, Field: "id", Msg: what + " not found: use the id or name of one of yours (docuvault mail list)"}
}

// Account is one IMAP account; its password is never in it.
type Account struct {
	ID         string     `db:"id" json:"id"`
	UserID     string     `db:"user_id" json:"-"`
	Name       string     `db:"name" json:"name"`
	Host       string     `db:"host" json:"host"`
	Port       int        `db:"port" json:"port"`
	Security   string     `db:"security" json:"security"`
	Login      string     `db:"login" json:"login"`
	Status     string     `db:"status" json:"status"`
	LastError  string     `db:"last_error" json:"last_error"`
	Failures   int        `db:"failures" json:"failures"`
	LastPollAt *time.Time `db:"last_poll_at" json:"last_poll_at"`
	NextPollAt time.Time  `db:"next_poll_at" json:"next_poll_at"`
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
}

const accountColumns = `id, user_id, name, host, port, security, login, status, last_error, failures, last_poll_at, next_poll_at, created_at`

// NewAccount is what AddAccount needs.
type NewAccount struct {
	Name     string `json:"name"`
	Host     string `json:"host"`
	Port     int    `json:"port"`     // 0: 993 for tls, 143 otherwise
	Security string `json:"security"` // "" is tls
	Login    string `json:"login"`
	Password string `json:"password"`
}

// isLoopback says whether host is a loopback address or localhost.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

func (n *NewAccount) check() error {
	n.Name, n.Host, n.Login = strings.TrimSpace(n.Name), strings.TrimSpace(n.Host), strings.TrimSpace(n.Login)
	n.Security = strings.ToLower(strings.TrimSpace(n.Security))
	if n.Security == "" {
		n.Security = SecurityTLS
	}
	switch {
	case n.Name == "" || len([]rune(n.Name)) > MaxNameLen:
		return invalid("name", "give the account a name of 1 to %d characters", MaxNameLen)
	case n.Host == "" || strings.ContainsAny(n.Host, " /\t\r\n"):
		return invalid("host", "give the IMAP server's host name or address (like imap.example.org)")
	case !slices.Contains([]string{SecurityTLS, SecuritySTARTTLS, SecurityNone}, n.Security):
		return invalid("security", "security must be tls, starttls or none, not %q", n.Security)
	case n.Security == SecurityNone && !isLoopback(n.Host):
		return invalid("security", "security none sends the password in clear: only allowed to a loopback address (127.0.0.1, ::1, localhost); use tls or starttls for %s", n.Host)
	case n.Login == "":
		return invalid("login", "give the login (user name) of the IMAP account")
	case n.Password == "":
		return invalid("password", "give the password of the IMAP account")
	}
	if n.Port == 0 {
		n.Port = 143
		if n.Security == SecurityTLS {
			n.Port = 993
		}
	}
	if n.Port < 1 || n.Port > 65535 {
		return invalid("port", "port must be 1 to 65535, not %d", n.Port)
	}
	return nil
}

// AddAccount stores a new account of owner, its password sealed with k.
func AddAccount(ctx context.Context, db *sqlx.DB, k *secrets.Keyring, owner string, n NewAccount) (Account, error) {
	if err := n.check(); err != nil {
		return Account{}, err
	}
	id := uuid.NewString()
	sealed, err := k.Seal(secrets.PurposeIMAPPassword, []byte(n.Password), []byte(id))
	if err != nil {
		return Account{}, fmt.Errorf("seal the password: %w", err)
	}
	var a Account
	err = db.GetContext(ctx, &a, `
		INSERT INTO mail_accounts (id, user_id, name, host, port, security, login, password_enc)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+accountColumns,
		id, owner, n.Name, n.Host, n.Port, n.Security, n.Login, sealed)
	if database.ErrorCode(err) == database.UniqueViolation {
		return Account{}, &Error{Err: ErrConflict, Field: "name", Msg: fmt.Sprintf("you already have a mail account named %q: choose another name", n.Name)}
	}
	if err != nil {
		return Account{}, fmt.Errorf("add mail account: %w", err)
	}
	return a, nil
}

// ListAccounts returns owner's accounts by name.
func ListAccounts(ctx context.Context, db sqlx.QueryerContext, owner string) ([]Account, error) {
	out := []Account{}
	if err := sqlx.SelectContext(ctx, db, &out, `SELECT `+accountColumns+` FROM mail_accounts WHERE user_id = $1 ORDER BY lower(name)`, owner); err != nil {
		return nil, fmt.Errorf("list mail accounts: %w", err)
	}
	return out, nil
}

// GetAccount returns owner's account id.
func GetAccount(ctx context.Context, db sqlx.QueryerContext, owner, id string) (Account, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Account{}, notFound("mail account")
	}
	var a Account
	err := sqlx.GetContext(ctx, db, &a, `SELECT `+accountColumns+` FROM mail_accounts WHERE id = $1 AND user_id = $2`, id, owner)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, notFound("mail account")
	}
	if err != nil {
		return Account{}, fmt.Errorf("get mail account: %w", err)
	}
	return a, nil
}

// ResolveAccount finds owner's account by name (any case) or id.
func ResolveAccount(ctx context.Context, db sqlx.QueryerContext, owner, ref string) (Account, error) {
	var a Account
	err := sqlx.GetContext(ctx, db, &a, `SELECT `+accountColumns+` FROM mail_accounts WHERE user_id = $1 AND lower(name) = lower($2)`, owner, strings.TrimSpace(ref))
	if err == nil {
		return a, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Account{}, fmt.Errorf("find mail account: %w", err)
	}
	return GetAccount(ctx, db, owner, strings.TrimSpace(ref))
}

// DeleteAccount removes owner's account id, its rules and what it
// remembers; its documents stay.
func DeleteAccount(ctx context.Context, db sqlx.ExecerContext, owner, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return notFound("mail account")
	}
	res, err := db.ExecContext(ctx, `DELETE FROM mail_accounts WHERE id = $1 AND user_id = $2`, id, owner)
	if err != nil {
		return fmt.Errorf("remove mail account: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("remove mail account: %w", err)
	} else if n == 0 {
		return notFound("mail account")
	}
	return nil
}

// password opens account id's password.
func password(ctx context.Context, db sqlx.QueryerContext, k *secrets.Keyring, id string) (string, error) {
	var sealed string
	if err := sqlx.GetContext(ctx, db, &sealed, `SELECT password_enc FROM mail_accounts WHERE id = $1`, id); err != nil {
		return "", fmt.Errorf("read the account's password: %w", err)
	}
	pw, err := k.Open(secrets.PurposeIMAPPassword, sealed, []byte(id))
	if err != nil {
		return "", fmt.Errorf("the account's stored password cannot be opened with this SECRET_KEY (%w): give the password again (docuvault mail rm, then mail add)", err)
	}
	return string(pw), nil
}

// Rule says what one account's poll takes from one folder.
type Rule struct {
	ID         string    `db:"id" json:"id"`
	AccountID  string    `db:"account_id" json:"account_id"`
	Position   int       `db:"position" json:"position"`
	Folder     string    `db:"folder" json:"folder"`
	From       string    `db:"from_filter" json:"from"`
	Subject    string    `db:"subject_filter" json:"subject"`
	Body       string    `db:"body_filter" json:"body"`
	Mode       string    `db:"mode" json:"mode"`
	Types      []string  `db:"-" json:"types"`
	TopicIDs   []string  `db:"-" json:"topic_ids"`
	After      string    `db:"after" json:"after"`
	MoveFolder string    `db:"move_folder" json:"move_folder,omitempty"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
}

type ruleRow struct {
	Rule
	Types    pq.StringArray `db:"types"`
	TopicIDs pq.StringArray `db:"topic_ids"`
}

func (r ruleRow) rule() Rule {
	out := r.Rule
	out.Types = append([]string{}, r.Types...)
	out.TopicIDs = append([]string{}, r.TopicIDs...)
	return out
}

const ruleColumns = `id, account_id, position, folder, from_filter, subject_filter, body_filter, mode, types, topic_ids, after, move_folder, created_at`

// NewRule is what AddRule needs. After is none, read, flag, delete or
// move:FOLDER.
type NewRule struct {
	Folder   string   `json:"folder"`
	From     string   `json:"from"`
	Subject  string   `json:"subject"`
	Body     string   `json:"body"`
	Mode     string   `json:"mode"`
	Types    []string `json:"types"`
	TopicIDs []string `json:"topic_ids"`
	After    string   `json:"after"`
}

// ParseAfter reads an after value: none, read, flag, delete or move:FOLDER.
func ParseAfter(s string) (after, folder string, err error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return AfterNone, "", nil
	case s == AfterNone || s == AfterRead || s == AfterFlag || s == AfterDelete:
		return s, "", nil
	case strings.HasPrefix(s, "move:") && strings.TrimSpace(s[len("move:"):]) != "":
		return AfterMove, strings.TrimSpace(s[len("move:"):]), nil
	}
	return "", "", invalid("after", "after must be none, read, flag, delete or move:FOLDER, not %q", s)
}

// AddRule adds a rule to owner's account accountID, after its others.
// Rules changing: the messages no rule took are looked at again.
func AddRule(ctx context.Context, db *sqlx.DB, owner, accountID string, n NewRule) (Rule, error) {
	if _, err := GetAccount(ctx, db, owner, accountID); err != nil {
		return Rule{}, err
	}
	n.Folder = strings.TrimSpace(n.Folder)
	if n.Folder == "" {
		n.Folder = "INBOX"
	}
	n.Mode = strings.ToLower(strings.TrimSpace(n.Mode))
	if n.Mode == "" {
		n.Mode = ModeAttachments
	}
	if n.Mode != ModeAttachments && n.Mode != ModeMessage {
		return Rule{}, invalid("mode", "mode must be attachments or message, not %q", n.Mode)
	}
	types := []string{}
	for _, t := range n.Types {
		for _, p := range strings.Split(t, ",") {
			p = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(p), "."))
			if p == "" {
				continue
			}
			if strings.ContainsAny(p, " /\\") {
				return Rule{}, invalid("types", "types are extensions like pdf,jpg, not %q", p)
			}
			if !slices.Contains(types, p) {
				types = append(types, p)
			}
		}
	}
	after, moveFolder, err := ParseAfter(n.After)
	if err != nil {
		return Rule{}, err
	}
	if after == AfterMove && moveFolder == n.Folder {
		return Rule{}, invalid("after", "move:%s is the rule's own folder: give another folder", moveFolder)
	}
	topicIDs := []string{}
	for _, id := range n.TopicIDs {
		if _, err := uuid.Parse(id); err != nil {
			return Rule{}, invalid("topic_ids", "topic %q is not a topic id", id)
		}
		topicIDs = append(topicIDs, id)
	}
	if len(topicIDs) > 0 {
		var have int
		if err := db.GetContext(ctx, &have, `SELECT count(*) FROM topics WHERE id = ANY($1::uuid[]) AND (user_id = $2 OR user_id IS NULL)`, pq.Array(topicIDs), owner); err != nil {
			return Rule{}, fmt.Errorf("check the rule's topics: %w", err)
		}
		if have != len(topicIDs) {
			return Rule{}, invalid("topic_ids", "a topic of the rule is not one of yours")
		}
	}
	var r ruleRow
	err = database.InTx(ctx, db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &r, `
			INSERT INTO mail_rules (account_id, position, folder, from_filter, subject_filter, body_filter, mode, types, topic_ids, after, move_folder)
			VALUES ($1, (SELECT coalesce(max(position), 0) + 1 FROM mail_rules WHERE account_id = $1), $2, $3, $4, $5, $6, $7, $8, $9, $10)
			RETURNING `+ruleColumns,
			accountID, n.Folder, strings.TrimSpace(n.From), strings.TrimSpace(n.Subject), strings.TrimSpace(n.Body), n.Mode,
			pq.Array(types), pq.Array(topicIDs), after, moveFolder); err != nil {
			return fmt.Errorf("add mail rule: %w", err)
		}
		return forgetSkipped(ctx, tx, accountID)
	})
	if err != nil {
		return Rule{}, err
	}
	return r.rule(), nil
}

func forgetSkipped(ctx context.Context, tx *sqlx.Tx, accountID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM mail_messages WHERE account_id = $1 AND outcome = 'skipped'`, accountID); err != nil {
		return fmt.Errorf("forget the messages no rule took: %w", err)
	}
	return nil
}

// ListRules returns the rules of owner's account accountID in order.
func ListRules(ctx context.Context, db sqlx.QueryerContext, owner, accountID string) ([]Rule, error) {
	if _, err := GetAccount(ctx, db, owner, accountID); err != nil {
		return nil, err
	}
	return rules(ctx, db, accountID)
}

func rules(ctx context.Context, db sqlx.QueryerContext, accountID string) ([]Rule, error) {
	var rows []ruleRow
	if err := sqlx.SelectContext(ctx, db, &rows, `SELECT `+ruleColumns+` FROM mail_rules WHERE account_id = $1 ORDER BY position`, accountID); err != nil {
		return nil, fmt.Errorf("list mail rules: %w", err)
	}
	out := make([]Rule, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.rule())
	}
	return out, nil
}

// DeleteRule removes rule ruleID of owner's account accountID. ruleID may
// be the rule's id or its position (1, 2, … as ListRules shows).
func DeleteRule(ctx context.Context, db *sqlx.DB, owner, accountID, ruleRef string) error {
	if _, err := GetAccount(ctx, db, owner, accountID); err != nil {
		return err
	}
	ruleRef = strings.TrimSpace(ruleRef)
	return database.InTx(ctx, db, func(tx *sqlx.Tx) error {
		var res sql.Result
		var err error
		if _, perr := uuid.Parse(ruleRef); perr == nil {
			res, err = tx.ExecContext(ctx, `DELETE FROM mail_rules WHERE id = $1 AND account_id = $2`, ruleRef, accountID)
		} else {
			res, err = tx.ExecContext(ctx, `DELETE FROM mail_rules WHERE position::text = $1 AND account_id = $2`, ruleRef, accountID)
		}
		if err != nil {
			return fmt.Errorf("remove mail rule: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &Error{Err: ErrNotFound, Field: "rule", Msg: "mail rule not found: give its id or its number from docuvault mail rule list"}
		}
		return forgetSkipped(ctx, tx, accountID)
	})
}
