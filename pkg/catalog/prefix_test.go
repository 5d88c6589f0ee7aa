package catalog_test

import (
	"context"
	"errors"
	"testing"

	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

// TestResolveID: the whole id or a unique start of it (any case) names
// one of the owner's documents; a start shared by two is ErrAmbiguous; a
// too short or non-hex one ErrInvalid; another owner's, an uploading one
// or none ErrNotFound.
func TestResolveID(t *testing.T) {
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx := context.Background()
	ann, err := users.Create(ctx, db, users.NewUser{Handle: "ann", Email: "ann@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := users.Create(ctx, db, users.NewUser{Handle: "bob", Email: "bob@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	d.AdminDB(t).MustExec(`INSERT INTO documents (id, user_id, filename, object_key, content_type, size_bytes, status) VALUES
		('abcd0000-0000-4000-8000-000000000001', $1, 'a', 'k/a', 'text/plain', 1, 'pending'),
		('abcd1111-0000-4000-8000-000000000002', $1, 'b', 'k/b', 'text/plain', 1, 'classified'),
		('ef000000-0000-4000-8000-000000000003', $1, 'c', 'k/c', 'text/plain', 1, 'uploading'),
		('12340000-0000-4000-8000-000000000004', $2, 'd', 'k/d', 'text/plain', 1, 'pending')`, ann.ID, bob.ID)
	for _, c := range []struct {
		typed, want string
		err         error
	}{
		{"abcd0", "abcd0000-0000-4000-8000-000000000001", nil},
		{"ABCD1", "abcd1111-0000-4000-8000-000000000002", nil},
		{"abcd1111-0000-4000-8000-000000000002", "abcd1111-0000-4000-8000-000000000002", nil},
		{"abcd", "", catalog.ErrAmbiguous},
		{"abc", "", catalog.ErrInvalid},
		{"abcz", "", catalog.ErrInvalid},
		{"abcd%", "", catalog.ErrInvalid},
		{"ef00", "", catalog.ErrNotFound}, // still uploading
		{"1234", "", catalog.ErrNotFound}, // bob's
		{"9999", "", catalog.ErrNotFound}, // nobody's
	} {
		got, err := catalog.ResolveID(ctx, db, ann.ID, c.typed)
		if got != c.want || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("ResolveID(%q) = %q, %v; want %q, %v", c.typed, got, err, c.want, c.err)
		}
	}
}
