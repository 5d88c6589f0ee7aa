package trash_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/folders"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/search"
	"github.com/docuvault/docuvault/pkg/shares"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/trash"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

type fixture struct {
	db    *sqlx.DB
	store *objectstore.MinioStore
	svc   *storage.Service
	trash *trash.Service
	ann   users.User
	bob   users.User
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	d := testenv.Deploy(t)
	f := &fixture{db: d.AppDB(t), store: d.AppStore(t)}
	f.svc = storage.New(f.db, f.store, nil, storage.Limits{})
	t.Cleanup(func() { _ = f.svc.Close() })
	f.trash = &trash.Service{DB: f.db, Store: f.svc, Days: 30}
	var err error
	if f.ann, err = users.Create(ctx(t), f.db, users.NewUser{Handle: "ann", Email: "ann@example.org", QuotaBytes: 10 << 20}); err != nil {
		t.Fatal(err)
	}
	if f.bob, err = users.Create(ctx(t), f.db, users.NewUser{Handle: "bob", Email: "bob@example.org", QuotaBytes: 10 << 20}); err != nil {
		t.Fatal(err)
	}
	return f
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

var ann = audit.Event{ActorLabel: "cli:test"}

// upload stores content as owner's document (a PDF of n random bytes
// after the header, so each is new content).
func (f *fixture) upload(t *testing.T, owner users.User, name string, content []byte) storage.Document {
	t.Helper()
	res, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: owner.ID, Filename: name, Body: bytes.NewReader(content),
		Size: int64(len(content)), NoClassify: true, Audit: &audit.Event{ActorLabel: "cli:test"}})
	if err != nil {
		t.Fatalf("upload %s: %v", name, err)
	}
	return res.Document
}

func pdf(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return append([]byte("%PDF-1.4\n"), b...)
}

func (f *fixture) used(t *testing.T, u users.User) int64 {
	t.Helper()
	var n int64
	if err := f.db.Get(&n, `SELECT used_bytes FROM quotas WHERE user_id = $1`, u.ID); err != nil {
		t.Fatal(err)
	}
	return n
}

