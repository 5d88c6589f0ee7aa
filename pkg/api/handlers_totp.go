package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/docuvault/docuvault/pkg/accounts"
	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/auth"
	"github.com/docuvault/docuvault/pkg/totp"
	"github.com/docuvault/docuvault/pkg/users"
)

// secondFactorAnswer is POST /api/auth/login's answer when the password
// was right and the account signs in with a code: no tokens yet.
type secondFactorAnswer struct {
	SecondFactor string `json:"second_factor"`
	Challenge    string `json:"challenge"`
	ExpiresIn    int64  `json:"expires_in"`
}

// needsSecondFactor is LoginAttempt.SecondFactor: whether userID has TOTP on.
func (s *Server) needsSecondFactor(ctx context.Context, userID string) (bool, error) {
	return s.d.TOTP.Enabled(ctx, userID)
}

// answerSecondFactor answers a login whose password was right with a
// challenge for the code.
func (s *Server) answerSecondFactor(w http.ResponseWriter, r *http.Request, userID string) error {
	c, err := s.d.TOTP.NewChallenge(r.Context(), userID)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, secondFactorAnswer{SecondFactor: "totp", Challenge: c, ExpiresIn: int64(totp.ChallengeTTL.Seconds())})
	return nil
}

type loginTOTPRequest struct {
	Challenge    string `json:"challenge"`
	Code         string `json:"code"`
	RecoveryCode string `json:"recovery_code"`
}

// loginTOTP is sign-in's second step: a challenge from POST /api/auth/login
// and a code (or a recovery code) give the tokens.
func (s *Server) loginTOTP(w http.ResponseWriter, r *http.Request) error {
	var req loginTOTPRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Challenge == "" || (req.Code == "") == (req.RecoveryCode == "") {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "challenge and either code or recovery_code are required")
	}
	ctx := r.Context()
	userID, err := s.d.TOTP.Challenge(ctx, req.Challenge)
	if err != nil {
		s.record(r, audit.Event{Type: audit.LoginFailed, Metadata: map[string]any{"reason": "totp", "detail": "challenge"}})
		return err
	}
	err = s.d.Auth.LimitPasswordCheck(ctx, userID, func() error {
		if req.RecoveryCode != "" {
			return s.d.TOTP.UseRecovery(ctx, userID, req.RecoveryCode)
		}
		return s.d.TOTP.Verify(ctx, userID, req.Code)
	}, wrongSecondFactor)
	if err != nil {
		reason := "totp"
		if errors.Is(err, auth.ErrRateLimited) {
			reason = "rate_limited"
		}
		meta := map[string]any{"reason": reason, "recovery_code": req.RecoveryCode != ""}
		if errors.Is(err, totp.ErrReplayed) {
			meta["replayed"] = true
		}
		s.record(r, audit.Event{UserID: userID, ActorID: userID, Type: audit.LoginFailed, Metadata: meta})
		return err
	}
	if err := s.d.TOTP.ConsumeChallenge(ctx, req.Challenge, userID); err != nil {
		return err
	}
	u, err := users.Get(ctx, s.d.DB, userID)
	if err != nil {
		return err
	}
	if !u.IsActive {
		return auth.ErrInactive
	}
	tokens, err := s.d.Auth.StartSession(ctx, userID, sessionInfo(r))
	if err != nil {
		return err
	}
	s.record(r, audit.Event{UserID: userID, ActorID: userID, Type: audit.Login, Metadata: map[string]any{"second_factor": "totp", "recovery_code": req.RecoveryCode != ""}})
	writeJSON(w, http.StatusOK, tokens)
	return nil
}

// signedInCodeError answers a wrong code on a signed-in route with 403,
// not sign-in's 401: the caller's session is fine, and clients take a 401
// for a session that ended.
func signedInCodeError(err error) error {
	for _, c := range []struct {
		target error
		code   string
	}{{totp.ErrInvalidCode, "invalid_code"}, {totp.ErrReplayed, "code_replayed"}, {totp.ErrInvalidRecovery, "invalid_recovery_code"}} {
		if errors.Is(err, c.target) {
			return errorf(http.StatusForbidden, c.code, "%s", c.target)
		}
	}
	return err
}

