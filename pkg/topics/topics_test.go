package topics_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/pkg/topics"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

func TestTopics(t *testing.T) {
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx := context.Background()
	ann, _ := users.Create(ctx, db, users.NewUser{Handle: "ann", Email: "ann@example.org"})
	bob, _ := users.Create(ctx, db, users.NewUser{Handle: "bob", Email: "bob@example.org"})

	fin, err := topics.Add(ctx, db, ann.ID, "  Finance ", "money", "#AABBCC")
	if err != nil || fin.Name != "Finance" || fin.Color != "#aabbcc" {
		t.Fatalf("Add: %+v, %v", fin, err)
	}
	if _, err := topics.Add(ctx, db, ann.ID, "Finance", "", ""); !errors.Is(err, topics.ErrExists) {
		t.Errorf("duplicate name: %v", err)
	}
	if _, err := topics.Add(ctx, db, bob.ID, "Finance", "", ""); err != nil {
		t.Errorf("same name for another user: %v", err)
	}
	for name, args := range map[string][2]string{
		"empty name": {"", ""}, "bad colour": {"Health", "red"}, "control chars": {"a\x00b", ""},
		"long name": {strings.Repeat("x", 101), ""},
	} {
		if _, err := topics.Add(ctx, db, ann.ID, args[0], "", args[1]); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	health, _ := topics.Add(ctx, db, ann.ID, "Health", "", "")
	if got, err := topics.List(ctx, db, ann.ID); err != nil || len(got) != 2 || got[0].Name != "Finance" || got[1].Name != "Health" || got[0].Handle != "ann" {
		t.Errorf("List ann: %+v, %v", got, err)
	}
	if got, _ := topics.List(ctx, db, ""); len(got) != 3 {
		t.Errorf("List all: %d", len(got))
	}
	ids, err := topics.IDsByName(ctx, db, ann.ID, []string{"Health", "Finance"})
	if err != nil || len(ids) != 2 || ids[0] != health.ID || ids[1] != fin.ID {
		t.Errorf("IDsByName: %v, %v", ids, err)
	}
	if _, err := topics.IDsByName(ctx, db, ann.ID, []string{"Finance", "Nope", "Gone"}); !errors.Is(err, topics.ErrNotFound) || !strings.Contains(err.Error(), `"Nope", "Gone"`) {
		t.Errorf("unknown names: %v", err)
	}
	if err := topics.Remove(ctx, db, ann.ID, "Health"); err != nil {
		t.Error(err)
	}
	if err := topics.Remove(ctx, db, ann.ID, "Health"); !errors.Is(err, topics.ErrNotFound) {
		t.Errorf("second remove: %v", err)
	}
}
