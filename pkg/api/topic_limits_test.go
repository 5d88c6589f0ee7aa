package api

import (
	"strings"
	"testing"
	"time"
)

// TestTopicLimits (issue 20, D3): a regex rule over the bounds is refused
// with 422 and a one-line message saying what to change, on create and on
// update; a user's 501st topic is refused with 422; rules stored before
// the bounds existed, and slow rules within them, cannot keep
// POST /api/classify busy for long.
func TestTopicLimits(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann := e.login("ann")
	errMessage := func(r *response) string {
		t.Helper()
		var body errorBody
		r.decode(&body)
		if strings.Contains(body.Error.Message, "\n") {
			t.Errorf("message on more than one line: %q", body.Error.Message)
		}
		return body.Error.Message
	}
	slow := map[string]any{"name": "Slow", "match": `(?:\w+\s?){1000}Z`, "algorithm": "regex"}
	msg := errMessage(ann.do("POST", "/api/topics", slow).wantError(422, "invalid_field"))
	if !strings.Contains(msg, "at most 100") || !strings.Contains(msg, "use a smaller {n}") {
		t.Errorf("create: message %q does not say what to change", msg)
	}
	var tp struct {
		ID string `json:"id"`
	}
	ann.do("POST", "/api/topics", map[string]any{"name": "Fine", "match": `No\. \d{4}`, "algorithm": "regex"}).want(201).decode(&tp)
	msg = errMessage(ann.do("PATCH", "/api/topics/"+tp.ID, map[string]any{"match": `(?:(?:ab){20}){20}`}).wantError(422, "invalid_field"))
	if !strings.Contains(msg, "repeats up to 400 times") {
		t.Errorf("update: message %q", msg)
	}

	// Rules stored before the bounds: one over them (ignored), four slow
	// ones within them, on the largest text the endpoint takes.
	u := e.users["ann"].ID
	if _, err := e.db.Exec(`INSERT INTO topics (user_id, name, match, matching_algorithm) VALUES ($1, 'Old', $2, 'regex')`, u, `(?:\w+\s?){1000}Z`); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"S1", "S2", "S3", "S4"} {
		if _, err := e.db.Exec(`INSERT INTO topics (user_id, name, match, matching_algorithm) VALUES ($1, $2, $3, 'regex')`, u, n, `(?:\w+\s?){100}Z`); err != nil {
			t.Fatal(err)
		}
	}
	text := strings.Repeat("lorem ipsum dolor sit amet ", 9000) // 243 KB
	start := time.Now()
	var ans classifyAnswer
	ann.do("POST", "/api/classify", map[string]string{"text": text}).want(200).decode(&ans)
	if took := time.Since(start); took > 8*time.Second {
		t.Errorf("POST /api/classify took %v with slow rules; the rules' budget is 2s", took)
	}
	for _, m := range ans.Topics {
		if m.Rule {
			t.Errorf("topic %s assigned by a rule that did not match", m.Name)
		}
	}
	if !strings.Contains(ans.Note, "were not applied") {
		t.Errorf("note %q: want the rules over budget said", ans.Note)
	}

	// The topic cap.
	if _, err := e.db.Exec(`INSERT INTO topics (user_id, name) SELECT $1, 'T' || i FROM generate_series(1, 500 - 7) i`, u); err != nil {
		t.Fatal(err)
	}
	ann.do("POST", "/api/topics", map[string]any{"name": "Number 500"}).want(201)
	msg = errMessage(ann.do("POST", "/api/topics", map[string]any{"name": "Number 501"}).wantError(422, "invalid_field"))
	if !strings.Contains(msg, "at most 500 topics") {
		t.Errorf("cap: message %q", msg)
	}
	e.login("bob").do("POST", "/api/topics", map[string]any{"name": "Number 1"}).want(201)
}
