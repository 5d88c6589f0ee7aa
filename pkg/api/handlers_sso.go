package api

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/oidc"
	"github.com/docuvault/docuvault/pkg/users"
)

// ssoCookie binds a started single sign-on to the browser that started
// it: the callback's state must equal it, so that nobody can have another
// person's browser finish a sign-in they started (login CSRF).
const ssoCookie = "docuvault_sso"

// ssoProviders lists the single sign-on providers for the sign-in page.
func (s *Server) ssoProviders(w http.ResponseWriter, r *http.Request) error {
	out := []oidc.Info{}
	if s.d.SSO != nil {
		out = s.d.SSO.Providers()
	}
	writeJSON(w, http.StatusOK, map[string]any{"providers": out})
	return nil
}

// ssoStart sends the browser to the provider.
func (s *Server) ssoStart(w http.ResponseWriter, r *http.Request) error {
	if s.d.SSO == nil {
		return errorf(http.StatusNotFound, "not_found", "single sign-on is not configured")
	}
	name := r.PathValue("provider")
	st, err := s.d.SSO.Start(r.Context(), name, state(r.Context()).clientIP)
	if errors.Is(err, oidc.ErrUnknownProvider) {
		return errorf(http.StatusNotFound, "not_found", "no single sign-on provider %q", truncate(name, 40))
	}
	if err != nil {
		s.d.Log.Warn("single sign-on could not start", "provider", name, "error", err.Error())
		s.record(r, audit.Event{Type: audit.LoginFailed, Metadata: map[string]any{"reason": "sso", "provider": truncate(name, 40), "detail": oidc.Code(err)}})
		s.ssoFailed(w, r, err)
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: st.State, Path: "/api/auth/oidc/", MaxAge: int(oidc.StateTTL / time.Second),
		HttpOnly: true, Secure: s.d.SSO.Secure(), SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, st.URL, http.StatusFound)
	return nil
}

// ssoCallback is the redirect URI: it finishes the sign-in and sends the
// browser to the web app with a one-time code in the fragment (never a
// token in a URL), or with an error code.
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) error {
	if s.d.SSO == nil {
		return errorf(http.StatusNotFound, "not_found", "single sign-on is not configured")
	}
	name := r.PathValue("provider")
	if !s.d.SSO.Has(name) {
		return errorf(http.StatusNotFound, "not_found", "no single sign-on provider %q", truncate(name, 40))
	}
	q := r.URL.Query()
	cb := oidc.Callback{State: q.Get("state"), Code: q.Get("code"), Error: q.Get("error")}
	// The state must be the one this browser started with.
	if c, err := r.Cookie(ssoCookie); err != nil || cb.State == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(cb.State)) != 1 {
		cb.State = "not-this-browser:" + cb.State
	}
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: "", Path: "/api/auth/oidc/", MaxAge: -1, HttpOnly: true,
		Secure: s.d.SSO.Secure(), SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	res, err := s.d.SSO.Finish(r.Context(), name, cb)
	if err != nil {
		s.d.Log.Info("single sign-on refused", "provider", name, "reason", oidc.Code(err), "error", err.Error())
		s.record(r, audit.Event{Type: audit.LoginFailed, Metadata: map[string]any{"reason": "sso", "provider": truncate(name, 40), "detail": oidc.Code(err)}})
		s.ssoFailed(w, r, err)
		return nil
	}
	actor := audit.Event{UserID: res.UserID, ActorID: res.UserID, Type: audit.SSO}
	if res.Created {
		e := actor
		e.Metadata = map[string]any{"action": "signup", "provider": name, "handle": res.Handle}
		s.record(r, e)
	}
	if res.Linked {
		e := actor
		e.Metadata = map[string]any{"action": "link", "provider": name, "handle": res.Handle}
		s.record(r, e)
	}
	if res.RoleChanged {
		e := actor
		e.Metadata = map[string]any{"action": "role", "provider": name, "handle": res.Handle, "role": res.Role}
		s.record(r, e)
		s.d.Auth.Forget(res.UserID)
	}
	if len(res.GroupsAdded)+len(res.GroupsRemoved) > 0 {
		e := actor
		e.Metadata = map[string]any{"action": "groups", "provider": name, "handle": res.Handle, "added": res.GroupsAdded, "removed": res.GroupsRemoved}
		s.record(r, e)
	}
	code, err := s.d.SSO.NewHandoff(r.Context(), oidc.Handoff{UserID: res.UserID, Provider: name})
	if err != nil {
		s.ssoFailed(w, r, err)
		return nil
	}
	http.Redirect(w, r, "/login#sso="+url.QueryEscape(code), http.StatusFound)
	return nil
}

