package objectstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/tests/testenv"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// initApp runs InitBucket for a scratch bucket with a fresh app key and
// returns the Store for that key.
func initApp(t *testing.T) (testenv.MinIO, objectstore.Options, *objectstore.MinioStore) {
	t.Helper()
	m := testenv.NewMinIO(t)
	app := m.Root()
	app.AccessKey = testenv.RandomName("dvtest-app-")
	app.SecretKey = testenv.RandomName("secret-")
	res, err := objectstore.InitBucket(ctx(t), objectstore.InitOptions{Root: m.Root(), AppAccessKey: app.AccessKey, AppSecretKey: app.SecretKey})
	if err != nil {
		t.Fatalf("InitBucket: %v", err)
	}
	if !res.BucketCreated || res.Policy != objectstore.PolicyName(m.Bucket) {
		t.Fatalf("InitBucket on a new bucket: %+v", res)
	}
	store, err := objectstore.New(app)
	if err != nil {
		t.Fatal(err)
	}
	return m, app, store
}

// TestStoreConformance is the contract of objectstore.Store, run against
// the real MinIO with the bucket-scoped app key.
func TestStoreConformance(t *testing.T) {
	_, _, store := initApp(t)
	var s objectstore.Store = store

	if err := s.Ping(ctx(t)); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	payload := make([]byte, 3<<20+17)
	_, _ = rand.Read(payload)

	t.Run("put known size, stat, get", func(t *testing.T) {
		info, err := s.Put(ctx(t), "u/d/known.bin", bytes.NewReader(payload), int64(len(payload)), "application/octet-stream")
		if err != nil || info.Size != int64(len(payload)) {
			t.Fatalf("Put = %+v, %v", info, err)
		}
		st, err := s.Stat(ctx(t), "u/d/known.bin")
		if err != nil || st.Size != int64(len(payload)) || st.ContentType != "application/octet-stream" {
			t.Fatalf("Stat = %+v, %v", st, err)
		}
		rc, err := s.Get(ctx(t), "u/d/known.bin")
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, payload) {
			t.Fatalf("Get returned %d bytes (%v), want the %d put", len(got), err, len(payload))
		}
	})
	t.Run("put unknown size", func(t *testing.T) {
		info, err := s.Put(ctx(t), "u/d/unknown.bin", io.MultiReader(bytes.NewReader(payload)), -1, "application/pdf")
		if err != nil || info.Size != int64(len(payload)) {
			t.Fatalf("Put(-1) = %+v, %v", info, err)
		}
	})
	t.Run("missing key", func(t *testing.T) {
		if _, err := s.Get(ctx(t), "u/d/missing"); !errors.Is(err, objectstore.ErrNotFound) {
			t.Errorf("Get missing: %v, want ErrNotFound", err)
		}
		if _, err := s.Stat(ctx(t), "u/d/missing"); !errors.Is(err, objectstore.ErrNotFound) {
			t.Errorf("Stat missing: %v, want ErrNotFound", err)
		}
		if err := s.Delete(ctx(t), "u/d/missing"); err != nil {
			t.Errorf("Delete missing: %v, want nil", err)
		}
	})
	t.Run("list", func(t *testing.T) {
		var keys []string
		err := s.List(ctx(t), "u/", func(i objectstore.Info) error { keys = append(keys, i.Key); return nil })
		if err != nil || strings.Join(keys, ",") != "u/d/known.bin,u/d/unknown.bin" {
			t.Errorf("List = %v, %v", keys, err)
		}
		stop := errors.New("stop")
		n := 0
		err = s.List(ctx(t), "", func(objectstore.Info) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("List stopping early: n=%d err=%v", n, err)
		}
	})
	t.Run("presigned get", func(t *testing.T) {
		u, err := s.PresignGet(ctx(t), "u/d/known.bin", time.Minute, "Tax return 2025.pdf")
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(u.String())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		got, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !bytes.Equal(got, payload) {
			t.Fatalf("presigned GET: %d, %d bytes", resp.StatusCode, len(got))
		}
		if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "Tax%20return%202025.pdf") {
			t.Errorf("Content-Disposition %q", cd)
		}
	})
	t.Run("delete", func(t *testing.T) {
		for _, k := range []string{"u/d/known.bin", "u/d/unknown.bin"} {
			if err := s.Delete(ctx(t), k); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Stat(ctx(t), k); !errors.Is(err, objectstore.ErrNotFound) {
				t.Errorf("after Delete, Stat: %v", err)
			}
		}
	})
}

