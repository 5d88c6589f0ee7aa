package api

import (
	"net/http"

	"github.com/docuvault/docuvault/pkg/catalog"
)

// similarDocuments answers GET /api/documents/{id}/similar: the documents
// most like this one (catalog.Similar), best first, with their scores —
// among its owner's documents those the caller may see. Whoever may see
// the document may ask; anyone else gets 404.
func (s *Server) similarDocuments(w http.ResponseWriter, r *http.Request) error {
	d, err := s.documentFor(r, "see it", permOwner, permEdit, permView)
	if err != nil {
		return err
	}
	docs, err := catalog.Similar(r.Context(), s.d.DB, currentUser(r).ID, d.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"documents": docs})
	return nil
}
