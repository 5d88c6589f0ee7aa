// Package cli holds black-box tests of the docuvault binary: it is built
// once, then run as a person or a deploy script would run it, against the
// real services of scripts/services.sh; each test checks the output, the
// exit code and what landed in PostgreSQL and MinIO.
//
// The tests run one at a time within the package: run in parallel (each
// has its own scratch deployment) they halve this package's time on a
// quiet machine, but in CI, beside tests/chaos and tests/web, the load made
// timing-sensitive tests elsewhere fail (2026-12-04), so they stay serial.
package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/docuvault/docuvault/migrations"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/schema"
	"github.com/docuvault/docuvault/tests/testenv"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds docuvault once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "docuvault-cli-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "docuvault")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		cmd.Dir = testenv.ModuleRoot(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = err
			binPath = string(out)
		}
	})
	if buildErr != nil {
		t.Fatalf("go build: %v\n%s", buildErr, binPath)
	}
	return binPath
}

type result struct {
	stdout, stderr string
	code           int
}

// deployment is the environment of one scratch DocuVault.
type deployment struct {
	env map[string]string
	db  testenv.Database
	m   testenv.MinIO
	dep testenv.Deployment
}

func newDeployment(t *testing.T) *deployment {
	t.Helper()
	db := testenv.NewDatabase(t)
	m := testenv.NewMinIO(t)
	return &deployment{db: db, m: m, env: map[string]string{
		"DATABASE_URL":         db.AppURL,
		"DATABASE_MIGRATE_URL": db.MigrateURL,
		"MINIO_ENDPOINT":       m.Endpoint,
		"MINIO_BUCKET":         m.Bucket,
		"MINIO_ACCESS_KEY":     testenv.RandomName("dvtest-app-"),
		"MINIO_SECRET_KEY":     testenv.RandomName("secret-"),
		"MINIO_ROOT_USER":      m.RootUser,
		"MINIO_ROOT_PASSWORD":  m.RootPassword,
		"REDIS_URL":            testenv.RedisURL(t),
		"SECRET_KEY":           strings.Repeat("k", 40),
	}}
}

// deployed is a deployment after migrate up, grant and bucket init.
func deployed(t *testing.T) *deployment {
	t.Helper()
	dep := testenv.Deploy(t)
	return &deployment{env: dep.Env(), db: dep.DB, m: dep.MinIO, dep: dep}
}

// run runs docuvault with args in an empty directory (no .env, no config
// file) and only the deployment's environment plus extra.
func (d *deployment) run(t *testing.T, extra map[string]string, args ...string) result {
	t.Helper()
	return d.runIn(t, "", extra, args...)
}

// runIn is run with stdin.
func (d *deployment) runIn(t *testing.T, stdin string, extra map[string]string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + cmd.Dir}
	for k, v := range d.env {
		if _, over := extra[k]; !over {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	for k, v := range extra {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}
}

func (r result) check(t *testing.T, wantCode int, stdoutHas, stderrHas string) {
	t.Helper()
	if r.code != wantCode || !strings.Contains(r.stdout, stdoutHas) || !strings.Contains(r.stderr, stderrHas) {
		t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant stdout with %q, stderr with %q", r.code, wantCode, r.stdout, r.stderr, stdoutHas, stderrHas)
	}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic:") {
		t.Errorf("stack trace on stderr:\n%s", r.stderr)
	}
}

