package cli

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rawPost opens a connection to s and sends the headers of an upload of
// length bytes with token, then body; the connection stays open.
func rawPost(t *testing.T, s *server, token, boundary string, length int, body []byte) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	head := "POST /api/documents HTTP/1.1\r\nHost: docuvault.test\r\nAuthorization: Bearer " + token +
		"\r\nContent-Type: multipart/form-data; boundary=" + boundary + "\r\nContent-Length: " + strconv.Itoa(length) + "\r\n\r\n"
	_ = c.SetWriteDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Write(append([]byte(head), body...)); err != nil {
		t.Fatal(err)
	}
	return c
}

// readAnswer reads the status and error code answered on c within limit.
func readAnswer(t *testing.T, c net.Conn, limit time.Duration) (int, string, http.Header) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(limit))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer within %s: %v", limit, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(b, &e)
	return res.StatusCode, e.Error.Code, res.Header
}

func filePart(boundary, name string, n int) []byte {
	line := "settings reach serve through its configuration 0123456789\n"
	content := strings.Repeat(line, n/len(line)+1)[:n]
	return []byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name +
		"\"\r\nContent-Type: text/plain\r\n\r\n" + content)
}

// TestServeUploadAndMetricsSettings: the upload stream limits and the
// /metrics token reach `serve` from its configuration (issue 20, D5 and
// D4). With DOCUVAULT_UPLOAD_USER_STREAMS=1 a user's second upload
// streamed at once is refused with 429 (the default, 2, would stream
// it); with DOCUVAULT_UPLOAD_IDLE_TIMEOUT=1s a stalled body gets 408
// within seconds (the default waits a minute); DOCUVAULT_METRICS_TOKEN
// closes /metrics to requests without it.
func TestServeUploadAndMetricsSettings(t *testing.T) {
	d := deployed(t)
	d.runIn(t, "password-ann\n", nil, "user", "add", "ann", "--email", "ann@example.org", "--password-stdin").check(t, 0, "created user ann", "")
	const metricsToken = "5e0b8c1d2a3f4e5d6c7b8a9f0e1d2c3b-scrape"
	s := d.serve(t, map[string]string{
		"DOCUVAULT_UPLOAD_STREAMS":      "4",
		"DOCUVAULT_UPLOAD_USER_STREAMS": "1",
		"DOCUVAULT_METRICS_TOKEN":       metricsToken,
	})
	var tok tokens
	if code := (apiClient{t: t, base: s.url}).json("POST", "/api/auth/login", map[string]string{"handle": "ann", "password": "password-ann"}, &tok); code != 200 {
		t.Fatalf("login: %d", code)
	}

	// ann's first long upload stalls while streaming: its row is reserved
	// ('uploading') once it holds her one stream.
	const boundary = "settings-boundary-31"
	stalled := rawPost(t, s, tok.AccessToken, boundary, 4<<20, filePart(boundary, "stalled.txt", 600<<10))
	db := d.dep.AdminDB(t)
	for deadline := time.Now().Add(20 * time.Second); ; {
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM documents WHERE status = 'uploading'`); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ann's first upload never started streaming:\n%s", s.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	second := append(filePart(boundary, "second.txt", 300<<10), []byte("\r\n--"+boundary+"--\r\n")...)
	c := rawPost(t, s, tok.AccessToken, boundary, len(second), second)
	if code, errCode, h := readAnswer(t, c, 15*time.Second); code != http.StatusTooManyRequests || errCode != "too_many_uploads" || h.Get("Retry-After") == "" {
		t.Errorf("second upload at once: %d %q (Retry-After %q), want 429 too_many_uploads", code, errCode, h.Get("Retry-After"))
	}
	stalled.Close()

	// /metrics: 401 with a challenge without the token, 200 with it.
	res, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("/metrics without the token: %d, WWW-Authenticate %q", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
	req, _ := http.NewRequest("GET", s.url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+metricsToken)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `status="429"`) {
		t.Errorf("/metrics with the token: %d\n%.1000s", res.StatusCode, body)
	}
	if strings.Contains(s.logs.String(), metricsToken) {
		t.Error("serve logs the metrics token")
	}

	// A second serve with a short idle timeout cuts a stalled body off.
	s2 := d.serve(t, map[string]string{"DOCUVAULT_UPLOAD_IDLE_TIMEOUT": "1s"})
	start := time.Now()
	idle := rawPost(t, s2, tok.AccessToken, boundary, 4<<20, filePart(boundary, "idle.txt", 1000))
	if code, errCode, _ := readAnswer(t, idle, 30*time.Second); code != http.StatusRequestTimeout || errCode != "timeout" {
		t.Errorf("stalled upload with a 1s idle timeout: %d %q, want 408 timeout", code, errCode)
	}
	if waited := time.Since(start); waited > 20*time.Second {
		t.Errorf("the stalled upload was cut off after %s: the 1s setting did not apply", waited)
	}
	// The stalled and refused uploads leave nothing once serve has undone
	// the first one's reservation (it notices its client gone).
	for deadline := time.Now().Add(20 * time.Second); ; {
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM documents`); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d document rows left 20s after the uploads ended", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := d.consistent(t); n != 0 {
		t.Errorf("%d documents stored, want 0", n)
	}
}

// A bad upload or metrics setting stops serve at once with exit code 1
// and one line naming it, and the token is not printed.
func TestServeRefusesBadUploadSettings(t *testing.T) {
	d := deployed(t)
	for _, tc := range []struct{ key, value, want string }{
		{"DOCUVAULT_UPLOAD_USER_STREAMS", "9", `DOCUVAULT_UPLOAD_USER_STREAMS (from env DOCUVAULT_UPLOAD_USER_STREAMS): "9" is more than DOCUVAULT_UPLOAD_STREAMS (4)`},
		{"DOCUVAULT_UPLOAD_STREAMS", "0", `DOCUVAULT_UPLOAD_STREAMS (from env DOCUVAULT_UPLOAD_STREAMS): "0" is not a whole number from 1 to 1000`},
		{"DOCUVAULT_UPLOAD_IDLE_TIMEOUT", "soon", `DOCUVAULT_UPLOAD_IDLE_TIMEOUT (from env DOCUVAULT_UPLOAD_IDLE_TIMEOUT): "soon" is not a duration of 1s or more`},
		{"DOCUVAULT_UPLOAD_MIN_RATE", "fast", `DOCUVAULT_UPLOAD_MIN_RATE (from env DOCUVAULT_UPLOAD_MIN_RATE): "fast" is not a rate like 1KiB/s`},
		{"DOCUVAULT_METRICS_TOKEN", "tiny-secret", `DOCUVAULT_METRICS_TOKEN (from env DOCUVAULT_METRICS_TOKEN): is shorter than 16 characters`},
	} {
		r := d.run(t, map[string]string{tc.key: tc.value}, "serve", "--listen", "127.0.0.1:0")
		r.check(t, 1, "", tc.want)
		if lines := strings.Count(strings.TrimSpace(r.stderr), "\n"); lines != 0 {
			t.Errorf("%s=%s: want one line, got:\n%s", tc.key, tc.value, r.stderr)
		}
		if tc.key == "DOCUVAULT_METRICS_TOKEN" && strings.Contains(r.stderr+r.stdout, tc.value) {
			t.Errorf("the token is printed: %s", r.stderr)
		}
	}
}
