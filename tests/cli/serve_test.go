package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/docuvault/docuvault/tests/testenv"
)

func TestServeRefusesAnUnusableSecretKey(t *testing.T) {
	d := deployed(t)
	for name, key := range map[string]string{
		"missing":     "",
		"placeholder": "CHANGE_ME_TO_64_HEX_CHARACTERS_FROM_OPENSSL_RAND_HEX_32_XXXXXXXX",
		"short":       "only-twenty-bytes-xx",
	} {
		r := d.run(t, map[string]string{"SECRET_KEY": key}, "serve", "--listen", "127.0.0.1:0")
		r.check(t, 1, "", "SECRET_KEY")
		if lines := strings.Count(strings.TrimSpace(r.stderr), "\n"); lines != 0 || !strings.HasPrefix(r.stderr, "docuvault: serve: SECRET_KEY is unusable") {
			t.Errorf("%s: want one line naming SECRET_KEY, got:\n%s", name, r.stderr)
		}
	}
}

// server is a running `docuvault serve`.
type server struct {
	cmd  *exec.Cmd
	url  string
	logs *testenv.SyncBuffer
	done chan error
}

// serve starts `docuvault serve` on a free loopback port and waits until it listens.
func (d *deployment) serve(t *testing.T, extra map[string]string) *server {
	t.Helper()
	cmd := exec.Command(binary(t), "serve", "--listen", "127.0.0.1:0", "--shutdown-timeout", "30s")
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + cmd.Dir, "DOCUVAULT_LOG_FORMAT=json"}
	for k, v := range d.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range extra {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: &testenv.SyncBuffer{}, done: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(s.logs, line)
			var l struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "serve: listening" {
				addr <- l.Addr
			}
		}
		close(addr)
	}()
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("serve exited before listening:\n%s", s.logs)
		}
		s.url = "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not listen within 30s:\n%s", s.logs)
	}
	return s
}

type apiClient struct {
	t     *testing.T
	base  string
	token string
}

func (c apiClient) call(method, path string, body io.Reader, contentType string, out any) int {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
		}
	}
	return res.StatusCode
}

func (c apiClient) json(method, path string, in, out any) int {
	c.t.Helper()
	b, _ := json.Marshal(in)
	return c.call(method, path, bytes.NewReader(b), "application/json", out)
}

type tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

func multipartBody(files map[string][]byte) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for name, content := range files {
		w, _ := mw.CreateFormFile("file", name)
		_, _ = w.Write(content)
	}
	_ = mw.Close()
	return &buf, mw.FormDataContentType()
}

