package auth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/passwords"
	"github.com/docuvault/docuvault/pkg/redisconn"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

const testSecret = "0123456789abcdef0123456789abcdef-auth-test"

func TestCheckSecret(t *testing.T) {
	for _, bad := range []string{"", "short", "CHANGE_ME_TO_64_HEX_CHARACTERS_FROM_OPENSSL_RAND_HEX_32_XXXXXXXX", "changemechangemechangemechangeme!!", strings.Repeat("x", 31)} {
		if err := CheckSecret(bad); !errors.Is(err, ErrWeakSecret) {
			t.Errorf("CheckSecret(%q) = %v", bad, err)
		}
	}
	if err := CheckSecret(strings.Repeat("x", 32)); err != nil {
		t.Errorf("32 bytes refused: %v", err)
	}
	if _, err := New(nil, nil, Options{Secret: "short"}); !errors.Is(err, ErrWeakSecret) {
		t.Errorf("New with a short secret: %v", err)
	}
}

// The Service hashes at the configured cost (and so checks an unknown
// account against a dummy hash at it: pkg/users' TestHasher), or through
// the Hasher it is given.
func TestHasherCost(t *testing.T) {
	for _, cost := range []passwords.HashCost{{}, {Time: 2, MemoryKiB: 19 * 1024, Threads: 1}} {
		s, err := New(nil, nil, Options{Secret: testSecret, HashCost: cost})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.hasher.Cost(); got != cost.OrDefault() {
			t.Errorf("HashCost %v: the Service hashes at %v", cost, got)
		}
	}
	shared := users.NewHasher(passwords.HashCost{Time: 2, MemoryKiB: 19 * 1024, Threads: 1}, 1)
	s, err := New(nil, nil, Options{Secret: testSecret, Hasher: shared})
	if err != nil {
		t.Fatal(err)
	}
	if s.hasher != shared {
		t.Error("Options.Hasher was not used")
	}
}

func TestAccessTokens(t *testing.T) {
	s, err := New(nil, nil, Options{Secret: testSecret, AccessTTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	id := "6f1c1f4e-5b7a-4d1e-9d35-0c7f0e7f2a11"
	tok, err := s.issueAccess(id, "", 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.ParseAccess(tok); err != nil || got != id {
		t.Fatalf("ParseAccess = %q, %v", got, err)
	}
	// The key is derived: the raw secret does not verify the token.
	if _, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return []byte(testSecret), nil }); err == nil {
		t.Error("the raw SECRET_KEY verifies the token: no key derivation")
	}
	other, _ := New(nil, nil, Options{Secret: testSecret + "-other"})
	if _, err := other.ParseAccess(tok); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("another key accepted the token: %v", err)
	}
	expired, _ := s.issueAccess(id, "", 0, time.Now().Add(-2*time.Minute))
	if _, err := s.ParseAccess(expired); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("expired token: %v", err)
	}
	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.RegisteredClaims{Subject: id, Issuer: issuer, Audience: jwt.ClaimStrings{audience}, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))})
	unsigned, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if _, err := s.ParseAccess(unsigned); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("alg none accepted: %v", err)
	}
	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.RegisteredClaims{Subject: id, Issuer: issuer, Audience: jwt.ClaimStrings{audience}, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}).SignedString(s.key)
	if _, err := s.ParseAccess(hs512); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("HS512 accepted: %v", err)
	}
	if _, err := s.ParseAccess(tok[:len(tok)-2] + "xx"); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("tampered signature accepted: %v", err)
	}
}

type fixture struct {
	s   *Service
	db  *sqlx.DB
	ann users.User
}

