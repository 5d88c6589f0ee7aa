// Package web tests the web app end to end: a real `docuvault serve` and
// `worker` on the services of scripts/services.sh, driven in Debian's
// headless Chromium by playwright-core (e2e.mjs, run with Node). With
// DOCUVAULT_TEST_REQUIRE_SERVICES=1 a missing service, Node, Chromium or
// playwright-core fails the test instead of skipping it.
//
// Screenshots of the main pages land in .dev/web-screenshots (or
// DOCUVAULT_WEB_SCREENSHOTS).
//
// Each test has a deployment, serve, worker, users and Chromium of its
// own and its own screenshot folder. The tests run one at a time: in
// parallel, in CI beside tests/chaos and tests/cli, the load made
// e2e.mjs's classification and a chaos test's timing fail (2026-12-04).
// The binary is built once for the package (build).
package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/tests/testenv"
	"github.com/docuvault/docuvault/web"
)

type env struct {
	root, bin string
	vars      map[string]string
}

// built is the docuvault binary every test of the package runs: built once
// by build, removed by TestMain.
var built struct {
	once sync.Once
	root string // the module root it was built from
	dir  string // the temporary directory holding it
	bin  string
	err  error
	out  []byte
}

// build returns the docuvault binary of the module at root, built (without
// -race, as a release is) into a temporary directory the first time a test
// asks and shared by every test of the package after that: each test runs
// it with a deployment of its own, so they need not link one each.
func build(t *testing.T, root string) string {
	t.Helper()
	built.once.Do(func() {
		built.root = root
		if built.dir, built.err = os.MkdirTemp("", "docuvault-web-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "docuvault")
		cmd := exec.Command("go", "build", "-o", built.bin, ".")
		cmd.Dir = root
		built.out, built.err = cmd.CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("go build: %v\n%s", built.err, built.out)
	}
	if root != built.root {
		t.Fatalf("build(%s): the package's binary is built from %s", root, built.root)
	}
	return built.bin
}

// TestMain runs the tests and removes the binary build made.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

func (e env) command(ctx context.Context, t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, e.bin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + cmd.Dir, "DOCUVAULT_LOG_FORMAT=json"}
	for k, v := range e.vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// run runs a docuvault command to its end.
func (e env) run(t *testing.T, stdin string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := e.command(ctx, t, args...)
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docuvault %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// start starts a long-running docuvault command, stopped when the test ends.
func (e env) start(t *testing.T, logs *testenv.SyncBuffer, args ...string) *exec.Cmd {
	t.Helper()
	cmd := e.command(context.Background(), t, args...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// serve starts `docuvault serve` on a free port and returns its base URL.
func (e env) serve(t *testing.T, logs *testenv.SyncBuffer) string {
	t.Helper()
	cmd := e.command(context.Background(), t, "serve", "--listen", "127.0.0.1:0", "--shutdown-timeout", "5s")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logs, line)
			var l struct{ Msg, Addr, URL string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "serve: listening" {
				addr <- l.URL
			}
		}
		close(addr)
	}()
	select {
	case u, ok := <-addr:
		if !ok || u == "" {
			t.Fatalf("serve exited or printed no url:\n%s", logs)
		}
		return strings.TrimSuffix(u, "/")
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not listen within 30s:\n%s", logs)
	}
	return ""
}

// npmCI lets one test at a time check web/node_modules and install it.
var npmCI sync.Mutex

// browserTools finds Node, Chromium, playwright-core and axe-core
// (installing the web app's locked node modules when they are missing).
func browserTools(t *testing.T, root string) (node, chromium string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Unavailable(t, "node is not installed")
	}
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		testenv.Unavailable(t, "%s: %v (scripts/services.sh up installs Debian's chromium)", chromium, err)
	}
	webDir := filepath.Join(root, "web")
	// Tests run in parallel: one installs, the others wait for it.
	npmCI.Lock()
	defer npmCI.Unlock()
	_, errPlaywright := os.Stat(filepath.Join(webDir, "node_modules", "playwright-core", "package.json"))
	_, errAxe := os.Stat(filepath.Join(webDir, "node_modules", "axe-core", "axe.min.js"))
	if errPlaywright != nil || errAxe != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "ci", "--prefer-offline", "--no-audit", "--no-fund")
		cmd.Dir = webDir
		if out, err := cmd.CombinedOutput(); err != nil {
			testenv.Unavailable(t, "npm ci in web/: %v\n%s", err, out)
		}
	}
	return node, chromium
}

// session is a signed-in API client, for checking what the browser did.
// Some tests run serve with 2-second access tokens, and a login under the
// race detector on a loaded machine can take longer than that: call signs
// in again once when the server answers 401.
type session struct {
	t        *testing.T
	base     string
	handle   string
	password string
	token    string
}

func login(t *testing.T, base, handle, password string) *session {
	t.Helper()
	s := &session{t: t, base: base, handle: handle, password: password}
	s.signIn()
	return s
}

