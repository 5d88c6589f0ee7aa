package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestHandler(t *testing.T) {
	fsys := fstest.MapFS{
		"index.html":           {Data: []byte("<!doctype html><title>app</title>")},
		"assets/index-abc.js":  {Data: []byte("console.log(1)")},
		"assets/index-abc.css": {Data: []byte("body{}")},
		"robots.txt":           {Data: []byte("User-agent: *")},
	}
	h := Handler(fsys)
	for _, tc := range []struct {
		method, path string
		status       int
		body, cache  string
		ctype        string
	}{
		{"GET", "/", 200, "<title>app</title>", "no-cache", "text/html"},
		{"GET", "/index.html", 200, "<title>app</title>", "no-cache", "text/html"},
		{"GET", "/documents/123", 200, "<title>app</title>", "no-cache", "text/html"},
		{"GET", "/search?q=x", 200, "<title>app</title>", "no-cache", "text/html"},
		{"HEAD", "/topics", 200, "", "no-cache", "text/html"},
		{"GET", "/assets/index-abc.js", 200, "console.log(1)", "public, max-age=31536000, immutable", "text/javascript"},
		{"GET", "/assets/index-abc.css", 200, "body{}", "public, max-age=31536000, immutable", "text/css"},
		{"GET", "/assets/index-old.js", 404, "no such asset", "no-store", "text/plain"},
		{"GET", "/robots.txt", 200, "User-agent", "public, max-age=3600", "text/plain"},
		{"GET", "/../../etc/passwd", 200, "<title>app</title>", "no-cache", "text/html"},
		{"POST", "/", 405, "", "no-store", "text/plain"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			if !strings.Contains(rec.Body.String(), tc.body) {
				t.Errorf("body %q, want it to contain %q", rec.Body.String(), tc.body)
			}
			if got := rec.Header().Get("Cache-Control"); got != tc.cache {
				t.Errorf("Cache-Control %q, want %q", got, tc.cache)
			}
			if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, tc.ctype) {
				t.Errorf("Content-Type %q, want %q", got, tc.ctype)
			}
			if got := rec.Header().Get("Content-Security-Policy"); got != CSP {
				t.Errorf("CSP %q", got)
			}
		})
	}

	// Revalidation of index.html answers 304.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
	rec2 := httptest.NewRecorder()
	h.ServeHTTP(rec2, req)
	if rec2.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", rec2.Code)
	}
}

// TestEmbedded checks the committed build: an index.html that loads its
// scripts and styles from /assets/ only (no CDN, no inline script, which
// the CSP would refuse).
func TestEmbedded(t *testing.T) {
	h := Handler(FS())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, `<div id="app">`) {
		t.Fatalf("index.html: %d %s", rec.Code, body)
	}
	if !strings.Contains(body, `src="/assets/`) || !strings.Contains(body, `href="/assets/`) {
		t.Errorf("index.html loads no /assets/ script or stylesheet:\n%s", body)
	}
	for _, bad := range []string{"http://", "https://", "<script>", "<style"} {
		if strings.Contains(body, bad) {
			t.Errorf("index.html contains %q (external or inline content the CSP refuses):\n%s", bad, body)
		}
	}
}
