package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/auth"
	"github.com/docuvault/docuvault/pkg/health"
)

func TestHealthIsTheCLIJSON(t *testing.T) {
	e := newEnv(t, envOptions{})
	res := e.anon().do("GET", "/health", nil).want(200)
	var rep health.Report
	res.decode(&rep)
	if rep.Status != "ok" || len(rep.Components) != 3 || !rep.Components["postgres"].OK || !rep.Components["minio"].OK || !rep.Components["redis"].OK {
		t.Fatalf("health: %s", res.body)
	}
	// The pooled checks give the same report.
	e.api.d.Health = PooledChecks(e.db, e.store, e.pool)
	res = e.anon().do("GET", "/health", nil).want(200)
	res.decode(&rep)
	if rep.Status != "ok" || len(rep.Components) != 3 || !rep.Components["postgres"].OK {
		t.Fatalf("pooled health: %s", res.body)
	}
	// A dependency down: 503 with the same shape.
	e.api.d.Health["redis"] = func(context.Context) error { return errors.New("redis: connection refused") }
	res = e.anon().do("GET", "/health", nil).want(503)
	res.decode(&rep)
	if rep.Status != "fail" || rep.Components["redis"].OK || rep.Components["redis"].Error != "redis: connection refused" || !rep.Components["postgres"].OK {
		t.Fatalf("health with redis down: %s", res.body)
	}
}