// wrongSecondFactor: the errors that count as a failed attempt.
func wrongSecondFactor(err error) bool {
	return errors.Is(err, totp.ErrInvalidCode) || errors.Is(err, totp.ErrReplayed) || errors.Is(err, totp.ErrInvalidRecovery) ||
		errors.Is(err, accounts.ErrWrongPassword)
}

// totpStatus is GET /api/me/totp: whether the caller has a second factor,
// and whether the policy requires one.
func (s *Server) totpStatus(w http.ResponseWriter, r *http.Request) error {
	u := currentUser(r)
	st, err := s.d.TOTP.State(r.Context(), u.ID)
	if err != nil {
		return err
	}
	p, err := s.d.TOTP.Policy(r.Context())
	if err != nil {
		return err
	}
	st.Required = totp.Required(p, u.Role)
	writeJSON(w, http.StatusOK, st)
	return nil
}

// startTOTP begins enrolment: a new secret as an otpauth URI and a QR code.
func (s *Server) startTOTP(w http.ResponseWriter, r *http.Request) error {
	u := currentUser(r)
	e, err := s.d.TOTP.Start(r.Context(), u.ID, u.Handle)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.UserAdmin, ResourceID: u.ID, Metadata: map[string]any{"resource": "user", "action": "totp_start"}})
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, e)
	return nil
}

type codeRequest struct {
	Code string `json:"code"`
}

// confirmTOTP turns the second factor on with a first code and answers
// the recovery codes, once.
func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request) error {
	var req codeRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Code == "" {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "code is required")
	}
	u := currentUser(r)
	var codes []string
	err := s.d.Auth.LimitPasswordCheck(r.Context(), u.ID, func() (err error) {
		codes, err = s.d.TOTP.Confirm(r.Context(), u.ID, req.Code)
		return err
	}, wrongSecondFactor)
	if err != nil {
		return signedInCodeError(err)
	}
	s.record(r, audit.Event{Type: audit.UserAdmin, ResourceID: u.ID, Metadata: map[string]any{"resource": "user", "action": "totp_enable"}})
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"enabled": true, "recovery_codes": codes})
	return nil
}

type disableTOTPRequest struct {
	Password     string `json:"password"`
	Code         string `json:"code"`
	RecoveryCode string `json:"recovery_code"`
}

// disableTOTP turns the caller's second factor off: their password and a
// code (or a recovery code) are required.
func (s *Server) disableTOTP(w http.ResponseWriter, r *http.Request) error {
	var req disableTOTPRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Password == "" || (req.Code == "" && req.RecoveryCode == "") {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "password and code are required")
	}
	u := currentUser(r)
	ctx := r.Context()
	err := s.d.Auth.LimitPasswordCheck(ctx, u.ID, func() error {
		if err := s.checkPassword(ctx, u.ID, req.Password); err != nil {
			return err
		}
		if req.RecoveryCode != "" {
			return s.d.TOTP.UseRecovery(ctx, u.ID, req.RecoveryCode)
		}
		return s.d.TOTP.Verify(ctx, u.ID, req.Code)
	}, wrongSecondFactor)
	if err != nil {
		return signedInCodeError(err)
	}
	if err := s.d.TOTP.Disable(ctx, u.ID); err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.UserAdmin, ResourceID: u.ID, Metadata: map[string]any{"resource": "user", "action": "totp_disable"}})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type regenerateRecoveryRequest struct {
	Password string `json:"password"`
	Code     string `json:"code"`
}

