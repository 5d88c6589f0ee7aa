package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/auth"
)

// Two tabs of one browser send the same refresh token at the same moment
// (real concurrent HTTP requests): both get a working pair, no session
// ends. The token sent again after the grace window ends every session.
func TestConcurrentRefreshGraceOverHTTP(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann := e.login("ann")
	other := e.login("ann")

	const tabs = 3
	type answer struct {
		status int
		body   []byte
		err    error
	}
	answers := make([]answer, tabs)
	start := make(chan struct{})
	var wg sync.WaitGroup
	body, _ := json.Marshal(map[string]string{"refresh_token": ann.refresh})
	for i := range tabs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := http.Post(e.srv.URL+"/api/auth/refresh", "application/json", bytes.NewReader(body))
			if err != nil {
				answers[i].err = err
				return
			}
			defer res.Body.Close()
			answers[i].status = res.StatusCode
			answers[i].body, answers[i].err = io.ReadAll(res.Body)
		}()
	}
	close(start)
	wg.Wait()
	for i, a := range answers {
		if a.err != nil || a.status != 200 {
			t.Fatalf("tab %d: %d %s %v (two tabs refreshing counted as reuse)", i, a.status, a.body, a.err)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(a.body, &tok); err != nil {
			t.Fatal(err)
		}
		(&client{e: e, token: tok.AccessToken}).do("GET", "/api/me", nil).want(200)
	}
	other.do("GET", "/api/me", nil).want(200)

	// The grace window has passed: a real reuse.
	if _, err := e.db.Exec(`UPDATE refresh_tokens SET revoked_at = now() - interval '1 minute' WHERE revoked_at IS NOT NULL AND replaced_by IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	e.anon().do("POST", "/api/auth/refresh", map[string]string{"refresh_token": ann.refresh}).wantError(401, "token_reused")
	other.do("GET", "/api/me", nil).wantError(401, "invalid_token")
}

func TestSessionsOverHTTP(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann := e.login("ann")
	phone := e.login("ann")
	laptop := e.login("ann")
	var list struct {
		Sessions []struct {
			ID        string `json:"id"`
			UserAgent string `json:"user_agent"`
			ClientIP  string `json:"client_ip"`
			Current   bool   `json:"current"`
		} `json:"sessions"`
	}
	ann.do("GET", "/api/sessions", nil).want(200).decode(&list)
	if len(list.Sessions) != 3 {
		t.Fatalf("sessions: %+v", list.Sessions)
	}
	var mine, theirs string
	for _, s := range list.Sessions {
		if s.ClientIP == "" || !strings.HasPrefix(s.UserAgent, "Go-http-client") {
			t.Errorf("session %+v", s)
		}
		if s.Current {
			mine = s.ID
		}
	}
	var phoneList struct {
		Sessions []struct {
			ID      string `json:"id"`
			Current bool   `json:"current"`
		} `json:"sessions"`
	}
	phone.do("GET", "/api/sessions", nil).want(200).decode(&phoneList)
	for _, s := range phoneList.Sessions {
		if s.Current {
			theirs = s.ID
		}
	}
	if mine == "" || theirs == "" || mine == theirs {
		t.Fatalf("current sessions %q and %q", mine, theirs)
	}
	// Bob cannot end ann's session.
	e.login("bob").do("DELETE", "/api/sessions/"+theirs, nil).wantError(404, "not_found")
	ann.do("DELETE", "/api/sessions/"+theirs, nil).want(204)
	phone.do("GET", "/api/me", nil).wantError(401, "invalid_token")
	e.anon().do("POST", "/api/auth/refresh", map[string]string{"refresh_token": phone.refresh}).wantError(401, "invalid_token")
	ann.do("DELETE", "/api/sessions/"+theirs, nil).wantError(404, "not_found")
	ann.do("DELETE", "/api/sessions/not-an-id", nil).wantError(404, "not_found")
	laptop.do("GET", "/api/me", nil).want(200)
	var ended map[string]int
	ann.do("DELETE", "/api/sessions", nil).want(200).decode(&ended)
	if ended["sessions_ended"] != 1 {
		t.Fatalf("ended %v", ended)
	}
	laptop.do("GET", "/api/me", nil).wantError(401, "invalid_token")
	ann.do("GET", "/api/me", nil).want(200)
}

func TestPasswordsOverHTTP(t *testing.T) {
	e := newEnv(t, envOptions{})
	root := e.login("root")
	ann := e.login("ann")
	other := e.login("ann")
	bob := e.login("bob")

	// Own password: the current one is required, the policy applies, the
	// other sessions end.
	ann.do("PUT", "/api/me/password", map[string]string{"current_password": "wrong", "new_password": "a much longer phrase"}).wantError(403, "wrong_password")
	ann.do("PUT", "/api/me/password", map[string]string{"current_password": "password-ann", "new_password": "short"}).wantError(422, "weak_password")
	ann.do("PUT", "/api/me/password", map[string]string{"current_password": "password-ann", "new_password": "iloveyou123"}).wantError(422, "weak_password")
	ann.do("PUT", "/api/me/password", map[string]string{"current_password": "password-ann", "new_password": "a much longer phrase"}).want(200)
	other.do("GET", "/api/me", nil).wantError(401, "invalid_token")
	ann.do("GET", "/api/me", nil).want(200)
	e.anon().do("POST", "/api/auth/login", map[string]string{"handle": "ann", "password": "a much longer phrase"}).want(200)

	// An administrator sets one: every session of the person ends.
	bob.do("PUT", "/api/admin/users/"+e.users["ann"].ID+"/password", map[string]string{"password": "whatever long phrase"}).wantError(403, "forbidden")
	root.do("PUT", "/api/admin/users/"+e.users["ann"].ID+"/password", map[string]string{"password": "ann@example.org"}).wantError(422, "weak_password")
	root.do("PUT", "/api/admin/users/"+e.users["ann"].ID+"/password", map[string]string{"password": "set by the administrator"}).want(200)
	ann.do("GET", "/api/me", nil).wantError(401, "invalid_token")

	// A reset link: shown once, works once.
	var link struct {
		Token string `json:"token"`
		Path  string `json:"path"`
	}
	root.do("POST", "/api/admin/users/"+e.users["ann"].ID+"/reset-link", nil).want(201).decode(&link)
	if link.Path != "/reset/"+link.Token || len(link.Token) < 40 {
		t.Fatalf("link %+v", link)
	}
	anon := e.anon()
	anon.do("POST", "/api/auth/reset", map[string]string{"token": link.Token, "password": "password"}).wantError(422, "weak_password")
	anon.do("POST", "/api/auth/reset", map[string]string{"token": link.Token, "password": "chosen through the link"}).want(200)
	anon.do("POST", "/api/auth/reset", map[string]string{"token": link.Token, "password": "chosen through the link again"}).wantError(410, "reset_used")
	anon.do("POST", "/api/auth/reset", map[string]string{"token": "made-up", "password": "chosen through the link again"}).wantError(404, "reset_invalid")
	anon.do("POST", "/api/auth/login", map[string]string{"handle": "ann", "password": "chosen through the link"}).want(200)

	// Audited with the actor, never the password.
	var n int
	if err := e.db.Get(&n, `SELECT count(*) FROM audit_log WHERE user_id = $1 AND metadata->>'action' IN ('change_password', 'set_password', 'reset_link', 'reset_password')`, e.users["ann"].ID); err != nil || n != 4 {
		t.Fatalf("%d audit events, %v", n, err)
	}
	var leaked int
	if err := e.db.Get(&leaked, `SELECT count(*) FROM audit_log WHERE metadata::text LIKE '%chosen through%' OR metadata::text LIKE '%administrator%' OR metadata::text LIKE $1`, "%"+link.Token+"%"); err != nil || leaked != 0 {
		t.Fatalf("%d audit events hold a password or token, %v", leaked, err)
	}
}

func TestDeleteUserOverHTTP(t *testing.T) {
	e := newEnv(t, envOptions{})
	root := e.login("root")
	ann := e.login("ann")
	var doc struct {
		Documents []struct {
			ID string `json:"id"`
		} `json:"documents"`
	}
	ann.upload(nil, filePart{name: "a.txt", content: []byte("ann's notes")}).want(201).decode(&doc)
	root.do("DELETE", "/api/admin/users/"+e.users["root"].ID, nil).wantError(422, "invalid_field")
	ann.do("DELETE", "/api/admin/users/"+e.users["bob"].ID, nil).wantError(403, "forbidden")
	var del struct {
		Documents int `json:"documents"`
	}
	root.do("DELETE", "/api/admin/users/"+e.users["ann"].ID, nil).want(200).decode(&del)
	if del.Documents != 1 {
		t.Fatalf("deleted %+v", del)
	}
	ann.do("GET", "/api/me", nil).wantError(401, "invalid_token")
	root.do("GET", "/api/admin/users/"+e.users["ann"].ID, nil).wantError(404, "not_found")
	root.do("DELETE", "/api/admin/users/"+e.users["ann"].ID, nil).wantError(404, "not_found")
	// The last active administrator cannot be deleted over HTTP at all
	// (the one asking is an active administrator, and not themselves):
	// accounts.ErrLastAdmin (409 last_admin) is tested in pkg/accounts.
	var objects int
	if err := e.db.Get(&objects, `SELECT count(*) FROM documents WHERE user_id = $1`, e.users["ann"].ID); err != nil || objects != 0 {
		t.Fatalf("%d documents left, %v", objects, err)
	}
}

func TestExportOverHTTP(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann := e.login("ann")
	ann.upload(nil, filePart{name: "tax.txt", content: []byte("tax 2025")}).want(201)
	res := ann.do("GET", "/api/me/export", nil).want(200)
	if cd := res.header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if bytes.Contains(res.body, []byte("argon2")) || bytes.Contains(res.body, []byte("password_hash")) || !bytes.Contains(res.body, []byte("tax.txt")) {
		t.Fatalf("export: %s", res.body)
	}
}

// Guessing the current password through a change is limited as logins are.
func TestChangePasswordRateLimited(t *testing.T) {
	e := newEnv(t, envOptions{accountLimit: auth.Limit{N: 2, Window: time.Minute}})
	ann := e.login("ann")
	for range 2 {
		ann.do("PUT", "/api/me/password", map[string]string{"current_password": "guess", "new_password": "a much longer phrase"}).wantError(403, "wrong_password")
	}
	res := ann.do("PUT", "/api/me/password", map[string]string{"current_password": "password-ann", "new_password": "a much longer phrase"}).wantError(429, "rate_limited")
	if res.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

func TestResetTokenNotInAccessLog(t *testing.T) {
	if got := logPath("/reset/abcDEF123"); got != "/reset/…" {
		t.Fatalf("logPath = %q", got)
	}
	if got := logPath("/api/documents"); got != "/api/documents" {
		t.Fatalf("logPath = %q", got)
	}
}
