package api

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/redisconn"
	"github.com/docuvault/docuvault/pkg/sharelinks"
	"github.com/docuvault/docuvault/tests/testenv"
)

func linksEnv(t *testing.T) *env {
	t.Helper()
	pool, err := redisconn.NewPool(testenv.RedisURL(t), 8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	return newEnv(t, envOptions{deps: func(d *Deps) {
		ls, err := sharelinks.New(d.DB, pool, sharelinks.Options{Secret: "0123456789abcdef0123456789abcdef-links",
			Namespace: testenv.RandomName("links"), LinkLimit: sharelinks.Limit{N: 4, Window: time.Minute}})
		if err != nil {
			t.Fatal(err)
		}
		d.Links = ls
	}})
}

type linkJSON struct {
	ID        string  `json:"id"`
	Token     string  `json:"token"`
	URL       string  `json:"url"`
	State     string  `json:"state"`
	Downloads int     `json:"downloads"`
	Name      string  `json:"name"`
	FolderID  *string `json:"folder_id"`
}

// A document link end to end: made by the owner only, opened and
// downloaded by anyone with the token (no login), the limit exact under
// concurrent downloads, a wrong password answered like a missing link,
// never reaching another document; revoked at once; every open and
// download audited as link:<id>.
func TestShareLinkRoutes(t *testing.T) {
	e := linksEnv(t)
	ann, bob, anon := e.login("ann"), e.login("bob"), e.anon()
	doc := ann.uploadOne("lease.txt", "the lease of the flat")
	other := ann.uploadOne("diary.txt", "private")
	bobs := bob.uploadOne("bob.txt", "bob's")

	bob.do("POST", "/api/documents/"+doc.ID+"/links", map[string]any{}).wantError(404, "not_found")
	ann.do("POST", "/api/documents/"+doc.ID+"/links", map[string]any{"password": "short"}).wantError(422, "invalid_field")
	ann.do("POST", "/api/documents/"+doc.ID+"/links", map[string]any{"expires_at": "2001-01-01T00:00:00Z"}).wantError(422, "invalid_field")

	var l linkJSON
	ann.do("POST", "/api/documents/"+doc.ID+"/links", map[string]any{"max_downloads": 3, "expires_in_days": 7}).want(201).decode(&l)
	if len(l.Token) != 43 || !strings.HasSuffix(l.URL, "/s/"+l.Token) || l.State != "active" || l.Name != "lease.txt" {
		t.Fatalf("link %+v", l)
	}
	meta := anon.do("GET", "/api/links/"+l.Token, nil).want(200).json()
	if meta["kind"] != "document" || meta["name"] != "lease.txt" || meta["downloads_left"] != float64(3) || meta["locked"] != false {
		t.Errorf("metadata %v", meta)
	}
	// Another document's id, bob's, a made-up one: the one 404.
	notFound := string(anon.do("GET", "/api/links/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", nil).wantError(404, "not_found").body)
	for _, id := range []string{other.ID, bobs.ID, "x"} {
		if b := string(anon.do("GET", "/api/links/"+l.Token+"/download/"+id, nil).wantError(404, "not_found").body); b != notFound {
			t.Errorf("download of %s through the link: %s, want %s", id, b, notFound)
		}
	}
	// Concurrent downloads: exactly 3 of 8 succeed.
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", e.srv.URL+"/api/links/"+l.Token+"/download", nil)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			mu.Lock()
			codes[res.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[200] != 3 || codes[404] != 5 {
		t.Errorf("download statuses %v, want 3×200 and 5×404", codes)
	}
	if b := string(anon.do("GET", "/api/links/"+l.Token, nil).wantError(404, "not_found").body); b != notFound {
		t.Errorf("exhausted link: %s", b)
	}
	var mine struct {
		Links []linkJSON `json:"links"`
	}
	ann.do("GET", "/api/documents/"+doc.ID+"/links", nil).want(200).decode(&mine)
	if len(mine.Links) != 1 || mine.Links[0].Downloads != 3 || mine.Links[0].State != "exhausted" || mine.Links[0].Token != "" {
		t.Errorf("owner's list %+v", mine)
	}
	bob.do("GET", "/api/documents/"+doc.ID+"/links", nil).wantError(404, "not_found")
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'download' AND actor_label = $1 AND user_id = $2`, "link:"+l.ID, e.users["ann"].ID); n != 3 {
		t.Errorf("%d link downloads audited, want 3", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'share_link_open' AND actor_label = $1`, "link:"+l.ID); n != 1 {
		t.Errorf("%d opens audited, want 1", n)
	}

	// Password: locked until unlocked; a wrong password is the missing
	// link's 404, body for body.
	var p linkJSON
	ann.do("POST", "/api/documents/"+doc.ID+"/links", map[string]any{"password": "correct horse"}).want(201).decode(&p)
	if m := anon.do("GET", "/api/links/"+p.Token, nil).want(200).json(); m["locked"] != true || m["name"] != nil {
		t.Errorf("locked metadata %v", m)
	}
	anon.do("GET", "/api/links/"+p.Token+"/download", nil).wantError(403, "password_required")
	wrong := string(anon.do("POST", "/api/links/"+p.Token+"/unlock", map[string]any{"password": "wrong horse"}).wantError(404, "not_found").body)
	missing := string(anon.do("POST", "/api/links/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/unlock", map[string]any{"password": "correct horse"}).wantError(404, "not_found").body)
	if wrong != missing || wrong != notFound {
		t.Errorf("wrong password %s, missing link %s, unknown link %s", wrong, missing, notFound)
	}
	res := anon.do("POST", "/api/links/"+p.Token+"/unlock", map[string]any{"password": "correct horse"}).want(200)
	cookie := res.header.Get("Set-Cookie")
	if !strings.Contains(cookie, "Path=/api/links/"+p.Token) || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") {
		t.Errorf("cookie %q", cookie)
	}
	access := res.json()["access"].(string)
	got := anon.request("GET", "/api/links/"+p.Token+"/download", nil, "", map[string]string{"X-Link-Access": access}).want(200)
	if string(got.body) != "the lease of the flat" {
		t.Errorf("downloaded %q", got.body)
	}
	anon.request("GET", "/api/links/"+l.Token+"/download", nil, "", map[string]string{"Cookie": linkCookie + "=" + access}).wantError(404, "not_found")
	// Rate limit per link: 4 failures, then 429 even for the right password.
	for range 3 {
		anon.do("POST", "/api/links/"+p.Token+"/unlock", map[string]any{"password": "guess"}).wantError(404, "not_found")
	}
	anon.do("POST", "/api/links/"+p.Token+"/unlock", map[string]any{"password": "correct horse"}).wantError(429, "rate_limited")

	// Revoke: gone at once, for a holder of an access value too.
	bob.do("DELETE", "/api/links/"+p.ID, nil).wantError(404, "not_found")
	ann.do("DELETE", "/api/links/"+p.ID, nil).want(204)
	anon.request("GET", "/api/links/"+p.Token+"/download", nil, "", map[string]string{"X-Link-Access": access}).wantError(404, "not_found")
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'share_link_change'`); n != 3 {
		t.Errorf("%d link changes audited, want 3 (two made, one revoked)", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE metadata::text LIKE '%' || $1 || '%' OR metadata::text LIKE '%horse%'`, p.Token); n != 0 {
		t.Errorf("token or password in the audit log %d times", n)
	}
}

