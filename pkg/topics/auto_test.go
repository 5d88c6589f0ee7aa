package topics_test

import (
	"context"
	"testing"

	"github.com/docuvault/docuvault/pkg/topics"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

// A topic is assigned automatically unless made manual-only, at creation
// or later, and back.
func TestAutoAssign(t *testing.T) {
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx := context.Background()
	ann, err := users.Create(ctx, db, users.NewUser{Handle: "ann", Email: "ann@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	fin, err := topics.Add(ctx, db, ann.ID, "Finance", "money", "")
	if err != nil || !fin.AutoAssign {
		t.Fatalf("Add: %+v, %v; want auto_assign true", fin, err)
	}
	misc, err := topics.Create(ctx, db, ann.ID, topics.New{Name: "Misc", Description: "anything", ManualOnly: true})
	if err != nil || misc.AutoAssign || misc.Color != topics.DefaultColor {
		t.Fatalf("Create manual-only: %+v, %v", misc, err)
	}
	got, err := topics.Get(ctx, db, ann.ID, misc.ID)
	if err != nil || got.AutoAssign {
		t.Errorf("Get manual-only: %+v, %v", got, err)
	}
	off, on := false, true
	if u, err := topics.Update(ctx, db, ann.ID, fin.ID, topics.Change{AutoAssign: &off}); err != nil || u.AutoAssign {
		t.Errorf("Update to manual-only: %+v, %v", u, err)
	}
	if u, err := topics.Update(ctx, db, ann.ID, misc.ID, topics.Change{AutoAssign: &on}); err != nil || !u.AutoAssign {
		t.Errorf("Update to automatic: %+v, %v", u, err)
	}
	ts, err := topics.List(ctx, db, ann.ID)
	if err != nil || len(ts) != 2 || ts[0].Name != "Finance" || ts[0].AutoAssign || ts[1].Name != "Misc" || !ts[1].AutoAssign {
		t.Errorf("List: %+v, %v; want Finance manual-only, Misc automatic", ts, err)
	}
	// A change of something else keeps the flag.
	desc := "money matters"
	if u, err := topics.Update(ctx, db, ann.ID, fin.ID, topics.Change{Description: &desc}); err != nil || u.AutoAssign || u.Description != desc {
		t.Errorf("Update description: %+v, %v", u, err)
	}
}
