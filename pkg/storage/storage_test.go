package storage_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/jmoiron/sqlx"
	"github.com/minio/minio-go/v7"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/jobs"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/redisconn"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/topics"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

// fixture is one deployment with one user and the storage service on it.
type fixture struct {
	d     testenv.Deployment
	db    *sqlx.DB
	store *objectstore.MinioStore
	svc   *storage.Service
	user  users.User
	pool  *redis.Pool
}

func newFixture(t *testing.T, limits storage.Limits, quota int64) *fixture {
	t.Helper()
	d := testenv.Deploy(t)
	f := &fixture{d: d, db: d.AppDB(t), store: d.AppStore(t)}
	var err error
	f.pool, err = redisconn.NewPool(d.RedisURL, 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.pool.Close() })
	f.svc = storage.New(f.db, f.store, jobs.NewEnqueuer(d.Namespace, f.pool), limits)
	f.user, err = users.Create(context.Background(), f.db, users.NewUser{Handle: "ann", Email: "ann@example.org", QuotaBytes: quota})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// consistent checks the invariants: objects = rows (documents' and derived
// objects'), quota = sum of rows. It returns the number of objects.
func (f *fixture) consistent(t *testing.T) int {
	t.Helper()
	var keys []string
	if err := f.db.Select(&keys, `SELECT object_key FROM documents UNION ALL SELECT object_key FROM document_objects
		UNION ALL SELECT object_key FROM document_versions ORDER BY object_key`); err != nil {
		t.Fatal(err)
	}
	var objects []string
	if err := f.store.List(ctx(t), "", func(i objectstore.Info) error { objects = append(objects, i.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(keys, "\n") != strings.Join(objects, "\n") {
		t.Errorf("rows and objects differ:\nrows    %v\nobjects %v", keys, objects)
	}
	var used, sum int64
	if err := f.db.QueryRow(`SELECT q.used_bytes, COALESCE((SELECT sum(size_bytes) FROM documents d WHERE d.user_id = q.user_id), 0)
		+ COALESCE((SELECT sum(o.size_bytes) FROM document_objects o JOIN documents d ON d.id = o.document_id WHERE d.user_id = q.user_id), 0)
		+ COALESCE((SELECT sum(v.size_bytes) FROM document_versions v JOIN documents d ON d.id = v.document_id WHERE d.user_id = q.user_id), 0)
		FROM quotas q WHERE q.user_id = $1`, f.user.ID).Scan(&used, &sum); err != nil {
		t.Fatal(err)
	}
	if used != sum {
		t.Errorf("quota used %d, documents sum to %d", used, sum)
	}
	var uploading int
	if err := f.db.Get(&uploading, `SELECT count(*) FROM documents WHERE status = 'uploading'`); err != nil {
		t.Fatalf("count rows left 'uploading': %v", err)
	}
	if uploading != 0 {
		t.Errorf("%d rows left 'uploading'", uploading)
	}
	return len(keys)
}

func (f *fixture) queued(t *testing.T) []string {
	t.Helper()
	c := f.pool.Get()
	defer c.Close()
	vals, err := redis.Strings(c.Do("LRANGE", f.d.Namespace+":jobs:"+jobs.ExtractAndClassify, 0, -1))
	if err != nil {
		t.Fatal(err)
	}
	return vals
}

func pdf(body string) []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% " + body + "\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

func docx(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"word/document.xml":   `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Hello</w:t></w:r></w:p></w:body></w:document>`,
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, body)
	}
	zw.Close()
	return buf.Bytes()
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func TestUploadStoresRowObjectQuotaAndJob(t *testing.T) {
	f := newFixture(t, storage.Limits{}, 0)
	content := pdf("invoice 2025")
	for _, size := range []int64{int64(len(content)), -1} {
		t.Run(fmt.Sprintf("size %d", size), func(t *testing.T) {
			content := pdf(fmt.Sprintf("invoice %d", size)) // distinct content: not a duplicate
			if size > 0 {
				size = int64(len(content))
			}
			res, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "../../etc/Invoice\x07 2025.pdf", Body: bytes.NewReader(content), Size: size})
			if err != nil {
				t.Fatal(err)
			}
			d := res.Document
			if d.Status != storage.StatusPending || d.ContentType != "application/pdf" || d.SizeBytes != int64(len(content)) || d.Filename != "Invoice 2025.pdf" {
				t.Errorf("document %+v", d)
			}
			keyRe := regexp.MustCompile(`^` + f.user.ID + `/` + d.ID + `/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.pdf$`)
			if !keyRe.MatchString(d.ObjectKey) || strings.Contains(strings.ToLower(d.ObjectKey), "invoice") {
				t.Errorf("object key %q", d.ObjectKey)
			}
			want := sha256.Sum256(content)
			if !bytes.Equal(d.SHA256, want[:]) {
				t.Errorf("sha256 %x, want %x", d.SHA256, want)
			}
			rc, got, err := f.svc.Open(ctx(t), f.user.ID, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(b, content) || got.ID != d.ID {
				t.Errorf("Open returned %d bytes", len(b))
			}
			if q := strings.Join(f.queued(t), ""); !strings.Contains(q, d.ID) {
				t.Errorf("no %s job for %s in %v", jobs.ExtractAndClassify, d.ID, q)
			}
		})
	}
	if n := f.consistent(t); n != 2 {
		t.Errorf("%d documents, want 2", n)
	}
}

func TestBadUploadsLeaveNothing(t *testing.T) {
	f := newFixture(t, storage.Limits{MaxSize: 1 << 20}, 2<<20)
	other, err := users.Create(ctx(t), f.db, users.NewUser{Handle: "bob", Email: "bob@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	bobsTopic, err := topics.Add(ctx(t), f.db, other.ID, "Bob's", "", "")
	if err != nil {
		t.Fatal(err)
	}
	zipOnly := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("notes.bin")
		w.Write(randomBytes(100))
		zw.Close()
		return buf.Bytes()
	}()
	big := append([]byte("plain text "), bytes.Repeat([]byte("x"), 1<<20)...)
	cases := []struct {
		name  string
		in    storage.UploadInput
		check func(error) bool
	}{
		{"empty, known size", storage.UploadInput{Filename: "a.txt", Body: bytes.NewReader(nil), Size: 0}, is(storage.ErrEmpty)},
		{"empty, unknown size", storage.UploadInput{Filename: "a.txt", Body: bytes.NewReader(nil), Size: -1}, is(storage.ErrEmpty)},
		{"junk named .pdf", storage.UploadInput{Filename: "cv.pdf", Body: bytes.NewReader(randomBytes(5000)), Size: 5000}, typeNotAllowed},
		{"executable named .pdf", storage.UploadInput{Filename: "cv.pdf", Body: bytes.NewReader(append([]byte("\x7fELF\x02\x01\x01"), randomBytes(100)...)), Size: 107}, typeNotAllowed},
		{"zip named .docx", storage.UploadInput{Filename: "report.docx", Body: bytes.NewReader(zipOnly), Size: int64(len(zipOnly))}, typeNotAllowed},
		{"over size limit, known", storage.UploadInput{Filename: "big.txt", Body: bytes.NewReader(big), Size: int64(len(big))}, is(storage.ErrTooLarge)},
		{"over size limit, unknown", storage.UploadInput{Filename: "big.txt", Body: bytes.NewReader(big), Size: -1}, is(storage.ErrTooLarge)},
		{"short body", storage.UploadInput{Filename: "a.pdf", Body: bytes.NewReader(pdf("short")), Size: 5000}, is(storage.ErrSizeMismatch)},
		{"unknown owner", storage.UploadInput{OwnerID: "00000000-0000-0000-0000-000000000000", Filename: "a.pdf", Body: bytes.NewReader(pdf("x")), Size: -1}, is(storage.ErrUnknownOwner)},
		{"unknown owner, small upload", storage.UploadInput{OwnerID: "00000000-0000-0000-0000-000000000000", Filename: "a.pdf", Body: bytes.NewReader(pdf("x")), Size: int64(len(pdf("x")))}, is(storage.ErrUnknownOwner)},
		// upload.go returns this one without a sentinel: the exact error.
		{"another user's topic", storage.UploadInput{Filename: "a.pdf", Body: bytes.NewReader(pdf("y")), Size: -1, TopicIDs: []string{bobsTopic.ID}}, func(err error) bool {
			return err != nil && err.Error() == "a topic given is not the owner's, or was just removed"
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.in.OwnerID == "" {
				tc.in.OwnerID = f.user.ID
			}
			_, err := f.svc.Upload(ctx(t), tc.in)
			if !tc.check(err) {
				t.Errorf("got %v", err)
			}
			if n := f.consistent(t); n != 0 {
				t.Errorf("%d documents stored", n)
			}
		})
	}
}

func TestQuota(t *testing.T) {
	f := newFixture(t, storage.Limits{}, 10_000)
	a := append(pdf("a"), bytes.Repeat([]byte(" "), 6000)...)
	if _, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "a.pdf", Body: bytes.NewReader(a), Size: int64(len(a))}); err != nil {
		t.Fatal(err)
	}
	b := append(pdf("b"), bytes.Repeat([]byte(" "), 6000)...)
	for _, size := range []int64{int64(len(b)), -1} {
		_, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "b.pdf", Body: bytes.NewReader(b), Size: size})
		if !errors.Is(err, storage.ErrOverQuota) {
			t.Errorf("size %d: %v, want ErrOverQuota", size, err)
		}
	}
	if n := f.consistent(t); n != 1 {
		t.Errorf("%d documents", n)
	}
	// Exactly filling the quota is allowed.
	c := append(pdf("c"), bytes.Repeat([]byte(" "), 10_000-len(a)-len(pdf("c")))...)
	if _, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "c.pdf", Body: bytes.NewReader(c), Size: -1}); err != nil {
		t.Errorf("upload filling the quota exactly: %v", err)
	}
	if n := f.consistent(t); n != 2 {
		t.Errorf("%d documents", n)
	}
}

