package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/storage"
)

// maxThumbnail bounds the thumbnail read into memory to serve it (they are
// about 60 KB; see package thumbnail).
const maxThumbnail = 4 << 20

// documentThumbnail serves a document's thumbnail to whoever may see the
// document; 404 when it has none (the web app then shows its type's icon).
// The ETag is the thumbnail's SHA-256: a client keeps it a day and then
// asks again with If-None-Match (304 while it has not changed).
func (s *Server) documentThumbnail(w http.ResponseWriter, r *http.Request) error {
	d, err := s.documentFor(r, "see it", permOwner, permEdit, permView)
	if err != nil {
		return err
	}
	return s.serveThumbnail(w, r, d.OwnerID, d.ID, func(h http.Header, o storage.DerivedObject) {
		h.Set("Cache-Control", "private, max-age=86400")
		h.Set("ETag", fmt.Sprintf(`"%x"`, o.SHA256))
	})
}

// serveThumbnail sends the thumbnail of owner's document id (404 when it
// has none) with the headers every thumbnail answer has; headers adds the
// caller's caching headers.
func (s *Server) serveThumbnail(w http.ResponseWriter, r *http.Request, owner, id string, headers func(http.Header, storage.DerivedObject)) error {
	rc, o, err := s.d.Storage.OpenDerived(r.Context(), owner, id, storage.KindThumbnail)
	if errors.Is(err, storage.ErrNoDerived) {
		return errorf(http.StatusNotFound, "not_found", "this document has no thumbnail")
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxThumbnail+1))
	if err != nil {
		return fmt.Errorf("read the thumbnail: %w", err)
	}
	if len(data) > maxThumbnail {
		return fmt.Errorf("the thumbnail of %s is over %d bytes", id, maxThumbnail)
	}
	h := w.Header()
	h.Set("Content-Type", o.ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	headers(h, o)
	http.ServeContent(w, r, "", o.CreatedAt, bytes.NewReader(data))
	return nil
}

// searchableContent serves a document's searchable copy (the content
// route's ?variant=searchable): as the original, with Range, If-None-Match
// (the ETag is the copy's SHA-256) and ?redirect=1, under the name
// "<name> (searchable).pdf".
func (s *Server) searchableContent(w http.ResponseWriter, r *http.Request, d catalog.Document) error {
	name := searchableName(d.Filename)
	if r.URL.Query().Get("redirect") == "1" {
		u, err := s.d.Storage.PresignDerived(r.Context(), d.OwnerID, d.ID, storage.KindSearchablePDF, name, s.d.PresignTTL)
		if errors.Is(err, storage.ErrNoDerived) {
			return noSearchable()
		}
		if err != nil {
			return err
		}
		s.record(r, audit.Event{UserID: d.OwnerID, Type: audit.Download, ResourceID: d.ID,
			Metadata: map[string]any{"filename": name, "variant": "searchable", "redirect": true}})
		http.Redirect(w, r, u.String(), http.StatusFound)
		return nil
	}
	rc, o, err := s.d.Storage.OpenDerived(r.Context(), d.OwnerID, d.ID, storage.KindSearchablePDF)
	if errors.Is(err, storage.ErrNoDerived) {
		return noSearchable()
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	sent, ok := s.serveBody(w, r, rc, o.ContentType, name, fmt.Sprintf(`"%x"`, o.SHA256), o.CreatedAt, o.SizeBytes)
	if ok {
		s.record(r, audit.Event{UserID: d.OwnerID, Type: audit.Download, ResourceID: d.ID,
			Metadata: map[string]any{"filename": name, "variant": "searchable", "bytes": sent}})
	}
	return nil
}

func noSearchable() error {
	return errorf(http.StatusNotFound, "not_found", "this document has no searchable copy (one is made when OCR reads some of its pages)")
}

// searchableName is the download name of a document's searchable copy:
// "scan.pdf" gives "scan (searchable).pdf".
func searchableName(filename string) string {
	base := strings.TrimSuffix(filename, filepath.Ext(filename))
	if base == "" {
		base = "document"
	}
	return base + " (searchable).pdf"
}
