package chaos

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/redisconn"
)

// The private services of one test: never the shared ones, which other
// tests use while these are killed.

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// freePort returns a loopback port nobody listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitFor polls check until it returns nil, and fails the test with its
// last error when timeout passes first.
func waitFor(t *testing.T, timeout time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		var fatal *fatalError
		if errors.As(err, &fatal) {
			t.Fatalf("%s: %v", what, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %v", what, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fatalError stops waitFor at once (the process it waits for exited).
type fatalError struct{ err error }

func (f *fatalError) Error() string { return f.err.Error() }

// process is a child process whose end is watched.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // cmd.Wait's, once done is closed
}

func startProcess(t *testing.T, cmd *exec.Cmd) *process {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return p
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and waits for the end.
func (p *process) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// ---------------------------------------------------------------- MinIO

// minioServer is a private single-drive MinIO; kill and start keep its data
// and its address.
type minioServer struct {
	t        *testing.T
	dir      string
	addr     string
	user     string
	password string
	proc     *process
}

// newMinIO launches a MinIO; call waitReady before using it.
func newMinIO(t *testing.T) *minioServer {
	t.Helper()
	m := &minioServer{t: t, dir: filepath.Join(t.TempDir(), "minio"), addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		user: "chaos-root", password: randomHex(16)}
	if err := os.MkdirAll(filepath.Join(m.dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	m.launch()
	t.Cleanup(func() {
		if m.proc != nil && !m.proc.exited() {
			m.proc.kill()
		}
	})
	return m
}

// start starts MinIO and waits until it answers /minio/health/ready.
func (m *minioServer) start() {
	m.t.Helper()
	m.launch()
	m.waitReady()
}

// launch starts MinIO without waiting for it.
func (m *minioServer) launch() {
	m.t.Helper()
	log, err := os.OpenFile(filepath.Join(m.dir, "minio.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		m.t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command(bin.minio, "server", "--quiet", "--address", m.addr, filepath.Join(m.dir, "data"))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + m.dir, "MINIO_ROOT_USER=" + m.user, "MINIO_ROOT_PASSWORD=" + m.password, "MINIO_BROWSER=off"}
	cmd.Stdout, cmd.Stderr = log, log
	m.proc = startProcess(m.t, cmd)
}

// waitReady waits until MinIO answers /minio/health/ready.
func (m *minioServer) waitReady() {
	m.t.Helper()
	waitFor(m.t, 2*time.Minute, "MinIO ready", func() error {
		if m.proc.exited() {
			b, _ := os.ReadFile(filepath.Join(m.dir, "minio.log"))
			return &fatalError{fmt.Errorf("MinIO exited (%v):\n%s", m.proc.err, b)}
		}
		res, err := http.Get("http://" + m.addr + "/minio/health/ready")
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("health/ready: %s", res.Status)
		}
		return nil
	})
}

// kill stops MinIO with SIGKILL: no chance to finish anything.
func (m *minioServer) kill() { m.proc.kill() }

// ---------------------------------------------------------------- PostgreSQL

// pgServer is a private PostgreSQL cluster with fsync, synchronous commit
// and full-page writes on, provisioned as scripts/postgres/initdb.d does
// it: roles docuvault_migrate and docuvault_app, database docuvault.
type pgServer struct {
	t            *testing.T
	dir          string // owned by the postgres user when run as root
	port         int
	superPass    string
	migratePass  string
	appPass      string
	uid, gid     int
	runAsPostgre bool
}

func newPostgres(t *testing.T) *pgServer {
	t.Helper()
	base := t.TempDir()
	p := &pgServer{t: t, dir: filepath.Join(base, "pg"), port: freePort(t), superPass: randomHex(16), migratePass: randomHex(16), appPass: randomHex(16), uid: -1, gid: -1}
	if err := os.MkdirAll(filepath.Join(p.dir, "run"), 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses root: its files belong to postgres, who must
		// be able to reach them through the test's temporary directories.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatal(err)
		}
		p.uid, _ = strconv.Atoi(u.Uid)
		p.gid, _ = strconv.Atoi(u.Gid)
		p.runAsPostgre = true
		for d := base; d != os.TempDir() && d != "/" && strings.HasPrefix(d, os.TempDir()); d = filepath.Dir(d) {
			if err := os.Chmod(d, 0o711); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range []string{p.dir, filepath.Join(p.dir, "run")} {
			if err := os.Chown(d, p.uid, p.gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	pw := filepath.Join(p.dir, "pwfile")
	if err := os.WriteFile(pw, []byte(p.superPass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if p.runAsPostgre {
		if err := os.Chown(pw, p.uid, p.gid); err != nil {
			t.Fatal(err)
		}
	}
	// --no-sync only skips initdb's own final flush; the server runs with
	// fsync on.
	p.run(nil, filepath.Join(bin.pgBin, "initdb"), "-D", p.data(), "-U", "postgres", "--pwfile="+pw, "-E", "UTF8", "--no-locale",
		"--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync")
	_ = os.Remove(pw)
	p.start()
	t.Cleanup(func() {
		cmd := p.command(nil, filepath.Join(bin.pgBin, "pg_ctl"), "-D", p.data(), "-m", "immediate", "-w", "stop")
		_ = cmd.Run()
	})
	// The roles and the database, by the script the compose file and
	// scripts/services.sh use.
	script, err := os.Open(filepath.Join(moduleRoot(), "scripts", "postgres", "initdb.d", "01-docuvault-roles.sh"))
	if err != nil {
		t.Fatal(err)
	}
	defer script.Close()
	cmd := p.command([]string{"PGHOST=" + filepath.Join(p.dir, "run"), "PGPORT=" + strconv.Itoa(p.port), "POSTGRES_USER=postgres", "POSTGRES_DB=docuvault",
		"DOCUVAULT_MIGRATE_PASSWORD=" + p.migratePass, "DOCUVAULT_APP_PASSWORD=" + p.appPass, "PATH=" + filepath.Dir(bin.psql) + ":" + os.Getenv("PATH")}, "bash", "-s")
	cmd.Stdin = script
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("provisioning roles: %v\n%s", err, out)
	}
	return p
}

func (p *pgServer) data() string { return filepath.Join(p.dir, "data") }

// command runs name as the postgres user when the test runs as root.
func (p *pgServer) command(env []string, name string, args ...string) *exec.Cmd {
	var cmd *exec.Cmd
	if p.runAsPostgre {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", "env"}, append(env, append([]string{name}, args...)...)...)...)
	} else {
		cmd = exec.Command(name, args...)
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Dir = p.dir
	return cmd
}

func (p *pgServer) run(env []string, name string, args ...string) {
	p.t.Helper()
	if out, err := p.command(env, name, args...).CombinedOutput(); err != nil {
		p.t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
}

// start starts the server and waits until a real query answers.
func (p *pgServer) start() {
	p.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=100 -c fsync=on -c synchronous_commit=on -c full_page_writes=on",
		p.port, filepath.Join(p.dir, "run"))
	cmd := p.command(nil, filepath.Join(bin.pgBin, "pg_ctl"), "-D", p.data(), "-l", filepath.Join(p.dir, "postgres.log"), "-w", "-t", "120", "-o", opts, "start")
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "postgres.log"))
		p.t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	waitFor(p.t, time.Minute, "PostgreSQL answers", func() error {
		db, err := sql.Open("postgres", p.url("postgres", p.superPass, "postgres"))
		if err != nil {
			return err
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var one int
		return db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	})
}

// crash stops the server the way a power cut would look to it
// (pg_ctl -m immediate: no checkpoint, crash recovery at the next start).
func (p *pgServer) crash() {
	p.t.Helper()
	p.run(nil, filepath.Join(bin.pgBin, "pg_ctl"), "-D", p.data(), "-m", "immediate", "-w", "stop")
}

func (p *pgServer) url(user, password, db string) string {
	return fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/%s?sslmode=disable", user, password, p.port, db)
}

// ---------------------------------------------------------------- Redis

// redisServer is a private Redis without persistence: a restart forgets
// every queued job, as a Redis that lost its memory would.
type redisServer struct {
	t        *testing.T
	dir      string
	port     int
	password string
	proc     *process
}

func newRedis(t *testing.T) *redisServer {
	t.Helper()
	r := &redisServer{t: t, dir: filepath.Join(t.TempDir(), "redis"), port: freePort(t), password: randomHex(16)}
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// The password in a file, not on the command line.
	conf := fmt.Sprintf("port %d\nbind 127.0.0.1\nrequirepass %s\nsave \"\"\nappendonly no\ndir %s\nlogfile %s\n",
		r.port, r.password, r.dir, filepath.Join(r.dir, "redis.log"))
	if err := os.WriteFile(filepath.Join(r.dir, "redis.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	r.start()
	t.Cleanup(func() {
		if r.proc != nil && !r.proc.exited() {
			r.proc.kill()
		}
	})
	return r
}

func (r *redisServer) url() string {
	return fmt.Sprintf("redis://:%s@127.0.0.1:%d/0", r.password, r.port)
}

// start starts Redis and waits until it answers PING.
func (r *redisServer) start() {
	r.t.Helper()
	r.proc = startProcess(r.t, exec.Command(bin.redis, filepath.Join(r.dir, "redis.conf")))
	waitFor(r.t, 30*time.Second, "Redis answers PING", func() error {
		if r.proc.exited() {
			b, _ := os.ReadFile(filepath.Join(r.dir, "redis.log"))
			return &fatalError{fmt.Errorf("redis-server exited (%v):\n%s", r.proc.err, b)}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return redisconn.Ping(ctx, r.url())
	})
}

func (r *redisServer) kill() { r.proc.kill() }
