package api

import (
	"net/url"
	"sync"
	"testing"
	"time"

	libtotp "github.com/pquerna/otp/totp"

	"github.com/docuvault/docuvault/pkg/auth"
	"github.com/docuvault/docuvault/pkg/totp"
)

// testClock is a settable clock for the TOTP service.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// totpEnv is an env whose TOTP service runs on clock.
func totpEnv(t *testing.T, o envOptions) (*env, *testClock) {
	clock := &testClock{t: time.Now().Truncate(30 * time.Second).Add(5 * time.Second)}
	o.deps = func(d *Deps) {
		d.TOTP = totp.New(d.DB, d.Keyring, "")
		d.TOTP.Now = clock.now
	}
	return newEnv(t, o), clock
}

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := libtotp.GenerateCodeCustom(secret, at, totp.ValidateOpts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrol turns TOTP on for c and returns the secret and the recovery codes.
func enrol(t *testing.T, c *client, clock *testClock) (string, []string) {
	t.Helper()
	var start struct {
		Secret string `json:"secret"`
		URI    string `json:"otpauth_uri"`
		QR     string `json:"qr_png"`
	}
	c.do("POST", "/api/me/totp", nil).want(201).decode(&start)
	u, err := url.Parse(start.URI)
	if err != nil || u.Scheme != "otpauth" || u.Query().Get("secret") != start.Secret || len(start.QR) < 100 || start.QR[:22] != "data:image/png;base64," {
		t.Fatalf("enrolment %+v (%v)", start, err)
	}
	var conf struct {
		Enabled bool     `json:"enabled"`
		Codes   []string `json:"recovery_codes"`
	}
	c.do("POST", "/api/me/totp/confirm", map[string]string{"code": "000000"}).wantError(403, "invalid_code")
	c.do("POST", "/api/me/totp/confirm", map[string]string{"code": code(t, start.Secret, clock.now())}).want(200).decode(&conf)
	if !conf.Enabled || len(conf.Codes) != totp.RecoveryCodes {
		t.Fatalf("confirm: %+v", conf)
	}
	return start.Secret, conf.Codes
}

// challenge signs in with handle's password and returns the challenge.
func (e *env) challenge(handle string) string {
	e.t.Helper()
	var ch struct {
		SecondFactor string `json:"second_factor"`
		Challenge    string `json:"challenge"`
		AccessToken  string `json:"access_token"`
	}
	e.anon().do("POST", "/api/auth/login", map[string]string{"handle": handle, "password": "password-" + handle}).want(200).decode(&ch)
	if ch.SecondFactor != "totp" || ch.Challenge == "" || ch.AccessToken != "" {
		e.t.Fatalf("login answered %+v, want a challenge and no tokens", ch)
	}
	return ch.Challenge
}

func TestTOTPEnrolAndLogin(t *testing.T) {
	e, clock := totpEnv(t, envOptions{})
	ann := e.login("ann")
	secret, recovery := enrol(t, ann, clock)
	if n := e.count(`SELECT count(*) FROM totp_factors WHERE user_id = $1 AND enabled AND seed_enc LIKE 'dv1:%' AND seed_enc NOT LIKE '%' || $2 || '%'`, e.users["ann"].ID, secret); n != 1 {
		t.Fatalf("sealed, enabled factor rows: %d", n)
	}
	ann.do("POST", "/api/me/totp", nil).wantError(409, "totp_enabled")

	// The password alone gives no tokens any more.
	ch := e.challenge("ann")
	anon := e.anon()
	anon.do("POST", "/api/auth/login/totp", map[string]string{"challenge": ch, "code": "123"}).wantError(401, "invalid_code")
	// The code of the step confirm used is spent.
	anon.do("POST", "/api/auth/login/totp", map[string]string{"challenge": ch, "code": code(t, secret, clock.now())}).wantError(401, "code_replayed")
	// Too old: three steps ago.
	clock.add(30 * time.Second)
	anon.do("POST", "/api/auth/login/totp", map[string]string{"challenge": ch, "code": code(t, secret, clock.now().Add(-90*time.Second))}).wantError(401, "invalid_code")
	good := code(t, secret, clock.now())
	var tok auth.Tokens
	anon.do("POST", "/api/auth/login/totp", map[string]string{"challenge": ch, "code": good}).want(200).decode(&tok)
	if tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("tokens %+v", tok)
	}
	(&client{e: e, token: tok.AccessToken}).do("GET", "/api/me", nil).want(200)
	// The challenge is used up; the same code again, with a new challenge, is refused.
	anon.do("POST", "/api/auth/login/totp", map[string]string{"challenge": ch, "code": good}).wantError(401, "challenge_invalid")
	ch2 := e.challenge("ann")
	anon.do("POST", "/api/auth/login/totp", map[string]string{"challenge": ch2, "code": good}).wantError(401, "code_replayed")

	// A recovery code works once.
	anon.do("POST", "/api/auth/login/totp", map[string]string{"challenge": ch2, "recovery_code": recovery[0]}).want(200)
	ch3 := e.challenge("ann")
	anon.do("POST", "/api/auth/login/totp", map[string]string{"challenge": ch3, "recovery_code": recovery[0]}).wantError(401, "invalid_recovery_code")
	anon.do("POST", "/api/auth/login/totp", map[string]string{"challenge": ch3, "recovery_code": "nope"}).wantError(401, "invalid_recovery_code")

	// An expired challenge.
	clock.add(totp.ChallengeTTL + time.Second)
	anon.do("POST", "/api/auth/login/totp", map[string]string{"challenge": ch3, "code": code(t, secret, clock.now())}).wantError(401, "challenge_invalid")
	anon.do("POST", "/api/auth/login/totp", map[string]string{"challenge": "made-up", "code": "123456"}).wantError(401, "challenge_invalid")

	// Failures are audited as login_failed with reason totp.
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'login_failed' AND user_id = $1 AND metadata->>'reason' = 'totp'`, e.users["ann"].ID); n < 5 {
		t.Errorf("login_failed totp events: %d", n)
	}
	if n := e.count(`SELECT count(*) FROM totp_recovery_codes WHERE user_id = $1 AND used_at IS NULL`, e.users["ann"].ID); n != totp.RecoveryCodes-1 {
		t.Errorf("unused recovery codes: %d", n)
	}

	// Bob, without TOTP, still gets tokens from the password.
	e.login("bob")
}

func TestTOTPRateLimited(t *testing.T) {
	e, clock := totpEnv(t, envOptions{accountLimit: auth.Limit{N: 3, Window: time.Minute}})
	ann := e.login("ann")
	secret, _ := enrol(t, ann, clock)
	clock.add(30 * time.Second)
	ch := e.challenge("ann")
	for range 3 {
		e.anon().do("POST", "/api/auth/login/totp", map[string]string{"challenge": ch, "code": "000000"}).wantError(401, "invalid_code")
	}
	res := e.anon().do("POST", "/api/auth/login/totp", map[string]string{"challenge": ch, "code": code(t, secret, clock.now())}).wantError(429, "rate_limited")
	if res.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

func TestTOTPDisableAndAdminReset(t *testing.T) {
	e, clock := totpEnv(t, envOptions{})
	ann := e.login("ann")
	secret, _ := enrol(t, ann, clock)
	clock.add(30 * time.Second)
	ann.do("DELETE", "/api/me/totp", map[string]string{"password": "password-ann"}).wantError(422, "invalid_field")
	ann.do("DELETE", "/api/me/totp", map[string]string{"password": "wrong", "code": code(t, secret, clock.now())}).wantError(403, "wrong_password")
	ann.do("DELETE", "/api/me/totp", map[string]string{"password": "password-ann", "code": "000000"}).wantError(403, "invalid_code")
	ann.do("DELETE", "/api/me/totp", map[string]string{"password": "password-ann", "code": code(t, secret, clock.now())}).want(204)
	if n := e.count(`SELECT count(*) FROM totp_factors WHERE user_id = $1`, e.users["ann"].ID) + e.count(`SELECT count(*) FROM totp_recovery_codes WHERE user_id = $1`, e.users["ann"].ID); n != 0 {
		t.Fatalf("rows left after disabling: %d", n)
	}
	e.login("ann") // the password alone again

	// An administrator resets bob's second factor.
	bob := e.login("bob")
	enrol(t, bob, clock)
	root := e.login("root")
	bob.do("DELETE", "/api/admin/users/"+e.users["ann"].ID+"/totp", nil).wantError(403, "forbidden")
	root.do("DELETE", "/api/admin/users/"+e.users["bob"].ID+"/totp", nil).want(204)
	root.do("DELETE", "/api/admin/users/"+e.users["bob"].ID+"/totp", nil).wantError(409, "totp_not_enrolled")
	e.login("bob")
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'user_admin' AND user_id = $1 AND metadata->>'action' = 'totp_reset'`, e.users["bob"].ID); n != 1 {
		t.Errorf("totp_reset audit events: %d", n)
	}
}

