package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/storage"
)

// versionNumber is the {number} of a version route.
func versionNumber(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil || n < 1 {
		return 0, errorf(http.StatusNotFound, "not_found", "not found: %q is not a version number", truncate(r.PathValue("number"), 20))
	}
	return n, nil
}

// listVersions answers the document's older versions, newest first; every
// user who may see the document may see them.
func (s *Server) listVersions(w http.ResponseWriter, r *http.Request) error {
	d, err := s.documentFor(r, "see it", permOwner, permEdit, permView)
	if err != nil {
		return err
	}
	vs, err := s.d.Storage.Versions(r.Context(), d.OwnerID, d.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"document": d, "versions": vs})
	return nil
}

// deadlineReader extends the connection's read deadline as a body arrives.
type deadlineReader struct {
	r    io.Reader
	rc   *http.ResponseController
	idle time.Duration
}

func (d *deadlineReader) Read(p []byte) (int, error) {
	_ = d.rc.SetReadDeadline(time.Now().Add(d.idle))
	return d.r.Read(p)
}

// uploadVersion stores the multipart field "file" as the document's new
// current content (the owner and edit recipients may; the owner's quota
// pays). The body is spooled to a temporary file first, so that its size
// is known and the quota is checked before a byte goes to the object store.
func (s *Server) uploadVersion(w http.ResponseWriter, r *http.Request) error {
	d, err := s.documentFor(r, "upload a new version", permOwner, permEdit)
	if err != nil {
		return err
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return errorf(http.StatusBadRequest, "malformed", "send the new version as multipart/form-data in a field named \"file\"")
	}
	body := &deadlineReader{r: r.Body, rc: http.NewResponseController(w), idle: s.d.UploadIdleTimeout}
	r.Body = io.NopCloser(body)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return errorf(http.StatusUnprocessableEntity, "no_file", `send the new version in a multipart field named "file"`)
		}
		if err != nil {
			return errorf(http.StatusBadRequest, "malformed", "the multipart body is malformed: %v", err)
		}
		if part.FormName() != "file" {
			continue
		}
		f, err := os.CreateTemp("", "docuvault-version-*")
		if err != nil {
			return fmt.Errorf("spool the new version: %w", err)
		}
		defer os.Remove(f.Name())
		defer f.Close()
		max := s.d.Storage.MaxSize()
		n, err := io.Copy(f, io.LimitReader(part, max+1))
		if err != nil {
			return errorf(http.StatusBadRequest, "malformed", "the body broke off: %v", err)
		}
		if n > max {
			return fmt.Errorf("%w: the new version is over the %d-byte limit (DOCUVAULT_MAX_UPLOAD_SIZE)", storage.ErrTooLarge, max)
		}
		doc, v, err := s.d.Storage.NewVersion(r.Context(), storage.VersionInput{OwnerID: d.OwnerID, DocumentID: d.ID,
			Filename: part.FileName(), Body: f, Size: n, ActorID: currentUser(r).ID})
		if err != nil && doc.ID == "" {
			if errors.Is(err, storage.ErrSameContent) {
				return errorf(http.StatusConflict, "same_content", "%v", err)
			}
			return err
		}
		if err != nil {
			s.d.Log.Warn("new version stored; its old derived objects not all removed", "document_id", d.ID, "error", err.Error())
		}
		s.record(r, audit.Event{UserID: d.OwnerID, Type: audit.Version, ResourceID: d.ID,
			Metadata: map[string]any{"action": "upload", "filename": doc.Filename, "size_bytes": doc.SizeBytes, "kept_as": v.Number}})
		out, err := catalog.Get(r.Context(), s.d.DB, d.ID, d.Permission)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, map[string]any{"document": out, "version": v})
		return nil
	}
}

func (s *Server) versionContent(w http.ResponseWriter, r *http.Request) error {
	d, err := s.documentFor(r, "download it", permOwner, permEdit, permView)
	if err != nil {
		return err
	}
	n, err := versionNumber(r)
	if err != nil {
		return err
	}
	rc, v, err := s.d.Storage.OpenVersion(r.Context(), d.OwnerID, d.ID, n)
	if err != nil {
		return err
	}
	defer rc.Close()
	sent, ok := s.serveBody(w, r, rc, v.ContentType, v.Filename, fmt.Sprintf(`"%x"`, v.SHA256), v.CreatedAt, v.SizeBytes)
	if ok {
		s.record(r, audit.Event{UserID: d.OwnerID, Type: audit.Download, ResourceID: d.ID,
			Metadata: map[string]any{"filename": v.Filename, "version": v.Number, "bytes": sent}})
	}
	return nil
}

func (s *Server) restoreVersion(w http.ResponseWriter, r *http.Request) error {
	d, err := s.documentFor(r, "restore a version", permOwner, permEdit)
	if err != nil {
		return err
	}
	n, err := versionNumber(r)
	if err != nil {
		return err
	}
	doc, kept, err := s.d.Storage.RestoreVersion(r.Context(), d.OwnerID, d.ID, n, currentUser(r).ID)
	if err != nil && doc.ID == "" {
		return err
	}
	s.record(r, audit.Event{UserID: d.OwnerID, Type: audit.Restore, ResourceID: d.ID,
		Metadata: map[string]any{"version": n, "filename": doc.Filename, "kept_as": kept.Number}})
	out, err := catalog.Get(r.Context(), s.d.DB, d.ID, d.Permission)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"document": out, "version": kept})
	return nil
}

func (s *Server) deleteVersion(w http.ResponseWriter, r *http.Request) error {
	d, err := s.documentFor(r, "delete a version", permOwner)
	if err != nil {
		return err
	}
	n, err := versionNumber(r)
	if err != nil {
		return err
	}
	v, err := s.d.Storage.DeleteVersion(r.Context(), d.OwnerID, d.ID, n)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{UserID: d.OwnerID, Type: audit.Version, ResourceID: d.ID,
		Metadata: map[string]any{"action": "delete", "version": v.Number, "filename": v.Filename, "size_bytes": v.SizeBytes}})
	w.WriteHeader(http.StatusNoContent)
	return nil
}
