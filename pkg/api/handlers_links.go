package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/sharelinks"
	"github.com/docuvault/docuvault/pkg/storage"
)

// linkCookie is the cookie holding an unlocked link's access value, scoped
// to the link's path (/api/links/TOKEN); API clients may send the value in
// the X-Link-Access header instead.
const linkCookie = "dv_link_access"

// linkRequest makes a link; expires_at or expires_in_days (not both).
type linkRequest struct {
	ExpiresAt     *time.Time `json:"expires_at"`
	ExpiresInDays int        `json:"expires_in_days"`
	Password      string     `json:"password"`
	MaxDownloads  int        `json:"max_downloads"`
}

// createdLink is a new link with its token and URL, shown this once.
type createdLink struct {
	sharelinks.Link
	Token string `json:"token"`
	URL   string `json:"url"` // the public page, /s/TOKEN, on this server
}

func (s *Server) createDocumentLink(w http.ResponseWriter, r *http.Request) error {
	d, err := s.documentFor(r, "link it", permOwner)
	if err != nil {
		return err
	}
	return s.createLink(w, r, sharelinks.Spec{DocumentID: d.ID})
}

func (s *Server) createFolderLink(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.createLink(w, r, sharelinks.Spec{FolderID: id})
}

func (s *Server) createLink(w http.ResponseWriter, r *http.Request, spec sharelinks.Spec) error {
	ls := s.d.Links
	var req linkRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	switch {
	case req.ExpiresAt != nil && req.ExpiresInDays != 0:
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "give expires_at or expires_in_days, not both")
	case req.ExpiresInDays < 0 || req.ExpiresInDays > 3650:
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "expires_in_days must be 1 to 3650")
	case req.ExpiresInDays > 0:
		t := time.Now().Add(time.Duration(req.ExpiresInDays) * 24 * time.Hour)
		spec.ExpiresAt = &t
	default:
		spec.ExpiresAt = req.ExpiresAt
	}
	spec.Password, spec.MaxDownloads = req.Password, req.MaxDownloads
	u := currentUser(r)
	l, token, err := ls.Create(r.Context(), u.ID, spec)
	if err != nil {
		return err
	}
	s.record(r, linkEvent("create", l))
	writeJSON(w, http.StatusCreated, createdLink{Link: l, Token: token, URL: publicBase(r) + "/s/" + token})
	return nil
}

// linkEvent is a link's audit event: never its token or password.
func linkEvent(action string, l sharelinks.Link) audit.Event {
	e := audit.Event{UserID: l.OwnerID, Type: audit.LinkChange, Metadata: map[string]any{
		"action": action, "link_id": l.ID, "name": l.Name, "protected": l.HasPassword}}
	if l.DocumentID != nil {
		e.ResourceID = *l.DocumentID
	}
	if l.FolderID != nil {
		e.Metadata["folder_id"] = *l.FolderID
	}
	if l.ExpiresAt != nil {
		e.Metadata["expires_at"] = l.ExpiresAt.UTC().Format(time.RFC3339)
	}
	if l.MaxDownloads != nil {
		e.Metadata["max_downloads"] = *l.MaxDownloads
	}
	return e
}

// publicBase is the scheme and host the request came to, for the link's URL.
func publicBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) listDocumentLinks(w http.ResponseWriter, r *http.Request) error {
	ls := s.d.Links
	d, err := s.documentFor(r, "see its links", permOwner)
	if err != nil {
		return err
	}
	out, err := ls.List(r.Context(), d.OwnerID, d.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"links": out})
	return nil
}

func (s *Server) listLinks(w http.ResponseWriter, r *http.Request) error {
	ls := s.d.Links
	out, err := ls.List(r.Context(), currentUser(r).ID, "")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"links": out})
	return nil
}