func TestDuplicatesTopicsAndNoClassify(t *testing.T) {
	f := newFixture(t, storage.Limits{}, 0)
	topic, err := topics.Add(ctx(t), f.db, f.user.ID, "Finance", "", "")
	if err != nil {
		t.Fatal(err)
	}
	content := docx(t)
	first, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "r.docx", Body: bytes.NewReader(content), Size: int64(len(content)), TopicIDs: []string{topic.ID, topic.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if ct := first.Document.ContentType; ct != "application/vnd.openxmlformats-officedocument.wordprocessingml.document" || !strings.HasSuffix(first.Document.ObjectKey, ".docx") {
		t.Errorf("DOCX sniffed as %s, key %s", ct, first.Document.ObjectKey)
	}
	var assigned int
	if err := f.db.Get(&assigned, `SELECT count(*) FROM document_topics WHERE document_id = $1 AND topic_id = $2`, first.Document.ID, topic.ID); err != nil || assigned != 1 {
		t.Errorf("topic assignments %d, %v", assigned, err)
	}
	for _, size := range []int64{-1, int64(len(content))} { // a reserved upload, a small one
		dup, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "copy.docx", Body: bytes.NewReader(content), Size: size})
		if err != nil || dup.DuplicateOf != first.Document.ID || dup.Document.ID != first.Document.ID {
			t.Fatalf("duplicate (size %d): %+v, %v", size, dup, err)
		}
		if n := f.consistent(t); n != 1 {
			t.Fatalf("a duplicate was stored (size %d): %d documents", size, n)
		}
	}
	again, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "copy.docx", Body: bytes.NewReader(content), Size: -1, AllowDuplicates: true, NoClassify: true})
	if err != nil || again.DuplicateOf != "" || again.Document.Status != storage.StatusSkipped {
		t.Fatalf("allow duplicates: %+v, %v", again, err)
	}
	if q := strings.Join(f.queued(t), ""); strings.Contains(q, again.Document.ID) {
		t.Error("a --no-classify document was queued")
	}
	if n := f.consistent(t); n != 2 {
		t.Errorf("%d documents", n)
	}
}