func TestAuthFlow(t *testing.T) {
	e := newEnv(t, envOptions{reuseGrace: -1}) // every reuse is a real one
	anon := e.anon()

	// Login by handle and by email; the token answer's shape.
	res := anon.do("POST", "/api/auth/login", map[string]string{"handle": "ann", "password": "password-ann"}).want(200)
	m := res.json()
	if m["token_type"] != "Bearer" || m["expires_in"].(float64) != 900 || m["access_token"] == "" || m["refresh_token"] == "" {
		t.Fatalf("login answer: %s", res.body)
	}
	anon.do("POST", "/api/auth/login", map[string]string{"handle": "ann@example.org", "password": "password-ann"}).want(200)

	// Failures: one shape, no hint which part was wrong.
	wrong := anon.do("POST", "/api/auth/login", map[string]string{"handle": "ann", "password": "nope-nope"}).wantError(401, "invalid_credentials")
	unknown := anon.do("POST", "/api/auth/login", map[string]string{"handle": "nobody", "password": "nope-nope"}).wantError(401, "invalid_credentials")
	if string(wrong.body) != string(unknown.body) {
		t.Errorf("wrong password and unknown account differ:\n%s\n%s", wrong.body, unknown.body)
	}
	anon.do("POST", "/api/auth/login", map[string]string{"handle": "ann"}).wantError(422, "invalid_field")
	anon.request("POST", "/api/auth/login", strings.NewReader("{not json"), "application/json", nil).wantError(400, "malformed")
	anon.request("POST", "/api/auth/login", strings.NewReader("handle=ann"), "application/x-www-form-urlencoded", nil).wantError(415, "")

	// /api/me with and without a token.
	ann := e.login("ann")
	me := ann.do("GET", "/api/me", nil).want(200).json()
	if me["handle"] != "ann" || me["id"] != e.users["ann"].ID || me["role"] != "user" {
		t.Errorf("me: %v", me)
	}
	anon.do("GET", "/api/me", nil).wantError(401, "unauthenticated")
	(&client{e: e, token: "garbage"}).do("GET", "/api/me", nil).wantError(401, "invalid_token")
	if res := anon.do("GET", "/api/me", nil); res.header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}

	// Refresh rotates; the old refresh token is spent; reusing it ends
	// every session.
	var next struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	anon.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": ann.refresh}).want(200).decode(&next)
	if next.RefreshToken == ann.refresh || next.AccessToken == "" {
		t.Fatal("refresh did not rotate")
	}
	(&client{e: e, token: next.AccessToken}).do("GET", "/api/me", nil).want(200)
	anon.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": ann.refresh}).wantError(401, "token_reused")
	anon.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": next.RefreshToken}).wantError(401, "invalid_token")
	if n := e.count(`SELECT count(*) FROM refresh_tokens WHERE user_id = $1 AND NOT revoked`, e.users["ann"].ID); n != 0 {
		t.Errorf("%d refresh tokens live after reuse", n)
	}

	// Logout ends that session: its refresh token and (migration 0032)
	// its access token.
	ann = e.login("ann")
	ann.do("POST", "/api/auth/logout", map[string]string{"refresh_token": ann.refresh}).want(204)
	anon.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": ann.refresh}).wantError(401, "invalid_token")
	ann.do("GET", "/api/me", nil).wantError(401, "invalid_token")
	ann = e.login("ann")
	ann.do("POST", "/api/auth/logout", map[string]any{}).wantError(422, "invalid_field")
	ann.do("POST", "/api/auth/logout", map[string]any{"all": true}).want(204)

	// Audit: successes and failures, never a password.
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'login' AND user_id = $1`, e.users["ann"].ID); n < 3 {
		t.Errorf("%d login events", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'login_failed' AND user_id = $1 AND ip_address IS NOT NULL`, e.users["ann"].ID); n != 1 {
		t.Errorf("%d failed login events for ann", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'login_failed' AND user_id IS NULL AND metadata->>'known_account' = 'false' AND ip_address IS NOT NULL`); n != 1 {
		t.Errorf("%d failed login events for an unknown handle", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'token_reuse'`); n != 1 {
		t.Errorf("%d token_reuse events", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE metadata::text LIKE '%password-ann%' OR metadata::text LIKE '%nope-nope%' OR metadata::text LIKE '%nobody%'`); n != 0 {
		t.Error("a password is in the audit log")
	}
	if strings.Contains(e.logs.String(), "password-ann") || strings.Contains(e.logs.String(), ann.token) || strings.Contains(e.logs.String(), ann.refresh) {
		t.Error("a secret is in the access log")
	}
}

func TestLoginRateLimitAnswers429(t *testing.T) {
	e := newEnv(t, envOptions{accountLimit: auth.Limit{N: 2, Window: time.Minute}})
	anon := e.anon()
	for i := 0; i < 2; i++ {
		anon.do("POST", "/api/auth/login", map[string]string{"handle": "bob", "password": "wrong-password"}).wantError(401, "invalid_credentials")
	}
	res := anon.do("POST", "/api/auth/login", map[string]string{"handle": "bob", "password": "password-bob"}).wantError(429, "rate_limited")
	ra, err := strconv.Atoi(res.header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > 60 {
		t.Errorf("Retry-After %q", res.header.Get("Retry-After"))
	}
	// Another account is not affected.
	e.login("ann")
}

func TestLoginRateLimitPerIP(t *testing.T) {
	e := newEnv(t, envOptions{ipLimit: auth.Limit{N: 3, Window: time.Minute}})
	anon := e.anon()
	for i := 0; i < 3; i++ {
		anon.do("POST", "/api/auth/login", map[string]string{"handle": "user" + strconv.Itoa(i), "password": "whatever-1"}).wantError(401, "")
	}
	anon.do("POST", "/api/auth/login", map[string]string{"handle": "ann", "password": "password-ann"}).wantError(429, "rate_limited")
}

func TestInactiveUsers(t *testing.T) {
	e := newEnv(t, envOptions{})
	root, bob := e.login("root"), e.login("bob")
	root.do("PATCH", "/api/admin/users/"+e.users["bob"].ID, map[string]any{"is_active": false}).want(200)
	bob.do("GET", "/api/me", nil).wantError(403, "account_disabled")
	e.anon().do("POST", "/api/auth/login", map[string]string{"handle": "bob", "password": "password-bob"}).wantError(403, "account_disabled")
	e.anon().do("POST", "/api/auth/refresh", map[string]string{"refresh_token": bob.refresh}).wantError(401, "")
	root.do("PATCH", "/api/admin/users/"+e.users["bob"].ID, map[string]any{"is_active": true}).want(200)
	e.login("bob")
}

func TestAdminUsers(t *testing.T) {
	e := newEnv(t, envOptions{})
	root, ann := e.login("root"), e.login("ann")
	ann.do("GET", "/api/admin/users", nil).wantError(403, "forbidden")
	ann.do("POST", "/api/admin/users", map[string]any{"handle": "eve", "email": "eve@example.org"}).wantError(403, "forbidden")

	var list struct {
		Users []struct {
			Handle string `json:"handle"`
		} `json:"users"`
	}
	root.do("GET", "/api/admin/users", nil).want(200).decode(&list)
	if len(list.Users) != 3 {
		t.Errorf("users: %+v", list)
	}
	created := root.do("POST", "/api/admin/users", map[string]any{"handle": "cat", "email": "cat@example.org", "password": "password-cat", "quota_bytes": 12345}).want(201).json()
	if created["handle"] != "cat" || created["quota_limit_bytes"].(float64) != 12345 || created["role"] != "user" {
		t.Errorf("created: %v", created)
	}
	e.login("cat")
	// A taken handle or email is said once ("user already exists" does not
	// come before it: issue 21).
	for body, want := range map[string]string{
		`{"handle": "cat", "email": "cat2@example.org"}`: "the handle cat is taken: choose another one",
		`{"handle": "Cat", "email": "cat3@example.org"}`: "the handle Cat is taken: choose another one",
		`{"handle": "cat2", "email": "cat@example.org"}`: "the email address cat@example.org is taken by another user: use another one",
	} {
		var e errorBody
		root.do("POST", "/api/admin/users", json.RawMessage(body)).wantError(409, "conflict").decode(&e)
		if e.Error.Message != want {
			t.Errorf("POST /api/admin/users %s: %q, want %q", body, e.Error.Message, want)
		}
	}
	root.do("POST", "/api/admin/users", map[string]any{"handle": "bad handle", "email": "x@example.org"}).wantError(422, "invalid_field")
	root.do("POST", "/api/admin/users", map[string]any{"handle": "dog", "email": "not-an-email"}).wantError(422, "invalid_field")
	root.do("POST", "/api/admin/users", map[string]any{"handle": "dog", "email": "dog@example.org", "role": "king"}).wantError(422, "invalid_field")

	id := created["id"].(string)
	upd := root.do("PATCH", "/api/admin/users/"+id, map[string]any{"role": "admin", "quota_bytes": 1 << 30}).want(200).json()
	if upd["role"] != "admin" || upd["quota_limit_bytes"].(float64) != 1<<30 {
		t.Errorf("updated: %v", upd)
	}
	root.do("GET", "/api/admin/users/"+id, nil).want(200)
	root.do("GET", "/api/admin/users/00000000-0000-0000-0000-000000000000", nil).wantError(404, "not_found")
	root.do("PATCH", "/api/admin/users/"+e.users["root"].ID, map[string]any{"is_active": false}).wantError(422, "invalid_field")
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'user_admin' AND actor_id = $1`, e.users["root"].ID); n != 2 {
		t.Errorf("%d user_admin events", n)
	}
}

func TestErrorsAndHeaders(t *testing.T) {
	e := newEnv(t, envOptions{cors: []string{"https://app.example.org"}})
	ann := e.login("ann")
	res := ann.do("GET", "/api/nope", nil).wantError(404, "not_found")
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
		if got := res.header.Get(h); got != want {
			t.Errorf("%s: %q", h, got)
		}
	}
	if id := res.header.Get("X-Request-ID"); len(id) < 16 {
		t.Errorf("request id %q", id)
	}
	if got := ann.request("GET", "/api/me", nil, "", map[string]string{"X-Request-ID": "abc-123"}).header.Get("X-Request-ID"); got != "abc-123" {
		t.Errorf("client request id not kept: %q", got)
	}
	// The access log is JSON with the request id, route and status.
	var seen bool
	for _, line := range strings.Split(e.logs.String(), "\n") {
		var l map[string]any
		if json.Unmarshal([]byte(line), &l) == nil && l["msg"] == "request" && l["request_id"] == "abc-123" {
			seen = l["route"] == "/api/me" && l["status"].(float64) == 200 && l["user_id"] == e.users["ann"].ID
		}
	}
	if !seen {
		t.Errorf("no access log line for abc-123:\n%s", e.logs.String())
	}

	// CORS: the configured origin only.
	ok := e.anon().request("OPTIONS", "/api/documents", nil, "", map[string]string{"Origin": "https://app.example.org", "Access-Control-Request-Method": "POST"})
	if ok.status != 204 || ok.header.Get("Access-Control-Allow-Origin") != "https://app.example.org" || !strings.Contains(ok.header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight: %d %v", ok.status, ok.header)
	}
	bad := e.anon().request("OPTIONS", "/api/documents", nil, "", map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
	if bad.status != 403 || bad.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign preflight: %d %v", bad.status, bad.header)
	}
	if got := ann.request("GET", "/api/me", nil, "", map[string]string{"Origin": "https://evil.example"}).header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("foreign origin allowed: %q", got)
	}
	if got := ann.request("GET", "/api/me", nil, "", map[string]string{"Origin": "https://app.example.org"}).header.Get("Access-Control-Allow-Origin"); got != "https://app.example.org" {
		t.Errorf("configured origin refused: %q", got)
	}

	// Body limits and malformed bodies.
	big := strings.NewReader(`{"name":"` + strings.Repeat("x", MaxJSONBody) + `"}`)
	ann.request("POST", "/api/topics", big, "application/json", nil).wantError(http.StatusRequestEntityTooLarge, "too_large")
	ann.do("POST", "/api/topics", map[string]any{"name": "x", "bogus": 1}).wantError(400, "malformed")
	ann.request("POST", "/api/topics", strings.NewReader(`{"name": 5}`), "application/json", nil).wantError(400, "malformed")
	ann.do("GET", "/api/documents/not-a-uuid", nil).wantError(404, "not_found")
}

