// Package totp is two-factor sign-in with time-based one-time passwords
// (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits, as every authenticator
// app uses) and recovery codes (migration 0035).
//
// A person starts enrolling (Start: a new secret, shown as an otpauth URI
// and a QR code, not yet in force), confirms with a code from their app
// (Confirm: the factor is enabled and ten recovery codes are returned,
// once), and from then on a sign-in needs a code after the password
// (NewChallenge, then Verify or UseRecovery, then ConsumeChallenge).
//
// The secret is sealed with pkg/secrets (purpose totp.seed, the user's id
// as additional data). A code is accepted for the step before, the
// current step and the one after (clock drift), and only if its step is
// later than the last accepted one: each code works once. Recovery codes
// and challenges are kept only as SHA-256 hashes.
package totp

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/pquerna/otp"
	libtotp "github.com/pquerna/otp/totp"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/secrets"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrInvalidCode: the code is not the account's current one (wrong,
	// or from too long ago or too far ahead).
	ErrInvalidCode = errors.New("wrong or expired two-factor code")
	// ErrReplayed: the code is right but its time step was used already.
	ErrReplayed = errors.New("this two-factor code was used already: wait for the next one")
	// ErrInvalidRecovery: no unused recovery code of the account matches.
	ErrInvalidRecovery = errors.New("wrong or already used recovery code")
	// ErrNotEnrolled: the account has no second factor in force (or no
	// enrolment pending, for Confirm).
	ErrNotEnrolled = errors.New("two-factor sign-in is not set up for this account")
	// ErrAlreadyEnabled: Start or Confirm on an account whose second
	// factor is already in force (disable it first).
	ErrAlreadyEnabled = errors.New("two-factor sign-in is already on for this account: turn it off first")
	// ErrNoChallenge: the sign-in challenge is unknown, expired or used.
	ErrNoChallenge = errors.New("sign-in step expired or already used: sign in again with your password")
	// ErrNoKeyring: no SECRET_KEY keyring to seal the secret with.
	ErrNoKeyring = errors.New("two-factor sign-in needs SECRET_KEY")
	// ErrInvalidPolicy: a policy other than off, admins or everyone.
	ErrInvalidPolicy = errors.New("invalid two-factor policy: use off, admins or everyone")
)

const (
	// Period is the length of a time step.
	Period = 30
	// Digits is a code's length.
	Digits = otp.DigitsSix
	// Skew is how many steps before and after the current one are accepted.
	Skew = 1
	// RecoveryCodes is how many recovery codes an enrolment gets.
	RecoveryCodes = 10
	// ChallengeTTL is how long a sign-in challenge works.
	ChallengeTTL = 5 * time.Minute
	// DefaultIssuer names DocuVault in authenticator apps.
	DefaultIssuer = "DocuVault"
)

// ValidateOpts is the library configuration every code is made and
// checked with (RFC 6238's SHA-1, 30 s, 6 digits).
var ValidateOpts = libtotp.ValidateOpts{Period: Period, Skew: 0, Digits: Digits, Algorithm: otp.AlgorithmSHA1}

// Service keeps the second factors.
type Service struct {
	db     *sqlx.DB
	keys   *secrets.Keyring
	issuer string
	// Now is the clock (tests set it); nil means time.Now.
	Now func() time.Time

	mu       sync.Mutex
	policy   string
	policyAt time.Time
}

// policyTTL is how long CachedPolicy trusts the policy it read.
const policyTTL = 2 * time.Second

// CachedPolicy is Policy, read at most once per two seconds (every API
// request asks it); SetPolicy on this Service forgets it at once.
func (s *Service) CachedPolicy(ctx context.Context) (string, error) {
	s.mu.Lock()
	if s.policy != "" && time.Since(s.policyAt) < policyTTL {
		p := s.policy
		s.mu.Unlock()
		return p, nil
	}
	s.mu.Unlock()
	p, err := s.Policy(ctx)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.policy, s.policyAt = p, time.Now()
	s.mu.Unlock()
	return p, nil
}