func TestTOTPPolicy(t *testing.T) {
	e, clock := totpEnv(t, envOptions{})
	root := e.login("root")
	ann := e.login("ann")
	root.do("PUT", "/api/admin/totp-policy", map[string]string{"required": "sometimes"}).wantError(422, "invalid_field")
	ann.do("PUT", "/api/admin/totp-policy", map[string]string{"required": "everyone"}).wantError(403, "forbidden")
	root.do("PUT", "/api/admin/totp-policy", map[string]string{"required": "admins"}).want(200)
	// root, an administrator without TOTP, may only enrol.
	root.do("GET", "/api/documents", nil).wantError(403, "totp_required")
	root.do("GET", "/api/me", nil).want(200)
	// The web app saves the interface's language at sign-in: allowed too.
	root.do("PUT", "/api/me/language", map[string]string{"language": "de"}).want(200)
	ann.do("GET", "/api/documents", nil).want(200)
	var st struct {
		Enabled  bool `json:"enabled"`
		Required bool `json:"required"`
	}
	root.do("GET", "/api/me/totp", nil).want(200).decode(&st)
	if st.Enabled || !st.Required {
		t.Fatalf("root's status %+v", st)
	}
	enrol(t, root, clock)
	root.do("GET", "/api/documents", nil).want(200)
	root.do("PUT", "/api/admin/totp-policy", map[string]string{"required": "everyone"}).want(200)
	ann.do("GET", "/api/documents", nil).wantError(403, "totp_required")
	root.do("PUT", "/api/admin/totp-policy", map[string]string{"required": "off"}).want(200)
	ann.do("GET", "/api/documents", nil).want(200)
}

