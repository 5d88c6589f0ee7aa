package api

import (
	"strings"
	"testing"
)

// The saved-view routes as the web app's sidebar and dialog use them:
// create, list in order, rename, change the filter, move, delete; 422 with
// one-line messages for bad input, 409 for a name taken (in any case), 404
// for someone else's view; a deleted topic leaves a note; changes are in
// the audit log.
func TestViewRoutes(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann, bob := e.login("ann"), e.login("bob")
	msg := func(r *response) string {
		t.Helper()
		m := r.json()["error"].(map[string]any)["message"].(string)
		if strings.Contains(m, "\n") || strings.HasPrefix(m, "name:") || strings.HasPrefix(m, "filter:") {
			t.Errorf("not a one-line message for people: %q", m)
		}
		return m
	}
	topic := ann.do("POST", "/api/topics", map[string]any{"name": "Finance"}).want(201).json()["id"].(string)
	folder := ann.do("POST", "/api/folders", map[string]any{"name": "Taxes"}).want(201).json()["id"].(string)

	v := ann.do("POST", "/api/views", map[string]any{"name": " Failed PDFs ",
		"filter": map[string]any{"status": "failed", "content_type": "application/pdf", "sort": "size_desc"}}).want(201).json()
	if v["name"] != "Failed PDFs" || v["position"] != float64(0) {
		t.Errorf("created %v", v)
	}
	if f := v["filter"].(map[string]any); len(f) != 3 || f["status"] != "failed" || f["sort"] != "size_desc" {
		t.Errorf("filter %v", f)
	}
	vid := v["id"].(string)
	w := ann.do("POST", "/api/views", map[string]any{"name": "Finance in Taxes",
		"filter": map[string]any{"topic": topic, "folder": folder, "date_from": "2025-01-01", "date_to": "2025-12-31"}}).want(201).json()
	wid := w["id"].(string)
	ann.do("POST", "/api/views", map[string]any{"name": "All"}).want(201)

	for _, c := range []struct {
		body   map[string]any
		status int
		code   string
		msg    string
	}{
		{map[string]any{"name": "failed pdfs"}, 409, "conflict", `you already have a view named "failed pdfs": choose another name`},
		{map[string]any{}, 422, "invalid_field", "name is required: give the view a name"},
		{map[string]any{"name": ""}, 422, "invalid_field", "view name is empty: give it a name of 1 to 100 characters"},
		{map[string]any{"name": "x", "filter": map[string]any{"q": "tax"}}, 422, "invalid_field", `the filter has no key "q": use status, topic, folder, content_type, date_from, date_to, sort`},
		{map[string]any{"name": "x", "filter": map[string]any{"status": "done"}}, 422, "invalid_field", `status "done": use one of pending, processing, classified, no_text, failed, skipped`},
		{map[string]any{"name": "x", "filter": map[string]any{"sort": 3}}, 422, "invalid_field", "the filter's sort must be a string"},
		{map[string]any{"name": "x", "filter": map[string]any{"date_to": "yesterday"}}, 422, "invalid_field", `date to "yesterday" is not a day: write it like 2026-01-31`},
		{map[string]any{"name": "x", "filter": map[string]any{"topic": "Finance"}}, 422, "invalid_field", `no topic "Finance": use the id of one of your topics, or unfiled`},
		{map[string]any{"name": "x", "filter": "status=failed"}, 422, "invalid_field", "the filter must be a JSON object of status, topic, folder, content_type, date_from, date_to, sort"},
		{map[string]any{"name": "x", "position": 0}, 422, "invalid_field", "a new view comes after your others: move it with PATCH"},
	} {
		if m := msg(ann.do("POST", "/api/views", c.body).wantError(c.status, c.code)); m != c.msg {
			t.Errorf("POST %v: %q, want %q", c.body, m, c.msg)
		}
	}
	if n := e.count(`SELECT count(*) FROM saved_views`); n != 3 {
		t.Errorf("%d views stored, want 3 (nothing from the refused requests)", n)
	}

	// Rename, change the filter, move to the end.
	r := ann.do("PATCH", "/api/views/"+vid, map[string]any{"name": "Failed", "filter": map[string]any{"status": "failed"}, "position": 9}).want(200).json()
	if r["name"] != "Failed" || r["position"] != float64(2) || len(r["filter"].(map[string]any)) != 1 {
		t.Errorf("patched %v", r)
	}
	if m := msg(ann.do("PATCH", "/api/views/"+vid, map[string]any{"name": "ALL"}).wantError(409, "conflict")); m != `you already have a view named "ALL": choose another name` {
		t.Errorf("rename conflict: %q", m)
	}
	if m := msg(ann.do("PATCH", "/api/views/"+vid, map[string]any{"position": -1}).wantError(422, "invalid_field")); m != "position -1: use 0 for the first place or more" {
		t.Errorf("bad position: %q", m)
	}
	var list struct {
		Views []struct {
			ID       string         `json:"id"`
			Name     string         `json:"name"`
			Position int            `json:"position"`
			Filter   map[string]any `json:"filter"`
			Note     string         `json:"note"`
		} `json:"views"`
	}
	ann.do("GET", "/api/views", nil).want(200).decode(&list)
	var got []string
	for _, x := range list.Views {
		got = append(got, x.Name)
	}
	if strings.Join(got, ",") != "Finance in Taxes,All,Failed" {
		t.Errorf("order %v", got)
	}

	// Someone else's view is not found, whatever is asked of it.
	const nf = "view not found: use the id of one of your saved views"
	for _, c := range []struct {
		method string
		body   any
	}{{"GET", nil}, {"PATCH", map[string]any{"name": "Mine"}}, {"DELETE", nil}} {
		if m := msg(bob.do(c.method, "/api/views/"+vid, c.body).wantError(404, "not_found")); m != nf {
			t.Errorf("bob %s: %q", c.method, m)
		}
	}
	bob.do("GET", "/api/views", nil).want(200).decode(&list)
	if len(list.Views) != 0 {
		t.Errorf("bob sees %v", list.Views)
	}
	if m := msg(bob.do("POST", "/api/views", map[string]any{"name": "x", "filter": map[string]any{"folder": folder}}).wantError(422, "invalid_field")); m != `no folder "`+folder+`": use the id of one of your folders, or root` {
		t.Errorf("bob with ann's folder: %q", m)
	}

	// A deleted topic: the view stays, with a note, and without the topic.
	ann.do("DELETE", "/api/topics/"+topic, nil).want(204)
	g := ann.do("GET", "/api/views/"+wid, nil).want(200).json()
	if f := g["filter"].(map[string]any); f["topic"] != nil || f["folder"] != folder {
		t.Errorf("after the topic went: %v", f)
	}
	if g["note"] != "the topic this view was saved with has been deleted: it now shows documents in any topic" {
		t.Errorf("note %q", g["note"])
	}

	ann.do("DELETE", "/api/views/"+vid, nil).want(204)
	ann.do("DELETE", "/api/views/"+vid, nil).wantError(404, "not_found")
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'view_change'`); n != 5 {
		t.Errorf("%d view_change events, want 5 (3 creates, 1 change, 1 delete)", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'view_change' AND metadata->>'old_name' = 'Failed PDFs' AND metadata->>'name' = 'Failed'`); n != 1 {
		t.Errorf("the rename's event: %d", n)
	}
}
