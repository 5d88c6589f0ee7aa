package topics_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/docuvault/docuvault/pkg/classify"
	"github.com/docuvault/docuvault/pkg/topics"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

// TestRegexRuleTooComplexRefused: issue 20's rule, (?:\w+\s?){1000}Z, is
// refused when a topic is created or its rule changed, with the typed
// error (an ErrBadRule, and from Update an ErrInvalid) and nothing stored.
func TestRegexRuleTooComplexRefused(t *testing.T) {
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx := context.Background()
	ann, err := users.Create(ctx, db, users.NewUser{Handle: "ann", Email: "ann@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	slow := classify.Rule{Algorithm: classify.MatchRegex, Match: `(?:\w+\s?){1000}Z`}
	var tooComplex *classify.RuleTooComplexError
	_, err = topics.Create(ctx, db, ann.ID, topics.New{Name: "Slow", Rule: slow})
	if !errors.As(err, &tooComplex) || !errors.Is(err, classify.ErrBadRule) {
		t.Fatalf("Create: %v, want a *classify.RuleTooComplexError", err)
	}
	if !strings.Contains(err.Error(), "at most 100") {
		t.Errorf("Create: message %q does not say what to change", err)
	}
	tp, err := topics.Create(ctx, db, ann.ID, topics.New{Name: "Fine", Rule: classify.Rule{Algorithm: classify.MatchRegex, Match: `No\. \d{4}`}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = topics.Update(ctx, db, ann.ID, tp.ID, topics.Change{Rule: &slow})
	if !errors.As(err, &tooComplex) || !errors.Is(err, topics.ErrInvalid) || !errors.Is(err, classify.ErrBadRule) {
		t.Fatalf("Update: %v, want a *classify.RuleTooComplexError and ErrInvalid", err)
	}
	ts, err := topics.List(ctx, db, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || ts[0].Match != `No\. \d{4}` {
		t.Errorf("stored: %+v", ts)
	}
}

// TestTopicsPerUserCap: a user may have MaxPerUser topics; the next is
// ErrTooMany (an ErrInvalid), also when several are created at once, and
// another user is not affected.
func TestTopicsPerUserCap(t *testing.T) {
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx := context.Background()
	ann, err := users.Create(ctx, db, users.NewUser{Handle: "ann", Email: "ann@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := users.Create(ctx, db, users.NewUser{Handle: "bob", Email: "bob@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range topics.MaxPerUser - 1 {
		if _, err := topics.Add(ctx, db, ann.ID, fmt.Sprintf("Topic %03d", i), "", ""); err != nil {
			t.Fatal(err)
		}
	}
	// Eight at once for the last place: exactly one gets it.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = topics.Add(ctx, db, ann.ID, fmt.Sprintf("Last %d", i), "", "")
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, topics.ErrTooMany) || !errors.Is(err, topics.ErrInvalid):
			t.Errorf("concurrent create: %v, want ErrTooMany", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of 8 concurrent creates for the last place succeeded, want 1", ok)
	}
	_, err = topics.Add(ctx, db, ann.ID, "One more", "", "")
	if !errors.Is(err, topics.ErrTooMany) || !strings.Contains(err.Error(), "at most 500 topics") {
		t.Errorf("over the cap: %v", err)
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM topics WHERE user_id = $1`, ann.ID); err != nil || n != topics.MaxPerUser {
		t.Errorf("ann has %d topics (%v), want %d", n, err, topics.MaxPerUser)
	}
	if _, err := topics.Add(ctx, db, bob.ID, "Topic 000", "", ""); err != nil {
		t.Errorf("bob: %v", err)
	}
}