func TestRedisDownKeepsTheDocumentPending(t *testing.T) {
	f := newFixture(t, storage.Limits{}, 0)
	dead, err := redisconn.NewPool("redis://:x@127.0.0.1:1/0", 1)
	if err != nil {
		t.Fatal(err)
	}
	svc := storage.New(f.db, f.store, jobs.NewEnqueuer(f.d.Namespace, dead), storage.Limits{})
	res, err := svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "a.pdf", Body: bytes.NewReader(pdf("r")), Size: -1})
	if err != nil {
		t.Fatal(err)
	}
	if res.EnqueueErr == nil || !errors.Is(res.EnqueueErr, jobs.ErrRedisDown) || res.Document.Status != storage.StatusPending {
		t.Errorf("result %+v", res)
	}
	if n := f.consistent(t); n != 1 {
		t.Errorf("%d documents", n)
	}
}

// stallingReader gives n bytes of text, then blocks until ctx is done.
type stallingReader struct {
	ctx  context.Context
	left int
	sent atomic.Int64
}

func (r *stallingReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		<-r.ctx.Done()
		return 0, r.ctx.Err()
	}
	n := min(len(p), r.left)
	for i := range p[:n] {
		p[i] = "lorem ipsum dolor\n"[i%18]
	}
	r.left -= n
	r.sent.Add(int64(n))
	return n, nil
}