func (s *session) signIn() {
	s.t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if code := s.send("POST", "/api/auth/login", map[string]string{"handle": s.handle, "password": s.password}, &tok); code != 200 {
		s.t.Fatalf("login %s: %d", s.handle, code)
	}
	s.token = tok.AccessToken
}

// call sends in as JSON and decodes the answer into out; an answer that is
// not 2xx fails the test when out is set (its zero value would pass for a
// wrong answer).
func (s *session) call(method, path string, in, out any) int {
	s.t.Helper()
	code := s.send(method, path, in, out)
	if code == http.StatusUnauthorized {
		s.signIn()
		code = s.send(method, path, in, out)
		if code == http.StatusUnauthorized && out != nil {
			s.t.Fatalf("%s %s as %s: 401 just after signing in", method, path, s.handle)
		}
	}
	return code
}

func (s *session) send(method, path string, in, out any) int {
	s.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	if out != nil && res.StatusCode != http.StatusUnauthorized {
		if res.StatusCode >= 300 {
			s.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
		}
		if err := json.Unmarshal(b, out); err != nil {
			s.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
		}
	}
	return res.StatusCode
}

// startApp starts serve and a worker on e's deployment, and returns serve's
// address; their logs are shown if the test fails.
func (e env) startApp(t *testing.T) string {
	logs := &testenv.SyncBuffer{}
	base := e.serve(t, logs)
	e.start(t, logs, "worker", "--concurrency", "2")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve and worker logs:\n%s", logs)
		}
	})
	return base
}