func TestTOTPRegenerateRecoveryCodes(t *testing.T) {
	e, clock := totpEnv(t, envOptions{})
	ann := e.login("ann")
	// Without a second factor there is nothing to regenerate.
	ann.do("POST", "/api/me/totp/recovery-codes", map[string]string{"password": "password-ann", "code": "123456"}).wantError(409, "totp_not_enrolled")
	secret, old := enrol(t, ann, clock)
	clock.add(30 * time.Second)
	ann.do("POST", "/api/me/totp/recovery-codes", map[string]string{"password": "password-ann"}).wantError(422, "invalid_field")
	ann.do("POST", "/api/me/totp/recovery-codes", map[string]string{"password": "wrong", "code": code(t, secret, clock.now())}).wantError(403, "wrong_password")
	ann.do("POST", "/api/me/totp/recovery-codes", map[string]string{"password": "password-ann", "code": "000000"}).wantError(403, "invalid_code")
	// A recovery code is no way to make new ones.
	ann.do("POST", "/api/me/totp/recovery-codes", map[string]string{"password": "password-ann", "recovery_code": old[1]}).wantError(400, "malformed")
	var got struct {
		Codes []string `json:"recovery_codes"`
	}
	res := ann.do("POST", "/api/me/totp/recovery-codes", map[string]string{"password": "password-ann", "code": code(t, secret, clock.now())}).want(200)
	res.decode(&got)
	if len(got.Codes) != totp.RecoveryCodes || res.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("new codes %v, Cache-Control %q", got.Codes, res.header.Get("Cache-Control"))
	}
	for _, c := range got.Codes {
		for _, o := range old {
			if c == o {
				t.Fatalf("an old code came back: %s", c)
			}
		}
	}
	// The same code again is a replay.
	ann.do("POST", "/api/me/totp/recovery-codes", map[string]string{"password": "password-ann", "code": code(t, secret, clock.now())}).wantError(403, "code_replayed")

	// The old set is refused at once; a new code works once.
	anon := e.anon()
	ch := e.challenge("ann")
	anon.do("POST", "/api/auth/login/totp", map[string]string{"challenge": ch, "recovery_code": old[0]}).wantError(401, "invalid_recovery_code")
	anon.do("POST", "/api/auth/login/totp", map[string]string{"challenge": ch, "recovery_code": got.Codes[0]}).want(200)
	ch = e.challenge("ann")
	anon.do("POST", "/api/auth/login/totp", map[string]string{"challenge": ch, "recovery_code": got.Codes[0]}).wantError(401, "invalid_recovery_code")
	anon.do("POST", "/api/auth/login/totp", map[string]string{"challenge": ch, "recovery_code": got.Codes[1]}).want(200)

	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'user_admin' AND actor_id = $1 AND metadata->>'action' = 'totp_recovery_regenerate'`, e.users["ann"].ID); n != 1 {
		t.Errorf("regenerations audited: %d, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM totp_recovery_codes WHERE user_id = $1`, e.users["ann"].ID); n != totp.RecoveryCodes {
		t.Errorf("recovery code rows: %d, want %d (the old set gone)", n, totp.RecoveryCodes)
	}
}