func TestDeploySequence(t *testing.T) {
	d := newDeployment(t)

	// Before anything: health fails, names postgres, exit 1.
	r := d.run(t, nil, "health", "--json")
	r.check(t, 1, `"status":"fail"`, "")

	// Four migrate up at once: all exit 0, the schema applied once.
	var wg sync.WaitGroup
	results := make([]result, 4)
	for i := range results {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = d.run(t, nil, "migrate", "up") }()
	}
	wg.Wait()
	applied := 0
	for _, r := range results {
		r.check(t, 0, "applied", "")
		if !strings.HasPrefix(r.stdout, "applied 0 ") {
			applied++
		}
	}
	if applied != 1 {
		t.Errorf("%d of 4 concurrent runs applied migrations, want 1", applied)
	}
	d.run(t, nil, "migrate", "status").check(t, 0, "0001_initial_schema.sql", "")

	d.run(t, nil, "grant").check(t, 0, "granted DML on schema public to docuvault_app", "")
	d.run(t, nil, "grant", "--role", "docuvault_app").check(t, 0, "granted", "")
	d.run(t, nil, "bucket", "init").check(t, 0, "bucket "+d.m.Bucket+": created", "")
	d.run(t, nil, "bucket", "init").check(t, 0, "bucket "+d.m.Bucket+": exists", "")

	r = d.run(t, nil, "health", "--json", "--timeout", "5s")
	r.check(t, 0, `"status":"ok"`, "")
	var rep struct {
		Status     string
		Components map[string]struct {
			OK        bool  `json:"ok"`
			LatencyMS int64 `json:"latency_ms"`
			Error     string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("health --json is not JSON: %v\n%s", err, r.stdout)
	}
	for _, n := range []string{"postgres", "minio", "redis"} {
		if !rep.Components[n].OK {
			t.Errorf("%s not ok: %+v", n, rep.Components[n])
		}
	}
	d.run(t, nil, "health").check(t, 0, "overall: ok", "")

	// The app role cannot do DDL.
	app, err := sql.Open("postgres", d.db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if _, err := app.Exec("CREATE TABLE evil (id int)"); testenv.ErrCode(err) != "42501" {
		t.Errorf("app role CREATE TABLE: %v", err)
	}

	// The app key works in the bucket.
	store, err := objectstore.New(objectstore.Options{Endpoint: d.m.Endpoint, Bucket: d.m.Bucket, AccessKey: d.env["MINIO_ACCESS_KEY"], SecretKey: d.env["MINIO_SECRET_KEY"]})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Put(context.Background(), "x", strings.NewReader("x"), 1, "text/plain"); err != nil {
		t.Errorf("app key after bucket init: %v", err)
	}

	// down, up, redo
	d.run(t, nil, "migrate", "down").check(t, 0, "rolled back 1 migration(s)", "")
	d.run(t, nil, "health").check(t, 1, "pending", "")
	d.run(t, nil, "migrate", "up").check(t, 0, "applied 1 migration(s)", "")
	all, err := schema.Embedded(migrations.FS())
	if err != nil {
		t.Fatal(err)
	}
	d.run(t, nil, "migrate", "redo").check(t, 0, "redid "+all[len(all)-1], "")
	d.run(t, nil, "migrate", "down", "--steps", "0").check(t, 64, "", "--steps must be at least 1")
}

func TestBadInputGivesOneClearLine(t *testing.T) {
	d := newDeployment(t)
	cases := []struct {
		name   string
		extra  map[string]string
		args   []string
		code   int
		stderr string
	}{
		{"unknown flag", nil, []string{"health", "--bogus"}, 64, "unknown flag: --bogus"},
		{"unknown command", nil, []string{"frobnicate"}, 64, `unknown command "frobnicate"`},
		{"extra argument", nil, []string{"grant", "extra"}, 64, "unknown command"},
		{"missing migrate url", map[string]string{"DATABASE_MIGRATE_URL": ""}, []string{"migrate", "up"}, 1, "DATABASE_MIGRATE_URL is not set"},
		{"unreachable database", map[string]string{"DATABASE_MIGRATE_URL": "postgres://u:p@127.0.0.1:1/db?sslmode=disable"}, []string{"migrate", "up"}, 1, "DATABASE_MIGRATE_URL"},
		{"wrong migrate password", map[string]string{"DATABASE_MIGRATE_URL": strings.Replace(d.db.MigrateURL, "docuvault_migrate:", "docuvault_migrate:x", 1)}, []string{"migrate", "status"}, 1, "check the user and password"},
		{"not a url", map[string]string{"DATABASE_MIGRATE_URL": "host=db user=x"}, []string{"grant"}, 1, "not a valid PostgreSQL URL"},
		{"unknown role", nil, []string{"grant", "--role", "nobody_here"}, 1, `role "nobody_here" does not exist`},
		{"wrong root password", map[string]string{"MINIO_ROOT_PASSWORD": "wrong-password"}, []string{"bucket", "init"}, 1, "MINIO_ROOT_USER"},
		{"missing root user", map[string]string{"MINIO_ROOT_USER": ""}, []string{"bucket", "init"}, 1, "MINIO_ROOT_USER is not set"},
		{"app key equals root", map[string]string{"MINIO_ACCESS_KEY": d.m.RootUser}, []string{"bucket", "init"}, 1, "must differ from MINIO_ROOT_USER"},
		{"bad redis url", map[string]string{"REDIS_URL": "http://x"}, []string{"health"}, 1, "health: at least one component failed"},
		{"bad timeout", nil, []string{"health", "--timeout", "0s"}, 64, "--timeout must be positive"},
		{"bad bool", map[string]string{"MINIO_SECURE": "perhaps"}, []string{"health"}, 1, "MINIO_SECURE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := d.run(t, tc.extra, tc.args...)
			r.check(t, tc.code, "", tc.stderr)
			if lines := strings.Count(strings.TrimSpace(r.stderr), "\n") + 1; lines != 1 {
				t.Errorf("stderr has %d lines, want 1:\n%s", lines, r.stderr)
			}
			for _, secret := range []string{d.m.RootPassword, d.env["MINIO_SECRET_KEY"], "wrong-password"} {
				if strings.Contains(r.stderr+r.stdout, secret) {
					t.Errorf("output leaks a secret")
				}
			}
		})
	}
}

func TestConfigShow(t *testing.T) {
	d := newDeployment(t)
	r := d.run(t, map[string]string{"DOCUVAULT_LOG_LEVEL": "debug"}, "config", "show", "--log-format", "json")
	r.check(t, 0, "MINIO_BUCKET", "")
	for _, secret := range []string{d.m.RootPassword, d.env["MINIO_SECRET_KEY"], d.env["SECRET_KEY"]} {
		if strings.Contains(r.stdout, secret) {
			t.Errorf("config show prints a secret:\n%s", r.stdout)
		}
	}
	for _, want := range []string{"env DOCUVAULT_LOG_LEVEL", "flag --log-format", "docuvault_app", "<redacted>", "xxxxx"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("config show lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestEnvFileAndConfigFile(t *testing.T) {
	d := newDeployment(t)
	dir := t.TempDir()
	// A config file given with --config; its value loses to the environment.
	cfg := filepath.Join(dir, "dv.yaml")
	if err := os.WriteFile(cfg, []byte("minio_bucket: from-file\napp_role: file_role\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := d.run(t, nil, "config", "show", "--config", cfg)
	r.check(t, 0, "file_role", "")
	if !strings.Contains(r.stdout, "env MINIO_BUCKET") {
		t.Errorf("MINIO_BUCKET should come from the environment:\n%s", r.stdout)
	}
	d.run(t, nil, "config", "show", "--config", filepath.Join(dir, "missing.yaml")).check(t, 1, "", "missing.yaml")
}

func TestVersion(t *testing.T) {
	d := &deployment{env: map[string]string{}}
	d.run(t, nil, "version").check(t, 0, "docuvault dev", "")
}
