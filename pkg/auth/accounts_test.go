package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/users"
)

// TestAuthenticateCachesAccounts: within the TTL an account is not read
// again (a change made behind the Service's back is not seen), a change
// through UpdateAccount is seen at once, and a negative TTL reads the
// account on every request.
func TestAuthenticateCachesAccounts(t *testing.T) {
	ctx := context.Background()
	setActive := func(f *fixture, on bool) {
		t.Helper()
		if _, err := f.db.Exec(`UPDATE users SET is_active = $2 WHERE id = $1`, f.ann.ID, on); err != nil {
			t.Fatal(err)
		}
	}
	login := func(f *fixture) string {
		t.Helper()
		_, tok, err := f.s.Login(ctx, LoginAttempt{Identifier: "ann", Password: "correct horse"})
		if err != nil {
			t.Fatal(err)
		}
		return tok.AccessToken
	}

	f := newFixture(t, Options{AccountTTL: time.Hour})
	tok := login(f)
	if _, err := f.s.Authenticate(ctx, tok); err != nil {
		t.Fatal(err)
	}
	setActive(f, false)
	if u, err := f.s.Authenticate(ctx, tok); err != nil || !u.IsActive {
		t.Fatalf("within the TTL the account was read again: %+v, %v", u, err)
	}
	off, on := false, true
	if _, err := f.s.UpdateAccount(ctx, f.ann.ID, AccountChange{Active: &off}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Authenticate(ctx, tok); !errors.Is(err, ErrInactive) {
		t.Fatalf("disabled through UpdateAccount, still let in: %v", err)
	}
	if _, err := f.s.UpdateAccount(ctx, f.ann.ID, AccountChange{Active: &on}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Authenticate(ctx, login(f)); err != nil {
		t.Fatalf("enabled through UpdateAccount, still refused: %v", err)
	}

	g := newFixture(t, Options{AccountTTL: -1})
	tok = login(g)
	if _, err := g.s.Authenticate(ctx, tok); err != nil {
		t.Fatal(err)
	}
	setActive(g, false)
	if _, err := g.s.Authenticate(ctx, tok); !errors.Is(err, ErrInactive) {
		t.Fatalf("with a negative TTL a disabled account was let in: %v", err)
	}
}

func TestAccountCacheBoundAndExpiry(t *testing.T) {
	c := newAccountCache(time.Hour, 2)
	for _, id := range []string{"a", "b", "c"} {
		_, _, gen := c.get(id + "|")
		c.put(id+"|", account{User: users.User{ID: id}}, gen)
	}
	if len(c.m) > 2 {
		t.Fatalf("%d entries kept, bound is 2", len(c.m))
	}
	if u, ok, _ := c.get("c|"); !ok || u.ID != "c" {
		t.Fatalf("the newest entry is gone: %+v, %v", u, ok)
	}
	c.forget("c")
	if _, ok, _ := c.get("c|"); ok {
		t.Fatal("forget kept the entry")
	}
	// A read that began before a forget is not kept.
	_, _, gen := c.get("d|")
	c.forget("d")
	c.put("d|", account{User: users.User{ID: "d"}}, gen)
	if _, ok, _ := c.get("d|"); ok {
		t.Fatal("an account read before a forget was kept")
	}

	short := newAccountCache(time.Nanosecond, 2)
	short.put("a|", account{User: users.User{ID: "a"}}, 0)
	time.Sleep(time.Millisecond)
	if _, ok, _ := short.get("a|"); ok {
		t.Fatal("an expired entry was returned")
	}
	short.put("b|", account{User: users.User{ID: "b"}}, 0)
	short.put("c|", account{User: users.User{ID: "c"}}, 0)
	if _, ok := short.m["a|"]; ok {
		t.Fatal("a full cache kept an expired entry")
	}
}
