package users_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/migrations"
	"github.com/docuvault/docuvault/pkg/passwords"
	"github.com/docuvault/docuvault/pkg/schema"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

func TestPasswordHash(t *testing.T) {
	h, err := users.HashPassword("correct horse battery", passwords.HashCost{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=4$") {
		t.Errorf("hash %q is not a PHC argon2id string", h)
	}
	h2, _ := users.HashPassword("correct horse battery", passwords.HashCost{})
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
	if _, err := users.HashPassword("short", passwords.HashCost{}); err == nil {
		t.Error("a 5-character password was accepted")
	}
}

// A configured cost is the one a hash is made with and carries, and a hash
// verifies at the cost it carries, whatever is configured now.
func TestPasswordHashCost(t *testing.T) {
	cost, err := passwords.ParseHashCost("m=19456,t=2,p=1")
	if err != nil {
		t.Fatal(err)
	}
	h, err := users.HashPassword("correct horse battery", cost)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q does not carry the cost m=19456,t=2,p=1", h)
	}
	if ok, err := users.VerifyPassword(h, "correct horse battery"); !ok || err != nil {
		t.Errorf("VerifyPassword at the hash's own cost = %v, %v", ok, err)
	}
	for _, c := range []passwords.HashCost{{}, cost} {
		d := users.DummyHash(c)
		if !strings.Contains(d, "$"+c.String()+"$") {
			t.Errorf("DummyHash(%v) = %q: not at that cost", c, d)
		}
		if ok, err := users.VerifyPassword(d, "correct horse battery"); ok || err != nil {
			t.Errorf("VerifyPassword(DummyHash(%v)) = %v, %v: want false, nil (read, and matching nothing)", c, ok, err)
		}
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

	// A taken handle or email is an *ExistsError whose message says so
	// once: no "create user: user already exists:" before it (issue 21).
	for n, want := range map[users.NewUser]users.ExistsError{
		{Handle: "ann", Email: "other@example.org"}: {Field: "handle", Value: "ann"},
		{Handle: "ann2", Email: "ann@example.org"}:  {Field: "email", Value: "ann@example.org"},
	} {
		_, err := users.Create(ctx, db, n)
		var got *users.ExistsError
		if !errors.As(err, &got) || *got != want || !errors.Is(err, users.ErrExists) || err.Error() != got.Error() {
			t.Errorf("Create(%s, %s): %v, want %+v", n.Handle, n.Email, err, want)
		}
	}
	if got, want := (&users.ExistsError{Field: "email", Value: "ann@example.org"}).Error(), "the email address ann@example.org is taken by another user: use another one"; got != want {
		t.Errorf("email taken: %q, want %q", got, want)
	}
	for name, n := range map[string]users.NewUser{
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

// TestHandlesIgnoreCase: "Alice" and "alice" are one account (issue 20,
// D15): a second one is ErrExists, every lookup by handle finds the one
// whatever the case, and the handle keeps the case it was created with.
func TestHandlesIgnoreCase(t *testing.T) {
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx := context.Background()
	alice, err := users.Create(ctx, db, users.NewUser{Handle: "Alice", Email: "alice@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"alice", "ALICE", "aLiCe"} {
		if _, err := users.Create(ctx, db, users.NewUser{Handle: h, Email: h + "2@example.org"}); !errors.Is(err, users.ErrExists) || err.Error() != "the handle "+h+" is taken: choose another one" {
			t.Errorf("Create(%q) after Alice: %v, want ErrExists for the handle", h, err)
		}
		u, err := users.ByHandle(ctx, db, h)
		if err != nil || u.ID != alice.ID || u.Handle != "Alice" {
			t.Errorf("ByHandle(%q) = %+v, %v; want Alice", h, u, err)
		}
		if u, err := users.Resolve(ctx, db, h); err != nil || u.ID != alice.ID {
			t.Errorf("Resolve(%q) = %+v, %v; want Alice", h, u, err)
		}
	}
	if _, err := users.SetQuota(ctx, db, "ALICE", 1<<20); err != nil {
		t.Errorf("SetQuota by another case: %v", err)
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM users`); err != nil || n != 1 {
		t.Errorf("%d users (%v), want 1", n, err)
	}
	// Text no handle can be is not found, without a database error.
	for _, h := range []string{"n\x00", "a\u202eb", "bad \xff"} {
		if _, err := users.ByHandle(ctx, db, h); !errors.Is(err, users.ErrNotFound) {
			t.Errorf("ByHandle(%q): %v, want ErrNotFound", h, err)
		}
	}
	// Emails are refused with the same text rule.
	for _, email := range []string{"x\x00@example.org", "x\u202e@example.org", "x\u200b@example.org"} {
		if _, err := users.Create(ctx, db, users.NewUser{Handle: "xavier", Email: email}); err == nil || !strings.Contains(err.Error(), "is not a valid address") {
			t.Errorf("Create with email %q: %v, want 'is not a valid address'", email, err)
		}
	}
}

// TestHandleMigrationRefusesDuplicates: migration 0016 stops with an error
// naming handles that differ only in case, instead of failing on the index
// or merging accounts; once one is renamed, it applies, and rolls back.
func TestHandleMigrationRefusesDuplicates(t *testing.T) {
	tdb := testenv.NewDatabase(t)
	db, err := sql.Open("postgres", tdb.MigrateURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	m := schema.NewMigrator(db, migrations.FS())
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	// Back to before 0016 (and whatever came after it).
	st, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	steps := 0
	for i := len(st) - 1; i >= 0 && !strings.HasPrefix(st[i].ID, "0015_"); i-- {
		steps++
	}
	if _, err := m.Down(ctx, steps); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"Alice", "alice", "BOB", "bob", "carol"} {
		if _, err := db.ExecContext(ctx, `INSERT INTO users (handle, email, password_hash) VALUES ($1, $2, '!')`, h, h+"@example.org"); err != nil {
			t.Fatal(err)
		}
	}
	_, err = m.Up(ctx)
	if err == nil || !strings.Contains(err.Error(), "handles that differ only in letter case: Alice, alice; BOB, bob") {
		t.Fatalf("Up with Alice and alice: %v", err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE users SET handle = 'alice2' WHERE handle = 'alice'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM users WHERE handle = 'bob'`); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("Up after the rename: %v", err)
	}
	_, err = db.ExecContext(ctx, `INSERT INTO users (handle, email, password_hash) VALUES ('CAROL', 'c2@example.org', '!')`)
	if testenv.ErrCode(err) != "23505" {
		t.Errorf("CAROL beside carol: %v, want a unique violation", err)
	}
	if _, err := m.Down(ctx, steps); err != nil {
		t.Fatalf("Down: %v", err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("Up again: %v", err)
	}
}

// BenchmarkHashPassword is one password hash (a sign-in's cost) at the
// default cost and at OWASP's minimum, the least DOCUVAULT_PASSWORD_HASH_COST
// takes: go test -run '^$' -bench HashPassword ./pkg/users/
func BenchmarkHashPassword(b *testing.B) {
	for _, setting := range []string{"m=65536,t=3,p=4", "m=19456,t=2,p=1"} {
		cost, err := passwords.ParseHashCost(setting)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(setting, func(b *testing.B) {
			for b.Loop() {
				if _, err := users.HashPassword("correct horse battery", cost); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
