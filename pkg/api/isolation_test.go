package api

import (
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/mail"
	"github.com/docuvault/docuvault/pkg/secrets"
)

// TestIsolation: bob gets 404 — never 403 — for every route that names
// one of ann's things, and his lists never show them.
func TestIsolation(t *testing.T) {
	e := newEnv(t, envOptions{deps: func(d *Deps) {
		ring, err := secrets.NewKeyring(strings.Repeat("i", 40))
		if err != nil {
			t.Fatal(err)
		}
		d.Mail = &mail.Poller{DB: d.DB, Storage: d.Storage, Keyring: ring, Timeout: 5 * time.Second}
	}})
	ann, bob := e.login("ann"), e.login("bob")
	doc := ann.uploadOne("secret.txt", "ann's secret")
	topic := ann.do("POST", "/api/topics", map[string]any{"name": "Private"}).want(201).json()["id"].(string)
	folder := ann.do("POST", "/api/folders", map[string]any{"name": "Mine"}).want(201).json()["id"].(string)
	share := ann.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"recipient": "root", "permission": "view"}).want(201).json()["id"].(string)
	view := ann.do("POST", "/api/views", map[string]any{"name": "Hers", "filter": map[string]any{"folder": folder}}).want(201).json()["id"].(string)
	token := ann.do("POST", "/api/tokens", map[string]any{"name": "Her scanner", "scopes": []string{"upload"}}).want(201).json()["id"].(string)
	conn := ann.do("POST", "/api/cloud/connections", map[string]any{"provider": "webdav", "name": "Her cloud", "url": "https://cloud.example.org/dav/",
		"login": "ann", "secret": "her password"}).want(201).json()["id"].(string)
	note := ann.do("POST", "/api/documents/"+doc.ID+"/notes", map[string]any{"body": "ann's note"}).want(201).json()["id"].(string)
	link := ann.do("POST", "/api/documents/"+doc.ID+"/links", map[string]any{}).want(201).json()["id"].(string)
	mailbox := ann.do("POST", "/api/mail/accounts", map[string]any{"name": "Her mail", "host": "imap.example.org", "port": 993, "security": "tls",
		"login": "ann", "password": "her password"}).want(201).json()["id"].(string)
	trashed := ann.uploadOne("trashed.txt", "ann's trashed secret")
	ann.do("DELETE", "/api/documents/"+trashed.ID, nil).want(204)
	var sessions struct {
		Sessions []struct {
			ID string `json:"id"`
		} `json:"sessions"`
	}
	ann.do("GET", "/api/sessions", nil).want(200).decode(&sessions)
	session := sessions.Sessions[0].ID

	// Every route that names one thing by {id}, taken from the route table
	// so that a new route cannot go untested: bob's answer for ann's thing
	// is the same 404 as for a thing that does not exist at all.
	ids := map[string]string{"/api/documents/": doc.ID, "/api/topics/": topic, "/api/folders/": folder, "/api/shares/": share, "/api/views/": view, "/api/tokens/": token,
		"/api/cloud/connections/": conn, "/api/notes/": note, "/api/links/": link, "/api/trash/": trashed.ID, "/api/sessions/": session,
		"/api/mail/accounts/": mailbox}
	bodies := map[string]any{
		"PATCH /api/documents/{id}":                          map[string]any{"filename": "mine.txt"},
		"POST /api/documents/{id}/shares":                    map[string]any{"recipient": "bob", "permission": "edit"},
		"PATCH /api/topics/{id}":                             map[string]any{"name": "Stolen"},
		"PATCH /api/folders/{id}":                            map[string]any{"name": "Stolen"},
		"PATCH /api/views/{id}":                              map[string]any{"name": "Stolen"},
		"POST /api/documents/{id}/notes":                     map[string]any{"body": "mine now"},
		"PATCH /api/notes/{id}":                              map[string]any{"body": "mine now"},
		"POST /api/documents/{id}/links":                     map[string]any{},
		"POST /api/folders/{id}/links":                       map[string]any{},
		"POST /api/folders/{id}/shares":                      map[string]any{"recipient": "bob", "permission": "edit"},
		"GET /api/documents/{id}/content":                    nil,
		"GET /api/documents/{id}/thumbnail":                  nil,
		"POST /api/documents/{id}/versions/{number}/restore": nil,
		"POST /api/mail/accounts/{id}/rules":                 map[string]any{"folder": "INBOX"},
	}
	const missing = "00000000-0000-4000-8000-000000000000"
	tested := 0
	for _, rt := range e.api.routes {
		if rt.access != user || !strings.Contains(rt.pattern, "{id}") {
			continue
		}
		prefix := rt.pattern[:strings.Index(rt.pattern, "{id}")]
		id, ok := ids[prefix]
		if !ok {
			t.Errorf("%s %s: the isolation test has no thing of ann's for %s{id}", rt.method, rt.pattern, prefix)
			continue
		}
		body := bodies[rt.method+" "+rt.pattern]
		for _, query := range []string{"", "?redirect=1"} {
			if query != "" && rt.pattern != "/api/documents/{id}/content" {
				continue
			}
			pattern := strings.NewReplacer("{number}", "1", "{rule}", "1", "{share}", missing).Replace(rt.pattern)
			path := strings.Replace(pattern, "{id}", id, 1) + query
			theirs := bob.do(rt.method, path, body).wantError(404, "not_found")
			none := bob.do(rt.method, strings.Replace(pattern, "{id}", missing, 1)+query, body).wantError(404, "not_found")
			if a, b := strings.ReplaceAll(string(theirs.body), id, "ID"), strings.ReplaceAll(string(none.body), missing, "ID"); a != b {
				t.Errorf("%s %s: ann's thing answers %s, a missing one %s", rt.method, path, a, b)
			}
			tested++
		}
	}
	if tested < 20 {
		t.Errorf("only %d routes with {id} were tried", tested)
	}
	// The admin routes with {id} (groups): a user who is not an admin
	// gets 403 for every one, whether the thing exists or not; an admin
	// gets 404 for a thing that does not exist.
	root := e.login("root")
	group := root.do("POST", "/api/admin/groups", map[string]any{"name": "Admins only"}).want(201).json()["id"].(string)
	adminBodies := map[string]any{
		"PATCH /api/admin/users/{id}":           map[string]any{"is_active": true},
		"PUT /api/admin/users/{id}/password":    map[string]any{"password": "Correct horse 7 battery staple"},
		"PATCH /api/admin/groups/{id}":          map[string]any{"name": "Taken"},
		"PUT /api/admin/groups/{id}/members":    map[string]any{"members": []string{"bob"}},
		"POST /api/admin/groups/{id}/members":   map[string]any{"members": []string{"bob"}},
		"DELETE /api/admin/groups/{id}/members": map[string]any{"members": []string{"bob"}},
	}
	adminIDs := map[string]string{"/api/admin/users/": e.users["ann"].ID, "/api/admin/groups/": group}
	for _, rt := range e.api.routes {
		if rt.access != admin || !strings.Contains(rt.pattern, "{id}") {
			continue
		}
		prefix := rt.pattern[:strings.Index(rt.pattern, "{id}")]
		id, ok := adminIDs[prefix]
		if !ok {
			t.Errorf("%s %s: the isolation test has no thing for %s{id}", rt.method, rt.pattern, prefix)
			continue
		}
		body := adminBodies[rt.method+" "+rt.pattern]
		bob.do(rt.method, strings.Replace(rt.pattern, "{id}", id, 1), body).wantError(403, "forbidden")
		bob.do(rt.method, strings.Replace(rt.pattern, "{id}", missing, 1), body).wantError(403, "forbidden")
		root.do(rt.method, strings.Replace(rt.pattern, "{id}", missing, 1), body).wantError(404, "not_found")
	}
	if n := e.count(`SELECT count(*) FROM group_members`); n != 0 {
		t.Errorf("bob changed a group's members: %d", n)
	}
	// bob cannot share ann's document with a group, even one he belongs to.
	root.do("PUT", "/api/admin/groups/"+group+"/members", map[string]any{"members": []string{"bob"}}).want(200)
	theirs := bob.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"group": "Admins only"}).wantError(404, "not_found")
	none := bob.do("POST", "/api/documents/"+missing+"/shares", map[string]any{"group": "Admins only"}).wantError(404, "not_found")
	if a, b := strings.ReplaceAll(string(theirs.body), doc.ID, "ID"), strings.ReplaceAll(string(none.body), missing, "ID"); a != b {
		t.Errorf("group share of ann's document: %s, of a missing one: %s", a, b)
	}

	// Nor can bob use ann's topic or folder on his own documents.
	mine := bob.uploadOne("bob.txt", "bob's own")
	bob.do("PATCH", "/api/documents/"+mine.ID, map[string]any{"topic_ids": []string{topic}}).wantError(422, "unknown_topic")
	bob.do("PATCH", "/api/documents/"+mine.ID, map[string]any{"folder_id": folder}).wantError(422, "invalid_field")
	bob.upload([][2]string{{"folder_id", folder}}, filePart{name: "x.txt", content: []byte("x")}).wantError(422, "invalid_field")
	bob.upload([][2]string{{"topic", topic}}, filePart{name: "x.txt", content: []byte("x")}).wantError(422, "unknown_topic")

	for _, path := range []string{"/api/documents", "/api/documents?shared=1", "/api/topics", "/api/folders", "/api/views", "/api/shares", "/api/tokens", "/api/cloud/connections", "/api/audit", "/api/links", "/api/trash", "/api/sessions", "/api/mail/accounts"} {
		body := string(bob.do("GET", path, nil).want(200).body)
		for _, id := range []string{doc.ID, trashed.ID, topic, folder, share, view, token, conn, note, link, session, mailbox, e.users["ann"].ID} {
			if strings.Contains(body, id) {
				t.Errorf("bob's %s shows ann's %s", path, id)
			}
		}
	}
	// Everything of ann's is intact.
	ann.do("GET", "/api/documents/"+doc.ID, nil).want(200)
	ann.do("GET", "/api/topics/"+topic, nil).want(200)
	ann.do("GET", "/api/folders/"+folder, nil).want(200)
	ann.do("GET", "/api/views/"+view, nil).want(200)
	if body := string(ann.do("GET", "/api/tokens", nil).want(200).body); !strings.Contains(body, token) {
		t.Errorf("ann's token is gone: %s", body)
	}
	if body := string(ann.do("GET", "/api/cloud/connections", nil).want(200).body); !strings.Contains(body, conn) {
		t.Errorf("ann's cloud connection is gone: %s", body)
	}
}