func TestCancelMidStreamLeavesNothing(t *testing.T) {
	f := newFixture(t, storage.Limits{}, 1<<30)
	for _, size := range []int64{-1, 40 << 20} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			c, cancel := context.WithCancel(context.Background())
			r := &stallingReader{ctx: c, left: 20 << 20}
			// A text file that stalls past the first part (multipart upload).
			head := []byte("plain text that goes on and on\n")
			done := make(chan error, 1)
			go func() {
				_, err := f.svc.Upload(c, storage.UploadInput{OwnerID: f.user.ID, Filename: "long.txt", Body: io.MultiReader(bytes.NewReader(head), r), Size: size})
				done <- err
			}()
			for r.sent.Load() < 20<<20 {
				select {
				case err := <-done:
					t.Fatalf("Upload returned before the stall: %v", err)
				case <-time.After(10 * time.Millisecond):
				}
			}
			time.Sleep(200 * time.Millisecond)
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Upload after cancel: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("Upload did not return after cancel")
			}
			if n := f.consistent(t); n != 0 {
				t.Errorf("%d documents after cancel", n)
			}
			root, _ := objectstore.NewClient(f.d.MinIO.Root())
			for u := range root.ListIncompleteUploads(ctx(t), f.d.MinIO.Bucket, "", true) {
				t.Errorf("incomplete multipart upload left: %s", u.Key)
			}
		})
	}
}

