package topics_test

import (
	"context"
	"errors"
	"testing"

	"github.com/docuvault/docuvault/pkg/classify"
	"github.com/docuvault/docuvault/pkg/topics"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/pkg/usertext"
	"github.com/docuvault/docuvault/tests/testenv"
)

// TestTopicTextRule: a topic's name, description and match rule follow the
// one text rule (pkg/usertext), on create and update, with ErrInvalid —
// a NUL byte was a database error — and a name no topic can have is
// unknown to Remove and IDsByName without a query (issue 20, D10 and D15).
func TestTopicTextRule(t *testing.T) {
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx := context.Background()
	ann, err := users.Create(ctx, db, users.NewUser{Handle: "ann", Email: "ann@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	ok, err := topics.Create(ctx, db, ann.ID, topics.New{Name: "Taxes", Description: "line one\nline two"})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"n\x00", "a\u202eb", "ta\u200bxes", "a\u2066b"} {
		for what, n := range map[string]topics.New{
			"name":        {Name: bad},
			"description": {Name: "D", Description: bad},
			"match":       {Name: "M", Rule: classify.Rule{Algorithm: classify.MatchAny, Match: bad}},
		} {
			if _, err := topics.Create(ctx, db, ann.ID, n); !errors.Is(err, topics.ErrInvalid) || !errors.Is(err, usertext.ErrInvalid) {
				t.Errorf("Create with %q in the %s: %v, want ErrInvalid", bad, what, err)
			}
		}
		for what, c := range map[string]topics.Change{
			"name":        {Name: &bad},
			"description": {Description: &bad},
			"match":       {Rule: &classify.Rule{Algorithm: classify.MatchLiteral, Match: bad}},
		} {
			if _, err := topics.Update(ctx, db, ann.ID, ok.ID, c); !errors.Is(err, topics.ErrInvalid) || !errors.Is(err, usertext.ErrInvalid) {
				t.Errorf("Update with %q in the %s: %v, want ErrInvalid", bad, what, err)
			}
		}
		if err := topics.Remove(ctx, db, ann.ID, bad); !errors.Is(err, topics.ErrNotFound) {
			t.Errorf("Remove(%q): %v, want ErrNotFound", bad, err)
		}
		if _, err := topics.IDsByName(ctx, db, ann.ID, []string{"Taxes", bad}); !errors.Is(err, topics.ErrNotFound) {
			t.Errorf("IDsByName(%q): %v, want ErrNotFound", bad, err)
		}
	}
	ts, err := topics.List(ctx, db, ann.ID)
	if err != nil || len(ts) != 1 || ts[0].Name != "Taxes" || ts[0].Description != "line one\nline two" {
		t.Errorf("topics after the refusals: %+v, %v", ts, err)
	}
}
