package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/minio/minio-go/v7"

	"github.com/docuvault/docuvault/pkg/bulkupload"
	"github.com/docuvault/docuvault/pkg/jobs"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/redisconn"
	"github.com/docuvault/docuvault/tests/testenv"
)

func writeFile(t *testing.T, path string, content []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func pdfBytes(s string) []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% " + s + "\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

// consistent checks rows = objects and quota = sum, and returns the row count.
func (d *deployment) consistent(t *testing.T) int {
	t.Helper()
	db := d.dep.AdminDB(t)
	var keys []string
	if err := db.Select(&keys, `SELECT object_key FROM documents ORDER BY object_key`); err != nil {
		t.Fatal(err)
	}
	var objects []string
	if err := d.dep.AppStore(t).List(context.Background(), "", func(i objectstore.Info) error { objects = append(objects, i.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(keys, ",") != strings.Join(objects, ",") {
		t.Errorf("rows %v\nobjects %v", keys, objects)
	}
	var drift int
	if err := db.Get(&drift, `SELECT count(*) FROM quotas q WHERE used_bytes <> COALESCE((SELECT sum(size_bytes) FROM documents d WHERE d.user_id = q.user_id), 0)`); err != nil || drift != 0 {
		t.Errorf("quota drift for %d users (%v)", drift, err)
	}
	return len(keys)
}

func (d *deployment) jobCount(t *testing.T) int {
	t.Helper()
	pool, err := redisconn.NewPool(d.dep.RedisURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	c := pool.Get()
	defer c.Close()
	n, err := redis.Int(c.Do("LLEN", d.dep.Namespace+":jobs:"+jobs.ExtractAndClassify))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func parseLines(t *testing.T, out string) map[string]bulkupload.Result {
	t.Helper()
	got := map[string]bulkupload.Result{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r bulkupload.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("not a JSON line: %q: %v", line, err)
		}
		got[filepath.Base(r.Path)] = r
	}
	return got
}

func TestUserAndTopicCommands(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "created user ann", "")
	d.run(t, nil, "user", "add", "ann", "--email", "x@example.org").check(t, 1, "", "docuvault: the handle ann is taken: choose another one\n")
	d.runIn(t, "s3cret-password\n", nil, "user", "add", "bob", "--email", "bob@example.org", "--admin", "--password-stdin", "--quota", "2GiB").check(t, 0, "admin, quota 2.0 GiB", "")
	d.runIn(t, "", nil, "user", "add", "eve", "--email", "eve@example.org", "--password-stdin").check(t, 64, "", "held no password")
	d.run(t, nil, "user", "add", "carol").check(t, 64, "", "--email is required")
	d.run(t, nil, "user", "add", "carol", "--email", "carol").check(t, 1, "", "not a valid address")

	r := d.run(t, nil, "user", "list", "--json")
	r.check(t, 0, `"handle":"ann"`, "")
	var bob struct {
		Handle   string `json:"handle"`
		Role     string `json:"role"`
		CanLogin bool   `json:"can_login"`
		Limit    int64  `json:"quota_limit_bytes"`
	}
	if err := json.Unmarshal([]byte(strings.Split(strings.TrimSpace(r.stdout), "\n")[1]), &bob); err != nil || bob.Handle != "bob" || bob.Role != "admin" || !bob.CanLogin || bob.Limit != 2<<30 {
		t.Errorf("bob in user list: %+v, %v", bob, err)
	}
	d.run(t, nil, "user", "list").check(t, 0, "ann", "")
	d.run(t, nil, "user", "quota", "ann", "3GiB").check(t, 0, "quota of ann: 3.0 GiB", "")
	d.run(t, nil, "user", "quota", "ann", "lots").check(t, 64, "", "not a size")
	d.run(t, nil, "user", "quota", "nobody", "1GiB").check(t, 1, "", "no such user")

	d.run(t, nil, "topic", "add", "Finance", "--user", "ann", "--description", "money", "--color", "#FF0000").check(t, 0, `created topic "Finance" for ann (#ff0000)`, "")
	d.run(t, nil, "topic", "add", "Finance", "--user", "ann").check(t, 1, "", "topic already exists")
	d.run(t, nil, "topic", "add", "Health", "--user", "ann", "--color", "red").check(t, 64, "", "#rrggbb")
	d.run(t, nil, "topic", "add", "Health").check(t, 64, "", "several users; pass --user")
	d.run(t, map[string]string{"DOCUVAULT_USER": "bob"}, "topic", "add", "Health").check(t, 0, "for bob", "")
	r = d.run(t, nil, "topic", "list", "--user", "ann", "--json")
	r.check(t, 0, `"name":"Finance"`, "")
	if strings.Contains(r.stdout, "Health") {
		t.Errorf("ann's topics include bob's: %s", r.stdout)
	}
	d.run(t, nil, "topic", "list").check(t, 0, "Health", "")
	d.run(t, nil, "topic", "rm", "Finance", "--user", "ann").check(t, 0, "removed", "")
	d.run(t, nil, "topic", "rm", "Finance", "--user", "ann").check(t, 1, "", "no such topic")
}

func TestUploadCommand(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	d.run(t, nil, "topic", "add", "Finance").check(t, 0, "", "")
	dir := t.TempDir()
	a := writeFile(t, filepath.Join(dir, "a.pdf"), pdfBytes("a"))
	b := writeFile(t, filepath.Join(dir, "b.txt"), []byte("just some text\n"))
	tree := filepath.Join(dir, "tree")
	writeFile(t, filepath.Join(tree, "c.md"), []byte("# Heading\n\nSome *markdown*.\n"))
	writeFile(t, filepath.Join(tree, "sub", "d.csv"), []byte("name,amount\nrent,900\nfood,300\n"))
	empty := writeFile(t, filepath.Join(dir, "empty.txt"), nil)
	fake := writeFile(t, filepath.Join(dir, "fake.pdf"), append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 200)...))

	// One file, the only user is the default owner.
	d.run(t, nil, "upload", a).check(t, 0, "stored     "+a, "")
	jobsBefore := d.jobCount(t)

	// JSON: a duplicate and a new file.
	r := d.run(t, nil, "upload", "--json", a, b)
	r.check(t, 0, "", "")
	lines := parseLines(t, r.stdout)
	if l := lines["a.pdf"]; l.Status != "duplicate" || l.DuplicateOf == "" || l.Error != "" {
		t.Errorf("a.pdf again: %+v", l)
	}
	if l := lines["b.txt"]; l.Status != "pending" || l.ContentType != "text/plain" || l.SizeBytes != 15 || !strings.HasSuffix(l.ObjectKey, ".txt") || l.ID == "" {
		t.Errorf("b.txt: %+v", l)
	}
	if n := d.jobCount(t); n != jobsBefore+1 {
		t.Errorf("jobs %d, want %d", n, jobsBefore+1)
	}

	// A directory needs --recursive.
	d.run(t, nil, "upload", tree).check(t, 1, "is a directory: pass --recursive", "1 of 1 file(s) failed") // none done: failure, not partial
	r = d.run(t, nil, "upload", "--recursive", "--parallel", "2", "--topic", "Finance", "--json", tree)
	r.check(t, 0, "", "")
	lines = parseLines(t, r.stdout)
	if lines["c.md"].ContentType != "text/markdown" || lines["d.csv"].ContentType != "text/csv" {
		t.Errorf("tree: %+v", lines)
	}
	db := d.dep.AdminDB(t)
	var filed int
	if err := db.Get(&filed, `SELECT count(*) FROM document_topics dt JOIN topics t ON t.id = dt.topic_id WHERE t.name = 'Finance'`); err != nil || filed != 2 {
		t.Errorf("%d documents filed under Finance (%v), want 2", filed, err)
	}

	// Bad files fail one by one; the good one is stored; exit 2.
	good := writeFile(t, filepath.Join(dir, "good.txt"), []byte("good text\n"))
	r = d.run(t, nil, "upload", empty, fake, filepath.Join(dir, "missing.pdf"), good)
	r.check(t, 2, "stored     "+good, "3 of 4 file(s) failed")
	for _, want := range []string{"empty.txt: empty file", "fake.pdf: type not allowed: the content is application/x-elf", "missing.pdf: no such file or directory"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}

	before := d.consistent(t)
	// Nothing starts: unknown topic, unknown user, bad flags.
	d.run(t, nil, "upload", "--topic", "Nope", b).check(t, 1, "", `no such topic: "Nope"`)
	d.run(t, nil, "upload", "--user", "nobody", b).check(t, 1, "", "no such user")
	d.run(t, nil, "upload", "--parallel", "0", b).check(t, 64, "", "--parallel must be 1 to 64")
	d.run(t, nil, "upload").check(t, 64, "", "requires at least 1 arg")
	if n := d.consistent(t); n != before {
		t.Errorf("documents %d, want %d", n, before)
	}

	// --allow-duplicates and --no-classify.
	jobsBefore = d.jobCount(t)
	r = d.run(t, nil, "upload", "--allow-duplicates", "--no-classify", "--json", a)
	r.check(t, 0, `"status":"skipped"`, "")
	if n := d.jobCount(t); n != jobsBefore {
		t.Errorf("--no-classify queued a job")
	}

	// Size limit and quota.
	big := writeFile(t, filepath.Join(dir, "big.txt"), []byte(strings.Repeat("a line of text\n", 200)))
	d.run(t, map[string]string{"DOCUVAULT_MAX_UPLOAD_SIZE": "1KiB"}, "upload", big).check(t, 1, "too large", "")
	d.run(t, nil, "user", "quota", "ann", "1KiB").check(t, 0, "", "")
	d.run(t, nil, "upload", big).check(t, 1, "over quota", "")
	d.run(t, nil, "user", "quota", "ann", "100MiB").check(t, 0, "", "")

	// Redis down: stored, pending, a warning; the sweeper will queue it.
	late := writeFile(t, filepath.Join(dir, "late.txt"), []byte("written while redis was down\n"))
	r = d.run(t, map[string]string{"REDIS_URL": "redis://:x@127.0.0.1:1/0"}, "upload", "--json", late)
	r.check(t, 0, `"status":"pending"`, "not queued")
	if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("the Redis warning is not one line:\n%s", r.stderr)
	}

	d.consistent(t)
	d.run(t, nil, "fsck", "--grace", "0").check(t, 0, "fsck: nothing to repair", "")
}

// privateMinIO is a MinIO server of one test's own, that it may stop.
type privateMinIO struct {
	addr, data string
	cmd        *exec.Cmd
}

func newPrivateMinIO(t *testing.T) *privateMinIO {
	t.Helper()
	if testenv.Get(t, "DOCUVAULT_TEST_MINIO_BIN") == "" {
		testenv.Unavailable(t, "DOCUVAULT_TEST_MINIO_BIN is not set")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &privateMinIO{addr: l.Addr().String(), data: t.TempDir()}
	l.Close()
	m.start(t)
	t.Cleanup(m.stop)
	return m
}

func (m *privateMinIO) start(t *testing.T) {
	t.Helper()
	m.cmd = exec.Command(testenv.Get(t, "DOCUVAULT_TEST_MINIO_BIN"), "server", "--quiet", "--address", m.addr, m.data)
	m.cmd.Env = append(os.Environ(), "MINIO_ROOT_USER=faultroot", "MINIO_ROOT_PASSWORD=faultroot-password", "MINIO_BROWSER=off")
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	root, err := objectstore.NewClient(objectstore.Options{Endpoint: m.addr, AccessKey: "faultroot", SecretKey: "faultroot-password"})
	if err != nil {
		t.Fatal(err)
	}
	// The root key works as soon as MinIO listens; other keys (the app's)
	// only once its IAM subsystem has loaded, which a restarted MinIO with
	// users does a little later. An unknown key tells the two apart: it is
	// refused as unknown only then.
	stranger, err := objectstore.NewClient(objectstore.Options{Endpoint: m.addr, AccessKey: "no-such-key", SecretKey: "no-such-secret"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 400; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err = root.ListBuckets(ctx)
		if err == nil {
			_, err = stranger.ListBuckets(ctx)
			if minio.ToErrorResponse(err).Code == "InvalidAccessKeyId" {
				cancel()
				return
			}
			err = fmt.Errorf("IAM not ready: %w", err)
		}
		cancel()
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("private MinIO did not start: %v", err)
}

func (m *privateMinIO) stop() {
	if m.cmd != nil && m.cmd.Process != nil {
		_ = m.cmd.Process.Kill()
		_, _ = m.cmd.Process.Wait()
	}
}

// multipartStarted reports whether MinIO holds any part of a multipart upload.
func (m *privateMinIO) multipartStarted() bool {
	found := false
	// A missing directory is no upload: the walk's own error is ignored.
	_ = filepath.Walk(filepath.Join(m.data, ".minio.sys", "multipart"), func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && info.Size() > 0 {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

// onPrivateMinIO is a deployment whose object store is a private MinIO,
// with a user ann, and a 1 GiB sparse text file to upload.
func onPrivateMinIO(t *testing.T) (*deployment, *privateMinIO, string) {
	t.Helper()
	m := newPrivateMinIO(t)
	d := deployed(t)
	d.env["MINIO_ENDPOINT"] = m.addr
	d.env["MINIO_ROOT_USER"], d.env["MINIO_ROOT_PASSWORD"] = "faultroot", "faultroot-password"
	d.env["DOCUVAULT_MAX_UPLOAD_SIZE"] = "2GiB"
	d.run(t, nil, "bucket", "init").check(t, 0, "created", "")
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org", "--quota", "4GiB").check(t, 0, "", "")
	// Text at the start (so it sniffs as text), then sparse zeros.
	big := filepath.Join(t.TempDir(), "big.txt")
	writeFile(t, big, []byte(strings.Repeat("the quick brown fox\n", 200)))
	if err := os.Truncate(big, 1<<30); err != nil {
		t.Fatal(err)
	}
	return d, m, big
}

// startUpload starts `docuvault upload path` and returns once its parts
// are reaching MinIO.
func (d *deployment) startUpload(t *testing.T, m *privateMinIO, path string) (*exec.Cmd, *strings.Builder, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(binary(t), "upload", path)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + cmd.Dir}
	for k, v := range d.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, errb := &strings.Builder{}, &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !m.multipartStarted() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !m.multipartStarted() {
		t.Fatal("the upload's parts never reached MinIO")
	}
	return cmd, out, errb
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// nothingStored checks that no row and no quota remain.
func (d *deployment) nothingStored(t *testing.T) {
	t.Helper()
	db := d.dep.AdminDB(t)
	var rows int
	var used int64
	if err := db.Get(&rows, `SELECT count(*) FROM documents`); err != nil {
		t.Fatalf("count documents: %v", err)
	}
	if err := db.Get(&used, `SELECT COALESCE(sum(used_bytes), 0)::bigint FROM quotas`); err != nil {
		t.Fatalf("sum quotas: %v", err)
	}
	if rows != 0 || used != 0 {
		t.Errorf("%d rows, %d bytes of quota used; want none", rows, used)
	}
}

// TestUploadWhenMinIOStops stops the object store in the middle of a large
// upload: the command fails clearly, nothing is half-stored, fsck agrees.
func TestUploadWhenMinIOStops(t *testing.T) {
	d, m, big := onPrivateMinIO(t)
	cmd, out, errb := d.startUpload(t, m, big)
	m.stop()
	code := exitCode(cmd.Wait())
	t.Logf("upload output after MinIO stopped:\n%s%s", out, errb)
	if code != 1 || !strings.Contains(out.String(), "FAILED") || !strings.Contains(out.String(), "object store unavailable") ||
		!strings.Contains(errb.String(), "1 of 1 file(s) failed") || strings.Contains(errb.String(), "panic") {
		t.Fatalf("upload with MinIO stopped: exit %d\nstdout: %s\nstderr: %s", code, out, errb)
	}
	d.nothingStored(t)
	m.start(t)
	d.run(t, nil, "fsck", "--grace", "0").check(t, 0, "fsck: nothing to repair", "")
}

// TestUploadInterrupted sends SIGINT (Ctrl-C) in the middle of a large
// upload: exit 130, and nothing of it remains anywhere.
func TestUploadInterrupted(t *testing.T) {
	d, m, big := onPrivateMinIO(t)
	cmd, out, errb := d.startUpload(t, m, big)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(cmd.Wait()); code != 130 {
		t.Errorf("exit %d after SIGINT, want 130\nstdout: %s\nstderr: %s", code, out, errb)
	}
	d.nothingStored(t)
	d.run(t, nil, "fsck", "--grace", "0").check(t, 0, "fsck: nothing to repair", "")
	root, err := objectstore.NewClient(objectstore.Options{Endpoint: m.addr, AccessKey: "faultroot", SecretKey: "faultroot-password"})
	if err != nil {
		t.Fatal(err)
	}
	for u := range root.ListIncompleteUploads(context.Background(), d.m.Bucket, "", true) {
		if u.Err != nil {
			t.Fatalf("list incomplete uploads: %v", u.Err)
		}
		t.Errorf("incomplete multipart upload left: %s", u.Key)
	}
}

func TestFsckCommand(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	dir := t.TempDir()
	d.run(t, nil, "upload", writeFile(t, filepath.Join(dir, "a.pdf"), pdfBytes("a"))).check(t, 0, "stored", "")
	d.run(t, nil, "fsck").check(t, 0, "fsck: nothing to repair", "")
	// An object nobody's row names, and quota drift.
	root, err := objectstore.NewClient(d.m.Root())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutObject(context.Background(), d.m.Bucket, "stray/object.bin", strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	d.dep.AdminDB(t).MustExec(`UPDATE quotas SET used_bytes = used_bytes + 99`)
	d.run(t, nil, "fsck").check(t, 1, "quota drift", "run again with --repair")
	r := d.run(t, nil, "fsck", "--grace", "0", "--json")
	r.check(t, 1, `"orphan_objects":["stray/object.bin"]`, "")
	d.run(t, nil, "fsck", "--grace", "0", "--repair").check(t, 0, "fsck: repaired 2 problem(s)", "")
	d.run(t, nil, "fsck", "--grace", "0").check(t, 0, "fsck: nothing to repair", "")
	d.run(t, nil, "fsck", "--grace", "-1s").check(t, 64, "", "--grace must not be negative")
	if n := d.consistent(t); n != 1 {
		t.Errorf("%d documents after repair, want 1", n)
	}
}