func TestGetListDeletePresign(t *testing.T) {
	f := newFixture(t, storage.Limits{}, 0)
	var ids []string
	for i := range 7 {
		res, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: fmt.Sprintf("%d.pdf", i), Body: bytes.NewReader(pdf(fmt.Sprint(i))), Size: -1})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.Document.ID)
	}
	// Newest first, in pages of 3, every document once.
	var seen []string
	cursor := ""
	for pages := 0; ; pages++ {
		p, err := f.svc.List(ctx(t), f.user.ID, 3, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range p.Documents {
			seen = append(seen, d.ID)
		}
		if p.Next == "" {
			break
		}
		cursor = p.Next
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != 7 || seen[0] != ids[6] || seen[6] != ids[0] {
		t.Errorf("listing %v, uploads %v", seen, ids)
	}
	if _, err := f.svc.List(ctx(t), f.user.ID, 3, "garbage"); err == nil {
		t.Error("a garbage cursor was accepted")
	}

	bob, _ := users.Create(ctx(t), f.db, users.NewUser{Handle: "bob", Email: "bob@example.org"})
	if _, err := f.svc.Get(ctx(t), bob.ID, ids[0]); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("another owner's Get: %v", err)
	}
	if err := f.svc.Delete(ctx(t), bob.ID, ids[0]); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("another owner's Delete: %v", err)
	}
	if _, err := f.svc.Get(ctx(t), f.user.ID, "not-a-uuid"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("malformed id: %v", err)
	}

	u, err := f.svc.PresignGet(ctx(t), f.user.ID, ids[0], time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(body, pdf("0")) {
		t.Errorf("presigned download: %d, %q", resp.StatusCode, body)
	}

	for _, id := range ids[:4] {
		if err := f.svc.Delete(ctx(t), f.user.ID, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.svc.Delete(ctx(t), f.user.ID, ids[0]); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if n := f.consistent(t); n != 3 {
		t.Errorf("%d documents after deleting 4 of 7", n)
	}
}

// TestConcurrentUploadsNearQuota: 50 goroutines upload 20 documents each
// for one owner whose quota fits only some of them.
func TestConcurrentUploadsNearQuota(t *testing.T) {
	const size = 10_000
	f := newFixture(t, storage.Limits{}, 700*size+size/2) // room for 700 of 1000
	var wg sync.WaitGroup
	var stored, over, other atomic.Int64
	for g := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				content := append(pdf(fmt.Sprintf("%d-%d", g, i)), make([]byte, size)...)
				content = content[:size]
				sz := int64(size)
				if i%2 == 1 {
					sz = -1 // half of them of unknown length
				}
				_, err := f.svc.Upload(context.Background(), storage.UploadInput{OwnerID: f.user.ID, Filename: "x.pdf", Body: bytes.NewReader(content), Size: sz})
				switch {
				case err == nil:
					stored.Add(1)
				case errors.Is(err, storage.ErrOverQuota):
					over.Add(1)
				default:
					other.Add(1)
					t.Errorf("upload: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	if stored.Load() != 700 || over.Load() != 300 || other.Load() != 0 {
		t.Errorf("stored %d, over quota %d, other errors %d; want 700, 300, 0", stored.Load(), over.Load(), other.Load())
	}
	if n := f.consistent(t); n != 700 {
		t.Errorf("%d documents, want 700", n)
	}
	u, _ := users.Get(ctx(t), f.db, f.user.ID)
	if u.UsedBytes != 700*size || u.UsedBytes > u.LimitBytes {
		t.Errorf("used %d of %d", u.UsedBytes, u.LimitBytes)
	}
}

func TestFsckFindsAndRepairs(t *testing.T) {
	f := newFixture(t, storage.Limits{}, 0)
	var docs []storage.Document
	for i := range 3 {
		res, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "a.pdf", Body: bytes.NewReader(pdf(fmt.Sprint(i))), Size: -1})
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, res.Document)
	}
	clean, err := f.svc.Fsck(ctx(t), storage.FsckOptions{Grace: time.Nanosecond})
	if err != nil || clean.Problems() != 0 {
		t.Fatalf("fresh vault: %+v, %v", clean, err)
	}
	admin := f.d.AdminDB(t)
	// An object without a row, a row without its object, an upload that
	// never finished, and quota drift.
	root, _ := objectstore.NewClient(f.d.MinIO.Root())
	orphan := f.user.ID + "/00000000-0000-0000-0000-00000000dead/x.pdf"
	if _, err := root.PutObject(ctx(t), f.d.MinIO.Bucket, orphan, strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Delete(ctx(t), docs[0].ObjectKey); err != nil {
		t.Fatal(err)
	}
	admin.MustExec(`INSERT INTO documents (user_id, filename, object_key, content_type, size_bytes, status, updated_at)
		VALUES ($1, 'stale.pdf', $2, 'application/pdf', 5, 'uploading', now() - interval '2 hours')`, f.user.ID, f.user.ID+"/stale/key.pdf")
	admin.MustExec(`UPDATE quotas SET used_bytes = used_bytes + 5 WHERE user_id = $1`, f.user.ID)
	admin.MustExec(`UPDATE quotas SET used_bytes = used_bytes + 1234 WHERE user_id = $1`, f.user.ID)

	// With the default grace, the fresh orphan is left alone.
	rep, err := f.svc.Fsck(ctx(t), storage.FsckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.OrphanObjects) != 0 || len(rep.MissingObjects) != 1 || len(rep.StaleUploads) != 1 || len(rep.QuotaDrift) != 1 || rep.Repaired {
		t.Errorf("report with grace: %+v", rep)
	}
	rep, err = f.svc.Fsck(ctx(t), storage.FsckOptions{Grace: time.Nanosecond, Repair: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.OrphanObjects) != 1 || rep.OrphanObjects[0] != orphan || rep.MissingObjects[0].ID != docs[0].ID || !rep.Repaired {
		t.Errorf("repair report: %+v", rep)
	}
	after, err := f.svc.Fsck(ctx(t), storage.FsckOptions{Grace: time.Nanosecond})
	if err != nil || after.Problems() != 0 {
		t.Errorf("after repair: %+v, %v", after, err)
	}
	if n := f.consistent(t); n != 2 {
		t.Errorf("%d documents after repair, want 2", n)
	}
}

func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

func typeNotAllowed(err error) bool {
	var e *storage.TypeNotAllowedError
	return errors.As(err, &e)
}

// failAfterPut is an object store whose Put succeeds and then makes the
// database refuse the rest of the upload, as a database failing right
// after the object is written would.
type failAfterPut struct {
	objectstore.Store
	after func()
}

func (f failAfterPut) Put(ctx context.Context, key string, r io.Reader, size int64, ct string) (objectstore.Info, error) {
	info, err := f.Store.Put(ctx, key, r, size, ct)
	f.after()
	return info, err
}

func (f failAfterPut) PutChecked(ctx context.Context, key string, r io.Reader, size int64, sum []byte, ct string) (objectstore.Info, error) {
	info, err := f.Store.PutChecked(ctx, key, r, size, sum, ct)
	f.after()
	return info, err
}

func TestDatabaseFailureAfterTheObjectIsWrittenLeavesNothing(t *testing.T) {
	for _, c := range []struct {
		name   string
		size   func(content []byte) int64
		revoke string // the statement after the PUT that is refused
	}{
		// Unknown size: a reserved row, then its commit (an UPDATE).
		{"reserved upload", func([]byte) int64 { return -1 }, "UPDATE"},
		// A small upload of known size: its row is inserted after the PUT.
		{"small upload", func(b []byte) int64 { return int64(len(b)) }, "INSERT"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, storage.Limits{}, 0)
			admin := f.d.AdminDB(t)
			defer admin.MustExec(`GRANT ` + c.revoke + ` ON documents TO docuvault_app`)
			svc := storage.New(f.db, failAfterPut{Store: f.store, after: func() {
				admin.MustExec(`REVOKE ` + c.revoke + ` ON documents FROM docuvault_app`)
			}}, nil, storage.Limits{})
			content := pdf("db fails")
			_, err := svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "a.pdf", Body: bytes.NewReader(content), Size: c.size(content)})
			if err == nil || !strings.Contains(err.Error(), "permission denied") {
				t.Fatalf("Upload: %v, want the database's refusal", err)
			}
			if n := f.consistent(t); n != 0 {
				t.Errorf("%d documents after a failed commit", n)
			}
		})
	}
}

