package api

import (
	"bufio"
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/storage"
)

// Tests of the upload path against clients that misbehave (issue 20: D5,
// D6, D8, D11): bodies cut short, abandoned, dripping or sent without a
// token. Each speaks HTTP/1.1 over a raw connection, so that it controls
// exactly which bytes are sent and when, and asserts the status, the
// error code and that nothing was stored: no row, no object, quota exact.

// hardEnv is newEnv whose server signals each request it has finished
// (after the access log line and the metrics are written).
func hardEnv(t *testing.T, o envOptions) (*env, <-chan struct{}) {
	t.Helper()
	e := newEnv(t, o)
	done := make(chan struct{}, 64)
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.api.ServeHTTP(w, r)
		done <- struct{}{}
	}))
	t.Cleanup(e.srv.Close)
	return e, done
}

// waitDone waits for n requests to finish.
func waitDone(t *testing.T, done <-chan struct{}, n int) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for range n {
		select {
		case <-done:
		case <-deadline:
			t.Fatal("the server did not finish the request within 30s")
		}
	}
}

const testBoundary = "hardening-boundary-7c1f"

// multipartHead is the start of a multipart body: one file part's headers.
func multipartHead(filename string) []byte {
	return []byte("--" + testBoundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename +
		"\"\r\nContent-Type: application/octet-stream\r\n\r\n")
}

// multipartTail ends the file part and the body.
var multipartTail = []byte("\r\n--" + testBoundary + "--\r\n")

// textContent is n bytes of plain text.
func textContent(n int) []byte {
	line := []byte("the quick brown fox jumps over the lazy dog 0123456789\n")
	return bytes.Repeat(line, n/len(line)+1)[:n]
}

// rawConn is a client connection speaking HTTP/1.1 by hand.
type rawConn struct {
	t       *testing.T
	c       net.Conn
	chunked bool
}

// rawUpload opens a connection and sends the headers of POST
// /api/documents: with token (none if ""), and either chunked
// (contentLength < 0) or with that Content-Length.
func (e *env) rawUpload(token string, contentLength int) *rawConn {
	e.t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(e.srv.URL, "http://"))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	var h strings.Builder
	h.WriteString("POST /api/documents HTTP/1.1\r\nHost: docuvault.test\r\n")
	h.WriteString("Content-Type: multipart/form-data; boundary=" + testBoundary + "\r\n")
	if token != "" {
		h.WriteString("Authorization: Bearer " + token + "\r\n")
	}
	if contentLength < 0 {
		h.WriteString("Transfer-Encoding: chunked\r\n")
	} else {
		h.WriteString("Content-Length: " + strconv.Itoa(contentLength) + "\r\n")
	}
	h.WriteString("\r\n")
	rc := &rawConn{t: e.t, c: c, chunked: contentLength < 0}
	if _, err := io.WriteString(c, h.String()); err != nil {
		e.t.Fatal(err)
	}
	return rc
}

// send writes b (as one chunk when chunked); it reports a write error.
func (r *rawConn) send(b []byte) error {
	_ = r.c.SetWriteDeadline(time.Now().Add(20 * time.Second))
	if r.chunked {
		if _, err := fmt.Fprintf(r.c, "%x\r\n", len(b)); err != nil {
			return err
		}
		if _, err := r.c.Write(append(append([]byte{}, b...), '\r', '\n')); err != nil {
			return err
		}
		return nil
	}
	_, err := r.c.Write(b)
	return err
}

func (r *rawConn) mustSend(b []byte) {
	r.t.Helper()
	if err := r.send(b); err != nil {
		r.t.Fatal(err)
	}
}

// endChunks sends the last chunk: the body ends cleanly.
func (r *rawConn) endChunks() {
	r.t.Helper()
	if _, err := io.WriteString(r.c, "0\r\n\r\n"); err != nil {
		r.t.Fatal(err)
	}
}

