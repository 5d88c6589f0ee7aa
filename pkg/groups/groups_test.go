package groups_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/groups"
	"github.com/docuvault/docuvault/pkg/shares"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

type fixture struct {
	ctx                context.Context
	db                 *sqlx.DB
	ann, bob, cat, dan string
	doc, doc2          string // ann's
}

func setup(t *testing.T) fixture {
	t.Helper()
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	f := fixture{ctx: ctx, db: db}
	f.ann, f.bob, f.cat, f.dan = mkUser(t, f, "ann"), mkUser(t, f, "bob"), mkUser(t, f, "cat"), mkUser(t, f, "dan")
	f.doc, f.doc2 = mkDoc(t, f, f.ann, "report.pdf"), mkDoc(t, f, f.ann, "notes.txt")
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

func mkDoc(t *testing.T, f fixture, owner, filename string) string {
	t.Helper()
	var id string
	err := f.db.QueryRowContext(f.ctx, `INSERT INTO documents (user_id, filename, object_key, content_type, status)
		VALUES ($1, $2, gen_random_uuid()::text, 'text/plain', 'classified') RETURNING id`, owner, filename).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func access(t *testing.T, f fixture, user, doc string) shares.Level {
	t.Helper()
	l, err := shares.Access(f.ctx, f.db, user, doc)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

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

func members(t *testing.T, f fixture, g string, c groups.Change) groups.Changed {
	t.Helper()
	ch, err := groups.SetMembers(f.ctx, f.db, g, c)
	if err != nil {
		t.Fatalf("SetMembers %s %+v: %v", g, c, err)
	}
	return ch
}

// TestGroupShareReachesMembersOnly: every member of a group a document is
// shared with reaches it with the group's permission (Access, the "shared
// with me" list); others do not; removing a member, or deleting the group,
// ends the access at once.
func TestGroupShareReachesMembersOnly(t *testing.T) {
	f := setup(t)
	family, err := groups.Create(f.ctx, f.db, "Family")
	if err != nil {
		t.Fatal(err)
	}
	members(t, f, "family", groups.Change{Add: []string{"ann", "BOB", "cat"}})
	s, err := groups.ShareDocument(f.ctx, f.db, f.ann, false, f.doc, "family", shares.PermView)
	if err != nil {
		t.Fatal(err)
	}
	if s.GroupName != "Family" || s.Permission != "view" || s.Filename != "report.pdf" || s.OwnerHandle != "ann" {
		t.Errorf("share %+v", s)
	}
	for _, c := range []struct {
		user string
		want shares.Level
	}{{f.ann, shares.Owner}, {f.bob, shares.View}, {f.cat, shares.View}, {f.dan, shares.None}} {
		if got := access(t, f, c.user, f.doc); got != c.want {
			t.Errorf("access %s: %v, want %v", c.user, got, c.want)
		}
	}
	if got := access(t, f, f.bob, f.doc2); got != shares.None {
		t.Errorf("bob reaches an unshared document: %v", got)
	}
	if got := sharedWith(t, f, f.bob); len(got) != 1 || got["report.pdf"] != "view" {
		t.Errorf("bob's shared list %v", got)
	}
	if got := sharedWith(t, f, f.ann); len(got) != 0 {
		t.Errorf("ann, the owner and a member, sees her own document as shared: %v", got)
	}
	if got := sharedWith(t, f, f.dan); len(got) != 0 {
		t.Errorf("dan, not a member: %v", got)
	}

	// A direct edit share beside the group's view share: the better wins,
	// and the document is listed once.
	if _, err := shares.Create(f.ctx, f.db, f.ann, f.doc, "bob", shares.PermEdit); err != nil {
		t.Fatal(err)
	}
	if got := access(t, f, f.bob, f.doc); got != shares.Edit {
		t.Errorf("bob with a direct edit and a group view share: %v", got)
	}
	if got := sharedWith(t, f, f.bob); len(got) != 1 || got["report.pdf"] != "edit" {
		t.Errorf("bob's shared list %v", got)
	}

	received, err := groups.ListReceived(f.ctx, f.db, f.cat)
	if err != nil || len(received) != 1 || received[0].ID != s.ID {
		t.Errorf("cat's received group shares %+v, %v", received, err)
	}
	given, err := groups.ListGiven(f.ctx, f.db, f.ann)
	if err != nil || len(given) != 1 || given[0].ID != s.ID {
		t.Errorf("ann's given group shares %+v, %v", given, err)
	}
	if r, err := groups.ListReceived(f.ctx, f.db, f.ann); err != nil || len(r) != 0 {
		t.Errorf("ann receives her own group share: %+v, %v", r, err)
	}

	// Removal ends access at once.
	ch := members(t, f, family.ID, groups.Change{Remove: []string{"cat"}})
	if len(ch.Removed) != 1 || ch.Removed[0] != "cat" || len(ch.Added) != 0 {
		t.Errorf("changed %+v", ch)
	}
	if got := access(t, f, f.cat, f.doc); got != shares.None {
		t.Errorf("cat after removal: %v", got)
	}
	if got := sharedWith(t, f, f.cat); len(got) != 0 {
		t.Errorf("cat's shared list after removal %v", got)
	}

	// Deleting the group deletes its shares.
	g, n, err := groups.Delete(f.ctx, f.db, "FAMILY")
	if err != nil || g.ID != family.ID || n != 1 {
		t.Fatalf("Delete: %+v, %d, %v", g, n, err)
	}
	var left int
	if err := f.db.GetContext(f.ctx, &left, `SELECT count(*) FROM group_shares`); err != nil || left != 0 {
		t.Errorf("group shares after delete: %d, %v", left, err)
	}
	if got := access(t, f, f.bob, f.doc); got != shares.Edit {
		t.Errorf("bob keeps his direct share: %v", got)
	}
	if _, err := groups.Get(f.ctx, f.db, family.ID); !errors.Is(err, groups.ErrNotFound) {
		t.Errorf("Get deleted group: %v", err)
	}
}

// TestGroupEditPermission: an edit share through a group gives Edit, a
// view share View, to the same member.
func TestGroupEditPermission(t *testing.T) {
	f := setup(t)
	for _, name := range []string{"office", "readers"} {
		if _, err := groups.Create(f.ctx, f.db, name); err != nil {
			t.Fatal(err)
		}
		members(t, f, name, groups.Change{Set: true, Add: []string{"ann", "bob"}})
	}
	if _, err := groups.ShareDocument(f.ctx, f.db, f.ann, false, f.doc, "office", shares.PermEdit); err != nil {
		t.Fatal(err)
	}
	if _, err := groups.ShareDocument(f.ctx, f.db, f.ann, false, f.doc2, "readers", shares.PermView); err != nil {
		t.Fatal(err)
	}
	if got := access(t, f, f.bob, f.doc); got != shares.Edit {
		t.Errorf("edit through office: %v", got)
	}
	if got := access(t, f, f.bob, f.doc2); got != shares.View {
		t.Errorf("view through readers: %v", got)
	}
	// The same document shared with both groups: the better wins.
	if _, err := groups.ShareDocument(f.ctx, f.db, f.ann, false, f.doc2, "office", shares.PermEdit); err != nil {
		t.Fatal(err)
	}
	if got := access(t, f, f.bob, f.doc2); got != shares.Edit {
		t.Errorf("view and edit through two groups: %v", got)
	}
	if got := sharedWith(t, f, f.bob); len(got) != 2 || got["notes.txt"] != "edit" || got["report.pdf"] != "edit" {
		t.Errorf("bob's shared list %v", got)
	}
}

// TestShareRefusals: the policy and bad input, each with its sentinel.
func TestShareRefusals(t *testing.T) {
	f := setup(t)
	if _, err := groups.Create(f.ctx, f.db, "office"); err != nil {
		t.Fatal(err)
	}
	members(t, f, "office", groups.Change{Add: []string{"bob"}})
	bobDoc := mkDoc(t, f, f.bob, "bob.txt")
	cases := []struct {
		name             string
		owner            string
		admin            bool
		doc, group, perm string
		want             error
	}{
		{"not a member", f.ann, false, f.doc, "office", "view", groups.ErrNotMember},
		{"not the owner", f.bob, false, f.doc, "office", "view", groups.ErrNotFound},
		{"no such group", f.ann, false, f.doc, "nobody", "view", groups.ErrNotFound},
		{"no group", f.ann, false, f.doc, " ", "view", groups.ErrInvalid},
		{"bad permission", f.bob, false, bobDoc, "office", "own", groups.ErrInvalid},
		{"bad id", f.bob, false, "x", "office", "view", groups.ErrNotFound},
	}
	for _, c := range cases {
		_, err := groups.ShareDocument(f.ctx, f.db, c.owner, c.admin, c.doc, c.group, c.perm)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if got := access(t, f, f.bob, f.doc); got != shares.None {
		t.Errorf("a refused share gave access: %v", got)
	}
	// An admin may share with any group.
	if _, err := groups.ShareDocument(f.ctx, f.db, f.ann, true, f.doc, "office", "view"); err != nil {
		t.Errorf("admin share: %v", err)
	}
	if _, err := groups.ShareDocument(f.ctx, f.db, f.ann, true, f.doc, "office", "edit"); !errors.Is(err, groups.ErrConflict) {
		t.Errorf("second share: %v", err)
	}
	// Names and members.
	if _, err := groups.Create(f.ctx, f.db, "OFFICE"); !errors.Is(err, groups.ErrConflict) {
		t.Errorf("name in other case: %v", err)
	}
	if _, err := groups.Create(f.ctx, f.db, ""); !errors.Is(err, groups.ErrInvalid) {
		t.Errorf("empty name: %v", err)
	}
	if _, err := groups.SetMembers(f.ctx, f.db, "office", groups.Change{Add: []string{"cat", "nobody"}}); !errors.Is(err, groups.ErrInvalid) {
		t.Errorf("unknown member: %v", err)
	}
	if g, err := groups.Get(f.ctx, f.db, "office"); err != nil || len(g.Members) != 1 {
		t.Errorf("a refused change changed members: %+v, %v", g, err)
	}
	if _, _, err := groups.Rename(f.ctx, f.db, "office", "Office 2"); err != nil {
		t.Errorf("rename: %v", err)
	}
	if mine, err := groups.Mine(f.ctx, f.db, f.bob); err != nil || len(mine) != 1 || mine[0].Name != "Office 2" {
		t.Errorf("bob's groups %+v, %v", mine, err)
	}
}
