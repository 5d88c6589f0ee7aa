package cli

import "testing"

// TestUserLanguage: `user language` shows a user's e-mail language (none
// at first), sets it, refuses a language DocuVault does not write and an
// unknown user, and clears it with none; the API's GET /api/me says the
// same as the CLI set.
func TestUserLanguage(t *testing.T) {
	d := deployed(t)
	d.runIn(t, "a pass phrase for ann\n", nil, "user", "add", "ann", "--email", "ann@example.org", "--password-stdin").check(t, 0, "created user ann", "")
	d.run(t, nil, "user", "language", "ann").check(t, 0, "language of ann: none", "")
	d.run(t, nil, "user", "language", "ann", "de").check(t, 0, "language of ann: de", "")
	d.run(t, nil, "user", "language", "ann", "fr").check(t, 64, "", `language must be en, de or none, not "fr"`)
	d.run(t, nil, "user", "language", "nobody", "de").check(t, 1, "", "no such user")
	d.run(t, nil, "user", "language", "ann").check(t, 0, "language of ann: de", "")

	s := d.serve(t, nil)
	var tok tokens
	if code := (apiClient{t: t, base: s.url}).json("POST", "/api/auth/login", map[string]string{"handle": "ann", "password": "a pass phrase for ann"}, &tok); code != 200 {
		t.Fatalf("login: %d", code)
	}
	var me struct {
		Language *string `json:"language"`
	}
	if code := (apiClient{t: t, base: s.url, token: tok.AccessToken}).json("GET", "/api/me", nil, &me); code != 200 || me.Language == nil || *me.Language != "de" {
		t.Fatalf("GET /api/me: %d, language %v", code, me.Language)
	}
	d.run(t, nil, "user", "language", "ann", "none").check(t, 0, "language of ann: none", "")
}
