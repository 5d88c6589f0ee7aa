package api

import (
	"net/http"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/bulk"
)

// bulkDocuments applies one action to many of the user's own documents
// (pkg/bulk): all or nothing, audited once per document changed. A
// document that is not the user's makes the whole request 404.
func (s *Server) bulkDocuments(w http.ResponseWriter, r *http.Request) error {
	var req bulk.Request
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	st := state(r.Context())
	who := audit.Event{ActorID: currentUser(r).ID, IP: st.clientIP}
	if st.token != nil {
		who.ActorLabel = st.token.Label()
	}
	svc := bulk.Service{DB: s.d.DB, Log: s.d.Log}
	if s.d.Jobs != nil {
		svc.Jobs = s.d.Jobs
	}
	res, err := svc.Apply(r.Context(), currentUser(r).ID, req, who)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
