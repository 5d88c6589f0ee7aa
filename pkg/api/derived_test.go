package api

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/storage"
)

type derivedFlags struct {
	ID            string `json:"id"`
	HasThumbnail  *bool  `json:"has_thumbnail"`
	HasSearchable *bool  `json:"has_searchable"`
}

func (c *client) flags(id string) (one, listed derivedFlags) {
	c.e.t.Helper()
	c.do("GET", "/api/documents/"+id, nil).want(http.StatusOK).decode(&one)
	var page struct {
		Documents []derivedFlags `json:"documents"`
	}
	c.do("GET", "/api/documents", nil).want(http.StatusOK).decode(&page)
	for _, d := range page.Documents {
		if d.ID == id {
			listed = d
		}
	}
	return one, listed
}

func is(b *bool, want bool) bool { return b != nil && *b == want }

// storeDerived stores body as the kind object of owner's document, as the
// worker does.
func (e *env) storeDerived(owner, docID, kind string, body []byte) {
	e.t.Helper()
	path := filepath.Join(e.t.TempDir(), "derived")
	if err := os.WriteFile(path, body, 0o600); err != nil {
		e.t.Fatal(err)
	}
	ct, ext := "image/jpeg", ".jpg"
	if kind == storage.KindSearchablePDF {
		ct, ext = "application/pdf", ".pdf"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := e.api.d.Storage.StoreDerived(ctx, storage.DerivedInput{OwnerID: owner, DocumentID: docID, Kind: kind, ContentType: ct, Ext: ext, Path: path}); err != nil {
		e.t.Fatal(err)
	}
}

func TestThumbnailAndSearchableCopy(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann, bob := e.login("ann"), e.login("bob")
	var up uploadJSON
	ann.upload(nil, filePart{name: "scan.pdf", content: pdf("a scan")}).want(http.StatusCreated).decode(&up)
	doc := up.Documents[0]
	if !strings.Contains(string(ann.do("GET", "/api/documents/"+doc.ID, nil).want(http.StatusOK).body), `"has_thumbnail":false`) {
		t.Error("has_thumbnail is not in the document's JSON")
	}
	if one, listed := ann.flags(doc.ID); !is(one.HasThumbnail, false) || !is(one.HasSearchable, false) || !is(listed.HasThumbnail, false) || !is(listed.HasSearchable, false) {
		t.Errorf("before: %+v / %+v", one, listed)
	}
	ann.do("GET", "/api/documents/"+doc.ID+"/thumbnail", nil).wantError(http.StatusNotFound, "not_found")
	res := ann.do("GET", "/api/documents/"+doc.ID+"/content?variant=searchable", nil).wantError(http.StatusNotFound, "not_found")
	if !strings.Contains(string(res.body), "no searchable copy") {
		t.Errorf("404 says %s", res.body)
	}

	thumb := []byte("\xff\xd8\xff\xe0 a JPEG's stand-in")
	searchable := pdf("the searchable copy")
	e.storeDerived(e.users["ann"].ID, doc.ID, storage.KindThumbnail, thumb)
	e.storeDerived(e.users["ann"].ID, doc.ID, storage.KindSearchablePDF, searchable)
	if one, listed := ann.flags(doc.ID); !is(one.HasThumbnail, true) || !is(one.HasSearchable, true) || !is(listed.HasThumbnail, true) || !is(listed.HasSearchable, true) {
		t.Errorf("after: %+v / %+v", one, listed)
	}

	res = ann.do("GET", "/api/documents/"+doc.ID+"/thumbnail", nil).want(http.StatusOK)
	etag := fmt.Sprintf(`"%x"`, sha256.Sum256(thumb))
	if string(res.body) != string(thumb) || res.header.Get("Content-Type") != "image/jpeg" || res.header.Get("ETag") != etag ||
		res.header.Get("Cache-Control") != "private, max-age=86400" {
		t.Errorf("thumbnail: %q %v", res.body, res.header)
	}
	res = ann.request("GET", "/api/documents/"+doc.ID+"/thumbnail", nil, "", map[string]string{"If-None-Match": etag}).want(http.StatusNotModified)
	if len(res.body) != 0 {
		t.Errorf("304 with a body: %q", res.body)
	}

	res = ann.do("GET", "/api/documents/"+doc.ID+"/content?variant=searchable", nil).want(http.StatusOK)
	if string(res.body) != string(searchable) || res.header.Get("Content-Type") != "application/pdf" ||
		res.header.Get("Content-Disposition") != `attachment; filename="scan (searchable).pdf"` ||
		res.header.Get("ETag") != fmt.Sprintf(`"%x"`, sha256.Sum256(searchable)) {
		t.Errorf("searchable copy: %q %v", res.body, res.header)
	}
	res = ann.request("GET", "/api/documents/"+doc.ID+"/content?variant=searchable", nil, "", map[string]string{"Range": "bytes=0-3"}).want(http.StatusPartialContent)
	if string(res.body) != "%PDF" {
		t.Errorf("range of the searchable copy: %q", res.body)
	}
	res = ann.do("GET", "/api/documents/"+doc.ID+"/content?variant=searchable&redirect=1", nil).want(http.StatusFound)
	if loc := res.header.Get("Location"); !strings.Contains(loc, ".pdf") || !strings.Contains(loc, "X-Amz-Signature") {
		t.Errorf("redirect to %q", loc)
	}
	// The original is still the original.
	res = ann.do("GET", "/api/documents/"+doc.ID+"/content?variant=original", nil).want(http.StatusOK)
	if string(res.body) != string(pdf("a scan")) {
		t.Errorf("original: %q", res.body)
	}
	ann.do("GET", "/api/documents/"+doc.ID+"/content?variant=thumbnail", nil).wantError(http.StatusBadRequest, "malformed")
	if n := e.count(`SELECT count(*) FROM audit_log WHERE resource_id = $1 AND event_type = 'download' AND metadata->>'variant' = 'searchable'`, doc.ID); n != 3 {
		t.Errorf("%d audited downloads of the searchable copy, want 3 (200, 206, 302)", n)
	}

	// Another user: 404, as for the content, until it is shared with them.
	bob.do("GET", "/api/documents/"+doc.ID+"/thumbnail", nil).wantError(http.StatusNotFound, "not_found")
	bob.do("GET", "/api/documents/"+doc.ID+"/content?variant=searchable", nil).wantError(http.StatusNotFound, "not_found")
	ann.do("POST", "/api/documents/"+doc.ID+"/shares", map[string]any{"recipient": "bob", "permission": "view"}).want(http.StatusCreated)
	if res := bob.do("GET", "/api/documents/"+doc.ID+"/thumbnail", nil).want(http.StatusOK); string(res.body) != string(thumb) {
		t.Errorf("shared thumbnail: %q", res.body)
	}
	bob.do("GET", "/api/documents/"+doc.ID+"/content?variant=searchable", nil).want(http.StatusOK)
	var shared struct {
		Documents []derivedFlags `json:"documents"`
	}
	bob.do("GET", "/api/documents?shared=1", nil).want(http.StatusOK).decode(&shared)
	if len(shared.Documents) != 1 || !is(shared.Documents[0].HasThumbnail, true) {
		t.Errorf("shared listing: %+v", shared.Documents)
	}

	// Deleting the document deletes all three objects and gives the quota back.
	if used := e.used("ann"); used != int64(len(pdf("a scan"))+len(thumb)+len(searchable)) {
		t.Errorf("quota used %d", used)
	}
	ann.do("DELETE", "/api/documents/"+doc.ID, nil).want(http.StatusNoContent)
	if n := e.objects(); n != 3 {
		t.Errorf("%d objects left in the trash, want 3", n)
	}
	ann.do("DELETE", "/api/trash", nil).want(http.StatusOK)
	if n := e.objects(); n != 0 {
		t.Errorf("%d objects left", n)
	}
	if used := e.used("ann"); used != 0 {
		t.Errorf("quota used %d after the delete", used)
	}
	ann.do("GET", "/api/documents/"+doc.ID+"/thumbnail", nil).wantError(http.StatusNotFound, "not_found")
}
