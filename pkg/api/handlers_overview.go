package api

import (
	"net/http"

	"github.com/docuvault/docuvault/pkg/overview"
)

// overview is the signed-in user's vault at a glance: the web app's
// dashboard.
func (s *Server) overview(w http.ResponseWriter, r *http.Request) error {
	o, err := overview.Get(r.Context(), s.d.DB, currentUser(r).ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}