func TestAppKeyIsConfinedToItsBucket(t *testing.T) {
	m, app, _ := initApp(t)
	root, err := objectstore.NewClient(m.Root())
	if err != nil {
		t.Fatal(err)
	}
	// Another bucket, with an object, that the app key must not reach.
	other := testenv.RandomName("dvtest-other-")
	if err := root.MakeBucket(ctx(t), other, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { testenv.RemoveBucket(root, other) })
	if _, err := root.PutObject(ctx(t), other, "secret.txt", strings.NewReader("secret"), 6, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	client, err := objectstore.NewClient(app)
	if err != nil {
		t.Fatal(err)
	}
	denied := func(what string, err error) {
		t.Helper()
		if code := minio.ToErrorResponse(err).Code; code != "AccessDenied" {
			t.Errorf("app key %s: %v (code %q), want AccessDenied", what, err, code)
		}
	}
	denied("make bucket", client.MakeBucket(ctx(t), testenv.RandomName("dvtest-new-"), minio.MakeBucketOptions{}))
	_, err = client.StatObject(ctx(t), other, "secret.txt", minio.StatObjectOptions{})
	denied("stat in another bucket", err)
	obj, _ := client.GetObject(ctx(t), other, "secret.txt", minio.GetObjectOptions{})
	_, err = io.ReadAll(obj)
	denied("get from another bucket", err)
	_, err = client.PutObject(ctx(t), other, "x", strings.NewReader("x"), 1, minio.PutObjectOptions{})
	denied("put in another bucket", err)
	for o := range client.ListObjects(ctx(t), other, minio.ListObjectsOptions{}) {
		denied("list another bucket", o.Err)
	}
	denied("remove the bucket", client.RemoveBucket(ctx(t), app.Bucket))
	// MinIO answers ListBuckets with the buckets the key may see.
	buckets, err := client.ListBuckets(ctx(t))
	for _, b := range buckets {
		if b.Name != app.Bucket {
			t.Errorf("app key sees bucket %s", b.Name)
		}
	}
	if err != nil && minio.ToErrorResponse(err).Code != "AccessDenied" {
		t.Errorf("list buckets: %v", err)
	}
}

func TestInitBucketIsIdempotent(t *testing.T) {
	m, app, store := initApp(t)
	if _, err := store.Put(ctx(t), "keep", strings.NewReader("kept"), 4, "text/plain"); err != nil {
		t.Fatal(err)
	}
	res, err := objectstore.InitBucket(ctx(t), objectstore.InitOptions{Root: m.Root(), AppAccessKey: app.AccessKey, AppSecretKey: app.SecretKey})
	if err != nil || res.BucketCreated {
		t.Fatalf("second InitBucket = %+v, %v", res, err)
	}
	if _, err := store.Stat(ctx(t), "keep"); err != nil {
		t.Errorf("object gone after a second init: %v", err)
	}
	if err := store.Ping(ctx(t)); err != nil {
		t.Errorf("app key after a second init: %v", err)
	}
}

func TestInitBucketNoAdminAndBadInput(t *testing.T) {
	m := testenv.NewMinIO(t)
	res, err := objectstore.InitBucket(ctx(t), objectstore.InitOptions{Root: m.Root(), NoAdmin: true})
	if err != nil || !res.BucketCreated || res.Policy != "" {
		t.Fatalf("NoAdmin: %+v, %v", res, err)
	}
	cases := map[string]objectstore.InitOptions{
		"root key as app key": {Root: m.Root(), AppAccessKey: m.RootUser, AppSecretKey: "longenough"},
		"short secret":        {Root: m.Root(), AppAccessKey: "dvtest-x", AppSecretKey: "short"},
		"no app key":          {Root: m.Root()},
	}
	for name, o := range cases {
		if _, err := objectstore.InitBucket(ctx(t), o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	wrong := m.Root()
	wrong.SecretKey = "wrong-password"
	_, err = objectstore.InitBucket(ctx(t), objectstore.InitOptions{Root: wrong, NoAdmin: true})
	if !errors.Is(err, objectstore.ErrAccessDenied) {
		t.Errorf("wrong root password: %v, want ErrAccessDenied", err)
	}
}

func TestPingFailures(t *testing.T) {
	m := testenv.NewMinIO(t)
	s, err := objectstore.New(m.Root())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx(t)); !errors.Is(err, objectstore.ErrNoBucket) {
		t.Errorf("Ping on a missing bucket: %v, want ErrNoBucket", err)
	}
	if _, err := objectstore.New(objectstore.Options{Endpoint: "http://localhost:9000", Bucket: "b"}); err == nil {
		t.Error("an endpoint with a scheme was accepted")
	}
}

// PutChecked stores bytes whose SHA-256 matches the sum given, with the app
// key; the store refuses bytes that do not match it, and keeps nothing.
func TestPutCheckedIsVerifiedByTheStore(t *testing.T) {
	_, _, store := initApp(t)
	body := []byte("the bytes of a small document\n")
	sum := sha256.Sum256(body)
	if _, err := store.PutChecked(ctx(t), "u/d/ok.txt", bytes.NewReader(body), int64(len(body)), sum[:], "text/plain"); err != nil {
		t.Fatalf("PutChecked: %v", err)
	}
	rc, err := store.Get(ctx(t), "u/d/ok.txt")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, body) {
		t.Errorf("read back %q", got)
	}
	other := sha256.Sum256([]byte("other bytes"))
	if _, err := store.PutChecked(ctx(t), "u/d/bad.txt", bytes.NewReader(body), int64(len(body)), other[:], "text/plain"); err == nil {
		t.Error("PutChecked with a sum of other bytes succeeded")
	}
	if _, err := store.Stat(ctx(t), "u/d/bad.txt"); !errors.Is(err, objectstore.ErrNotFound) {
		t.Errorf("after a refused PutChecked: Stat %v, want ErrNotFound", err)
	}
	if _, err := store.PutChecked(ctx(t), "u/d/short.txt", bytes.NewReader(body), int64(len(body)), sum[:4], "text/plain"); err == nil {
		t.Error("PutChecked with a 4-byte sum succeeded")
	}
	// Refused bytes: ErrChecksum. A taken key: ErrExists, the object kept.
	if _, err := store.PutChecked(ctx(t), "u/d/bad.txt", bytes.NewReader(body), int64(len(body)), other[:], "text/plain"); !errors.Is(err, objectstore.ErrChecksum) {
		t.Errorf("PutChecked with a sum of other bytes: %v, want ErrChecksum", err)
	}
	changed := []byte("other bytes")
	if _, err := store.PutChecked(ctx(t), "u/d/ok.txt", bytes.NewReader(changed), int64(len(changed)), other[:], "text/plain"); !errors.Is(err, objectstore.ErrExists) {
		t.Errorf("PutChecked over a taken key: %v, want ErrExists", err)
	}
	// The sum is kept with the object; Put keeps none.
	if n, got, err := store.StoredSHA256(ctx(t), "u/d/ok.txt"); err != nil || n != int64(len(body)) || !bytes.Equal(got, sum[:]) {
		t.Errorf("StoredSHA256 = %d, %x, %v; want %d, %x", n, got, err, len(body), sum)
	}
	if _, err := store.Put(ctx(t), "u/d/plain.txt", bytes.NewReader(body), int64(len(body)), "text/plain"); err != nil {
		t.Fatal(err)
	}
	if _, got, err := store.StoredSHA256(ctx(t), "u/d/plain.txt"); err != nil || got != nil {
		t.Errorf("StoredSHA256 of a Put object = %x, %v; want none", got, err)
	}
	if _, _, err := store.StoredSHA256(ctx(t), "u/d/none.txt"); !errors.Is(err, objectstore.ErrNotFound) {
		t.Errorf("StoredSHA256 of a missing key: %v, want ErrNotFound", err)
	}
}

// TestPutRetriesIncompleteBody: MinIO now and then answers a PUT with
// IncompleteBody under load though every byte was sent. A proxy in front of
// the real MinIO answers the first PUT (or every PUT) so: a body read from
// an io.ReaderAt is sent once more and stored whole; a second refusal, or a
// stream that cannot be read again, is the caller's error.
func TestPutRetriesIncompleteBody(t *testing.T) {
	m, app, _ := initApp(t)
	var puts, refuse atomic.Int64 // refuse: how many PUTs the proxy answers itself
	target, err := url.Parse("http://" + m.Root().Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && puts.Add(1) <= refuse.Load() {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>IncompleteBody</Code>`+
				`<Message>You did not provide the number of bytes specified by the Content-Length HTTP header.</Message></Error>`)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	app.Endpoint = strings.TrimPrefix(proxy.URL, "http://")
	store, err := objectstore.New(app)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("the bytes of a small document, refused once\n")
	sum := sha256.Sum256(body)
	put := map[string]func(key string, r io.Reader, size int64) error{
		"PutChecked": func(key string, r io.Reader, size int64) error {
			_, err := store.PutChecked(ctx(t), key, r, size, sum[:], "text/plain")
			return err
		},
		"Put": func(key string, r io.Reader, size int64) error {
			_, err := store.Put(ctx(t), key, r, size, "text/plain")
			return err
		},
	}
	for name, fn := range put {
		puts.Store(0)
		refuse.Store(1)
		key := "u/d/retried-" + name + ".txt"
		if err := fn(key, bytes.NewReader(body), int64(len(body))); err != nil {
			t.Fatalf("%s refused once: %v", name, err)
		}
		if n := puts.Load(); n != 2 {
			t.Errorf("%s: %d PUTs, want 2", name, n)
		}
		rc, err := store.Get(ctx(t), key)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, body) {
			t.Errorf("%s: read back %q", name, got)
		}

		puts.Store(0)
		refuse.Store(2)
		key = "u/d/refused-" + name + ".txt"
		if err := fn(key, bytes.NewReader(body), int64(len(body))); err == nil || !strings.Contains(err.Error(), "Content-Length") {
			t.Errorf("%s refused twice: %v, want the store's message", name, err)
		}
		if n := puts.Load(); n != 2 {
			t.Errorf("%s refused twice: %d PUTs, want 2", name, n)
		}
		if _, err := store.Stat(ctx(t), key); !errors.Is(err, objectstore.ErrNotFound) {
			t.Errorf("%s refused twice: Stat %v, want ErrNotFound", name, err)
		}
	}

	// A stream (not an io.ReaderAt) cannot be read again: one PUT, the error.
	puts.Store(0)
	refuse.Store(1)
	stream := io.MultiReader(bytes.NewReader(body))
	if _, err := store.PutChecked(ctx(t), "u/d/stream.txt", stream, int64(len(body)), sum[:], "text/plain"); err == nil {
		t.Error("a refused stream was stored")
	}
	if n := puts.Load(); n != 1 {
		t.Errorf("stream: %d PUTs, want 1", n)
	}
}
