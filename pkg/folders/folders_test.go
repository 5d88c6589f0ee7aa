package folders_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/folders"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

func ptr[T any](v T) *T { return &v }

func setup(t *testing.T) (context.Context, *sqlx.DB, string, string) {
	t.Helper()
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	ann := mkUser(t, ctx, db, "ann")
	bob := mkUser(t, ctx, db, "bob")
	return ctx, db, ann, bob
}

func mkUser(t *testing.T, ctx context.Context, db *sqlx.DB, handle string) string {
	t.Helper()
	u, err := users.Create(ctx, db, users.NewUser{Handle: handle, Email: handle + "@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func mustCreate(t *testing.T, ctx context.Context, db *sqlx.DB, owner, name string, parent *string) folders.Folder {
	t.Helper()
	f, err := folders.Create(ctx, db, owner, name, parent)
	if err != nil {
		t.Fatalf("Create(%q): %v", name, err)
	}
	return f
}

// wantErr checks err against the sentinel want (nil: no error) and, for a
// package error, the field it blames.
func wantErr(t *testing.T, what string, err, want error, field string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %v", what, err, want)
		return
	}
	var fe *folders.Error
	if !errors.As(err, &fe) {
		t.Errorf("%s: %T is not a *folders.Error", what, err)
	} else if fe.Field != field {
		t.Errorf("%s: field %q, want %q (%v)", what, fe.Field, field, err)
	}
}

func TestCleanName(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"Taxes", "Taxes", true},
		{"  Taxes 2024  ", "Taxes 2024", true},
		{"Cafe\u0301", "Café", true}, // decomposed é becomes one code point
		{"数据 📁", "数据 📁", true},
		{strings.Repeat("a", 255), strings.Repeat("a", 255), true},
		{strings.Repeat("é", 255), strings.Repeat("é", 255), true},
		{"", "", false},
		{"   ", "", false},
		{strings.Repeat("a", 256), "", false},
		{"a/b", "", false},
		{"/", "", false},
		{".", "", false},
		{"..", "", false},
		{"tab\there", "", false},
		{"new\nline", "", false},
		{"nul\x00", "", false},
		{"del\x7f", "", false},
		{"c1\u0085x", "", false},
		{"c1\u0085", "c1", true}, // NEL is space at the end: trimmed
		{"bidi\u202etxt.exe", "", false},
		{"isolate\u2067x", "", false},
		{"zero\u200bwidth", "", false}, // issue 20 D15: invisible characters, as in topic names
		{"a\u200dnn", "", false},
		{"\ufeffbom", "", false},
		{"Family \U0001F468\u200d\U0001F469", "Family \U0001F468\u200d\U0001F469", true},
		{"bad \xff utf8", "", false},
	} {
		got, err := folders.CleanName(tc.in)
		if tc.ok && (err != nil || got != tc.want) {
			t.Errorf("CleanName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if !tc.ok {
			var fe *folders.Error
			if !errors.Is(err, folders.ErrInvalid) || !errors.As(err, &fe) || fe.Field != "name" {
				t.Errorf("CleanName(%q) = %q, %v; want ErrInvalid on name", tc.in, got, err)
			}
		}
	}
}