// An upload given an audit event records it with the document: a small
// one in the statement that stores it, a reserved one after its commit;
// a refused upload records nothing.
func TestUploadRecordsItsAuditEvent(t *testing.T) {
	f := newFixture(t, storage.Limits{}, 1<<20)
	ev := &audit.Event{ActorID: f.user.ID, IP: "192.0.2.7:4711"}
	small := pdf("audited small")
	a, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "small.pdf", Body: bytes.NewReader(small), Size: int64(len(small)), Audit: ev})
	if err != nil || a.AuditErr != nil {
		t.Fatalf("small upload: %v, audit %v", err, a.AuditErr)
	}
	streamed := pdf("audited stream")
	b, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "stream.pdf", Body: bytes.NewReader(streamed), Size: -1, Audit: ev})
	if err != nil || b.AuditErr != nil {
		t.Fatalf("streamed upload: %v, audit %v", err, b.AuditErr)
	}
	if _, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "dup.pdf", Body: bytes.NewReader(small), Size: int64(len(small)), Audit: ev}); err != nil {
		t.Fatalf("duplicate upload: %v", err)
	}
	big := append(pdf("too big"), make([]byte, 1<<20)...)
	if _, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "big.pdf", Body: bytes.NewReader(big), Size: int64(len(big)), Audit: ev}); !errors.Is(err, storage.ErrOverQuota) {
		t.Fatalf("over quota: %v", err)
	}
	var rows []struct {
		UserID, ActorID, ResourceID, EventType, IP, Metadata string
	}
	if err := f.db.Select(&rows, `SELECT user_id::text AS userid, actor_id::text AS actorid, resource_id::text AS resourceid,
		event_type AS eventtype, host(ip_address) AS ip, metadata::text AS metadata FROM audit_log ORDER BY created_at, metadata->>'filename'`); err != nil {
		t.Fatal(err)
	}
	want := map[string]storage.Document{"small.pdf": a.Document, "stream.pdf": b.Document}
	if len(rows) != 2 {
		t.Fatalf("%d audit rows, want 2 (the stored uploads'): %+v", len(rows), rows)
	}
	for _, r := range rows {
		var meta struct {
			Filename    string `json:"filename"`
			SizeBytes   int64  `json:"size_bytes"`
			ContentType string `json:"content_type"`
		}
		if err := json.Unmarshal([]byte(r.Metadata), &meta); err != nil {
			t.Fatal(err)
		}
		doc := want[meta.Filename]
		if r.EventType != audit.Upload || r.UserID != f.user.ID || r.ActorID != f.user.ID || r.ResourceID != doc.ID || r.IP != "192.0.2.7" ||
			meta.SizeBytes != doc.SizeBytes || meta.ContentType != doc.ContentType {
			t.Errorf("audit row %+v, want the upload of %+v", r, doc)
		}
	}
	f.consistent(t)
}

