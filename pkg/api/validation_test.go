package api

import (
	"net/url"
	"strings"
	"testing"
)

// TestTextRuleEverywhere: a NUL byte — which PostgreSQL cannot store —
// and the invisible or display-reversing characters that folder names
// refuse are refused the same way in every text the API keeps or looks
// up: 422 invalid_field (400 for a search query), before any query, and
// never a 500 or an ERROR log (issue 20, D10 and D15).
func TestTextRuleEverywhere(t *testing.T) {
	e := newEnv(t, envOptions{})
	outer := t
	ann, root := e.login("ann"), e.login("root")
	doc := ann.uploadOne("n.txt", "some words to keep")
	var topic struct {
		ID string `json:"id"`
	}
	ann.do("POST", "/api/topics", map[string]any{"name": "Taxes"}).want(201).decode(&topic)
	var folder struct {
		ID string `json:"id"`
	}
	ann.do("POST", "/api/folders", map[string]any{"name": "Home"}).want(201).decode(&folder)

	type call struct {
		name   string
		c      *client
		method string
		path   string
		body   map[string]any
		status int
		code   string
	}
	var calls []call
	for bad, what := range map[string]string{
		"n\u0000":        "NUL",
		"a\u202etxt.exe": "right-to-left override",
		"ta\u200bxes":    "zero-width space",
		"a\u2066b":       "bidi isolate",
		"a\u001bb":       "escape",
	} {
		calls = append(calls,
			call{what + " in a new topic's name", ann, "POST", "/api/topics", map[string]any{"name": bad}, 422, "invalid_field"},
			call{what + " in a topic's new name", ann, "PATCH", "/api/topics/" + topic.ID, map[string]any{"name": bad}, 422, "invalid_field"},
			call{what + " in a new folder's name", ann, "POST", "/api/folders", map[string]any{"name": bad}, 422, "invalid_field"},
			call{what + " in a folder's new name", ann, "PATCH", "/api/folders/" + folder.ID, map[string]any{"name": bad}, 422, "invalid_field"},
			call{what + " in a share's recipient", ann, "POST", "/api/documents/" + doc.ID + "/shares", map[string]any{"recipient": bad}, 422, "invalid_field"},
			call{what + " in the login handle", e.anon(), "POST", "/api/auth/login", map[string]any{"handle": bad, "password": "password-ann"}, 422, "invalid_field"},
			call{what + " in a new user's handle", root, "POST", "/api/admin/users", map[string]any{"handle": bad, "email": "x@example.org"}, 422, "invalid_field"},
			call{what + " in a new user's email", root, "POST", "/api/admin/users", map[string]any{"handle": "xavier", "email": "x" + bad + "@example.org"}, 422, "invalid_field"},
		)
	}
	// Free text keeps line breaks and tabs, but not NUL or the rest.
	for bad, what := range map[string]string{"n\u0000": "NUL", "a\u202eb": "right-to-left override", "a\u200bb": "zero-width space"} {
		calls = append(calls,
			call{what + " in a new topic's description", ann, "POST", "/api/topics", map[string]any{"name": "D " + what, "description": bad}, 422, "invalid_field"},
			call{what + " in a topic's new description", ann, "PATCH", "/api/topics/" + topic.ID, map[string]any{"description": bad}, 422, "invalid_field"},
			call{what + " in a new topic's match rule", ann, "POST", "/api/topics", map[string]any{"name": "M " + what, "match": bad, "algorithm": "any"}, 422, "invalid_field"},
			call{what + " in a topic's new match rule", ann, "PATCH", "/api/topics/" + topic.ID, map[string]any{"match": bad, "algorithm": "literal"}, 422, "invalid_field"},
		)
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			defer func() { e.t = outer }()
			c.c.do(c.method, c.path, c.body).wantError(c.status, c.code)
		})
	}
	t.Run("NUL in an audit filter", func(t *testing.T) {
		e.t = t
		defer func() { e.t = outer }()
		ann.do("GET", "/api/audit?event_type="+url.QueryEscape("n\u0000"), nil).wantError(422, "invalid_field")
	})
	t.Run("NUL in a content_type filter", func(t *testing.T) {
		e.t = t
		defer func() { e.t = outer }()
		ann.do("GET", "/api/documents?content_type="+url.QueryEscape("text/\u0000"), nil).wantError(422, "invalid_field")
		ann.do("GET", "/api/search?q=x&content_type="+url.QueryEscape("text/\u0000"), nil).wantError(400, "invalid_query") // search answers its bad parameters 400
	})
	t.Run("NUL in an upload's topic field", func(t *testing.T) {
		e.t = t
		defer func() { e.t = outer }()
		ann.upload([][2]string{{"topic", "n\u0000"}}, filePart{name: "x.txt", content: []byte("hello there")}).wantError(422, "unknown_topic")
	})
	t.Run("NUL in a search query", func(t *testing.T) {
		e.t = t
		defer func() { e.t = outer }()
		ann.do("GET", "/api/search?q="+url.QueryEscape("n\u0000"), nil).wantError(400, "invalid_query")
	})

	// What is allowed still is: line breaks in a description, an emoji
	// sequence in a name.
	ann.do("POST", "/api/topics", map[string]any{"name": "Family \U0001F468\u200d\U0001F469\u200d\U0001F467", "description": "line one\nline two\tend"}).want(201)

	if n := e.count(`SELECT count(*) FROM topics WHERE user_id = $1`, e.users["ann"].ID); n != 2 {
		t.Errorf("%d topics, want 2 (Taxes and Family): a refused one was stored", n)
	}
	if n := e.count(`SELECT count(*) FROM users`); n != 3 {
		t.Errorf("%d users, want 3: a refused one was stored", n)
	}
	if n := e.count(`SELECT count(*) FROM shares`); n != 0 {
		t.Errorf("%d shares, want 0", n)
	}
	for _, line := range strings.Split(e.logs.String(), "\n") {
		if strings.Contains(line, `"level":"ERROR"`) || strings.Contains(line, `"status":500`) {
			t.Errorf("logged: %s", line)
		}
	}
}