func TestCreateGetList(t *testing.T) {
	ctx, db, ann, bob := setup(t)
	work := mustCreate(t, ctx, db, ann, "Work", nil)
	if work.ParentID != nil || work.Name != "Work" || work.ID == "" || work.CreatedAt.IsZero() {
		t.Fatalf("Work = %+v", work)
	}
	bobs := mustCreate(t, ctx, db, bob, "Bob's", nil)

	for _, tc := range []struct {
		name   string
		parent *string
		want   error
		field  string
	}{
		{"Taxes", nil, nil, ""},
		{"Taxes", &work.ID, nil, ""},                     // same name, other parent
		{"Taxes", nil, folders.ErrConflict, "name"},      // two root folders, one name
		{" Taxes ", nil, folders.ErrConflict, "name"},    // trimmed first
		{"Taxes", &work.ID, folders.ErrConflict, "name"}, // twice in one folder
		{"Work", &work.ID, nil, ""},                      // a child may share its parent's name
		{"", nil, folders.ErrInvalid, "name"},            // empty
		{"a/b", nil, folders.ErrInvalid, "name"},         // slash
		{"x\x01", nil, folders.ErrInvalid, "name"},       // control character
		{strings.Repeat("n", 256), nil, folders.ErrInvalid, "name"},
		{"Child", &bobs.ID, folders.ErrNotFound, "parent_id"}, // another user's parent
		{"Child", ptr("not-a-uuid"), folders.ErrNotFound, "parent_id"},
		{"Child", ptr("00000000-0000-0000-0000-000000000000"), folders.ErrNotFound, "parent_id"},
		{"", &bobs.ID, folders.ErrInvalid, "name"}, // the name is checked first
	} {
		_, err := folders.Create(ctx, db, ann, tc.name, tc.parent)
		wantErr(t, "Create "+tc.name, err, tc.want, tc.field)
	}

	got, err := folders.Get(ctx, db, ann, work.ID)
	if err != nil || got.ID != work.ID || got.Name != "Work" || !got.CreatedAt.Equal(work.CreatedAt) {
		t.Errorf("Get = %+v, %v", got, err)
	}
	list, err := folders.List(ctx, db, ann)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range list {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "Taxes,Taxes,Work,Work" {
		t.Errorf("List names %v", names)
	}
	for _, id := range []string{"", "nope", "00000000-0000-0000-0000-000000000000", bobs.ID} {
		_, err := folders.Get(ctx, db, ann, id)
		wantErr(t, "Get "+id, err, folders.ErrNotFound, "id")
	}
}

// B never sees, changes or uses A's folders, and A's names do not limit B's.
func TestIsolation(t *testing.T) {
	ctx, db, ann, bob := setup(t)
	a := mustCreate(t, ctx, db, ann, "Private", nil)
	aChild := mustCreate(t, ctx, db, ann, "Inner", &a.ID)
	b := mustCreate(t, ctx, db, bob, "Private", nil) // the same name is B's own

	if l, err := folders.List(ctx, db, bob); err != nil || len(l) != 1 || l[0].ID != b.ID {
		t.Errorf("B's list: %+v, %v", l, err)
	}
	if l, err := folders.List(ctx, db, mkUser(t, ctx, db, "cat")); err != nil || l == nil || len(l) != 0 {
		t.Errorf("a new user's list: %#v, %v (want empty, not nil)", l, err)
	}
	_, err := folders.Get(ctx, db, bob, a.ID)
	wantErr(t, "B gets A's", err, folders.ErrNotFound, "id")
	_, err = folders.Update(ctx, db, bob, a.ID, ptr("Mine"), nil)
	wantErr(t, "B renames A's", err, folders.ErrNotFound, "id")
	_, err = folders.Update(ctx, db, bob, aChild.ID, nil, ptr[*string](nil))
	wantErr(t, "B moves A's to B's root", err, folders.ErrNotFound, "id")
	_, err = folders.Update(ctx, db, bob, b.ID, nil, ptr(&a.ID))
	wantErr(t, "B moves B's into A's", err, folders.ErrNotFound, "parent_id")
	_, err = folders.Update(ctx, db, ann, aChild.ID, nil, ptr(&b.ID))
	wantErr(t, "A moves A's into B's", err, folders.ErrNotFound, "parent_id")
	_, err = folders.Create(ctx, db, bob, "Sneaky", &a.ID)
	wantErr(t, "B creates in A's", err, folders.ErrNotFound, "parent_id")
	wantErr(t, "B deletes A's", folders.Delete(ctx, db, bob, a.ID), folders.ErrNotFound, "id")

	for _, f := range []folders.Folder{a, aChild} {
		got, err := folders.Get(ctx, db, ann, f.ID)
		if err != nil || got.Name != f.Name || !equalPtr(got.ParentID, f.ParentID) {
			t.Errorf("A's folder changed: %+v, %v; was %+v", got, err, f)
		}
	}
}

func equalPtr(a, b *string) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

func TestUpdate(t *testing.T) {
	ctx, db, ann, _ := setup(t)
	root := mustCreate(t, ctx, db, ann, "Root", nil)
	mid := mustCreate(t, ctx, db, ann, "Mid", &root.ID)
	leaf := mustCreate(t, ctx, db, ann, "Leaf", &mid.ID)
	other := mustCreate(t, ctx, db, ann, "Other", nil)
	mustCreate(t, ctx, db, ann, "Leaf", &other.ID)
	mustCreate(t, ctx, db, ann, "Taken", nil)

	nochange, err := folders.Update(ctx, db, ann, leaf.ID, nil, nil)
	if err != nil || nochange.Name != "Leaf" || !equalPtr(nochange.ParentID, &mid.ID) {
		t.Errorf("no change: %+v, %v", nochange, err)
	}

	for _, tc := range []struct {
		what   string
		id     string
		name   *string
		parent **string
		want   error
		field  string
	}{
		{"rename into a taken root name", other.ID, ptr("Taken"), nil, folders.ErrConflict, "name"},
		{"move next to a namesake", leaf.ID, nil, ptr(&other.ID), folders.ErrConflict, "name"},
		{"move into itself", root.ID, nil, ptr(&root.ID), folders.ErrCycle, "parent_id"},
		{"move under its child", root.ID, nil, ptr(&mid.ID), folders.ErrCycle, "parent_id"},
		{"move under its grandchild", root.ID, nil, ptr(&leaf.ID), folders.ErrCycle, "parent_id"},
		{"move under a missing folder", leaf.ID, nil, ptr(ptr("00000000-0000-0000-0000-000000000000")), folders.ErrNotFound, "parent_id"},
		{"move under garbage", leaf.ID, nil, ptr(ptr("x")), folders.ErrNotFound, "parent_id"},
		{"rename to an invalid name", leaf.ID, ptr("a/b"), nil, folders.ErrInvalid, "name"},
		{"rename a missing folder", "00000000-0000-0000-0000-000000000000", ptr("X"), nil, folders.ErrNotFound, "id"},
		{"rename garbage", "garbage", ptr("X"), nil, folders.ErrNotFound, "id"},
		{"rename", leaf.ID, ptr("  Leaf 2 "), nil, nil, ""},
		{"rename to its own name", leaf.ID, ptr("Leaf 2"), nil, nil, ""},
		{"move down the tree", other.ID, nil, ptr(&leaf.ID), nil, ""},
		{"move to the top", mid.ID, nil, ptr[*string](nil), nil, ""},
		{"move and rename at once", leaf.ID, ptr("Leaf"), ptr(&root.ID), nil, ""},
	} {
		_, err := folders.Update(ctx, db, ann, tc.id, tc.name, tc.parent)
		wantErr(t, tc.what, err, tc.want, tc.field)
	}
	// The tree now: Root/Leaf/Other/Leaf, Mid, Taken.
	want := map[string]*string{root.ID: nil, mid.ID: nil, leaf.ID: &root.ID, other.ID: &leaf.ID}
	for id, parent := range want {
		f, err := folders.Get(ctx, db, ann, id)
		if err != nil || !equalPtr(f.ParentID, parent) {
			t.Errorf("folder %s: %+v, %v; want parent %v", id, f, err, parent)
		}
	}
	if f, _ := folders.Get(ctx, db, ann, leaf.ID); f.Name != "Leaf" {
		t.Errorf("leaf renamed to %q", f.Name)
	}
	// Moving Mid (now at the top) back under Root would clash with nothing.
	if f, err := folders.Update(ctx, db, ann, mid.ID, nil, ptr(&root.ID)); err != nil || !equalPtr(f.ParentID, &root.ID) {
		t.Errorf("move back: %+v, %v", f, err)
	}
	var e *folders.Error
	_, err = folders.Update(ctx, db, ann, root.ID, nil, ptr(&other.ID))
	if !errors.As(err, &e) || !strings.Contains(e.Error(), "subfolders") {
		t.Errorf("cycle message: %v", err)
	}
}

func TestDelete(t *testing.T) {
	ctx, db, ann, bob := setup(t)
	top := mustCreate(t, ctx, db, ann, "Top", nil)
	sub := mustCreate(t, ctx, db, ann, "Sub", &top.ID)
	subsub := mustCreate(t, ctx, db, ann, "SubSub", &sub.ID)
	keep := mustCreate(t, ctx, db, ann, "Keep", nil)

	docIn := func(folder string) string {
		t.Helper()
		var id string
		err := db.QueryRowContext(ctx, `INSERT INTO documents (user_id, folder_id, filename, object_key, content_type)
			VALUES ($1, $2, 'a.txt', gen_random_uuid()::text, 'text/plain') RETURNING id`, ann, folder).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	d1, d2, d3, d4 := docIn(top.ID), docIn(sub.ID), docIn(subsub.ID), docIn(keep.ID)

	wantErr(t, "B deletes", folders.Delete(ctx, db, bob, top.ID), folders.ErrNotFound, "id")
	wantErr(t, "garbage", folders.Delete(ctx, db, ann, "nope"), folders.ErrNotFound, "id")
	if err := folders.Delete(ctx, db, ann, top.ID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "again", folders.Delete(ctx, db, ann, top.ID), folders.ErrNotFound, "id")
	for _, id := range []string{top.ID, sub.ID, subsub.ID} {
		_, err := folders.Get(ctx, db, ann, id)
		wantErr(t, "deleted folder "+id, err, folders.ErrNotFound, "id")
	}
	if _, err := folders.Get(ctx, db, ann, keep.ID); err != nil {
		t.Errorf("unrelated folder: %v", err)
	}
	for doc, want := range map[string]*string{d1: nil, d2: nil, d3: nil, d4: &keep.ID} {
		var folder *string
		if err := db.GetContext(ctx, &folder, `SELECT folder_id FROM documents WHERE id = $1`, doc); err != nil {
			t.Errorf("document %s is gone: %v", doc, err)
		} else if !equalPtr(folder, want) {
			t.Errorf("document %s folder %v, want %v", doc, folder, want)
		}
	}
}

// Eight clients create the same top-level folder at once: exactly one wins.
func TestConcurrentCreateSameRootName(t *testing.T) {
	ctx, db, ann, bob := setup(t)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = folders.Create(ctx, db, ann, "Inbox", nil)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, folders.ErrConflict):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d creates succeeded, want 1", won)
	}
	var rows int
	if err := db.GetContext(ctx, &rows, `SELECT count(*) FROM folders WHERE user_id = $1 AND name = 'Inbox'`, ann); err != nil || rows != 1 {
		t.Errorf("%d Inbox rows (%v)", rows, err)
	}
	if _, err := folders.Create(ctx, db, bob, "Inbox", nil); err != nil {
		t.Errorf("B's own Inbox: %v", err)
	}
}