// runScript runs tests/web/NAME.mjs in Chromium against base, with vars
// added to its environment, and fails the test if it fails. Its
// screenshots go to the sub folder of DOCUVAULT_WEB_SCREENSHOTS (default
// .dev/web-screenshots; sub "" is the folder itself), whose old ones are
// removed first; runScript returns that folder.
func runScript(t *testing.T, root, node, chromium, base, name, sub string, vars ...string) string {
	t.Helper()
	shots := os.Getenv("DOCUVAULT_WEB_SCREENSHOTS")
	if shots == "" {
		shots = filepath.Join(root, ".dev", "web-screenshots")
	}
	shots = filepath.Join(shots, sub)
	old, _ := filepath.Glob(filepath.Join(shots, "*.png"))
	for _, f := range old {
		_ = os.Remove(f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(root, "tests/web", name+".mjs"))
	cmd.Env = append(append(os.Environ(),
		"WEB_DIR="+filepath.Join(root, "web"), "BASE_URL="+base, "SCREENSHOT_DIR="+shots, "CHROMIUM="+chromium), vars...)
	out, err := cmd.CombinedOutput()
	t.Logf("%s.mjs (screenshots in %s):\n%s", name, shots, out)
	if err != nil {
		t.Fatalf("%s.mjs: %v", name, err)
	}
	return shots
}

func TestWebApp(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dep := testenv.Deploy(t)
	node, chromium := browserTools(t, root)
	e := env{root: root, bin: build(t, root), vars: dep.Env()}

	const annPass, bobPass = "ann's long password", "bob's long password"
	e.run(t, annPass+"\n", "user", "add", "ann", "--email", "ann@example.org", "--admin", "--password-stdin")
	e.run(t, bobPass+"\n", "user", "add", "bob", "--email", "bob@example.org", "--password-stdin", "--quota", "1KiB")
	e.run(t, "", "topic", "add", "Meetings", "--user", "ann", "--description", "board meetings, minutes, agendas",
		"--color", "#2e8b57", "--match", "board meeting quorum", "--algorithm", "any")
	e.run(t, "", "topic", "add", "Reports", "--user", "ann", "--description", "quarterly and annual reports",
		"--color", "#d04a4a", "--match", "report", "--algorithm", "any")

	// Access tokens live 2s (the server allows 5s of leeway): the browser
	// refreshes them silently, and e2e.mjs checks it does.
	e.vars["DOCUVAULT_ACCESS_TOKEN_TTL"] = "2s"
	base := e.startApp(t)

	t.Run("serving", func(t *testing.T) { checkServing(t, base) })

	files := []string{
		filepath.Join(root, "pkg/extract/testdata/pdf/libreoffice.pdf"),
		filepath.Join(root, "pkg/extract/testdata/document.docx"),
		filepath.Join(root, "pkg/extract/testdata/document.odt"),
	}
	shots := runScript(t, root, node, chromium, base, "e2e", "",
		"UPLOAD_FILES="+strings.Join(files, ","),
		"ACCESS_EXPIRED_AFTER_MS=8500", "FAILING_FILE="+filepath.Join(root, "pkg/extract/testdata/pdf/encrypted.pdf"), "ANN_PASSWORD="+annPass, "BOB_PASSWORD="+bobPass,
		"SCAN_FILE="+filepath.Join(root, "pkg/ocr/testdata/scan.pdf"), "BLANK_FILE="+filepath.Join(root, "pkg/ocr/testdata/blank.pdf"))

	// What the browser did, as the API sees it.
	ann := login(t, base, "ann", annPass)
	var page struct {
		Documents []struct {
			Filename string  `json:"filename"`
			Status   string  `json:"status"`
			Reason   *string `json:"failure_reason"`
			Topics   []struct {
				Name string `json:"name"`
			} `json:"topics"`
		} `json:"documents"`
	}
	ann.call("GET", "/api/documents?sort=filename_asc", nil, &page)
	// The match rules file each document under at least its topic.
	want := map[string]string{"document.docx": "Reports", "libreoffice.pdf": "Meetings"}
	var got []string
	for _, d := range page.Documents {
		var topics []string
		for _, tp := range d.Topics {
			topics = append(topics, tp.Name)
		}
		sort.Strings(topics)
		got = append(got, d.Filename+" "+d.Status+" "+strings.Join(topics, ","))
		if d.Filename == "scan.pdf" || d.Filename == "blank.pdf" {
			if w := map[string]string{"scan.pdf": "classified", "blank.pdf": "no_text"}[d.Filename]; d.Status != w {
				t.Errorf("%s: status %s, want %s", d.Filename, d.Status, w)
			}
			continue
		}
		if d.Filename == "encrypted.pdf" {
			if d.Status != "failed" || d.Reason == nil || *d.Reason == "" {
				t.Errorf("encrypted.pdf: status %s, reason %v; want failed with a reason", d.Status, d.Reason)
			}
			continue
		}
		if w, ok := want[d.Filename]; !ok || d.Status != "classified" || !strings.Contains(strings.Join(topics, ","), w) {
			t.Errorf("document %s: status %s, topics %v; want classified with %q", d.Filename, d.Status, topics, w)
		}
	}
	if len(got) != 5 {
		t.Errorf("ann's documents after the run: %q, want blank.pdf, document.docx, encrypted.pdf, libreoffice.pdf and scan.pdf (document.odt deleted)", got)
	}
	var shares struct {
		Received []struct {
			Filename    string `json:"filename"`
			OwnerHandle string `json:"owner_handle"`
		} `json:"received"`
	}
	login(t, base, "bob", bobPass).call("GET", "/api/shares", nil, &shares)
	if len(shares.Received) != 1 || shares.Received[0].Filename != "libreoffice.pdf" || shares.Received[0].OwnerHandle != "ann" {
		t.Errorf("bob's received shares: %+v", shares.Received)
	}
	var settings struct {
		Provider *string `json:"ai_provider"`
		OCR      *string `json:"ocr"`
	}
	ann.call("GET", "/api/settings", nil, &settings)
	if settings.Provider == nil || *settings.Provider != "builtin" || settings.OCR == nil || *settings.OCR != "auto" {
		t.Errorf("ann's ai_provider and ocr after the run: %v, %v; want builtin, auto", settings.Provider, settings.OCR)
	}
	login(t, base, "carol", "carol password") // created on the admin page
	pngs, _ := filepath.Glob(filepath.Join(shots, "[0-9]*.png"))
	if len(pngs) < 17 {
		t.Errorf("%d screenshots in %s, want 17", len(pngs), shots)
	}
}

// checkServing checks how serve answers for the app: index.html for the
// app's paths (no-cache, the app's CSP), hashed assets cached for a year,
// and the API's JSON 404 kept for unknown API paths.
func checkServing(t *testing.T, base string) {
	get := func(path string) (*http.Response, string) {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	var asset string
	for _, p := range []string{"/", "/documents/5f0c8f0e-0000-0000-0000-000000000000", "/search?q=x"} {
		res, body := get(p)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
			res.Header.Get("Cache-Control") != "no-cache" || res.Header.Get("Content-Security-Policy") != web.CSP ||
			!strings.Contains(body, `<div id="app">`) {
			t.Errorf("GET %s: %d %v\n%s", p, res.StatusCode, res.Header, body)
		}
		if i := strings.Index(body, `src="/assets/`); i >= 0 {
			asset = body[i+5 : i+5+strings.IndexByte(body[i+5:], '"')]
		}
	}
	if asset == "" {
		t.Fatal("index.html names no /assets/ script")
	}
	res, _ := get(asset)
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("GET %s: %d %v", asset, res.StatusCode, res.Header)
	}
	for _, p := range []string{"/api/nope", "/health/x", "/metrics/x"} {
		res, body := get(p)
		if res.StatusCode != 404 || !strings.Contains(body, `"not_found"`) {
			t.Errorf("GET %s: %d %s, want the API's JSON 404", p, res.StatusCode, body)
		}
	}
	if res, body := get("/api/me"); res.StatusCode != 401 || !strings.Contains(body, "unauthenticated") {
		t.Errorf("GET /api/me: %d %s", res.StatusCode, body)
	}
}
