package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/storage"
)

func TestUploadListGetDownloadDelete(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann := e.login("ann")

	// One file: 201, stored, queued.
	var up uploadJSON
	ann.upload(nil, filePart{name: "../../etc/Ünïcødé \"report\".pdf", content: pdf("quarterly report")}).want(201).decode(&up)
	if len(up.Documents) != 1 || len(up.Results) != 1 {
		t.Fatalf("upload: %+v", up)
	}
	doc := up.Documents[0]
	if doc.Filename != `Ünïcødé "report".pdf` || doc.ContentType != "application/pdf" || doc.Status != "pending" || doc.Permission != "owner" || doc.Owner != "ann" {
		t.Errorf("document: %+v", doc)
	}
	if q := up.Results[0].Queued; q == nil || !*q {
		t.Error("not queued")
	}
	if !e.queued(doc.ID) {
		t.Errorf("no job for %s", doc.ID)
	}

	// Many files, some failing: 207 with per-file results; the good ones stored.
	var multi uploadJSON
	ann.upload(nil,
		filePart{name: "a.txt", content: []byte("alpha notes")},
		filePart{name: "b.exe", content: append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), make([]byte, 200)...)},
		filePart{name: "empty.txt", content: nil},
		filePart{name: "dup.pdf", content: pdf("quarterly report")},
	).want(207).decode(&multi)
	if len(multi.Results) != 4 || len(multi.Documents) != 1 || multi.Documents[0].Filename != "a.txt" {
		t.Fatalf("207: %+v", multi)
	}
	if r := multi.Results[1]; r.Status != 415 || r.Error == nil || r.Error.Code != "type_not_allowed" {
		t.Errorf("exe: %+v", r)
	}
	if r := multi.Results[2]; r.Status != 422 || r.Error == nil {
		t.Errorf("empty: %+v", r)
	}
	if r := multi.Results[3]; r.DuplicateOf != doc.ID || r.Status != 200 {
		t.Errorf("duplicate: %+v", r)
	}
	// One bad file alone: its own status.
	ann.upload(nil, filePart{name: "x.exe", content: append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), make([]byte, 200)...)}).wantError(415, "type_not_allowed")
	ann.upload(nil).wantError(422, "no_file")
	ann.request("POST", "/api/documents", strings.NewReader("{}"), "application/json", nil).wantError(415, "")
	if n, objs := e.count(`SELECT count(*) FROM documents`), e.objects(); n != 2 || objs != 2 {
		t.Errorf("rows %d, objects %d after failures; want 2 and 2", n, objs)
	}

	// A big file (over the small-file buffer) streams through.
	big := make([]byte, 3<<20)
	_, _ = rand.Read(big[1000:])
	copy(big, []byte("%PDF-1.4\n"))
	bigDoc := ann.uploadOne("big.pdf", string(big))
	if bigDoc.SizeBytes != int64(len(big)) {
		t.Errorf("big size %d", bigDoc.SizeBytes)
	}
	sum := sha256.Sum256(big)
	if bigDoc.SHA256 != fmt.Sprintf("%x", sum) {
		t.Errorf("big sha256 %s", bigDoc.SHA256)
	}

	// Download: byte-identical, attachment with the filename, Range.
	res := ann.do("GET", "/api/documents/"+bigDoc.ID+"/content", nil).want(200)
	if !bytes.Equal(res.body, big) || res.header.Get("Content-Type") != "application/pdf" || res.header.Get("Accept-Ranges") != "bytes" {
		t.Fatalf("download: %d bytes, %v", len(res.body), res.header)
	}
	res = ann.do("GET", "/api/documents/"+doc.ID+"/content", nil).want(200)
	cd := res.header.Get("Content-Disposition")
	if !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=utf-8''%C3%9Cn%C3%AFc%C3%B8d%C3%A9%20%22report%22.pdf") {
		t.Errorf("Content-Disposition %q", cd)
	}
	rg := ann.request("GET", "/api/documents/"+bigDoc.ID+"/content", nil, "", map[string]string{"Range": "bytes=100-199"}).want(206)
	if !bytes.Equal(rg.body, big[100:200]) || rg.header.Get("Content-Range") != fmt.Sprintf("bytes 100-199/%d", len(big)) {
		t.Errorf("range: %d bytes, %q", len(rg.body), rg.header.Get("Content-Range"))
	}
	etag := res.header.Get("ETag")
	ann.request("GET", "/api/documents/"+doc.ID+"/content", nil, "", map[string]string{"If-None-Match": etag}).want(304)

	// ?redirect=1: a presigned URL that serves the same bytes.
	red := ann.do("GET", "/api/documents/"+bigDoc.ID+"/content?redirect=1", nil).want(302)
	loc, err := url.Parse(red.header.Get("Location"))
	if err != nil || loc.Host != e.d.MinIO.Endpoint {
		t.Fatalf("redirect to %q", red.header.Get("Location"))
	}
	pr, err := http.Get(loc.String())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(pr.Body)
	pr.Body.Close()
	if pr.StatusCode != 200 || !bytes.Equal(got, big) {
		t.Errorf("presigned download: %d, %d bytes", pr.StatusCode, len(got))
	}

	// Get one: topics, status, no extracted text anywhere.
	one := ann.do("GET", "/api/documents/"+doc.ID, nil).want(200)
	if strings.Contains(string(one.body), "extracted_text") {
		t.Error("document carries extracted text")
	}
	// Text: 409 until extracted, then text/plain.
	ann.do("GET", "/api/documents/"+doc.ID+"/text", nil).wantError(409, "not_ready")
	e.admin.MustExec(`UPDATE documents SET extracted_text = 'quarterly report text', status = 'classified' WHERE id = $1`, doc.ID)
	txt := ann.do("GET", "/api/documents/"+doc.ID+"/text", nil).want(200)
	if string(txt.body) != "quarterly report text" || !strings.HasPrefix(txt.header.Get("Content-Type"), "text/plain") {
		t.Errorf("text: %q %q", txt.body, txt.header.Get("Content-Type"))
	}
	list := ann.do("GET", "/api/documents", nil).want(200)
	if strings.Contains(string(list.body), "quarterly report text") || strings.Contains(string(list.body), "extracted_text") {
		t.Error("the list carries extracted text")
	}

	// Reclassify: back to pending, queued again.
	e.admin.MustExec(`UPDATE documents SET status = 'failed', failure_reason = 'boom' WHERE id = $1`, doc.ID)
	rc := ann.do("POST", "/api/documents/"+doc.ID+"/reclassify", nil).want(202).json()
	if rc["queued"] != true || rc["document"].(map[string]any)["status"] != "pending" || rc["document"].(map[string]any)["failure_reason"] != nil {
		t.Errorf("reclassify: %v", rc)
	}
	e.admin.MustExec(`UPDATE documents SET status = 'processing' WHERE id = $1`, doc.ID)
	ann.do("POST", "/api/documents/"+doc.ID+"/reclassify", nil).wantError(409, "busy")
	e.admin.MustExec(`UPDATE documents SET status = 'classified' WHERE id = $1`, doc.ID)

	// Delete: to the trash (hidden, still in quota), then for good:
	// object, row and quota together.
	before := e.used("ann")
	ann.do("DELETE", "/api/documents/"+bigDoc.ID, nil).want(204)
	ann.do("GET", "/api/documents/"+bigDoc.ID, nil).wantError(404, "not_found")
	ann.do("DELETE", "/api/documents/"+bigDoc.ID, nil).wantError(404, "not_found")
	if after := e.used("ann"); after != before {
		t.Errorf("quota %d → %d after the trash, want unchanged", before, after)
	}
	var trashed struct {
		Documents []struct {
			ID string `json:"id"`
		} `json:"documents"`
	}
	ann.do("GET", "/api/trash", nil).want(200).decode(&trashed)
	if len(trashed.Documents) != 1 || trashed.Documents[0].ID != bigDoc.ID {
		t.Errorf("trash: %+v", trashed)
	}
	ann.do("DELETE", "/api/trash/"+bigDoc.ID, nil).want(204)
	ann.do("DELETE", "/api/trash/"+bigDoc.ID, nil).wantError(404, "not_found")
	if after := e.used("ann"); after != before-int64(len(big)) {
		t.Errorf("quota %d → %d", before, after)
	}
	var sumSizes int64
	e.admin.Get(&sumSizes, `SELECT COALESCE(sum(size_bytes), 0) FROM documents WHERE user_id = $1`, e.users["ann"].ID)
	if e.used("ann") != sumSizes || e.objects() != 2 {
		t.Errorf("quota %d, sum %d, objects %d", e.used("ann"), sumSizes, e.objects())
	}

	// Audit: upload, download, update, trash, delete.
	for typ, want := range map[string]int{"upload": 3, "download": 4, "document_trash": 1, "document_delete": 1, "document_update": 1} {
		if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = $1 AND user_id = $2 AND actor_id = $2`, typ, e.users["ann"].ID); n != want {
			t.Errorf("%d %s events, want %d", n, typ, want)
		}
	}
}

func TestUploadLimits(t *testing.T) {
	e := newEnv(t, envOptions{quota: 1 << 20, maxSize: 600 << 10})
	ann := e.login("ann")
	tooBig := append([]byte("%PDF-1.4\n"), make([]byte, 700<<10)...)
	ann.upload(nil, filePart{name: "big.pdf", content: tooBig}).wantError(413, "too_large")
	fits := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("a"), 500<<10)...)
	ann.uploadOne("one.pdf", string(fits))
	fits2 := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("b"), 550<<10)...)
	ann.upload(nil, filePart{name: "two.pdf", content: fits2}).wantError(413, "over_quota")
	if n, objs := e.count(`SELECT count(*) FROM documents`), e.objects(); n != 1 || objs != 1 {
		t.Errorf("rows %d, objects %d; want 1 and 1", n, objs)
	}
	if e.used("ann") != int64(len(fits)) {
		t.Errorf("quota %d, want %d", e.used("ann"), len(fits))
	}
}

func TestListFiltersAndCursor(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann := e.login("ann")
	fin := ann.do("POST", "/api/topics", map[string]any{"name": "Finance"}).want(201).json()["id"].(string)
	folder := ann.do("POST", "/api/folders", map[string]any{"name": "Taxes"}).want(201).json()["id"].(string)
	var ids []string
	for i := 0; i < 7; i++ {
		var fields [][2]string
		if i%2 == 0 {
			fields = append(fields, [2]string{"topic", "Finance"}, [2]string{"folder_id", folder})
		}
		ids = append(ids, ann.uploadOne(fmt.Sprintf("n%02d.txt", i), fmt.Sprintf("note number %d", i), fields...).ID)
	}
	ann.uploadOne("scan.pdf", string(pdf("a scan")))
	ann.upload([][2]string{{"topic", "Nope"}}, filePart{name: "x.txt", content: []byte("x")}).wantError(422, "unknown_topic")
	ann.upload([][2]string{{"folder_id", "00000000-0000-0000-0000-000000000000"}}, filePart{name: "x.txt", content: []byte("x")}).wantError(422, "invalid_field")

	page := func(q string) (out []docJSON, next string) {
		t.Helper()
		var p struct {
			Documents []docJSON `json:"documents"`
			Next      string    `json:"next_cursor"`
		}
		ann.do("GET", "/api/documents"+q, nil).want(200).decode(&p)
		return p.Documents, p.Next
	}
	// Keyset pages, newest first, every document exactly once.
	var seen []string
	next := ""
	for pages := 0; ; pages++ {
		q := "?limit=3"
		if next != "" {
			q += "&cursor=" + url.QueryEscape(next)
		}
		docs, n := page(q)
		for _, d := range docs {
			seen = append(seen, d.ID)
		}
		if next = n; next == "" || pages > 5 {
			break
		}
	}
	if len(seen) != 8 || seen[0] == seen[1] {
		t.Fatalf("paged %d documents: %v", len(seen), seen)
	}
	if seen[len(seen)-1] != ids[0] {
		t.Errorf("oldest last: got %s, want %s", seen[len(seen)-1], ids[0])
	}
	// Filters.
	if docs, _ := page("?topic=" + fin); len(docs) != 4 || docs[0].Topics[0].Name != "Finance" || docs[0].Topics[0].Source != "manual" {
		t.Errorf("topic filter: %d %+v", len(docs), docs)
	}
	if docs, _ := page("?folder=" + folder); len(docs) != 4 || *docs[0].FolderID != folder {
		t.Errorf("folder filter: %d", len(docs))
	}
	if docs, _ := page("?folder=root"); len(docs) != 4 {
		t.Errorf("root filter: %d", len(docs))
	}
	if docs, _ := page("?content_type=application/pdf"); len(docs) != 1 || docs[0].Filename != "scan.pdf" {
		t.Errorf("content type filter: %+v", docs)
	}
	if docs, _ := page("?status=pending"); len(docs) != 8 {
		t.Errorf("status filter: %d", len(docs))
	}
	if docs, _ := page("?status=classified"); len(docs) != 0 {
		t.Errorf("status classified: %d", len(docs))
	}
	if docs, _ := page("?created_after=2000-01-01T00:00:00Z&created_before=2999-01-01T00:00:00Z"); len(docs) != 8 {
		t.Errorf("created range: %d", len(docs))
	}
	if docs, _ := page("?created_before=2000-01-01T00:00:00Z"); len(docs) != 0 {
		t.Errorf("created before 2000: %d", len(docs))
	}
	// Sorts, with cursors.
	docs, n := page("?sort=filename_asc&limit=2")
	if len(docs) != 2 || docs[0].Filename != "n00.txt" || docs[1].Filename != "n01.txt" {
		t.Errorf("filename sort: %+v", docs)
	}
	docs, _ = page("?sort=filename_asc&limit=2&cursor=" + url.QueryEscape(n))
	if len(docs) != 2 || docs[0].Filename != "n02.txt" {
		t.Errorf("filename sort page 2: %+v", docs)
	}
	if docs, _ := page("?sort=size_desc&limit=1"); docs[0].Filename != "scan.pdf" {
		t.Errorf("size sort: %+v", docs)
	}
	ann.do("GET", "/api/documents?sort=created_desc&cursor="+url.QueryEscape(n), nil).wantError(422, "invalid_field")
	ann.do("GET", "/api/documents?cursor=garbage", nil).wantError(422, "invalid_field")
	ann.do("GET", "/api/documents?sort=bogus", nil).wantError(422, "invalid_field")
	ann.do("GET", "/api/documents?limit=0", nil).wantError(422, "invalid_field")
	ann.do("GET", "/api/documents?limit=x", nil).wantError(400, "malformed")
	ann.do("GET", "/api/documents?created_after=yesterday", nil).wantError(400, "malformed")
	ann.do("GET", "/api/documents?status=bogus", nil).wantError(422, "invalid_field")

	// PATCH: rename, move, set topics (manual).
	health := ann.do("POST", "/api/topics", map[string]any{"name": "Health", "color": "#00AA00"}).want(201).json()["id"].(string)
	d := ids[1]
	var got docJSON
	ann.do("PATCH", "/api/documents/"+d, map[string]any{"filename": "renamed/ok.txt", "folder_id": folder, "topic_ids": []string{health, fin}}).want(200).decode(&got)
	if got.Filename != "ok.txt" || got.FolderID == nil || *got.FolderID != folder || len(got.Topics) != 2 || got.Topics[0].Source != "manual" {
		t.Errorf("patched: %+v", got)
	}
	ann.do("PATCH", "/api/documents/"+d, map[string]any{"folder_id": nil, "topic_ids": []string{}}).want(200).decode(&got)
	if got.FolderID != nil || len(got.Topics) != 0 || got.Filename != "ok.txt" {
		t.Errorf("patched back: %+v", got)
	}
	ann.do("PATCH", "/api/documents/"+d, map[string]any{"topic_ids": []string{"00000000-0000-0000-0000-000000000000"}}).wantError(422, "unknown_topic")
	ann.do("PATCH", "/api/documents/"+d, map[string]any{"folder_id": "00000000-0000-0000-0000-000000000000"}).wantError(422, "invalid_field")
	ann.do("PATCH", "/api/documents/"+d, map[string]any{"filename": ""}).wantError(422, "invalid_field")
	ann.do("PATCH", "/api/documents/"+d, map[string]any{}).wantError(422, "invalid_field")
}

func TestReclassifyWithoutRedisStaysPending(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann := e.login("ann")
	doc := ann.uploadOne("a.txt", "some text")
	e.api.d.Jobs = failingEnqueuer{}
	e.admin.MustExec(`UPDATE documents SET status = 'classified' WHERE id = $1`, doc.ID)
	rc := ann.do("POST", "/api/documents/"+doc.ID+"/reclassify", nil).want(202).json()
	if rc["queued"] != false {
		t.Errorf("queued: %v", rc)
	}
	if n := e.count(`SELECT count(*) FROM documents WHERE id = $1 AND status = 'pending'`, doc.ID); n != 1 {
		t.Error("not pending")
	}
}

type failingEnqueuer struct{}

func (failingEnqueuer) EnqueueExtract(context.Context, string) error { return io.ErrClosedPipe }

// With the object store down an upload is a 503 and leaves nothing: no
// row, no quota; the document list and the rest of the API still answer.
func TestUploadWithObjectStoreDown(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann := e.login("ann")
	down, err := objectstore.New(objectstore.Options{Endpoint: "127.0.0.1:1", Bucket: e.d.MinIO.Bucket, AccessKey: "x", SecretKey: "yyyyyyyy"})
	if err != nil {
		t.Fatal(err)
	}
	e.api.d.Storage = storage.New(e.db, down, nil, storage.Limits{})
	ann.upload(nil, filePart{name: "a.txt", content: []byte("some text")}).wantError(503, "unavailable")
	big := append([]byte("%PDF-1.4\n"), make([]byte, 1<<20)...)
	ann.upload(nil, filePart{name: "b.pdf", content: big}).wantError(503, "unavailable")
	if n := e.count(`SELECT count(*) FROM documents`); n != 0 || e.used("ann") != 0 {
		t.Errorf("after failed uploads: %d rows, %d bytes of quota", n, e.used("ann"))
	}
	ann.do("GET", "/api/documents", nil).want(200)
}
