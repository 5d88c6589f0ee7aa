package apitokens_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/apitokens"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

func setup(t *testing.T) (context.Context, *sqlx.DB, string, string) {
	t.Helper()
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx, db, mkUser(t, ctx, db, "ann"), mkUser(t, ctx, db, "bob")
}

func mkUser(t *testing.T, ctx context.Context, db *sqlx.DB, handle string) string {
	t.Helper()
	u, err := users.Create(ctx, db, users.NewUser{Handle: handle, Email: handle + "@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func TestCreateListRevoke(t *testing.T) {
	ctx, db, ann, bob := setup(t)
	tok, secret, err := apitokens.Create(ctx, db, ann, apitokens.New{Name: "  phone scanner ", Scopes: []string{"upload", "READ", "upload"}})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Name != "phone scanner" || strings.Join(tok.Scopes, ",") != "read,upload" || tok.LastUsedAt != nil || tok.ExpiresAt != nil {
		t.Errorf("created %+v", tok)
	}
	if !strings.HasPrefix(secret, apitokens.Prefix) || len(secret) != 47 || !apitokens.LooksLike(secret) {
		t.Errorf("secret %q", secret)
	}
	// Only the hash is stored.
	var stored int
	if err := db.GetContext(ctx, &stored, `SELECT count(*) FROM api_tokens WHERE token_hash = sha256(convert_to($1, 'UTF8'))`, secret); err != nil || stored != 1 {
		t.Errorf("stored by its SHA-256: %d, %v", stored, err)
	}

	for name, c := range map[string]struct {
		n    apitokens.New
		want error
	}{
		"empty name":    {apitokens.New{Name: " ", Scopes: []string{"read"}}, apitokens.ErrInvalid},
		"control char":  {apitokens.New{Name: "a\x00b", Scopes: []string{"read"}}, apitokens.ErrInvalid},
		"long name":     {apitokens.New{Name: strings.Repeat("x", 101), Scopes: []string{"read"}}, apitokens.ErrInvalid},
		"no scope":      {apitokens.New{Name: "x"}, apitokens.ErrInvalid},
		"unknown scope": {apitokens.New{Name: "x", Scopes: []string{"admin"}}, apitokens.ErrInvalid},
		"past expiry":   {apitokens.New{Name: "x", Scopes: []string{"read"}, ExpiresAt: ptr(time.Now().Add(-time.Minute))}, apitokens.ErrInvalid},
		"name taken":    {apitokens.New{Name: "PHONE SCANNER", Scopes: []string{"read"}}, apitokens.ErrConflict},
	} {
		if _, _, err := apitokens.Create(ctx, db, ann, c.n); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	// Bob may use the name; he does not see or revoke Ann's.
	if _, _, err := apitokens.Create(ctx, db, bob, apitokens.New{Name: "phone scanner", Scopes: []string{"read"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := apitokens.Get(ctx, db, bob, tok.ID); !errors.Is(err, apitokens.ErrNotFound) {
		t.Errorf("bob gets ann's token: %v", err)
	}
	if err := apitokens.Delete(ctx, db, bob, tok.ID); !errors.Is(err, apitokens.ErrNotFound) {
		t.Errorf("bob revokes ann's token: %v", err)
	}
	if r, err := apitokens.Resolve(ctx, db, ann, "Phone Scanner"); err != nil || r.ID != tok.ID {
		t.Errorf("resolve by name: %+v, %v", r, err)
	}
	if r, err := apitokens.Resolve(ctx, db, ann, tok.ID); err != nil || r.ID != tok.ID {
		t.Errorf("resolve by id: %+v, %v", r, err)
	}
	ts, err := apitokens.List(ctx, db, ann)
	if err != nil || len(ts) != 1 || ts[0].ID != tok.ID {
		t.Fatalf("list: %+v, %v", ts, err)
	}

	if _, u, err := apitokens.Authenticate(ctx, db, secret); err != nil || u.ID != ann || u.Handle != "ann" {
		t.Fatalf("authenticate: %+v, %v", u, err)
	}
	if err := apitokens.Delete(ctx, db, ann, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := apitokens.Authenticate(ctx, db, secret); !errors.Is(err, apitokens.ErrUnauthenticated) {
		t.Errorf("a revoked token: %v", err)
	}
	if err := apitokens.Delete(ctx, db, ann, tok.ID); !errors.Is(err, apitokens.ErrNotFound) {
		t.Errorf("revoked twice: %v", err)
	}
}

func TestAuthenticate(t *testing.T) {
	ctx, db, ann, _ := setup(t)
	tok, secret, err := apitokens.Create(ctx, db, ann, apitokens.New{Name: "script", Scopes: []string{"read"}, ExpiresAt: ptr(time.Now().Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{
		"empty":        "",
		"a JWT":        "eyJhbGciOiJIUzI1NiJ9.e30.x",
		"prefix only":  apitokens.Prefix,
		"one changed":  flipLast(secret),
		"one too long": secret + "A",
	} {
		if _, _, err := apitokens.Authenticate(ctx, db, s); !errors.Is(err, apitokens.ErrUnauthenticated) {
			t.Errorf("%s: %v", name, err)
		}
	}

	// Used: last_used_at is written once, not again within UseInterval,
	// also by requests at the same moment.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if got, _, err := apitokens.Authenticate(ctx, db, secret); err != nil || got.ID != tok.ID || !got.Has("read") || got.Has("upload") {
				t.Errorf("authenticate: %+v, %v", got, err)
			}
		})
	}
	wg.Wait()
	first := lastUsed(t, ctx, db, tok.ID)
	if first == nil {
		t.Fatal("last_used_at not written")
	}
	if _, _, err := apitokens.Authenticate(ctx, db, secret); err != nil {
		t.Fatal(err)
	}
	if again := lastUsed(t, ctx, db, tok.ID); !again.Equal(*first) {
		t.Errorf("last_used_at written again within UseInterval: %v, then %v", first, again)
	}
	// Older than UseInterval: written again.
	if _, err := db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = now() - interval '2 minutes' WHERE id = $1`, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := apitokens.Authenticate(ctx, db, secret); err != nil {
		t.Fatal(err)
	}
	if again := lastUsed(t, ctx, db, tok.ID); time.Since(*again) > 30*time.Second {
		t.Errorf("last_used_at not written after UseInterval: %v", again)
	}

	// A disabled account, at once.
	if _, err := db.ExecContext(ctx, `UPDATE users SET is_active = false WHERE id = $1`, ann); err != nil {
		t.Fatal(err)
	}
	if _, _, err := apitokens.Authenticate(ctx, db, secret); !errors.Is(err, apitokens.ErrInactive) {
		t.Errorf("disabled account: %v", err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE users SET is_active = true WHERE id = $1`, ann); err != nil {
		t.Fatal(err)
	}
	// Expired.
	if _, err := db.ExecContext(ctx, `UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = apitokens.Authenticate(ctx, db, secret)
	if !errors.Is(err, apitokens.ErrUnauthenticated) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired: %v", err)
	}
}

func TestMaxTokens(t *testing.T) {
	ctx, db, ann, _ := setup(t)
	for i := range apitokens.MaxTokens {
		if _, _, err := apitokens.Create(ctx, db, ann, apitokens.New{Name: "t" + string(rune('A'+i%26)) + string(rune('a'+i/26)), Scopes: []string{"read"}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := apitokens.Create(ctx, db, ann, apitokens.New{Name: "one more", Scopes: []string{"read"}}); !errors.Is(err, apitokens.ErrInvalid) {
		t.Errorf("token %d: %v", apitokens.MaxTokens+1, err)
	}
}

func lastUsed(t *testing.T, ctx context.Context, db *sqlx.DB, id string) *time.Time {
	t.Helper()
	var ts *time.Time
	if err := db.GetContext(ctx, &ts, `SELECT last_used_at FROM api_tokens WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return ts
}

// flipLast is s with its last character changed.
func flipLast(s string) string {
	b := []byte(s)
	if b[len(b)-1] == 'A' {
		b[len(b)-1] = 'B'
	} else {
		b[len(b)-1] = 'A'
	}
	return string(b)
}

func ptr[T any](v T) *T { return &v }
