package shares_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/shares"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

const missing = "00000000-0000-0000-0000-000000000000"

type fixture struct {
	ctx                  context.Context
	db                   *sqlx.DB
	ann, bob, cat, dan   string // dan is inactive
	annDoc, annDoc2      string
	annUploading, bobDoc string
}

func setup(t *testing.T) fixture {
	t.Helper()
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	f := fixture{ctx: ctx, db: db}
	f.ann = mkUser(t, ctx, db, "ann")
	f.bob = mkUser(t, ctx, db, "bob")
	f.cat = mkUser(t, ctx, db, "cat")
	f.dan = mkUser(t, ctx, db, "dan")
	if _, err := db.ExecContext(ctx, `UPDATE users SET is_active = false WHERE id = $1`, f.dan); err != nil {
		t.Fatal(err)
	}
	f.annDoc = mkDoc(t, ctx, db, f.ann, "report.pdf", "classified")
	f.annDoc2 = mkDoc(t, ctx, db, f.ann, "notes.txt", "pending")
	f.annUploading = mkDoc(t, ctx, db, f.ann, "big.iso", "uploading")
	f.bobDoc = mkDoc(t, ctx, db, f.bob, "bob.txt", "classified")
	return f
}

func mkUser(t *testing.T, ctx context.Context, db *sqlx.DB, handle string) string {
	t.Helper()
	u, err := users.Create(ctx, db, users.NewUser{Handle: handle, Email: handle + "@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func mkDoc(t *testing.T, ctx context.Context, db *sqlx.DB, owner, filename, status string) string {
	t.Helper()
	var id string
	err := db.QueryRowContext(ctx, `INSERT INTO documents (user_id, filename, object_key, content_type, status)
		VALUES ($1, $2, gen_random_uuid()::text, 'text/plain', $3) RETURNING id`, owner, filename, status).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

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
	var se *shares.Error
	if !errors.As(err, &se) {
		t.Errorf("%s: %T is not a *shares.Error", what, err)
	} else if se.Field != field {
		t.Errorf("%s: field %q, want %q (%v)", what, se.Field, field, err)
	}
}

func TestLevelString(t *testing.T) {
	if !(shares.None < shares.View && shares.View < shares.Edit && shares.Edit < shares.Owner) {
		t.Error("access levels are not ordered")
	}
	for a, want := range map[shares.Level]string{shares.None: "none", shares.View: "view", shares.Edit: "edit", shares.Owner: "owner", 7: "Level(7)"} {
		if a.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(a), a.String(), want)
		}
	}
	b, err := json.Marshal(map[string]shares.Level{"access": shares.Edit})
	if err != nil || string(b) != `{"access":"edit"}` {
		t.Errorf("JSON %s, %v", b, err)
	}
}

