package views_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/folders"
	"github.com/docuvault/docuvault/pkg/topics"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/pkg/views"
	"github.com/docuvault/docuvault/tests/testenv"
)

func ptr[T any](v T) *T { return &v }

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

// wantErr checks err against the sentinel want, the field blamed and the
// exact message.
func wantErr(t *testing.T, what string, err, want error, field, msg string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %v", what, err, want)
		return
	}
	var ve *views.Error
	if !errors.As(err, &ve) {
		t.Errorf("%s: %T is not a *views.Error", what, err)
		return
	}
	if ve.Field != field || ve.Msg != msg {
		t.Errorf("%s: field %q message %q, want %q %q", what, ve.Field, ve.Msg, field, msg)
	}
}

func names(vs []views.View) string {
	var s []string
	for _, v := range vs {
		s = append(s, v.Name)
	}
	return strings.Join(s, ",")
}

func TestCreateListUpdateDelete(t *testing.T) {
	ctx, db, ann, _ := setup(t)
	tp, err := topics.Add(ctx, db, ann, "Finance", "", "")
	if err != nil {
		t.Fatal(err)
	}
	fo, err := folders.Create(ctx, db, ann, "Taxes", nil)
	if err != nil {
		t.Fatal(err)
	}
	f := views.Filter{Status: "classified", Topic: strings.ToUpper(tp.ID), Folder: fo.ID, ContentType: "application/pdf",
		DateFrom: "2025-01-01", DateTo: "2025-12-31", Sort: "date_desc"}
	a, err := views.Create(ctx, db, ann, "  Tax PDFs ", f)
	if err != nil {
		t.Fatal(err)
	}
	f.Topic = tp.ID // stored canonical
	if a.Name != "Tax PDFs" || a.Filter != f || a.Position != 0 || a.Note != "" {
		t.Fatalf("created %+v", a)
	}
	b, err := views.Create(ctx, db, ann, "Unfiled", views.Filter{Topic: views.Unfiled, Folder: views.Root})
	if err != nil {
		t.Fatal(err)
	}
	c, err := views.Create(ctx, db, ann, "Everything", views.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Position != 1 || c.Position != 2 {
		t.Fatalf("positions %d %d, want 1 2", b.Position, c.Position)
	}
	vs, err := views.List(ctx, db, ann)
	if err != nil || names(vs) != "Tax PDFs,Unfiled,Everything" {
		t.Fatalf("List = %s, %v", names(vs), err)
	}

	// Move the last first, then the first past the end.
	if _, err := views.Update(ctx, db, ann, c.ID, views.Change{Position: ptr(0)}); err != nil {
		t.Fatal(err)
	}
	if vs, _ = views.List(ctx, db, ann); names(vs) != "Everything,Tax PDFs,Unfiled" {
		t.Fatalf("after move: %s", names(vs))
	}
	if _, err := views.Update(ctx, db, ann, c.ID, views.Change{Position: ptr(99)}); err != nil {
		t.Fatal(err)
	}
	if vs, _ = views.List(ctx, db, ann); names(vs) != "Tax PDFs,Unfiled,Everything" || vs[2].Position != 2 {
		t.Fatalf("after move to the end: %s %+v", names(vs), vs)
	}

	// Rename and change the filter together.
	u, err := views.Update(ctx, db, ann, a.ID, views.Change{Name: ptr("PDFs"), Filter: &views.Filter{Sort: "size_asc"}})
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "PDFs" || u.Filter != (views.Filter{Sort: "size_asc"}) {
		t.Fatalf("updated %+v", u)
	}
	// Renaming to its own name in another case is allowed.
	if u, err = views.Update(ctx, db, ann, a.ID, views.Change{Name: ptr("pdfs")}); err != nil || u.Name != "pdfs" {
		t.Fatalf("rename to own name: %+v %v", u, err)
	}
	r, err := views.Resolve(ctx, db, ann, "PDFS")
	if err != nil || r.ID != a.ID {
		t.Fatalf("Resolve by name: %+v %v", r, err)
	}
	if r, err = views.Resolve(ctx, db, ann, b.ID); err != nil || r.ID != b.ID {
		t.Fatalf("Resolve by id: %+v %v", r, err)
	}
	_, err = views.Resolve(ctx, db, ann, "nope")
	wantErr(t, "Resolve missing", err, views.ErrNotFound, "name", `no saved view "nope": "view list" shows yours`)

	if err := views.Delete(ctx, db, ann, b.ID); err != nil {
		t.Fatal(err)
	}
	if vs, _ = views.List(ctx, db, ann); names(vs) != "pdfs,Everything" {
		t.Fatalf("after delete: %s", names(vs))
	}
	wantErr(t, "delete again", views.Delete(ctx, db, ann, b.ID), views.ErrNotFound, "id", "view not found: use the id of one of your saved views")
	_, err = views.Get(ctx, db, ann, "not-a-uuid")
	wantErr(t, "get bad id", err, views.ErrNotFound, "id", "view not found: use the id of one of your saved views")
}

func TestValidation(t *testing.T) {
	ctx, db, ann, bob := setup(t)
	bobTopic, err := topics.Add(ctx, db, bob, "Bob's", "", "")
	if err != nil {
		t.Fatal(err)
	}
	bobFolder, err := folders.Create(ctx, db, bob, "Bob's", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		f     views.Filter
		field string
		msg   string
	}{
		{"", views.Filter{}, "name", "view name is empty: give it a name of 1 to 100 characters"},
		{"   ", views.Filter{}, "name", "view name is empty: give it a name of 1 to 100 characters"},
		{strings.Repeat("é", 101), views.Filter{}, "name", "view name is 101 characters long: use at most 100"},
		{"a\x00b", views.Filter{}, "name", "view name contains a NUL byte (U+0000): use printable characters only"},
		{"a\u202eb", views.Filter{}, "name", "view name contains a bidirectional-text control (U+202E): use printable characters only"},
		{"x", views.Filter{Status: "done"}, "status", `status "done": use one of pending, processing, classified, no_text, failed, skipped`},
		{"x", views.Filter{Sort: "name"}, "sort", `sort "name": use one of created_desc, created_asc, filename_asc, filename_desc, size_desc, size_asc, date_desc, date_asc`},
		{"x", views.Filter{DateFrom: "2025-13-01"}, "date_from", `date from "2025-13-01" is not a day: write it like 2026-01-31`},
		{"x", views.Filter{DateTo: "31.01.2025"}, "date_to", `date to "31.01.2025" is not a day: write it like 2026-01-31`},
		{"x", views.Filter{DateFrom: "2025-02-01", DateTo: "2025-01-01"}, "date_from", "date from 2025-02-01 is after date to 2025-01-01: swap them"},
		{"x", views.Filter{Topic: "Finance"}, "topic", `no topic "Finance": use the id of one of your topics, or unfiled`},
		{"x", views.Filter{Topic: bobTopic.ID}, "topic", `no topic "` + bobTopic.ID + `": use the id of one of your topics, or unfiled`},
		{"x", views.Filter{Folder: bobFolder.ID}, "folder", `no folder "` + bobFolder.ID + `": use the id of one of your folders, or root`},
		{"x", views.Filter{Folder: "/"}, "folder", `no folder "/": use the id of one of your folders, or root`},
		{"x", views.Filter{ContentType: "text/\x01"}, "content_type", "content type contains a control character (U+0001): use printable characters only"},
	} {
		_, err := views.Create(ctx, db, ann, c.name, c.f)
		wantErr(t, c.msg, err, views.ErrInvalid, c.field, c.msg)
	}
	vs, err := views.List(ctx, db, ann)
	if err != nil || len(vs) != 0 {
		t.Fatalf("invalid views were stored: %+v %v", vs, err)
	}
	v, err := views.Create(ctx, db, ann, "ok", views.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = views.Update(ctx, db, ann, v.ID, views.Change{Name: ptr("renamed"), Filter: &views.Filter{Status: "bad"}})
	wantErr(t, "update bad filter", err, views.ErrInvalid, "status", `status "bad": use one of pending, processing, classified, no_text, failed, skipped`)
	_, err = views.Update(ctx, db, ann, v.ID, views.Change{Position: ptr(-1)})
	wantErr(t, "negative position", err, views.ErrInvalid, "position", "position -1: use 0 for the first place or more")
	if got, _ := views.Get(ctx, db, ann, v.ID); got.Name != "ok" {
		t.Fatalf("a failed update was half stored: %+v", got)
	}
}

func TestParseFilter(t *testing.T) {
	f, err := views.ParseFilter([]byte(`{"status":"failed","topic":"unfiled","sort":null}`))
	if err != nil || f != (views.Filter{Status: "failed", Topic: "unfiled"}) {
		t.Fatalf("ParseFilter = %+v, %v", f, err)
	}
	if f, err := views.ParseFilter(nil); err != nil || f != (views.Filter{}) {
		t.Fatalf("ParseFilter(nil) = %+v, %v", f, err)
	}
	for in, want := range map[string]string{
		`{"q":"x"}`:    `the filter has no key "q": use status, topic, folder, content_type, date_from, date_to, sort`,
		`{"status":1}`: "the filter's status must be a string",
		`["status"]`:   "the filter must be a JSON object of status, topic, folder, content_type, date_from, date_to, sort",
	} {
		_, err := views.ParseFilter([]byte(in))
		if !errors.Is(err, views.ErrInvalid) || err.Error() != want {
			t.Errorf("ParseFilter(%s) = %v, want %q", in, err, want)
		}
	}
}

func TestConflictsAndIsolation(t *testing.T) {
	ctx, db, ann, bob := setup(t)
	a, err := views.Create(ctx, db, ann, "Bills", views.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = views.Create(ctx, db, ann, "BILLS", views.Filter{})
	wantErr(t, "same name other case", err, views.ErrConflict, "name", `you already have a view named "BILLS": choose another name`)
	other, err := views.Create(ctx, db, ann, "Other", views.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = views.Update(ctx, db, ann, other.ID, views.Change{Name: ptr("bills")})
	wantErr(t, "rename onto a taken name", err, views.ErrConflict, "name", `you already have a view named "bills": choose another name`)

	// Bob may use the same name; ann's view is invisible to him.
	bv, err := views.Create(ctx, db, bob, "Bills", views.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if bv.Position != 0 {
		t.Fatalf("bob's first view at %d", bv.Position)
	}
	const nf = "view not found: use the id of one of your saved views"
	_, err = views.Get(ctx, db, bob, a.ID)
	wantErr(t, "bob gets ann's", err, views.ErrNotFound, "id", nf)
	_, err = views.Update(ctx, db, bob, a.ID, views.Change{Name: ptr("mine")})
	wantErr(t, "bob renames ann's", err, views.ErrNotFound, "id", nf)
	wantErr(t, "bob deletes ann's", views.Delete(ctx, db, bob, a.ID), views.ErrNotFound, "id", nf)
	if got, err := views.Get(ctx, db, ann, a.ID); err != nil || got.Name != "Bills" {
		t.Fatalf("ann's view after bob's tries: %+v %v", got, err)
	}
	if vs, _ := views.List(ctx, db, bob); names(vs) != "Bills" || vs[0].ID != bv.ID {
		t.Fatalf("bob lists %+v", vs)
	}

	// Of several racing creates of one name, exactly one succeeds.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = views.Create(ctx, db, ann, "Race", views.Filter{})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, views.ErrConflict):
			t.Errorf("racing create: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d racing creates succeeded, want 1", ok)
	}
}

func TestDeletedTopicAndFolderLeaveANote(t *testing.T) {
	ctx, db, ann, _ := setup(t)
	tp, err := topics.Add(ctx, db, ann, "Finance", "", "")
	if err != nil {
		t.Fatal(err)
	}
	fo, err := folders.Create(ctx, db, ann, "Taxes", nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := views.Create(ctx, db, ann, "Both", views.Filter{Topic: tp.ID, Folder: fo.ID, Status: "classified"})
	if err != nil {
		t.Fatal(err)
	}
	if err := topics.Remove(ctx, db, ann, "Finance"); err != nil {
		t.Fatal(err)
	}
	got, err := views.Get(ctx, db, ann, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Filter != (views.Filter{Folder: fo.ID, Status: "classified"}) ||
		got.Note != "the topic this view was saved with has been deleted: it now shows documents in any topic" {
		t.Fatalf("after the topic went: %+v", got)
	}
	if err := folders.Delete(ctx, db, ann, fo.ID); err != nil {
		t.Fatal(err)
	}
	vs, err := views.List(ctx, db, ann)
	if err != nil || len(vs) != 1 {
		t.Fatalf("List: %+v %v", vs, err)
	}
	if vs[0].Filter != (views.Filter{Status: "classified"}) ||
		vs[0].Note != "the topic and folder this view was saved with have been deleted: it now shows documents in any topic and any folder" {
		t.Fatalf("after both went: %+v", vs[0])
	}
	// Saving the filter again (as the web app does) clears the note.
	got, err = views.Update(ctx, db, ann, v.ID, views.Change{Filter: &vs[0].Filter})
	if err != nil || got.Note != "" {
		t.Fatalf("re-saved: %+v %v", got, err)
	}
}
