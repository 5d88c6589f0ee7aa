package api

import (
	"encoding/json"
	"net/http"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/views"
)

// Saved views (issue 21, item 6): a documents-list filter with a name.

func (s *Server) listViews(w http.ResponseWriter, r *http.Request) error {
	vs, err := views.List(r.Context(), s.d.DB, currentUser(r).ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"views": vs})
	return nil
}

func (s *Server) getView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := views.Get(r.Context(), s.d.DB, currentUser(r).ID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// viewRequest is the body of POST and PATCH; the filter is read by
// views.ParseFilter, which names an unknown key in words.
type viewRequest struct {
	Name     *string         `json:"name"`
	Filter   json.RawMessage `json:"filter"`
	Position *int            `json:"position"`
}

func (s *Server) createView(w http.ResponseWriter, r *http.Request) error {
	var req viewRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Name == nil {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "name is required: give the view a name")
	}
	if req.Position != nil {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "a new view comes after your others: move it with PATCH")
	}
	f, err := views.ParseFilter(req.Filter)
	if err != nil {
		return err
	}
	v, err := views.Create(r.Context(), s.d.DB, currentUser(r).ID, *req.Name, f)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.ViewChange, ResourceID: v.ID, Metadata: map[string]any{"action": "create", "name": v.Name}})
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (s *Server) updateView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req viewRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	c := views.Change{Name: req.Name, Position: req.Position}
	if req.Filter != nil {
		f, err := views.ParseFilter(req.Filter)
		if err != nil {
			return err
		}
		c.Filter = &f
	}
	u := currentUser(r)
	old, err := views.Get(r.Context(), s.d.DB, u.ID, id)
	if err != nil {
		return err
	}
	v, err := views.Update(r.Context(), s.d.DB, u.ID, id, c)
	if err != nil {
		return err
	}
	// A move alone (the sidebar's order) is not worth an event.
	if c.Name != nil || c.Filter != nil {
		meta := map[string]any{"action": "update", "name": v.Name}
		if old.Name != v.Name {
			meta["old_name"] = old.Name
		}
		s.record(r, audit.Event{Type: audit.ViewChange, ResourceID: v.ID, Metadata: meta})
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) deleteView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u := currentUser(r)
	v, err := views.Get(r.Context(), s.d.DB, u.ID, id)
	if err != nil {
		return err
	}
	if err := views.Delete(r.Context(), s.d.DB, u.ID, id); err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.ViewChange, ResourceID: id, Metadata: map[string]any{"action": "delete", "name": v.Name}})
	w.WriteHeader(http.StatusNoContent)
	return nil
}
