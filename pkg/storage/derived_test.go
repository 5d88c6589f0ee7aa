package storage_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/users"
)

// uploadDoc stores one document of body and returns it.
func (f *fixture) uploadDoc(t *testing.T, owner string, body []byte) storage.Document {
	t.Helper()
	res, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: owner, Filename: "scan.pdf", Body: bytes.NewReader(body), Size: int64(len(body)), NoClassify: true})
	if err != nil {
		t.Fatal(err)
	}
	return res.Document
}

// derived stores body as the kind object of doc.
func (f *fixture) derived(t *testing.T, doc storage.Document, kind string, body []byte) (storage.DerivedObject, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "derived")
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	ct, ext := "image/jpeg", ".jpg"
	if kind == storage.KindSearchablePDF {
		ct, ext = "application/pdf", ".pdf"
	}
	return f.svc.StoreDerived(ctx(t), storage.DerivedInput{OwnerID: doc.UserID, DocumentID: doc.ID, Kind: kind, ContentType: ct, Ext: ext, Path: path})
}

func (f *fixture) used(t *testing.T) int64 {
	t.Helper()
	var used int64
	if err := f.db.Get(&used, `SELECT used_bytes FROM quotas WHERE user_id = $1`, f.user.ID); err != nil {
		t.Fatal(err)
	}
	return used
}