// clean runs fsck with no grace and fails on any problem.
func (f *fixture) clean(t *testing.T) {
	t.Helper()
	rep, err := f.svc.Fsck(ctx(t), storage.FsckOptions{Grace: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Problems() != 0 {
		t.Fatalf("fsck: %d problem(s): %+v", rep.Problems(), rep)
	}
}

func (f *fixture) events(t *testing.T, typ, resource string) int {
	t.Helper()
	var n int
	q := `SELECT count(*) FROM audit_log WHERE event_type = $1 AND ($2 = '' OR resource_id::text = $2)`
	if err := f.db.Get(&n, q, typ, resource); err != nil {
		t.Fatal(err)
	}
	return n
}

func listed(t *testing.T, db *sqlx.DB, viewer, id string) bool {
	t.Helper()
	return list(t, db, catalog.Query{Viewer: viewer, Limit: 100}, id)
}

// sharedWith says whether id is in viewer's list of documents shared with them.
func sharedWith(t *testing.T, db *sqlx.DB, viewer, id string) bool {
	t.Helper()
	return list(t, db, catalog.Query{Viewer: viewer, Limit: 100, Shared: true}, id)
}

func list(t *testing.T, db *sqlx.DB, q catalog.Query, id string) bool {
	t.Helper()
	p, err := catalog.List(ctx(t), db, q)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range p.Documents {
		if d.ID == id {
			return true
		}
	}
	return false
}

func found(t *testing.T, db *sqlx.DB, viewer, text, id string) bool {
	t.Helper()
	r, err := search.Search(ctx(t), db, search.Query{Viewer: viewer, Text: text})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range r.Hits {
		if h.ID == id {
			return true
		}
	}
	return false
}

func TestTrashHidesEverywhereAndRestoreBringsItBack(t *testing.T) {
	f := newFixture(t)
	keep := f.upload(t, f.ann, "keep.pdf", pdf(t, 1000))
	gone := f.upload(t, f.ann, "quarterly-report.pdf", pdf(t, 2000))
	if _, err := f.db.Exec(`UPDATE documents SET extracted_text = 'zanzibar ledger' WHERE id = $1`, gone.ID); err != nil {
		t.Fatal(err)
	}
	folder, err := folders.Create(ctx(t), f.db, f.ann.ID, "Tax", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(`UPDATE documents SET folder_id = $1 WHERE id = $2`, folder.ID, gone.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := shares.Create(ctx(t), f.db, f.ann.ID, gone.ID, "bob", shares.PermView); err != nil {
		t.Fatal(err)
	}
	if !listed(t, f.db, f.ann.ID, gone.ID) || !found(t, f.db, f.ann.ID, "zanzibar", gone.ID) || !sharedWith(t, f.db, f.bob.ID, gone.ID) {
		t.Fatal("before the trash: the document is not listed or found")
	}
	before := f.used(t, f.ann)

	items, err := f.trash.Trash(ctx(t), f.ann.ID, []string{gone.ID}, ann)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].ID != gone.ID || items[0].PurgeAt.Sub(items[0].TrashedAt) != 30*24*time.Hour {
		t.Fatalf("trashed %+v", items)
	}
	if listed(t, f.db, f.ann.ID, gone.ID) || !listed(t, f.db, f.ann.ID, keep.ID) {
		t.Error("the owner's list still shows the trashed document, or lost the other")
	}
	if found(t, f.db, f.ann.ID, "zanzibar", gone.ID) || found(t, f.db, f.ann.ID, "quarterly", gone.ID) {
		t.Error("search finds the trashed document")
	}
	if sharedWith(t, f.db, f.bob.ID, gone.ID) {
		t.Error("the recipient still sees the trashed document: the share is not suspended")
	}
	if perm, err := shares.Access(ctx(t), f.db, f.bob.ID, gone.ID); err != nil || perm != shares.None {
		t.Errorf("recipient's access to a trashed document = %v, %v; want none", perm, err)
	}
	if got, err := shares.ListGiven(ctx(t), f.db, f.ann.ID); err != nil || len(got) != 0 {
		t.Errorf("shares listed of a trashed document: %v, %v", got, err)
	}
	if _, err := catalog.Get(ctx(t), f.db, gone.ID, "owner"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("catalog.Get of a trashed document: %v, want ErrNotFound", err)
	}
	if _, err := f.svc.Get(ctx(t), f.ann.ID, gone.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("storage.Get of a trashed document: %v, want ErrNotFound", err)
	}
	fs, err := folders.List(ctx(t), f.db, f.ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, fo := range fs {
		if fo.ID == folder.ID && fo.DocumentCount != 0 {
			t.Errorf("folder counts the trashed document: %d", fo.DocumentCount)
		}
	}
	if got := f.used(t, f.ann); got != before {
		t.Errorf("quota after trash %d, want %d (unchanged)", got, before)
	}
	list, err := f.trash.List(ctx(t), f.ann.ID)
	if err != nil || len(list) != 1 || list[0].ID != gone.ID {
		t.Fatalf("trash list %+v, %v", list, err)
	}
	if other, _ := f.trash.List(ctx(t), f.bob.ID); len(other) != 0 {
		t.Errorf("bob's trash holds ann's document: %+v", other)
	}
	if f.events(t, audit.Trash, gone.ID) != 1 {
		t.Error("no document_trash audit event")
	}
	f.clean(t)

	// Trashed twice: not a document outside the trash any more.
	if _, err := f.trash.Trash(ctx(t), f.ann.ID, []string{gone.ID}, ann); !errors.Is(err, trash.ErrNoDocument) {
		t.Errorf("trash again: %v, want ErrNoDocument", err)
	}
	// Bob cannot restore ann's.
	if _, err := f.trash.Restore(ctx(t), f.bob.ID, gone.ID, ann); !errors.Is(err, trash.ErrNotFound) {
		t.Errorf("bob restores ann's: %v, want ErrNotFound", err)
	}
	if _, err := f.trash.Restore(ctx(t), f.ann.ID, gone.ID, ann); err != nil {
		t.Fatal(err)
	}
	if !listed(t, f.db, f.ann.ID, gone.ID) || !found(t, f.db, f.ann.ID, "zanzibar", gone.ID) || !sharedWith(t, f.db, f.bob.ID, gone.ID) {
		t.Error("after restore: not listed, found, or shared again")
	}
	var folderID *string
	if err := f.db.Get(&folderID, `SELECT folder_id FROM documents WHERE id = $1`, gone.ID); err != nil || folderID == nil || *folderID != folder.ID {
		t.Errorf("restored document's folder %v, %v", folderID, err)
	}
	if f.events(t, audit.Restore, gone.ID) != 1 {
		t.Error("no document_restore audit event")
	}
	if got := f.used(t, f.ann); got != before {
		t.Errorf("quota after restore %d, want %d", got, before)
	}
	f.clean(t)
}

func TestMoveIsAllOrNothing(t *testing.T) {
	f := newFixture(t)
	mine := f.upload(t, f.ann, "a.pdf", pdf(t, 100))
	theirs := f.upload(t, f.bob, "b.pdf", pdf(t, 100))
	_, err := f.trash.Trash(ctx(t), f.ann.ID, []string{mine.ID, theirs.ID}, ann)
	if !errors.Is(err, trash.ErrNoDocument) {
		t.Fatalf("trash with another's id: %v, want ErrNoDocument", err)
	}
	if !listed(t, f.db, f.ann.ID, mine.ID) || !listed(t, f.db, f.bob.ID, theirs.ID) {
		t.Error("a refused move moved something")
	}
	if _, err := f.trash.Trash(ctx(t), f.ann.ID, []string{"not-a-uuid"}, ann); !errors.Is(err, trash.ErrNoDocument) {
		t.Errorf("trash of a malformed id: %v", err)
	}
}

// TestPurgeIsRestartable stops a purge between its object deletes and its
// row delete (the row marked purging, its objects gone — as a kill leaves
// it), checks fsck is clean then, and that the next purge finishes it.
func TestPurgeIsRestartable(t *testing.T) {
	f := newFixture(t)
	old := f.upload(t, f.ann, "old.pdf", pdf(t, 300<<10)) // a streamed upload
	young := f.upload(t, f.ann, "young.pdf", pdf(t, 500))
	stopped := f.upload(t, f.ann, "stopped.pdf", pdf(t, 700))
	if _, err := f.trash.Trash(ctx(t), f.ann.ID, []string{old.ID, young.ID, stopped.ID}, ann); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(`UPDATE documents SET trashed_at = now() - interval '31 days' WHERE id IN ($1, $2)`, old.ID, stopped.ID); err != nil {
		t.Fatal(err)
	}
	// A derived object too, so that purge deletes every object.
	thumb := t.TempDir() + "/t.jpg"
	writeFile(t, thumb, []byte("\xff\xd8\xff thumbnail"))
	if _, err := f.svc.StoreDerived(ctx(t), storage.DerivedInput{OwnerID: f.ann.ID, DocumentID: stopped.ID, Kind: storage.KindThumbnail,
		ContentType: "image/jpeg", Ext: ".jpg", Path: thumb}); err != nil {
		t.Fatal(err)
	}

	// The kill: the purge marked the row and deleted the objects, then died.
	if _, err := f.db.Exec(`UPDATE documents SET purging = true WHERE id = $1`, stopped.ID); err != nil {
		t.Fatal(err)
	}
	var keys []string
	if err := f.db.Select(&keys, `SELECT object_key FROM documents WHERE id = $1 UNION ALL SELECT object_key FROM document_objects WHERE document_id = $1`, stopped.ID); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if err := f.store.Delete(ctx(t), k); err != nil {
			t.Fatal(err)
		}
	}
	f.clean(t) // a row on its way out is not a row without its object
	if list, _ := f.trash.List(ctx(t), f.ann.ID); len(list) != 2 {
		t.Errorf("the trash lists %d documents, want 2 (not the one being purged)", len(list))
	}

	res, err := f.trash.PurgeExpired(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Purged != 2 {
		t.Errorf("purged %d, want 2", res.Purged)
	}
	var left []string
	if err := f.db.Select(&left, `SELECT id::text FROM documents ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0] != young.ID {
		t.Errorf("documents left %v, want only the young one %s", left, young.ID)
	}
	n := 0
	if err := f.store.List(ctx(t), f.ann.ID+"/", func(i objectstore.Info) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d objects left, want 1", n)
	}
	if got, want := f.used(t, f.ann), young.SizeBytes; got != want {
		t.Errorf("quota %d, want %d", got, want)
	}
	if f.events(t, audit.Purge, old.ID) != 1 || f.events(t, audit.Purge, stopped.ID) != 1 {
		t.Error("no document_purge audit events")
	}
	f.clean(t)
	// Again: nothing to do.
	if res, err := f.trash.PurgeExpired(ctx(t)); err != nil || res.Purged != 0 {
		t.Errorf("second purge: %+v, %v", res, err)
	}
}

func TestEmptyAndDeleteForGood(t *testing.T) {
	f := newFixture(t)
	a := f.upload(t, f.ann, "a.pdf", pdf(t, 100))
	b := f.upload(t, f.ann, "b.pdf", pdf(t, 200))
	c := f.upload(t, f.ann, "c.pdf", pdf(t, 300))
	if _, err := f.trash.Trash(ctx(t), f.ann.ID, []string{a.ID, b.ID}, ann); err != nil {
		t.Fatal(err)
	}
	if _, err := f.trash.Delete(ctx(t), f.ann.ID, c.ID, ann); !errors.Is(err, trash.ErrNotFound) {
		t.Errorf("delete for good of a document outside the trash: %v, want ErrNotFound", err)
	}
	if _, err := f.trash.Delete(ctx(t), f.ann.ID, a.ID, ann); err != nil {
		t.Fatal(err)
	}
	done, err := f.trash.Empty(ctx(t), f.ann.ID, ann)
	if err != nil || len(done) != 1 || done[0].ID != b.ID {
		t.Fatalf("empty: %+v, %v", done, err)
	}
	if got := f.used(t, f.ann); got != c.SizeBytes {
		t.Errorf("quota %d, want %d", got, c.SizeBytes)
	}
	if f.events(t, audit.TrashEmpty, "") != 1 || f.events(t, audit.Delete, a.ID) != 1 {
		t.Error("missing trash_empty or document_delete events")
	}
	f.clean(t)
}

func TestUploadingTrashedContentRestoresIt(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
	}{{"small", 1000}, {"streamed", storage.SmallUpload + 1000}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			content := pdf(t, tc.size)
			d := f.upload(t, f.ann, "invoice.pdf", content)
			if _, err := f.trash.Trash(ctx(t), f.ann.ID, []string{d.ID}, ann); err != nil {
				t.Fatal(err)
			}
			used := f.used(t, f.ann)
			res, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.ann.ID, Filename: "again.pdf", Body: bytes.NewReader(content),
				Size: int64(len(content)), NoClassify: true, Audit: &audit.Event{ActorLabel: "cli:test"}})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Restored || res.DuplicateOf != "" || res.Document.ID != d.ID || res.Document.TrashedAt != nil {
				t.Fatalf("upload of trashed content: %+v", res)
			}
			if !listed(t, f.db, f.ann.ID, d.ID) {
				t.Error("not listed after the upload restored it")
			}
			if got := f.used(t, f.ann); got != used {
				t.Errorf("quota %d, want %d", got, used)
			}
			if f.events(t, audit.Restore, d.ID) != 1 {
				t.Error("no document_restore event")
			}
			// Once more: a plain duplicate now.
			res, err = f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.ann.ID, Filename: "again.pdf", Body: bytes.NewReader(content),
				Size: int64(len(content)), NoClassify: true})
			if err != nil || res.Restored || res.DuplicateOf != d.ID {
				t.Errorf("second upload: %+v, %v; want a duplicate", res, err)
			}
			f.clean(t)
		})
	}
}