// TestSharing: a view recipient may read; an edit recipient may also
// rename, move and retag; neither may delete or reshare.
func TestSharing(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann, bob, root := e.login("ann"), e.login("bob"), e.login("root")
	doc := ann.uploadOne("shared.txt", "for bob's eyes")
	topic := ann.do("POST", "/api/topics", map[string]any{"name": "Work"}).want(201).json()["id"].(string)
	folder := ann.do("POST", "/api/folders", map[string]any{"name": "Projects"}).want(201).json()["id"].(string)

	ann.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"recipient": "bob", "permission": "admin"}).wantError(422, "invalid_field")
	ann.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"recipient": "nobody", "permission": "view"}).wantError(422, "invalid_field")
	ann.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"recipient": "ann", "permission": "view"}).wantError(422, "invalid_field")
	view := ann.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"recipient": "bob", "permission": "view"}).want(201).json()
	ann.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"recipient": "bob", "permission": "edit"}).wantError(409, "conflict")

	// View: read everything, change nothing.
	var got docJSON
	bob.do("GET", "/api/documents/"+doc.ID, nil).want(200).decode(&got)
	if got.Permission != "view" || got.Owner != "ann" {
		t.Errorf("shared document: %+v", got)
	}
	if body := bob.do("GET", "/api/documents/"+doc.ID+"/content", nil).want(200).body; string(body) != "for bob's eyes" {
		t.Errorf("shared content %q", body)
	}
	bob.do("GET", "/api/documents/"+doc.ID+"/content?redirect=1", nil).want(302)
	bob.do("PATCH", "/api/documents/"+doc.ID, map[string]any{"filename": "bob.txt"}).wantError(403, "forbidden")
	bob.do("DELETE", "/api/documents/"+doc.ID, nil).wantError(403, "forbidden")
	bob.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"recipient": "root", "permission": "view"}).wantError(403, "forbidden")
	bob.do("POST", "/api/documents/"+doc.ID+"/reclassify", nil).wantError(403, "forbidden")
	root.do("GET", "/api/documents/"+doc.ID, nil).wantError(404, "not_found") // an admin sees no one's documents

	var list struct {
		Documents []docJSON `json:"documents"`
	}
	bob.do("GET", "/api/documents?shared=1", nil).want(200).decode(&list)
	if len(list.Documents) != 1 || list.Documents[0].ID != doc.ID || list.Documents[0].Permission != "view" {
		t.Errorf("shared list: %+v", list)
	}
	bob.do("GET", "/api/documents", nil).want(200).decode(&list)
	if len(list.Documents) != 0 {
		t.Errorf("bob's own list shows the shared one: %+v", list)
	}
	var sh struct {
		Given    []map[string]any `json:"given"`
		Received []map[string]any `json:"received"`
	}
	bob.do("GET", "/api/shares", nil).want(200).decode(&sh)
	if len(sh.Received) != 1 || len(sh.Given) != 0 || sh.Received[0]["owner_handle"] != "ann" {
		t.Errorf("bob's shares: %+v", sh)
	}
	ann.do("GET", "/api/shares", nil).want(200).decode(&sh)
	if len(sh.Given) != 1 || len(sh.Received) != 0 {
		t.Errorf("ann's shares: %+v", sh)
	}

	// Edit: rename, move (into the owner's folder), retag (the owner's
	// topics); still no delete, no reshare.
	ann.do("DELETE", "/api/shares/"+view["id"].(string), nil).want(204)
	bob.do("GET", "/api/documents/"+doc.ID, nil).wantError(404, "not_found")
	edit := ann.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"recipient": "bob", "permission": "edit"}).want(201).json()
	bob.do("PATCH", "/api/documents/"+doc.ID, map[string]any{"filename": "by-bob.txt", "folder_id": folder, "topic_ids": []string{topic}}).want(200).decode(&got)
	if got.Filename != "by-bob.txt" || got.FolderID == nil || *got.FolderID != folder || len(got.Topics) != 1 || got.Permission != "edit" {
		t.Errorf("edited: %+v", got)
	}
	bob.do("POST", "/api/documents/"+doc.ID+"/reclassify", nil).want(202)
	bob.do("DELETE", "/api/documents/"+doc.ID, nil).wantError(403, "forbidden")
	bob.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"recipient": "root", "permission": "view"}).wantError(403, "forbidden")
	// The recipient may end the share too.
	bob.do("DELETE", "/api/shares/"+edit["id"].(string), nil).want(204)
	bob.do("GET", "/api/documents/"+doc.ID, nil).wantError(404, "not_found")
	if n := e.count(`SELECT count(*) FROM documents WHERE id = $1`, doc.ID); n != 1 {
		t.Error("the document went with the share")
	}

	// Audit: share and unshare in ann's trail; bob's edit is his action on
	// ann's document.
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'share' AND user_id = $1 AND resource_id = $2`, e.users["ann"].ID, doc.ID); n != 2 {
		t.Errorf("%d share events", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'unshare'`); n != 2 {
		t.Errorf("%d unshare events", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'document_update' AND user_id = $1 AND actor_id = $2`, e.users["ann"].ID, e.users["bob"].ID); n != 2 {
		t.Errorf("%d update events by bob on ann's document", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'download' AND user_id = $1 AND actor_id = $2`, e.users["ann"].ID, e.users["bob"].ID); n != 2 {
		t.Errorf("%d downloads by bob", n)
	}
}

