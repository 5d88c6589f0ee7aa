package api

import (
	"net/http"

	"github.com/docuvault/docuvault/pkg/ingest"
)

// maxIngestErrors bounds the list GET /api/ingest/errors answers.
const maxIngestErrors = 200

// ingestErrors lists the files the signed-in user's sources (watch
// folders) could not take in, the latest first, with the reason.
func (s *Server) ingestErrors(w http.ResponseWriter, r *http.Request) error {
	u := currentUser(r)
	errs, err := ingest.List(r.Context(), s.d.DB, u.ID, maxIngestErrors)
	if err != nil {
		return err
	}
	total, err := ingest.Count(r.Context(), s.d.DB, u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"errors": errs, "total": total})
	return nil
}
