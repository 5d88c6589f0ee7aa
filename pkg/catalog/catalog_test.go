package catalog_test

import (
	"context"
	"errors"
	"testing"

	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

// TestKeysetPagingWithTies: pages never skip or repeat a document, also
// when many share a sort value (one created_at, one filename, one size),
// in every order, through List and through a Lister.
func TestKeysetPagingWithTies(t *testing.T) {
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
	// 137 documents: three created_at values, seven filenames, five sizes;
	// one still uploading (never listed); and bob's (never ann's).
	admin := d.AdminDB(t)
	admin.MustExec(`INSERT INTO documents (user_id, filename, object_key, content_type, size_bytes, status, created_at)
		SELECT $1, 'f' || (s % 7), 'k/' || s, 'text/plain', s % 5, 'pending', '2026-01-01'::timestamptz + (s % 3) * interval '1 hour'
		FROM generate_series(1, 137) s`, ann.ID)
	admin.MustExec(`INSERT INTO documents (user_id, filename, object_key, content_type, size_bytes, status) VALUES
		($1, 'hidden', 'k/up', 'text/plain', 1, 'uploading'), ($2, 'bobs', 'k/bob', 'text/plain', 1, 'pending')`, ann.ID, bob.ID)

	lister := catalog.NewLister(db)
	defer lister.Close()
	for _, sort := range []string{"created_desc", "created_asc", "filename_asc", "filename_desc", "size_desc", "size_asc"} {
		for name, list := range map[string]func(catalog.Query) (catalog.Page, error){
			"List":   func(q catalog.Query) (catalog.Page, error) { return catalog.List(ctx, db, q) },
			"Lister": func(q catalog.Query) (catalog.Page, error) { return lister.List(ctx, q) },
		} {
			seen := map[string]bool{}
			var prev *catalog.Document
			cursor := ""
			for pages := 0; pages < 100; pages++ {
				p, err := list(catalog.Query{Viewer: ann.ID, Sort: sort, Limit: 10, Cursor: cursor})
				if err != nil {
					t.Fatalf("%s %s: %v", name, sort, err)
				}
				for i := range p.Documents {
					doc := p.Documents[i]
					if seen[doc.ID] {
						t.Fatalf("%s %s: %s twice", name, sort, doc.ID)
					}
					seen[doc.ID] = true
					if prev != nil && !ordered(sort, *prev, doc) {
						t.Fatalf("%s %s: out of order: %+v then %+v", name, sort, *prev, doc)
					}
					prev = &p.Documents[i]
					if doc.Filename == "hidden" || doc.Filename == "bobs" || doc.Permission != "owner" || doc.Topics == nil {
						t.Fatalf("%s %s: listed %+v", name, sort, doc)
					}
				}
				if cursor = p.Next; cursor == "" {
					break
				}
			}
			if len(seen) != 137 {
				t.Errorf("%s %s: %d documents, want 137", name, sort, len(seen))
			}
		}
	}
	// A cursor belongs to its sort.
	p, _ := catalog.List(ctx, db, catalog.Query{Viewer: ann.ID, Sort: "size_asc", Limit: 5})
	if _, err := catalog.List(ctx, db, catalog.Query{Viewer: ann.ID, Sort: "filename_asc", Cursor: p.Next}); !errors.Is(err, catalog.ErrInvalid) {
		t.Errorf("cursor of another sort: %v", err)
	}
}

func ordered(sort string, a, b catalog.Document) bool {
	switch sort {
	case "created_desc":
		return a.CreatedAt.After(b.CreatedAt) || a.CreatedAt.Equal(b.CreatedAt) && a.ID > b.ID
	case "created_asc":
		return a.CreatedAt.Before(b.CreatedAt) || a.CreatedAt.Equal(b.CreatedAt) && a.ID < b.ID
	case "filename_asc":
		return a.Filename < b.Filename || a.Filename == b.Filename && a.ID < b.ID
	case "filename_desc":
		return a.Filename > b.Filename || a.Filename == b.Filename && a.ID > b.ID
	case "size_desc":
		return a.SizeBytes > b.SizeBytes || a.SizeBytes == b.SizeBytes && a.ID > b.ID
	case "size_asc":
		return a.SizeBytes < b.SizeBytes || a.SizeBytes == b.SizeBytes && a.ID < b.ID
	}
	return false
}
