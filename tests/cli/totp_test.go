package cli

import (
	"testing"
	"time"

	libtotp "github.com/pquerna/otp/totp"

	"github.com/docuvault/docuvault/pkg/totp"
)

// TestUserTOTPReset: a person enrols TOTP over the API and then needs a
// code to sign in; `user totp-reset` removes it (audited) so the password
// alone works again, and says so when there is nothing to reset;
// `user totp-policy` shows and sets the policy and refuses a bad value.
func TestUserTOTPReset(t *testing.T) {
	d := deployed(t)
	d.runIn(t, "a pass phrase for ann\n", nil, "user", "add", "ann", "--email", "ann@example.org", "--password-stdin").check(t, 0, "created user ann", "")
	s := d.serve(t, nil)
	login := func() map[string]any {
		var out map[string]any
		if code := (apiClient{t: t, base: s.url}).json("POST", "/api/auth/login", map[string]string{"handle": "ann", "password": "a pass phrase for ann"}, &out); code != 200 {
			t.Fatalf("login: %d", code)
		}
		return out
	}
	var tok tokens
	if code := (apiClient{t: t, base: s.url}).json("POST", "/api/auth/login", map[string]string{"handle": "ann", "password": "a pass phrase for ann"}, &tok); code != 200 {
		t.Fatalf("login: %d", code)
	}
	ann := apiClient{t: t, base: s.url, token: tok.AccessToken}
	var start struct {
		Secret string `json:"secret"`
	}
	if code := ann.json("POST", "/api/me/totp", nil, &start); code != 201 {
		t.Fatalf("start: %d", code)
	}
	c, err := libtotp.GenerateCodeCustom(start.Secret, time.Now(), totp.ValidateOpts)
	if err != nil {
		t.Fatal(err)
	}
	if code := ann.json("POST", "/api/me/totp/confirm", map[string]string{"code": c}, nil); code != 200 {
		t.Fatalf("confirm: %d", code)
	}
	if got := login(); got["second_factor"] != "totp" || got["access_token"] != nil {
		t.Fatalf("login after enrolling: %v", got)
	}

	d.run(t, nil, "user", "totp-reset", "nobody").check(t, 1, "", "no such user")
	d.run(t, nil, "user", "totp-reset", "ann").check(t, 0, "second factor of ann removed", "")
	if got := login(); got["access_token"] == nil {
		t.Fatalf("login after the reset: %v", got)
	}
	d.run(t, nil, "user", "totp-reset", "ann").check(t, 1, "", "ann has no second factor")

	d.run(t, nil, "user", "totp-policy").check(t, 0, "required for: off", "")
	d.run(t, nil, "user", "totp-policy", "sometimes").check(t, 64, "", "use off, admins or everyone")
	d.run(t, nil, "user", "totp-policy", "admins").check(t, 0, "required for: admins", "")
	d.run(t, nil, "user", "totp-policy").check(t, 0, "required for: admins", "")
}
