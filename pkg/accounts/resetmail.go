package accounts

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/mailer"
	"github.com/docuvault/docuvault/pkg/ratelimit"
	"github.com/docuvault/docuvault/pkg/settings"
	"github.com/docuvault/docuvault/pkg/users"
)

// Sender sends one e-mail: *mailer.Mailer.
type Sender interface {
	Send(ctx context.Context, m mailer.Message) error
}

var _ Sender = (*mailer.Mailer)(nil)

// ErrNoAddress: the account has no e-mail address to send a link to.
var ErrNoAddress = errors.New("this account has no e-mail address to mail a link to: make a link to hand over instead")

// Limit is a number of events allowed per window.
type Limit struct {
	N      int64
	Window time.Duration
}

// ForgotLimitError is Forgot refused because the client asked too often.
type ForgotLimitError struct{ RetryAfter time.Duration }

func (e *ForgotLimitError) Error() string {
	return fmt.Sprintf("too many password reset requests: try again in %s", e.RetryAfter.Round(time.Second))
}

// ResetMailer mails password reset links (when SMTP is configured).
type ResetMailer struct {
	Sender Sender
	// PublicURL is the address people open DocuVault at, without a
	// trailing slash: links are PublicURL + "/reset/" + token.
	PublicURL string
	// Limits counts "forgot password" requests; a zero Pool allows all
	// (the CLI, which never answers anonymous requests).
	Limits     ratelimit.Counter
	PerAddress Limit // requests per address per window (more are silently not mailed)
	PerIP      Limit // requests per client IP per window (more get ForgotLimitError)
	Log        *slog.Logger
	// Timeout bounds a send that Forgot runs after answering; 0 means 1 minute.
	Timeout time.Duration
}

// Link is the reset link of token.
func (m *ResetMailer) Link(token string) string { return m.PublicURL + "/reset/" + token }

func (m *ResetMailer) log() *slog.Logger {
	if m.Log == nil {
		return slog.Default()
	}
	return m.Log
}

// resetWords are a reset mail's words in one language: its subject, and
// a text with the person's handle (%[1]s), why it came (%[2]s), the link
// (%[3]s), its expiry (%[4]s) and DocuVault's address (%[5]s); asked and
// byAdmin say why, with the handle as their %s.
type resetWords struct {
	subject, text, asked, byAdmin string
}

// resetMail is the reset mail in each language DocuVault writes.
var resetMail = map[string]resetWords{
	"en": {
		subject: "Your DocuVault password reset link",
		asked:   `Someone (hopefully you) asked for a new DocuVault password for your account "%s".`,
		byAdmin: `An administrator of DocuVault sent you a link to set a new password for your account "%s".`,
		text: `Hello %[1]s,

%[2]s
Open this link to choose a new password:

%[3]s

The link works once, until %[4]s (24 hours). Setting a new password signs
you out everywhere.

If you did not ask for this, you can ignore this e-mail: your password
stays as it is.

-- 
DocuVault, %[5]s
`},
	"de": {
		subject: "Ihr Link für ein neues DocuVault-Passwort",
		asked:   "Jemand (hoffentlich Sie) hat ein neues DocuVault-Passwort für Ihr Konto „%s“ angefordert.",
		byAdmin: "Ein Administrator von DocuVault hat Ihnen einen Link geschickt, mit dem Sie ein neues\nPasswort für Ihr Konto „%s“ setzen.",
		text: `Hallo %[1]s,

%[2]s
Öffnen Sie diesen Link, um ein neues Passwort zu wählen:

%[3]s

Der Link funktioniert einmal, bis %[4]s (24 Stunden). Ein neues Passwort
meldet Sie überall ab.

Wenn Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren:
Ihr Passwort bleibt, wie es ist.

-- 
DocuVault, %[5]s
`},
}

// message is the e-mail that carries a reset link to u, in lang (en or
// de; anything else is English).
func (m *ResetMailer) message(u users.User, r Reset, byAdmin bool, lang string) mailer.Message {
	w, ok := resetMail[lang]
	if !ok {
		w = resetMail["en"]
	}
	why := w.asked
	if byAdmin {
		why = w.byAdmin
	}
	text := fmt.Sprintf(w.text, u.Handle, fmt.Sprintf(why, u.Handle), m.Link(r.Token), r.ExpiresAt.UTC().Format("2006-01-02 15:04 MST"), m.PublicURL)
	return mailer.Message{To: u.Email, Subject: w.subject, Text: text}
}

