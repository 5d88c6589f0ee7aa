package api

import (
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/oidc"
	"github.com/docuvault/docuvault/tests/testenv"
)

// browser is a cookie-keeping HTTP client that follows redirects until
// one would leave for DocuVault's web app (/login…).
type browser struct {
	t      *testing.T
	e      *env
	client *http.Client
}

func newBrowser(t *testing.T, e *env) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, e: e, client: &http.Client{Jar: jar, Timeout: 15 * time.Second, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(r.URL.Path, "/login") {
			return http.ErrUseLastResponse
		}
		return nil
	}}}
}

// get fetches u and returns the final response (closed) and where it
// would go next (the Location of a redirect to /login).
func (b *browser) get(u string) (*http.Response, *url.URL) {
	b.t.Helper()
	res, err := b.client.Get(u)
	if err != nil {
		b.t.Fatalf("GET %s: %v", u, err)
	}
	res.Body.Close()
	loc, _ := res.Location()
	return res, loc
}

// signIn goes from DocuVault's start URL through Dex (its connector
// chosen by connector_id; the local one's login form filled in) and back
// to the callback; it returns where the callback sent the browser.
func (b *browser) signIn(connector, email, password string) *url.URL {
	b.t.Helper()
	// The start answers with a redirect to Dex; the connector is chosen in
	// Dex's URL, as a person would by clicking on Dex's page.
	noFollow := *b.client
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := noFollow.Get(b.e.srv.URL + "/api/auth/oidc/dex/start")
	if err != nil {
		b.t.Fatal(err)
	}
	res.Body.Close()
	loc, err := res.Location()
	if res.StatusCode != http.StatusFound || err != nil {
		b.t.Fatalf("start: %d %v", res.StatusCode, err)
	}
	if strings.HasPrefix(loc.Path, "/login") {
		return loc
	}
	q := loc.Query()
	q.Set("connector_id", connector)
	loc.RawQuery = q.Encode()
	res, next := b.get(loc.String())
	if next == nil && res.StatusCode == http.StatusOK && connector == "local" {
		r2, err := b.client.PostForm(res.Request.URL.String(), url.Values{"login": {email}, "password": {password}})
		if err != nil {
			b.t.Fatal(err)
		}
		r2.Body.Close()
		next, _ = r2.Location()
	}
	if next == nil {
		b.t.Fatalf("the sign-in did not come back to /login: %d %s", res.StatusCode, res.Request.URL)
	}
	return next
}

// ssoCode is the one-time code of a /login#sso=CODE, or fails.
func ssoCode(t *testing.T, loc *url.URL) string {
	t.Helper()
	code, ok := strings.CutPrefix(loc.Fragment, "sso=")
	if !ok || code == "" || loc.RawQuery != "" {
		t.Fatalf("sign-in sent the browser to %s, want /login#sso=CODE", loc)
	}
	return code
}

func ssoError(t *testing.T, loc *url.URL, want string) {
	t.Helper()
	if loc.Path != "/login" || loc.Query().Get("sso_error") != want {
		t.Fatalf("sent to %s, want /login?sso_error=%s", loc, want)
	}
}

