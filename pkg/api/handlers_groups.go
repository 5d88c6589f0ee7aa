package api

import (
	"errors"
	"net/http"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/groups"
)

// Groups (pkg/groups): admins manage them under /api/admin/groups; every
// user lists the groups they belong to (for the share dialog) and shares
// documents with them through POST /api/documents/{id}/shares.

type groupRequest struct {
	Name string `json:"name"`
}

type membersRequest struct {
	Members []string `json:"members"`
}

func (s *Server) adminListGroups(w http.ResponseWriter, r *http.Request) error {
	gs, err := groups.List(r.Context(), s.d.DB)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"groups": gs})
	return nil
}

func (s *Server) adminCreateGroup(w http.ResponseWriter, r *http.Request) error {
	var req groupRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	g, err := groups.Create(r.Context(), s.d.DB, req.Name)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.GroupChange, ResourceID: g.ID, Metadata: map[string]any{"action": "create", "group": g.Name}})
	writeJSON(w, http.StatusCreated, g)
	return nil
}

func (s *Server) adminUpdateGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req groupRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	old, g, err := groups.Rename(r.Context(), s.d.DB, id, req.Name)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.GroupChange, ResourceID: g.ID,
		Metadata: map[string]any{"action": "rename", "group": g.Name, "old_name": old.Name}})
	writeJSON(w, http.StatusOK, g)
	return nil
}

func (s *Server) adminDeleteGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	g, n, err := groups.Delete(r.Context(), s.d.DB, id)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.GroupChange, ResourceID: g.ID,
		Metadata: map[string]any{"action": "delete", "group": g.Name, "shares": n}})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// adminGroupMembers sets (PUT), adds (POST) or removes (DELETE) members,
// given as {"members": ["handle", …]}.
func (s *Server) adminGroupMembers(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req membersRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	var c groups.Change
	switch r.Method {
	case http.MethodPut:
		c = groups.Change{Set: true, Add: req.Members}
	case http.MethodPost:
		c = groups.Change{Add: req.Members}
	default:
		c = groups.Change{Remove: req.Members}
	}
	ch, err := groups.SetMembers(r.Context(), s.d.DB, id, c)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.GroupChange, ResourceID: ch.Group.ID,
		Metadata: map[string]any{"action": "members", "group": ch.Group.Name, "added": ch.Added, "removed": ch.Removed}})
	writeJSON(w, http.StatusOK, ch)
	return nil
}

// myGroups lists the groups the user belongs to.
func (s *Server) myGroups(w http.ResponseWriter, r *http.Request) error {
	gs, err := groups.Mine(r.Context(), s.d.DB, currentUser(r).ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"groups": gs})
	return nil
}

// createGroupShare is createShare with {"group": …}: the owner shares the
// document with a group they belong to (an admin with any group).
func (s *Server) createGroupShare(w http.ResponseWriter, r *http.Request, d catalog.Document, req shareRequest) error {
	if req.Recipient != "" {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "give either recipient or group, not both")
	}
	u := currentUser(r)
	sh, err := groups.ShareDocument(r.Context(), s.d.DB, d.OwnerID, u.Role == "admin", d.ID, req.Group, req.Permission)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{UserID: d.OwnerID, Type: audit.Share, ResourceID: d.ID,
		Metadata: map[string]any{"group_share_id": sh.ID, "group": sh.GroupName, "permission": sh.Permission, "filename": d.Filename}})
	writeJSON(w, http.StatusCreated, sh)
	return nil
}

// deleteGroupShare ends a group share (its owner, or an admin), for
// DELETE /api/shares/{id} when id is no direct share of the user's.
func (s *Server) deleteGroupShare(w http.ResponseWriter, r *http.Request, id string) error {
	u := currentUser(r)
	sh, err := groups.Unshare(r.Context(), s.d.DB, u.ID, u.Role == "admin", id)
	if errors.Is(err, groups.ErrNotFound) {
		// Not a group share of the user's either: perhaps a folder share.
		return s.deleteFolderShareByID(w, r, id)
	}
	if err != nil {
		return err
	}
	s.record(r, audit.Event{UserID: sh.OwnerID, Type: audit.Unshare, ResourceID: sh.DocumentID,
		Metadata: map[string]any{"group_share_id": sh.ID, "group": sh.GroupName}})
	w.WriteHeader(http.StatusNoContent)
	return nil
}
