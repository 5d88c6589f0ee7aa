package storage_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/topics"
)

func (f *fixture) usedNow(t *testing.T) int64 {
	t.Helper()
	var n int64
	if err := f.db.Get(&n, `SELECT used_bytes FROM quotas WHERE user_id = $1`, f.user.ID); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) fsckClean(t *testing.T) {
	t.Helper()
	rep, err := f.svc.Fsck(ctx(t), storage.FsckOptions{Grace: time.Nanosecond})
	if err != nil || rep.Problems() != 0 {
		t.Fatalf("fsck: %+v, %v", rep, err)
	}
}

// TestVersions: a new version keeps the document's id and topics, keeps
// the old bytes as version 1, counts both in quota exactly, re-queues the
// document and drops the old derived objects; restore swaps without
// changing quota; delete frees a version's bytes; a version over quota is
// refused with the figures; fsck knows version objects.
func TestVersions(t *testing.T) {
	f := newFixture(t, storage.Limits{}, 4000)
	v1 := pdf("first version of the invoice")
	res, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "invoice.pdf", Body: bytes.NewReader(v1), Size: int64(len(v1))})
	if err != nil {
		t.Fatal(err)
	}
	doc := res.Document
	topic, err := topics.Create(ctx(t), f.db, f.user.ID, topics.New{Name: "Bills"})
	if err != nil {
		t.Fatal(err)
	}
	if err := topics.SetDocument(ctx(t), f.db, f.user.ID, doc.ID, []string{topic.ID}); err != nil {
		t.Fatal(err)
	}
	thumb := t.TempDir() + "/t.jpg"
	writeTestFile(t, thumb, []byte("\xff\xd8\xff a thumbnail of v1"))
	if _, err := f.svc.StoreDerived(ctx(t), storage.DerivedInput{OwnerID: f.user.ID, DocumentID: doc.ID, Kind: storage.KindThumbnail,
		ContentType: "image/jpeg", Ext: ".jpg", Path: thumb}); err != nil {
		t.Fatal(err)
	}
	f.db.MustExec(`UPDATE documents SET status = 'classified' WHERE id = $1`, doc.ID)
	f.emptyQueue(t, doc.ID) // so that the re-queue below is seen

	v2 := pdf("second, corrected version of the invoice")
	d, kept, err := f.svc.NewVersion(ctx(t), storage.VersionInput{OwnerID: f.user.ID, DocumentID: doc.ID, Filename: "invoice-fixed.pdf",
		Body: bytes.NewReader(v2), Size: int64(len(v2)), ActorID: f.user.ID})
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != doc.ID || d.Filename != "invoice-fixed.pdf" || d.SizeBytes != int64(len(v2)) || d.Status != storage.StatusPending {
		t.Errorf("document after the new version: %+v", d)
	}
	if kept.Number != 1 || kept.SizeBytes != int64(len(v1)) || kept.Filename != "invoice.pdf" || kept.CreatedBy == nil || *kept.CreatedBy != f.user.ID {
		t.Errorf("kept version: %+v", kept)
	}
	if got, want := f.usedNow(t), int64(len(v1)+len(v2)); got != want {
		t.Errorf("quota %d, want %d (both versions; the old thumbnail gone)", got, want)
	}
	if q := strings.Join(f.queued(t), ""); !strings.Contains(q, doc.ID) {
		t.Error("the document was not queued again for its new content")
	}
	if derived, err := f.svc.Derived(ctx(t), f.user.ID, doc.ID); err != nil || len(derived) != 0 {
		t.Errorf("derived objects of the old content left: %v, %v", derived, err)
	}
	var nTopics int
	if err := f.db.Get(&nTopics, `SELECT count(*) FROM document_topics WHERE document_id = $1`, doc.ID); err != nil || nTopics != 1 {
		t.Errorf("topics after the new version: %d, %v", nTopics, err)
	}
	rc, _, err := f.svc.OpenVersion(ctx(t), f.user.ID, doc.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, v1) {
		t.Errorf("version 1's bytes: %q", got)
	}
	f.consistent(t)
	f.fsckClean(t)

	// The same content again is refused; content over quota is refused with the figures.
	if _, _, err := f.svc.NewVersion(ctx(t), storage.VersionInput{OwnerID: f.user.ID, DocumentID: doc.ID, Filename: "x.pdf",
		Body: bytes.NewReader(v2), Size: int64(len(v2))}); !errors.Is(err, storage.ErrSameContent) {
		t.Errorf("same content: %v", err)
	}
	used := f.usedNow(t)
	big := pdf(strings.Repeat("x", 4000))
	_, _, err = f.svc.NewVersion(ctx(t), storage.VersionInput{OwnerID: f.user.ID, DocumentID: doc.ID, Filename: "big.pdf",
		Body: bytes.NewReader(big), Size: int64(len(big))})
	var qe *storage.QuotaError
	if !errors.As(err, &qe) || !errors.Is(err, storage.ErrOverQuota) || qe.Need != int64(len(big)) || qe.Used != used || qe.Limit != 4000 {
		t.Errorf("over quota: %v (%+v)", err, qe)
	}
	if f.usedNow(t) != used {
		t.Error("a refused version changed the quota")
	}
	f.consistent(t)

	// Restore version 1: a swap, quota unchanged, queued again.
	f.emptyQueue(t, doc.ID)
	d, kept, err = f.svc.RestoreVersion(ctx(t), f.user.ID, doc.ID, 1, f.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.SizeBytes != int64(len(v1)) || d.Filename != "invoice.pdf" || kept.Number != 2 || kept.SizeBytes != int64(len(v2)) {
		t.Errorf("after restore: %+v, kept %+v", d, kept)
	}
	if f.usedNow(t) != used {
		t.Errorf("restore changed quota: %d, want %d", f.usedNow(t), used)
	}
	if q := strings.Join(f.queued(t), ""); !strings.Contains(q, doc.ID) {
		t.Error("the document was not queued again after a restore")
	}
	rc, _, err = f.svc.Open(ctx(t), f.user.ID, doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, v1) {
		t.Errorf("current bytes after restore: %q", got)
	}
	if _, _, err := f.svc.RestoreVersion(ctx(t), f.user.ID, doc.ID, 1, ""); !errors.Is(err, storage.ErrNoVersion) {
		t.Errorf("restore of a version that became current: %v", err)
	}
	vs, err := f.svc.Versions(ctx(t), f.user.ID, doc.ID)
	if err != nil || len(vs) != 1 || vs[0].Number != 2 {
		t.Errorf("versions: %+v, %v", vs, err)
	}
	f.consistent(t)

	// A missing version object is reported by fsck.
	if err := f.store.Delete(ctx(t), vs[0].ObjectKey); err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.Fsck(ctx(t), storage.FsckOptions{Grace: time.Nanosecond})
	if err != nil || len(rep.MissingVersions) != 1 || rep.MissingVersions[0].Number != 2 {
		t.Errorf("fsck of a lost version: %+v, %v", rep, err)
	}
	// Put it back (as a restore from backup would) and delete it.
	if _, err := f.store.Put(ctx(t), vs[0].ObjectKey, bytes.NewReader(v2), int64(len(v2)), "application/pdf"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.DeleteVersion(ctx(t), f.user.ID, doc.ID, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.DeleteVersion(ctx(t), f.user.ID, doc.ID, 2); !errors.Is(err, storage.ErrNoVersion) {
		t.Errorf("delete again: %v", err)
	}
	if got := f.usedNow(t); got != int64(len(v1)) {
		t.Errorf("quota after the delete %d, want %d", got, len(v1))
	}
	f.consistent(t)
	f.fsckClean(t)

	// Purge takes every version's object with it.
	if _, _, err := f.svc.NewVersion(ctx(t), storage.VersionInput{OwnerID: f.user.ID, DocumentID: doc.ID, Filename: "v3.pdf",
		Body: bytes.NewReader(v2), Size: int64(len(v2))}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Purge(ctx(t), f.user.ID, doc.ID); err != nil {
		t.Fatal(err)
	}
	if n := f.consistent(t); n != 0 || f.usedNow(t) != 0 {
		t.Errorf("after purge: %d objects, quota %d", n, f.usedNow(t))
	}
}

// emptyQueue drops every job and unique-job key of the namespace, so that
// a later enqueue of id is seen.
func (f *fixture) emptyQueue(t *testing.T, id string) {
	t.Helper()
	c := f.pool.Get()
	defer c.Close()
	keys, err := redis.Strings(c.Do("KEYS", f.d.Namespace+":*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if _, err := c.Do("DEL", k); err != nil {
			t.Fatal(err)
		}
	}
	if q := strings.Join(f.queued(t), ""); strings.Contains(q, id) {
		t.Fatal("the queue was not emptied")
	}
}

func writeTestFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