func TestTopicsFoldersSettings(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann, bob := e.login("ann"), e.login("bob")

	// Topics: CRUD, 409 on a duplicate name, colours, rules.
	fin := ann.do("POST", "/api/topics", map[string]any{"name": "Finance", "description": "money", "color": "#AABBCC", "match": "invoice receipt", "algorithm": "any"}).want(201).json()
	if fin["color"] != "#aabbcc" || fin["algorithm"] != "any" || fin["case_insensitive"] != true {
		t.Errorf("created topic: %v", fin)
	}
	id := fin["id"].(string)
	ann.do("POST", "/api/topics", map[string]any{"name": "Finance"}).wantError(409, "conflict")
	bob.do("POST", "/api/topics", map[string]any{"name": "Finance"}).want(201) // names are per user
	ann.do("POST", "/api/topics", map[string]any{"name": "Red", "color": "red"}).wantError(422, "invalid_field")
	ann.do("POST", "/api/topics", map[string]any{"name": "Bad", "match": "(", "algorithm": "regex"}).wantError(422, "invalid_field")
	ann.do("POST", "/api/topics", map[string]any{"name": "Bad", "algorithm": "telepathy", "match": "x"}).wantError(422, "invalid_field")
	ann.do("POST", "/api/topics", map[string]any{"name": ""}).wantError(422, "invalid_field")
	ann.do("POST", "/api/topics", map[string]any{}).wantError(422, "invalid_field")
	ann.do("POST", "/api/topics", map[string]any{"name": "Health"}).want(201)
	upd := ann.do("PATCH", "/api/topics/"+id, map[string]any{"name": "Money", "color": "#000000"}).want(200).json()
	if upd["name"] != "Money" || upd["color"] != "#000000" || upd["description"] != "money" || upd["match"] != "invoice receipt" {
		t.Errorf("updated topic: %v", upd)
	}
	ann.do("PATCH", "/api/topics/"+id, map[string]any{"name": "Health"}).wantError(409, "conflict")
	ann.do("PATCH", "/api/topics/"+id, map[string]any{"color": "#12345"}).wantError(422, "invalid_field")
	var ts struct {
		Topics []map[string]any `json:"topics"`
	}
	ann.do("GET", "/api/topics", nil).want(200).decode(&ts)
	if len(ts.Topics) != 2 || ts.Topics[0]["name"] != "Health" {
		t.Errorf("topics: %v", ts)
	}
	ann.do("DELETE", "/api/topics/"+id, nil).want(204)
	ann.do("GET", "/api/topics/"+id, nil).wantError(404, "not_found")

	// Folders: nested, unique per parent, no cycles.
	a := ann.do("POST", "/api/folders", map[string]any{"name": "A"}).want(201).json()["id"].(string)
	b := ann.do("POST", "/api/folders", map[string]any{"name": "B", "parent_id": a}).want(201).json()["id"].(string)
	ann.do("POST", "/api/folders", map[string]any{"name": "B", "parent_id": a}).wantError(409, "conflict")
	ann.do("POST", "/api/folders", map[string]any{"name": "B"}).want(201) // another parent
	ann.do("PATCH", "/api/folders/"+a, map[string]any{"parent_id": b}).wantError(422, "cycle")
	ann.do("PATCH", "/api/folders/"+b, map[string]any{"parent_id": nil}).wantError(409, "conflict") // a root "B" exists
	ann.do("PATCH", "/api/folders/"+b, map[string]any{"name": "C", "parent_id": nil}).want(200)
	ann.do("POST", "/api/folders", map[string]any{"name": ""}).wantError(422, "invalid_field")
	var fs struct {
		Folders []map[string]any `json:"folders"`
	}
	ann.do("GET", "/api/folders", nil).want(200).decode(&fs)
	if len(fs.Folders) != 3 {
		t.Errorf("folders: %v", fs)
	}
	ann.do("DELETE", "/api/folders/"+a, nil).want(204)
	ann.do("GET", "/api/folders/"+a, nil).wantError(404, "not_found")

	// Settings.
	if s := ann.do("GET", "/api/settings", nil).want(200).json(); s["ai_provider"] != nil || s["ai_model"] != nil {
		t.Errorf("default settings: %v", s)
	}
	s := ann.do("PUT", "/api/settings", map[string]any{"ai_provider": "openai", "ai_model": "gpt-4o-mini"}).want(200).json()
	if s["ai_provider"] != "openai" || s["ai_model"] != "gpt-4o-mini" {
		t.Errorf("settings: %v", s)
	}
	ann.do("PUT", "/api/settings", map[string]any{"ai_provider": "skynet"}).wantError(422, "invalid_field")
	if s := bob.do("GET", "/api/settings", nil).want(200).json(); s["ai_provider"] != nil {
		t.Errorf("bob got ann's settings: %v", s)
	}
	ann.do("PUT", "/api/settings", map[string]any{"ai_provider": "builtin", "ai_model": nil}).want(200)
	if s := ann.do("GET", "/api/settings", nil).want(200).json(); s["ai_provider"] != "builtin" || s["ai_model"] != nil {
		t.Errorf("settings after reset: %v", s)
	}
	// OCR: a person's own choice, checked, and theirs alone.
	if s := ann.do("PUT", "/api/settings", map[string]any{"ocr": "Always"}).want(200).json(); s["ocr"] != "always" {
		t.Errorf("settings with ocr: %v", s)
	}
	res := ann.do("PUT", "/api/settings", map[string]any{"ocr": "sometimes"}).wantError(422, "invalid_field")
	if !strings.Contains(string(res.body), `ocr \"sometimes\": use auto, always, never`) {
		t.Errorf("bad ocr: %s", res.body)
	}
	if s := bob.do("GET", "/api/settings", nil).want(200).json(); s["ocr"] != nil {
		t.Errorf("bob got ann's OCR setting: %v", s)
	}
	var ocr *string
	if err := e.db.Get(&ocr, `SELECT ocr FROM users WHERE handle = 'ann'`); err != nil || ocr == nil || *ocr != "always" {
		t.Errorf("users.ocr of ann: %v, %v", ocr, err)
	}
}

