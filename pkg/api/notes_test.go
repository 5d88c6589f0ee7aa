package api

import (
	"context"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

// The notes routes: the owner and an edit recipient write, a view
// recipient reads (403 to write), a stranger gets 404 everywhere; a note
// over 10,000 characters is a 400 saying so; every change is audited with
// the note's id and length, never its text.
func TestNoteRoutes(t *testing.T) {
	e := newEnv(t, envOptions{})
	if _, err := users.Create(context.Background(), e.db, users.NewUser{HashCost: testenv.HashCost(), Handle: "cat", Email: "cat@example.org", Password: "password-cat"}); err != nil {
		t.Fatal(err)
	}
	ann, bob, cat, root := e.login("ann"), e.login("bob"), e.login("cat"), e.login("root")
	doc := ann.uploadOne("lease.txt", "the lease of the flat")
	ann.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"recipient": "bob", "permission": "edit"}).want(201)
	ann.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"recipient": "cat", "permission": "view"}).want(201)
	notesPath := "/api/documents/" + doc.ID + "/notes"

	secret := "the key is under the flowerpot"
	mine := ann.do("POST", notesPath, map[string]any{"body": secret}).want(201).json()
	bobs := bob.do("POST", notesPath, map[string]any{"body": "boiler serviced"}).want(201).json()
	if mine["author"] != "ann" || mine["can_edit"] != true || bobs["author"] != "bob" {
		t.Errorf("notes: %v %v", mine, bobs)
	}
	cat.do("POST", notesPath, map[string]any{"body": "may I?"}).wantError(403, "forbidden")
	for _, c := range []*client{root} {
		c.do("GET", notesPath, nil).wantError(404, "not_found")
		c.do("POST", notesPath, map[string]any{"body": "x"}).wantError(404, "not_found")
		c.do("PATCH", "/api/notes/"+mine["id"].(string), map[string]any{"body": "x"}).wantError(404, "not_found")
		c.do("DELETE", "/api/notes/"+mine["id"].(string), nil).wantError(404, "not_found")
	}
	var list struct {
		Notes []struct {
			ID        string `json:"id"`
			Body      string `json:"body"`
			CanEdit   bool   `json:"can_edit"`
			CanDelete bool   `json:"can_delete"`
		} `json:"notes"`
		MaxLength int `json:"max_length"`
	}
	cat.do("GET", notesPath, nil).want(200).decode(&list)
	if len(list.Notes) != 2 || list.Notes[0].Body != secret || list.Notes[0].CanEdit || list.Notes[1].CanDelete || list.MaxLength != 10000 {
		t.Errorf("view recipient's list: %+v", list)
	}

	// Too long: 400 with the limit; nothing stored.
	r := ann.do("POST", notesPath, map[string]any{"body": strings.Repeat("a", 10001)}).wantError(400, "invalid_note")
	if m := r.json()["error"].(map[string]any)["message"].(string); m != "the note is 10001 characters long: write at most 10000" {
		t.Errorf("too long: %q", m)
	}
	ann.do("POST", notesPath, map[string]any{"body": "   "}).wantError(400, "invalid_note")

	// Edit and delete.
	ann.do("PATCH", "/api/notes/"+bobs["id"].(string), map[string]any{"body": "rewritten"}).wantError(403, "forbidden")
	cat.do("DELETE", "/api/notes/"+bobs["id"].(string), nil).wantError(403, "forbidden")
	ed := bob.do("PATCH", "/api/notes/"+bobs["id"].(string), map[string]any{"body": "boiler serviced on 2 May"}).want(200).json()
	if ed["body"] != "boiler serviced on 2 May" {
		t.Errorf("edited: %v", ed)
	}
	ann.do("DELETE", "/api/notes/"+bobs["id"].(string), nil).want(204)
	ann.do("PATCH", "/api/notes/"+mine["id"].(string), map[string]any{"body": secret + " (the blue one)"}).want(200)

	// Search by a note's word: the owner and recipients, not root.
	for _, c := range []*client{ann, bob, cat} {
		var res struct {
			Hits []struct {
				Document struct {
					ID string `json:"id"`
				} `json:"document"`
				MatchIn []string `json:"match_in"`
			} `json:"hits"`
		}
		c.do("GET", "/api/search?q=flowerpot", nil).want(200).decode(&res)
		if len(res.Hits) != 1 || res.Hits[0].Document.ID != doc.ID {
			t.Errorf("%s searches a note's word: %+v", c.handle, res)
		}
	}
	if hits := root.do("GET", "/api/search?q=flowerpot", nil).want(200).json()["hits"].([]any); len(hits) != 0 {
		t.Errorf("a stranger finds %v", hits)
	}

	// The audit: create, create, edit, delete, edit — ids and lengths only.
	var metas []string
	if err := e.admin.Select(&metas, `SELECT metadata::text FROM audit_log WHERE event_type = 'note_change' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(metas) != 5 {
		t.Fatalf("note events: %v", metas)
	}
	for _, m := range metas {
		if strings.Contains(m, "flowerpot") || strings.Contains(m, "boiler") || !strings.Contains(m, `"note_id"`) || !strings.Contains(m, `"length"`) {
			t.Errorf("audit metadata %s", m)
		}
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'note_change' AND user_id = $1`, e.users["ann"].ID); n != 5 {
		t.Errorf("%d note events on the owner's activity, want 5", n)
	}
}
