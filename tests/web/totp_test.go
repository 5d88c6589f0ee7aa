package web

import (
	"path/filepath"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestWebTOTP drives totp.mjs: two-factor sign-in set up in Settings,
// asked for at sign-in, a recovery code used once, a new set of recovery
// codes made (the old set refused), turned off; desktop
// and phone; an administrator resets bob's and sets the policy. Then
// checks the database: no factor left, the sign-ins and
// the refused code audited. Screenshots land in the totp/ folder.
func TestWebTOTP(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}
	const annPass = "ann's long password"
	const bobPass, rootPass = "bob's long password", "root's long password"
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--password-stdin")
	e.run(t, bobPass+"\n", "user", "add", "bob", "--email", "bob@example.org", "--password-stdin")
	e.run(t, rootPass+"\n", "user", "add", "root", "--email", "root@example.org", "--admin", "--password-stdin")
	base := e.startApp(t)
	shots := runScript(t, root, node, chromium, base, "totp", "totp", "ANN_PASSWORD="+annPass, "BOB_PASSWORD="+bobPass, "ROOT_PASSWORD="+rootPass)

	db := dep.AdminDB(t)
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM totp_factors`); err != nil || n != 0 {
		t.Errorf("factors left after turning it off: %d (%v)", n, err)
	}
	if err := db.Get(&n, `SELECT count(*) FROM audit_log WHERE event_type = 'login' AND metadata->>'second_factor' = 'totp'`); err != nil || n != 3 {
		t.Errorf("sign-ins with a second factor: %d, want 3 (%v)", n, err)
	}
	if err := db.Get(&n, `SELECT count(*) FROM audit_log WHERE event_type = 'user_admin' AND metadata->>'action' = 'totp_recovery_regenerate'`); err != nil || n != 1 {
		t.Errorf("recovery codes regenerated, audited: %d, want 1 (%v)", n, err)
	}
	if err := db.Get(&n, `SELECT count(*) FROM audit_log WHERE event_type = 'login_failed' AND metadata->>'reason' = 'totp'`); err != nil || n < 2 {
		t.Errorf("refused codes audited: %d, want 2 or more (%v)", n, err)
	}
	var policy string
	if err := db.Get(&policy, `SELECT required FROM totp_policy`); err != nil || policy != "everyone" {
		t.Errorf("policy %q (%v), want everyone", policy, err)
	}
	if err := db.Get(&n, `SELECT count(*) FROM audit_log WHERE event_type = 'user_admin' AND metadata->>'action' = 'totp_reset' AND metadata->>'handle' = 'bob'`); err != nil || n != 1 {
		t.Errorf("totp_reset of bob audited: %d (%v)", n, err)
	}
	pngs, _ := filepath.Glob(filepath.Join(shots, "z[0-9]-*.png"))
	if len(pngs) != 7 {
		t.Errorf("%d screenshots in %s, want 7", len(pngs), shots)
	}
}
