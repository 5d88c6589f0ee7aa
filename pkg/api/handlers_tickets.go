package api

import (
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// Download tickets (auth.IssueTicket): the web app asks for one, then lets
// the browser download the ticket's URL as it downloads any link, streamed
// to disk, where a download through fetch would be held in memory whole.

// ticketable says whether rt can be downloaded with a ticket instead of an
// Authorization header: the GET routes that stream a file to a signed-in
// user (a document's bytes, a version's, an export).
func ticketable(rt route) bool {
	return rt.method == "GET" && rt.streaming && rt.access != public
}

// authorizeTicket is authorize for a request that carries a download
// ticket (?ticket=) and no Authorization header.
func (s *Server) authorizeTicket(r *http.Request, rt route) error {
	u, sid, err := s.d.Auth.AuthenticateTicket(r.Context(), r.URL.Query().Get("ticket"), r.URL.Path, r.URL.Query())
	if err != nil {
		return err
	}
	return s.admit(r, rt, u, sid)
}

// downloadTicket is POST /api/download-tickets' answer.
type downloadTicket struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// newDownloadTicket answers POST /api/download-tickets {"path": …}: a URL
// that downloads path (with its query) without an Authorization header,
// for auth.TicketTTL, in the caller's session.
func (s *Server) newDownloadTicket(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Path string `json:"path"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	st := state(r.Context())
	if st.session == "" {
		return errorf(http.StatusForbidden, "forbidden", "download tickets are for signed-in sessions: with an API token, send it with the download itself")
	}
	u, err := url.Parse(in.Path)
	if err != nil || in.Path == "" || u.Scheme != "" || u.Host != "" || u.User != nil || u.Fragment != "" || !strings.HasPrefix(u.Path, "/api/") || path.Clean(u.Path) != u.Path {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "path must be a download path of this API, such as /api/documents/ID/content, not %q", truncate(in.Path, 100))
	}
	target, ok := s.routeFor(http.MethodGet, u)
	if !ok || !ticketable(target) {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "%s is not a download: tickets are for a document's or a version's content and for exports", truncate(u.Path, 100))
	}
	if target.access == admin && st.user.Role != "admin" {
		return errorf(http.StatusForbidden, "forbidden", "only administrators may do this")
	}
	q := u.Query()
	q.Del("ticket")
	ticket, exp, err := s.d.Auth.IssueTicket(r.Context(), st.user.ID, st.session, u.Path, q)
	if err != nil {
		return err
	}
	q.Set("ticket", ticket)
	out := url.URL{Path: u.Path, RawQuery: q.Encode()}
	writeJSON(w, http.StatusCreated, downloadTicket{URL: out.String(), ExpiresAt: exp.UTC()})
	return nil
}

// routeFor is the route a request of method for u would reach, as the
// server's own mux routes it; false for none (the fallback).
func (s *Server) routeFor(method string, u *url.URL) (route, bool) {
	_, pattern := s.mux.Handler(&http.Request{Method: method, URL: u, Host: "docuvault"})
	for _, rt := range s.routes {
		if rt.method+" "+rt.pattern == pattern {
			return rt, true
		}
	}
	return route{}, false
}
