package search_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/docuvault/docuvault/pkg/search"
)

// TestGroupShareFoundByMembersOnly: a document shared with a group is found
// by its members, with the group's permission, and by nobody else; a
// member removed from the group no longer finds it, at once.
func TestGroupShareFoundByMembersOnly(t *testing.T) {
	v := newVault(t)
	ann, bob, cat := v.user(t, "ann"), v.user(t, "bob"), v.user(t, "cat")
	shared := v.add(t, doc{owner: ann, filename: "ann-invoice.txt", text: englishInvoice})
	group := uuid.NewString()
	v.exec(t, `INSERT INTO groups (id, name) VALUES ($1, 'family')`, group)
	v.exec(t, `INSERT INTO group_members (group_id, user_id) VALUES ($1, $2), ($1, $3)`, group, ann, bob)
	v.exec(t, `INSERT INTO group_shares (document_id, owner_id, group_id, permission) VALUES ($1, $2, $3, 'edit')`, shared, ann, group)

	res := v.search(t, search.Query{Viewer: bob, Text: "invoice"})
	if got := filenames(res); !same(got, []string{"ann-invoice.txt"}) {
		t.Fatalf("bob, a member, finds %v", got)
	}
	if p := res.Hits[0].Permission; p != "edit" {
		t.Errorf("bob's permission %q, want edit", p)
	}
	if got := filenames(v.search(t, search.Query{Viewer: cat, Text: "invoice"})); len(got) != 0 {
		t.Errorf("cat, not a member, finds %v", got)
	}
	if res := v.search(t, search.Query{Viewer: ann, Text: "invoice"}); len(res.Hits) != 1 || res.Hits[0].Permission != "owner" {
		t.Errorf("ann, the owner and a member: %+v", res.Hits)
	}
	v.exec(t, `DELETE FROM group_members WHERE group_id = $1 AND user_id = $2`, group, bob)
	if got := filenames(v.search(t, search.Query{Viewer: bob, Text: "invoice"})); len(got) != 0 {
		t.Errorf("bob after leaving the group finds %v", got)
	}
}