// ssoFailed sends the browser to the sign-in page with an error code it
// turns into a message.
func (s *Server) ssoFailed(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, "/login?sso_error="+url.QueryEscape(oidc.Code(err)), http.StatusFound)
}

type ssoExchangeRequest struct {
	Code string `json:"code"`
}

// ssoExchange gives the web app its tokens for the one-time code.
func (s *Server) ssoExchange(w http.ResponseWriter, r *http.Request) error {
	var req ssoExchangeRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Code == "" {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "code is required")
	}
	if s.d.SSO == nil {
		return errorf(http.StatusNotFound, "not_found", "single sign-on is not configured")
	}
	h, err := s.d.SSO.TakeHandoff(r.Context(), req.Code)
	if errors.Is(err, oidc.ErrHandoff) {
		return errorf(http.StatusUnauthorized, "invalid_code", "%s", err)
	}
	if errors.Is(err, oidc.ErrUnavailable) {
		return errorf(http.StatusServiceUnavailable, "unavailable", "%s", err)
	}
	if err != nil {
		return err
	}
	u, err := users.Get(r.Context(), s.d.DB, h.UserID)
	if errors.Is(err, users.ErrNotFound) {
		return errorf(http.StatusUnauthorized, "invalid_code", "%s", oidc.ErrHandoff)
	}
	if err != nil {
		return err
	}
	if !u.IsActive {
		return errorf(http.StatusForbidden, "account_disabled", "%s", oidc.ErrDisabled)
	}
	tokens, err := s.d.Auth.StartSession(r.Context(), u.ID, sessionInfo(r))
	if err != nil {
		return err
	}
	s.record(r, audit.Event{UserID: u.ID, ActorID: u.ID, Type: audit.Login, Metadata: map[string]any{"method": "sso", "provider": h.Provider}})
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, tokens)
	return nil
}

// mySSO lists the caller's linked identities.
func (s *Server) mySSO(w http.ResponseWriter, r *http.Request) error {
	ids, err := oidc.Identities(r.Context(), s.d.DB, currentUser(r).ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"identities": ids})
	return nil
}

// adminUserSSO lists a user's linked identities.
func (s *Server) adminUserSSO(w http.ResponseWriter, r *http.Request) error {
	u, err := s.pathUser(r)
	if err != nil {
		return err
	}
	ids, err := oidc.Identities(r.Context(), s.d.DB, u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"identities": ids})
	return nil
}

// adminUnlinkSSO removes a user's identity of a provider.
func (s *Server) adminUnlinkSSO(w http.ResponseWriter, r *http.Request) error {
	u, err := s.pathUser(r)
	if err != nil {
		return err
	}
	provider := r.PathValue("provider")
	id, err := oidc.Unlink(r.Context(), s.d.DB, u.ID, provider)
	if errors.Is(err, oidc.ErrNotLinked) {
		return errorf(http.StatusNotFound, "not_found", "%s has no identity of provider %q", u.Handle, truncate(provider, 40))
	}
	if err != nil {
		return err
	}
	s.record(r, audit.Event{UserID: u.ID, Type: audit.SSO, ResourceID: u.ID,
		Metadata: map[string]any{"action": "unlink", "provider": id.Provider, "handle": u.Handle}})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pathUser is the user the path's {id} names; 404 when none.
func (s *Server) pathUser(r *http.Request) (users.User, error) {
	id, err := pathID(r)
	if err != nil {
		return users.User{}, err
	}
	u, err := users.Get(r.Context(), s.d.DB, id)
	if errors.Is(err, users.ErrNotFound) {
		return users.User{}, errorf(http.StatusNotFound, "not_found", "no such user")
	}
	return u, err
}