// answer reads the response, which must come within limit.
func (r *rawConn) answer(limit time.Duration) *response {
	r.t.Helper()
	_ = r.c.SetReadDeadline(time.Now().Add(limit))
	res, err := http.ReadResponse(bufio.NewReader(r.c), nil)
	if err != nil {
		r.t.Fatalf("no answer within %s: %v", limit, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		r.t.Fatalf("reading the answer: %v", err)
	}
	h := res.Header.Clone()
	if res.Close {
		h.Set("Connection", "close") // ReadResponse takes it out of the header
	}
	return &response{t: r.t, req: "POST /api/documents (raw)", status: res.StatusCode, header: h, body: b}
}

// nothingStored asserts that handle has no document, that the bucket holds
// objects objects and that handle's quota shows used bytes.
func (e *env) nothingStored(handle string, objects int, used int64) {
	e.t.Helper()
	if n := e.count(`SELECT count(*) FROM documents WHERE user_id = $1`, e.users[handle].ID); n != 0 {
		e.t.Errorf("%s has %d documents, want 0", handle, n)
	}
	if n := e.objects(); n != objects {
		e.t.Errorf("%d objects in the bucket, want %d", n, objects)
	}
	if u := e.used(handle); u != used {
		e.t.Errorf("%s's quota shows %d bytes used, want %d", handle, u, used)
	}
}

// errorLines returns the ERROR lines of the server's log.
func (e *env) errorLines() []string {
	var out []string
	for _, l := range strings.Split(e.logs.String(), "\n") {
		if strings.Contains(l, `"level":"ERROR"`) {
			out = append(out, l)
		}
	}
	return out
}

// D6: a multipart body that ends (cleanly: the chunked encoding's last
// chunk) before its closing boundary is refused with 400 "truncated" and
// nothing of it is stored, whether the file was small (one statement), long
// (streamed in parts), or complete but without the body's closing boundary.
// Before the fix the small one was stored cut short (201), the long one was
// a 500, and the last one a 201.
func TestUploadWithoutClosingBoundaryIsRefused(t *testing.T) {
	e, done := hardEnv(t, envOptions{})
	ann := e.login("ann")
	waitDone(t, done, 1)
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"small file cut off", append(multipartHead("small.txt"), textContent(3000)...)},
		{"long file cut off", append(multipartHead("long.txt"), textContent(600<<10)...)},
		{"file whole, body without closing boundary", append(append(multipartHead("whole.txt"), textContent(3000)...), "\r\n--"+testBoundary...)},
		{"in a field before the file", []byte("--" + testBoundary + "\r\nContent-Disposition: form-data; name=\"topic\"\r\n\r\ninvoi")},
		// Go's multipart reader answers a plain io.EOF (as after the closing
		// boundary) when the body ends right after a boundary line or inside
		// a part's headers (found by FuzzUploadMultipart).
		{"file whole, body ends after a boundary line", append(append(multipartHead("whole.txt"), textContent(3000)...), "\r\n--"+testBoundary+"\r\n"...)},
		{"file whole, body ends in the next part's headers", append(append(multipartHead("whole.txt"), textContent(3000)...), "\r\n--"+testBoundary+"\r\nContent-Disposition: form-da"...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.rawUpload(ann.token, -1)
			c.mustSend(tc.body)
			c.endChunks()
			res := c.answer(20*time.Second).wantError(http.StatusBadRequest, "truncated")
			var eb errorBody
			res.decode(&eb)
			if strings.Contains(eb.Error.Message, "\n") {
				t.Errorf("message not one line: %q", eb.Error.Message)
			}
			waitDone(t, done, 1)
			e.nothingStored("ann", 0, 0)
		})
	}
	// The same bytes with the closing boundary are stored: the refusal
	// is for the missing boundary, not the content.
	c := e.rawUpload(ann.token, -1)
	c.mustSend(append(append(multipartHead("small.txt"), textContent(3000)...), multipartTail...))
	c.endChunks()
	c.answer(20 * time.Second).want(http.StatusCreated)
	if e.used("ann") != 3000 {
		t.Errorf("quota %d after a whole upload, want 3000", e.used("ann"))
	}
}

