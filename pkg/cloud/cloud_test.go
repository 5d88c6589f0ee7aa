package cloud_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/docuvault/docuvault/pkg/cloud"
	"github.com/docuvault/docuvault/pkg/ingest"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/secrets"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/trash"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

type fixture struct {
	deps  cloud.Deps
	owner string
}

func setup(t *testing.T) fixture {
	t.Helper()
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	svc := storage.New(db, d.AppStore(t), nil, storage.Limits{})
	t.Cleanup(func() { _ = svc.Close() })
	u, err := users.Create(context.Background(), db, users.NewUser{Handle: "ann", Email: "ann@example.org", QuotaBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	k, err := secrets.NewKeyring(strings.Repeat("cloud-test-key-", 3))
	if err != nil {
		t.Fatal(err)
	}
	return fixture{deps: cloud.Deps{DB: db, Storage: svc, Keyring: k}, owner: u.ID}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func (f fixture) add(t *testing.T, n cloud.New) cloud.Connection {
	t.Helper()
	c, err := cloud.Add(ctx(t), f.deps.DB, f.deps.Keyring, f.owner, n)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f fixture) sync(t *testing.T, id string, o cloud.Options) (cloud.Summary, error) {
	t.Helper()
	return cloud.Sync(ctx(t), f.deps, o, id, nil)
}

// docs returns owner's documents as "folder path/filename → content size".
func (f fixture) docs(t *testing.T) []string {
	t.Helper()
	var rows []struct {
		Filename string  `db:"filename"`
		Folder   *string `db:"folder"`
	}
	err := f.deps.DB.Select(&rows, `
		WITH RECURSIVE p(id, path) AS (
			SELECT id, name FROM folders WHERE parent_id IS NULL AND user_id = $1
			UNION ALL SELECT f.id, p.path || '/' || f.name FROM folders f JOIN p ON f.parent_id = p.id)
		SELECT d.filename, p.path AS folder FROM documents d LEFT JOIN p ON p.id = d.folder_id
		WHERE d.user_id = $1 AND d.status <> 'uploading'`, f.owner)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		if r.Folder != nil {
			out = append(out, *r.Folder+"/"+r.Filename)
		} else {
			out = append(out, r.Filename)
		}
	}
	sort.Strings(out)
	return out
}

func (f fixture) conn(t *testing.T, id string) cloud.Connection {
	t.Helper()
	c, err := cloud.Get(ctx(t), f.deps.DB, f.owner, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f fixture) ingestErrors(t *testing.T) map[string]string {
	t.Helper()
	errs, err := ingest.List(ctx(t), f.deps.DB, f.owner, 100)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, e := range errs {
		if e.Source != ingest.SourceCloud {
			t.Errorf("ingest error of source %q, want cloud", e.Source)
		}
		m[e.Path] = e.Reason
	}
	return m
}

func want(t *testing.T, got cloud.Summary, w cloud.Summary) {
	t.Helper()
	if got != w {
		t.Errorf("summary %+v, want %+v", got, w)
	}
}

func equal(t *testing.T, what string, got, w []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(w, "\n") {
		t.Errorf("%s:\n got  %q\n want %q", what, got, w)
	}
}

// A WebDAV folder's files, in nested folders, become documents in the same
// DocuVault folders; hidden and temporary files are left; a second sync
// takes nothing; a changed file is taken again, a new one too.
func TestWebDAVImport(t *testing.T) {
	f := setup(t)
	w := testenv.NewWebDAV(t)
	w.Mkcol(t, "Taxes")
	w.Mkcol(t, "Taxes/2024")
	w.Put(t, "readme.txt", []byte("top level file\n"))
	w.Put(t, "Taxes/receipt.txt", []byte("a receipt\n"))
	w.Put(t, "Taxes/2024/return.txt", []byte("the 2024 return\n"))
	w.Put(t, "Taxes/.DS_Store", []byte("x"))
	w.Put(t, "Taxes/scan.pdf.part", []byte("half a scan"))
	w.Put(t, "Taxes/2024/Steuerbescheid M%C3%A4rz.txt", []byte("Bescheid vom März\n"))
	c := f.add(t, cloud.New{Provider: cloud.ProviderWebDAV, Name: "Nextcloud", Endpoint: w.Base, Path: w.Dir,
		Login: w.User, Secret: w.Password, MapFolders: true})
	if c.Secure || c.Status != cloud.StatusActive || c.Path != w.Dir {
		t.Fatalf("added %+v", c)
	}
	var sealed string
	if err := f.deps.DB.Get(&sealed, `SELECT credentials_enc FROM cloud_connections WHERE id = $1`, c.ID); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sealed, "dv1:") || strings.Contains(sealed, w.Password) {
		t.Fatalf("credentials stored as %q, want sealed", sealed)
	}

	sum, err := f.sync(t, c.ID, cloud.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, cloud.Summary{Listed: 6, Stored: 4, Ignored: 2})
	equal(t, "documents", f.docs(t), []string{"Taxes/2024/Steuerbescheid März.txt", "Taxes/2024/return.txt", "Taxes/receipt.txt", "readme.txt"})
	got := f.conn(t, c.ID)
	if got.Status != cloud.StatusActive || got.LastSyncAt == nil || got.LastError != nil {
		t.Fatalf("after a sync: %+v", got)
	}

	sum, err = f.sync(t, c.ID, cloud.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, cloud.Summary{Listed: 6, Unchanged: 4, Ignored: 2})

	receipt := f.docOf(t, c.ID, "Taxes/receipt.txt")
	w.Put(t, "Taxes/receipt.txt", []byte("a receipt, corrected\n"))
	w.Put(t, "Taxes/2024/letter.txt", []byte("a letter\n"))
	sum, err = f.sync(t, c.ID, cloud.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The changed file is a new version of its document, not a second one.
	want(t, sum, cloud.Summary{Listed: 7, Stored: 1, Versions: 1, Unchanged: 3, Ignored: 2})
	equal(t, "documents", f.docs(t), []string{"Taxes/2024/Steuerbescheid März.txt", "Taxes/2024/letter.txt", "Taxes/2024/return.txt", "Taxes/receipt.txt", "readme.txt"})
	f.versions(t, receipt, "a receipt, corrected\n", "a receipt\n")
	// Again: nothing; and the same content written anew (a new time and
	// ETag) is nothing new either.
	sum, err = f.sync(t, c.ID, cloud.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, cloud.Summary{Listed: 7, Unchanged: 5, Ignored: 2})
	w.Put(t, "Taxes/receipt.txt", []byte("a receipt, corrected\n"))
	sum, err = f.sync(t, c.ID, cloud.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, cloud.Summary{Listed: 7, Unchanged: 5, Ignored: 2})
	f.versions(t, receipt, "a receipt, corrected\n", "a receipt\n")
	var n int
	if err := f.deps.DB.Get(&n, `SELECT count(*) FROM folders WHERE user_id = $1`, f.owner); err != nil || n != 2 {
		t.Fatalf("%d folders (%v), want Taxes and Taxes/2024", n, err)
	}
}

// An S3 bucket's objects under the prefix become documents; the rest of
// the bucket is left; a second sync takes nothing; a changed object is
// taken again.
func TestS3Import(t *testing.T) {
	f := setup(t)
	m := testenv.NewMinIO(t) // a second bucket, the import's source
	cl, err := objectstore.NewClient(m.Root())
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.MakeBucket(ctx(t), m.Bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	put := func(key, content string) {
		t.Helper()
		if _, err := cl.PutObject(ctx(t), m.Bucket, key, strings.NewReader(content), int64(len(content)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	put("scans/inbox/one.txt", "first scan\n")
	put("scans/inbox/deep/two.txt", "second scan\n")
	put("scans/.hidden", "hidden\n")
	put("elsewhere/three.txt", "not under the prefix\n")
	c := f.add(t, cloud.New{Provider: cloud.ProviderS3, Name: "bucket", Endpoint: m.Endpoint, Bucket: m.Bucket, Path: "/scans/",
		Login: m.RootUser, Secret: m.RootPassword, Secure: false, MapFolders: true})
	if c.Path != "scans" {
		t.Fatalf("path %q, want scans", c.Path)
	}
	sum, err := f.sync(t, c.ID, cloud.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, cloud.Summary{Listed: 3, Stored: 2, Ignored: 1})
	equal(t, "documents", f.docs(t), []string{"inbox/deep/two.txt", "inbox/one.txt"})
	sum, err = f.sync(t, c.ID, cloud.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, cloud.Summary{Listed: 3, Unchanged: 2, Ignored: 1})
	one, two := f.docOf(t, c.ID, "inbox/one.txt"), f.docOf(t, c.ID, "inbox/deep/two.txt")
	put("scans/inbox/one.txt", "first scan, rescanned\n")
	sum, err = f.sync(t, c.ID, cloud.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, cloud.Summary{Listed: 3, Versions: 1, Unchanged: 1, Ignored: 1})
	equal(t, "documents", f.docs(t), []string{"inbox/deep/two.txt", "inbox/one.txt"})
	f.versions(t, one, "first scan, rescanned\n", "first scan\n")
	sum, err = f.sync(t, c.ID, cloud.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, cloud.Summary{Listed: 3, Unchanged: 2, Ignored: 1})

	// A document in the trash stays there, untouched; its file's new
	// content is a new document. One deleted for good: a new document too.
	tx, err := f.deps.DB.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trash.Move(ctx(t), tx, f.owner, []string{one}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := f.deps.Storage.Delete(ctx(t), f.owner, two); err != nil {
		t.Fatal(err)
	}
	put("scans/inbox/one.txt", "first scan, third time\n")
	put("scans/inbox/deep/two.txt", "second scan, again\n")
	sum, err = f.sync(t, c.ID, cloud.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, cloud.Summary{Listed: 3, Stored: 2, Ignored: 1})
	if got := f.docOf(t, c.ID, "inbox/one.txt"); got == one {
		t.Error("the new content of a file whose document is in the trash went into the trashed document")
	}
	var trashed int
	if err := f.deps.DB.Get(&trashed, `SELECT count(*) FROM documents WHERE id = $1 AND trashed_at IS NOT NULL`, one); err != nil || trashed != 1 {
		t.Fatalf("the trashed document: %d rows in the trash (%v), want it left there", trashed, err)
	}
	equal(t, "documents", f.docs(t), []string{"inbox/deep/two.txt", "inbox/one.txt", "inbox/one.txt"})
	sum, err = f.sync(t, c.ID, cloud.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, cloud.Summary{Listed: 3, Unchanged: 2, Ignored: 1})
}

// docOf returns the id of the document connection id made of remote path.
func (f fixture) docOf(t *testing.T, id, path string) string {
	t.Helper()
	var doc string
	if err := f.deps.DB.Get(&doc, `SELECT document_id FROM cloud_items WHERE connection_id = $1 AND path = $2`, id, path); err != nil {
		t.Fatalf("the document of %s: %v", path, err)
	}
	return doc
}

// versions checks that document id's current content is current and its
// older versions, newest first, are older.
func (f fixture) versions(t *testing.T, id, current string, older ...string) {
	t.Helper()
	rc, _, err := f.deps.Storage.Open(ctx(t), f.owner, id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	_ = rc.Close()
	if err != nil || string(b) != current {
		t.Fatalf("current content of %s: %q (%v), want %q", id, b, err, current)
	}
	vs, err := f.deps.Storage.Versions(ctx(t), f.owner, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != len(older) {
		t.Fatalf("%d older versions, want %d", len(vs), len(older))
	}
	for i, v := range vs {
		rc, _, err := f.deps.Storage.OpenVersion(ctx(t), f.owner, id, v.Number)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil || string(b) != older[i] {
			t.Fatalf("version %d of %s: %q (%v), want %q", v.Number, id, b, err, older[i])
		}
	}
}

// A wrong password or key puts the connection in ERROR with a one-line
// reason that says the credentials were refused; nothing is stored.
func TestWrongCredentials(t *testing.T) {
	f := setup(t)
	w := testenv.NewWebDAV(t)
	w.Put(t, "a.txt", []byte("a\n"))
	m := testenv.NewMinIO(t)
	cl, err := objectstore.NewClient(m.Root())
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.MakeBucket(ctx(t), m.Bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []cloud.New{
		{Provider: cloud.ProviderWebDAV, Name: "dav", Endpoint: w.URL(), Login: w.User, Secret: "wrong password"},
		{Provider: cloud.ProviderS3, Name: "s3", Endpoint: m.Endpoint, Bucket: m.Bucket, Login: m.RootUser, Secret: "wrong secret key"},
	} {
		t.Run(n.Provider, func(t *testing.T) {
			c := f.add(t, n)
			_, err := f.sync(t, c.ID, cloud.Options{})
			if !errors.Is(err, cloud.ErrAuth) || !errors.Is(err, cloud.ErrConnection) {
				t.Fatalf("sync: %v, want ErrAuth", err)
			}
			got := f.conn(t, c.ID)
			if got.Status != cloud.StatusError || got.LastError == nil || !strings.Contains(*got.LastError, "refused") ||
				strings.Contains(*got.LastError, "\n") || strings.Contains(*got.LastError, n.Secret) || got.Failures != 1 || got.NextTryAt == nil {
				t.Fatalf("connection after a refused sync: %+v (last error %v)", got, deref(got.LastError))
			}
			t.Logf("last error: %s", *got.LastError)
		})
	}
	equal(t, "documents", f.docs(t), nil)
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// A server that answers 500, or does not answer at all, puts the
// connection in ERROR; the periodic job leaves it alone until its backoff
// is over; a sync that works again makes it ACTIVE. (httptest servers here
// only inject the faults.)
func TestServerFaults(t *testing.T) {
	f := setup(t)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "internal error", http.StatusInternalServerError)
	}))
	defer broken.Close()
	release := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hanging.Close()
	defer close(release)

	c500 := f.add(t, cloud.New{Provider: cloud.ProviderWebDAV, Name: "five hundred", Endpoint: broken.URL, Login: "u", Secret: "p"})
	_, err := f.sync(t, c500.ID, cloud.Options{})
	if !errors.Is(err, cloud.ErrServer) {
		t.Fatalf("sync of a server answering 500: %v, want ErrServer", err)
	}
	if got := f.conn(t, c500.ID); got.Status != cloud.StatusError || !strings.Contains(deref(got.LastError), "500") {
		t.Fatalf("after a 500: %+v, last error %s", got, deref(got.LastError))
	}

	cHang := f.add(t, cloud.New{Provider: cloud.ProviderWebDAV, Name: "hanging", Endpoint: hanging.URL, Login: "u", Secret: "p"})
	start := time.Now()
	_, err = f.sync(t, cHang.ID, cloud.Options{Timeout: 300 * time.Millisecond})
	if !errors.Is(err, cloud.ErrUnreachable) {
		t.Fatalf("sync of a hanging server: %v, want ErrUnreachable", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("a hanging server held the sync %s", d)
	}
	if got := f.conn(t, cHang.ID); got.Status != cloud.StatusError || !strings.Contains(deref(got.LastError), "did not answer within") {
		t.Fatalf("after a hang: %+v, last error %s", got, deref(got.LastError))
	} else {
		t.Logf("last errors: %s | %s", deref(got.LastError), deref(f.conn(t, c500.ID).LastError))
	}

	// Backoff: neither is due now; once their time has come, both are.
	due, err := cloud.Due(ctx(t), f.deps.DB, time.Hour)
	if err != nil || len(due) != 0 {
		t.Fatalf("due during the backoff: %v, %v", due, err)
	}
	if _, err := f.deps.DB.Exec(`UPDATE cloud_connections SET next_try_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	due, err = cloud.Due(ctx(t), f.deps.DB, time.Hour)
	if err != nil || len(due) != 2 {
		t.Fatalf("due after the backoff: %v, %v", due, err)
	}
	// A second failure doubles the wait.
	if _, err := f.sync(t, c500.ID, cloud.Options{}); !errors.Is(err, cloud.ErrServer) {
		t.Fatal(err)
	}
	var wait float64
	if err := f.deps.DB.Get(&wait, `SELECT extract(epoch FROM next_try_at - now()) FROM cloud_connections WHERE id = $1`, c500.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.conn(t, c500.ID); got.Failures != 2 || wait < 100 || wait > 125 {
		t.Fatalf("after a second failure: failures %d, next try in %.0fs; want 2 and 2 minutes", got.Failures, wait)
	}
}

// A file that vanishes between the listing and its read is a per-item
// error (GET /api/ingest/errors lists it), not a failed connection; the
// others are taken; the error goes once the file is gone from the listing.
func TestVanishedFile(t *testing.T) {
	f := setup(t)
	w := testenv.NewWebDAV(t)
	w.Put(t, "stays.txt", []byte("stays\n"))
	w.Put(t, "goes.txt", []byte("goes\n"))
	// In front of the real server: the file is deleted on the server just
	// before its GET goes through, as if a person deleted it then.
	target, err := url.Parse(w.Base)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	var once sync.Once
	front := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/goes.txt") {
			once.Do(func() { w.Delete(t, "goes.txt") })
		}
		proxy.ServeHTTP(rw, r)
	}))
	defer front.Close()
	c := f.add(t, cloud.New{Provider: cloud.ProviderWebDAV, Name: "dav", Endpoint: front.URL, Path: w.Dir, Login: w.User, Secret: w.Password})
	sum, err := f.sync(t, c.ID, cloud.Options{Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, cloud.Summary{Listed: 2, Stored: 1, Failed: 1})
	errs := f.ingestErrors(t)
	if r := errs["dav:goes.txt"]; !strings.Contains(r, "vanished") || len(errs) != 1 {
		t.Fatalf("ingest errors %v, want goes.txt vanished", errs)
	}
	if got := f.conn(t, c.ID); got.Status != cloud.StatusActive {
		t.Fatalf("a vanished file failed the connection: %+v", got)
	}
	sum, err = f.sync(t, c.ID, cloud.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, cloud.Summary{Listed: 1, Unchanged: 1})
	if errs := f.ingestErrors(t); len(errs) != 0 {
		t.Fatalf("ingest errors after the file left the listing: %v", errs)
	}
}

// A file that changes on the server between the listing and its read (a
// new length): nothing of it is stored, it is a per-item error, and the
// next sync takes its new content — as a new document, and, changed
// again while read, not as a version either; then as a version.
func TestChangedWhileRead(t *testing.T) {
	f := setup(t)
	w := testenv.NewWebDAV(t)
	w.Put(t, "stays.txt", []byte("stays\n"))
	w.Put(t, "grows.txt", []byte("short\n"))
	target, err := url.Parse(w.Base)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	rewrite := "grows.txt, written again just before it was read\n"
	front := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/grows.txt") && rewrite != "" {
			w.Put(t, "grows.txt", []byte(rewrite))
			rewrite = ""
		}
		mu.Unlock()
		proxy.ServeHTTP(rw, r)
	}))
	defer front.Close()
	c := f.add(t, cloud.New{Provider: cloud.ProviderWebDAV, Name: "dav", Endpoint: front.URL, Path: w.Dir, Login: w.User, Secret: w.Password})
	sum, err := f.sync(t, c.ID, cloud.Options{Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, cloud.Summary{Listed: 2, Stored: 1, Failed: 1})
	if r := f.ingestErrors(t)["dav:grows.txt"]; !strings.Contains(r, "changed on the server while it was read") {
		t.Fatalf("ingest error of grows.txt: %q", r)
	}
	var n int
	if err := f.deps.DB.Get(&n, `SELECT count(*) FROM documents WHERE status = 'uploading'`); err != nil || n != 0 {
		t.Fatalf("%d half-stored documents (%v)", n, err)
	}
	sum, err = f.sync(t, c.ID, cloud.Options{Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, cloud.Summary{Listed: 2, Stored: 1, Unchanged: 1})
	grows := f.docOf(t, c.ID, "grows.txt")
	f.versions(t, grows, "grows.txt, written again just before it was read\n")

	// A known file changed, and changed again while read: no version.
	w.Put(t, "grows.txt", []byte("third content\n"))
	mu.Lock()
	rewrite = "fourth content, longer than the third\n"
	mu.Unlock()
	sum, err = f.sync(t, c.ID, cloud.Options{Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, cloud.Summary{Listed: 2, Unchanged: 1, Failed: 1})
	f.versions(t, grows, "grows.txt, written again just before it was read\n")
	sum, err = f.sync(t, c.ID, cloud.Options{Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, cloud.Summary{Listed: 2, Versions: 1, Unchanged: 1})
	f.versions(t, grows, "fourth content, longer than the third\n", "grows.txt, written again just before it was read\n")
	if errs := f.ingestErrors(t); len(errs) != 0 {
		t.Fatalf("ingest errors left: %v", errs)
	}
}

// Two files of the same content are one document (the second a
// duplicate); when one of them changes, its new content is a new document,
// not a version of the one the other file still is.
func TestChangedDuplicate(t *testing.T) {
	f := setup(t)
	w := testenv.NewWebDAV(t)
	w.Put(t, "a.txt", []byte("the same letter\n"))
	w.Put(t, "copy of a.txt", []byte("the same letter\n"))
	c := f.add(t, cloud.New{Provider: cloud.ProviderWebDAV, Name: "dav", Endpoint: w.Base, Path: w.Dir, Login: w.User, Secret: w.Password})
	sum, err := f.sync(t, c.ID, cloud.Options{Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, cloud.Summary{Listed: 2, Stored: 1, Duplicates: 1})
	shared := f.docOf(t, c.ID, "a.txt")
	w.Put(t, "copy of a.txt", []byte("the same letter, annotated\n"))
	sum, err = f.sync(t, c.ID, cloud.Options{Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, cloud.Summary{Listed: 2, Stored: 1, Unchanged: 1})
	f.versions(t, shared, "the same letter\n")
	if got := f.docOf(t, c.ID, "copy of a.txt"); got == shared {
		t.Fatal("the changed copy is still remembered as the shared document")
	}
	// Now each file is its own document: a change is a version.
	w.Put(t, "copy of a.txt", []byte("the same letter, annotated twice\n"))
	sum, err = f.sync(t, c.ID, cloud.Options{Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	want(t, sum, cloud.Summary{Listed: 2, Versions: 1, Unchanged: 1})
}

// A server that stops sending in the middle of a file (the real server
// behind a proxy that sends the headers and half the file, then hangs):
// nothing of it is stored, and the connection is in ERROR.
func TestHangMidFile(t *testing.T) {
	f := setup(t)
	w := testenv.NewWebDAV(t)
	w.Put(t, "big.txt", bytes.Repeat([]byte("a line of a long file\n"), 20000))
	target, err := url.Parse(w.Base)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	release := make(chan struct{})
	front := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			proxy.ServeHTTP(rw, r)
			return
		}
		rw.Header().Set("Content-Length", "440000")
		rw.WriteHeader(http.StatusOK)
		_, _ = rw.Write(bytes.Repeat([]byte("a line of a long file\n"), 1000))
		rw.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer front.Close()
	defer close(release)
	c := f.add(t, cloud.New{Provider: cloud.ProviderWebDAV, Name: "dav", Endpoint: front.URL, Path: w.Dir, Login: w.User, Secret: w.Password})
	_, err = f.sync(t, c.ID, cloud.Options{Timeout: 500 * time.Millisecond})
	if !errors.Is(err, cloud.ErrUnreachable) {
		t.Fatalf("sync of a file that stops coming: %v, want ErrUnreachable", err)
	}
	if got := f.conn(t, c.ID); got.Status != cloud.StatusError || !strings.Contains(deref(got.LastError), "stopped sending") {
		t.Fatalf("after a hang mid-file: %+v, last error %s", got, deref(got.LastError))
	}
	var n int
	if err := f.deps.DB.Get(&n, `SELECT count(*) FROM documents`); err != nil || n != 0 {
		t.Fatalf("%d documents rows (%v) after a file that never finished", n, err)
	}
	if err := f.deps.DB.Get(&n, `SELECT count(*) FROM cloud_items`); err != nil || n != 0 {
		t.Fatalf("%d items remembered (%v) after a file that never finished", n, err)
	}
}

// One sync per connection at a time: a second one meanwhile is ErrBusy.
func TestBusy(t *testing.T) {
	f := setup(t)
	c := f.add(t, cloud.New{Provider: cloud.ProviderWebDAV, Name: "dav", Endpoint: "http://127.0.0.1:1/", Login: "u", Secret: "p"})
	conn, err := f.deps.DB.Connx(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx(t), `SELECT pg_advisory_lock(x'636c6f75'::int, hashtext($1))`, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sync(t, c.ID, cloud.Options{}); !errors.Is(err, cloud.ErrBusy) {
		t.Fatalf("sync while another runs: %v, want ErrBusy", err)
	}
	if got := f.conn(t, c.ID); got.Status != cloud.StatusActive || got.LastError != nil {
		t.Fatalf("a busy sync changed the connection: %+v", got)
	}
}

// Add checks what it is given; names are unique per user in any case;
// Delete removes the connection, Resolve finds it by name or id.
func TestAddResolveDelete(t *testing.T) {
	f := setup(t)
	for _, n := range []cloud.New{
		{Provider: "ftp", Name: "x", Endpoint: "ftp://h", Login: "u", Secret: "p"},
		{Provider: cloud.ProviderWebDAV, Name: "x", Endpoint: "h/dav", Login: "u", Secret: "p"},
		{Provider: cloud.ProviderWebDAV, Name: "x", Endpoint: "https://u:p@h/dav", Login: "u", Secret: "p"},
		{Provider: cloud.ProviderWebDAV, Name: "x", Endpoint: "https://h/dav"},
		{Provider: cloud.ProviderS3, Name: "x", Endpoint: "https://h:9000", Bucket: "b", Login: "u", Secret: "p"},
		{Provider: cloud.ProviderS3, Name: "x", Endpoint: "h:9000", Login: "u", Secret: "p"},
		{Provider: cloud.ProviderS3, Name: "", Endpoint: "h:9000", Bucket: "b", Login: "u", Secret: "p"},
	} {
		if _, err := cloud.Add(ctx(t), f.deps.DB, f.deps.Keyring, f.owner, n); !errors.Is(err, cloud.ErrInvalid) {
			t.Errorf("Add(%+v): %v, want ErrInvalid", n, err)
		}
	}
	c := f.add(t, cloud.New{Provider: cloud.ProviderWebDAV, Name: "Home", Endpoint: "https://h/dav/", Login: "u", Secret: "p"})
	if !c.Secure {
		t.Error("an https WebDAV URL is not secure")
	}
	if _, err := cloud.Add(ctx(t), f.deps.DB, f.deps.Keyring, f.owner, cloud.New{Provider: cloud.ProviderWebDAV, Name: "home", Endpoint: "https://h/", Login: "u", Secret: "p"}); !errors.Is(err, cloud.ErrConflict) {
		t.Errorf("a second connection named home: %v, want ErrConflict", err)
	}
	for _, ref := range []string{"HOME", c.ID} {
		if got, err := cloud.Resolve(ctx(t), f.deps.DB, f.owner, ref); err != nil || got.ID != c.ID {
			t.Errorf("Resolve(%q) = %v, %v", ref, got.ID, err)
		}
	}
	if err := cloud.Delete(ctx(t), f.deps.DB, f.owner, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := cloud.Delete(ctx(t), f.deps.DB, f.owner, c.ID); !errors.Is(err, cloud.ErrNotFound) {
		t.Errorf("second Delete: %v, want ErrNotFound", err)
	}
	list, err := cloud.List(ctx(t), f.deps.DB, f.owner)
	if err != nil || len(list) != 0 {
		t.Errorf("List after Delete: %v, %v", list, err)
	}
}