func (s *Server) deleteLink(w http.ResponseWriter, r *http.Request) error {
	ls := s.d.Links
	id, err := pathID(r)
	if err != nil {
		return err
	}
	l, err := ls.Revoke(r.Context(), currentUser(r).ID, id)
	if err != nil {
		return err
	}
	s.record(r, linkEvent("revoke", l))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// publicLink is what GET /api/links/{token} answers. A locked link (a
// password, not yet unlocked) says only that.
type publicLink struct {
	Locked        bool                  `json:"locked"`
	Kind          string                `json:"kind,omitempty"` // document or folder
	Name          string                `json:"name,omitempty"`
	ExpiresAt     *time.Time            `json:"expires_at,omitempty"`
	DownloadsLeft *int                  `json:"downloads_left"`
	Documents     []sharelinks.Document `json:"documents"`
}

// openLink resolves the {id} token of a public route and checks its access
// value (cookie or X-Link-Access).
func (s *Server) openLink(r *http.Request, token string) (*sharelinks.Service, sharelinks.Link, error) {
	ls := s.d.Links
	l, err := ls.Resolve(r.Context(), token)
	if err != nil {
		return nil, sharelinks.Link{}, err
	}
	access := r.Header.Get("X-Link-Access")
	if c, err := r.Cookie(linkCookie); err == nil && access == "" {
		access = c.Value
	}
	return ls, l, ls.Authorize(l, access)
}

// linkActor is the audit actor of what a link's recipient does.
func linkActor(l sharelinks.Link) string { return "link:" + l.ID }

func (s *Server) getPublicLink(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Referrer-Policy", "no-referrer")
	ls, l, err := s.openLink(r, r.PathValue("id"))
	if errors.Is(err, sharelinks.ErrLocked) {
		writeJSON(w, http.StatusOK, publicLink{Locked: true, Documents: []sharelinks.Document{}})
		return nil
	}
	if err != nil {
		return err
	}
	ds, err := ls.Documents(r.Context(), l)
	if err != nil {
		return err
	}
	p := publicLink{Kind: "folder", ExpiresAt: l.ExpiresAt, Documents: ds}
	if l.MaxDownloads != nil {
		left := *l.MaxDownloads - l.Downloads
		p.DownloadsLeft = &left
	}
	if l.DocumentID != nil {
		if len(ds) == 0 {
			_, err := ls.Document(r.Context(), l, "") // gone from view: ErrNotFound
			return err
		}
		p.Kind, p.Name = "document", ds[0].Filename
	} else {
		var name string
		if err := s.d.DB.GetContext(r.Context(), &name, `SELECT name FROM folders WHERE id = $1`, *l.FolderID); err != nil {
			return fmt.Errorf("share link folder: %w", err)
		}
		p.Name = name
	}
	e := audit.Event{UserID: l.OwnerID, ActorLabel: linkActor(l), Type: audit.LinkOpen, Metadata: map[string]any{"link_id": l.ID}}
	if l.DocumentID != nil {
		e.ResourceID = *l.DocumentID
	}
	s.record(r, e)
	writeJSON(w, http.StatusOK, p)
	return nil
}

// unlockLink checks a link's password: the access value as a cookie scoped
// to the link and in the answer. A wrong password is the 404 of a link
// that does not exist.
func (s *Server) unlockLink(w http.ResponseWriter, r *http.Request) error {
	ls := s.d.Links
	var req struct {
		Password string `json:"password"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	token := r.PathValue("token")
	access, exp, _, err := ls.Unlock(r.Context(), token, req.Password, state(r.Context()).clientIP)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: linkCookie, Value: access, Path: "/api/links/" + token, Expires: exp,
		HttpOnly: true, Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https", SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusOK, map[string]any{"access": access, "expires_at": exp})
	return nil
}

// linkDownload sends a document the link reaches ({doc} for a folder
// link), counting it against the link's download limit first (a HEAD
// counts nothing).
func (s *Server) linkDownload(w http.ResponseWriter, r *http.Request) error {
	ls, l, err := s.openLink(r, r.PathValue("token"))
	if err != nil {
		return err
	}
	d, err := ls.Document(r.Context(), l, r.PathValue("doc"))
	if err != nil {
		return err
	}
	counted := r.Method == http.MethodGet
	if counted {
		if err := ls.Claim(r.Context(), l); err != nil {
			return err
		}
	}
	rc, doc, err := s.d.Storage.Open(r.Context(), d.OwnerID, d.ID)
	if err != nil {
		if counted {
			ls.Unclaim(r.Context(), l)
		}
		return err
	}
	defer rc.Close()
	etag := ""
	if d.SHA256Hex != "" {
		etag = `"` + d.SHA256Hex + `"`
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	sent, ok := s.serveBody(w, r, rc, doc.ContentType, doc.Filename, etag, doc.CreatedAt, doc.SizeBytes)
	if ok {
		s.record(r, audit.Event{UserID: d.OwnerID, ActorLabel: linkActor(l), Type: audit.Download, ResourceID: d.ID,
			Metadata: map[string]any{"filename": d.Filename, "bytes": sent, "link_id": l.ID}})
	}
	return nil
}

// linkThumbnail sends the thumbnail of a document the link reaches; it
// is not a download.
func (s *Server) linkThumbnail(w http.ResponseWriter, r *http.Request) error {
	ls, l, err := s.openLink(r, r.PathValue("token"))
	if err != nil {
		return err
	}
	d, err := ls.Document(r.Context(), l, r.PathValue("doc"))
	if err != nil {
		return err
	}
	return s.serveThumbnail(w, r, d.OwnerID, d.ID, func(h http.Header, _ storage.DerivedObject) {
		h.Set("Cache-Control", "private, no-cache")
		h.Set("Referrer-Policy", "no-referrer")
	})
}
