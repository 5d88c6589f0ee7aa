package oidc

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gomodule/redigo/redis"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/redisconn"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

// publicURL is where DocuVault would be: the flow never reaches it (the
// test takes the code and state off Dex's redirect to it).
const publicURL = "http://127.0.0.1:9/docuvault"

type fixture struct {
	t    *testing.T
	db   *sqlx.DB
	pool *redis.Pool
	ns   string
	dex  *testenv.Dex
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dex := testenv.StartDex(t, testenv.DexOptions{
		RedirectURIs: []string{publicURL + "/api/auth/oidc/dex/callback"},
		Users: []testenv.DexUser{
			{Email: "ann@example.org", Username: "ann", Password: "dex-password-ann"},
			{Email: "dis@example.org", Username: "dis", Password: "dex-password-dis"},
		},
	})
	d := testenv.Deploy(t)
	pool, err := redisconn.NewPool(d.RedisURL, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	return &fixture{t: t, db: d.AppDB(t), pool: pool, ns: d.Namespace, dex: dex}
}

func (f *fixture) service(p Provider) *Service {
	p.Name, p.DisplayName, p.Issuer, p.ClientID, p.ClientSecret = "dex", "Dex", f.dex.Issuer, f.dex.ClientID, f.dex.ClientSecret
	if p.Scopes == nil {
		p.Scopes = []string{"openid", "email", "profile", "groups"}
	}
	return New(f.db, f.pool, []Provider{p}, Options{PublicURL: publicURL, Namespace: f.ns})
}

// signInAtDex starts a sign-in and goes through Dex as a browser would:
// with connector "mock" Dex signs in at once; with "local" the test fills
// in Dex's login form. It returns what Dex sent to the redirect URI.
func (f *fixture) signInAtDex(s *Service, connector, email, password string) Callback {
	f.t.Helper()
	st, err := s.Start(context.Background(), "dex", "")
	if err != nil {
		f.t.Fatalf("Start: %v", err)
	}
	return f.finishAtDex(s, st, connector, email, password)
}

// finishAtDex goes through Dex for a sign-in already started.
func (f *fixture) finishAtDex(s *Service, st Started, connector, email, password string) Callback {
	f.t.Helper()
	u, err := url.Parse(st.URL)
	if err != nil {
		f.t.Fatal(err)
	}
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") != st.State {
		f.t.Fatalf("authorization URL lacks PKCE, nonce or state: %s", st.URL)
	}
	q.Set("connector_id", connector)
	u.RawQuery = q.Encode()
	jar, _ := cookiejar.New(nil)
	redirect := s.RedirectURL("dex")
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(r.URL.String(), redirect) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	res, err := client.Get(u.String())
	if err != nil {
		f.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusOK && connector == "local" {
		// Dex's login form posts back to the page it is on.
		res, err = client.PostForm(res.Request.URL.String(), url.Values{"login": {email}, "password": {password}})
		if err != nil {
			f.t.Fatal(err)
		}
		res.Body.Close()
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode/100 != 3 || err != nil || !strings.HasPrefix(loc.String(), redirect) {
		f.t.Fatalf("Dex ended at %d %s (Location %q)\n%s", res.StatusCode, res.Request.URL, res.Header.Get("Location"), f.dex.Log.String())
	}
	return Callback{State: loc.Query().Get("state"), Code: loc.Query().Get("code"), Error: loc.Query().Get("error")}
}

func (f *fixture) groupsOf(userID string) []string {
	f.t.Helper()
	var out []string
	if err := f.db.Select(&out, `SELECT g.name FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = $1 ORDER BY g.name`, userID); err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Exec(q, args...); err != nil {
		f.t.Fatal(err)
	}
}

// The authorization code flow with PKCE against a real Dex: sign-up
// refused and allowed, group and admin mapping at each sign-in (added and
// removed), linking by verified e-mail through Dex's login form, a
// disabled account, and every refusal of a callback that is not right.
func TestSignInWithDex(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	root, err := users.Create(ctx, f.db, users.NewUser{HashCost: testenv.HashCost(), Handle: "root", Email: "root@example.org", Admin: true, Password: "a long root password"})
	if err != nil {
		t.Fatal(err)
	}
	_ = root
	for _, g := range []string{"Writers", "Editors"} {
		f.exec(`INSERT INTO groups (name) VALUES ($1)`, g)
	}

	// Sign-up not allowed: nothing is created.
	closed := f.service(Provider{GroupsClaim: "groups"})
	if _, err := closed.Finish(ctx, "dex", f.signInAtDex(closed, "mock", "", "")); !errors.Is(err, ErrSignupDisabled) || Code(err) != "signup_disabled" {
		t.Fatalf("sign-up refused: %v", err)
	}
	var n int
	if err := f.db.Get(&n, `SELECT count(*) FROM users WHERE email = $1`, testenv.DexMockEmail); err != nil || n != 0 {
		t.Fatalf("an account was made anyway: %d %v", n, err)
	}

	// Sign-up allowed: the account is made, joins the group its claim maps
	// to, and becomes an admin through admin_groups.
	open := f.service(Provider{AllowSignup: true, GroupsClaim: "groups", AdminGroups: []string{testenv.DexMockGroup},
		GroupMap: []GroupMap{{Claim: testenv.DexMockGroup, Group: "Writers"}, {Claim: "staff", Group: "Editors"}, {Claim: "x", Group: "Nowhere"}}})
	cb := f.signInAtDex(open, "mock", "", "")
	res, err := open.Finish(ctx, "dex", cb)
	if err != nil {
		t.Fatalf("sign-up: %v\n%s", err, f.dex.Log.String())
	}
	if !res.Created || res.Linked || res.Handle != "kilgore" || res.Role != "admin" || !res.RoleChanged ||
		strings.Join(res.GroupsAdded, ",") != "Writers" || len(res.GroupsRemoved) != 0 {
		t.Fatalf("sign-up result: %+v", res)
	}
	u, err := users.Get(ctx, f.db, res.UserID)
	if err != nil || u.Email != testenv.DexMockEmail || u.CanLogin || u.Role != "admin" {
		t.Fatalf("the account: %+v %v", u, err)
	}
	// The same callback again: its state was used.
	if _, err := open.Finish(ctx, "dex", cb); !errors.Is(err, ErrState) {
		t.Fatalf("replayed state: %v", err)
	}
	// A state nobody started.
	if _, err := open.Finish(ctx, "dex", Callback{State: "made-up", Code: cb.Code}); !errors.Is(err, ErrState) || Code(err) != "state" {
		t.Fatalf("wrong state: %v", err)
	}

	// Next sign-in: a group set by hand that the claim does not map to is
	// left, the identity is found again (not created, not linked).
	f.exec(`INSERT INTO group_members (group_id, user_id) SELECT id, $1 FROM groups WHERE name = 'Editors'`, res.UserID)
	res2, err := open.Finish(ctx, "dex", f.signInAtDex(open, "mock", "", ""))
	if err != nil {
		t.Fatal(err)
	}
	if res2.UserID != res.UserID || res2.Created || res2.Linked || res2.RoleChanged || len(res2.GroupsAdded) != 0 || strings.Join(res2.GroupsRemoved, ",") != "Editors" {
		t.Fatalf("second sign-in: %+v", res2)
	}
	if got := f.groupsOf(res.UserID); strings.Join(got, ",") != "Writers" {
		t.Fatalf("groups after the second sign-in: %v", got)
	}

	// The provider's groups change meaning (the config now maps authors to
	// Editors, and admins are another group): at the next sign-in the
	// account moves from Writers to Editors and is an admin no more.
	moved := f.service(Provider{AllowSignup: true, GroupsClaim: "groups", AdminGroups: []string{"admins"},
		GroupMap: []GroupMap{{Claim: testenv.DexMockGroup, Group: "Editors"}, {Claim: "staff", Group: "Writers"}}})
	res3, err := moved.Finish(ctx, "dex", f.signInAtDex(moved, "mock", "", ""))
	if err != nil {
		t.Fatal(err)
	}
	if res3.Role != "user" || !res3.RoleChanged || strings.Join(res3.GroupsAdded, ",") != "Editors" || strings.Join(res3.GroupsRemoved, ",") != "Writers" {
		t.Fatalf("third sign-in: %+v", res3)
	}

	// Linking by verified e-mail, through Dex's login form.
	ann, err := users.Create(ctx, f.db, users.NewUser{Handle: "ann", Email: "ann@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	res4, err := closed.Finish(ctx, "dex", f.signInAtDex(closed, "local", "ann@example.org", "dex-password-ann"))
	if err != nil {
		t.Fatal(err)
	}
	if res4.UserID != ann.ID || !res4.Linked || res4.Created {
		t.Fatalf("link by e-mail: %+v", res4)
	}
	ids, err := Identities(ctx, f.db, ann.ID)
	if err != nil || len(ids) != 1 || ids[0].Provider != "dex" || ids[0].Email != "ann@example.org" {
		t.Fatalf("ann's identities: %+v %v", ids, err)
	}

	// A disabled account is never linked (nor signed in to).
	dis, err := users.Create(ctx, f.db, users.NewUser{Handle: "dis", Email: "dis@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	f.exec(`UPDATE users SET is_active = false WHERE id = $1`, dis.ID)
	if _, err := closed.Finish(ctx, "dex", f.signInAtDex(closed, "local", "dis@example.org", "dex-password-dis")); !errors.Is(err, ErrDisabled) {
		t.Fatalf("disabled account: %v", err)
	}
	if ids, _ := Identities(ctx, f.db, dis.ID); len(ids) != 0 {
		t.Fatalf("a disabled account was linked: %+v", ids)
	}
	// ann disabled later: her linked identity signs in no more.
	f.exec(`UPDATE users SET is_active = false WHERE id = $1`, ann.ID)
	if _, err := closed.Finish(ctx, "dex", f.signInAtDex(closed, "local", "ann@example.org", "dex-password-ann")); !errors.Is(err, ErrDisabled) {
		t.Fatalf("disabled linked account: %v", err)
	}
	f.exec(`UPDATE users SET is_active = true WHERE id = $1`, ann.ID)

	// A nonce that is not the one sent: the state's record is changed
	// behind Dex's back, so the real ID token's nonce no longer matches.
	st, err := closed.Start(ctx, "dex", "")
	if err != nil {
		t.Fatal(err)
	}
	f.rewriteNonce(closed, st.State)
	cb = f.finishAtDex(closed, st, "local", "ann@example.org", "dex-password-ann")
	if _, err := closed.Finish(ctx, "dex", cb); !errors.Is(err, ErrInvalidToken) || !strings.Contains(err.Error(), "nonce") {
		t.Fatalf("wrong nonce: %v", err)
	}

	// Unlinking: the identity goes; the account stays.
	if _, err := Unlink(ctx, f.db, ann.ID, "dex"); err != nil {
		t.Fatal(err)
	}
	if _, err := Unlink(ctx, f.db, ann.ID, "dex"); !errors.Is(err, ErrNotLinked) {
		t.Fatalf("unlink twice: %v", err)
	}

	// The provider's error parameter (the person cancelled).
	st, err = closed.Start(ctx, "dex", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := closed.Finish(ctx, "dex", Callback{State: st.State, Error: "access_denied"}); !errors.Is(err, ErrRefused) {
		t.Fatalf("access_denied: %v", err)
	}

	// Handoff codes work once.
	code, err := closed.NewHandoff(ctx, Handoff{UserID: ann.ID, Provider: "dex"})
	if err != nil {
		t.Fatal(err)
	}
	if h, err := closed.TakeHandoff(ctx, code); err != nil || h.UserID != ann.ID {
		t.Fatalf("handoff: %+v %v", h, err)
	}
	if _, err := closed.TakeHandoff(ctx, code); !errors.Is(err, ErrHandoff) {
		t.Fatalf("handoff used twice: %v", err)
	}

	// Forged ID tokens: signed with a key that is not Dex's, or not at all.
	t.Run("forged", func(t *testing.T) {
		p := closed.providers["dex"]
		op, err := closed.discover(ctx, p, false)
		if err != nil {
			t.Fatal(err)
		}
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		claims := jwt.MapClaims{"iss": f.dex.Issuer, "aud": f.dex.ClientID, "sub": "forged", "email": "ann@example.org", "email_verified": true,
			"nonce": "n", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
		tok.Header["kid"] = "forged"
		signed, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		none, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		for name, raw := range map[string]string{"another key": signed, "alg none": none} {
			if _, err := closed.verify(ctx, p, op, raw, "n"); !errors.Is(err, ErrInvalidToken) || Code(err) != "token" {
				t.Errorf("%s: %v", name, err)
			}
		}
	})

	// An identity whose e-mail address the provider does not vouch for
	// neither links nor signs up.
	t.Run("unverified", func(t *testing.T) {
		for _, c := range []Claims{{Subject: "s1", Email: "ann@example.org"}, {Subject: "s2", Email: "new@example.org"}, {Subject: "s3", EmailVerified: true}} {
			if _, err := open.signIn(ctx, open.providers["dex"].cfg, c); !errors.Is(err, ErrEmailUnverified) || Code(err) != "email_unverified" {
				t.Errorf("%+v: %v", c, err)
			}
		}
	})

	// Starting sign-ins is limited per client address.
	t.Run("limit", func(t *testing.T) {
		limited := New(f.db, f.pool, []Provider{closed.providers["dex"].cfg}, Options{PublicURL: publicURL, Namespace: f.ns, StartLimit: 2, StartLimitEvery: time.Minute})
		for i := 0; i < 2; i++ {
			if _, err := limited.Start(ctx, "dex", "192.0.2.7"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := limited.Start(ctx, "dex", "192.0.2.7"); !errors.Is(err, ErrRateLimited) || Code(err) != "rate_limited" {
			t.Fatalf("third start: %v", err)
		}
		if _, err := limited.Start(ctx, "dex", "192.0.2.8"); err != nil {
			t.Fatalf("another address: %v", err)
		}
	})

	// The provider is down: a clear error, at once for a fresh instance.
	t.Run("down", func(t *testing.T) {
		f.dex.Stop(t)
		fresh := f.service(Provider{})
		if _, err := fresh.Start(ctx, "dex", ""); !errors.Is(err, ErrProviderDown) || Code(err) != "provider_down" {
			t.Fatalf("provider down: %v", err)
		}
		sts, err := fresh.Check(ctx)
		if err != nil || len(sts) != 1 || sts[0].Reachable || sts[0].Error == "" {
			t.Fatalf("check: %+v %v", sts, err)
		}
		if _, err := fresh.Start(ctx, "nope", ""); !errors.Is(err, ErrUnknownProvider) {
			t.Fatalf("unknown provider: %v", err)
		}
	})
}

// rewriteNonce changes the nonce Start kept for state.
func (f *fixture) rewriteNonce(s *Service, state string) {
	f.t.Helper()
	conn := f.pool.Get()
	defer conn.Close()
	key := s.key("state", state)
	b, err := redis.Bytes(conn.Do("GET", key))
	if err != nil {
		f.t.Fatal(err)
	}
	var fl flow
	if err := json.Unmarshal(b, &fl); err != nil {
		f.t.Fatal(err)
	}
	fl.Nonce = "another-nonce"
	b, _ = json.Marshal(fl)
	if _, err := conn.Do("SET", key, b, "PX", 60000); err != nil {
		f.t.Fatal(err)
	}
}
