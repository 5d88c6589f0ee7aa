package totp_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	libtotp "github.com/pquerna/otp/totp"

	"github.com/docuvault/docuvault/pkg/secrets"
	"github.com/docuvault/docuvault/pkg/totp"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

// TestSeedSealedAndRotated: the secret is stored sealed (never in the
// clear), does not open for another account's row, and `secrets rotate`
// (secrets.Columns) re-seals it so codes keep working under the new key.
func TestSeedSealedAndRotated(t *testing.T) {
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	ann, err := users.Create(ctx, db, users.NewUser{Handle: "ann", Email: "ann@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := users.Create(ctx, db, users.NewUser{Handle: "bob", Email: "bob@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	oldKeys, err := secrets.NewKeyring(strings.Repeat("o", 40))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	svc := totp.New(db, oldKeys, "")
	svc.Now = func() time.Time { return now }
	e, err := svc.Start(ctx, ann.ID, "ann")
	if err != nil {
		t.Fatal(err)
	}
	code := func(at time.Time) string {
		c, err := libtotp.GenerateCodeCustom(e.Secret, at, totp.ValidateOpts)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if err := svc.Verify(ctx, ann.ID, code(now)); !errors.Is(err, totp.ErrNotEnrolled) {
		t.Fatalf("verify before confirming: %v, want ErrNotEnrolled", err)
	}
	if _, err := svc.Confirm(ctx, ann.ID, code(now)); err != nil {
		t.Fatal(err)
	}
	var sealed string
	if err := db.GetContext(ctx, &sealed, `SELECT seed_enc FROM totp_factors WHERE user_id = $1`, ann.ID); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sealed, "dv1:") || strings.Contains(sealed, e.Secret) {
		t.Fatalf("stored secret is not sealed: %q", sealed)
	}
	// Copied to bob's row, it does not open.
	if _, err := db.ExecContext(ctx, `INSERT INTO totp_factors (user_id, seed_enc, enabled) VALUES ($1, $2, true)`, bob.ID, sealed); err != nil {
		t.Fatal(err)
	}
	if err := svc.Verify(ctx, bob.ID, code(now.Add(30*time.Second))); !errors.Is(err, secrets.ErrCorrupt) {
		t.Fatalf("a secret copied to another row: %v, want ErrCorrupt", err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM totp_factors WHERE user_id = $1`, bob.ID); err != nil {
		t.Fatal(err)
	}

	newKeys, err := secrets.NewKeyring(strings.Repeat("n", 40), strings.Repeat("o", 40))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := secrets.Rotate(ctx, db, newKeys, secrets.Columns(), false)
	if err != nil || rep.Rotated != 1 || len(rep.Failed) != 0 {
		t.Fatalf("rotate: %+v, %v", rep, err)
	}
	onlyNew, err := secrets.NewKeyring(strings.Repeat("n", 40))
	if err != nil {
		t.Fatal(err)
	}
	after := totp.New(db, onlyNew, "")
	after.Now = func() time.Time { return now.Add(30 * time.Second) }
	if err := after.Verify(ctx, ann.ID, code(now.Add(30*time.Second))); err != nil {
		t.Fatalf("a code after rotation: %v", err)
	}
	if err := after.Verify(ctx, ann.ID, code(now.Add(30*time.Second))); !errors.Is(err, totp.ErrReplayed) {
		t.Fatalf("the same code again: %v, want ErrReplayed", err)
	}
	if err := after.Verify(ctx, ann.ID, code(now)); !errors.Is(err, totp.ErrReplayed) {
		t.Fatalf("an earlier step's code: %v, want ErrReplayed", err)
	}
	if err := after.Verify(ctx, ann.ID, code(now.Add(3*30*time.Second))); !errors.Is(err, totp.ErrInvalidCode) {
		t.Fatalf("a code two steps ahead: %v, want ErrInvalidCode", err)
	}
}