// regenerateRecovery replaces the caller's recovery codes with a new set,
// answered once: their password and a current code from the app are
// required (a recovery code is not: it would be spent on replacing
// itself). The old set stops working in the same transaction.
func (s *Server) regenerateRecovery(w http.ResponseWriter, r *http.Request) error {
	var req regenerateRecoveryRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Password == "" || req.Code == "" {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "password and code are required")
	}
	u := currentUser(r)
	ctx := r.Context()
	err := s.d.Auth.LimitPasswordCheck(ctx, u.ID, func() error {
		if err := s.checkPassword(ctx, u.ID, req.Password); err != nil {
			return err
		}
		return s.d.TOTP.Verify(ctx, u.ID, req.Code)
	}, wrongSecondFactor)
	if err != nil {
		return signedInCodeError(err)
	}
	codes, err := s.d.TOTP.RegenerateRecovery(ctx, u.ID)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.UserAdmin, ResourceID: u.ID, Metadata: map[string]any{"resource": "user", "action": "totp_recovery_regenerate"}})
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"recovery_codes": codes})
	return nil
}

// checkPassword answers accounts.ErrWrongPassword unless password is
// userID's.
func (s *Server) checkPassword(ctx context.Context, userID, password string) error {
	var hash string
	if err := s.d.DB.GetContext(ctx, &hash, `SELECT password_hash FROM users WHERE id = $1`, userID); err != nil {
		return err
	}
	ok, err := users.VerifyPassword(hash, password)
	if err != nil && !errors.Is(err, users.ErrBadHash) {
		return err
	}
	if !ok {
		return accounts.ErrWrongPassword
	}
	return nil
}

// adminResetTOTP removes another person's second factor (they lost their
// phone and their recovery codes).
func (s *Server) adminResetTOTP(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u, err := users.Get(r.Context(), s.d.DB, id)
	if err != nil {
		return err
	}
	if err := s.d.TOTP.Reset(r.Context(), id); err != nil {
		return err
	}
	s.record(r, audit.Event{UserID: id, Type: audit.UserAdmin, ResourceID: id,
		Metadata: map[string]any{"resource": "user", "action": "totp_reset", "handle": u.Handle}})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type totpPolicy struct {
	Required string `json:"required"`
}

func (s *Server) getTOTPPolicy(w http.ResponseWriter, r *http.Request) error {
	p, err := s.d.TOTP.Policy(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, totpPolicy{Required: p})
	return nil
}

func (s *Server) putTOTPPolicy(w http.ResponseWriter, r *http.Request) error {
	var req totpPolicy
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.d.TOTP.SetPolicy(r.Context(), req.Required); err != nil {
		return err
	}
	p, err := s.d.TOTP.Policy(r.Context())
	if err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.SettingsChange, Metadata: map[string]any{"setting": "totp_policy", "required": p}})
	writeJSON(w, http.StatusOK, totpPolicy{Required: p})
	return nil
}

// totpExempt are the routes a person whom the policy requires to have a
// second factor, and who has none yet, may still call: enough to enrol
// (and to keep the language of their e-mails, which the web app saves at
// sign-in and from Settings' language switch).
var totpExempt = map[string]bool{
	"GET /api/me": true, "GET /api/me/totp": true, "POST /api/me/totp": true, "POST /api/me/totp/confirm": true,
	"POST /api/auth/logout": true, "GET /api/settings": true, "PUT /api/me/language": true,
}

// enforceTOTP answers 403 totp_required when the policy requires a second
// factor of this account, it has none, and the route is not for enrolling.
func (s *Server) enforceTOTP(r *http.Request, rt route, userID, role string) error {
	if totpExempt[rt.method+" "+rt.pattern] {
		return nil
	}
	p, err := s.d.TOTP.CachedPolicy(r.Context())
	if err != nil {
		return err
	}
	if !totp.Required(p, role) {
		return nil
	}
	on, err := s.d.TOTP.Enabled(r.Context(), userID)
	if err != nil {
		return err
	}
	if !on {
		return errorf(http.StatusForbidden, "totp_required", "two-factor sign-in is required for this account: set it up in Settings first")
	}
	return nil
}