func readDerived(t *testing.T, f *fixture, doc storage.Document, kind string) []byte {
	t.Helper()
	rc, o, err := f.svc.OpenDerived(ctx(t), doc.UserID, doc.ID, kind)
	if err != nil {
		t.Fatalf("OpenDerived %s: %v", kind, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != o.SizeBytes {
		t.Errorf("%s: read %d bytes, row says %d", kind, len(b), o.SizeBytes)
	}
	return b
}

func TestDerivedStoreReplaceOpen(t *testing.T) {
	f := newFixture(t, storage.Limits{}, 0)
	doc := f.uploadDoc(t, f.user.ID, pdf("scanned"))
	thumb := bytes.Repeat([]byte("T"), 1000)
	o, err := f.derived(t, doc, storage.KindThumbnail, thumb)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(o.ObjectKey, f.user.ID+"/"+doc.ID+"/") || !strings.HasSuffix(o.ObjectKey, ".jpg") || o.ObjectKey == doc.ObjectKey {
		t.Errorf("key %q is not under the document's prefix", o.ObjectKey)
	}
	if sum := sha256.Sum256(thumb); !bytes.Equal(o.SHA256, sum[:]) || o.SizeBytes != 1000 {
		t.Errorf("row %+v", o)
	}
	if got := readDerived(t, f, doc, storage.KindThumbnail); !bytes.Equal(got, thumb) {
		t.Errorf("thumbnail bytes differ")
	}
	if used := f.used(t); used != doc.SizeBytes+1000 {
		t.Errorf("quota used %d, want %d", used, doc.SizeBytes+1000)
	}
	if n := f.consistent(t); n != 2 {
		t.Errorf("%d objects, want 2", n)
	}

	// Replacing: the new object and row, the old object gone, quota the difference.
	thumb2 := bytes.Repeat([]byte("U"), 400)
	o2, err := f.derived(t, doc, storage.KindThumbnail, thumb2)
	if err != nil {
		t.Fatal(err)
	}
	if o2.ObjectKey == o.ObjectKey {
		t.Errorf("the replacement reused the key %s", o.ObjectKey)
	}
	if _, err := f.store.Stat(ctx(t), o.ObjectKey); err == nil {
		t.Errorf("the replaced object %s is still there", o.ObjectKey)
	}
	if got := readDerived(t, f, doc, storage.KindThumbnail); !bytes.Equal(got, thumb2) {
		t.Errorf("thumbnail after replacing: %q", got)
	}
	if used := f.used(t); used != doc.SizeBytes+400 {
		t.Errorf("quota used %d after replacing, want %d", used, doc.SizeBytes+400)
	}
	searchable := pdf("searchable copy")
	if _, err := f.derived(t, doc, storage.KindSearchablePDF, searchable); err != nil {
		t.Fatal(err)
	}
	all, err := f.svc.Derived(ctx(t), f.user.ID, doc.ID)
	if err != nil || len(all) != 2 || all[storage.KindSearchablePDF].ContentType != "application/pdf" {
		t.Errorf("Derived = %+v, %v", all, err)
	}
	if n := f.consistent(t); n != 3 {
		t.Errorf("%d objects, want 3", n)
	}

	// Someone else's document, an unknown kind, a document without one.
	other, err := users.Create(ctx(t), f.db, users.NewUser{Handle: "bob", Email: "bob@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "x")
	_ = os.WriteFile(path, thumb, 0o600)
	_, err = f.svc.StoreDerived(ctx(t), storage.DerivedInput{OwnerID: other.ID, DocumentID: doc.ID, Kind: storage.KindThumbnail, ContentType: "image/jpeg", Ext: ".jpg", Path: path})
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("another owner's StoreDerived: %v, want ErrNotFound", err)
	}
	if _, _, err := f.svc.OpenDerived(ctx(t), other.ID, doc.ID, storage.KindThumbnail); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("another owner's OpenDerived: %v, want ErrNotFound", err)
	}
	if _, err := f.derived(t, doc, "preview", thumb); err == nil {
		t.Error("an unknown kind was stored")
	}
	doc2 := f.uploadDoc(t, f.user.ID, pdf("no thumbnail"))
	if _, _, err := f.svc.OpenDerived(ctx(t), f.user.ID, doc2.ID, storage.KindThumbnail); !errors.Is(err, storage.ErrNoDerived) {
		t.Errorf("OpenDerived of a document without one: %v, want ErrNoDerived", err)
	}
	if n := f.consistent(t); n != 4 {
		t.Errorf("%d objects, want 4", n)
	}
}

func TestDerivedOverQuotaIsSkipped(t *testing.T) {
	f := newFixture(t, storage.Limits{}, 2000)
	doc := f.uploadDoc(t, f.user.ID, pdf(strings.Repeat("x", 900)))
	before := f.used(t)
	_, err := f.derived(t, doc, storage.KindSearchablePDF, bytes.Repeat([]byte("S"), int(2000-before+1)))
	var qe *storage.QuotaError
	if !errors.Is(err, storage.ErrOverQuota) || !errors.As(err, &qe) {
		t.Fatalf("StoreDerived over quota: %v, want ErrOverQuota", err)
	}
	if used := f.used(t); used != before {
		t.Errorf("quota used %d after the refusal, want %d", used, before)
	}
	if n := f.consistent(t); n != 1 {
		t.Errorf("%d objects after the refusal, want 1", n)
	}
	// Exactly what is left fits; then a replacement that grows does not,
	// and one that shrinks does.
	if _, err := f.derived(t, doc, storage.KindThumbnail, bytes.Repeat([]byte("T"), int(2000-before))); err != nil {
		t.Fatalf("a thumbnail that fills the quota exactly: %v", err)
	}
	if used := f.used(t); used != 2000 {
		t.Errorf("quota used %d, want 2000", used)
	}
	if _, err := f.derived(t, doc, storage.KindThumbnail, bytes.Repeat([]byte("T"), int(2000-before+1))); !errors.Is(err, storage.ErrOverQuota) {
		t.Errorf("a growing replacement over quota: %v", err)
	}
	if _, err := f.derived(t, doc, storage.KindThumbnail, []byte("small")); err != nil {
		t.Errorf("a shrinking replacement: %v", err)
	}
	if used := f.used(t); used != before+5 {
		t.Errorf("quota used %d, want %d", used, before+5)
	}
	if n := f.consistent(t); n != 2 {
		t.Errorf("%d objects, want 2", n)
	}
}

func TestDeleteRemovesDerivedObjects(t *testing.T) {
	f := newFixture(t, storage.Limits{}, 0)
	doc := f.uploadDoc(t, f.user.ID, pdf("to delete"))
	keep := f.uploadDoc(t, f.user.ID, pdf("to keep"))
	var keys []string
	for _, d := range []storage.Document{doc, keep} {
		for _, kind := range []string{storage.KindThumbnail, storage.KindSearchablePDF} {
			o, err := f.derived(t, d, kind, []byte(kind+" of "+d.ID))
			if err != nil {
				t.Fatal(err)
			}
			if d.ID == doc.ID {
				keys = append(keys, o.ObjectKey)
			}
		}
	}
	if err := f.svc.Delete(ctx(t), f.user.ID, doc.ID); err != nil {
		t.Fatal(err)
	}
	for _, k := range append(keys, doc.ObjectKey) {
		if _, err := f.store.Stat(ctx(t), k); err == nil {
			t.Errorf("object %s outlived its document", k)
		}
	}
	var rows int
	_ = f.db.Get(&rows, `SELECT count(*) FROM document_objects WHERE document_id = $1`, doc.ID)
	if rows != 0 {
		t.Errorf("%d derived rows outlived their document", rows)
	}
	want := keep.SizeBytes + int64(len(storage.KindThumbnail+" of "+keep.ID)+len(storage.KindSearchablePDF+" of "+keep.ID))
	if used := f.used(t); used != want {
		t.Errorf("quota used %d after the delete, want %d", used, want)
	}
	if n := f.consistent(t); n != 3 {
		t.Errorf("%d objects, want 3", n)
	}
	if err := f.svc.Delete(ctx(t), f.user.ID, doc.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("deleting again: %v", err)
	}
}

func TestFsckKnowsDerivedObjects(t *testing.T) {
	f := newFixture(t, storage.Limits{}, 0)
	doc := f.uploadDoc(t, f.user.ID, pdf("fsck"))
	thumb, err := f.derived(t, doc, storage.KindThumbnail, []byte("thumbnail bytes"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.derived(t, doc, storage.KindSearchablePDF, pdf("searchable")); err != nil {
		t.Fatal(err)
	}
	// Derived objects are not orphans, and the quota counts them.
	clean, err := f.svc.Fsck(ctx(t), storage.FsckOptions{Grace: time.Nanosecond})
	if err != nil || clean.Problems() != 0 {
		t.Fatalf("Fsck of a consistent store: %+v, %v", clean, err)
	}
	// The thumbnail's object goes behind storage's back.
	if err := f.store.Delete(ctx(t), thumb.ObjectKey); err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.Fsck(ctx(t), storage.FsckOptions{Grace: time.Nanosecond})
	if err != nil || rep.Problems() != 1 || len(rep.MissingDerived) != 1 || rep.MissingDerived[0].ID != thumb.ID {
		t.Fatalf("Fsck = %+v, %v; want the thumbnail's row without object", rep, err)
	}
	rep, err = f.svc.Fsck(ctx(t), storage.FsckOptions{Grace: time.Nanosecond, Repair: true})
	if err != nil || !rep.Repaired {
		t.Fatalf("Fsck --repair = %+v, %v", rep, err)
	}
	if _, _, err := f.svc.OpenDerived(ctx(t), f.user.ID, doc.ID, storage.KindThumbnail); !errors.Is(err, storage.ErrNoDerived) {
		t.Errorf("the repaired thumbnail: %v, want ErrNoDerived", err)
	}
	if n := f.consistent(t); n != 2 {
		t.Errorf("%d objects after the repair, want 2", n)
	}
	after, err := f.svc.Fsck(ctx(t), storage.FsckOptions{Grace: time.Nanosecond})
	if err != nil || after.Problems() != 0 {
		t.Errorf("Fsck after the repair: %+v, %v", after, err)
	}

	// A document whose original is gone loses its derived objects with it.
	if err := f.store.Delete(ctx(t), doc.ObjectKey); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Fsck(ctx(t), storage.FsckOptions{Grace: time.Nanosecond, Repair: true}); err != nil {
		t.Fatal(err)
	}
	if n := f.consistent(t); n != 0 {
		t.Errorf("%d objects after repairing the missing original, want 0", n)
	}
	if used := f.used(t); used != 0 {
		t.Errorf("quota used %d, want 0", used)
	}

	// An object of a derived row's kind that no row names is an orphan.
	doc2 := f.uploadDoc(t, f.user.ID, pdf("orphan"))
	stray := f.user.ID + "/" + doc2.ID + "/stray.jpg"
	if _, err := f.store.Put(context.Background(), stray, strings.NewReader("stray"), 5, "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	rep, err = f.svc.Fsck(ctx(t), storage.FsckOptions{Grace: time.Nanosecond})
	if err != nil || len(rep.OrphanObjects) != 1 || rep.OrphanObjects[0] != stray {
		t.Errorf("Fsck = %+v, %v; want the stray object an orphan", rep, err)
	}
}
