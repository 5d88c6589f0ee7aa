package api

import (
	"fmt"
	"strings"
	"testing"
)

// POST /api/documents/bulk as the web app uses it: ids or the list's
// filter, one action, {matched, changed}; another user's document is a
// 404 for the whole request with nothing changed; 1,001 ids a 400.
func TestBulkRoute(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann, bob := e.login("ann"), e.login("bob")
	var ids []string
	for i := range 3 {
		ids = append(ids, ann.uploadOne(fmt.Sprintf("a%d.txt", i), fmt.Sprintf("text %d", i)).ID)
	}
	bobs := bob.uploadOne("b.txt", "bob's").ID
	ann.do("POST", "/api/topics", map[string]any{"name": "Finance"}).want(201)

	res := ann.do("POST", "/api/documents/bulk", map[string]any{"ids": ids, "action": "add_topics", "topics": []string{"Finance"}}).want(200).json()
	if res["matched"] != float64(3) || res["changed"] != float64(3) {
		t.Errorf("add_topics: %v", res)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'document_update' AND metadata->>'bulk' = 'true' AND ip_address IS NOT NULL`); n != 3 {
		t.Errorf("%d audit rows with the client's address, want 3", n)
	}
	before := e.count(`SELECT count(*) FROM document_topics`)
	r := ann.do("POST", "/api/documents/bulk", map[string]any{"ids": append(ids, bobs), "action": "set_topics", "topics": []string{}}).wantError(404, "not_found")
	if m := r.json()["error"].(map[string]any)["message"].(string); !strings.Contains(m, "document 4 of 4") {
		t.Errorf("404 message: %q", m)
	}
	if after := e.count(`SELECT count(*) FROM document_topics`); after != before {
		t.Errorf("the refused request changed topics: %d, then %d", before, after)
	}
	ann.do("POST", "/api/documents/bulk", map[string]any{"ids": ids, "action": "add_topics", "topics": []string{"Nope"}}).wantError(400, "invalid_request")
	many := make([]string, 1001)
	for i := range many {
		many[i] = ids[0]
	}
	ann.do("POST", "/api/documents/bulk", map[string]any{"ids": many, "action": "reclassify"}).wantError(400, "too_many")
	ann.do("POST", "/api/documents/bulk", map[string]any{"ids": ids, "action": "explode"}).wantError(400, "invalid_request")

	res = ann.do("POST", "/api/documents/bulk", map[string]any{"filter": map[string]any{"status": "pending"}, "action": "reclassify", "dry_run": true}).want(200).json()
	if res["dry_run"] != true {
		t.Errorf("dry run: %v", res)
	}
	res = ann.do("POST", "/api/documents/bulk", map[string]any{"filter": map[string]any{}, "action": "share", "recipient": "bob", "permission": "edit"}).want(200).json()
	if res["matched"] != float64(3) || res["changed"] != float64(3) {
		t.Errorf("share by filter: %v", res)
	}
	if n := e.count(`SELECT count(*) FROM shares WHERE permission = 'edit'`); n != 3 {
		t.Errorf("%d shares, want 3", n)
	}
	// bob, recipient with edit, may not bulk-edit ann's documents.
	bob.do("POST", "/api/documents/bulk", map[string]any{"ids": ids[:1], "action": "reclassify"}).wantError(404, "not_found")
}