func TestCreate(t *testing.T) {
	f := setup(t)
	s, err := shares.Create(f.ctx, f.db, f.ann, f.annDoc, "bob", "view")
	if err != nil {
		t.Fatal(err)
	}
	if s.ID == "" || s.DocumentID != f.annDoc || s.OwnerID != f.ann || s.OwnerHandle != "ann" || s.RecipientID != f.bob ||
		s.RecipientHandle != "bob" || s.Permission != "view" || s.Filename != "report.pdf" || s.CreatedAt.IsZero() {
		t.Errorf("share %+v", s)
	}
	if _, err := shares.Create(f.ctx, f.db, f.ann, f.annDoc, "cat", "edit"); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		what                     string
		owner, doc, recipient, p string
		want                     error
		field                    string
	}{
		{"again with bob", f.ann, f.annDoc, "bob", "edit", shares.ErrConflict, "recipient"},
		{"permission owner", f.ann, f.annDoc2, "bob", "owner", shares.ErrInvalid, "permission"},
		{"permission empty", f.ann, f.annDoc2, "bob", "", shares.ErrInvalid, "permission"},
		{"permission VIEW", f.ann, f.annDoc2, "bob", "VIEW", shares.ErrInvalid, "permission"},
		{"unknown recipient", f.ann, f.annDoc2, "zed", "view", shares.ErrInvalid, "recipient"},
		{"empty recipient", f.ann, f.annDoc2, " ", "view", shares.ErrInvalid, "recipient"},
		{"inactive recipient", f.ann, f.annDoc2, "dan", "view", shares.ErrInvalid, "recipient"},
		{"with oneself", f.ann, f.annDoc2, "ann", "view", shares.ErrInvalid, "recipient"},
		{"by email", f.ann, f.annDoc2, "bob@example.org", "view", shares.ErrInvalid, "recipient"},
		{"someone else's document", f.ann, f.bobDoc, "cat", "view", shares.ErrNotFound, "document_id"},
		{"someone else's, bad recipient", f.ann, f.bobDoc, "zed", "view", shares.ErrNotFound, "document_id"},
		{"recipient with edit reshares", f.cat, f.annDoc, "bob", "view", shares.ErrNotFound, "document_id"},
		{"recipient shares back to owner", f.bob, f.annDoc, "ann", "view", shares.ErrNotFound, "document_id"},
		{"still uploading", f.ann, f.annUploading, "bob", "view", shares.ErrNotFound, "document_id"},
		{"missing document", f.ann, missing, "bob", "view", shares.ErrNotFound, "document_id"},
		{"garbage id", f.ann, "1; DROP TABLE shares", "bob", "view", shares.ErrNotFound, "document_id"},
		{"trimmed handle", f.ann, f.annDoc2, " bob ", "edit", nil, ""},
	} {
		_, err := shares.Create(f.ctx, f.db, tc.owner, tc.doc, tc.recipient, tc.p)
		wantErr(t, tc.what, err, tc.want, tc.field)
	}
	var n int
	if err := f.db.GetContext(f.ctx, &n, `SELECT count(*) FROM shares`); err != nil || n != 3 {
		t.Errorf("%d share rows (%v), want 3", n, err)
	}
}

