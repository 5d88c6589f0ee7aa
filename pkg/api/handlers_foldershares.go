package api

import (
	"errors"
	"net/http"

	"github.com/google/uuid"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/foldershares"
	"github.com/docuvault/docuvault/pkg/shares"
)

// Folder shares (pkg/foldershares): a folder's owner shares it, with
// everything below it, with a user or a group. Another user's folder is
// 404, as one that does not exist.

// createFolderShare: POST /api/folders/{id}/shares with {"recipient": handle}
// or {"group": name or id}, and "permission" (view, the default, or edit).
func (s *Server) createFolderShare(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req shareRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Permission == "" {
		req.Permission = shares.PermView
	}
	u := currentUser(r)
	sh, err := foldershares.Create(r.Context(), s.d.DB, u.ID, u.Role == "admin", id,
		foldershares.To{User: req.Recipient, Group: req.Group}, req.Permission)
	if err != nil {
		return err
	}
	s.record(r, sh.Event(audit.FolderShare))
	writeJSON(w, http.StatusCreated, sh)
	return nil
}

// listFolderShares: GET /api/folders/{id}/shares, for the folder's owner.
func (s *Server) listFolderShares(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ss, err := foldershares.ListForFolder(r.Context(), s.d.DB, currentUser(r).ID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"shares": ss})
	return nil
}

// deleteFolderShare: DELETE /api/folders/{id}/shares/{share}, for the
// folder's owner.
func (s *Server) deleteFolderShare(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	shareID := r.PathValue("share")
	if _, err := uuid.Parse(shareID); err != nil {
		// Not an id: the folder is checked all the same, so that another
		// user's folder answers as a missing one.
		shareID = uuid.Nil.String()
	}
	sh, err := foldershares.Delete(r.Context(), s.d.DB, currentUser(r).ID, false, id, shareID)
	if err != nil {
		return err
	}
	s.record(r, sh.Event(audit.FolderUnshare))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deleteFolderShareByID ends a folder share for DELETE /api/shares/{id}
// when id is no document share of the user's: its owner, its direct
// recipient (leaving it) or an admin may.
func (s *Server) deleteFolderShareByID(w http.ResponseWriter, r *http.Request, id string) error {
	u := currentUser(r)
	sh, err := foldershares.Delete(r.Context(), s.d.DB, u.ID, u.Role == "admin", "", id)
	if errors.Is(err, foldershares.ErrNotFound) {
		return &shares.Error{Err: shares.ErrNotFound, Field: "id", Msg: "share not found: use the id of a share you gave or received"}
	}
	if err != nil {
		return err
	}
	s.record(r, sh.Event(audit.FolderUnshare))
	w.WriteHeader(http.StatusNoContent)
	return nil
}
