package testenv

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// WebDAV is a scratch folder on the dev WebDAV server (scripts/services.sh
// runs `rclone serve webdav`): Base is the server's URL, Dir the folder's
// name below it. Files are put there over HTTP (PUT, MKCOL), as a client
// of the server would, never by writing the server's directory.
type WebDAV struct {
	Base     string // ends in "/"
	User     string
	Password string
	Dir      string
}

// NewWebDAV makes a fresh folder on the dev WebDAV server, removed when
// the test ends. A server that does not answer skips the test, or fails it
// when services are required.
func NewWebDAV(t testing.TB) WebDAV {
	t.Helper()
	env := need(t, "DOCUVAULT_TEST_WEBDAV_URL", "DOCUVAULT_TEST_WEBDAV_USER", "DOCUVAULT_TEST_WEBDAV_PASSWORD")
	w := WebDAV{Base: strings.TrimSuffix(env["DOCUVAULT_TEST_WEBDAV_URL"], "/") + "/", User: env["DOCUVAULT_TEST_WEBDAV_USER"],
		Password: env["DOCUVAULT_TEST_WEBDAV_PASSWORD"], Dir: RandomName("dvtest-")}
	if code, err := w.do(t, "PROPFIND", "", nil); err != nil || code != http.StatusMultiStatus {
		Unavailable(t, "webdav at %s: %d %v", w.Base, code, err)
	}
	w.Mkcol(t, "")
	t.Cleanup(func() { _, _ = w.do(t, "DELETE", "", nil) })
	return w
}

// URL is the folder's URL.
func (w WebDAV) URL() string { return w.Base + w.Dir + "/" }

func (w WebDAV) do(t testing.TB, method, path string, body []byte) (int, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := w.Base + w.Dir
	if path != "" {
		u += "/" + path
	}
	var r io.Reader
	if body != nil {
		r = strings.NewReader(string(body))
	}
	if method == "PROPFIND" && path == "" {
		u = w.Base
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return 0, err
	}
	req.SetBasicAuth(w.User, w.Password)
	if method == "PROPFIND" {
		req.Header.Set("Depth", "0")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// Mkcol makes folder path ("a/b": a must exist) below the scratch folder.
func (w WebDAV) Mkcol(t testing.TB, path string) {
	t.Helper()
	if code, err := w.do(t, "MKCOL", path, nil); err != nil || code != http.StatusCreated {
		t.Fatalf("MKCOL %s: %d %v", path, code, err)
	}
}

// Put writes file path (its folder must exist) below the scratch folder.
func (w WebDAV) Put(t testing.TB, path string, content []byte) {
	t.Helper()
	if code, err := w.do(t, "PUT", path, content); err != nil || (code != http.StatusCreated && code != http.StatusNoContent && code != http.StatusOK) {
		t.Fatalf("PUT %s: %d %v", path, code, err)
	}
}

// Delete removes file or folder path below the scratch folder.
func (w WebDAV) Delete(t testing.TB, path string) {
	t.Helper()
	if code, err := w.do(t, "DELETE", path, nil); err != nil || code >= 300 {
		t.Fatalf("DELETE %s: %s", path, fmt.Sprint(code, err))
	}
}
