package chaos

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/minio/minio-go/v7"

	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/tests/testenv"
)

// vault is one private DocuVault: its own MinIO, PostgreSQL and Redis,
// provisioned by `migrate up`, `grant` and `bucket init`, with one user.
type vault struct {
	t         *testing.T
	minio     *minioServer
	pg        *pgServer
	redis     *redisServer
	bucket    string
	appKey    string
	appSecret string
	secretKey string
	handle    string
	password  string
	ownerID   string
	db        *sqlx.DB // the superuser, to look behind the app's back
}

// newVault starts the services and deploys DocuVault on them.
func newVault(t *testing.T) *vault {
	t.Helper()
	needTools(t)
	v := &vault{t: t, bucket: "docuvault", appKey: "chaos-app", appSecret: randomHex(16), secretKey: randomHex(32), handle: "ann", password: "chaos-vault-" + randomHex(4) + "-ledger"}
	// MinIO starts (and initialises itself) while PostgreSQL is created.
	v.minio = newMinIO(t)
	v.pg = newPostgres(t)
	v.redis = newRedis(t)
	v.minio.waitReady()
	for _, args := range [][]string{{"migrate", "up"}, {"grant"}, {"bucket", "init"}} {
		v.deploy(args...).want(t, 0)
	}
	v.cli(v.password+"\n", "user", "add", v.handle, "--email", "ann@example.org", "--password-stdin", "--quota", "8GiB").want(t, 0)
	db, err := sqlx.Open("postgres", v.pg.url("postgres", v.pg.superPass, "docuvault"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	v.db = db
	if err := db.Get(&v.ownerID, `SELECT id FROM users WHERE handle = $1`, v.handle); err != nil {
		t.Fatal(err)
	}
	return v
}

// appEnv is what serve, worker and upload get: the app role, the
// bucket-scoped key, Redis; no root or migrate credential.
func (v *vault) appEnv() []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + v.t.TempDir(),
		"DATABASE_URL=" + v.pg.url("docuvault_app", v.pg.appPass, "docuvault"),
		"MINIO_ENDPOINT=" + v.minio.addr,
		"MINIO_BUCKET=" + v.bucket,
		"MINIO_ACCESS_KEY=" + v.appKey,
		"MINIO_SECRET_KEY=" + v.appSecret,
		"REDIS_URL=" + v.redis.url(),
		"SECRET_KEY=" + v.secretKey,
		"DOCUVAULT_USER=" + v.handle,
		"DOCUVAULT_LOG_FORMAT=json",
	}
}

// result is a finished command.
type result struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r result) want(t *testing.T, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("docuvault %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(r.args, " "), r.code, code, r.stdout, r.stderr)
	}
	return r
}

// cli runs docuvault with the app's environment.
func (v *vault) cli(stdin string, args ...string) result {
	v.t.Helper()
	return v.runBinary(v.appEnv(), stdin, args...)
}

// deploy runs a deploy step, with the migrate role and MinIO's root key.
func (v *vault) deploy(args ...string) result {
	v.t.Helper()
	env := append(v.appEnv(),
		"DATABASE_MIGRATE_URL="+v.pg.url("docuvault_migrate", v.pg.migratePass, "docuvault"),
		"MINIO_ROOT_USER="+v.minio.user, "MINIO_ROOT_PASSWORD="+v.minio.password)
	return v.runBinary(env, "", args...)
}