func TestAuditListing(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann, bob, root := e.login("ann"), e.login("bob"), e.login("root")
	doc := ann.uploadOne("a.txt", "audit me")
	ann.do("GET", "/api/documents/"+doc.ID+"/content", nil).want(200)
	bob.uploadOne("b.txt", "bob's")

	type page struct {
		Entries []struct {
			UserID     *string        `json:"user_id"`
			EventType  string         `json:"event_type"`
			ResourceID *string        `json:"resource_id"`
			IP         *string        `json:"ip"`
			Metadata   map[string]any `json:"metadata"`
		} `json:"entries"`
		Next string `json:"next"`
	}
	var p page
	ann.do("GET", "/api/audit", nil).want(200).decode(&p)
	types := map[string]int{}
	for _, en := range p.Entries {
		if en.UserID == nil || *en.UserID != e.users["ann"].ID {
			t.Errorf("ann sees an event of another: %+v", en)
		}
		types[en.EventType]++
	}
	if types["login"] != 1 || types["upload"] != 1 || types["download"] != 1 {
		t.Errorf("ann's events: %v", types)
	}
	ann.do("GET", "/api/audit?event_type=upload", nil).want(200).decode(&p)
	if len(p.Entries) != 1 || p.Entries[0].Metadata["filename"] != "a.txt" || p.Entries[0].IP == nil {
		t.Errorf("ann's uploads: %+v", p)
	}
	ann.do("GET", "/api/audit?user_id="+e.users["bob"].ID, nil).wantError(403, "forbidden")

	root.do("GET", "/api/audit?event_type=upload", nil).want(200).decode(&p)
	if len(p.Entries) != 2 {
		t.Errorf("admin sees %d uploads, want 2", len(p.Entries))
	}
	root.do("GET", "/api/audit?user_id="+e.users["bob"].ID, nil).want(200).decode(&p)
	for _, en := range p.Entries {
		if *en.UserID != e.users["bob"].ID {
			t.Errorf("filter by bob: %+v", en)
		}
	}
	root.do("GET", "/api/audit?limit=1", nil).want(200).decode(&p)
	if len(p.Entries) != 1 || p.Next == "" {
		t.Errorf("paging: %+v", p)
	}
	root.do("GET", "/api/audit?limit=1&cursor="+p.Next, nil).want(200)
	root.do("GET", "/api/audit?since=yesterday", nil).wantError(400, "malformed")
	root.do("GET", "/api/audit?cursor=garbage", nil).wantError(422, "invalid_field")
}
