package users_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

func TestPasswordHash(t *testing.T) {
	h, err := users.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=4$") {
		t.Errorf("hash %q is not a PHC argon2id string", h)
	}
	h2, _ := users.HashPassword("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false} {
		if ok, err := users.VerifyPassword(h, pw); err != nil || ok != want {
			t.Errorf("VerifyPassword(%q) = %v, %v", pw, ok, err)
		}
	}
	if ok, err := users.VerifyPassword("!", "anything"); ok || err != nil {
		t.Errorf("a locked account matched: %v %v", ok, err)
	}
	if _, err := users.VerifyPassword("$argon2id$garbage", "x"); !errors.Is(err, users.ErrBadHash) {
		t.Errorf("garbage hash: %v", err)
	}
	if _, err := users.HashPassword("short"); err == nil {
		t.Error("a 5-character password was accepted")
	}
}

func TestCreateListResolveQuota(t *testing.T) {
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx := context.Background()

	if _, err := users.Resolve(ctx, db, ""); !errors.Is(err, users.ErrAmbiguous) {
		t.Errorf("Resolve with no users: %v", err)
	}
	ann, err := users.Create(ctx, db, users.NewUser{Handle: "ann", Email: "ann@example.org", Password: "long enough pw"})
	if err != nil {
		t.Fatal(err)
	}
	if ann.LimitBytes != users.DefaultQuota || ann.UsedBytes != 0 || ann.Role != "user" || !ann.CanLogin || !ann.IsActive {
		t.Errorf("ann %+v", ann)
	}
	if u, err := users.Resolve(ctx, db, ""); err != nil || u.ID != ann.ID {
		t.Errorf("Resolve with one user: %+v, %v", u, err)
	}
	bob, err := users.Create(ctx, db, users.NewUser{Handle: "bob", Email: "bob@example.org", Admin: true, QuotaBytes: 2 << 30})
	if err != nil {
		t.Fatal(err)
	}
	if bob.Role != "admin" || bob.CanLogin || bob.LimitBytes != 2<<30 {
		t.Errorf("bob %+v", bob)
	}
	if _, err := users.Resolve(ctx, db, ""); !errors.Is(err, users.ErrAmbiguous) {
		t.Errorf("Resolve with two users: %v", err)
	}
	if u, err := users.Resolve(ctx, db, "bob@example.org"); err != nil || u.ID != bob.ID {
		t.Errorf("Resolve by email: %+v, %v", u, err)
	}
	if _, err := users.ByHandle(ctx, db, "carol"); !errors.Is(err, users.ErrNotFound) {
		t.Errorf("unknown handle: %v", err)
	}

	for name, n := range map[string]users.NewUser{
		"taken handle":   {Handle: "ann", Email: "other@example.org"},
		"taken email":    {Handle: "ann2", Email: "ann@example.org"},
		"bad handle":     {Handle: "a b", Email: "x@example.org"},
		"bad email":      {Handle: "dan", Email: "not an email"},
		"short password": {Handle: "dan", Email: "dan@example.org", Password: "123"},
		"negative quota": {Handle: "dan", Email: "dan@example.org", QuotaBytes: -1},
	} {
		if _, err := users.Create(ctx, db, n); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	var quotas int
	if err := db.Get(&quotas, `SELECT count(*) FROM quotas`); err != nil || quotas != 2 {
		t.Errorf("%d quota rows for 2 users (%v)", quotas, err)
	}

	u, err := users.SetQuota(ctx, db, "ann", 5<<30)
	if err != nil || u.LimitBytes != 5<<30 {
		t.Errorf("SetQuota: %+v, %v", u, err)
	}
	if _, err := users.SetQuota(ctx, db, "nobody", 1); !errors.Is(err, users.ErrNotFound) {
		t.Errorf("SetQuota of nobody: %v", err)
	}
	list, err := users.List(ctx, db)
	if err != nil || len(list) != 2 || list[0].Handle != "ann" || list[1].Handle != "bob" {
		t.Errorf("List: %+v, %v", list, err)
	}
}
