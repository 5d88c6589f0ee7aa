package bulk_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/bulk"
	"github.com/docuvault/docuvault/pkg/folders"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/topics"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

type fixture struct {
	ctx            context.Context
	db             *sqlx.DB
	svc            *bulk.Service
	ann, bob       string
	docs           []string // ann's, newest first
	bobDoc         string
	finance, tax   string // ann's topics
	bobTopic       string
	taxes, taxes24 string // ann's folders Taxes and Taxes/2024
}

func setup(t testing.TB, n int) *fixture {
	t.Helper()
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	f := &fixture{ctx: ctx, db: db, svc: &bulk.Service{DB: db}}
	f.ann = mkUser(t, ctx, db, "ann")
	f.bob = mkUser(t, ctx, db, "bob")
	f.docs = mkDocs(t, ctx, db, f.ann, n)
	f.bobDoc = mkDocs(t, ctx, db, f.bob, 1)[0]
	f.finance = mkTopic(t, ctx, db, f.ann, "Finance")
	f.tax = mkTopic(t, ctx, db, f.ann, "Tax")
	f.bobTopic = mkTopic(t, ctx, db, f.bob, "Bob's")
	top, err := folders.Create(ctx, db, f.ann, "Taxes", nil)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := folders.Create(ctx, db, f.ann, "2024", &top.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.taxes, f.taxes24 = top.ID, sub.ID
	return f
}

func mkUser(t testing.TB, ctx context.Context, db *sqlx.DB, handle string) string {
	t.Helper()
	u, err := users.Create(ctx, db, users.NewUser{Handle: handle, Email: handle + "@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// mkDocs makes n classified documents of owner's, returned newest first.
func mkDocs(t testing.TB, ctx context.Context, db *sqlx.DB, owner string, n int) []string {
	t.Helper()
	var ids []string
	err := db.SelectContext(ctx, &ids, `WITH ins AS (
			INSERT INTO documents (user_id, filename, object_key, content_type, status, created_at)
			SELECT $1, 'doc' || g || '.txt', gen_random_uuid()::text, 'text/plain', 'classified', now() - g * interval '1 second'
			FROM generate_series(1, $2) g RETURNING id, created_at)
		SELECT id FROM ins ORDER BY created_at DESC, id DESC`, owner, n)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func mkTopic(t testing.TB, ctx context.Context, db *sqlx.DB, owner, name string) string {
	t.Helper()
	tp, err := topics.Add(ctx, db, owner, name, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return tp.ID
}

func (f *fixture) apply(t *testing.T, req bulk.Request) bulk.Result {
	t.Helper()
	res, err := f.svc.Apply(f.ctx, f.ann, req, audit.Event{ActorID: f.ann})
	if err != nil {
		t.Fatalf("%s: %v", req.Action, err)
	}
	return res
}

func (f *fixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.GetContext(f.ctx, &n, query, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

// snapshot is everything a bulk edit may change, to compare before and
// after a refused one.
func (f *fixture) snapshot(t *testing.T) string {
	t.Helper()
	var s string
	err := f.db.GetContext(f.ctx, &s, `SELECT concat_ws('|',
		(SELECT string_agg(document_id::text || topic_id::text || source, ',' ORDER BY document_id, topic_id) FROM document_topics),
		(SELECT string_agg(id::text || coalesce(folder_id::text, '-') || status || updated_at, ',' ORDER BY id) FROM documents),
		(SELECT string_agg(document_id::text || recipient_id::text || permission, ',' ORDER BY document_id, recipient_id) FROM shares),
		(SELECT count(*) FROM audit_log))`)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fixture) audits(t *testing.T, typ string) int {
	t.Helper()
	return f.count(t, `SELECT count(*) FROM audit_log WHERE event_type = $1 AND metadata->>'bulk' = 'true'`, typ)
}

func want(t *testing.T, what string, res bulk.Result, matched, changed int) {
	t.Helper()
	if res.Matched != matched || res.Changed != changed {
		t.Errorf("%s: matched %d changed %d, want %d and %d", what, res.Matched, res.Changed, matched, changed)
	}
}

func TestTopics(t *testing.T) {
	f := setup(t, 10)
	five := f.docs[:5]
	// docs[0] has Finance from the classifier, docs[1] from a person.
	if _, err := f.db.ExecContext(f.ctx, `INSERT INTO document_topics (document_id, topic_id, source, score) VALUES ($1, $3, 'auto', 0.9), ($2, $3, 'manual', NULL)`,
		f.docs[0], f.docs[1], f.finance); err != nil {
		t.Fatal(err)
	}
	// By name and by id; the classifier's Finance becomes the person's.
	res := f.apply(t, bulk.Request{IDs: five, Action: bulk.AddTopics, Topics: []string{"Finance", f.tax}})
	want(t, "add", res, 5, 5)
	if n := f.count(t, `SELECT count(*) FROM document_topics WHERE document_id = ANY($1::uuid[]) AND source = 'manual' AND score IS NULL`, pq.Array(five)); n != 10 {
		t.Errorf("add: %d manual assignments, want 10", n)
	}
	res = f.apply(t, bulk.Request{IDs: five, Action: bulk.AddTopics, Topics: []string{"Finance"}})
	want(t, "add again", res, 5, 0)
	if n := f.audits(t, audit.Update); n != 5 {
		t.Errorf("add: %d audit rows, want 5 (one per document changed)", n)
	}

	// The Activity page says it in words.
	page, err := audit.List(f.ctx, f.db, audit.Filter{Viewer: f.ann, Since: time.Now().Add(-time.Hour)})
	if err != nil || len(page.Entries) == 0 {
		t.Fatalf("audit list: %v, %v", page, err)
	}
	if s := page.Entries[0].Summary; s != "Topics added: “Finance”, “Tax”; in a bulk edit of 5 documents" {
		t.Errorf("audit summary %q", s)
	}

	res = f.apply(t, bulk.Request{IDs: f.docs[:3], Action: bulk.RemoveTopics, Topics: []string{"Tax"}})
	want(t, "remove", res, 3, 3)
	if n := f.count(t, `SELECT count(*) FROM document_topics WHERE topic_id = $1`, f.tax); n != 2 {
		t.Errorf("remove: Tax on %d documents, want 2", n)
	}

	// set: Tax only, on docs[2:7]: 2..4 lose Finance and get Tax, 5..6
	// (nothing before) get Tax; 3 and 4 had... every one changes.
	res = f.apply(t, bulk.Request{IDs: f.docs[2:7], Action: bulk.SetTopics, Topics: []string{"Tax"}})
	want(t, "set", res, 5, 5)
	var got []string
	if err := f.db.SelectContext(f.ctx, &got, `SELECT DISTINCT topic_id FROM document_topics WHERE document_id = ANY($1::uuid[])`, pq.Array(f.docs[2:7])); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != f.tax {
		t.Errorf("set: topics %v, want only Tax", got)
	}
	res = f.apply(t, bulk.Request{IDs: f.docs[2:7], Action: bulk.SetTopics, Topics: []string{"Tax"}})
	want(t, "set again", res, 5, 0)
	res = f.apply(t, bulk.Request{IDs: f.docs[2:7], Action: bulk.SetTopics, Topics: []string{}})
	want(t, "set none", res, 5, 5)
	if n := f.count(t, `SELECT count(*) FROM document_topics WHERE document_id = ANY($1::uuid[])`, pq.Array(f.docs[2:7])); n != 0 {
		t.Errorf("set none: %d assignments left", n)
	}
	if n := f.audits(t, audit.Update); n != 5+3+5+5 {
		t.Errorf("%d audit rows, want %d", n, 5+3+5+5)
	}
}

func TestMoveShareReclassify(t *testing.T) {
	f := setup(t, 6)
	res := f.apply(t, bulk.Request{IDs: f.docs[:4], Action: bulk.Move, Folder: ptr("/Taxes/2024")})
	want(t, "move by path", res, 4, 4)
	if n := f.count(t, `SELECT count(*) FROM documents WHERE folder_id = $1`, f.taxes24); n != 4 {
		t.Errorf("move: %d documents in Taxes/2024, want 4", n)
	}
	res = f.apply(t, bulk.Request{IDs: f.docs[2:6], Action: bulk.Move, Folder: ptr(f.taxes24)})
	want(t, "move by id", res, 4, 2)
	res = f.apply(t, bulk.Request{IDs: f.docs[:1], Action: bulk.Move, Folder: ptr("")})
	want(t, "move to the top", res, 1, 1)

	res = f.apply(t, bulk.Request{IDs: f.docs[:3], Action: bulk.Share, Recipient: "BOB"})
	want(t, "share", res, 3, 3)
	res = f.apply(t, bulk.Request{IDs: f.docs[:4], Action: bulk.Share, Recipient: "bob", Permission: "edit"})
	want(t, "share edit", res, 4, 4)
	if n := f.count(t, `SELECT count(*) FROM shares WHERE recipient_id = $1 AND owner_id = $2 AND permission = 'edit'`, f.bob, f.ann); n != 4 {
		t.Errorf("share: %d edit shares, want 4", n)
	}
	if n := f.audits(t, audit.Share); n != 7 {
		t.Errorf("share: %d audit rows, want 7", n)
	}
	for _, bad := range []bulk.Request{
		{IDs: f.docs[:1], Action: bulk.Share, Recipient: "nobody"},
		{IDs: f.docs[:1], Action: bulk.Share, Recipient: "ann"},
		{IDs: f.docs[:1], Action: bulk.Share, Recipient: "bob", Permission: "own"},
	} {
		if _, err := f.svc.Apply(f.ctx, f.ann, bad, audit.Event{}); !errors.Is(err, bulk.ErrInvalid) {
			t.Errorf("share %+v: %v, want ErrInvalid", bad, err)
		}
	}

	if _, err := f.db.ExecContext(f.ctx, `UPDATE documents SET status = 'processing' WHERE id = $1`, f.docs[5]); err != nil {
		t.Fatal(err)
	}
	q := &recorder{}
	f.svc.Jobs = q
	res = f.apply(t, bulk.Request{IDs: f.docs[3:6], Action: bulk.Reclassify})
	want(t, "reclassify", res, 3, 2)
	if res.Queued == nil || *res.Queued != 2 || len(q.ids) != 2 {
		t.Errorf("reclassify: queued %v (%v), want 2", res.Queued, q.ids)
	}
	if n := f.count(t, `SELECT count(*) FROM documents WHERE id = ANY($1::uuid[]) AND status = 'pending'`, pq.Array(f.docs[3:5])); n != 2 {
		t.Errorf("reclassify: %d pending, want 2", n)
	}
}

// recorder is an Enqueuer that remembers what it was given.
type recorder struct {
	mu  sync.Mutex
	ids []string
}

func (r *recorder) EnqueueExtract(_ context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids = append(r.ids, id)
	return nil
}

func ptr(s string) *string { return &s }

// A request naming one document that is not the user's (another user's,
// one still uploading, a made-up id) changes nothing, whatever its place,
// and says which one.
func TestAllOrNothing(t *testing.T) {
	f := setup(t, 200)
	uploading := mkDocs(t, f.ctx, f.db, f.ann, 1)[0]
	if _, err := f.db.ExecContext(f.ctx, `UPDATE documents SET status = 'uploading' WHERE id = $1`, uploading); err != nil {
		t.Fatal(err)
	}
	before := f.snapshot(t)
	withBobs := append(append([]string{}, f.docs[:150]...), f.bobDoc)
	withBobs = append(withBobs, f.docs[150:]...)
	for _, tc := range []struct {
		name string
		req  bulk.Request
		err  error
		msg  string
	}{
		{"bob's document 151st", bulk.Request{IDs: withBobs, Action: bulk.AddTopics, Topics: []string{"Finance"}}, bulk.ErrNotFound,
			"document 151 of 201 (id " + f.bobDoc + ") is not yours"},
		{"bob's document, set", bulk.Request{IDs: withBobs, Action: bulk.SetTopics, Topics: []string{}}, bulk.ErrNotFound, "document 151 of 201"},
		{"bob's document, move", bulk.Request{IDs: withBobs, Action: bulk.Move, Folder: ptr("Taxes")}, bulk.ErrNotFound, "document 151 of 201"},
		{"bob's document, share", bulk.Request{IDs: withBobs, Action: bulk.Share, Recipient: "bob"}, bulk.ErrNotFound, "document 151 of 201"},
		{"bob's document, reclassify", bulk.Request{IDs: withBobs, Action: bulk.Reclassify}, bulk.ErrNotFound, "document 151 of 201"},
		{"uploading", bulk.Request{IDs: append(f.docs[:3:3], uploading), Action: bulk.Reclassify}, bulk.ErrNotFound, "document 4 of 4"},
		{"not an id", bulk.Request{IDs: append(f.docs[:3:3], "x"), Action: bulk.Reclassify}, bulk.ErrNotFound, "document 4 of 4 (id x)"},
		{"unknown topic", bulk.Request{IDs: f.docs, Action: bulk.AddTopics, Topics: []string{"Finance", "Nope"}}, bulk.ErrInvalid, `no topic "Nope"`},
		{"bob's topic", bulk.Request{IDs: f.docs, Action: bulk.SetTopics, Topics: []string{f.bobTopic}}, bulk.ErrInvalid, "no topic"},
		{"unknown folder", bulk.Request{IDs: f.docs, Action: bulk.Move, Folder: ptr("Taxes/2025")}, bulk.ErrInvalid, `no folder "Taxes/2025"`},
		{"1001 ids", bulk.Request{IDs: make([]string, 1001), Action: bulk.Reclassify}, bulk.ErrTooMany, "at most 1000"},
		{"no action", bulk.Request{IDs: f.docs}, bulk.ErrInvalid, "no action"},
		{"ids and filter", bulk.Request{IDs: f.docs, Filter: map[string]any{}, Action: bulk.Reclassify}, bulk.ErrInvalid, "not both"},
		{"topics for move", bulk.Request{IDs: f.docs, Action: bulk.Move, Folder: ptr(""), Topics: []string{"Tax"}}, bulk.ErrInvalid, "topics are for"},
	} {
		_, err := f.svc.Apply(f.ctx, f.ann, tc.req, audit.Event{ActorID: f.ann})
		if !errors.Is(err, tc.err) || !strings.Contains(fmt.Sprint(err), tc.msg) {
			t.Errorf("%s: %v, want %v saying %q", tc.name, err, tc.err, tc.msg)
		}
		var be *bulk.Error
		if !errors.As(err, &be) {
			t.Errorf("%s: %T is not a *bulk.Error", tc.name, err)
		}
		if after := f.snapshot(t); after != before {
			t.Fatalf("%s: something was changed", tc.name)
		}
	}
	// A failure after the change, in the same transaction (the audit rows
	// name an actor that is no user: a foreign key violation): the topics
	// added before it are rolled back too.
	_, err := f.svc.Apply(f.ctx, f.ann, bulk.Request{IDs: f.docs, Action: bulk.AddTopics, Topics: []string{"Finance"}},
		audit.Event{ActorID: "5b6a2d0e-8f7c-4a49-9b1e-3c2d1e0f9a8b"})
	if err == nil || !strings.Contains(err.Error(), "audit_log") {
		t.Errorf("audit failing midway: %v, want the foreign key violation", err)
	}
	if f.snapshot(t) != before {
		t.Fatal("audit failing midway: something was changed")
	}
	// The same 200 without bob's: applied.
	res := f.apply(t, bulk.Request{IDs: f.docs, Action: bulk.AddTopics, Topics: []string{"Finance"}})
	want(t, "200", res, 200, 200)
	// Dry run: counts, no change.
	before = f.snapshot(t)
	res = f.apply(t, bulk.Request{IDs: f.docs, Action: bulk.SetTopics, Topics: []string{"Tax"}, DryRun: true})
	want(t, "dry run", res, 200, 200)
	if !res.DryRun || f.snapshot(t) != before {
		t.Errorf("dry run changed something (%+v)", res)
	}
}

func TestFilter(t *testing.T) {
	f := setup(t, 12)
	if _, err := f.db.ExecContext(f.ctx, `UPDATE documents SET folder_id = $2 WHERE id = ANY($1::uuid[])`, pq.Array(f.docs[:4]), f.taxes); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.ExecContext(f.ctx, `UPDATE documents SET extracted_text = 'quarterly invoice for ann' WHERE id = ANY($1::uuid[])`, pq.Array(f.docs[3:6])); err != nil {
		t.Fatal(err)
	}
	// bob has an invoice too, shared with ann: a filter never reaches it.
	if _, err := f.db.ExecContext(f.ctx, `UPDATE documents SET extracted_text = 'quarterly invoice for bob' WHERE id = $1`, f.bobDoc); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.ExecContext(f.ctx, `INSERT INTO shares (document_id, owner_id, recipient_id, permission) VALUES ($1, $2, $3, 'edit')`, f.bobDoc, f.bob, f.ann); err != nil {
		t.Fatal(err)
	}
	res := f.apply(t, bulk.Request{Filter: map[string]any{"folder": f.taxes}, Action: bulk.AddTopics, Topics: []string{"Tax"}})
	want(t, "folder", res, 4, 4)
	res = f.apply(t, bulk.Request{Filter: map[string]any{"topic": f.tax, "folder": f.taxes}, Action: bulk.Move, Folder: ptr("Taxes/2024")})
	want(t, "topic and folder", res, 4, 4)
	res = f.apply(t, bulk.Request{Filter: map[string]any{"q": "invoice"}, Action: bulk.AddTopics, Topics: []string{"Finance"}})
	want(t, "q", res, 3, 3)
	if n := f.count(t, `SELECT count(*) FROM document_topics WHERE topic_id = $1 AND document_id = ANY($2::uuid[])`, f.finance, pq.Array(f.docs[3:6])); n != 3 {
		t.Errorf("q: Finance on %d of the invoices, want 3", n)
	}
	// unfiled: classified and under no topic: docs 6..11.
	res = f.apply(t, bulk.Request{Filter: map[string]any{"unfiled": true}, Action: bulk.Reclassify})
	want(t, "unfiled", res, 6, 6)
	res = f.apply(t, bulk.Request{Filter: map[string]any{"folder": "root", "status": "classified"}, Action: bulk.Reclassify})
	want(t, "nothing left", res, 2, 2) // docs 4 and 5 (invoices at the top level)
	for _, bad := range []map[string]any{{"shared": "1"}, {"status": "lost"}, {"topic": "Finance"}, {"created_after": "yesterday"}, {"limit": "5"}, {"folder": 3}} {
		if _, err := f.svc.Apply(f.ctx, f.ann, bulk.Request{Filter: bad, Action: bulk.Reclassify}, audit.Event{}); !errors.Is(err, bulk.ErrInvalid) {
			t.Errorf("filter %v: %v, want ErrInvalid", bad, err)
		}
	}
}

// A filter matching more than MaxDocuments is refused, nothing changed;
// 1,000 are fine.
func TestFilterTooMany(t *testing.T) {
	f := setup(t, bulk.MaxDocuments+1)
	before := f.snapshot(t)
	_, err := f.svc.Apply(f.ctx, f.ann, bulk.Request{Filter: map[string]any{}, Action: bulk.AddTopics, Topics: []string{"Tax"}}, audit.Event{})
	if !errors.Is(err, bulk.ErrTooMany) || !strings.Contains(err.Error(), "narrow it") {
		t.Fatalf("1001 matched: %v, want ErrTooMany", err)
	}
	if f.snapshot(t) != before {
		t.Fatal("something was changed")
	}
	if _, err := f.db.ExecContext(f.ctx, `UPDATE documents SET status = 'failed' WHERE id = $1`, f.docs[0]); err != nil {
		t.Fatal(err)
	}
	res := f.apply(t, bulk.Request{Filter: map[string]any{"status": "classified"}, Action: bulk.AddTopics, Topics: []string{"Tax"}})
	want(t, "1000", res, 1000, 1000)
	if n := f.audits(t, audit.Update); n != 1000 {
		t.Errorf("%d audit rows, want 1000", n)
	}
}

// trash moves the documents to their owner's trash in one transaction
// (still in quota, hidden), after checking them all: one that is not the
// user's moves none; a trashed one cannot be named again.
func TestTrash(t *testing.T) {
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	store := storage.New(db, d.AppStore(t), nil, storage.Limits{})
	t.Cleanup(func() { _ = store.Close() })
	svc := &bulk.Service{DB: db}
	ann, bob := mkUser(t, ctx, db, "ann"), mkUser(t, ctx, db, "bob")
	upload := func(owner, name string) string {
		t.Helper()
		body := "content of " + name
		res, err := store.Upload(ctx, storage.UploadInput{OwnerID: owner, Filename: name, Body: strings.NewReader(body), Size: int64(len(body)), NoClassify: true})
		if err != nil {
			t.Fatal(err)
		}
		return res.Document.ID
	}
	a1, a2, a3 := upload(ann, "a1.txt"), upload(ann, "a2.txt"), upload(ann, "a3.txt")
	b1 := upload(bob, "b1.txt")
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.GetContext(ctx, &n, q, args...); err != nil {
			t.Fatal(err)
		}
		return n
	}
	trashed := func() int { return count(`SELECT count(*) FROM documents WHERE trashed_at IS NOT NULL`) }
	_, err := svc.Apply(ctx, ann, bulk.Request{IDs: []string{a1, b1}, Action: bulk.Trash}, audit.Event{ActorID: ann})
	if !errors.Is(err, bulk.ErrNotFound) {
		t.Fatalf("with bob's: %v, want ErrNotFound", err)
	}
	if n := trashed(); n != 0 {
		t.Fatalf("with bob's: %d documents trashed, want 0", n)
	}
	res, err := svc.Apply(ctx, ann, bulk.Request{IDs: []string{a1, a2}, Action: bulk.Trash, DryRun: true}, audit.Event{ActorID: ann})
	if err != nil || res.Changed != 2 || trashed() != 0 {
		t.Fatalf("dry run: %+v, %v", res, err)
	}
	res, err = svc.Apply(ctx, ann, bulk.Request{IDs: []string{a1, a2}, Action: bulk.Trash}, audit.Event{ActorID: ann})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "trash", res, 2, 2)
	if n := count(`SELECT count(*) FROM documents WHERE user_id = $1 AND trashed_at IS NULL`, ann); n != 1 {
		t.Errorf("%d of ann's documents outside the trash, want 1 (%s)", n, a3)
	}
	if n := count(`SELECT count(*) FROM documents WHERE user_id = $1 AND trashed_at IS NOT NULL`, ann); n != 2 {
		t.Errorf("%d of ann's documents in the trash, want 2", n)
	}
	if n := count(`SELECT used_bytes FROM quotas WHERE user_id = $1`, ann); n != 3*len("content of a1.txt") {
		t.Errorf("quota used %d, want all three's (the trash still counts)", n)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE event_type = $1 AND metadata->>'bulk' = 'true'`, audit.Trash); n != 2 {
		t.Errorf("%d trash audit rows, want 2", n)
	}
	// A trashed document is not the user's to bulk-edit: the whole request is refused.
	_, err = svc.Apply(ctx, ann, bulk.Request{IDs: []string{a3, a1}, Action: bulk.AddTopics, Topics: []string{"x"}}, audit.Event{ActorID: ann})
	if !errors.Is(err, bulk.ErrNotFound) {
		t.Fatalf("naming a trashed document: %v, want ErrNotFound", err)
	}
}
