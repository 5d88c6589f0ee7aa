package api

import (
	"strings"
	"testing"
	"time"
)

type auditPage struct {
	Entries []struct {
		EventType string `json:"event_type"`
		Label     string `json:"label"`
		Summary   string `json:"summary"`
		From      string `json:"from"`
		Actor     struct {
			Kind   string  `json:"kind"`
			ID     *string `json:"id"`
			Handle string  `json:"handle"`
			Name   string  `json:"name"`
		} `json:"actor"`
		User *struct {
			Handle string `json:"handle"`
		} `json:"user"`
		Document *struct {
			ID       string `json:"id"`
			Filename string `json:"filename"`
			CanOpen  bool   `json:"can_open"`
		} `json:"document"`
	} `json:"entries"`
}

func (p auditPage) rows() string {
	var out []string
	for _, e := range p.Entries {
		out = append(out, e.EventType+"/"+e.Actor.Name)
	}
	return strings.Join(out, ",")
}

// TestAuditWhoAndWords: an admin's list says who acted on each event and
// whom it concerns, in words; a document links only for whoever may open
// it (the owner, a recipient), never an admin looking at another's.
func TestAuditWhoAndWords(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann, bob, root := e.login("ann"), e.login("bob"), e.login("root")
	doc := ann.uploadOne("ann.txt", "ann's words")
	bob.uploadOne("bob.txt", "bob's words")
	ann.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]string{"recipient": "bob", "permission": "view"}).want(201)
	bob.do("POST", "/api/auth/logout", map[string]bool{"all": true}).want(204)

	var p auditPage
	root.do("GET", "/api/audit?event_type=upload", nil).want(200).decode(&p)
	if got, want := p.rows(), "upload/bob,upload/ann"; got != want {
		t.Fatalf("admin's uploads %s, want %s", got, want)
	}
	for _, en := range p.Entries {
		if en.Label != "Document uploaded" || en.Actor.Kind != "user" || en.User == nil || en.User.Handle != en.Actor.Handle ||
			en.Document == nil || en.Document.CanOpen || en.From != "this machine (127.0.0.1)" {
			t.Errorf("admin's upload row %+v (document %+v)", en, en.Document)
		}
	}
	ann.do("GET", "/api/audit?event_type=upload", nil).want(200).decode(&p)
	if len(p.Entries) != 1 || p.Entries[0].Document == nil || !p.Entries[0].Document.CanOpen || p.Entries[0].Document.Filename != "ann.txt" {
		t.Errorf("ann's own upload: %+v", p.Entries)
	}
	root.do("GET", "/api/audit?event_type=share", nil).want(200).decode(&p)
	if len(p.Entries) != 1 || p.Entries[0].Summary != "With bob (can view)" || p.Entries[0].Document.CanOpen {
		t.Errorf("admin's share rows: %+v", p.Entries)
	}
	root.do("GET", "/api/audit?event_type=logout", nil).want(200).decode(&p)
	if len(p.Entries) != 1 || p.Entries[0].Label != "Signed out" || p.Entries[0].Summary != "Signed out everywhere" || p.Entries[0].Actor.Name != "bob" {
		t.Errorf("logout rows: %+v", p.Entries)
	}
	// bob sees only events concerning him: not ann's share of her document.
	bob = e.login("bob")
	bob.do("GET", "/api/audit", nil).want(200).decode(&p)
	for _, en := range p.Entries {
		if en.User == nil || en.User.Handle != "bob" {
			t.Errorf("bob sees %+v", en)
		}
	}
}

// TestAuditFilters: person (a handle: events concerning or done by them),
// event type and a date range; bad input is a 400 saying what to fix, and
// a non-admin cannot ask for someone else.
func TestAuditFilters(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann, root := e.login("ann"), e.login("root")
	e.login("bob")
	ann.uploadOne("a.txt", "a")
	root.do("PATCH", "/api/admin/users/"+e.users["bob"].ID, map[string]any{"quota_bytes": 1 << 20}).want(200)

	var p auditPage
	root.do("GET", "/api/audit?person=bob", nil).want(200).decode(&p)
	if got, want := p.rows(), "user_admin/root,login/bob"; got != want {
		t.Errorf("bob's events %s, want %s", got, want)
	}
	root.do("GET", "/api/audit?person=ROOT&event_type=user_admin", nil).want(200).decode(&p)
	if got, want := p.rows(), "user_admin/root"; got != want || p.Entries[0].Summary != "Quota of bob set to 1.0 MiB" || p.Entries[0].User.Handle != "bob" {
		t.Errorf("root's admin events %s (%+v), want %s", got, p.Entries, want)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	root.do("GET", "/api/audit?person=ann&since="+today+"&until="+today, nil).want(200).decode(&p)
	if got, want := p.rows(), "upload/ann,login/ann"; got != want {
		t.Errorf("ann today %s, want %s", got, want)
	}
	root.do("GET", "/api/audit?since="+tomorrow, nil).want(200).decode(&p)
	if len(p.Entries) != 0 {
		t.Errorf("tomorrow: %s", p.rows())
	}
	root.do("GET", "/api/audit?person=cli", nil).want(200).decode(&p)
	if len(p.Entries) != 0 {
		t.Errorf("CLI events: %s", p.rows())
	}
	ann.do("GET", "/api/audit?person=ann", nil).want(200).decode(&p)
	if got, want := p.rows(), "upload/ann,login/ann"; got != want {
		t.Errorf("ann's own %s, want %s", got, want)
	}

	for _, tc := range []struct {
		who, query string
		status     int
		code, msg  string
	}{
		{"root", "event_type=uploads", 400, "malformed", `unknown event type "uploads": use one of upload, download`},
		{"root", "person=nobody", 400, "malformed", `nobody has the handle "nobody"`},
		{"root", "since=31.01.2026", 400, "malformed", "since must be a day like 2026-01-31"},
		{"root", "until=2026-02-30", 400, "malformed", "until must be a day like 2026-01-31"},
		{"root", "since=2026-03-02&until=2026-03-01", 400, "malformed", "the date range ends (2026-03-01) before it starts (2026-03-02): swap them"},
		{"ann", "person=bob", 403, "forbidden", "only administrators may see other people's events"},
		{"ann", "person=cli", 403, "forbidden", ""},
	} {
		c := ann
		if tc.who == "root" {
			c = root
		}
		var body errorBody
		c.do("GET", "/api/audit?"+tc.query, nil).wantError(tc.status, tc.code).decode(&body)
		if !strings.HasPrefix(body.Error.Message, tc.msg) || strings.Contains(body.Error.Message, "\n") {
			t.Errorf("%s %s: %q, want it to start %q", tc.who, tc.query, body.Error.Message, tc.msg)
		}
	}
}