// D6, with two files: the first whole, the second cut off. The request is
// not applied: the first file is removed again, so a retry of the whole
// request neither duplicates it nor finds half of it.
func TestUploadCutOffAfterAWholeFileStoresNothing(t *testing.T) {
	e, done := hardEnv(t, envOptions{})
	ann := e.login("ann")
	waitDone(t, done, 1)
	body := append(multipartHead("first.txt"), textContent(2000)...)
	body = append(body, "\r\n"...)
	body = append(body, multipartHead("second.txt")...)
	body = append(body, textContent(1000)...)
	c := e.rawUpload(ann.token, -1)
	c.mustSend(body)
	c.endChunks()
	c.answer(20*time.Second).wantError(http.StatusBadRequest, "truncated")
	waitDone(t, done, 1)
	e.nothingStored("ann", 0, 0)
}

// D8: a request without a valid token to a streaming route is answered 401
// at once, while its body is still open (chunked, or shorter than its
// Content-Length), and the connection is closed rather than read on.
// Before the fix net/http read the dripping body before sending the 401:
// no answer for as long as the client kept the body open.
func TestUnauthenticatedUploadIsAnsweredAtOnce(t *testing.T) {
	e, done := hardEnv(t, envOptions{})
	for _, tc := range []struct {
		name          string
		token         string
		contentLength int
		code          string
	}{
		{"no token, chunked", "", -1, "unauthenticated"},
		{"no token, body shorter than its length", "", 200 << 10, "unauthenticated"},
		{"forged token, chunked", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.AAAA", -1, "invalid_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.rawUpload(tc.token, tc.contentLength)
			c.mustSend(append(multipartHead("drip.txt"), "a few bytes"...))
			// The body stays open: the answer must come without it.
			res := c.answer(10*time.Second).wantError(http.StatusUnauthorized, tc.code)
			if res.header.Get("Connection") != "close" {
				t.Errorf("Connection: %q, want close", res.header.Get("Connection"))
			}
			waitDone(t, done, 1)
		})
	}
	e.nothingStored("ann", 0, 0)
}

// D8/D5: an authenticated upload whose body stops (after its headers, in a
// small file, or in a long one being streamed) is cut off with 408 after
// UploadIdleTimeout, and nothing of it is stored.
func TestIdleUploadIsCutOff(t *testing.T) {
	e, done := hardEnv(t, envOptions{deps: func(d *Deps) { d.UploadIdleTimeout = time.Second }})
	ann := e.login("ann")
	waitDone(t, done, 1)
	for _, tc := range []struct {
		name string
		sent []byte
	}{
		{"nothing after the headers", nil},
		{"in a small file", append(multipartHead("idle.txt"), textContent(1000)...)},
		{"in a long file", append(multipartHead("idle.txt"), textContent(600<<10)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.rawUpload(ann.token, 2<<20)
			if tc.sent != nil {
				c.mustSend(tc.sent)
			}
			c.answer(15*time.Second).wantError(http.StatusRequestTimeout, "timeout")
			waitDone(t, done, 1)
			e.nothingStored("ann", 0, 0)
		})
	}
}

// D5: a body that keeps sending, but a byte at a time, is cut off with 408
// once it has averaged under UploadMinRate over UploadRateWindow; it no
// longer holds a stream slot for as long as it likes.
func TestTricklingUploadIsCutOff(t *testing.T) {
	e, done := hardEnv(t, envOptions{deps: func(d *Deps) {
		d.UploadIdleTimeout, d.UploadMinRate, d.UploadRateWindow = 10*time.Second, 4<<10, time.Second
	}})
	ann := e.login("ann")
	waitDone(t, done, 1)
	c := e.rawUpload(ann.token, 2<<20)
	c.mustSend(append(multipartHead("trickle.txt"), textContent(600<<10)...))
	stop := make(chan struct{})
	dripped := make(chan struct{})
	go func() {
		defer close(dripped)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if c.send([]byte("x")) != nil {
					return
				}
			}
		}
	}()
	res := c.answer(20 * time.Second)
	close(stop)
	<-dripped
	res.wantError(http.StatusRequestTimeout, "timeout")
	waitDone(t, done, 1)
	e.nothingStored("ann", 0, 0)
}