// A folder link: its documents (not subfolders', not other users'),
// download by {doc}; a document moved out is out of reach.
func TestFolderShareLink(t *testing.T) {
	e := linksEnv(t)
	ann, bob, anon := e.login("ann"), e.login("bob"), e.anon()
	f := ann.do("POST", "/api/folders", map[string]any{"name": "Taxes"}).want(201).json()["id"].(string)
	sub := ann.do("POST", "/api/folders", map[string]any{"name": "2024", "parent_id": f}).want(201).json()["id"].(string)
	in := ann.uploadOne("a.txt", "in the folder", [2]string{"folder_id", f})
	deeper := ann.uploadOne("b.txt", "in the subfolder", [2]string{"folder_id", sub})
	out := ann.uploadOne("c.txt", "elsewhere")
	bob.do("POST", "/api/folders/"+f+"/links", map[string]any{}).wantError(404, "not_found")
	var l linkJSON
	ann.do("POST", "/api/folders/"+f+"/links", map[string]any{}).want(201).decode(&l)
	var meta struct {
		Kind      string `json:"kind"`
		Name      string `json:"name"`
		Documents []struct {
			ID       string `json:"id"`
			Filename string `json:"filename"`
		} `json:"documents"`
	}
	anon.do("GET", "/api/links/"+l.Token, nil).want(200).decode(&meta)
	if meta.Kind != "folder" || meta.Name != "Taxes" || len(meta.Documents) != 1 || meta.Documents[0].ID != in.ID {
		t.Fatalf("folder link metadata %+v", meta)
	}
	if b := anon.do("GET", "/api/links/"+l.Token+"/download/"+in.ID, nil).want(200).body; string(b) != "in the folder" {
		t.Errorf("download %q", b)
	}
	anon.do("GET", "/api/links/"+l.Token+"/download", nil).wantError(404, "not_found")
	for _, d := range []string{deeper.ID, out.ID} {
		anon.do("GET", "/api/links/"+l.Token+"/download/"+d, nil).wantError(404, "not_found")
		anon.do("GET", "/api/links/"+l.Token+"/thumbnail/"+d, nil).wantError(404, "not_found")
	}
	ann.do("PATCH", "/api/documents/"+in.ID, map[string]any{"folder_id": nil}).want(200)
	anon.do("GET", "/api/links/"+l.Token+"/download/"+in.ID, nil).wantError(404, "not_found")
	var all struct {
		Links []linkJSON `json:"links"`
	}
	ann.do("GET", "/api/links", nil).want(200).decode(&all)
	if len(all.Links) != 1 || all.Links[0].FolderID == nil || *all.Links[0].FolderID != f {
		t.Errorf("GET /api/links: %+v", all)
	}
}
