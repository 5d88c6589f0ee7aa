package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/docuvault/docuvault/pkg/apitokens"
	"github.com/docuvault/docuvault/pkg/audit"
)

// Personal API tokens (issue 22, item 5): a user's bearer tokens for
// scripts and phone scan apps, and the routes they may call.

// anyScope marks a route every token may call, whatever its scopes.
const anyScope = "*"

// tokenScopes maps each route a personal API token may call ("METHOD
// pattern" as in the route table) to the scope it needs. A route not
// listed here (token management, password, sign-out, admin, topics and
// folders but their lists, settings, shares, editing or deleting
// documents) is refused to every token: such a token leaked from a phone
// app can at worst read or add documents.
func tokenScopes() map[string]string {
	return map[string]string{
		"GET /api/me": anyScope, // lets a script check its token

		"POST /api/documents": apitokens.ScopeUpload,

		"GET /api/documents":                apitokens.ScopeRead,
		"GET /api/search":                   apitokens.ScopeRead,
		"GET /api/documents/{id}":           apitokens.ScopeRead,
		"GET /api/documents/{id}/content":   apitokens.ScopeRead,
		"GET /api/documents/{id}/text":      apitokens.ScopeRead,
		"GET /api/documents/{id}/thumbnail": apitokens.ScopeRead,
		"GET /api/documents/{id}/similar":   apitokens.ScopeRead,
		"GET /api/topics":                   apitokens.ScopeRead,
		"GET /api/folders":                  apitokens.ScopeRead,
	}
}

// authorizeAPIToken authenticates a personal API token and checks that it
// may call rt.
func (s *Server) authorizeAPIToken(r *http.Request, rt route, token string) error {
	t, u, err := apitokens.Authenticate(r.Context(), s.d.DB, token)
	if err != nil {
		return err
	}
	st := state(r.Context())
	st.user, st.token = &u, &t
	scope, ok := tokenScopes()[rt.method+" "+rt.pattern]
	if !ok || rt.access == admin {
		return errorf(http.StatusForbidden, "token_not_allowed",
			"API tokens may not call %s %s: sign in to the web app for this", rt.method, rt.pattern)
	}
	if scope != anyScope && !t.Has(scope) {
		return errorf(http.StatusForbidden, "insufficient_scope",
			"this API token's scopes (%s) do not include %q, which %s %s needs: make a token with it",
			strings.Join(t.Scopes, ", "), scope, rt.method, rt.pattern)
	}
	return nil
}

func (s *Server) listAPITokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := apitokens.List(r.Context(), s.d.DB, currentUser(r).ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": ts, "scopes": apitokens.Scopes()})
	return nil
}

// createdToken is a new token with its secret, shown this once.
type createdToken struct {
	apitokens.Token
	Secret string `json:"token"`
}

func (s *Server) createAPIToken(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name      *string    `json:"name"`
		Scopes    []string   `json:"scopes"`
		ExpiresAt *time.Time `json:"expires_at"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Name == nil {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "name is required: say what the token is for, e.g. \"phone scanner\"")
	}
	t, secret, err := apitokens.Create(r.Context(), s.d.DB, currentUser(r).ID,
		apitokens.New{Name: *req.Name, Scopes: req.Scopes, ExpiresAt: req.ExpiresAt})
	if err != nil {
		return err
	}
	meta := map[string]any{"action": "create", "name": t.Name, "scopes": t.Scopes}
	if t.ExpiresAt != nil {
		meta["expires_at"] = t.ExpiresAt.UTC().Format(time.RFC3339)
	}
	s.record(r, audit.Event{Type: audit.TokenChange, ResourceID: t.ID, Metadata: meta})
	writeJSON(w, http.StatusCreated, createdToken{Token: t, Secret: secret})
	return nil
}

func (s *Server) deleteAPIToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u := currentUser(r)
	t, err := apitokens.Get(r.Context(), s.d.DB, u.ID, id)
	if err != nil {
		return err
	}
	if err := apitokens.Delete(r.Context(), s.d.DB, u.ID, id); err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.TokenChange, ResourceID: id, Metadata: map[string]any{"action": "revoke", "name": t.Name}})
	w.WriteHeader(http.StatusNoContent)
	return nil
}
