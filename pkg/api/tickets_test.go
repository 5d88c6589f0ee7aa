package api

import (
	"net/url"
	"strings"
	"testing"
)

// TestDownloadTickets: a signed-in session asks for a ticket for one
// download and gets a URL that downloads it with no Authorization header
// (as a browser follows a link); the URL does nothing else: not another
// document, not another route, not another user's document, not after
// signing out; only download routes get tickets, admin exports only for
// administrators, and never for a personal API token.
func TestDownloadTickets(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann, bob, root := e.login("ann"), e.login("bob"), e.login("root")
	doc := ann.uploadOne("letter.txt", "Dear Bob, the letter's bytes.")
	other := ann.uploadOne("other.txt", "Another document.")
	bobs := bob.uploadOne("bobs.txt", "Bob's own.")

	type ticket struct {
		URL       string `json:"url"`
		ExpiresAt string `json:"expires_at"`
	}
	issue := func(c *client, path string) ticket {
		t.Helper()
		var tk ticket
		c.do("POST", "/api/download-tickets", map[string]string{"path": path}).want(201).decode(&tk)
		if !strings.HasPrefix(tk.URL, strings.SplitN(path, "?", 2)[0]+"?") || !strings.Contains(tk.URL, "ticket=") || tk.ExpiresAt == "" {
			t.Fatalf("ticket for %s: %+v", path, tk)
		}
		return tk
	}
	content := "/api/documents/" + doc.ID + "/content"
	tk := issue(ann, content)
	res := e.anon().do("GET", tk.URL, nil).want(200)
	if string(res.body) != "Dear Bob, the letter's bytes." {
		t.Fatalf("downloaded %q", res.body)
	}
	if cd := res.header.Get("Content-Disposition"); !strings.Contains(cd, "letter.txt") || !strings.HasPrefix(cd, "attachment") {
		t.Errorf("Content-Disposition %q", cd)
	}
	// The download is ann's, in the audit log.
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'download' AND resource_id = $1 AND user_id = $2`, doc.ID, e.users["ann"].ID); n != 1 {
		t.Errorf("%d audited downloads of the document, want 1", n)
	}

	// Only what the ticket was issued for.
	u, err := url.Parse(tk.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.RawQuery
	e.anon().do("GET", "/api/documents/"+other.ID+"/content?"+q, nil).wantError(401, "invalid_token")
	e.anon().do("GET", content+"?variant=searchable&"+q, nil).wantError(401, "invalid_token")
	e.anon().do("GET", "/api/export?"+q, nil).wantError(401, "invalid_token")
	// Not a credential for any other route.
	e.anon().do("GET", "/api/documents/"+doc.ID+"?"+q, nil).wantError(401, "unauthenticated")
	// A ticket for bob's document, issued to ann, downloads nothing: the
	// document is looked for as ann's.
	e.anon().do("GET", issue(ann, "/api/documents/"+bobs.ID+"/content").URL, nil).wantError(404, "")
	// A version's bytes, with its own path.
	ann.uploadVersion(other.ID, "other.txt", []byte("Another document, second version.")).want(201)
	if res := e.anon().do("GET", issue(ann, "/api/documents/"+other.ID+"/versions/1/content").URL, nil).want(200); string(res.body) != "Another document." {
		t.Errorf("version 1 through a ticket: %q", res.body)
	}

	// Which paths get tickets.
	for _, p := range []string{"", "https://example.org/api/export", "//example.org/api/export", "/api/documents/" + doc.ID,
		"/api/documents", "/api/links/x/download", "/health", "/api/documents/../export", "/api/documents//content"} {
		ann.do("POST", "/api/download-tickets", map[string]string{"path": p}).wantError(422, "invalid_field")
	}
	ann.do("POST", "/api/download-tickets", map[string]string{"path": "/api/admin/export"}).wantError(403, "forbidden")
	exp := issue(root, "/api/admin/export")
	if res := e.anon().do("GET", exp.URL, nil).want(200); len(res.body) == 0 {
		t.Error("the admin export through a ticket is empty")
	}
	e.anon().do("POST", "/api/download-tickets", map[string]string{"path": content}).wantError(401, "unauthenticated")
	var tok struct {
		Secret string `json:"token"`
	}
	ann.do("POST", "/api/tokens", map[string]any{"name": "script", "scopes": []string{"read"}}).want(201).decode(&tok)
	if tok.Secret == "" {
		t.Fatal("no API token secret")
	}
	script := &client{e: e, token: tok.Secret}
	script.do("POST", "/api/download-tickets", map[string]string{"path": content}).wantError(403, "")

	// Signing out of the session ends its tickets.
	late := issue(ann, content)
	ann.do("POST", "/api/auth/logout", map[string]string{"refresh_token": ann.refresh}).want(204)
	e.anon().do("GET", late.URL, nil).wantError(401, "invalid_token")
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'download' AND resource_id = $1`, doc.ID); n != 1 {
		t.Errorf("%d audited downloads of the document after the refused ones, want 1", n)
	}
}
