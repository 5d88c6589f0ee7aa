// Package web is DocuVault's web app: the Vue single-page app under web/src,
// built by Vite into web/dist (committed, so `go build` needs no Node) and
// embedded in the binary. Handler serves it the way a single-page app must
// be served: files as they are, any other path as index.html (the app's
// router reads the path), hashed assets cached for a year and index.html
// never without revalidation.
//
// Rebuild the assets after changing web/src: cd web && npm ci && npm run build.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed all:dist
var dist embed.FS

// CSP lets the app load its own scripts, styles and images and call its own
// origin, and nothing else: no inline scripts, no third-party hosts.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// FS is the built app (the contents of web/dist).
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid path: cannot happen
	}
	return sub
}

// file is one embedded file, read once.
type file struct {
	body []byte
	etag string
}

// Handler serves the app in fsys (FS() in the binary). Paths that name a
// file serve it; paths under /assets/ that do not are 404 (a stale page
// asking for an old bundle must not get HTML for JavaScript); any other GET
// or HEAD serves index.html, for the app's router. It sets its own
// Content-Security-Policy and Cache-Control, replacing any already set.
func Handler(fsys fs.FS) http.Handler {
	files := map[string]file{}
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		files["/"+p] = file{body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			h.Set("Cache-Control", "no-store")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean("/" + r.URL.Path)
		f, ok := files[p]
		switch {
		case ok && p != "/index.html" && strings.HasPrefix(p, "/assets/"):
			// Vite names these by their content hash: they never change.
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		case ok && p != "/index.html":
			h.Set("Cache-Control", "public, max-age=3600")
		case strings.HasPrefix(p, "/assets/"):
			h.Set("Cache-Control", "no-store")
			http.Error(w, "no such asset", http.StatusNotFound)
			return
		default:
			f, ok = files["/index.html"]
			if !ok {
				h.Set("Cache-Control", "no-store")
				http.Error(w, "the web app is not built (cd web && npm ci && npm run build)", http.StatusNotFound)
				return
			}
			p = "/index.html"
			h.Set("Cache-Control", "no-cache")
		}
		h.Set("ETag", f.etag)
		http.ServeContent(w, r, p, time.Time{}, bytes.NewReader(f.body))
	})
}
