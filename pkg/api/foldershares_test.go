package api

import (
	"strings"
	"testing"
)

// TestFolderSharing: ann shares a folder with a group she and bob belong
// to; bob reaches its documents and its subfolder's, and one ann files
// there afterwards, and is told how; not one outside; a group ann is not
// in is refused (403 not_member); removed from the group he gets 404 at
// once. An edit share lets him rename but not file into his own folder;
// he may leave a direct folder share. Every change is audited.
func TestFolderSharing(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann, bob, root := e.login("ann"), e.login("bob"), e.login("root")
	gid := root.do("POST", "/api/admin/groups", map[string]any{"name": "Household"}).want(201).json()["id"].(string)
	root.do("POST", "/api/admin/groups", map[string]any{"name": "Office"}).want(201)
	root.do("PUT", "/api/admin/groups/"+gid+"/members", map[string]any{"members": []string{"ann", "bob"}}).want(200)

	taxes := ann.do("POST", "/api/folders", map[string]any{"name": "Taxes"}).want(201).json()["id"].(string)
	y2024 := ann.do("POST", "/api/folders", map[string]any{"name": "2024", "parent_id": taxes}).want(201).json()["id"].(string)
	top := ann.uploadOne("return.txt", "the tax return", [2]string{"folder_id", taxes})
	deep := ann.uploadOne("receipt.txt", "a receipt", [2]string{"folder_id", y2024})
	loose := ann.uploadOne("diary.txt", "not for bob")

	base := "/api/folders/" + taxes + "/shares"
	ann.do("POST", base, map[string]any{"group": "Office"}).wantError(403, "not_member")
	ann.do("POST", base, map[string]any{"group": "Nobody"}).wantError(404, "not_found")
	ann.do("POST", base, map[string]any{}).wantError(422, "invalid_field")
	ann.do("POST", base, map[string]any{"group": "Household", "recipient": "bob"}).wantError(422, "invalid_field")
	ann.do("POST", base, map[string]any{"recipient": "ann"}).wantError(422, "invalid_field")
	ann.do("POST", base, map[string]any{"group": "household", "permission": "own"}).wantError(422, "invalid_field")
	sh := ann.do("POST", base, map[string]any{"group": "household"}).want(201).json()
	if sh["group"] != "Household" || sh["folder"] != "Taxes" || sh["permission"] != "view" || sh["recipient_id"] != nil {
		t.Errorf("folder share %v", sh)
	}
	ann.do("POST", base, map[string]any{"group": gid, "permission": "edit"}).wantError(409, "conflict")
	if n := e.count(`SELECT count(*) FROM folder_shares`); n != 1 {
		t.Fatalf("%d folder shares after the refusals, want 1", n)
	}

	// bob: the shared list, the document page (with how), download, search.
	shared := string(bob.do("GET", "/api/documents?shared=1", nil).want(200).body)
	if !strings.Contains(shared, top.ID) || !strings.Contains(shared, deep.ID) || strings.Contains(shared, loose.ID) {
		t.Errorf("bob's shared list %s", shared)
	}
	var got struct {
		docJSON
		SharedVia []map[string]any `json:"shared_via"`
	}
	bob.do("GET", "/api/documents/"+deep.ID, nil).want(200).decode(&got)
	if got.Permission != "view" || got.Owner != "ann" || len(got.SharedVia) != 1 || got.SharedVia[0]["kind"] != "folder" ||
		got.SharedVia[0]["folder"] != "Taxes" || got.SharedVia[0]["group"] != "Household" {
		t.Errorf("bob's view of the subfolder's document: %+v", got)
	}
	if body := bob.do("GET", "/api/documents/"+deep.ID+"/content", nil).want(200).body; string(body) != "a receipt" {
		t.Errorf("bob's download %q", body)
	}
	if body := string(bob.do("GET", "/api/search?q=receipt", nil).want(200).body); !strings.Contains(body, deep.ID) {
		t.Errorf("bob's search %s", body)
	}
	bob.do("GET", "/api/documents/"+loose.ID, nil).wantError(404, "not_found")
	bob.do("PATCH", "/api/documents/"+top.ID, map[string]any{"filename": "bob.txt"}).wantError(403, "forbidden")
	// Only the owner sees or changes the folder's shares.
	bob.do("GET", base, nil).wantError(404, "not_found")
	bob.do("POST", base, map[string]any{"recipient": "root"}).wantError(404, "not_found")
	bob.do("DELETE", base+"/"+sh["id"].(string), nil).wantError(404, "not_found")
	if list := ann.do("GET", base, nil).want(200).json()["shares"].([]any); len(list) != 1 {
		t.Errorf("ann's folder shares %v", list)
	}
	if rec, _ := bob.do("GET", "/api/shares", nil).want(200).json()["folder_received"].([]any); len(rec) != 1 {
		t.Errorf("bob's folder_received %v", rec)
	}

	// A document filed into the folder afterwards is shared at once.
	ann.do("PATCH", "/api/documents/"+loose.ID, map[string]any{"folder_id": y2024}).want(200)
	bob.do("GET", "/api/documents/"+loose.ID, nil).want(200)

	// Removed from the group: 404 at once.
	root.do("DELETE", "/api/admin/groups/"+gid+"/members", map[string]any{"members": []string{"bob"}}).want(200)
	for _, id := range []string{top.ID, deep.ID, loose.ID} {
		bob.do("GET", "/api/documents/"+id, nil).wantError(404, "not_found")
		bob.do("GET", "/api/documents/"+id+"/content", nil).wantError(404, "not_found")
	}

	// A direct edit share: bob renames, may not file into his own folder,
	// and leaves it.
	direct := ann.do("POST", base, map[string]any{"recipient": "BOB", "permission": "edit"}).want(201).json()
	bob.do("PATCH", "/api/documents/"+top.ID, map[string]any{"filename": "return-2024.txt"}).want(200)
	his := bob.do("POST", "/api/folders", map[string]any{"name": "Bob's"}).want(201).json()["id"].(string)
	bob.do("PATCH", "/api/documents/"+top.ID, map[string]any{"folder_id": his}).wantError(422, "invalid_field")
	bob.do("DELETE", "/api/shares/"+direct["id"].(string), nil).want(204)
	bob.do("GET", "/api/documents/"+top.ID, nil).wantError(404, "not_found")

	ann.do("DELETE", base+"/"+sh["id"].(string), nil).want(204)
	ann.do("DELETE", base+"/"+sh["id"].(string), nil).wantError(404, "not_found")

	// The audit trail: two shares by ann, one ended by ann, one by bob;
	// all in ann's log, about the folder.
	if n := e.count(`SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_id
		WHERE a.event_type = 'folder_share' AND u.handle = 'ann' AND a.user_id = $1 AND a.resource_id = $2 AND a.metadata->>'folder' = 'Taxes'`,
		e.users["ann"].ID, taxes); n != 2 {
		t.Errorf("%d folder_share events by ann", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'folder_unshare' AND user_id = $1
		AND (metadata->>'group' = 'Household' OR metadata->>'recipient' = 'bob')`, e.users["ann"].ID); n != 2 {
		t.Errorf("%d folder_unshare events", n)
	}
	if body := string(ann.do("GET", "/api/audit?event_type=folder_share", nil).want(200).body); !strings.Contains(body, `Folder “Taxes” with group “Household” (can view)`) {
		t.Errorf("ann's audit of folder shares %s", body)
	}
}
