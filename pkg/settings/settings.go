// Package settings keeps each user's own preferences: which classifier
// files their documents (users.ai_provider: builtin or openai), with which
// model (users.ai_model), and which PDF pages OCR reads (users.ocr: auto,
// always or never), and the language of the e-mails it sends them
// (users.language: en or de). Unset means the deployment's default.
package settings

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
)

// Sentinel errors.
var (
	ErrNotFound = errors.New("no such user")
	ErrInvalid  = errors.New("invalid setting")
)

// Providers are the classifiers a user may choose.
var Providers = []string{"builtin", "openai"}

// OCRModes are the choices of which PDF pages OCR reads.
var OCRModes = []string{"auto", "always", "never"}

// MaxModelLen is the longest model name accepted.
const MaxModelLen = 200

// Settings are a user's preferences; nil means unset (the default).
type Settings struct {
	AIProvider *string `db:"ai_provider" json:"ai_provider"`
	AIModel    *string `db:"ai_model" json:"ai_model"`
	// OCR: which PDF pages OCR reads for this user's documents.
	OCR *string `db:"ocr" json:"ocr"`
}

// Get returns userID's settings.
func Get(ctx context.Context, db *sqlx.DB, userID string) (Settings, error) {
	if _, err := uuid.Parse(userID); err != nil {
		return Settings{}, ErrNotFound
	}
	var s Settings
	err := db.GetContext(ctx, &s, `SELECT ai_provider, ai_model, ocr FROM users WHERE id = $1`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return Settings{}, ErrNotFound
	}
	return s, err
}

// Validate says what is wrong with s, wrapping ErrInvalid, or nil. An empty
// string counts as unset.
func (s *Settings) Validate() error {
	if s.AIProvider != nil {
		p := strings.ToLower(strings.TrimSpace(*s.AIProvider))
		if p == "" {
			s.AIProvider = nil
		} else {
			ok := false
			for _, known := range Providers {
				ok = ok || p == known
			}
			if !ok {
				return fmt.Errorf("%w: ai_provider %q: use %s (or null for the default)", ErrInvalid, *s.AIProvider, strings.Join(Providers, " or "))
			}
			s.AIProvider = &p
		}
	}
	if s.OCR != nil {
		o := strings.ToLower(strings.TrimSpace(*s.OCR))
		switch {
		case o == "":
			s.OCR = nil
		case !slices.Contains(OCRModes, o):
			return fmt.Errorf("%w: ocr %q: use %s (or null for the default)", ErrInvalid, *s.OCR, strings.Join(OCRModes, ", "))
		default:
			s.OCR = &o
		}
	}
	if s.AIModel != nil {
		m := strings.TrimSpace(*s.AIModel)
		if m == "" {
			s.AIModel = nil
		} else {
			if utf8.RuneCountInString(m) > MaxModelLen || strings.ContainsFunc(m, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				return fmt.Errorf("%w: ai_model: use up to %d printable characters", ErrInvalid, MaxModelLen)
			}
			s.AIModel = &m
		}
	}
	return nil
}

// Put replaces userID's settings with s (validated first).
func Put(ctx context.Context, db *sqlx.DB, userID string, s Settings) (Settings, error) {
	if err := s.Validate(); err != nil {
		return Settings{}, err
	}
	if _, err := uuid.Parse(userID); err != nil {
		return Settings{}, ErrNotFound
	}
	var out Settings
	err := db.GetContext(ctx, &out, `UPDATE users SET ai_provider = $2, ai_model = $3, ocr = $4 WHERE id = $1
		RETURNING ai_provider, ai_model, ocr`, userID, s.AIProvider, s.AIModel, s.OCR)
	if errors.Is(err, sql.ErrNoRows) {
		return Settings{}, ErrNotFound
	}
	if err != nil {
		return Settings{}, fmt.Errorf("save settings: %w", err)
	}
	return out, nil
}

// Languages are the languages a user may choose for what DocuVault writes
// to them (e-mails; the web app's own choice is the browser's).
var Languages = []string{"en", "de"}

// ValidLanguage says whether lang is one of Languages.
func ValidLanguage(lang string) bool { return slices.Contains(Languages, lang) }

// Language returns userID's language ("" when they have not chosen one).
func Language(ctx context.Context, db sqlx.QueryerContext, userID string) (string, error) {
	if _, err := uuid.Parse(userID); err != nil {
		return "", ErrNotFound
	}
	var lang sql.NullString
	err := sqlx.GetContext(ctx, db, &lang, `SELECT language FROM users WHERE id = $1`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("read language: %w", err)
	}
	return lang.String, nil
}

// SetLanguage saves userID's language: one of Languages, or "" for none.
func SetLanguage(ctx context.Context, db sqlx.ExecerContext, userID, lang string) error {
	if lang != "" && !ValidLanguage(lang) {
		return fmt.Errorf("%w: language %q: use %s (or null for none)", ErrInvalid, lang, strings.Join(Languages, " or "))
	}
	if _, err := uuid.Parse(userID); err != nil {
		return ErrNotFound
	}
	res, err := db.ExecContext(ctx, `UPDATE users SET language = NULLIF($2, '') WHERE id = $1`, userID, lang)
	if err != nil {
		return fmt.Errorf("save language: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
