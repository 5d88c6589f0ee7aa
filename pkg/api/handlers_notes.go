package api

import (
	"net/http"
	"unicode/utf8"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/notes"
)

type noteRequest struct {
	Body string `json:"body"`
}

// noteBody reads a note request, 400 for text notes would refuse (empty,
// too long: the message says the limit).
func noteBody(w http.ResponseWriter, r *http.Request) (string, error) {
	var req noteRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return "", err
	}
	body, err := notes.CheckBody(req.Body)
	if err != nil {
		return "", errorf(http.StatusBadRequest, "invalid_note", "%s", err)
	}
	return body, nil
}

// noteEvent is a note's audit event: its id and length, never its text.
func noteEvent(action string, n notes.Note, ownerID string) audit.Event {
	return audit.Event{UserID: ownerID, Type: audit.NoteChange, ResourceID: n.DocumentID,
		Metadata: map[string]any{"action": action, "note_id": n.ID, "length": utf8.RuneCountInString(n.Body)}}
}

func (s *Server) listNotes(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ns, err := notes.List(r.Context(), s.d.DB, currentUser(r).ID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"notes": ns, "max_length": notes.MaxLength})
	return nil
}

func (s *Server) createNote(w http.ResponseWriter, r *http.Request) error {
	d, err := s.documentFor(r, "see it", permOwner, permEdit, permView)
	if err != nil {
		return err
	}
	body, err := noteBody(w, r)
	if err != nil {
		return err
	}
	n, err := notes.Add(r.Context(), s.d.DB, currentUser(r).ID, d.ID, body)
	if err != nil {
		return err
	}
	s.record(r, noteEvent("create", n, d.OwnerID))
	writeJSON(w, http.StatusCreated, n)
	return nil
}

func (s *Server) updateNote(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	body, err := noteBody(w, r)
	if err != nil {
		return err
	}
	before, after, err := notes.Edit(r.Context(), s.d.DB, currentUser(r).ID, id, body)
	if err != nil {
		return err
	}
	e := noteEvent("edit", after, "")
	e.Metadata["old_length"] = utf8.RuneCountInString(before.Body)
	s.record(r, s.noteOwner(r, e))
	writeJSON(w, http.StatusOK, after)
	return nil
}

func (s *Server) deleteNote(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	n, err := notes.Delete(r.Context(), s.d.DB, currentUser(r).ID, id)
	if err != nil {
		return err
	}
	s.record(r, s.noteOwner(r, noteEvent("delete", n, "")))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// noteOwner sets e's user to the owner of the note's document, so the
// owner sees changes to notes on their documents in their activity.
func (s *Server) noteOwner(r *http.Request, e audit.Event) audit.Event {
	var owner string
	if err := s.d.DB.GetContext(r.Context(), &owner, `SELECT user_id FROM documents WHERE id = $1`, e.ResourceID); err == nil {
		e.UserID = owner
	}
	return e
}