func newFixture(t *testing.T, o Options) *fixture {
	t.Helper()
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	pool, err := redisconn.NewPool(d.RedisURL, 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	o.Secret, o.Namespace, o.HashCost = testSecret, d.Namespace, testenv.HashCost()
	s, err := New(db, pool, o)
	if err != nil {
		t.Fatal(err)
	}
	ann, err := users.Create(context.Background(), db, users.NewUser{HashCost: testenv.HashCost(), Handle: "ann", Email: "ann@example.org", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{s: s, db: db, ann: ann}
}

func (f *fixture) liveTokens(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.db.Get(&n, `SELECT count(*) FROM refresh_tokens WHERE user_id = $1 AND NOT revoked`, f.ann.ID); err != nil {
		t.Fatal(err)
	}
	return n
}

// A password hashed at another cost than the configured one is stored
// again at the configured cost when its owner signs in, not when someone
// gives a wrong one; the old hash kept signing in until then.
func TestLoginRehashesAtTheConfiguredCost(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	bob, err := users.Create(ctx, f.db, users.NewUser{Handle: "bob", Email: "bob@example.org", Password: "bob's old-cost password"}) // the default cost
	if err != nil {
		t.Fatal(err)
	}
	stored := func() string {
		t.Helper()
		var h string
		if err := f.db.Get(&h, `SELECT password_hash FROM users WHERE id = $1`, bob.ID); err != nil {
			t.Fatal(err)
		}
		return h
	}
	before := stored()
	if !strings.Contains(before, "$m=65536,t=3,p=4$") {
		t.Fatalf("bob's hash %q is not at the default cost", before)
	}
	if _, _, err := f.s.Login(ctx, LoginAttempt{Identifier: "bob", Password: "a wrong password"}); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("wrong password: %v, want ErrInvalidCredentials", err)
	}
	if stored() != before {
		t.Fatal("a wrong password changed the stored hash")
	}
	for i := 0; i < 2; i++ {
		if _, _, err := f.s.Login(ctx, LoginAttempt{Identifier: "bob", Password: "bob's old-cost password"}); err != nil {
			t.Fatalf("login %d: %v", i+1, err)
		}
		if h := stored(); !strings.Contains(h, "$"+testenv.HashCostSetting+"$") {
			t.Fatalf("after login %d bob's hash is %q, want it at %s", i+1, h, testenv.HashCostSetting)
		}
	}
}

func TestLoginRefreshLogout(t *testing.T) {
	f := newFixture(t, Options{ReuseGrace: -1}) // every reuse is a real one
	ctx := context.Background()

	for _, ident := range []string{"ann", "ann@example.org", "Ann", "ANN"} { // handles ignore case (issue 20 D15)
		id, tok, err := f.s.Login(ctx, LoginAttempt{Identifier: ident, Password: "correct horse", ClientIP: "192.0.2.1"})
		if err != nil || id != f.ann.ID || tok.TokenType != "Bearer" || tok.ExpiresIn != 900 {
			t.Fatalf("Login(%s) = %q, %+v, %v", ident, id, tok, err)
		}
		u, err := f.s.Authenticate(ctx, tok.AccessToken)
		if err != nil || u.ID != f.ann.ID {
			t.Fatalf("Authenticate = %+v, %v", u, err)
		}
	}
	// Only the hash is stored.
	_, tok, _ := f.s.Login(ctx, LoginAttempt{Identifier: "ann", Password: "correct horse"})
	var stored int
	f.db.Get(&stored, `SELECT count(*) FROM refresh_tokens WHERE token_hash = $1 OR token_hash = $2`, tok.RefreshToken, hashToken(tok.RefreshToken))
	var plain int
	f.db.Get(&plain, `SELECT count(*) FROM refresh_tokens WHERE token_hash = $1`, tok.RefreshToken)
	if stored != 1 || plain != 0 {
		t.Errorf("refresh token stored in plain (%d) or not hashed (%d)", plain, stored)
	}

	if id, _, err := f.s.Login(ctx, LoginAttempt{Identifier: "ann", Password: "wrong password"}); !errors.Is(err, ErrInvalidCredentials) || id != f.ann.ID {
		t.Errorf("wrong password: %q, %v", id, err)
	}
	if id, _, err := f.s.Login(ctx, LoginAttempt{Identifier: "nobody", Password: "correct horse"}); !errors.Is(err, ErrInvalidCredentials) || id != "" {
		t.Errorf("unknown account: %q, %v", id, err)
	}
	// Text no account can be named by (a NUL byte was a database error):
	// refused like an unknown account.
	for _, ident := range []string{"ann\x00", "n\x00", "a\u202enn"} {
		if id, _, err := f.s.Login(ctx, LoginAttempt{Identifier: ident, Password: "correct horse"}); !errors.Is(err, ErrInvalidCredentials) || id != "" {
			t.Errorf("Login(%q): %q, %v; want ErrInvalidCredentials", ident, id, err)
		}
	}

	// Rotation: the new pair works, the old refresh token is spent.
	_, next, err := f.s.Refresh(ctx, tok.RefreshToken)
	if err != nil || next.RefreshToken == tok.RefreshToken {
		t.Fatalf("Refresh = %+v, %v", next, err)
	}
	_, third, err := f.s.Refresh(ctx, next.RefreshToken)
	if err != nil {
		t.Fatalf("second Refresh: %v", err)
	}
	before := f.liveTokens(t)
	if before < 3 {
		t.Fatalf("live tokens %d, want at least 3 (two logins + the rotated one)", before)
	}
	// Reuse of a spent token revokes every token of the user.
	if u, _, err := f.s.Refresh(ctx, tok.RefreshToken); !errors.Is(err, ErrTokenReused) || u.ID != f.ann.ID {
		t.Fatalf("reuse: %+v, %v", u, err)
	}
	if n := f.liveTokens(t); n != 0 {
		t.Errorf("after reuse %d tokens still live", n)
	}
	if _, _, err := f.s.Refresh(ctx, third.RefreshToken); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("the newest token after reuse detection: %v", err)
	}
	if _, _, err := f.s.Refresh(ctx, "not-a-token"); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("unknown refresh token: %v", err)
	}

	// Logout revokes one token; presenting it again is merely invalid.
	_, a, _ := f.s.Login(ctx, LoginAttempt{Identifier: "ann", Password: "correct horse"})
	_, b, _ := f.s.Login(ctx, LoginAttempt{Identifier: "ann", Password: "correct horse"})
	if err := f.s.Logout(ctx, f.ann.ID, a.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.Refresh(ctx, a.RefreshToken); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("refresh after logout: %v", err)
	}
	if _, _, err := f.s.Refresh(ctx, b.RefreshToken); err != nil {
		t.Errorf("the other session was signed out too: %v", err)
	}

	// A disabled account can neither log in, refresh, nor use its access token.
	_, c, _ := f.s.Login(ctx, LoginAttempt{Identifier: "ann", Password: "correct horse"})
	off := false
	if _, err := f.s.UpdateAccount(ctx, f.ann.ID, AccountChange{Active: &off}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.Login(ctx, LoginAttempt{Identifier: "ann", Password: "correct horse"}); !errors.Is(err, ErrInactive) {
		t.Errorf("disabled login: %v", err)
	}
	if _, _, err := f.s.Login(ctx, LoginAttempt{Identifier: "ann", Password: "wrong password"}); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("disabled login with a wrong password must not reveal the state: %v", err)
	}
	if _, err := f.s.Authenticate(ctx, c.AccessToken); !errors.Is(err, ErrInactive) {
		t.Errorf("disabled access token: %v", err)
	}
	if _, _, err := f.s.Refresh(ctx, c.RefreshToken); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("disabled refresh: %v", err)
	}
}