// New returns a Service; keys may be nil (then Start answers ErrNoKeyring
// and nobody can have a factor to check).
func New(db *sqlx.DB, keys *secrets.Keyring, issuer string) *Service {
	if issuer == "" {
		issuer = DefaultIssuer
	}
	return &Service{db: db, keys: keys, issuer: issuer}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Enrolment is a pending second factor, shown to the person once.
type Enrolment struct {
	Secret string `json:"secret"` // base32, for typing into an app
	URI    string `json:"otpauth_uri"`
	QR     string `json:"qr_png"` // data:image/png;base64,…
}

// Status is whether an account has a second factor.
type Status struct {
	Enabled           bool       `db:"enabled" json:"enabled"`
	Pending           bool       `db:"-" json:"pending"`
	EnabledAt         *time.Time `db:"enabled_at" json:"enabled_at"`
	RecoveryCodesLeft int        `db:"-" json:"recovery_codes_left"`
	Required          bool       `db:"-" json:"required"`
}

// State returns userID's status (Required is left for the caller).
func (s *Service) State(ctx context.Context, userID string) (Status, error) {
	var st Status
	err := s.db.GetContext(ctx, &st, `SELECT enabled, enabled_at FROM totp_factors WHERE user_id = $1`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return Status{}, nil
	}
	if err != nil {
		return Status{}, fmt.Errorf("read second factor: %w", err)
	}
	st.Pending = !st.Enabled
	if st.Enabled {
		if err := s.db.GetContext(ctx, &st.RecoveryCodesLeft, `SELECT count(*) FROM totp_recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID); err != nil {
			return Status{}, fmt.Errorf("count recovery codes: %w", err)
		}
	}
	return st, nil
}

// Enabled reports whether userID has a second factor in force.
func (s *Service) Enabled(ctx context.Context, userID string) (bool, error) {
	var on bool
	err := s.db.GetContext(ctx, &on, `SELECT enabled FROM totp_factors WHERE user_id = $1`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read second factor: %w", err)
	}
	return on, nil
}

// Start makes a new secret for userID (replacing a pending one) and
// returns it; it is not in force until Confirm. account labels it in the
// person's app (their handle).
func (s *Service) Start(ctx context.Context, userID, account string) (Enrolment, error) {
	if s.keys == nil {
		return Enrolment{}, ErrNoKeyring
	}
	key, err := libtotp.Generate(libtotp.GenerateOpts{Issuer: s.issuer, AccountName: account, Period: Period, SecretSize: 20, Digits: Digits, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Enrolment{}, fmt.Errorf("make secret: %w", err)
	}
	sealed, err := s.keys.Seal(secrets.PurposeTOTPSeed, []byte(key.Secret()), []byte(userID))
	if err != nil {
		return Enrolment{}, fmt.Errorf("seal secret: %w", err)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO totp_factors (user_id, seed_enc) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET seed_enc = EXCLUDED.seed_enc, last_step = 0, created_at = now()
		WHERE NOT totp_factors.enabled`, userID, sealed)
	if err != nil {
		return Enrolment{}, fmt.Errorf("save secret: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Enrolment{}, ErrAlreadyEnabled
	}
	png, err := qrcode.Encode(key.String(), qrcode.Medium, 256)
	if err != nil {
		return Enrolment{}, fmt.Errorf("make QR code: %w", err)
	}
	return Enrolment{Secret: key.Secret(), URI: key.String(), QR: "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)}, nil
}

// Confirm checks code against userID's pending secret; when right, the
// factor is in force and the ten recovery codes are returned (shown once).
func (s *Service) Confirm(ctx context.Context, userID, code string) ([]string, error) {
	var codes []string
	err := database.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		f, err := s.lockFactor(ctx, tx, userID)
		if err != nil {
			return err
		}
		if f.Enabled {
			return ErrAlreadyEnabled
		}
		step, err := s.check(f, userID, code)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE totp_factors SET enabled = true, enabled_at = now(), last_step = $2 WHERE user_id = $1`, userID, step); err != nil {
			return fmt.Errorf("enable second factor: %w", err)
		}
		codes, err = newRecoveryCodes(ctx, tx, userID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// RegenerateRecovery replaces userID's recovery codes with ten new ones.
func (s *Service) RegenerateRecovery(ctx context.Context, userID string) ([]string, error) {
	var codes []string
	err := database.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		f, err := s.lockFactor(ctx, tx, userID)
		if err != nil {
			return err
		}
		if !f.Enabled {
			return ErrNotEnrolled
		}
		codes, err = newRecoveryCodes(ctx, tx, userID)
		return err
	})
	return codes, err
}

// Verify checks code for userID's factor in force and records its step,
// so it does not work again. ErrInvalidCode, ErrReplayed, ErrNotEnrolled.
func (s *Service) Verify(ctx context.Context, userID, code string) error {
	return database.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		f, err := s.lockFactor(ctx, tx, userID)
		if err != nil {
			return err
		}
		if !f.Enabled {
			return ErrNotEnrolled
		}
		step, err := s.check(f, userID, code)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE totp_factors SET last_step = $2 WHERE user_id = $1`, userID, step); err != nil {
			return fmt.Errorf("record code: %w", err)
		}
		return nil
	})
}

// UseRecovery spends one of userID's recovery codes. ErrInvalidRecovery
// when none unused matches; ErrNotEnrolled without a factor in force.
func (s *Service) UseRecovery(ctx context.Context, userID, code string) error {
	on, err := s.Enabled(ctx, userID)
	if err != nil {
		return err
	}
	if !on {
		return ErrNotEnrolled
	}
	res, err := s.db.ExecContext(ctx, `UPDATE totp_recovery_codes SET used_at = now()
		WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`, userID, hashRecovery(code))
	if err != nil {
		return fmt.Errorf("use recovery code: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrInvalidRecovery
	}
	return nil
}

// Disable removes userID's factor (pending or in force) and its recovery
// codes; the caller has checked the password and a code.
func (s *Service) Disable(ctx context.Context, userID string) error {
	return s.Reset(ctx, userID)
}

// Reset removes userID's second factor, its recovery codes and pending
// challenges (an administrator's reset). ErrNotEnrolled when there was none.
func (s *Service) Reset(ctx context.Context, userID string) error {
	var n int64
	err := database.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM totp_factors WHERE user_id = $1`, userID)
		if err != nil {
			return fmt.Errorf("remove second factor: %w", err)
		}
		n, _ = res.RowsAffected()
		if _, err := tx.ExecContext(ctx, `DELETE FROM totp_recovery_codes WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("remove recovery codes: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM totp_challenges WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("remove challenges: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotEnrolled
	}
	return nil
}

type factor struct {
	Seed     string `db:"seed_enc"`
	Enabled  bool   `db:"enabled"`
	LastStep int64  `db:"last_step"`
}

func (s *Service) lockFactor(ctx context.Context, tx *sqlx.Tx, userID string) (factor, error) {
	var f factor
	if _, err := uuid.Parse(userID); err != nil {
		return f, ErrNotEnrolled
	}
	err := tx.GetContext(ctx, &f, `SELECT seed_enc, enabled, last_step FROM totp_factors WHERE user_id = $1 FOR UPDATE`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return f, ErrNotEnrolled
	}
	if err != nil {
		return f, fmt.Errorf("read second factor: %w", err)
	}
	return f, nil
}

// check returns the time step code belongs to, or ErrInvalidCode /
// ErrReplayed.
func (s *Service) check(f factor, userID, code string) (int64, error) {
	if s.keys == nil {
		return 0, ErrNoKeyring
	}
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, code)
	if len(code) != Digits.Length() {
		return 0, ErrInvalidCode
	}
	seed, err := s.keys.Open(secrets.PurposeTOTPSeed, f.Seed, []byte(userID))
	if err != nil {
		return 0, fmt.Errorf("open secret: %w", err)
	}
	now := s.now().Unix() / Period
	matched := int64(-1)
	for step := now - Skew; step <= now+Skew; step++ {
		want, err := libtotp.GenerateCodeCustom(string(seed), time.Unix(step*Period, 0), ValidateOpts)
		if err != nil {
			return 0, fmt.Errorf("make code: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			matched = step
		}
	}
	if matched < 0 {
		return 0, ErrInvalidCode
	}
	if matched <= f.LastStep {
		return 0, ErrReplayed
	}
	return matched, nil
}

// newRecoveryCodes replaces userID's recovery codes in tx.
func newRecoveryCodes(ctx context.Context, tx *sqlx.Tx, userID string) ([]string, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM totp_recovery_codes WHERE user_id = $1`, userID); err != nil {
		return nil, fmt.Errorf("remove recovery codes: %w", err)
	}
	codes := make([]string, RecoveryCodes)
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	for i := range codes {
		b := make([]byte, 10)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		c := strings.ToLower(enc.EncodeToString(b)) // 16 characters
		codes[i] = c[:4] + "-" + c[4:8] + "-" + c[8:12] + "-" + c[12:]
		if _, err := tx.ExecContext(ctx, `INSERT INTO totp_recovery_codes (user_id, code_hash) VALUES ($1, $2)`, userID, hashRecovery(codes[i])); err != nil {
			return nil, fmt.Errorf("save recovery code: %w", err)
		}
	}
	return codes, nil
}

// hashRecovery is the SHA-256 of a recovery code without its dashes,
// spaces and letter case.
func hashRecovery(code string) []byte {
	c := strings.ToLower(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, code))
	sum := sha256.Sum256([]byte(c))
	return sum[:]
}

// NewChallenge starts the second step of userID's sign-in and returns
// its token (for ChallengeTTL, once).
func (s *Service) NewChallenge(ctx context.Context, userID string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	if _, err := s.db.ExecContext(ctx, `DELETE FROM totp_challenges WHERE expires_at < now() - interval '1 hour'`); err != nil {
		return "", fmt.Errorf("clean challenges: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO totp_challenges (user_id, token_hash, expires_at) VALUES ($1, $2, $3)`,
		userID, hashToken(token), s.now().Add(ChallengeTTL)); err != nil {
		return "", fmt.Errorf("save challenge: %w", err)
	}
	return token, nil
}

// Challenge returns the user of a live challenge without using it up.
func (s *Service) Challenge(ctx context.Context, token string) (string, error) {
	var userID string
	err := s.db.GetContext(ctx, &userID, `SELECT user_id FROM totp_challenges WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2`,
		hashToken(token), s.now())
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNoChallenge
	}
	if err != nil {
		return "", fmt.Errorf("read challenge: %w", err)
	}
	return userID, nil
}