// Single sign-on over the API against a real Dex: providers listed, the
// code flow through the routes (the state bound to the browser by a
// cookie), a new account landing in the mapped group that sees a
// document shared with it, linking by verified e-mail through Dex's
// login form, the one-time code used once, logout ending the session, a
// wrong or replayed state, and the provider down (password sign-in goes
// on).
func TestSSOOverAPI(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	dex := testenv.StartDex(t, testenv.DexOptions{RedirectURIs: []string{base + "/api/auth/oidc/dex/callback"},
		Users: []testenv.DexUser{{Email: "ann@example.org", Username: "ann", Password: "dex-password-ann"}}})
	e := newEnv(t, envOptions{listener: ln, sso: []oidc.Provider{{Name: "dex", DisplayName: "Company login", Issuer: dex.Issuer,
		ClientID: dex.ClientID, ClientSecret: dex.ClientSecret, Scopes: []string{"openid", "email", "profile", "groups"},
		AllowSignup: true, GroupsClaim: "groups", GroupMap: []oidc.GroupMap{{Claim: testenv.DexMockGroup, Group: "Household"}}}}})
	anon := e.anon()
	if body := string(anon.do("GET", "/api/auth/oidc/providers", nil).want(200).body); body != `{"providers":[{"name":"dex","display_name":"Company login"}]}`+"\n" {
		t.Fatalf("providers: %s", body)
	}
	anon.do("GET", "/api/auth/oidc/nope/start", nil).wantError(404, "not_found")
	anon.do("GET", "/api/auth/oidc/nope/callback?state=x&code=y", nil).wantError(404, "not_found")

	// root shares a document with the group Household.
	root := e.login("root")
	root.do("POST", "/api/admin/groups", map[string]any{"name": "Household"}).want(201)
	doc := root.uploadOne("insurance.txt", "the household's insurance policy")
	root.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"group": "Household", "permission": "view"}).want(201)

	// A new person signs in with Dex (mockCallback: groups [authors]).
	b := newBrowser(t, e)
	code := ssoCode(t, b.signIn("mock", "", ""))
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	anon.do("POST", "/api/auth/oidc/exchange", map[string]any{"code": code}).want(200).decode(&tok)
	anon.do("POST", "/api/auth/oidc/exchange", map[string]any{"code": code}).wantError(401, "invalid_code")
	kil := &client{e: e, token: tok.AccessToken, refresh: tok.RefreshToken}
	me := kil.do("GET", "/api/me", nil).want(200).json()
	if me["handle"] != "kilgore" || me["email"] != testenv.DexMockEmail || me["can_login"] != false {
		t.Fatalf("me: %v", me)
	}
	if body := string(kil.do("GET", "/api/groups", nil).want(200).body); !strings.Contains(body, "Household") {
		t.Fatalf("kilgore's groups: %s", body)
	}
	if body := string(kil.do("GET", "/api/documents?shared=1", nil).want(200).body); !strings.Contains(body, doc.ID) {
		t.Fatalf("kilgore does not see the shared document: %s", body)
	}
	kil.do("GET", "/api/documents/"+doc.ID, nil).want(200)
	if body := string(kil.do("GET", "/api/me/sso", nil).want(200).body); !strings.Contains(body, `"provider":"dex"`) {
		t.Fatalf("kilgore's identities: %s", body)
	}
	if body := string(kil.do("GET", "/api/me/export", nil).want(200).body); !strings.Contains(body, `"sso_identities":[{"email":"`+testenv.DexMockEmail) {
		t.Errorf("kilgore's export lacks the identity: %.300s", body)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'sso' AND metadata->>'action' = 'signup' AND actor_id = user_id`); n != 1 {
		t.Errorf("sign-up audited %d times", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'login' AND metadata->>'method' = 'sso'`); n != 1 {
		t.Errorf("sso login audited %d times", n)
	}
	// Logout ends the local session: the refresh token is refused after.
	kil.do("POST", "/api/auth/logout", map[string]any{"refresh_token": tok.RefreshToken}).want(204)
	anon.do("POST", "/api/auth/refresh", map[string]any{"refresh_token": tok.RefreshToken}).wantError(401, "invalid_token")

	// ann (an existing account) signs in through Dex's login form: linked
	// by her verified e-mail address.
	code = ssoCode(t, newBrowser(t, e).signIn("local", "ann@example.org", "dex-password-ann"))
	anon.do("POST", "/api/auth/oidc/exchange", map[string]any{"code": code}).want(200).decode(&tok)
	if me := (&client{e: e, token: tok.AccessToken}).do("GET", "/api/me", nil).want(200).json(); me["handle"] != "ann" {
		t.Fatalf("linked sign-in is %v", me["handle"])
	}
	ids := root.do("GET", "/api/admin/users/"+e.users["ann"].ID+"/sso", nil).want(200).json()["identities"].([]any)
	if len(ids) != 1 {
		t.Fatalf("ann's identities: %v", ids)
	}
	e.login("bob").do("GET", "/api/admin/users/"+e.users["ann"].ID+"/sso", nil).wantError(403, "forbidden")

	// A callback in another browser (no cookie), and one replayed.
	other := newBrowser(t, e)
	b2 := newBrowser(t, e)
	noFollow := *b2.client
	var callback string
	noFollow.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
		if strings.Contains(r.URL.Path, "/api/auth/oidc/dex/callback") {
			callback = r.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}
	stop := *b2.client
	stop.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := stop.Get(e.srv.URL + "/api/auth/oidc/dex/start")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := res.Location()
	if err != nil {
		t.Fatal(err)
	}
	q := loc.Query()
	q.Set("connector_id", "mock")
	loc.RawQuery = q.Encode()
	if res, err = noFollow.Get(loc.String()); err != nil || callback == "" {
		t.Fatalf("to the callback: %v", err)
	}
	res.Body.Close()
	_, next := other.get(callback)
	ssoError(t, next, "state")
	// The refused attempt did not use the state up: the browser that
	// started it finishes; the same callback again is refused.
	_, next = b2.get(callback)
	ssoCode(t, next)
	_, next = b2.get(callback)
	ssoError(t, next, "state")
	_, next = b2.get(e.srv.URL + "/api/auth/oidc/dex/callback?state=made-up&code=x")
	ssoError(t, next, "state")

	// The provider goes down: a clear error, and password sign-in works.
	dex.Stop(t)
	ssoError(t, newBrowser(t, e).signIn("mock", "", ""), "provider_down")
	e.login("root")
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'login_failed' AND metadata->>'detail' = 'provider_down'`); n != 1 {
		t.Errorf("provider down audited %d times", n)
	}

	root.do("DELETE", "/api/admin/users/"+e.users["ann"].ID+"/sso/dex", nil).want(204)
	root.do("DELETE", "/api/admin/users/"+e.users["ann"].ID+"/sso/dex", nil).wantError(404, "not_found")
}