func TestListGivenReceived(t *testing.T) {
	f := setup(t)
	s1, err := shares.Create(f.ctx, f.db, f.ann, f.annDoc, "bob", "view")
	if err != nil {
		t.Fatal(err)
	}
	s2, err := shares.Create(f.ctx, f.db, f.ann, f.annDoc2, "bob", "edit")
	if err != nil {
		t.Fatal(err)
	}
	s3, err := shares.Create(f.ctx, f.db, f.bob, f.bobDoc, "ann", "view")
	if err != nil {
		t.Fatal(err)
	}
	// A share on a document that went back to uploading (fsck territory):
	// not listed for the recipient. Put in behind the package's back.
	var hidden string
	if err := f.db.GetContext(f.ctx, &hidden, `INSERT INTO shares (document_id, owner_id, recipient_id, permission)
		VALUES ($1, $2, $3, 'view') RETURNING id`, f.annUploading, f.ann, f.cat); err != nil {
		t.Fatal(err)
	}

	ids := func(ss []shares.Share) []string {
		out := []string{}
		for _, s := range ss {
			out = append(out, s.ID)
		}
		return out
	}
	for _, tc := range []struct {
		what string
		fn   func(context.Context, *sqlx.DB, string) ([]shares.Share, error)
		user string
		want []string
	}{
		{"ann gave", shares.ListGiven, f.ann, []string{s2.ID, s1.ID}},
		{"ann received", shares.ListReceived, f.ann, []string{s3.ID}},
		{"bob gave", shares.ListGiven, f.bob, []string{s3.ID}},
		{"bob received", shares.ListReceived, f.bob, []string{s2.ID, s1.ID}},
		{"cat gave", shares.ListGiven, f.cat, []string{}},
		{"cat received", shares.ListReceived, f.cat, []string{}},
	} {
		got, err := tc.fn(f.ctx, f.db, tc.user)
		if err != nil {
			t.Errorf("%s: %v", tc.what, err)
			continue
		}
		if g := ids(got); !equal(g, tc.want) {
			t.Errorf("%s: %v, want %v", tc.what, g, tc.want)
		}
	}
	got, _ := shares.ListReceived(f.ctx, f.db, f.bob)
	if len(got) == 2 && (got[0].Filename != "notes.txt" || got[0].OwnerHandle != "ann" || got[0].RecipientHandle != "bob" || got[0].Permission != "edit") {
		t.Errorf("received share %+v", got[0])
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDelete(t *testing.T) {
	f := setup(t)
	mk := func() string {
		t.Helper()
		s, err := shares.Create(f.ctx, f.db, f.ann, f.annDoc, "bob", "edit")
		if err != nil {
			t.Fatal(err)
		}
		return s.ID
	}
	id := mk()
	for _, tc := range []struct {
		what, user, id string
	}{
		{"a third user", f.cat, id},
		{"garbage id", f.ann, "garbage"},
		{"missing id", f.ann, missing},
	} {
		wantErr(t, tc.what, shares.Delete(f.ctx, f.db, tc.user, tc.id), shares.ErrNotFound, "id")
	}
	if a, _ := shares.Access(f.ctx, f.db, f.bob, f.annDoc); a != shares.Edit {
		t.Fatalf("a third user's failed delete changed bob's access to %v", a)
	}
	if err := shares.Delete(f.ctx, f.db, f.bob, id); err != nil {
		t.Errorf("recipient deletes: %v", err)
	}
	wantErr(t, "deleted twice", shares.Delete(f.ctx, f.db, f.bob, id), shares.ErrNotFound, "id")
	if a, _ := shares.Access(f.ctx, f.db, f.bob, f.annDoc); a != shares.None {
		t.Errorf("after delete, bob has %v", a)
	}
	id = mk()
	if err := shares.Delete(f.ctx, f.db, f.ann, id); err != nil {
		t.Errorf("owner deletes: %v", err)
	}
}

func TestAccess(t *testing.T) {
	f := setup(t)
	if _, err := shares.Create(f.ctx, f.db, f.ann, f.annDoc, "bob", "view"); err != nil {
		t.Fatal(err)
	}
	if _, err := shares.Create(f.ctx, f.db, f.ann, f.annDoc, "cat", "edit"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		what      string
		user, doc string
		want      shares.Level
	}{
		{"owner", f.ann, f.annDoc, shares.Owner},
		{"view share", f.bob, f.annDoc, shares.View},
		{"edit share", f.cat, f.annDoc, shares.Edit},
		{"not shared", f.bob, f.annDoc2, shares.None},
		{"inactive, not shared", f.dan, f.annDoc, shares.None},
		{"owner of the other", f.ann, f.bobDoc, shares.None},
		{"uploading, even for its owner", f.ann, f.annUploading, shares.None},
		{"missing document", f.ann, missing, shares.None},
		{"garbage document id", f.ann, "garbage", shares.None},
		{"garbage user id", "garbage", f.annDoc, shares.None},
		{"no user", "", f.annDoc, shares.None},
	} {
		got, err := shares.Access(f.ctx, f.db, tc.user, tc.doc)
		if err != nil || got != tc.want {
			t.Errorf("%s: %v, %v; want %v", tc.what, got, err, tc.want)
		}
	}
	// Deleting the document takes its shares with it.
	if _, err := f.db.ExecContext(f.ctx, `DELETE FROM documents WHERE id = $1`, f.annDoc); err != nil {
		t.Fatal(err)
	}
	if a, err := shares.Access(f.ctx, f.db, f.cat, f.annDoc); a != shares.None || err != nil {
		t.Errorf("after the document is deleted: %v, %v", a, err)
	}
	if ss, err := shares.ListReceived(f.ctx, f.db, f.cat); err != nil || len(ss) != 0 {
		t.Errorf("received after delete: %+v, %v", ss, err)
	}
}

// The schema refuses what Create refuses, whoever writes the row.
func TestSchemaChecks(t *testing.T) {
	f := setup(t)
	for what, row := range map[string][]any{
		"bad permission": {f.annDoc, f.ann, f.bob, "admin"},
		"self share":     {f.annDoc, f.ann, f.ann, "view"},
	} {
		_, err := f.db.ExecContext(f.ctx, `INSERT INTO shares (document_id, owner_id, recipient_id, permission) VALUES ($1, $2, $3, $4)`, row...)
		if testenv.ErrCode(err) != "23514" {
			t.Errorf("%s: %v, want a check violation", what, err)
		}
	}
}

// Eight clients share one document with one recipient at once: one wins.
func TestConcurrentCreate(t *testing.T) {
	f := setup(t)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = shares.Create(f.ctx, f.db, f.ann, f.annDoc, "bob", "view")
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, shares.ErrConflict):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d creates succeeded, want 1", won)
	}
}
