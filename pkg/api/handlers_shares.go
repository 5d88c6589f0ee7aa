package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/foldershares"
	"github.com/docuvault/docuvault/pkg/groups"
	"github.com/docuvault/docuvault/pkg/settings"
	"github.com/docuvault/docuvault/pkg/shares"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/pkg/usertext"
)

type shareRequest struct {
	Recipient  string `json:"recipient"`
	Group      string `json:"group"` // a group's name or id, instead of a recipient
	Permission string `json:"permission"`
}

// createShare shares a document; only its owner may (a recipient gets 403,
// anyone else 404).
func (s *Server) createShare(w http.ResponseWriter, r *http.Request) error {
	d, err := s.documentFor(r, "share it", permOwner)
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
	if req.Group != "" {
		return s.createGroupShare(w, r, d, req)
	}
	sh, err := shares.Create(r.Context(), s.d.DB, d.OwnerID, d.ID, req.Recipient, req.Permission)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{UserID: d.OwnerID, Type: audit.Share, ResourceID: d.ID,
		Metadata: map[string]any{"share_id": sh.ID, "recipient": sh.RecipientHandle, "permission": sh.Permission, "filename": d.Filename}})
	writeJSON(w, http.StatusCreated, sh)
	return nil
}

func (s *Server) listShares(w http.ResponseWriter, r *http.Request) error {
	u := currentUser(r)
	given, err := shares.ListGiven(r.Context(), s.d.DB, u.ID)
	if err != nil {
		return err
	}
	received, err := shares.ListReceived(r.Context(), s.d.DB, u.ID)
	if err != nil {
		return err
	}
	if given == nil {
		given = []shares.Share{}
	}
	if received == nil {
		received = []shares.Share{}
	}
	groupGiven, err := groups.ListGiven(r.Context(), s.d.DB, u.ID)
	if err != nil {
		return err
	}
	groupReceived, err := groups.ListReceived(r.Context(), s.d.DB, u.ID)
	if err != nil {
		return err
	}
	folderGiven, err := foldershares.ListGiven(r.Context(), s.d.DB, u.ID)
	if err != nil {
		return err
	}
	folderReceived, err := foldershares.ListReceived(r.Context(), s.d.DB, u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"given": given, "received": received,
		"group_given": groupGiven, "group_received": groupReceived,
		"folder_given": folderGiven, "folder_received": folderReceived})
	return nil
}

// deleteShare ends a share; its owner or its recipient may.
func (s *Server) deleteShare(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u := currentUser(r)
	// Find it first, for the audit trail (only shares the user is part of).
	var found *shares.Share
	for _, list := range []func() ([]shares.Share, error){
		func() ([]shares.Share, error) { return shares.ListGiven(r.Context(), s.d.DB, u.ID) },
		func() ([]shares.Share, error) { return shares.ListReceived(r.Context(), s.d.DB, u.ID) },
	} {
		ss, err := list()
		if err != nil {
			return err
		}
		for i := range ss {
			if ss[i].ID == id {
				found = &ss[i]
			}
		}
	}
	if err := shares.Delete(r.Context(), s.d.DB, u.ID, id); errors.Is(err, shares.ErrNotFound) {
		// Not a direct share of the user's: perhaps a group share they gave.
		return s.deleteGroupShare(w, r, id)
	} else if err != nil {
		return err
	}
	e := audit.Event{Type: audit.Unshare, Metadata: map[string]any{"share_id": id}}
	if found != nil {
		e.UserID, e.ResourceID = found.OwnerID, found.DocumentID
		e.Metadata["recipient"] = found.RecipientHandle
	}
	s.record(r, e)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) error {
	st, err := settings.Get(r.Context(), s.d.DB, currentUser(r).ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) error {
	var req settings.Settings
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	st, err := settings.Put(r.Context(), s.d.DB, currentUser(r).ID, req)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.SettingsChange, Metadata: map[string]any{"ai_provider": st.AIProvider, "ai_model": st.AIModel}})
	writeJSON(w, http.StatusOK, st)
	return nil
}

// listAudit lists the user's own events; an administrator sees everyone's
// and may filter by person (a handle, or "cli" for the command line) or
// user_id. Filters: event_type (one of audit.Types), since and until (a
// time, or a day: since from its start, until to its end).
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	u := currentUser(r)
	q := r.URL.Query()
	f := audit.Filter{UserID: u.ID, EventType: q.Get("event_type"), Cursor: q.Get("cursor"), Viewer: u.ID}
	// The one text rule (pkg/usertext) before the query: a NUL byte in
	// event_type was a database error and a 500.
	for _, name := range []string{"event_type", "person"} {
		if err := usertext.CheckLine(name, q.Get(name)); err != nil {
			return errorf(http.StatusUnprocessableEntity, "invalid_field", "%s", err)
		}
	}
	if f.EventType != "" && !audit.IsType(f.EventType) {
		return errorf(http.StatusBadRequest, "malformed", "unknown event type %q: use one of %s", f.EventType, strings.Join(audit.Types, ", "))
	}
	admin := u.Role == "admin"
	if admin {
		f.UserID = q.Get("user_id")
	} else if v := q.Get("user_id"); v != "" && v != u.ID {
		return errorf(http.StatusForbidden, "forbidden", "only administrators may see other users' events")
	}
	if person := strings.TrimSpace(q.Get("person")); person != "" {
		switch {
		case !admin && (strings.EqualFold(person, u.Handle) || person == u.ID):
			// their own events: what they see anyway
		case !admin:
			return errorf(http.StatusForbidden, "forbidden", "only administrators may see other people's events")
		case strings.EqualFold(person, "cli"):
			f.CLI = true
		default:
			p, err := users.ByHandle(r.Context(), s.d.DB, person)
			if errors.Is(err, users.ErrNotFound) {
				return errorf(http.StatusBadRequest, "malformed", "nobody has the handle %q: pick a person from the list, or \"cli\" for the command line", person)
			}
			if err != nil {
				return err
			}
			f.Person = p.ID
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > audit.MaxLimit {
			return errorf(http.StatusBadRequest, "malformed", "limit must be a number from 1 to %d", audit.MaxLimit)
		}
		f.Limit = n
	}
	for _, name := range []string{"since", "until"} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			day, derr := time.Parse(time.DateOnly, v)
			if derr != nil {
				return errorf(http.StatusBadRequest, "malformed", "%s must be a day like 2026-01-31 or a time like 2026-01-31T00:00:00Z", name)
			}
			t = day
			if name == "until" {
				t = day.AddDate(0, 0, 1) // the whole day
			}
		}
		if name == "since" {
			f.Since = t
		} else {
			f.Until = t
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return errorf(http.StatusBadRequest, "malformed", "the date range ends (%s) before it starts (%s): swap them", q.Get("until"), q.Get("since"))
	}
	page, err := audit.List(r.Context(), s.d.DB, f)
	if err != nil {
		return err
	}
	if page.Entries == nil {
		page.Entries = []audit.Entry{}
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}