// ConsumeChallenge uses up a live challenge of userID; ErrNoChallenge
// when it is not (any more).
func (s *Service) ConsumeChallenge(ctx context.Context, token, userID string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE totp_challenges SET used_at = now()
		WHERE token_hash = $1 AND user_id = $2 AND used_at IS NULL AND expires_at > $3`, hashToken(token), userID, s.now())
	if err != nil {
		return fmt.Errorf("use challenge: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNoChallenge
	}
	return nil
}

func hashToken(t string) []byte {
	sum := sha256.Sum256([]byte(t))
	return sum[:]
}

// Policy values: who must have a second factor.
const (
	PolicyOff      = "off"
	PolicyAdmins   = "admins"
	PolicyEveryone = "everyone"
)

// Policy returns the deployment's two-factor policy.
func (s *Service) Policy(ctx context.Context) (string, error) {
	var p string
	err := s.db.GetContext(ctx, &p, `SELECT required FROM totp_policy`)
	if errors.Is(err, sql.ErrNoRows) {
		return PolicyOff, nil
	}
	if err != nil {
		return "", fmt.Errorf("read two-factor policy: %w", err)
	}
	return p, nil
}

// SetPolicy sets the deployment's two-factor policy.
func (s *Service) SetPolicy(ctx context.Context, p string) error {
	p = strings.ToLower(strings.TrimSpace(p))
	if p != PolicyOff && p != PolicyAdmins && p != PolicyEveryone {
		return fmt.Errorf("%w: %q", ErrInvalidPolicy, p)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO totp_policy (only_row, required, updated_at) VALUES (true, $1, now())
		ON CONFLICT (only_row) DO UPDATE SET required = EXCLUDED.required, updated_at = now()`, p); err != nil {
		return fmt.Errorf("save two-factor policy: %w", err)
	}
	s.mu.Lock()
	s.policy = ""
	s.mu.Unlock()
	return nil
}

// Required says whether policy requires a second factor of an account
// with role.
func Required(policy, role string) bool {
	return policy == PolicyEveryone || (policy == PolicyAdmins && role == "admin")
}
