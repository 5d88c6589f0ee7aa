package api

import (
	"net/http"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/trash"
)

// trash is the trash of the API's users.
func (s *Server) trash() *trash.Service {
	return &trash.Service{DB: s.d.DB, Store: s.d.Storage, Days: s.d.TrashDays}
}

// actor is the audit actor of the request: its user (or token) and address.
func (s *Server) actor(r *http.Request) audit.Event {
	st := state(r.Context())
	var e audit.Event
	if st.user != nil {
		e.ActorID = st.user.ID
	}
	if st.token != nil {
		e.ActorLabel = st.token.Label()
	}
	e.IP = st.clientIP
	return e
}

// deleteDocument moves the owner's document to their trash (an
// audit.Trash event); DELETE /api/trash/{id} deletes it for good.
func (s *Server) deleteDocument(w http.ResponseWriter, r *http.Request) error {
	d, err := s.documentFor(r, "delete it", permOwner)
	if err != nil {
		return err
	}
	if _, err := s.trash().Trash(r.Context(), d.OwnerID, []string{d.ID}, s.actor(r)); err != nil {
		return err
	}
	// 204 as when delete was final: GET /api/trash lists it, with the day
	// it is purged.
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listTrash(w http.ResponseWriter, r *http.Request) error {
	t := s.trash()
	items, err := t.List(r.Context(), currentUser(r).ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"documents": items, "days": t.DaysKept()})
	return nil
}

func (s *Server) restoreTrash(w http.ResponseWriter, r *http.Request) error {
	it, err := s.trash().Restore(r.Context(), currentUser(r).ID, r.PathValue("id"), s.actor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"restored": it})
	return nil
}

func (s *Server) deleteTrashed(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.trash().Delete(r.Context(), currentUser(r).ID, r.PathValue("id"), s.actor(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) emptyTrash(w http.ResponseWriter, r *http.Request) error {
	done, err := s.trash().Empty(r.Context(), currentUser(r).ID, s.actor(r))
	if err != nil {
		return err
	}
	var freed int64
	for _, it := range done {
		freed += it.SizeBytes + it.VersionBytes
	}
	writeJSON(w, http.StatusOK, map[string]any{"deleted": len(done), "bytes_freed": freed})
	return nil
}