func (v *vault) runBinary(env []string, stdin string, args ...string) result {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin.docuvault, args...)
	cmd.Dir = v.t.TempDir()
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{args: args, stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		v.t.Fatalf("docuvault %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// daemon is a running serve or worker.
type daemon struct {
	*process
	name string
	logs *testenv.SyncBuffer
	url  string // serve's base URL
}

// start runs a long-running docuvault command; its log is shown when the
// test fails.
func (v *vault) start(name string, extraEnv []string, args ...string) *daemon {
	v.t.Helper()
	cmd := exec.Command(bin.docuvault, args...)
	cmd.Dir = v.t.TempDir()
	cmd.Env = append(v.appEnv(), extraEnv...)
	d := &daemon{name: name, logs: &testenv.SyncBuffer{}}
	cmd.Stdout = d.logs
	cmd.Stderr = d.logs
	d.process = startProcess(v.t, cmd)
	t := v.t
	t.Cleanup(func() {
		if !d.exited() {
			d.kill()
		}
		if t.Failed() {
			t.Logf("%s's warnings and errors (first 40), and the end of its log:\n%s\n…\n%s", d.name, problemLines(d.logs.String(), 40), tail(d.logs.String(), 3000))
		}
	})
	return d
}

// problemLines returns the first n lines of a JSON log at WARN or ERROR.
func problemLines(log string, n int) string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if len(out) < n && (strings.Contains(line, `"level":"ERROR"`) || strings.Contains(line, `"level":"WARN"`)) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// serve starts `docuvault serve` on a free port and waits until /health
// says ok.
func (v *vault) serve(extraEnv ...string) *daemon {
	v.t.Helper()
	d := v.start("serve", extraEnv, "serve", "--listen", fmt.Sprintf("127.0.0.1:%d", freePort(v.t)), "--shutdown-timeout", "20s")
	d.url = "http://" + d.cmd.Args[3]
	waitFor(v.t, time.Minute, "serve healthy", func() error {
		if d.exited() {
			return &fatalError{fmt.Errorf("serve exited (%v):\n%s", d.err, d.logs.String())}
		}
		return healthy(d.url)
	})
	return d
}

func healthy(base string) error {
	res, err := http.Get(base + "/health")
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("/health: %s %s", res.Status, b)
	}
	return nil
}

// worker starts a long-running `docuvault worker`. Retries wait 1s, not
// 10s, so a job failed by an outage runs again within the test.
func (v *vault) worker(extraEnv ...string) *daemon {
	v.t.Helper()
	return v.start("worker", append([]string{"DOCUVAULT_JOB_RETRY_DELAY=1s"}, extraEnv...), "worker", "--concurrency", "2", "--shutdown-timeout", "20s")
}

// stop sends SIGTERM and returns the exit code.
func (d *daemon) stop(t *testing.T) int {
	t.Helper()
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(90 * time.Second):
		d.kill()
		t.Fatalf("%s did not stop within 90s of SIGTERM", d.name)
	}
	if d.cmd.ProcessState == nil {
		return -1
	}
	return d.cmd.ProcessState.ExitCode()
}

// restartMinIO starts the vault's MinIO again and waits until the app's
// bucket-scoped key works: /minio/health/ready answers 200 before MinIO has
// loaded its users, and a request signed with the app key meanwhile fails
// with "IAM sub-system not initialized yet" (a CI run, 2026-12-05).
func (v *vault) restartMinIO() {
	v.t.Helper()
	v.minio.start()
	c, err := objectstore.NewClient(objectstore.Options{Endpoint: v.minio.addr, Bucket: v.bucket, AccessKey: v.appKey, SecretKey: v.appSecret})
	if err != nil {
		v.t.Fatal(err)
	}
	waitFor(v.t, 2*time.Minute, "MinIO's users loaded (the app key works)", func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ok, err := c.BucketExists(ctx, v.bucket)
		if err == nil && !ok {
			return &fatalError{fmt.Errorf("bucket %s is gone after MinIO's restart", v.bucket)}
		}
		return err
	})
}

// rootStore is a MinIO client with the root key, to look at the bucket.
func (v *vault) rootStore() *minio.Client {
	v.t.Helper()
	c, err := objectstore.NewClient(objectstore.Options{Endpoint: v.minio.addr, Bucket: v.bucket, AccessKey: v.minio.user, SecretKey: v.minio.password})
	if err != nil {
		v.t.Fatal(err)
	}
	return c
}