// TestTwoServeProcesses: two instances on one PostgreSQL, MinIO and Redis
// are one service: a session started on one continues on the other, and
// uploads to both at once leave every row, object, quota and audit entry
// right.
func TestTwoServeProcesses(t *testing.T) {
	d := deployed(t)
	d.runIn(t, "password-ann\n", nil, "user", "add", "ann", "--email", "ann@example.org", "--password-stdin").check(t, 0, "created user ann", "")
	a, b := d.serve(t, nil), d.serve(t, nil)

	var first tokens
	if code := (apiClient{t: t, base: a.url}).json("POST", "/api/auth/login", map[string]string{"handle": "ann", "password": "password-ann"}, &first); code != 200 {
		t.Fatalf("login on A: %d", code)
	}
	var second tokens
	if code := (apiClient{t: t, base: b.url}).json("POST", "/api/auth/refresh", map[string]string{"refresh_token": first.RefreshToken}, &second); code != 200 {
		t.Fatalf("refresh on B: %d", code)
	}
	var me map[string]any
	if code := (apiClient{t: t, base: a.url, token: second.AccessToken}).call("GET", "/api/me", nil, "", &me); code != 200 || me["handle"] != "ann" {
		t.Fatalf("B's access token on A: %d %v", code, me)
	}

	// Uploads to both at once: 2 instances × 4 clients × 3 files.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var total int64
	ids := map[string]bool{}
	for i, srv := range []*server{a, b, a, b, a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			files := map[string][]byte{}
			for j := 0; j < 3; j++ {
				files[fmt.Sprintf("c%d-f%d.txt", i, j)] = []byte(strings.Repeat(fmt.Sprintf("client %d file %d ", i, j), 500+i*10+j))
			}
			body, ct := multipartBody(files)
			var up struct {
				Documents []struct {
					ID        string `json:"id"`
					SizeBytes int64  `json:"size_bytes"`
				} `json:"documents"`
			}
			code := (apiClient{t: t, base: srv.url, token: second.AccessToken}).call("POST", "/api/documents", body, ct, &up)
			mu.Lock()
			defer mu.Unlock()
			if code != 201 || len(up.Documents) != 3 {
				t.Errorf("upload %d: %d %+v", i, code, up)
				return
			}
			for _, doc := range up.Documents {
				ids[doc.ID] = true
				total += doc.SizeBytes
			}
		}()
	}
	wg.Wait()
	if len(ids) != 24 {
		t.Fatalf("%d documents stored, want 24", len(ids))
	}
	if n := d.consistent(t); n != 24 {
		t.Errorf("%d documents consistent, want 24", n)
	}
	db := d.dep.AdminDB(t)
	var used, rows, uploads, logins int64
	db.Get(&used, `SELECT used_bytes FROM quotas q JOIN users u ON u.id = q.user_id WHERE u.handle = 'ann'`)
	db.Get(&rows, `SELECT count(*) FROM documents WHERE status = 'pending'`)
	db.Get(&uploads, `SELECT count(DISTINCT resource_id) FROM audit_log WHERE event_type = 'upload'`)
	db.Get(&logins, `SELECT count(*) FROM audit_log WHERE event_type = 'login'`)
	if used != total || rows != 24 || uploads != 24 || logins != 1 {
		t.Errorf("quota %d (want %d), pending rows %d, upload events %d, logins %d", used, total, rows, uploads, logins)
	}
	if got := d.jobCount(t); got != 24 {
		t.Errorf("%d jobs queued, want 24", got)
	}
	// The spent refresh token, replayed on A after the grace window for
	// tabs refreshing at once (30 s: moved back rather than waited for),
	// ends every session.
	if _, err := db.Exec(`UPDATE refresh_tokens SET revoked_at = revoked_at - interval '1 minute' WHERE replaced_by IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	if code := (apiClient{t: t, base: a.url}).json("POST", "/api/auth/refresh", map[string]string{"refresh_token": first.RefreshToken}, &e); code != 401 || e.Error.Code != "token_reused" {
		t.Errorf("replay on A: %d %+v", code, e)
	}
	if code := (apiClient{t: t, base: b.url}).json("POST", "/api/auth/refresh", map[string]string{"refresh_token": second.RefreshToken}, &e); code != 401 {
		t.Errorf("B's token after the replay: %d", code)
	}
}

// TestServeShutdownLetsUploadsFinish: SIGTERM during an upload stops new
// connections but lets the upload finish and be stored; then serve exits 0.
func TestServeShutdownLetsUploadsFinish(t *testing.T) {
	d := deployed(t)
	d.runIn(t, "password-ann\n", nil, "user", "add", "ann", "--email", "ann@example.org", "--password-stdin").check(t, 0, "created user ann", "")
	s := d.serve(t, nil)
	var tok tokens
	if code := (apiClient{t: t, base: s.url}).json("POST", "/api/auth/login", map[string]string{"handle": "ann", "password": "password-ann"}, &tok); code != 200 {
		t.Fatalf("login: %d", code)
	}
	// A slow upload: 2 MiB sent in 64 KiB pieces over about 2 seconds.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	started := make(chan struct{})
	go func() {
		w, _ := mw.CreateFormFile("file", "slow.pdf")
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		copy(chunk, "%PDF-1.4\n")
		for i := 0; i < 32; i++ {
			if _, err := w.Write(chunk); err != nil {
				pw.CloseWithError(err)
				return
			}
			if i == 4 {
				close(started)
			}
			time.Sleep(60 * time.Millisecond)
			chunk = bytes.Repeat([]byte("y"), 64<<10)
		}
		pw.CloseWithError(mw.Close())
	}()
	type result struct {
		code int
		body string
	}
	resc := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("POST", s.url+"/api/documents", pr)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			resc <- result{0, err.Error()}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		resc <- result{res.StatusCode, string(b)}
	}()
	<-started
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// New connections are refused while the upload goes on: the signal is
	// the listener closing, awaited, not slept on.
	refused := false
	for deadline := time.Now().Add(10 * time.Second); !refused && time.Now().Before(deadline); {
		res, err := http.Get(s.url + "/health")
		if err != nil {
			refused = true
			break
		}
		res.Body.Close()
		time.Sleep(10 * time.Millisecond)
	}
	if !refused {
		t.Error("new connections were still accepted 10 s after SIGTERM")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	select {
	case r := <-resc:
		if r.code != 201 {
			t.Fatalf("upload during shutdown: %d %s", r.code, r.body)
		}
	case <-ctx.Done():
		t.Fatal("upload did not finish")
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", err, s.logs)
		}
	case <-ctx.Done():
		t.Fatal("serve did not exit")
	}
	if n := d.consistent(t); n != 1 {
		t.Errorf("%d documents after shutdown, want 1", n)
	}
	var size int64
	d.dep.AdminDB(t).Get(&size, `SELECT size_bytes FROM documents`)
	if size != 32*64<<10 {
		t.Errorf("stored %d bytes, want %d", size, 32*64<<10)
	}
}

// TestServeAcceptance is the "done when": a user made with the CLI
// logs in over HTTP, uploads a PDF, sees it classified after the worker
// runs, downloads it byte-identical, shares it with a second user who can
// view but not delete it, and finds every step in /api/audit.
func TestServeAcceptance(t *testing.T) {
	d := deployed(t)
	for _, h := range []string{"ann", "bob"} {
		d.runIn(t, "password-"+h+"\n", nil, "user", "add", h, "--email", h+"@example.org", "--password-stdin").check(t, 0, "created user "+h, "")
	}
	d.run(t, nil, "topic", "add", "Finance", "--user", "ann", "--description", "invoices taxes bank statements").check(t, 0, "", "")
	s := d.serve(t, nil)
	login := func(h string) apiClient {
		var tok tokens
		if code := (apiClient{t: t, base: s.url}).json("POST", "/api/auth/login", map[string]string{"handle": h, "password": "password-" + h}, &tok); code != 200 {
			t.Fatalf("login %s: %d", h, code)
		}
		return apiClient{t: t, base: s.url, token: tok.AccessToken}
	}
	ann, bob := login("ann"), login("bob")

	content, err := os.ReadFile(filepath.Join(repoRoot(t), "pkg", "extract", "testdata", "pdf", "libreoffice.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	body, ct := multipartBody(map[string][]byte{"invoice.pdf": content})
	var up struct {
		Documents []struct {
			ID string `json:"id"`
		} `json:"documents"`
	}
	if code := ann.call("POST", "/api/documents", body, ct, &up); code != 201 || len(up.Documents) != 1 {
		t.Fatalf("upload: %d %+v", code, up)
	}
	id := up.Documents[0].ID
	d.run(t, nil, "worker", "--drain").check(t, 0, "drained: 1 processed", "")
	var doc struct {
		Status string `json:"status"`
	}
	if code := ann.call("GET", "/api/documents/"+id, nil, "", &doc); code != 200 || doc.Status != "classified" {
		t.Fatalf("after the worker: %d %+v", code, doc)
	}
	req, _ := http.NewRequest("GET", s.url+"/api/documents/"+id+"/content", nil)
	req.Header.Set("Authorization", "Bearer "+ann.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(got, content) {
		t.Fatalf("download: %d, identical %v", res.StatusCode, bytes.Equal(got, content))
	}
	if code := ann.json("POST", "/api/documents/"+id+"/shares", map[string]string{"recipient": "bob", "permission": "view"}, nil); code != 201 {
		t.Fatalf("share: %d", code)
	}
	if code := bob.call("GET", "/api/documents/"+id, nil, "", nil); code != 200 {
		t.Errorf("bob views: %d", code)
	}
	if code := bob.call("DELETE", "/api/documents/"+id, nil, "", nil); code != 403 {
		t.Errorf("bob deletes: %d", code)
	}
	var audit struct {
		Entries []struct {
			EventType string `json:"event_type"`
		} `json:"entries"`
	}
	ann.call("GET", "/api/audit", nil, "", &audit)
	seen := map[string]bool{}
	for _, e := range audit.Entries {
		seen[e.EventType] = true
	}
	for _, want := range []string{"login", "upload", "download", "share"} {
		if !seen[want] {
			t.Errorf("ann's audit lacks %s: %+v", want, audit.Entries)
		}
	}
}
