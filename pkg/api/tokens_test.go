package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestTokenScopesNameRoutes: every route tokenScopes lets a token call is
// a route of the table, with a scope that exists, and none is an admin
// route; and openapi.json says the same (apiToken with that scope).
func TestTokenScopesNameRoutes(t *testing.T) {
	s := New(Deps{})
	routes := map[string]route{}
	for _, rt := range s.routes {
		routes[rt.method+" "+rt.pattern] = rt
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	for key, scope := range tokenScopes() {
		rt, ok := routes[key]
		if !ok {
			t.Errorf("tokenScopes names %s, which is no route", key)
			continue
		}
		if rt.access != user {
			t.Errorf("tokenScopes lets tokens call %s, whose access is %d", key, rt.access)
		}
		if scope != anyScope && scope != "read" && scope != "upload" {
			t.Errorf("%s: scope %q", key, scope)
		}
	}
	for key, rt := range routes {
		var op struct {
			Security []map[string][]string `json:"security"`
		}
		if err := json.Unmarshal(doc.Paths[rt.pattern][strings.ToLower(rt.method)], &op); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		var documented []string
		has := false
		for _, req := range op.Security {
			if sc, ok := req["apiToken"]; ok {
				has, documented = true, sc
			}
		}
		scope, allowed := tokenScopes()[key]
		switch {
		case has != allowed:
			t.Errorf("%s: openapi.json says apiToken=%v, tokenScopes %v", key, has, allowed)
		case allowed && scope == anyScope && len(documented) != 0:
			t.Errorf("%s: openapi.json asks for scopes %v, tokenScopes for none", key, documented)
		case allowed && scope != anyScope && !slices.Equal(documented, []string{scope}):
			t.Errorf("%s: openapi.json asks for scopes %v, tokenScopes for %s", key, documented, scope)
		}
	}
}

// TestAPITokens: a token made over the API uploads and reads within its
// scopes and nothing else: every other route of the table answers it 403
// token_not_allowed, an admin's token too; revoked, it is refused at once.
// Its secret is in the answer to POST and nowhere after.
func TestAPITokens(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann := e.login("ann")
	var made struct {
		ID     string   `json:"id"`
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
		Token  string   `json:"token"`
	}
	ann.do("POST", "/api/tokens", map[string]any{"name": "scanner", "scopes": []string{"upload"}}).want(201).decode(&made)
	if !strings.HasPrefix(made.Token, "dvt_") || made.Name != "scanner" || !slices.Equal(made.Scopes, []string{"upload"}) {
		t.Fatalf("made %+v", made)
	}
	var reader struct {
		Token string `json:"token"`
	}
	ann.do("POST", "/api/tokens", map[string]any{"name": "reader", "scopes": []string{"read"}}).want(201).decode(&reader)
	ann.do("POST", "/api/tokens", map[string]any{"name": "x", "scopes": []string{"write"}}).wantError(422, "invalid_field")
	ann.do("POST", "/api/tokens", map[string]any{"name": "Scanner", "scopes": []string{"read"}}).wantError(409, "conflict")
	ann.do("POST", "/api/tokens", map[string]any{"scopes": []string{"read"}}).wantError(422, "invalid_field")
	list := ann.do("GET", "/api/tokens", nil).want(200)
	if strings.Contains(string(list.body), made.Token[4:]) || strings.Contains(string(list.body), `"token"`) {
		t.Errorf("the list holds a secret: %s", list.body)
	}

	scanner := &client{e: e, handle: "ann", token: made.Token}
	doc := scanner.uploadOne("scan.txt", "scanned page")
	scanner.do("GET", "/api/documents", nil).wantError(403, "insufficient_scope")
	scanner.do("GET", "/api/me", nil).want(200)

	read := &client{e: e, handle: "ann", token: reader.Token}
	read.do("GET", "/api/documents/"+doc.ID, nil).want(200)
	read.request("GET", "/api/documents/"+doc.ID+"/content", nil, "", nil).want(200)
	read.upload(nil, filePart{field: "file", name: "x.txt", content: []byte("x")}).wantError(403, "insufficient_scope")
	read.do("GET", "/api/search?q=scanned", nil).want(200)

	// Every route outside tokenScopes refuses every token.
	rootTok := struct {
		Token string `json:"token"`
	}{}
	e.login("root").do("POST", "/api/tokens", map[string]any{"name": "root", "scopes": []string{"read", "upload"}}).want(201).decode(&rootTok)
	root := &client{e: e, handle: "root", token: rootTok.Token}
	allowed := tokenScopes()
	for _, rt := range e.api.routes {
		key := rt.method + " " + rt.pattern
		if _, ok := allowed[key]; ok || rt.access == public {
			continue
		}
		path := strings.ReplaceAll(rt.pattern, "{id}", uuid.NewString())
		for _, c := range []*client{read, root} {
			c.request(rt.method, path, strings.NewReader("{}"), "application/json", nil).wantError(http.StatusForbidden, "token_not_allowed")
		}
	}

	// The audit log names the token that acted.
	var labels []string
	if err := e.admin.Select(&labels, `SELECT event_type || ' ' || coalesce(actor_label, '-') || ' ' || (actor_id = $1)::text
		FROM audit_log WHERE user_id = $1 AND event_type IN ('upload', 'download', 'api_token_change') ORDER BY id`, e.users["ann"].ID); err != nil {
		t.Fatal(err)
	}
	want := "api_token_change - true|api_token_change - true|upload token:scanner true|download token:reader true"
	if got := strings.Join(labels, "|"); got != want {
		t.Errorf("audit:\n%s\nwant\n%s", got, want)
	}

	// Bob cannot revoke Ann's token; Ann can, and it is refused at once.
	e.login("bob").do("DELETE", "/api/tokens/"+made.ID, nil).wantError(404, "not_found")
	ann.do("DELETE", "/api/tokens/"+made.ID, nil).want(204)
	scanner.do("GET", "/api/me", nil).wantError(401, "invalid_token")
	ann.do("DELETE", "/api/tokens/"+made.ID, nil).wantError(404, "not_found")
}