// D5: one user streams at most MaxUserStreams uploads at once; one more is
// refused with 429 and Retry-After at once, and another user's upload is
// not held up. Before the fix ann's second upload took the second of the
// two slots and bob's waited for one.
func TestUploadStreamsPerUser(t *testing.T) {
	e, done := hardEnv(t, envOptions{deps: func(d *Deps) { d.MaxStreams, d.MaxUserStreams = 2, 1 }})
	ann, bob := e.login("ann"), e.login("bob")
	waitDone(t, done, 2)

	// ann's first long upload stalls while streaming: it holds her one stream.
	stalled := e.rawUpload(ann.token, 4<<20)
	stalled.mustSend(append(multipartHead("stalled.txt"), textContent(600<<10)...))
	deadline := time.Now().Add(20 * time.Second)
	for e.api.streamsOf(e.users["ann"].ID) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("ann's first upload never started streaming")
		}
		time.Sleep(10 * time.Millisecond)
	}

	long := append(append(multipartHead("second.txt"), textContent(300<<10)...), multipartTail...)
	c := e.rawUpload(ann.token, len(long))
	c.mustSend(long)
	res := c.answer(10*time.Second).wantError(http.StatusTooManyRequests, "too_many_uploads")
	if res.header.Get("Retry-After") != strconv.Itoa(streamRetryAfter) {
		t.Errorf("Retry-After %q, want %d", res.header.Get("Retry-After"), streamRetryAfter)
	}
	waitDone(t, done, 1)

	// bob is not held up by ann.
	var u uploadJSON
	bob.upload(nil, filePart{name: "bob.txt", content: textContent(1 << 20)}).want(http.StatusCreated).decode(&u)
	if len(u.Documents) != 1 || u.Documents[0].SizeBytes != 1<<20 {
		t.Fatalf("bob's upload: %+v", u)
	}
	waitDone(t, done, 1)

	// ann's stalled upload gone, her stream is free and nothing of hers stored.
	stalled.c.Close()
	waitDone(t, done, 1)
	if n := e.api.streamsOf(e.users["ann"].ID); n != 0 {
		t.Errorf("ann still counted with %d streams", n)
	}
	e.nothingStored("ann", 1, 0)
	ann.upload(nil, filePart{name: "third.txt", content: textContent(600 << 10)}).want(http.StatusCreated)
}

// streamsOf is how many uploads owner streams now.
func (s *Server) streamsOf(owner string) int {
	s.userStreamsMu.Lock()
	defer s.userStreamsMu.Unlock()
	return s.userStreams[owner]
}

// Issue 20, "a client dropping mid-upload over HTTP" (and D11): the
// connection closed within the body leaves nothing stored and the quota
// exact; the request is counted as 499 (client closed), not 500, and
// logged without ERROR. Before the fix the small file was stored cut
// short (201) and the long one was a 500 logged as ERROR.
func TestClientDroppingMidUpload(t *testing.T) {
	e, done := hardEnv(t, envOptions{})
	ann := e.login("ann")
	waitDone(t, done, 1)
	ann.uploadOne("kept.txt", "a document stored before")
	waitDone(t, done, 1)
	used := e.used("ann")
	for _, tc := range []struct {
		name   string
		length int
		sent   int
	}{
		{"small file", 100 << 10, 20 << 10},
		{"long file, streaming", 8 << 20, 3 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.rawUpload(ann.token, tc.length)
			c.mustSend(append(multipartHead("dropped.txt"), textContent(tc.sent)...))
			c.c.Close()
			waitDone(t, done, 1)
			if n := e.count(`SELECT count(*) FROM documents WHERE user_id = $1`, e.users["ann"].ID); n != 1 {
				t.Errorf("ann has %d documents, want 1", n)
			}
			if n := e.objects(); n != 1 {
				t.Errorf("%d objects, want 1", n)
			}
			if u := e.used("ann"); u != used {
				t.Errorf("quota %d, want %d", u, used)
			}
		})
	}
	m := string(e.anon().do("GET", "/metrics", nil).want(http.StatusOK).body)
	if want := `docuvault_http_requests_total{method="POST",route="/api/documents",status="499"} 2`; !strings.Contains(m, want) {
		t.Errorf("/metrics lacks %s", want)
	}
	if strings.Contains(m, `route="/api/documents",status="500"`) {
		t.Error("a dropped upload was counted as 500")
	}
	if lines := e.errorLines(); len(lines) != 0 {
		t.Errorf("dropped uploads logged as ERROR: %s", strings.Join(lines, "\n"))
	}
}

