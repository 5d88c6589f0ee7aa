package notes_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/notes"
	"github.com/docuvault/docuvault/pkg/search"
	"github.com/docuvault/docuvault/pkg/shares"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

type fixture struct {
	ctx                      context.Context
	db                       *sqlx.DB
	owner, editor, viewer    string
	stranger                 string
	doc, otherDoc, uploading string
}

func setup(t *testing.T) fixture {
	t.Helper()
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	f := fixture{ctx: ctx, db: db}
	f.owner = mkUser(t, ctx, db, "owner")
	f.editor = mkUser(t, ctx, db, "editor")
	f.viewer = mkUser(t, ctx, db, "viewer")
	f.stranger = mkUser(t, ctx, db, "stranger")
	f.doc = mkDoc(t, ctx, db, f.owner, "lease.pdf", "classified", "rental agreement for the flat")
	f.otherDoc = mkDoc(t, ctx, db, f.owner, "other.pdf", "classified", "another agreement")
	f.uploading = mkDoc(t, ctx, db, f.owner, "big.pdf", "uploading", "")
	for _, s := range []struct{ who, perm string }{{"editor", shares.PermEdit}, {"viewer", shares.PermView}} {
		if _, err := shares.Create(ctx, db, f.owner, f.doc, s.who, s.perm); err != nil {
			t.Fatal(err)
		}
	}
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

func mkDoc(t *testing.T, ctx context.Context, db *sqlx.DB, owner, filename, status, text string) string {
	t.Helper()
	var id string
	err := db.QueryRowContext(ctx, `INSERT INTO documents (user_id, filename, object_key, content_type, status, extracted_text, search_config)
		VALUES ($1, $2, gen_random_uuid()::text, 'application/pdf', $3, $4, 'english') RETURNING id`, owner, filename, status, text).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func wantIs(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %v", what, err, want)
	}
}

func TestNotesPermissions(t *testing.T) {
	f := setup(t)
	ctx, db := f.ctx, f.db

	own, err := notes.Add(ctx, db, f.owner, f.doc, "  Deposit paid on 3 March.\r\nKeep until 2030.  ")
	if err != nil {
		t.Fatalf("owner adds: %v", err)
	}
	if own.Body != "Deposit paid on 3 March.\nKeep until 2030." || own.Author == nil || *own.Author != "owner" || !own.CanEdit || !own.CanDelete {
		t.Errorf("owner's note: %+v", own)
	}
	ed, err := notes.Add(ctx, db, f.editor, f.doc, "checked the meter readings")
	if err != nil {
		t.Fatalf("edit recipient adds: %v", err)
	}
	_, err = notes.Add(ctx, db, f.viewer, f.doc, "viewers may not write")
	wantIs(t, "view recipient adds", err, notes.ErrForbidden)
	for _, c := range []struct{ who, doc string }{{f.stranger, f.doc}, {f.editor, f.otherDoc}, {f.owner, f.uploading}, {f.owner, "nope"}} {
		_, err = notes.Add(ctx, db, c.who, c.doc, "x")
		wantIs(t, "add on "+c.doc, err, notes.ErrNotFound)
		_, err = notes.List(ctx, db, c.who, c.doc)
		wantIs(t, "list on "+c.doc, err, notes.ErrNotFound)
	}

	// Everyone who sees the document reads every note, oldest first.
	for _, who := range []string{f.owner, f.editor, f.viewer} {
		ns, err := notes.List(ctx, db, who, f.doc)
		if err != nil || len(ns) != 2 || ns[0].ID != own.ID || ns[1].ID != ed.ID {
			t.Fatalf("list as %s: %v %+v", who, err, ns)
		}
		if who == f.viewer && (ns[0].CanEdit || ns[0].CanDelete || ns[1].CanEdit || ns[1].CanDelete) {
			t.Errorf("viewer may change a note: %+v", ns)
		}
	}

	// Edit: the author only.
	_, _, err = notes.Edit(ctx, db, f.owner, ed.ID, "owner rewrites")
	wantIs(t, "owner edits editor's note", err, notes.ErrForbidden)
	_, _, err = notes.Edit(ctx, db, f.viewer, ed.ID, "viewer rewrites")
	wantIs(t, "viewer edits", err, notes.ErrForbidden)
	_, _, err = notes.Edit(ctx, db, f.stranger, ed.ID, "stranger rewrites")
	wantIs(t, "stranger edits", err, notes.ErrNotFound)
	before, after, err := notes.Edit(ctx, db, f.editor, ed.ID, "meter readings: 4711 kWh")
	if err != nil || before.Body != "checked the meter readings" || after.Body != "meter readings: 4711 kWh" || !after.UpdatedAt.After(before.UpdatedAt) {
		t.Fatalf("editor edits own: %v %+v %+v", err, before, after)
	}

	// Length and text rules.
	_, err = notes.Add(ctx, db, f.owner, f.doc, strings.Repeat("é", notes.MaxLength+1))
	wantIs(t, "too long", err, notes.ErrInvalid)
	if _, err := notes.Add(ctx, db, f.owner, f.doc, strings.Repeat("é", notes.MaxLength)); err != nil {
		t.Errorf("exactly MaxLength characters: %v", err)
	}
	_, err = notes.Add(ctx, db, f.owner, f.doc, " \n ")
	wantIs(t, "empty", err, notes.ErrInvalid)
	_, err = notes.Add(ctx, db, f.owner, f.doc, "bell\x07")
	wantIs(t, "control character", err, notes.ErrInvalid)

	// Delete: a view recipient never; the owner any; the editor their own.
	_, err = notes.Delete(ctx, db, f.viewer, own.ID)
	wantIs(t, "viewer deletes", err, notes.ErrForbidden)
	_, err = notes.Delete(ctx, db, f.editor, own.ID)
	wantIs(t, "editor deletes owner's", err, notes.ErrForbidden)
	_, err = notes.Delete(ctx, db, f.stranger, own.ID)
	wantIs(t, "stranger deletes", err, notes.ErrNotFound)
	if _, err := notes.Delete(ctx, db, f.owner, ed.ID); err != nil {
		t.Errorf("owner deletes editor's note: %v", err)
	}
	_, err = notes.Delete(ctx, db, f.owner, ed.ID)
	wantIs(t, "deleted twice", err, notes.ErrNotFound)

	// An editor whose share became view-only may no longer edit their note.
	ed2, err := notes.Add(ctx, db, f.editor, f.doc, "second thought")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE shares SET permission = 'view' WHERE recipient_id = $1`, f.editor); err != nil {
		t.Fatal(err)
	}
	_, _, err = notes.Edit(ctx, db, f.editor, ed2.ID, "still mine?")
	wantIs(t, "downgraded editor edits", err, notes.ErrForbidden)
}

func search1(t *testing.T, f fixture, viewer, text string) []search.Hit {
	t.Helper()
	res, err := search.Search(f.ctx, f.db, search.Query{Viewer: viewer, Text: text})
	if err != nil {
		t.Fatalf("search %q: %v", text, err)
	}
	return res.Hits
}

func TestSearchFindsNotesForWhoMaySee(t *testing.T) {
	f := setup(t)
	ctx, db := f.ctx, f.db
	// A stranger's own document with the same word in its text: found for
	// them, but never f.doc.
	strangers := mkDoc(t, ctx, db, f.stranger, "s.pdf", "classified", "zeppelin hangar")
	n, err := notes.Add(ctx, db, f.editor, f.doc, "The landlord's zeppelins are parked outside")
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{f.owner, f.editor, f.viewer} {
		hits := search1(t, f, who, "zeppelin")
		if len(hits) != 1 || hits[0].ID != f.doc {
			t.Fatalf("search as %s: %+v", who, hits)
		}
		if strings.Join(hits[0].MatchIn, ",") != "notes" || !strings.Contains(hits[0].Snippet, "<mark>zeppelins</mark>") {
			t.Errorf("match_in %v, snippet %q", hits[0].MatchIn, hits[0].Snippet)
		}
	}
	if hits := search1(t, f, f.stranger, "zeppelin"); len(hits) != 1 || hits[0].ID != strangers {
		t.Errorf("stranger finds %+v, want only their own document", hits)
	}
	// Text and notes together: both named.
	if hits := search1(t, f, f.owner, "rental zeppelin"); len(hits) != 1 || strings.Join(hits[0].MatchIn, ",") != "text,notes" {
		t.Errorf("text and note words: %+v", hits)
	}
	// The document's configuration stems the notes too.
	if hits := search1(t, f, f.owner, "landlords"); len(hits) != 1 {
		t.Errorf("stemmed word of a note: %+v", hits)
	}
	// An edited note is found by its new words only; a deleted one no more.
	if _, _, err := notes.Edit(ctx, db, f.editor, n.ID, "airships parked outside"); err != nil {
		t.Fatal(err)
	}
	if hits := search1(t, f, f.owner, "zeppelin"); len(hits) != 0 {
		t.Errorf("old words of an edited note still found: %+v", hits)
	}
	if hits := search1(t, f, f.owner, "airship"); len(hits) != 1 {
		t.Errorf("new words of an edited note: %+v", hits)
	}
	// A share ended: the former recipient no longer finds it by its notes.
	if _, err := db.ExecContext(ctx, `DELETE FROM shares WHERE recipient_id = $1`, f.viewer); err != nil {
		t.Fatal(err)
	}
	if hits := search1(t, f, f.viewer, "airship"); len(hits) != 0 {
		t.Errorf("former recipient finds %+v", hits)
	}
	if _, err := notes.Delete(ctx, db, f.owner, n.ID); err != nil {
		t.Fatal(err)
	}
	if hits := search1(t, f, f.owner, "airship"); len(hits) != 0 {
		t.Errorf("deleted note still found: %+v", hits)
	}
	// The index is used for notes (no sequential scan of documents): the
	// text's index and the notes' index, one branch each.
	plan, err := search.Explain(ctx, db, search.Query{Viewer: f.owner, Text: "airship"}, false)
	if err != nil || !strings.Contains(plan, "ix_documents_notes_search") || !strings.Contains(plan, "ix_documents_search") || strings.Contains(plan, "Seq Scan on documents") {
		t.Errorf("plan does not use the notes index (%v):\n%s", err, plan)
	}
}

// Notes written at once on one document are all found: each writer
// rewrites the document's notes_text with the row locked.
func TestConcurrentNotesAllIndexed(t *testing.T) {
	f := setup(t)
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			who := f.owner
			if i%2 == 1 {
				who = f.editor
			}
			_, err := notes.Add(f.ctx, f.db, who, f.doc, fmt.Sprintf("word%c", 'a'+i))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		if hits := search1(t, f, f.owner, fmt.Sprintf("word%c", 'a'+i)); len(hits) != 1 {
			t.Errorf("note %d not found: %+v", i, hits)
		}
	}
}