func TestPanicIsA500InTheErrorShape(t *testing.T) {
	e := newEnv(t, envOptions{})
	h := e.api.middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"code":"internal"`) {
		t.Fatalf("panic: %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(e.logs.String(), "boom") {
		t.Error("panic not logged")
	}
}

// TestHealthDetailsOnlyForLoopbackOrAdmins: a client elsewhere gets each
// component's status but not the errors, which name internal hosts, ports
// and the database role; an administrator's token or loopback gets the
// whole report (issue 20, D15).
func TestHealthDetailsOnlyForLoopbackOrAdmins(t *testing.T) {
	e := newEnv(t, envOptions{})
	root, ann := e.login("root"), e.login("ann")
	secret := "redis: dial tcp 10.1.2.3:6379: connection refused (role docuvault_app)"
	e.api.d.Health["redis"] = func(context.Context) error { return errors.New(secret) }

	get := func(remote, token string) (int, string) {
		t.Helper()
		req := httptest.NewRequest("GET", "/health", nil)
		req.RemoteAddr = remote
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		e.api.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	for _, tc := range []struct {
		name, remote, token string
		details             bool
	}{
		{"anonymous, elsewhere", "203.0.113.9:40000", "", false},
		{"anonymous, IPv6 elsewhere", "[2001:db8::1]:40000", "", false},
		{"a user's token, elsewhere", "203.0.113.9:40000", ann.token, false},
		{"a bad token, elsewhere", "203.0.113.9:40000", "garbage", false},
		{"an administrator's token, elsewhere", "203.0.113.9:40000", root.token, true},
		{"anonymous, loopback", "127.0.0.1:40000", "", true},
		{"anonymous, IPv6 loopback", "[::1]:40000", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := get(tc.remote, tc.token)
			if code != 503 {
				t.Fatalf("status %d, want 503 (redis fails): %s", code, body)
			}
			var rep struct {
				Status     string                    `json:"status"`
				Components map[string]map[string]any `json:"components"`
			}
			if err := json.Unmarshal([]byte(body), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Status != "fail" || len(rep.Components) != 3 || rep.Components["redis"]["ok"] != false || rep.Components["postgres"]["ok"] != true {
				t.Fatalf("report: %s", body)
			}
			if shown := strings.Contains(body, secret); shown != tc.details {
				t.Fatalf("error shown: %v, want %v: %s", shown, tc.details, body)
			}
			if _, latency := rep.Components["postgres"]["latency_ms"]; latency != tc.details {
				t.Fatalf("latency shown: %v, want %v: %s", latency, tc.details, body)
			}
		})
	}
}

// TestSignedOutAccessTokensAre401: after logout everywhere, a reused
// refresh token, or an account disabled and enabled again, the access
// tokens issued before get 401 on the next request, not 15 minutes later
// (issue 20, D15).
func TestSignedOutAccessTokensAre401(t *testing.T) {
	e := newEnv(t, envOptions{reuseGrace: -1})
	root := e.login("root")

	a, b := e.login("ann"), e.login("ann")
	a.do("GET", "/api/me", nil).want(200)
	b.do("GET", "/api/me", nil).want(200)
	a.do("POST", "/api/auth/logout", map[string]any{"all": true}).want(204)
	a.do("GET", "/api/me", nil).wantError(401, "invalid_token")
	b.do("GET", "/api/topics", nil).wantError(401, "invalid_token")
	e.anon().do("POST", "/api/auth/refresh", map[string]string{"refresh_token": b.refresh}).wantError(401, "invalid_token")

	c := e.login("ann")
	var next struct {
		AccessToken string `json:"access_token"`
	}
	e.anon().do("POST", "/api/auth/refresh", map[string]string{"refresh_token": c.refresh}).want(200).decode(&next)
	(&client{e: e, token: next.AccessToken}).do("GET", "/api/me", nil).want(200)
	e.anon().do("POST", "/api/auth/refresh", map[string]string{"refresh_token": c.refresh}).wantError(401, "token_reused")
	c.do("GET", "/api/me", nil).wantError(401, "invalid_token")
	(&client{e: e, token: next.AccessToken}).do("GET", "/api/me", nil).wantError(401, "invalid_token")

	bob := e.login("bob")
	root.do("PATCH", "/api/admin/users/"+e.users["bob"].ID, map[string]any{"is_active": false}).want(200)
	bob.do("GET", "/api/me", nil).wantError(403, "account_disabled")
	root.do("PATCH", "/api/admin/users/"+e.users["bob"].ID, map[string]any{"is_active": true}).want(200)
	bob.do("GET", "/api/me", nil).wantError(401, "invalid_token")
	e.login("bob").do("GET", "/api/me", nil).want(200)
	e.login("ann").do("GET", "/api/me", nil).want(200)
}

// TestHandlesIgnoreCaseOverHTTP: logging in and sharing name an account by
// its handle in any letter case; a second account differing only in case
// is a 409 (issue 20, D15).
func TestHandlesIgnoreCaseOverHTTP(t *testing.T) {
	e := newEnv(t, envOptions{})
	root := e.login("root")
	root.do("POST", "/api/admin/users", map[string]any{"handle": "Alice", "email": "alice@example.org", "password": "password-Alice"}).want(201)
	root.do("POST", "/api/admin/users", map[string]any{"handle": "alice", "email": "alice2@example.org"}).wantError(409, "conflict")
	for _, h := range []string{"alice", "ALICE", "Alice"} {
		e.anon().do("POST", "/api/auth/login", map[string]string{"handle": h, "password": "password-Alice"}).want(200)
	}
	ann := e.login("ann")
	doc := ann.uploadOne("shared.txt", "words for alice")
	sh := ann.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"recipient": "ALICE"}).want(201).json()
	if sh["recipient_handle"] != "Alice" {
		t.Errorf("share: %v", sh)
	}
	ann.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"recipient": "alice"}).wantError(409, "conflict")
}
