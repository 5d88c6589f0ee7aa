// Package testenv gives integration tests the real services that
// scripts/services.sh starts: a scratch PostgreSQL database per call, a
// scratch bucket per call, the Redis URL.
//
// Settings come from the environment, else from .dev/env at the module
// root. When a service is not configured or not reachable the test is
// skipped — unless DOCUVAULT_TEST_REQUIRE_SERVICES=1 (CI sets it), when it
// fails instead.
package testenv

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/minio/minio-go/v7"

	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/redisconn"
)

// RequireVar is the variable that turns a missing service from a skip into a failure.
const RequireVar = "DOCUVAULT_TEST_REQUIRE_SERVICES"

var (
	devEnvOnce sync.Once
	devEnv     map[string]string
)

// ModuleRoot returns the directory holding go.mod.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// Get returns a setting from the environment, else from .dev/env.
func Get(t testing.TB, name string) string {
	t.Helper()
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	devEnvOnce.Do(func() { devEnv = readDevEnv(filepath.Join(ModuleRoot(t), ".dev", "env")) })
	return devEnv[name]
}

// readDevEnv reads the `export NAME='value'` lines of .dev/env.
func readDevEnv(path string) map[string]string {
	vals := map[string]string{}
	f, err := os.Open(path)
	if err != nil {
		return vals
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, "export ")
		if !ok {
			continue
		}
		name, val, ok := strings.Cut(rest, "=")
		if !ok || strings.ContainsAny(name, " $") {
			continue
		}
		vals[name] = strings.Trim(val, `'"`)
	}
	return vals
}

// Tools skips the test, or fails it when services are required, unless
// every program named is on PATH (scripts/services.sh installs them).
func Tools(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			Unavailable(t, "%s is not installed", n)
		}
	}
}

// Unavailable skips the test, or fails it when services are required.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(RequireVar) == "1" {
		t.Fatalf("service required ("+RequireVar+"=1) but unavailable: "+format, args...)
	}
	t.Skipf("service unavailable (run scripts/services.sh up): "+format, args...)
}

func need(t testing.TB, names ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, n := range names {
		v := Get(t, n)
		if v == "" {
			Unavailable(t, "%s is not set", n)
		}
		out[n] = v
	}
	return out
}

// RandomName returns prefix followed by 12 random hex digits.
func RandomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Database is a scratch database owned by the migrate role.
type Database struct {
	Name       string
	MigrateURL string // as docuvault_migrate
	AppURL     string // as docuvault_app
	AdminURL   string // as the superuser, to inspect
}

// NewDatabase creates an empty scratch database set up like the real one
// (owned by docuvault_migrate, CONNECT for docuvault_app, no CREATE on public
// for anyone else) and drops it when the test ends.
func NewDatabase(t testing.TB) Database {
	t.Helper()
	env := need(t, "DOCUVAULT_TEST_PG_ADMIN_URL", "DATABASE_URL", "DATABASE_MIGRATE_URL")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("postgres", env["DOCUVAULT_TEST_PG_ADMIN_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.PingContext(ctx); err != nil {
		Unavailable(t, "postgres: %v", err)
	}
	name := RandomName("dvtest_")
	q := pq.QuoteIdentifier(name)
	for _, s := range []string{
		"CREATE DATABASE " + q + " OWNER docuvault_migrate",
		"REVOKE ALL ON DATABASE " + q + " FROM PUBLIC",
		"GRANT CONNECT ON DATABASE " + q + " TO docuvault_app",
	} {
		if _, err := admin.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	db := Database{
		Name:       name,
		MigrateURL: withDB(t, env["DATABASE_MIGRATE_URL"], name),
		AppURL:     withDB(t, env["DATABASE_URL"], name),
		AdminURL:   withDB(t, env["DOCUVAULT_TEST_PG_ADMIN_URL"], name),
	}
	inside, err := sql.Open("postgres", db.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer inside.Close()
	for _, s := range []string{"ALTER SCHEMA public OWNER TO docuvault_migrate", "REVOKE CREATE ON SCHEMA public FROM PUBLIC"} {
		if _, err := inside.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	t.Cleanup(func() {
		a, err := sql.Open("postgres", env["DOCUVAULT_TEST_PG_ADMIN_URL"])
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec("DROP DATABASE IF EXISTS " + q + " WITH (FORCE)")
	})
	return db
}

func withDB(t testing.TB, raw, name string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("bad database URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// MinIO is a scratch bucket on the dev MinIO, with the root key.
type MinIO struct {
	Endpoint     string
	RootUser     string
	RootPassword string
	Bucket       string
}

// Root returns objectstore options for the scratch bucket with the root key.
func (m MinIO) Root() objectstore.Options {
	return objectstore.Options{Endpoint: m.Endpoint, Bucket: m.Bucket, AccessKey: m.RootUser, SecretKey: m.RootPassword}
}

// NewMinIO names a fresh bucket (it does not create it) and removes it,
// with everything in it, when the test ends.
func NewMinIO(t testing.TB) MinIO {
	t.Helper()
	env := need(t, "MINIO_ENDPOINT", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD")
	m := MinIO{Endpoint: env["MINIO_ENDPOINT"], RootUser: env["MINIO_ROOT_USER"], RootPassword: env["MINIO_ROOT_PASSWORD"], Bucket: RandomName("dvtest-")}
	client, err := objectstore.NewClient(m.Root())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := client.ListBuckets(ctx); err != nil {
		Unavailable(t, "minio at %s: %v", m.Endpoint, err)
	}
	t.Cleanup(func() { RemoveBucket(client, m.Bucket) })
	return m
}

// RemoveBucket deletes bucket and every object in it, ignoring a missing bucket.
func RemoveBucket(client *minio.Client, bucket string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	objs := client.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true})
	for e := range client.RemoveObjects(ctx, bucket, objs, minio.RemoveObjectsOptions{}) {
		_ = e
	}
	_ = client.RemoveBucket(ctx, bucket)
}

// RedisURL returns the dev Redis URL, checked with a PING.
func RedisURL(t testing.TB) string {
	t.Helper()
	u := need(t, "REDIS_URL")["REDIS_URL"]
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := redisconn.Ping(ctx, u); err != nil {
		Unavailable(t, "%v", err)
	}
	return u
}

// ErrCode returns the PostgreSQL error code of err, or "".
func ErrCode(err error) string {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return string(pqErr.Code)
	}
	return ""
}