// language is the language of u's mails: theirs (settings.Language), else
// fallback (the language of the page that asked, for "forgot password";
// "" elsewhere), else English.
func (m *ResetMailer) language(ctx context.Context, db *sqlx.DB, u users.User, fallback string) string {
	lang, err := settings.Language(ctx, db, u.ID)
	if err != nil {
		m.log().Warn("password reset by e-mail: read language", "user_id", u.ID, "error", err.Error())
	}
	if lang == "" && settings.ValidLanguage(fallback) {
		lang = fallback
	}
	return lang
}

// SendReset makes a reset link for u (by actorID, "" for the CLI) and
// mails it to u's address, in u's language (settings.Language; English
// when they have none). When the mail cannot be sent, the link is
// removed again and the error says in one line why (it wraps pkg/mailer's
// sentinels); the token is in neither.
func (m *ResetMailer) SendReset(ctx context.Context, db *sqlx.DB, u users.User, actorID string) (Reset, error) {
	if strings.TrimSpace(u.Email) == "" {
		return Reset{}, ErrNoAddress
	}
	r, err := CreateReset(ctx, db, u.ID, actorID)
	if err != nil {
		return Reset{}, err
	}
	if err := m.Sender.Send(ctx, m.message(u, r, true, m.language(ctx, db, u, ""))); err != nil {
		m.drop(ctx, db, r)
		return Reset{}, fmt.Errorf("the reset link could not be mailed to %s: %w", u.Email, err)
	}
	return Reset{ExpiresAt: r.ExpiresAt}, nil
}

// drop removes the link r (its mail did not go out).
func (m *ResetMailer) drop(ctx context.Context, db *sqlx.DB, r Reset) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, `DELETE FROM password_resets WHERE token_hash = $1`, tokenHash(r.Token)); err != nil {
		m.log().Warn("remove unsent reset link", "error", err.Error())
	}
}

// Forgot outcomes, for the audit log (never shown to the requester).
const (
	ForgotSent     = "sent"      // a link is being mailed
	ForgotUnknown  = "unknown"   // no active account has this address
	ForgotThrottle = "throttled" // the address was asked for too often in the window
)

// Forgot is an anonymous "forgot password" request for email from
// clientIP. Its answer says nothing about the account: the same nil for
// every address (or *ForgotLimitError when clientIP asked too often).
// When the address was asked for at most PerAddress times in the window
// (whether or not an account has it) and an active account has it, a
// link is made and mailed after Forgot
// returns (so that the answer takes as long either way); a failed send is
// logged at WARN, with the account's id and not the token. The mail is in
// the account's language (settings.Language), else in lang (the language
// of the page that asked: en or de), else in English. It returns the
// account's id ("" when none) and the outcome, for the audit log.
func (m *ResetMailer) Forgot(ctx context.Context, db *sqlx.DB, email, clientIP, lang string) (string, string, error) {
	email = strings.TrimSpace(email)
	if m.Limits.Pool != nil {
		n, ttl, err := m.Limits.Hit(ctx, m.Limits.Key("reset", "ip", clientIP), m.PerIP.Window)
		if err != nil {
			return "", "", err
		}
		if n > m.PerIP.N {
			return "", "", &ForgotLimitError{RetryAfter: ttl}
		}
	}
	// The address is counted whether or not an account has it: the same
	// work, and the same limit, either way.
	if m.Limits.Pool != nil {
		n, _, err := m.Limits.Hit(ctx, m.Limits.Key("reset", "address", strings.ToLower(email)), m.PerAddress.Window)
		if err != nil {
			return "", "", err
		}
		if n > m.PerAddress.N {
			return "", ForgotThrottle, nil
		}
	}
	var id string
	err := db.GetContext(ctx, &id, `SELECT id FROM users WHERE lower(email) = lower($1) AND is_active`, email)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && email == "") {
		return "", ForgotUnknown, nil
	}
	if err != nil {
		return "", "", fmt.Errorf("find account: %w", err)
	}
	u, err := users.Get(ctx, db, id)
	if err != nil {
		return "", "", err
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		defer cancel()
		r, err := CreateReset(ctx, db, u.ID, "")
		if err != nil {
			m.log().Warn("password reset by e-mail: make link", "user_id", u.ID, "error", err.Error())
			return
		}
		if err := m.Sender.Send(ctx, m.message(u, r, false, m.language(ctx, db, u, lang))); err != nil {
			m.drop(ctx, db, r)
			m.log().Warn("password reset by e-mail: not sent", "user_id", u.ID, "error", err.Error())
			return
		}
		m.log().Info("password reset by e-mail: sent", "user_id", u.ID)
	}()
	return u.ID, ForgotSent, nil
}

func tokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
