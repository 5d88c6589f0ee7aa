package api

import (
	"strings"
	"testing"
)

// TestGroupSharing: root (an admin) makes a group with ann and bob; ann
// shares a document with it; bob sees it in his shared list, finds it by name,
// downloads it, may edit through an edit share but not through a view
// share; removed from the group he gets 404 at once; a share to a group
// ann does not belong to is refused (403 not_member); deleting the group
// deletes its shares; every change is audited with its actor.
func TestGroupSharing(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann, bob, root := e.login("ann"), e.login("bob"), e.login("root")
	doc := ann.uploadOne("household.txt", "the electricity contract")

	g := root.do("POST", "/api/admin/groups", map[string]any{"name": "Family"}).want(201).json()
	gid := g["id"].(string)
	root.do("POST", "/api/admin/groups", map[string]any{"name": "family"}).wantError(409, "conflict")
	root.do("POST", "/api/admin/groups", map[string]any{"name": ""}).wantError(422, "invalid_field")
	other := root.do("POST", "/api/admin/groups", map[string]any{"name": "Office"}).want(201).json()["id"].(string)
	root.do("POST", "/api/admin/groups/"+gid+"/members", map[string]any{"members": []string{"nobody"}}).wantError(422, "invalid_field")
	root.do("PUT", "/api/admin/groups/"+gid+"/members", map[string]any{"members": []string{"ann", "bob"}}).want(200)
	root.do("PATCH", "/api/admin/groups/"+gid, map[string]any{"name": "Household"}).want(200)

	if body := string(bob.do("GET", "/api/groups", nil).want(200).body); !strings.Contains(body, "Household") || strings.Contains(body, "Office") {
		t.Errorf("bob's groups %s", body)
	}
	ann.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"group": "Office"}).wantError(403, "not_member")
	ann.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"group": "Nobody"}).wantError(404, "not_found")
	ann.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"group": "household", "permission": "own"}).wantError(422, "invalid_field")
	sh := ann.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"group": "household"}).want(201).json()
	if sh["group"] != "Household" || sh["permission"] != "view" {
		t.Errorf("group share %v", sh)
	}
	ann.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"group": "household", "permission": "edit"}).wantError(409, "conflict")

	// bob, a member: list, search, document page, download; view only.
	if body := string(bob.do("GET", "/api/documents?shared=1", nil).want(200).body); !strings.Contains(body, doc.ID) {
		t.Errorf("bob's shared list %s", body)
	}
	if body := string(bob.do("GET", "/api/search?q=household", nil).want(200).body); !strings.Contains(body, doc.ID) {
		t.Errorf("bob's search %s", body)
	}
	var got docJSON
	bob.do("GET", "/api/documents/"+doc.ID, nil).want(200).decode(&got)
	if got.Permission != "view" || got.Owner != "ann" {
		t.Errorf("bob's document %+v", got)
	}
	if body := bob.do("GET", "/api/documents/"+doc.ID+"/content", nil).want(200).body; string(body) != "the electricity contract" {
		t.Errorf("bob's download %q", body)
	}
	bob.do("PATCH", "/api/documents/"+doc.ID, map[string]any{"filename": "bob.txt"}).wantError(403, "forbidden")
	bob.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"group": "household"}).wantError(403, "forbidden")
	shares := bob.do("GET", "/api/shares", nil).want(200).json()
	if rec, _ := shares["group_received"].([]any); len(rec) != 1 {
		t.Errorf("bob's group_received %v", shares)
	}

	// Edit through the group.
	ann.do("DELETE", "/api/shares/"+sh["id"].(string), nil).want(204)
	bob.do("GET", "/api/documents/"+doc.ID, nil).wantError(404, "not_found")
	sh = ann.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"group": gid, "permission": "edit"}).want(201).json()
	bob.do("PATCH", "/api/documents/"+doc.ID, map[string]any{"filename": "contract.txt"}).want(200)
	if body := string(bob.do("GET", "/api/search?q=contract", nil).want(200).body); !strings.Contains(body, doc.ID) {
		t.Errorf("bob's search for the new name %s", body)
	}

	// Removal revokes at once.
	root.do("DELETE", "/api/admin/groups/"+gid+"/members", map[string]any{"members": []string{"bob"}}).want(200)
	bob.do("GET", "/api/documents/"+doc.ID, nil).wantError(404, "not_found")
	bob.do("GET", "/api/documents/"+doc.ID+"/content", nil).wantError(404, "not_found")
	if body := string(bob.do("GET", "/api/search?q=contract", nil).want(200).body); strings.Contains(body, doc.ID) {
		t.Errorf("bob's search after removal %s", body)
	}
	root.do("POST", "/api/admin/groups/"+gid+"/members", map[string]any{"members": []string{"bob"}}).want(200)
	bob.do("GET", "/api/documents/"+doc.ID, nil).want(200)

	// Deleting the group deletes its shares.
	root.do("DELETE", "/api/admin/groups/"+gid, nil).want(204)
	bob.do("GET", "/api/documents/"+doc.ID, nil).wantError(404, "not_found")
	if n := e.count(`SELECT count(*) FROM group_shares`); n != 0 {
		t.Errorf("%d group shares after the group's deletion", n)
	}
	root.do("DELETE", "/api/admin/groups/"+other, nil).want(204)
	root.do("DELETE", "/api/admin/groups/"+other, nil).wantError(404, "not_found")

	// The audit trail: group changes by root, group shares by ann, with the group's name.
	if n := e.count(`SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_id
		WHERE a.event_type = 'group_change' AND u.handle = 'root'`); n != 8 {
		t.Errorf("%d group_change events by root, want 8 (2 creates, set, rename, remove, add, 2 deletes)", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_id
		WHERE a.event_type = 'share' AND u.handle = 'ann' AND a.metadata->>'group' = 'Household'`); n != 2 {
		t.Errorf("%d group share events by ann", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'unshare' AND metadata->>'group' = 'Household'`); n != 1 {
		t.Errorf("%d group unshare events", n)
	}
}
