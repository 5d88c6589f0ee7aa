package api

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// uploadVersion posts content as a new version of document id.
func (c *client) uploadVersion(id, name string, content []byte) *response {
	c.e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("file", name)
	_, _ = w.Write(content)
	_ = mw.Close()
	return c.request("POST", "/api/documents/"+id+"/versions", &buf, mw.FormDataContentType(), nil)
}

func TestVersionRoutes(t *testing.T) {
	e := newEnv(t, envOptions{quota: 200})
	ann, bob := e.login("ann"), e.login("bob")
	doc := ann.uploadOne("note.txt", "first text")
	ann.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"recipient": "bob", "permission": "view"}).want(201)

	bob.uploadVersion(doc.ID, "x.txt", []byte("bob's text")).wantError(http.StatusForbidden, "forbidden")
	var up struct {
		Document docJSON `json:"document"`
		Version  struct {
			Number    int   `json:"number"`
			SizeBytes int64 `json:"size_bytes"`
		} `json:"version"`
	}
	ann.uploadVersion(doc.ID, "note-v2.txt", []byte("second, longer text")).want(http.StatusCreated).decode(&up)
	if up.Document.ID != doc.ID || up.Document.Filename != "note-v2.txt" || up.Version.Number != 1 || up.Version.SizeBytes != int64(len("first text")) {
		t.Fatalf("new version: %+v", up)
	}
	if !e.queued(doc.ID) {
		t.Error("the document is not queued for its new content")
	}
	if got := e.used("ann"); got != int64(len("first text")+len("second, longer text")) {
		t.Errorf("quota %d", got)
	}
	ann.uploadVersion(doc.ID, "same.txt", []byte("second, longer text")).wantError(http.StatusConflict, "same_content")
	over := ann.uploadVersion(doc.ID, "big.txt", []byte(strings.Repeat("x", 190))).wantError(http.StatusRequestEntityTooLarge, "over_quota")
	if !strings.Contains(string(over.body), "190 B more") {
		t.Errorf("over quota without the figures: %s", over.body)
	}

	var list struct {
		Versions []struct {
			Number int `json:"number"`
		} `json:"versions"`
	}
	bob.do("GET", "/api/documents/"+doc.ID+"/versions", nil).want(http.StatusOK).decode(&list)
	if len(list.Versions) != 1 || list.Versions[0].Number != 1 {
		t.Errorf("versions: %+v", list)
	}
	if body := bob.do("GET", "/api/documents/"+doc.ID+"/versions/1/content", nil).want(http.StatusOK).body; string(body) != "first text" {
		t.Errorf("version 1: %q", body)
	}
	ann.do("GET", "/api/documents/"+doc.ID+"/versions/9/content", nil).wantError(http.StatusNotFound, "not_found")
	bob.do("POST", "/api/documents/"+doc.ID+"/versions/1/restore", nil).wantError(http.StatusForbidden, "forbidden")
	ann.do("POST", "/api/documents/"+doc.ID+"/versions/1/restore", nil).want(http.StatusOK)
	if body := ann.do("GET", "/api/documents/"+doc.ID+"/content", nil).want(http.StatusOK).body; string(body) != "first text" {
		t.Errorf("current after restore: %q", body)
	}
	bob.do("DELETE", "/api/documents/"+doc.ID+"/versions/2", nil).wantError(http.StatusForbidden, "forbidden")
	ann.do("DELETE", "/api/documents/"+doc.ID+"/versions/2", nil).want(http.StatusNoContent)
	ann.do("DELETE", "/api/documents/"+doc.ID+"/versions/2", nil).wantError(http.StatusNotFound, "not_found")
	if got := e.used("ann"); got != int64(len("first text")) || e.objects() != 1 {
		t.Errorf("after deleting version 2: quota %d, %d objects", got, e.objects())
	}
	for typ, want := range map[string]int{"document_version": 2, "document_restore": 1} {
		if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = $1 AND resource_id = $2`, typ, doc.ID); n != want {
			t.Errorf("%d %s events, want %d", n, typ, want)
		}
	}
}