func TestConcurrentRefreshOfOneTokenRotatesOnce(t *testing.T) {
	f := newFixture(t, Options{ReuseGrace: -1}) // without a grace window
	ctx := context.Background()
	_, tok, err := f.s.Login(ctx, LoginAttempt{Identifier: "ann", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = f.s.Refresh(ctx, tok.RefreshToken)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !errors.Is(err, ErrTokenReused) {
			t.Errorf("unexpected: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d refreshes of one token succeeded, want 1", ok)
	}
}

func TestLoginRateLimits(t *testing.T) {
	f := newFixture(t, Options{AccountLimit: Limit{N: 3, Window: time.Minute}, IPLimit: Limit{N: 6, Window: time.Minute}})
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, _, err := f.s.Login(ctx, LoginAttempt{Identifier: "ann", Password: "wrong password", ClientIP: "192.0.2.7"}); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	// The account is locked, even with the right password, even by email,
	// even from another address.
	_, _, err := f.s.Login(ctx, LoginAttempt{Identifier: "ann@example.org", Password: "correct horse", ClientIP: "192.0.2.8"})
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Scope != "account" || rl.RetryAfter <= 0 || rl.RetryAfter > time.Minute {
		t.Fatalf("locked account: %v", err)
	}
	// Per IP: attempts on other accounts from one address run out too.
	var last error
	for i := 0; i < 4; i++ {
		_, _, last = f.s.Login(ctx, LoginAttempt{Identifier: "someone" + string(rune('a'+i)), Password: "x", ClientIP: "192.0.2.7"})
	}
	if !errors.As(last, &rl) || rl.Scope != "client address" {
		t.Fatalf("IP limit: %v", last)
	}
}

// With Redis unreachable, logins are refused (ErrUnavailable), never let
// through without a limit.
func TestLoginWithoutRedisIsRefused(t *testing.T) {
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	pool, err := redisconn.NewPool("redis://127.0.0.1:1/0", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	s, err := New(db, pool, Options{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := users.Create(context.Background(), db, users.NewUser{HashCost: testenv.HashCost(), Handle: "ann", Email: "ann@example.org", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Login(context.Background(), LoginAttempt{Identifier: "ann", Password: "correct horse", ClientIP: "192.0.2.1"}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("login without Redis: %v", err)
	}
}

// TestEndingEverySessionRevokesAccessTokens: logout everywhere, a reused
// refresh token and disabling the account each refuse every access token
// issued before at once — even one the account cache holds, and even after
// the account is enabled again — not when it expires (issue 20, D15).
// Ending one session (Logout with its refresh token) leaves its access
// token to expire, as the README says.
func TestEndingEverySessionRevokesAccessTokens(t *testing.T) {
	f := newFixture(t, Options{AccountTTL: time.Hour, ReuseGrace: -1})
	ctx := context.Background()
	login := func() Tokens {
		t.Helper()
		_, tok, err := f.s.Login(ctx, LoginAttempt{Identifier: "ann", Password: "correct horse"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Authenticate(ctx, tok.AccessToken); err != nil { // and cached
			t.Fatalf("a fresh access token: %v", err)
		}
		return tok
	}
	refused := func(what, access string) {
		t.Helper()
		if _, err := f.s.Authenticate(ctx, access); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: the old access token got %v, want ErrInvalidToken", what, err)
		}
	}

	// Logout everywhere.
	a, b := login(), login()
	if err := f.s.Logout(ctx, f.ann.ID, ""); err != nil {
		t.Fatal(err)
	}
	refused("logout everywhere", a.AccessToken)
	refused("logout everywhere (other session)", b.AccessToken)
	login()

	// A refresh token used twice.
	c := login()
	_, d, err := f.s.Refresh(ctx, c.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Authenticate(ctx, d.AccessToken); err != nil {
		t.Fatalf("the refreshed access token: %v", err)
	}
	if _, _, err := f.s.Refresh(ctx, c.RefreshToken); !errors.Is(err, ErrTokenReused) {
		t.Fatalf("reuse: %v", err)
	}
	refused("refresh token reused", c.AccessToken)
	refused("refresh token reused (the rotated session)", d.AccessToken)

	// Disabled, then enabled again.
	e := login()
	off, on := false, true
	if _, err := f.s.UpdateAccount(ctx, f.ann.ID, AccountChange{Active: &off}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.UpdateAccount(ctx, f.ann.ID, AccountChange{Active: &on}); err != nil {
		t.Fatal(err)
	}
	refused("disabled and enabled again", e.AccessToken)
	if _, _, err := f.s.Refresh(ctx, e.RefreshToken); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("the refresh token after disable and enable: %v", err)
	}

	// Ending one session (migration 0032) refuses its tokens only.
	g, h := login(), login()
	if err := f.s.Logout(ctx, f.ann.ID, g.RefreshToken); err != nil {
		t.Fatal(err)
	}
	refused("its session logged out", g.AccessToken)
	if _, err := f.s.Authenticate(ctx, h.AccessToken); err != nil {
		t.Errorf("after another session's logout: %v", err)
	}

	var gen int64
	if err := f.db.Get(&gen, `SELECT token_generation FROM users WHERE id = $1`, f.ann.ID); err != nil || gen != 3 {
		t.Errorf("token_generation %d (%v), want 3", gen, err)
	}
}

// A token issued before migration 0016 (no "gen" claim) is generation 0:
// valid until the account first ends every session.
func TestAccessTokenWithoutGeneration(t *testing.T) {
	f := newFixture(t, Options{AccountTTL: -1})
	ctx := context.Background()
	now := time.Now()
	old, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Issuer: issuer, Subject: f.ann.ID,
		Audience: jwt.ClaimStrings{audience}, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute))}).SignedString(f.s.key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Authenticate(ctx, old); err != nil {
		t.Fatalf("a token without gen: %v", err)
	}
	if err := f.s.RevokeAll(ctx, f.ann.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Authenticate(ctx, old); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("a token without gen after RevokeAll: %v", err)
	}
}
