package api

import (
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/classify"
	"github.com/docuvault/docuvault/pkg/folders"
	"github.com/docuvault/docuvault/pkg/topics"
	"github.com/docuvault/docuvault/pkg/usertext"
)

var colorRe = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

func (s *Server) listTopics(w http.ResponseWriter, r *http.Request) error {
	ts, err := topics.List(r.Context(), s.d.DB, currentUser(r).ID)
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []topics.Topic{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"topics": ts})
	return nil
}

func (s *Server) getTopic(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	t, err := topics.Get(r.Context(), s.d.DB, currentUser(r).ID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

type topicRequest struct {
	Name            *string `json:"name"`
	Description     *string `json:"description"`
	Color           *string `json:"color"`
	Match           *string `json:"match"`
	Algorithm       *string `json:"algorithm"`
	CaseInsensitive *bool   `json:"case_insensitive"`
	AutoAssign      *bool   `json:"auto_assign"`
}

// check validates the fields given, so that each mistake is a 422 that
// names its field.
func (t topicRequest) check() error {
	if t.Name != nil {
		n := strings.TrimSpace(*t.Name)
		if n == "" || utf8.RuneCountInString(n) > topics.MaxNameLen {
			return errorf(http.StatusUnprocessableEntity, "invalid_field", "name: use 1 to %d characters", topics.MaxNameLen)
		}
	}
	if t.Color != nil && !colorRe.MatchString(*t.Color) {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "color %q: use #rrggbb, like #6366f1", *t.Color)
	}
	if t.Description != nil && utf8.RuneCountInString(*t.Description) > 2000 {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "description: at most 2000 characters")
	}
	// The one text rule (pkg/usertext), before anything reaches PostgreSQL:
	// a NUL there is a database error, a bidi override or zero-width
	// character makes one name look like another.
	for _, f := range []struct {
		field     string
		v         *string
		multiline bool
	}{{"name", t.Name, false}, {"description", t.Description, true}, {"match", t.Match, true}} {
		if f.v == nil {
			continue
		}
		check := usertext.CheckLine
		if f.multiline {
			check = usertext.CheckText
		}
		if err := check(f.field, strings.TrimSpace(*f.v)); err != nil {
			return errorf(http.StatusUnprocessableEntity, "invalid_field", "%s", err)
		}
	}
	return nil
}

// rule is the match rule the request describes, on top of old.
func (t topicRequest) rule(old classify.Rule) (classify.Rule, bool) {
	if t.Match == nil && t.Algorithm == nil && t.CaseInsensitive == nil {
		return old, false
	}
	r := old
	if t.Match != nil {
		r.Match = *t.Match
	}
	if t.Algorithm != nil {
		r.Algorithm = *t.Algorithm
	}
	if t.CaseInsensitive != nil {
		r.CaseInsensitive = *t.CaseInsensitive
	}
	return r, true
}

func (s *Server) createTopic(w http.ResponseWriter, r *http.Request) error {
	var req topicRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Name == nil {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "name is required")
	}
	if err := req.check(); err != nil {
		return err
	}
	rule, _ := req.rule(classify.Rule{Algorithm: classify.MatchNone, CaseInsensitive: true})
	desc, color := "", ""
	if req.Description != nil {
		desc = *req.Description
	}
	if req.Color != nil {
		color = *req.Color
	}
	u := currentUser(r)
	t, err := topics.Create(r.Context(), s.d.DB, u.ID, topics.New{Name: *req.Name, Description: desc, Color: color, Rule: rule,
		ManualOnly: req.AutoAssign != nil && !*req.AutoAssign})
	if err != nil {
		return err
	}
	meta := map[string]any{"action": "create", "name": t.Name}
	if !t.AutoAssign {
		meta["auto_assign"] = false
	}
	s.record(r, audit.Event{Type: audit.TopicChange, ResourceID: t.ID, Metadata: meta})
	t.Handle = u.Handle
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) updateTopic(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req topicRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := req.check(); err != nil {
		return err
	}
	u := currentUser(r)
	old, err := topics.Get(r.Context(), s.d.DB, u.ID, id)
	if err != nil {
		return err
	}
	c := topics.Change{Name: req.Name, Description: req.Description, Color: req.Color, AutoAssign: req.AutoAssign}
	if rule, changed := req.rule(classify.Rule{Match: old.Match, Algorithm: old.Algorithm, CaseInsensitive: old.CaseInsensitive}); changed {
		c.Rule = &rule
	}
	t, err := topics.Update(r.Context(), s.d.DB, u.ID, id, c)
	if err != nil {
		return err
	}
	meta := map[string]any{"action": "update", "name": t.Name, "old_name": old.Name}
	if req.AutoAssign != nil {
		meta["auto_assign"] = t.AutoAssign
	}
	s.record(r, audit.Event{Type: audit.TopicChange, ResourceID: t.ID, Metadata: meta})
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) deleteTopic(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u := currentUser(r)
	t, err := topics.Get(r.Context(), s.d.DB, u.ID, id)
	if err != nil {
		return err
	}
	if err := topics.RemoveByID(r.Context(), s.d.DB, u.ID, id); err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.TopicChange, ResourceID: id, Metadata: map[string]any{"action": "delete", "name": t.Name}})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listFolders(w http.ResponseWriter, r *http.Request) error {
	fs, err := folders.List(r.Context(), s.d.DB, currentUser(r).ID)
	if err != nil {
		return err
	}
	if fs == nil {
		fs = []folders.Folder{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"folders": fs})
	return nil
}

func (s *Server) getFolder(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := folders.Get(r.Context(), s.d.DB, currentUser(r).ID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

type folderRequest struct {
	Name     *string          `json:"name"`
	ParentID Optional[string] `json:"parent_id"`
}

func (s *Server) createFolder(w http.ResponseWriter, r *http.Request) error {
	var req folderRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Name == nil {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "name is required")
	}
	f, err := folders.Create(r.Context(), s.d.DB, currentUser(r).ID, *req.Name, req.ParentID.Value)
	if err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.FolderChange, ResourceID: f.ID, Metadata: map[string]any{"action": "create", "name": f.Name}})
	writeJSON(w, http.StatusCreated, f)
	return nil
}

func (s *Server) updateFolder(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req folderRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	var parent **string
	if req.ParentID.Set {
		p := req.ParentID.Value
		parent = &p
	}
	f, err := folders.Update(r.Context(), s.d.DB, currentUser(r).ID, id, req.Name, parent)
	if err != nil {
		return err
	}
	meta := map[string]any{"action": "update", "name": f.Name}
	if req.ParentID.Set {
		meta["parent_id"] = f.ParentID
	}
	s.record(r, audit.Event{Type: audit.FolderChange, ResourceID: f.ID, Metadata: meta})
	writeJSON(w, http.StatusOK, f)
	return nil
}

func (s *Server) deleteFolder(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u := currentUser(r)
	f, err := folders.Get(r.Context(), s.d.DB, u.ID, id)
	if err != nil {
		return err
	}
	if err := folders.Delete(r.Context(), s.d.DB, u.ID, id); err != nil {
		return err
	}
	s.record(r, audit.Event{Type: audit.FolderChange, ResourceID: id, Metadata: map[string]any{"action": "delete", "name": f.Name}})
	w.WriteHeader(http.StatusNoContent)
	return nil
}
