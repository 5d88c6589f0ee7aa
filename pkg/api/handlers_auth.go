package api

import (
	_ "embed"
	"errors"
	"net/http"
	"strings"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/auth"
	"github.com/docuvault/docuvault/pkg/health"
	"github.com/docuvault/docuvault/pkg/settings"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/pkg/usertext"
)

//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err := w.Write(openAPIDoc)
	return err
}

// health answers 200 when every component is ok, 503 otherwise. From
// loopback or with an administrator's token the body is the JSON of
// `docuvault health --json`; anyone else gets only the status of each
// component (see healthDetails), not its error, which names internal
// addresses and the database role.
func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	rep := health.Run(r.Context(), s.d.HealthTimeout, s.d.Health)
	status := http.StatusOK
	if !rep.OK() {
		status = http.StatusServiceUnavailable
	}
	if !s.healthDetails(r) {
		writeJSON(w, status, summarize(rep))
		return nil
	}
	writeJSON(w, status, rep)
	return nil
}

type loginRequest struct {
	Handle   string `json:"handle"`
	Password string `json:"password"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Handle) == "" || req.Password == "" {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "handle and password are required")
	}
	// The one text rule (pkg/usertext), before the rate limits and any
	// query: a NUL byte here was a database error and a 500.
	if err := usertext.CheckLine("handle", strings.TrimSpace(req.Handle)); err != nil {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "%s", err)
	}
	st := state(r.Context())
	userID, tokens, err := s.d.Auth.Login(r.Context(), auth.LoginAttempt{Identifier: req.Handle, Password: req.Password, ClientIP: st.clientIP, UserAgent: r.Header.Get("User-Agent"),
		SecondFactor: s.needsSecondFactor})
	if errors.Is(err, auth.ErrSecondFactor) {
		return s.answerSecondFactor(w, r, userID)
	}
	if err != nil {
		reason := "invalid_credentials"
		switch {
		case errors.Is(err, auth.ErrRateLimited):
			reason = "rate_limited"
		case errors.Is(err, auth.ErrInactive):
			reason = "account_disabled"
		case errors.Is(err, auth.ErrUnavailable):
			reason = "unavailable"
		}
		// A handle that names no account is not kept: people type their
		// password into the wrong field, and the audit log keeps no secrets.
		meta := map[string]any{"reason": reason, "known_account": userID != ""}
		s.record(r, audit.Event{UserID: userID, ActorID: userID, Type: audit.LoginFailed, Metadata: meta})
		return err
	}
	s.record(r, audit.Event{UserID: userID, ActorID: userID, Type: audit.Login})
	writeJSON(w, http.StatusOK, tokens)
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func (s *Server) refresh(w http.ResponseWriter, r *http.Request) error {
	var req refreshRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.RefreshToken == "" {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "refresh_token is required")
	}
	u, tokens, err := s.d.Auth.RefreshSession(r.Context(), req.RefreshToken, sessionInfo(r))
	if errors.Is(err, auth.ErrTokenReused) {
		s.record(r, audit.Event{UserID: u.ID, ActorID: u.ID, Type: audit.TokenReuse, Metadata: map[string]any{"sessions_revoked": true}})
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, tokens)
	return nil
}

type logoutRequest struct {
	RefreshToken string `json:"refresh_token"`
	All          bool   `json:"all"`
}

// logout revokes the refresh token given, or with "all": true every one of
// the user's.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	var req logoutRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
	}
	if req.RefreshToken == "" && !req.All {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", `send {"refresh_token": "…"} to end this session, or {"all": true} to end every session`)
	}
	u := currentUser(r)
	token := req.RefreshToken
	if req.All {
		token = ""
	}
	if err := s.d.Auth.Logout(r.Context(), u.ID, token); err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.Logout, Metadata: map[string]any{"all": req.All}})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	u, err := users.Get(r.Context(), s.d.DB, currentUser(r).ID)
	if err != nil {
		return err
	}
	lang, err := settings.Language(r.Context(), s.d.DB, u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		users.User
		meLanguage
	}{u, meLanguage{Language: nullable(lang)}})
	return nil
}