// ---------------------------------------------------------------- API client

type client struct {
	base  string
	token string
	http  *http.Client
}

// login signs the vault's user in on serve.
func (v *vault) login(s *daemon) *client {
	v.t.Helper()
	c := &client{base: s.url, http: &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}}
	b, _ := json.Marshal(map[string]string{"handle": v.handle, "password": v.password})
	res, err := c.http.Post(s.url+"/api/auth/login", "application/json", bytes.NewReader(b))
	if err != nil {
		v.t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || res.StatusCode != http.StatusOK || tok.AccessToken == "" {
		v.t.Fatalf("login: %d %v", res.StatusCode, err)
	}
	c.token = tok.AccessToken
	return c
}

func (c *client) do(req *http.Request) (*http.Response, error) {
	req.Header.Set("Authorization", "Bearer "+c.token)
	return c.http.Do(req)
}

// uploadAnswer is POST /api/documents' answer (or its error).
type uploadAnswer struct {
	Documents []struct {
		ID        string `json:"id"`
		SizeBytes int64  `json:"size_bytes"`
	} `json:"documents"`
	Results []struct {
		Status      int    `json:"status"`
		DuplicateOf string `json:"duplicate_of"`
	} `json:"results"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// upload posts one file; err is a transport error (no answer). A 429
// (the per-user limit on large uploads in flight) is waited out as its
// Retry-After says, as a well-behaved client does.
func (c *client) upload(ctx context.Context, name string, body []byte) (int, uploadAnswer, error) {
	for {
		code, a, wait, err := c.uploadOnce(ctx, name, body)
		if code != http.StatusTooManyRequests || err != nil {
			return code, a, err
		}
		select {
		case <-ctx.Done():
			return code, a, ctx.Err()
		case <-time.After(wait):
		}
	}
}

func (c *client) uploadOnce(ctx context.Context, name string, body []byte) (int, uploadAnswer, time.Duration, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("file", name)
	_, _ = w.Write(body)
	_ = mw.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/documents", &buf)
	if err != nil {
		return 0, uploadAnswer{}, 0, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := c.do(req)
	if err != nil {
		return 0, uploadAnswer{}, 0, err
	}
	defer res.Body.Close()
	wait := 100 * time.Millisecond
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s > 0 {
		wait = time.Duration(s) * time.Second
	}
	var a uploadAnswer
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, a, wait, err
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return res.StatusCode, a, wait, fmt.Errorf("answer %d is not JSON: %.200q", res.StatusCode, b)
	}
	return res.StatusCode, a, wait, nil
}

// get fetches path and returns its status and body.
func (c *client) get(ctx context.Context, path string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return 0, nil, err
	}
	res, err := c.do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// ---------------------------------------------------------------- documents

// words are what generated documents are made of.
var words = strings.Fields(`invoice payment bank transfer account balance statement tax return
	refund receipt insurance policy claim contract lease rent landlord tenant salary payslip
	employer pension doctor hospital prescription pharmacy school report grade teacher holiday
	flight hotel booking train ticket car repair garage warranty manual electricity water gas
	meter reading phone internet subscription cancel notice deadline reminder letter council`)

// textDoc is a deterministic text document of about size bytes that
// starts with a marker naming it, so its text can be told from any other's.
func textDoc(marker string, seed uint64, size int) []byte {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	var b bytes.Buffer
	b.Grow(size + 64)
	fmt.Fprintf(&b, "%s\n", marker)
	for b.Len() < size {
		b.WriteString(words[r.IntN(len(words))])
		if r.IntN(12) == 0 {
			b.WriteString(".\n")
		} else {
			b.WriteByte(' ')
		}
	}
	return b.Bytes()
}

// ledger is every upload that got a success: what must never be lost.
type ledger struct {
	mu   sync.Mutex
	docs map[string]storedDoc
}

type storedDoc struct {
	name string
	size int64
	sum  [32]byte
}

func newLedger() *ledger { return &ledger{docs: map[string]storedDoc{}} }

func (l *ledger) add(t *testing.T, id, name string, body []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if old, ok := l.docs[id]; ok {
		t.Errorf("document %s (%s) reported stored twice (before as %s)", id, name, old.name)
	}
	l.docs[id] = storedDoc{name: name, size: int64(len(body)), sum: sha256.Sum256(body)}
}

func (l *ledger) ids() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := make([]string, 0, len(l.docs))
	for id := range l.docs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func (l *ledger) bytes() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var n int64
	for _, d := range l.docs {
		n += d.size
	}
	return n
}

// writeFiles writes n generated documents into dir; sizes cycle through
// sizes. It returns the paths and the contents by path.
func writeFiles(t *testing.T, dir, prefix string, n int, sizes ...int) ([]string, map[string][]byte) {
	t.Helper()
	paths := make([]string, 0, n)
	content := map[string][]byte{}
	for i := range n {
		name := fmt.Sprintf("%s-%03d.txt", prefix, i)
		body := textDoc(fmt.Sprintf("chaosdoc %s %03d", prefix, i), uint64(i)+uint64(len(prefix))<<32, sizes[i%len(sizes)])
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, body, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
		content[p] = body
	}
	return paths, content
}

// uploadLine is one line of `docuvault upload --json`.
type uploadLine struct {
	Path        string `json:"path"`
	ID          string `json:"id"`
	SizeBytes   int64  `json:"size_bytes"`
	Status      string `json:"status"`
	DuplicateOf string `json:"duplicate_of"`
	Error       string `json:"error"`
}

func parseUploadLines(t *testing.T, out string) []uploadLine {
	t.Helper()
	var lines []uploadLine
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var l uploadLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("upload --json line %q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	return lines
}

// ---------------------------------------------------------------- checks

// statusCounts counts the documents by status.
func (v *vault) statusCounts() (map[string]int, error) {
	var rows []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := v.db.Select(&rows, `SELECT status, count(*) AS n FROM documents GROUP BY status`); err != nil {
		return nil, err
	}
	m := map[string]int{}
	for _, r := range rows {
		m[r.Status] = r.N
	}
	return m, nil
}

// waitAllRead waits until every document in the ledger has been read by a
// worker (classified, or no_text), and fails on one that failed.
func (v *vault) waitAllRead(t *testing.T, l *ledger, timeout time.Duration) {
	t.Helper()
	ids := l.ids()
	waitFor(t, timeout, "every document read", func() error {
		var rows []struct {
			ID     string `db:"id"`
			Status string `db:"status"`
		}
		if err := v.db.Select(&rows, `SELECT id, status FROM documents WHERE id = ANY($1::uuid[]) AND status NOT IN ('classified', 'no_text')`, "{"+strings.Join(ids, ",")+"}"); err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		for _, r := range rows {
			if r.Status == "failed" {
				var reason string
				_ = v.db.Get(&reason, `SELECT COALESCE(failure_reason, '') FROM documents WHERE id = $1`, r.ID)
				return &fatalError{fmt.Errorf("document %s failed: %s", r.ID, reason)}
			}
		}
		return fmt.Errorf("%d of %d not read yet (e.g. %s %s)", len(rows), len(ids), rows[0].ID, rows[0].Status)
	})
}

// backdate makes the worker's timers believe minutes have passed: the
// documents' updated_at (the heartbeat of those 'processing', the age of
// those 'pending') moves 3 minutes back, past StaleAfter (2m) and
// SweepAge (1m), which have no setting; a worker started afterwards
// sweeps at once.
func (v *vault) backdate(t *testing.T) {
	t.Helper()
	if _, err := v.db.Exec(`UPDATE documents SET updated_at = updated_at - interval '3 minutes' WHERE status IN ('pending', 'processing')`); err != nil {
		t.Fatal(err)
	}
}

type verifyOptions struct {
	// read: every document must have been read by a worker, its text once.
	read bool
}

// verify checks the promises: every document of the ledger is a row and
// downloads byte-identical through the API; there is no other document;
// the bucket holds exactly the rows' objects and no unfinished multipart
// upload; the quota is the sum of the documents and equals what the
// ledger says was stored; `docuvault fsck` is clean.
func (v *vault) verify(t *testing.T, l *ledger, o verifyOptions) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	var rows []struct {
		ID        string `db:"id"`
		UserID    string `db:"user_id"`
		ObjectKey string `db:"object_key"`
		Size      int64  `db:"size_bytes"`
		Sum       []byte `db:"sha256"`
		Status    string `db:"status"`
		Text      string `db:"text"`
	}
	if err := v.db.Select(&rows, `SELECT id, COALESCE(user_id::text, '') AS user_id, object_key, size_bytes, sha256, status,
		COALESCE(extracted_text, '') AS text FROM documents`); err != nil {
		t.Fatal(err)
	}
	var derived []struct {
		DocumentID string `db:"document_id"`
		ObjectKey  string `db:"object_key"`
		Size       int64  `db:"size_bytes"`
	}
	if err := v.db.Select(&derived, `SELECT document_id, object_key, size_bytes FROM document_objects`); err != nil {
		t.Fatal(err)
	}

	// Rows: exactly the ledger's documents, stored, of their size and hash.
	want := map[string]storedDoc{}
	for _, id := range l.ids() {
		want[id] = l.docs[id]
	}
	keys := map[string]bool{}
	var sumRows int64
	for _, r := range rows {
		keys[r.ObjectKey] = true
		sumRows += r.Size
		w, ok := want[r.ID]
		if !ok {
			t.Errorf("document %s (status %s, %d bytes) is stored but no upload of it got a success", r.ID, r.Status, r.Size)
			continue
		}
		delete(want, r.ID)
		if r.Status == "uploading" {
			t.Errorf("document %s (%s) is still 'uploading'", r.ID, w.name)
		}
		if r.Size != w.size || !bytes.Equal(r.Sum, w.sum[:]) {
			t.Errorf("document %s (%s): row says %d bytes sha256 %x, uploaded %d bytes %x", r.ID, w.name, r.Size, r.Sum, w.size, w.sum)
		}
		if o.read {
			marker := strings.SplitN(string(textDocMarker(w.name)), "\n", 2)[0]
			if r.Status != "classified" && r.Status != "no_text" {
				t.Errorf("document %s (%s) is %s, not read", r.ID, w.name, r.Status)
			} else if n := strings.Count(r.Text, marker); n != 1 {
				t.Errorf("document %s (%s): its marker %q is %d times in its text, want once", r.ID, w.name, marker, n)
			}
		}
	}
	for id, w := range want {
		t.Errorf("LOST: document %s (%s) got a success but has no row", id, w.name)
	}
	for _, d := range derived {
		keys[d.ObjectKey] = true
	}

	// Objects: exactly the rows'; no unfinished multipart upload.
	store := v.rootStore()
	seen := map[string]bool{}
	for obj := range store.ListObjects(ctx, v.bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			t.Fatalf("list bucket: %v", obj.Err)
		}
		seen[obj.Key] = true
		if !keys[obj.Key] {
			t.Errorf("ORPHAN: object %s (%d bytes) has no row", obj.Key, obj.Size)
		}
	}
	for k := range keys {
		if !seen[k] {
			t.Errorf("row's object %s is missing from the bucket", k)
		}
	}
	if ups := incompleteUploads(ctx, t, store, v.bucket); len(ups) > 0 {
		t.Errorf("unfinished multipart uploads left in the bucket: %v", ups)
	}

	// Quota: the sum of the documents and their derived objects, and what
	// the ledger says was stored.
	var used int64
	if err := v.db.Get(&used, `SELECT used_bytes FROM quotas WHERE user_id = $1`, v.ownerID); err != nil {
		t.Fatal(err)
	}
	var sumDerived int64
	for _, d := range derived {
		sumDerived += d.Size
	}
	if used != sumRows+sumDerived || sumRows != l.bytes() {
		t.Errorf("quota: used_bytes %d; documents sum to %d (+%d derived); successful uploads to %d", used, sumRows, sumDerived, l.bytes())
	}

	// Every document downloads byte-identical, through a fresh serve.
	s := v.serve()
	c := v.login(s)
	ids := l.ids()
	var wg sync.WaitGroup
	next := make(chan string)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range next {
				code, body, err := c.get(ctx, "/api/documents/"+id+"/content")
				w := l.docs[id]
				switch {
				case err != nil || code != http.StatusOK:
					t.Errorf("download %s (%s): %d %v %.200s", id, w.name, code, err, body)
				case int64(len(body)) != w.size || sha256.Sum256(body) != w.sum:
					t.Errorf("download %s (%s): %d bytes, not the %d uploaded (or other bytes)", id, w.name, len(body), w.size)
				}
			}
		}()
	}
	for _, id := range ids {
		next <- id
	}
	close(next)
	wg.Wait()
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exited %d after SIGTERM", code)
	}

	v.fsckClean(t)
}

// textDocMarker returns the first line textDoc wrote for the file name
// writeFiles or the API uploads gave it ("chaosdoc PREFIX NNN").
func textDocMarker(name string) string {
	base := strings.TrimSuffix(filepath.Base(name), ".txt")
	i := strings.LastIndexByte(base, '-')
	if i < 0 {
		return "chaosdoc " + base
	}
	return "chaosdoc " + base[:i] + " " + base[i+1:]
}

// fsckReport is `docuvault fsck --json`: every field a list of problems,
// but repaired.
type fsckReport map[string]json.RawMessage

func (r fsckReport) problems() map[string]int {
	out := map[string]int{}
	for k, raw := range r {
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
			out[k] = len(list)
		}
	}
	return out
}

// fsck runs `docuvault fsck --json --grace 0` (args added) and decodes its report.
func (v *vault) fsck(t *testing.T, args ...string) (int, fsckReport, result) {
	t.Helper()
	r := v.cli("", append([]string{"fsck", "--json", "--grace", "0"}, args...)...)
	var rep fsckReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep) == 0 {
		t.Fatalf("fsck --json (exit %d) printed no report: %v\nstdout: %s\nstderr: %s", r.code, err, r.stdout, r.stderr)
	}
	return r.code, rep, r
}

// fsckClean asserts fsck exits 0 and reports nothing.
func (v *vault) fsckClean(t *testing.T) {
	t.Helper()
	code, rep, r := v.fsck(t)
	if p := rep.problems(); code != 0 || len(p) > 0 {
		t.Errorf("fsck: exit %d, problems %v\nstdout: %s\nstderr: %s", code, p, r.stdout, r.stderr)
	}
}

// leftoverKinds are what a failed upload may leave behind when the service
// its clean-up needs is down at that moment (the object store answered the
// write but died before saying so; PostgreSQL was down when the row
// reserved for a large upload was to be removed; MinIO was down when a
// multipart upload was to be aborted): fsck finds them and --repair
// removes them. A lost document, a missing object or quota drift is never
// a leftover.
var leftoverKinds = map[string]bool{"orphan_objects": true, "stale_uploads": true, "incomplete_uploads": true}

// repairLeftovers runs fsck --grace 0: whatever it finds must be a
// leftover of an upload that failed (no document of the ledger), and
// fsck --repair must remove it. It returns what was found, for the log.
func (v *vault) repairLeftovers(t *testing.T, l *ledger) map[string]int {
	t.Helper()
	code, rep, r := v.fsck(t)
	found := rep.problems()
	if len(found) == 0 {
		if code != 0 {
			t.Errorf("fsck: exit %d with nothing found\n%s", code, r.stderr)
		}
		return found
	}
	for kind := range found {
		if !leftoverKinds[kind] {
			t.Errorf("fsck finds %s after the outage: %s", kind, r.stdout)
		}
	}
	var stale []struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(rep["stale_uploads"], &stale)
	var orphans []string
	_ = json.Unmarshal(rep["orphan_objects"], &orphans)
	var multipart []struct {
		Key string `json:"key"`
	}
	_ = json.Unmarshal(rep["incomplete_uploads"], &multipart)
	ids := map[string]bool{}
	for _, s := range stale {
		ids[s.ID] = true
	}
	for _, k := range orphans {
		ids[docIDOfKey(k)] = true
	}
	for _, m := range multipart {
		ids[docIDOfKey(m.Key)] = true
	}
	l.mu.Lock()
	for id := range ids {
		if d, ok := l.docs[id]; ok {
			t.Errorf("fsck counts document %s (%s), whose upload succeeded, as a leftover: %s", id, d.name, r.stdout)
		}
	}
	l.mu.Unlock()
	if code != 1 {
		t.Errorf("fsck found %v but exited %d, want 1", found, code)
	}
	if code, _, r := v.fsck(t, "--repair"); code != 0 {
		t.Errorf("fsck --repair: exit %d\n%s\n%s", code, r.stdout, r.stderr)
	}
	t.Logf("leftovers of failed uploads, found and removed by fsck --repair: %v", found)
	return found
}

// docIDOfKey is the document id in an object key {user}/{document}/{uuid}{ext}.
func docIDOfKey(key string) string {
	parts := strings.Split(key, "/")
	if len(parts) < 2 {
		return key
	}
	return parts[1]
}

// incompleteUploads lists the bucket's unfinished multipart uploads.
func incompleteUploads(ctx context.Context, t *testing.T, store *minio.Client, bucket string) []string {
	t.Helper()
	var out []string
	for u := range store.ListIncompleteUploads(ctx, bucket, "", true) {
		if u.Err != nil {
			t.Fatalf("list multipart uploads: %v", u.Err)
		}
		out = append(out, u.Key)
	}
	slices.Sort(out)
	return out
}

// rssBytes is a process's resident set size, from /proc.
func rssBytes(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err != nil {
				return 0, err
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmRSS")
}

// ingestCounts is what an ingestion left behind: documents (not
// 'uploading'), their distinct names, rows still 'uploading', the items
// the ingestion remembered as taken, and ingest errors.
type ingestCounts struct{ docs, distinct, stale, remembered, errs int }

// ingested counts them; remembered is the query counting taken items.
func (v *vault) ingested(t *testing.T, remembered string) ingestCounts {
	t.Helper()
	var c ingestCounts
	for q, dst := range map[string]*int{
		`SELECT count(*) FROM documents WHERE status <> 'uploading'`:                 &c.docs,
		`SELECT count(DISTINCT filename) FROM documents WHERE status <> 'uploading'`: &c.distinct,
		`SELECT count(*) FROM documents WHERE status = 'uploading'`:                  &c.stale,
		remembered:                           &c.remembered,
		`SELECT count(*) FROM ingest_errors`: &c.errs,
	} {
		if err := v.db.Get(dst, q); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// wantNoQuotaDrift fails t when a quota is not the sum of its documents.
func (v *vault) wantNoQuotaDrift(t *testing.T) {
	t.Helper()
	var drift int
	if err := v.db.Get(&drift, `SELECT count(*) FROM quotas q WHERE used_bytes <> COALESCE((SELECT sum(size_bytes) FROM documents d WHERE d.user_id = q.user_id), 0)`); err != nil || drift != 0 {
		t.Errorf("quota drift in %d quotas (%v)", drift, err)
	}
}
