package foldershares_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/folders"
	"github.com/docuvault/docuvault/pkg/foldershares"
	"github.com/docuvault/docuvault/pkg/groups"
	"github.com/docuvault/docuvault/pkg/shares"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

type fixture struct {
	ctx                context.Context
	db                 *sqlx.DB
	ann, bob, cat, dan string
}

func setup(t *testing.T) fixture {
	t.Helper()
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	f := fixture{ctx: ctx, db: db}
	f.ann, f.bob, f.cat, f.dan = mkUser(t, f, "ann"), mkUser(t, f, "bob"), mkUser(t, f, "cat"), mkUser(t, f, "dan")
	return f
}

func mkUser(t *testing.T, f fixture, handle string) string {
	t.Helper()
	u, err := users.Create(f.ctx, f.db, users.NewUser{Handle: handle, Email: handle + "@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func mkDoc(t *testing.T, f fixture, owner, filename string, folder *string) string {
	t.Helper()
	var id string
	err := f.db.QueryRowContext(f.ctx, `INSERT INTO documents (user_id, folder_id, filename, object_key, content_type, status)
		VALUES ($1, $2, $3, gen_random_uuid()::text, 'text/plain', 'classified') RETURNING id`, owner, folder, filename).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func mkFolder(t *testing.T, f fixture, owner, name string, parent *string) string {
	t.Helper()
	fo, err := folders.Create(f.ctx, f.db, owner, name, parent)
	if err != nil {
		t.Fatal(err)
	}
	return fo.ID
}

func access(t *testing.T, f fixture, user, doc string) shares.Level {
	t.Helper()
	l, err := shares.Access(f.ctx, f.db, user, doc)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// sharedWith is "shared with me" (catalog.List with Shared) by filename,
// with each one's permission; a document listed twice is an error.
func sharedWith(t *testing.T, f fixture, user string) map[string]string {
	t.Helper()
	p, err := catalog.List(f.ctx, f.db, catalog.Query{Viewer: user, Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range p.Documents {
		if _, dup := out[d.Filename]; dup {
			t.Errorf("%s listed twice for %s", d.Filename, user)
		}
		out[d.Filename] = d.Permission
	}
	return out
}

func wantErr(t *testing.T, err, target error, what string) {
	t.Helper()
	var e *foldershares.Error
	if !errors.Is(err, target) || !errors.As(err, &e) || e.Msg == "" {
		t.Errorf("%s: got %v, want %v", what, err, target)
	}
}

func ptr(s string) *string { return &s }

// TestFolderShareReach: a folder shared with a group reaches its members,
// for the documents in the folder and in its subfolders, as they are at
// the moment of the check: moving a document (or a subfolder) in or out,
// leaving the group, deleting the folder all change access at once.
func TestFolderShareReach(t *testing.T) {
	f := setup(t)
	g, err := groups.Create(f.ctx, f.db, "Household")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := groups.SetMembers(f.ctx, f.db, g.ID, groups.Change{Add: []string{"ann", "bob"}}); err != nil {
		t.Fatal(err)
	}
	taxes := mkFolder(t, f, f.ann, "Taxes", nil)
	y2024 := mkFolder(t, f, f.ann, "2024", &taxes)
	deep := mkFolder(t, f, f.ann, "Receipts", &y2024)
	other := mkFolder(t, f, f.ann, "Private", nil)
	inTop := mkDoc(t, f, f.ann, "return.pdf", &taxes)
	inDeep := mkDoc(t, f, f.ann, "receipt.pdf", &deep)
	outside := mkDoc(t, f, f.ann, "diary.txt", &other)
	unfiled := mkDoc(t, f, f.ann, "loose.txt", nil)

	// Before any share: nothing.
	if l := access(t, f, f.bob, inTop); l != shares.None {
		t.Fatalf("before sharing, bob has %v", l)
	}
	sh, err := foldershares.Create(f.ctx, f.db, f.ann, false, taxes, foldershares.To{Group: "household"}, shares.PermView)
	if err != nil {
		t.Fatal(err)
	}
	if sh.GroupName == nil || *sh.GroupName != "Household" || sh.FolderName != "Taxes" || sh.OwnerHandle != "ann" || sh.RecipientID != nil {
		t.Errorf("share = %+v", sh)
	}
	for doc, want := range map[string]shares.Level{inTop: shares.View, inDeep: shares.View, outside: shares.None, unfiled: shares.None} {
		if l := access(t, f, f.bob, doc); l != want {
			t.Errorf("bob on %s: %v, want %v", doc, l, want)
		}
		if l := access(t, f, f.cat, doc); l != shares.None {
			t.Errorf("cat (no member) on %s: %v", doc, l)
		}
		// The owner, also a member of the group, stays the owner.
		if l := access(t, f, f.ann, doc); l != shares.Owner {
			t.Errorf("ann on her %s: %v", doc, l)
		}
	}
	if got := sharedWith(t, f, f.bob); len(got) != 2 || got["return.pdf"] != "view" || got["receipt.pdf"] != "view" {
		t.Errorf("bob's shared with me: %v", got)
	}
	if got := sharedWith(t, f, f.ann); len(got) != 0 {
		t.Errorf("ann's own documents listed as shared with her: %v", got)
	}

	// A document moved in is shared at once; one moved out is not.
	if err := catalog.Update(f.ctx, f.db, f.ann, outside, catalog.Change{FolderID: func() **string { p := &y2024; return &p }()}); err != nil {
		t.Fatal(err)
	}
	if l := access(t, f, f.bob, outside); l != shares.View {
		t.Errorf("moved into a shared subfolder: bob has %v", l)
	}
	var none *string
	if err := catalog.Update(f.ctx, f.db, f.ann, inTop, catalog.Change{FolderID: &none}); err != nil {
		t.Fatal(err)
	}
	if l := access(t, f, f.bob, inTop); l != shares.None {
		t.Errorf("moved out to no folder: bob still has %v", l)
	}
	// A subfolder moved out takes its documents out of the share.
	if _, err := folders.Update(f.ctx, f.db, f.ann, deep, nil, func() **string { p := &other; return &p }()); err != nil {
		t.Fatal(err)
	}
	if l := access(t, f, f.bob, inDeep); l != shares.None {
		t.Errorf("subfolder moved out: bob still has %v", l)
	}
	// A document in the trash is not reached.
	if _, err := f.db.ExecContext(f.ctx, `UPDATE documents SET trashed_at = now() WHERE id = $1`, outside); err != nil {
		t.Fatal(err)
	}
	if l := access(t, f, f.bob, outside); l != shares.None {
		t.Errorf("trashed: bob still has %v", l)
	}
	if _, err := f.db.ExecContext(f.ctx, `UPDATE documents SET trashed_at = NULL WHERE id = $1`, outside); err != nil {
		t.Fatal(err)
	}

	// Leaving the group ends access at once; coming back restores it.
	if _, err := groups.SetMembers(f.ctx, f.db, g.ID, groups.Change{Remove: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	if l := access(t, f, f.bob, outside); l != shares.None {
		t.Errorf("after leaving the group: bob has %v", l)
	}
	if got := sharedWith(t, f, f.bob); len(got) != 0 {
		t.Errorf("after leaving the group, bob's shared with me: %v", got)
	}
	rec, err := foldershares.ListReceived(f.ctx, f.db, f.bob)
	if err != nil || len(rec) != 0 {
		t.Errorf("after leaving, bob received %v, %v", rec, err)
	}
	if _, err := groups.SetMembers(f.ctx, f.db, g.ID, groups.Change{Add: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	if l := access(t, f, f.bob, outside); l != shares.View {
		t.Errorf("back in the group: bob has %v", l)
	}

	// A direct edit share of the same folder: the better permission wins,
	// the document is listed once.
	direct, err := foldershares.Create(f.ctx, f.db, f.ann, false, taxes, foldershares.To{User: "BOB"}, shares.PermEdit)
	if err != nil {
		t.Fatal(err)
	}
	if l := access(t, f, f.bob, outside); l != shares.Edit {
		t.Errorf("with an edit folder share: bob has %v", l)
	}
	if got := sharedWith(t, f, f.bob); len(got) != 1 || got["diary.txt"] != "edit" {
		t.Errorf("bob's shared with me: %v", got)
	}
	rec, err = foldershares.ListReceived(f.ctx, f.db, f.bob)
	if err != nil || len(rec) != 2 {
		t.Errorf("bob received %d folder shares, %v; want 2", len(rec), err)
	}
	// The recipient may leave a direct share; then the group's view stays.
	if _, err := foldershares.Delete(f.ctx, f.db, f.bob, false, "", direct.ID); err != nil {
		t.Fatal(err)
	}
	if l := access(t, f, f.bob, outside); l != shares.View {
		t.Errorf("after leaving the direct share: bob has %v", l)
	}

	// Deleting the folder deletes its shares (and its subfolders').
	if err := folders.Delete(f.ctx, f.db, f.ann, taxes); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := f.db.GetContext(f.ctx, &n, `SELECT count(*) FROM folder_shares`); err != nil || n != 0 {
		t.Errorf("after deleting the folder: %d folder shares, %v", n, err)
	}
	if l := access(t, f, f.bob, outside); l != shares.None {
		t.Errorf("folder deleted: bob still has %v", l)
	}
}

// TestFolderShareRules: who may share what, with whom; each refusal is
// its sentinel and stores nothing.
func TestFolderShareRules(t *testing.T) {
	f := setup(t)
	g, err := groups.Create(f.ctx, f.db, "Office")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := groups.SetMembers(f.ctx, f.db, g.ID, groups.Change{Add: []string{"bob", "cat"}}); err != nil {
		t.Fatal(err)
	}
	mine := mkFolder(t, f, f.ann, "Mine", nil)
	bobs := mkFolder(t, f, f.bob, "Bob's", nil)
	doc := mkDoc(t, f, f.ann, "a.txt", &mine)

	_, err = foldershares.Create(f.ctx, f.db, f.ann, false, bobs, foldershares.To{User: "cat"}, "view")
	wantErr(t, err, foldershares.ErrNotFound, "another user's folder")
	_, err = foldershares.Create(f.ctx, f.db, f.ann, false, "not-a-uuid", foldershares.To{User: "cat"}, "view")
	wantErr(t, err, foldershares.ErrNotFound, "not a uuid")
	_, err = foldershares.Create(f.ctx, f.db, f.ann, false, mine, foldershares.To{User: "cat"}, "own")
	wantErr(t, err, foldershares.ErrInvalid, "bad permission")
	_, err = foldershares.Create(f.ctx, f.db, f.ann, false, mine, foldershares.To{}, "view")
	wantErr(t, err, foldershares.ErrInvalid, "no recipient")
	_, err = foldershares.Create(f.ctx, f.db, f.ann, false, mine, foldershares.To{User: "cat", Group: "Office"}, "view")
	wantErr(t, err, foldershares.ErrInvalid, "both")
	_, err = foldershares.Create(f.ctx, f.db, f.ann, false, mine, foldershares.To{User: "nobody"}, "view")
	wantErr(t, err, foldershares.ErrInvalid, "unknown user")
	_, err = foldershares.Create(f.ctx, f.db, f.ann, false, mine, foldershares.To{User: "ann"}, "view")
	wantErr(t, err, foldershares.ErrInvalid, "herself")
	_, err = foldershares.Create(f.ctx, f.db, f.ann, false, mine, foldershares.To{Group: "No such"}, "view")
	wantErr(t, err, foldershares.ErrNotFound, "unknown group")
	// The policy: ann is not in Office.
	_, err = foldershares.Create(f.ctx, f.db, f.ann, false, mine, foldershares.To{Group: "Office"}, "view")
	wantErr(t, err, foldershares.ErrNotMember, "group ann does not belong to")
	var n int
	if err := f.db.GetContext(f.ctx, &n, `SELECT count(*) FROM folder_shares`); err != nil || n != 0 {
		t.Fatalf("after refusals: %d folder shares, %v", n, err)
	}
	if l := access(t, f, f.bob, doc); l != shares.None {
		t.Errorf("after refusals bob has %v", l)
	}
	// An admin may share with any group.
	sh, err := foldershares.Create(f.ctx, f.db, f.ann, true, mine, foldershares.To{Group: g.ID}, "edit")
	if err != nil {
		t.Fatal(err)
	}
	if l := access(t, f, f.cat, doc); l != shares.Edit {
		t.Errorf("cat through Office: %v", l)
	}
	_, err = foldershares.Create(f.ctx, f.db, f.ann, true, mine, foldershares.To{Group: "office"}, "view")
	wantErr(t, err, foldershares.ErrConflict, "twice with one group")
	if _, err := foldershares.Create(f.ctx, f.db, f.ann, false, mine, foldershares.To{User: "dan"}, "view"); err != nil {
		t.Fatal(err)
	}
	_, err = foldershares.Create(f.ctx, f.db, f.ann, false, mine, foldershares.To{User: "Dan"}, "edit")
	wantErr(t, err, foldershares.ErrConflict, "twice with one user")

	// Lists: the owner's folder (others' is ErrNotFound), given, received.
	if _, err := foldershares.ListForFolder(f.ctx, f.db, f.bob, mine); !errors.Is(err, foldershares.ErrNotFound) {
		t.Errorf("bob lists ann's folder's shares: %v", err)
	}
	list, err := foldershares.ListForFolder(f.ctx, f.db, f.ann, mine)
	if err != nil || len(list) != 2 {
		t.Errorf("ann's folder's shares: %v, %v", list, err)
	}
	if given, err := foldershares.ListGiven(f.ctx, f.db, f.ann); err != nil || len(given) != 2 {
		t.Errorf("given: %v, %v", given, err)
	}

	// Unsharing: a member of the group (not its owner) may not; another
	// user's folder on the owner's route is not found; the owner may.
	if _, err := foldershares.Delete(f.ctx, f.db, f.cat, false, "", sh.ID); !errors.Is(err, foldershares.ErrNotFound) {
		t.Errorf("cat ends a group share: %v", err)
	}
	if _, err := foldershares.Delete(f.ctx, f.db, f.bob, false, bobs, sh.ID); !errors.Is(err, foldershares.ErrNotFound) {
		t.Errorf("bob ends ann's share through his folder: %v", err)
	}
	gone, err := foldershares.Delete(f.ctx, f.db, f.ann, false, mine, sh.ID)
	if err != nil || gone.ID != sh.ID {
		t.Fatalf("ann ends her share: %v, %v", gone, err)
	}
	if l := access(t, f, f.cat, doc); l != shares.None {
		t.Errorf("share ended: cat has %v", l)
	}
	if _, err := foldershares.Delete(f.ctx, f.db, f.ann, false, mine, sh.ID); !errors.Is(err, foldershares.ErrNotFound) {
		t.Errorf("ending it twice: %v", err)
	}

	// Deleting the group deletes its folder shares; deleting the recipient
	// deletes theirs.
	sh2, err := foldershares.Create(f.ctx, f.db, f.ann, true, mine, foldershares.To{Group: "Office"}, "view")
	if err != nil {
		t.Fatal(err)
	}
	if _, n, err := groups.Delete(f.ctx, f.db, g.ID); err != nil || n != 1 {
		t.Fatalf("group deleted with %d shares, %v; want its 1 folder share", n, err)
	}
	if _, err := foldershares.Delete(f.ctx, f.db, f.ann, false, "", sh2.ID); !errors.Is(err, foldershares.ErrNotFound) {
		t.Errorf("share of a deleted group: %v", err)
	}
	if _, err := f.db.ExecContext(f.ctx, `DELETE FROM users WHERE id = $1`, f.dan); err != nil {
		t.Fatal(err)
	}
	if err := f.db.GetContext(f.ctx, &n, `SELECT count(*) FROM folder_shares`); err != nil || n != 0 {
		t.Errorf("after deleting the group and the recipient: %d folder shares, %v", n, err)
	}
}

// TestFolderShareEdit: an edit recipient changes the document as an edit
// document share allows, may move it only among the owner's folders, and
// a view recipient may not change it at all (pkg/api checks the level).
func TestFolderShareEdit(t *testing.T) {
	f := setup(t)
	mine := mkFolder(t, f, f.ann, "Shared", nil)
	bobs := mkFolder(t, f, f.bob, "Bob's own", nil)
	doc := mkDoc(t, f, f.ann, "edit-me.txt", &mine)
	if _, err := foldershares.Create(f.ctx, f.db, f.ann, false, mine, foldershares.To{User: "bob"}, "edit"); err != nil {
		t.Fatal(err)
	}
	if _, err := foldershares.Create(f.ctx, f.db, f.ann, false, mine, foldershares.To{User: "cat"}, "view"); err != nil {
		t.Fatal(err)
	}
	if l := access(t, f, f.bob, doc); l != shares.Edit {
		t.Fatalf("bob: %v", l)
	}
	if l := access(t, f, f.cat, doc); l != shares.View {
		t.Fatalf("cat: %v", l)
	}
	// pkg/api moves with the owner's id: bob's folder is not one of hers.
	p := &bobs
	if err := catalog.Update(f.ctx, f.db, f.ann, doc, catalog.Change{FolderID: &p}); !errors.Is(err, catalog.ErrNoFolder) {
		t.Errorf("moving into the recipient's folder: %v, want ErrNoFolder", err)
	}
	name := "renamed.txt"
	if err := catalog.Update(f.ctx, f.db, f.ann, doc, catalog.Change{Filename: &name}); err != nil {
		t.Fatal(err)
	}
	if l := access(t, f, f.bob, doc); l != shares.Edit {
		t.Errorf("after a rename bob has %v", l)
	}
}
