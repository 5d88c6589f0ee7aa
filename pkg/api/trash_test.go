package api

import (
	"net/http"
	"testing"
)

func TestTrashRoutes(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann, bob := e.login("ann"), e.login("bob")
	a := ann.uploadOne("a.txt", "alpha invoice text")
	b := ann.uploadOne("b.txt", "beta receipt text")
	ann.do("POST", "/api/documents/"+a.ID+"/shares", map[string]any{"recipient": "bob", "permission": "view"}).want(201)
	used := e.used("ann")

	bob.do("DELETE", "/api/documents/"+a.ID, nil).wantError(http.StatusForbidden, "forbidden")
	ann.do("DELETE", "/api/documents/"+a.ID, nil).want(http.StatusNoContent)
	ann.do("DELETE", "/api/documents/"+b.ID, nil).want(http.StatusNoContent)
	ann.do("GET", "/api/documents/"+a.ID, nil).wantError(http.StatusNotFound, "not_found")
	bob.do("GET", "/api/documents/"+a.ID, nil).wantError(http.StatusNotFound, "not_found") // the share is suspended
	var list struct {
		Documents []docJSON `json:"documents"`
	}
	ann.do("GET", "/api/documents", nil).want(http.StatusOK).decode(&list)
	if len(list.Documents) != 0 {
		t.Errorf("list shows trashed documents: %+v", list.Documents)
	}
	var tr struct {
		Documents []struct {
			ID      string `json:"id"`
			PurgeAt string `json:"purge_at"`
		} `json:"documents"`
		Days int `json:"days"`
	}
	ann.do("GET", "/api/trash", nil).want(http.StatusOK).decode(&tr)
	if len(tr.Documents) != 2 || tr.Documents[0].PurgeAt == "" || tr.Days != 30 {
		t.Fatalf("trash: %+v", tr)
	}
	bob.do("GET", "/api/trash", nil).want(http.StatusOK).decode(&tr)
	if len(tr.Documents) != 0 {
		t.Errorf("bob's trash: %+v", tr)
	}
	if got := e.used("ann"); got != used {
		t.Errorf("quota %d after the trash, want %d", got, used)
	}

	// Another user's trash is not found; restore brings the share back.
	bob.do("POST", "/api/trash/"+a.ID+"/restore", nil).wantError(http.StatusNotFound, "not_found")
	bob.do("DELETE", "/api/trash/"+a.ID, nil).wantError(http.StatusNotFound, "not_found")
	ann.do("POST", "/api/trash/not-an-id/restore", nil).wantError(http.StatusNotFound, "not_found")
	ann.do("POST", "/api/trash/"+a.ID+"/restore", nil).want(http.StatusOK)
	ann.do("POST", "/api/trash/"+a.ID+"/restore", nil).wantError(http.StatusNotFound, "not_found")
	bob.do("GET", "/api/documents/"+a.ID, nil).want(http.StatusOK)

	// Uploading b's content again restores it.
	var up uploadJSON
	ann.upload(nil, filePart{name: "b-again.txt", content: []byte("beta receipt text")}).want(http.StatusCreated).decode(&up)
	if len(up.Results) != 1 || up.Results[0].Status != http.StatusOK || up.Results[0].Document == nil || up.Results[0].Document.ID != b.ID {
		t.Fatalf("upload of trashed content: %+v", up)
	}
	ann.do("GET", "/api/documents/"+b.ID, nil).want(http.StatusOK)

	// Empty: everything in the trash, for good.
	ann.do("DELETE", "/api/documents/"+b.ID, nil).want(http.StatusNoContent)
	empty := ann.do("DELETE", "/api/trash", nil).want(http.StatusOK).json()
	if empty["deleted"] != float64(1) || empty["bytes_freed"] != float64(len("beta receipt text")) {
		t.Errorf("empty: %v", empty)
	}
	if got := e.used("ann"); got != int64(len("alpha invoice text")) || e.objects() != 1 {
		t.Errorf("after empty: quota %d, %d objects", got, e.objects())
	}
	for typ, want := range map[string]int{"document_trash": 3, "document_restore": 2, "trash_empty": 1} {
		if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = $1 AND user_id = $2`, typ, e.users["ann"].ID); n != want {
			t.Errorf("%d %s events, want %d", n, typ, want)
		}
	}
}
