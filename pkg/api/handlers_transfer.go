package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/transfer"
)

// Export and import over HTTP: the tar of `docuvault export`, streamed.
// Exports over HTTP never carry secrets (password hashes, TOTP secrets,
// share links): those only come from the CLI's --with-secrets.

// exportMine streams the caller's own vault as a tar.
func (s *Server) exportMine(w http.ResponseWriter, r *http.Request) error {
	u := currentUser(r)
	return s.streamExport(w, r, []string{u.Handle}, "docuvault-"+u.Handle)
}

// adminExport streams the vault, or the users named by ?user=, as a tar.
func (s *Server) adminExport(w http.ResponseWriter, r *http.Request) error {
	var handles []string
	for _, v := range r.URL.Query()["user"] {
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				handles = append(handles, h)
			}
		}
	}
	name := "docuvault-vault"
	if len(handles) == 1 {
		name = "docuvault-" + handles[0]
	}
	return s.streamExport(w, r, handles, name)
}

// tarResponse sends the tar's headers with its first bytes, so that an
// export failing before it wrote anything can still answer with an error.
type tarResponse struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	name    string
	started bool
}

func (t *tarResponse) Write(p []byte) (int, error) {
	if !t.started {
		t.started = true
		h := t.w.Header()
		h.Set("Content-Type", "application/x-tar")
		h.Set("Content-Disposition", contentDisposition(t.name))
		h.Set("Cache-Control", "no-store")
		t.w.WriteHeader(http.StatusOK)
	}
	// Any progress extends the write deadline, as for downloads.
	_ = t.rc.SetWriteDeadline(time.Now().Add(downloadIdleTimeout))
	return t.w.Write(p)
}

func (s *Server) streamExport(w http.ResponseWriter, r *http.Request, handles []string, name string) error {
	name += "-" + time.Now().UTC().Format("20060102") + ".tar"
	out := &tarResponse{w: w, rc: http.NewResponseController(w), name: name}
	m, err := transfer.ExportTar(r.Context(), s.d.DB, s.d.Storage.Objects(), out, transfer.ExportOptions{Users: handles})
	if errors.Is(err, transfer.ErrUnknownUser) {
		return errorf(http.StatusNotFound, "not_found", "%v", err)
	}
	if err != nil {
		if out.started {
			// The client has a tar without its manifest, which import refuses.
			s.d.Log.Error("export cut off", "request_id", state(r.Context()).id, "error", err.Error())
		}
		return err
	}
	s.record(r, audit.Event{Type: audit.Transfer, Metadata: map[string]any{
		"action": "export", "via": "api", "users": handles,
		"documents": m.Counts["documents"], "objects": m.Counts["objects"]}})
	return nil
}

// importResult is what POST /api/admin/import answers.
type importResult struct {
	Users          int64            `json:"users"`
	Documents      int64            `json:"documents"`
	Versions       int64            `json:"versions"`
	Notes          int64            `json:"notes"`
	Inserted       map[string]int64 `json:"inserted"`
	ObjectsStored  int64            `json:"objects_stored"`
	ObjectsKept    int64            `json:"objects_kept"`
	ManifestSchema string           `json:"schema_version"`
}

// adminImport takes an export tar as the request body, spooled to a
// temporary file (an import reads it twice: first to check every byte
// against the manifest, then to store it), and imports it as `docuvault
// import` does: all or nothing, and again without duplicates.
func (s *Server) adminImport(w http.ResponseWriter, r *http.Request) error {
	var handles []string
	for _, v := range r.URL.Query()["user"] {
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				handles = append(handles, h)
			}
		}
	}
	if !hasBody(r) {
		return errorf(http.StatusBadRequest, "malformed", "send the export's tar file as the request body")
	}
	dir := os.TempDir()
	if free, ok := freeBytes(dir); ok && r.ContentLength > 0 && r.ContentLength > free {
		return errorf(http.StatusRequestEntityTooLarge, "too_large",
			"the export is %d bytes; the server's temporary directory has %d free: import it with `docuvault import` on the server", r.ContentLength, free)
	}
	f, err := os.CreateTemp(dir, "docuvault-import-*.tar")
	if err != nil {
		return fmt.Errorf("spool the import: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	body := &deadlineReader{r: r.Body, rc: http.NewResponseController(w), idle: s.d.UploadIdleTimeout}
	if _, err := io.Copy(f, body); err != nil {
		if errors.Is(err, syscall.ENOSPC) {
			return errorf(http.StatusInsufficientStorage, "no_space", "the server's temporary directory is full: import it with `docuvault import` on the server")
		}
		return errorf(http.StatusBadRequest, "malformed", "the body broke off: %v", err)
	}
	state(r.Context()).bodyRead = true
	if err := f.Close(); err != nil {
		return fmt.Errorf("spool the import: %w", err)
	}
	// The body is in: storing it may take longer than the idle timeout.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	rep, err := transfer.Import(r.Context(), s.d.DB, s.d.Storage.Objects(), f.Name(), transfer.ImportOptions{Users: handles})
	if err != nil {
		return importError(err)
	}
	s.record(r, audit.Event{Type: audit.Transfer, Metadata: map[string]any{
		"action": "import", "via": "api", "users": handles, "documents": rep.Inserted["documents"],
		"objects_stored": rep.ObjectsStored}})
	writeJSON(w, http.StatusOK, importResult{Users: rep.Inserted["users"], Documents: rep.Inserted["documents"],
		Versions: rep.Inserted["document_versions"], Notes: rep.Inserted["notes"], Inserted: rep.Inserted,
		ObjectsStored: rep.ObjectsStored, ObjectsKept: rep.ObjectsKept, ManifestSchema: rep.Manifest.SchemaVersion})
	return nil
}

// importError gives an import's refusal its status: a damaged or foreign
// file 422, a newer schema 422 (its own code), a clash with the deployment
// 409, an unknown ?user= 422.
func importError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "import: ")
	switch {
	case errors.Is(err, transfer.ErrTampered):
		return errorf(http.StatusUnprocessableEntity, "tampered", "%s; nothing was imported", msg)
	case errors.Is(err, transfer.ErrIncomplete):
		return errorf(http.StatusUnprocessableEntity, "incomplete", "%s; nothing was imported", msg)
	case errors.Is(err, transfer.ErrNewerSchema):
		return errorf(http.StatusUnprocessableEntity, "newer_schema", "%s; nothing was imported", msg)
	case errors.Is(err, transfer.ErrNotExport):
		return errorf(http.StatusUnprocessableEntity, "not_export", "%s; nothing was imported", msg)
	case errors.Is(err, transfer.ErrUnknownUser):
		return errorf(http.StatusUnprocessableEntity, "unknown_user", "%s; nothing was imported", msg)
	case errors.Is(err, transfer.ErrConflict):
		return errorf(http.StatusConflict, "conflict", "%s; nothing was imported", msg)
	}
	return err
}