// Issue 20 D9: serve killed mid-upload leaves its row 'uploading' and a
// multipart upload that was never completed. fsck reports the upload once
// it is older than the grace period, --repair aborts it with the app key
// (the bucket policy must allow listing and aborting uploads), and a second
// fsck is clean.
func TestFsckAbortsIncompleteMultipartUploads(t *testing.T) {
	f := newFixture(t, storage.Limits{}, 0)
	key := f.user.ID + "/00000000-0000-0000-0000-0000000000aa/big.pdf"
	f.d.AdminDB(t).MustExec(`INSERT INTO documents (user_id, filename, object_key, content_type, size_bytes, status, updated_at)
		VALUES ($1, 'big.pdf', $2, 'application/pdf', 0, 'uploading', now() - interval '2 hours')`, f.user.ID, key)
	app, err := objectstore.NewClient(objectstore.Options{Endpoint: f.d.MinIO.Endpoint, AccessKey: f.d.AppKey, SecretKey: f.d.AppSecret})
	if err != nil {
		t.Fatal(err)
	}
	core := minio.Core{Client: app}
	uploadID, err := core.NewMultipartUpload(ctx(t), f.d.MinIO.Bucket, key, minio.PutObjectOptions{ContentType: "application/pdf"})
	if err != nil {
		t.Fatal(err)
	}
	part := bytes.Repeat([]byte("p"), 5<<20)
	if _, err := core.PutObjectPart(ctx(t), f.d.MinIO.Bucket, key, uploadID, 1, bytes.NewReader(part), int64(len(part)), minio.PutObjectPartOptions{}); err != nil {
		t.Fatal(err)
	}

	// Younger than the grace period: an upload in flight, left alone.
	rep, err := f.svc.Fsck(ctx(t), storage.FsckOptions{Grace: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.IncompleteUploads) != 0 || len(rep.StaleUploads) != 1 {
		t.Errorf("with an hour's grace: incomplete uploads %+v, stale rows %d; want none and 1", rep.IncompleteUploads, len(rep.StaleUploads))
	}
	rep, err = f.svc.Fsck(ctx(t), storage.FsckOptions{Grace: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.IncompleteUploads) != 1 || rep.IncompleteUploads[0].Key != key || rep.IncompleteUploads[0].UploadID != uploadID ||
		rep.IncompleteUploads[0].Initiated.IsZero() || rep.Problems() != 2 {
		t.Fatalf("report: incomplete uploads %+v, %d problems; want the one upload and its row", rep.IncompleteUploads, rep.Problems())
	}
	rep, err = f.svc.Fsck(ctx(t), storage.FsckOptions{Grace: time.Nanosecond, Repair: true})
	if err != nil || !rep.Repaired || len(rep.IncompleteUploads) != 1 {
		t.Fatalf("repair: %+v, %v", rep, err)
	}
	// Gone from MinIO: its parts cannot be listed (NoSuchUpload).
	if _, err := core.ListObjectParts(ctx(t), f.d.MinIO.Bucket, key, uploadID, 0, 100); minio.ToErrorResponse(err).Code != "NoSuchUpload" {
		t.Errorf("after repair, list parts of the upload: %v, want NoSuchUpload", err)
	}
	after, err := f.svc.Fsck(ctx(t), storage.FsckOptions{Grace: time.Nanosecond})
	if err != nil || after.Problems() != 0 {
		t.Errorf("after repair: %+v, %v", after, err)
	}
	if n := f.consistent(t); n != 0 {
		t.Errorf("%d documents after repair, want 0", n)
	}
}

// Issue 20 D13: when the object store cannot be reached the check cannot
// run: Fsck returns an empty report and an error that is not ErrRepair,
// so that fsck prints no report that would read as a clean vault.
func TestFsckWithObjectStoreDownReportsNothing(t *testing.T) {
	f := newFixture(t, storage.Limits{}, 0)
	if _, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "a.pdf", Body: bytes.NewReader(pdf("a")), Size: -1}); err != nil {
		t.Fatal(err)
	}
	f.d.AdminDB(t).MustExec(`UPDATE quotas SET used_bytes = used_bytes + 7`)
	down, err := objectstore.New(objectstore.Options{Endpoint: "127.0.0.1:1", Bucket: f.d.MinIO.Bucket, AccessKey: f.d.AppKey, SecretKey: f.d.AppSecret})
	if err != nil {
		t.Fatal(err)
	}
	svc := storage.New(f.db, down, jobs.NewEnqueuer(f.d.Namespace, f.pool), storage.Limits{})
	defer svc.Close()
	for _, repair := range []bool{false, true} {
		rep, err := svc.Fsck(ctx(t), storage.FsckOptions{Grace: time.Nanosecond, Repair: repair})
		if !errors.Is(err, objectstore.ErrUnavailable) || errors.Is(err, storage.ErrRepair) {
			t.Errorf("repair %v: error %v, want objectstore.ErrUnavailable and not ErrRepair", repair, err)
		}
		if rep.Problems() != 0 || rep.Repaired {
			t.Errorf("repair %v: report %+v from a check that could not run", repair, rep)
		}
	}
	var used int64
	if err := f.db.Get(&used, `SELECT used_bytes FROM quotas WHERE user_id = $1`, f.user.ID); err != nil {
		t.Fatal(err)
	}
	if used != int64(len(pdf("a")))+7 {
		t.Errorf("quota changed to %d by a check that could not run", used)
	}
}