// X under Y and Y under X at the same time: each alone is fine, together
// they would make a loop. One must fail with ErrCycle, every time.
func TestConcurrentMovesNeverCycle(t *testing.T) {
	ctx, db, ann, _ := setup(t)
	x := mustCreate(t, ctx, db, ann, "X", nil)
	y := mustCreate(t, ctx, db, ann, "Y", nil)
	for round := range 20 {
		for _, f := range []folders.Folder{x, y} {
			if _, err := folders.Update(ctx, db, ann, f.ID, nil, ptr[*string](nil)); err != nil {
				t.Fatal(err)
			}
		}
		var errX, errY error
		start := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); <-start; _, errX = folders.Update(ctx, db, ann, x.ID, nil, ptr(&y.ID)) }()
		go func() { defer wg.Done(); <-start; _, errY = folders.Update(ctx, db, ann, y.ID, nil, ptr(&x.ID)) }()
		close(start)
		wg.Wait()
		if (errX == nil) == (errY == nil) {
			t.Fatalf("round %d: X under Y: %v; Y under X: %v — want exactly one to fail", round, errX, errY)
		}
		for _, err := range []error{errX, errY} {
			if err != nil && !errors.Is(err, folders.ErrCycle) {
				t.Fatalf("round %d: %v, want ErrCycle", round, err)
			}
		}
		var roots int
		if err := db.GetContext(ctx, &roots, `SELECT count(*) FROM folders WHERE user_id = $1 AND parent_id IS NULL`, ann); err != nil || roots != 1 {
			t.Fatalf("round %d: %d top-level folders (%v): a cycle", round, roots, err)
		}
	}
}