// closedPortDB is a pool whose server refuses every connection.
func closedPortDB(t *testing.T) *sqlx.DB {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	db, err := sqlx.Open("postgres", "postgres://docuvault:x@"+addr+"/docuvault?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// D11: with PostgreSQL unreachable the API answers 503 "unavailable", as
// it does with the object store down, not 500 "internal"; an upload leaves
// no object behind.
func TestDatabaseDownIs503(t *testing.T) {
	e, done := hardEnv(t, envOptions{})
	ann := e.login("ann")
	waitDone(t, done, 1)
	down := closedPortDB(t)
	e.api.d.DB = down
	e.api.d.Storage = storage.New(down, e.store, nil, storage.Limits{})
	ann.do("GET", "/api/documents/00000000-0000-0000-0000-000000000001", nil).wantError(http.StatusServiceUnavailable, "unavailable")
	ann.upload(nil, filePart{name: "a.txt", content: []byte("some text")}).wantError(http.StatusServiceUnavailable, "unavailable")
	waitDone(t, done, 2)
	if n := e.objects(); n != 0 {
		t.Errorf("%d objects after uploads with the database down, want 0", n)
	}
	m := string(e.anon().do("GET", "/metrics", nil).want(http.StatusOK).body)
	if strings.Contains(m, `status="500"`) {
		t.Error("database down counted as 500")
	}
}

// D11: the one place that decides statuses maps database connection
// failures to 503, a client gone to 499, and keeps other database errors
// (a statement refused) as 500.
func TestClassifyDatabaseAndClientErrors(t *testing.T) {
	refused := closedPortDB(t).PingContext(context.Background())
	if refused == nil {
		t.Fatal("ping of a closed port succeeded")
	}
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"connection refused", fmt.Errorf("load account: %w", refused), http.StatusServiceUnavailable, "unavailable"},
		{"bad connection", fmt.Errorf("list: %w", driver.ErrBadConn), http.StatusServiceUnavailable, "unavailable"},
		{"server shutting down", &pq.Error{Code: "57P01", Message: "terminating connection due to administrator command"}, http.StatusServiceUnavailable, "unavailable"},
		{"server starting", &pq.Error{Code: "57P03", Message: "the database system is starting up"}, http.StatusServiceUnavailable, "unavailable"},
		{"connection failure", &pq.Error{Code: "08006", Message: "connection failure"}, http.StatusServiceUnavailable, "unavailable"},
		{"deadline", fmt.Errorf("connect: %w", context.DeadlineExceeded), http.StatusServiceUnavailable, "unavailable"},
		{"client gone", fmt.Errorf("query: %w", context.Canceled), StatusClientClosed, "client_closed"},
		{"statement refused", &pq.Error{Code: "23505", Message: "duplicate key"}, http.StatusInternalServerError, "internal"},
		{"unknown", errors.New("something else"), http.StatusInternalServerError, "internal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := classifyError(tc.err)
			if e.Status != tc.status || e.Code != tc.code {
				t.Errorf("%v: %d %s, want %d %s", tc.err, e.Status, e.Code, tc.status, tc.code)
			}
			if tc.status >= 500 && strings.Contains(e.Message, "127.0.0.1") {
				t.Errorf("message tells the cause: %q", e.Message)
			}
		})
	}
}
