package api

import (
	"errors"
	"fmt"
	"net/http"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/docuvault/docuvault/pkg/accounts"
	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/auth"
	"github.com/docuvault/docuvault/pkg/settings"
	"github.com/docuvault/docuvault/pkg/users"
)

// sessionInfo is what a session keeps of the request that starts or
// refreshes it.
func sessionInfo(r *http.Request) auth.SessionInfo {
	return auth.SessionInfo{UserAgent: r.Header.Get("User-Agent"), ClientIP: state(r.Context()).clientIP}
}

type passwordRequest struct {
	Password string `json:"password"`
}

// adminSetPassword sets another person's password; every session of
// theirs ends.
func (s *Server) adminSetPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req passwordRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Password == "" {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "password is required")
	}
	u, err := accounts.SetPassword(r.Context(), s.d.DB, s.d.Auth, s.d.Passwords, id, req.Password)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{UserID: u.ID, Type: audit.UserAdmin, ResourceID: u.ID,
		Metadata: map[string]any{"resource": "user", "action": "set_password", "handle": u.Handle}})
	writeJSON(w, http.StatusOK, u)
	return nil
}

// resetLinkAnswer is a reset link, shown once.
type resetLinkAnswer struct {
	Token     string    `json:"token"`
	Path      string    `json:"path"`
	ExpiresAt time.Time `json:"expires_at"`
}

type resetLinkRequest struct {
	Send bool `json:"send"`
}

// resetLinkSent is the answer when the link went out by e-mail: the
// administrator does not see it.
type resetLinkSent struct {
	SentTo    string    `json:"sent_to"`
	ExpiresAt time.Time `json:"expires_at"`
}

// adminResetLink makes a one-time password reset link for an account:
// shown once, or with {"send": true} mailed to the account's address.
func (s *Server) adminResetLink(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req resetLinkRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
	}
	if req.Send && s.d.ResetMail == nil {
		return errorf(http.StatusConflict, "smtp_not_configured", "no SMTP server is configured (DOCUVAULT_SMTP_HOST): make a link to show instead")
	}
	u, err := users.Get(r.Context(), s.d.DB, id)
	if err != nil {
		return err
	}
	if req.Send {
		reset, err := s.d.ResetMail.SendReset(r.Context(), s.d.DB, u, currentUser(r).ID)
		if errors.Is(err, accounts.ErrNoAddress) {
			return errorf(http.StatusUnprocessableEntity, "no_email", "%s", err)
		}
		if err != nil {
			s.d.Log.Warn("password reset link not mailed", "user_id", u.ID, "error", err.Error())
			return errorf(http.StatusBadGateway, "mail_failed", "%s", err)
		}
		s.record(r, audit.Event{UserID: id, Type: audit.UserAdmin, ResourceID: id,
			Metadata: map[string]any{"resource": "user", "action": "reset_link", "handle": u.Handle, "sent": true, "expires_at": reset.ExpiresAt}})
		writeJSON(w, http.StatusCreated, resetLinkSent{SentTo: u.Email, ExpiresAt: reset.ExpiresAt})
		return nil
	}
	reset, err := accounts.CreateReset(r.Context(), s.d.DB, id, currentUser(r).ID)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{UserID: id, Type: audit.UserAdmin, ResourceID: id,
		Metadata: map[string]any{"resource": "user", "action": "reset_link", "handle": u.Handle, "expires_at": reset.ExpiresAt}})
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, resetLinkAnswer{Token: reset.Token, Path: "/reset/" + reset.Token, ExpiresAt: reset.ExpiresAt})
	return nil
}

// forgotState is GET /api/auth/forgot: whether the login page offers
// "Forgot password?" (only when SMTP is configured).
func (s *Server) forgotState(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]bool{"enabled": s.d.ResetMail != nil})
	return nil
}

type forgotRequest struct {
	Email string `json:"email"`
	// Language is the language of the page that asks (en or de): the
	// mail's, when the account has not chosen one.
	Language string `json:"language"`
}

// forgotMessage is the one answer every "forgot password" request gets.
const forgotMessage = "If an account has this address, a link to set a new password is on its way. It works once, for 24 hours."

// forgotPassword is an anonymous request for a reset link by e-mail. The
// answer is the same whether or not an account has the address; the
// client IP is rate-limited (429), the address silently.
func (s *Server) forgotPassword(w http.ResponseWriter, r *http.Request) error {
	if s.d.ResetMail == nil {
		return errorf(http.StatusConflict, "smtp_not_configured", "password reset by e-mail is off on this server: ask an administrator for a reset link")
	}
	var req forgotRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	email := strings.TrimSpace(req.Email)
	if _, err := netmail.ParseAddress(email); err != nil || len(email) > 320 {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "email must be an e-mail address like ann@example.org")
	}
	if req.Language != "" && !settings.ValidLanguage(req.Language) {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "language must be %s, or left out", strings.Join(settings.Languages, " or "))
	}
	userID, outcome, err := s.d.ResetMail.Forgot(r.Context(), s.d.DB, email, state(r.Context()).clientIP, req.Language)
	var limited *accounts.ForgotLimitError
	if errors.As(err, &limited) {
		s.record(r, audit.Event{Type: audit.UserAdmin, Metadata: map[string]any{"resource": "user", "action": "forgot_password", "outcome": "rate_limited"}})
		return &Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: limited.Error(), RetryAfter: max(int(limited.RetryAfter.Seconds()+0.999), 1)}
	}
	if err != nil {
		return err
	}
	s.record(r, audit.Event{UserID: userID, Type: audit.UserAdmin, ResourceID: userID, Metadata: map[string]any{"resource": "user", "action": "forgot_password", "outcome": outcome}})
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusAccepted, map[string]string{"message": forgotMessage})
	return nil
}

type resetRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// useResetLink sets a password through a reset link (no sign-in needed).
func (s *Server) useResetLink(w http.ResponseWriter, r *http.Request) error {
	var req resetRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Token == "" || req.Password == "" {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "token and password are required")
	}
	u, err := accounts.UseReset(r.Context(), s.d.DB, s.d.Auth, s.d.Passwords, req.Token, req.Password)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{UserID: u.ID, ActorID: u.ID, Type: audit.UserAdmin, ResourceID: u.ID,
		Metadata: map[string]any{"resource": "user", "action": "reset_password", "handle": u.Handle}})
	writeJSON(w, http.StatusOK, map[string]string{"handle": u.Handle})
	return nil
}

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePassword is a person changing their own password; their other
// sessions end.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	var req changePasswordRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.CurrentPassword == "" || req.NewPassword == "" {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "current_password and new_password are required")
	}
	u := currentUser(r)
	var n int
	err := s.d.Auth.LimitPasswordCheck(r.Context(), u.ID, func() (err error) {
		n, err = accounts.ChangePassword(r.Context(), s.d.DB, s.d.Auth, s.d.Passwords, u.ID, state(r.Context()).session, req.CurrentPassword, req.NewPassword)
		return err
	}, func(err error) bool { return errors.Is(err, accounts.ErrWrongPassword) })
	if err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.UserAdmin, ResourceID: u.ID,
		Metadata: map[string]any{"resource": "user", "action": "change_password", "sessions_ended": n}})
	writeJSON(w, http.StatusOK, map[string]int{"sessions_ended": n})
	return nil
}

// adminDeleteUser deletes an account with everything it owns.
func (s *Server) adminDeleteUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if id == currentUser(r).ID {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "you cannot delete your own account here: ask another administrator, or use docuvault user rm")
	}
	del, err := accounts.Delete(r.Context(), s.d.DB, s.d.Storage, s.d.Auth, id)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.UserAdmin, ResourceID: id,
		Metadata: map[string]any{"resource": "user", "action": "delete", "handle": del.User.Handle, "documents": del.Documents}})
	writeJSON(w, http.StatusOK, del)
	return nil
}

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.d.Auth.Sessions(r.Context(), currentUser(r).ID, state(r.Context()).session)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": ss})
	return nil
}

func (s *Server) endSession(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.d.Auth.EndSession(r.Context(), currentUser(r).ID, id); err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.Logout, Metadata: map[string]any{"session": id, "current": id == state(r.Context()).session}})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// endOtherSessions ends every session but the caller's.
func (s *Server) endOtherSessions(w http.ResponseWriter, r *http.Request) error {
	keep := state(r.Context()).session
	if keep == "" {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "this request belongs to no session (an API token): end sessions with a session's access token")
	}
	n, err := s.d.Auth.EndOtherSessions(r.Context(), currentUser(r).ID, keep)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.Logout, Metadata: map[string]any{"others": true, "sessions_ended": n}})
	writeJSON(w, http.StatusOK, map[string]int{"sessions_ended": n})
	return nil
}

// exportAccount answers everything about the caller's account as one JSON
// download.
func (s *Server) exportAccount(w http.ResponseWriter, r *http.Request) error {
	u := currentUser(r)
	data, err := accounts.Export(r.Context(), s.d.DB, u.ID)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.UserAdmin, ResourceID: u.ID, Metadata: map[string]any{"resource": "user", "action": "export"}})
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="docuvault-%s.json"`, u.Handle))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, data)
	return nil
}

// setLanguage answers PUT /api/me/language {"language": "de"}: the
// language of the e-mails DocuVault sends the caller (null or "": none).
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Language *string `json:"language"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	lang := ""
	if req.Language != nil {
		lang = *req.Language
	}
	if err := settings.SetLanguage(r.Context(), s.d.DB, currentUser(r).ID, lang); err != nil {
		if errors.Is(err, settings.ErrInvalid) {
			return errorf(http.StatusUnprocessableEntity, "invalid_field", "language must be %s, or null for none", strings.Join(settings.Languages, " or "))
		}
		return err
	}
	writeJSON(w, http.StatusOK, meLanguage{Language: nullable(lang)})
	return nil
}

// meLanguage is the caller's language as GET /api/me and PUT
// /api/me/language answer it (null: none chosen).
type meLanguage struct {
	Language *string `json:"language"`
}

// nullable is s, or nil when s is "".
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
