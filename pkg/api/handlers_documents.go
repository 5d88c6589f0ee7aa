package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/folders"
	"github.com/docuvault/docuvault/pkg/shares"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/topics"
)

// permission names what a viewer may do with a document.
const (
	permOwner = "owner"
	permEdit  = "edit"
	permView  = "view"
)

// document returns document id as the current user may see it: their own,
// or shared with them. Anything else is 404 — never 403, which would say
// that the document exists.
func (s *Server) document(r *http.Request, id string) (catalog.Document, error) {
	u := currentUser(r)
	acc, err := shares.Access(r.Context(), s.d.DB, u.ID, id)
	if err != nil {
		return catalog.Document{}, err
	}
	perm := ""
	switch acc {
	case shares.Owner:
		perm = permOwner
	case shares.Edit:
		perm = permEdit
	case shares.View:
		perm = permView
	default:
		return catalog.Document{}, fmt.Errorf("%w: %s", catalog.ErrNotFound, id)
	}
	return catalog.Get(r.Context(), s.d.DB, id, perm)
}

// documentFor is document, refused with 403 unless the user's permission
// is one of allowed.
func (s *Server) documentFor(r *http.Request, what string, allowed ...string) (catalog.Document, error) {
	id, err := pathID(r)
	if err != nil {
		return catalog.Document{}, err
	}
	d, err := s.document(r, id)
	if err != nil {
		return catalog.Document{}, err
	}
	for _, p := range allowed {
		if d.Permission == p {
			return d, nil
		}
	}
	return catalog.Document{}, errorf(http.StatusForbidden, "forbidden", "this document is shared with you for %s only: only its owner may %s", d.Permission, what)
}

func (s *Server) getDocument(w http.ResponseWriter, r *http.Request) error {
	d, err := s.documentFor(r, "see it", permOwner, permEdit, permView)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) listDocuments(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Has("q") {
		// A full-text search with the list's filters: the page of GET
		// /api/search (hits with their documents, snippets and facets).
		return s.search(w, r)
	}
	query := catalog.Query{
		Viewer:      currentUser(r).ID,
		Status:      q.Get("status"),
		TopicID:     q.Get("topic"),
		FolderID:    q.Get("folder"),
		ContentType: q.Get("content_type"),
		Sort:        q.Get("sort"),
		Cursor:      q.Get("cursor"),
	}
	switch q.Get("shared") {
	case "", "0", "false":
	case "1", "true":
		query.Shared = true
	default:
		return errorf(http.StatusBadRequest, "malformed", "shared must be 1 or 0")
	}
	switch q.Get("unfiled") {
	case "", "0", "false":
	case "1", "true":
		query.Unfiled = true
	default:
		return errorf(http.StatusBadRequest, "malformed", "unfiled must be true or false")
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return errorf(http.StatusBadRequest, "malformed", "limit must be a number from 1 to 200")
		}
		if n < 1 {
			return errorf(http.StatusUnprocessableEntity, "invalid_field", "limit must be 1 to 200, not %d", n)
		}
		query.Limit = n
	}
	for name, dst := range map[string]*time.Time{"created_after": &query.From, "created_before": &query.To} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return errorf(http.StatusBadRequest, "malformed", "%s must be a time like 2026-01-31T00:00:00Z", name)
			}
			*dst = t
		}
	}
	for name, dst := range map[string]*time.Time{"date_from": &query.DateFrom, "date_to": &query.DateTo} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return errorf(http.StatusBadRequest, "malformed", "%s must be a day like 2026-01-31", name)
			}
			*dst = t
		}
	}
	page, err := s.lister.List(r.Context(), query)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// uploadResult is one file's outcome in an upload's answer.
type uploadResult struct {
	Field       string            `json:"field"`
	Filename    string            `json:"filename"`
	Status      int               `json:"status"` // the HTTP status this file alone would have had
	Document    *catalog.Document `json:"document,omitempty"`
	DuplicateOf string            `json:"duplicate_of,omitempty"`
	Queued      *bool             `json:"queued,omitempty"`
	Error       *errorDetail      `json:"error,omitempty"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// maxFieldLen bounds a non-file form field's value.
const maxFieldLen = 1024

// maxUploadParts bounds the parts of one upload request.
const maxUploadParts = 1000

// uploadDocuments stores each "file" part of a multipart/form-data body as
// a document, streamed part by part into storage: no file is ever held
// whole in memory or written to disk. "topic" (a topic id or name,
// repeatable) and "folder_id" fields apply to the files after them.
func (s *Server) uploadDocuments(w http.ResponseWriter, r *http.Request) error {
	mr, err := r.MultipartReader()
	if err != nil {
		if errors.Is(err, http.ErrNotMultipart) {
			return errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send multipart/form-data with one or more file fields")
		}
		return errorf(http.StatusBadRequest, "malformed", "unreadable multipart body: %s", err)
	}
	u := currentUser(r)
	ctx := r.Context()
	rc := http.NewResponseController(w)
	var (
		topicIDs []string
		folderID *string
		results  = []uploadResult{}
		stored   = []catalog.Document{}
		parts    int
	)
	fail := func(field, filename string, err error) {
		e := classifyError(err)
		if e.Status >= 500 {
			s.d.Log.Error("upload failed", "request_id", state(ctx).id, "error", err.Error())
		}
		results = append(results, uploadResult{Field: field, Filename: filename, Status: e.Status, Error: &errorDetail{e.Code, e.Message}})
	}
	for {
		_ = rc.SetReadDeadline(time.Now().Add(uploadIdleTimeout))
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if len(results) == 0 {
				return errorf(http.StatusBadRequest, "malformed", "unreadable multipart body: %s", err)
			}
			fail("", "", errorf(http.StatusBadRequest, "malformed", "unreadable multipart body: %s", err))
			break
		}
		if parts++; parts > maxUploadParts {
			part.Close()
			fail("", "", errorf(http.StatusRequestEntityTooLarge, "too_large", "at most %d parts in one request", maxUploadParts))
			break
		}
		switch field := part.FormName(); field {
		case "file":
			res := s.uploadPart(ctx, rc, part, u.ID, u.Handle, topicIDs, folderID)
			part.Close()
			results = append(results, res)
			if res.Document != nil && res.DuplicateOf == "" {
				stored = append(stored, *res.Document)
			}
		case "topic", "folder_id":
			val, err := readField(part)
			part.Close()
			if err == nil {
				if field == "topic" {
					var id string
					if id, err = s.resolveTopic(ctx, u.ID, val); err == nil {
						topicIDs = append(topicIDs, id)
					}
				} else {
					folderID, err = s.resolveFolder(ctx, u.ID, val)
				}
			}
			if err != nil {
				if len(results) == 0 {
					return err
				}
				fail(field, "", err)
			}
		default:
			// Other fields (a client's own bookkeeping) are read past.
			_, _ = io.Copy(io.Discard, io.LimitReader(part, maxFieldLen))
			part.Close()
		}
	}
	files, failed := 0, 0
	for _, res := range results {
		if res.Field == "file" {
			files++
		}
		if res.Error != nil {
			failed++
		}
	}
	if files == 0 && failed == 0 {
		return errorf(http.StatusUnprocessableEntity, "no_file", `send one or more files in multipart fields named "file"`)
	}
	if files == 1 && failed == 1 && len(results) == 1 {
		e := results[0].Error
		return &Error{Status: results[0].Status, Code: e.Code, Message: e.Message}
	}
	status := http.StatusCreated
	if failed > 0 {
		status = http.StatusMultiStatus
	}
	writeJSON(w, status, map[string]any{"documents": stored, "results": results})
	return nil
}

// uploadIdleTimeout is how long an upload may send nothing before it is
// cut off; any progress extends it, so big uploads on slow links work.
const uploadIdleTimeout = time.Minute

// smallFile is how much of a file is read before deciding how to store
// it: a file that ends within it is stored as a small upload of known size
// (one request to the object store, one statement); a longer one is
// streamed in parts. It bounds the memory one upload holds besides the
// object store client's part buffers.
const smallFile = storage.SmallUpload

func (s *Server) uploadPart(ctx context.Context, rc *http.ResponseController, part io.Reader, owner, ownerHandle string, topicIDs []string, folderID *string) uploadResult {
	filename := ""
	if p, ok := part.(interface{ FileName() string }); ok {
		filename = p.FileName()
	}
	res := uploadResult{Field: "file", Filename: storage.SanitizeFilename(filename)}
	body := &idleReader{r: part, rc: rc}
	buf := s.heads.Get().(*[]byte)
	defer s.heads.Put(buf)
	head := *buf
	n, err := io.ReadFull(body, head)
	var in storage.UploadInput
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		in.Body, in.Size = newBytesReader(head[:n]), int64(n)
	case err != nil:
		return s.failedResult(ctx, res, errorf(http.StatusBadRequest, "malformed", "the upload was cut off: %s", err))
	default:
		in.Body, in.Size = io.MultiReader(newBytesReader(head), body), -1
		// A long file: wait for a stream slot, which bounds the memory all
		// streamed uploads together hold.
		select {
		case s.streams <- struct{}{}:
			defer func() { <-s.streams }()
		case <-ctx.Done():
			return s.failedResult(ctx, res, ctx.Err())
		}
	}
	in.OwnerID, in.Filename, in.TopicIDs = owner, filename, topicIDs
	in.Audit = &audit.Event{IP: state(ctx).clientIP}
	if u := state(ctx).user; u != nil {
		in.Audit.ActorID = u.ID
	}
	up, err := s.d.Storage.Upload(ctx, in)
	if err != nil {
		s.metrics.uploads.WithLabelValues("failed").Inc()
		return s.failedResult(ctx, res, err)
	}
	if up.DuplicateOf != "" {
		s.metrics.uploads.WithLabelValues("duplicate").Inc()
		res.Status, res.DuplicateOf = http.StatusOK, up.DuplicateOf
		if d, err := catalog.Get(ctx, s.d.DB, up.DuplicateOf, permOwner); err == nil {
			res.Document = &d
		}
		return res
	}
	doc := up.Document
	s.metrics.uploads.WithLabelValues("stored").Inc()
	s.metrics.uploaded.Add(float64(doc.SizeBytes))
	if folderID != nil {
		// storage.Upload knows no folders: the stored document is moved
		// into the folder given (checked to be the owner's before).
		if err := catalog.Update(ctx, s.d.DB, owner, doc.ID, catalog.Change{FolderID: &folderID}); err != nil {
			s.d.Log.Warn("uploaded document not moved to its folder", "request_id", state(ctx).id, "document_id", doc.ID, "error", err.Error())
		}
	}
	queued := up.EnqueueErr == nil && doc.Status == storage.StatusPending
	res.Queued = &queued
	if up.EnqueueErr != nil {
		s.d.Log.Warn("document stored but not queued; the worker's sweeper will queue it", "request_id", state(ctx).id, "document_id", doc.ID, "error", up.EnqueueErr.Error())
	}
	if up.AuditErr != nil {
		s.d.Log.Error("audit record failed", "request_id", state(ctx).id, "event", audit.Upload, "error", up.AuditErr.Error())
	}
	res.Status = http.StatusCreated
	// The answer is what storage returned, unless topics or a folder were
	// set (then read back). The document is stored either way.
	res.Document = &catalog.Document{ID: doc.ID, OwnerID: owner, OwnerHandle: ownerHandle, Permission: permOwner,
		Filename: doc.Filename, ContentType: doc.ContentType, SizeBytes: doc.SizeBytes, SHA256Hex: fmt.Sprintf("%x", doc.SHA256),
		Status: doc.Status, CreatedAt: doc.CreatedAt, UpdatedAt: doc.UpdatedAt, Topics: []catalog.TopicRef{}}
	if len(topicIDs) > 0 || folderID != nil {
		if d, err := catalog.Get(ctx, s.d.DB, doc.ID, permOwner); err == nil {
			res.Document = &d
		}
	}
	return res
}

func (s *Server) failedResult(ctx context.Context, res uploadResult, err error) uploadResult {
	e := classifyError(err)
	if e.Status >= 500 {
		s.d.Log.Error("upload failed", "request_id", state(ctx).id, "error", err.Error())
	}
	res.Status, res.Error = e.Status, &errorDetail{e.Code, e.Message}
	return res
}

// idleReader extends the connection's read deadline on every read, so an
// upload is cut off only when it stalls.
type idleReader struct {
	r  io.Reader
	rc *http.ResponseController
}

func (i *idleReader) Read(p []byte) (int, error) {
	_ = i.rc.SetReadDeadline(time.Now().Add(uploadIdleTimeout))
	return i.r.Read(p)
}

// readField reads a small form field's value.
func readField(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxFieldLen+1))
	if err != nil {
		return "", errorf(http.StatusBadRequest, "malformed", "unreadable form field: %s", err)
	}
	if len(b) > maxFieldLen {
		return "", errorf(http.StatusUnprocessableEntity, "invalid_field", "form field over %d bytes", maxFieldLen)
	}
	return strings.TrimSpace(string(b)), nil
}

// resolveTopic turns a topic id or name into the id of one of owner's topics.
func (s *Server) resolveTopic(ctx context.Context, owner, val string) (string, error) {
	if t, err := topics.Get(ctx, s.d.DB, owner, val); err == nil {
		return t.ID, nil
	}
	ids, err := topics.IDsByName(ctx, s.d.DB, owner, []string{val})
	if err != nil {
		if errors.Is(err, topics.ErrNotFound) {
			return "", errorf(http.StatusUnprocessableEntity, "unknown_topic", "topic %q is not one of your topics (give its id or name)", val)
		}
		return "", err
	}
	return ids[0], nil
}

// resolveFolder checks that val names one of owner's folders ("" is none).
func (s *Server) resolveFolder(ctx context.Context, owner, val string) (*string, error) {
	if val == "" {
		return nil, nil
	}
	f, err := folders.Get(ctx, s.d.DB, owner, val)
	if err != nil {
		if errors.Is(err, folders.ErrNotFound) {
			return nil, errorf(http.StatusUnprocessableEntity, "invalid_field", "folder_id %q is not one of your folders", val)
		}
		return nil, err
	}
	return &f.ID, nil
}

// documentContent streams a document's bytes: Range, If-None-Match and
// If-Range work (the ETag is the content's SHA-256); ?redirect=1 answers
// 302 to a short-lived presigned URL of the object store instead;
// ?variant=searchable serves its searchable copy (handlers_derived.go).
func (s *Server) documentContent(w http.ResponseWriter, r *http.Request) error {
	d, err := s.documentFor(r, "download it", permOwner, permEdit, permView)
	if err != nil {
		return err
	}
	switch v := r.URL.Query().Get("variant"); v {
	case "", "original":
	case "searchable":
		return s.searchableContent(w, r, d)
	default:
		return errorf(http.StatusBadRequest, "malformed", "variant must be original or searchable, not %q", truncate(v, 40))
	}
	if r.URL.Query().Get("redirect") == "1" {
		u, err := s.d.Storage.PresignGet(r.Context(), d.OwnerID, d.ID, s.d.PresignTTL)
		if err != nil {
			return err
		}
		s.record(r, audit.Event{UserID: d.OwnerID, Type: audit.Download, ResourceID: d.ID, Metadata: map[string]any{"filename": d.Filename, "redirect": true}})
		http.Redirect(w, r, u.String(), http.StatusFound)
		return nil
	}
	rc, doc, err := s.d.Storage.Open(r.Context(), d.OwnerID, d.ID)
	if err != nil {
		return err
	}
	defer rc.Close()
	etag := ""
	if d.SHA256Hex != "" {
		etag = `"` + d.SHA256Hex + `"`
	}
	sent, ok := s.serveBody(w, r, rc, doc.ContentType, doc.Filename, etag, doc.CreatedAt, doc.SizeBytes)
	if ok {
		meta := map[string]any{"filename": d.Filename, "bytes": sent}
		if rg := r.Header.Get("Range"); rg != "" {
			meta["range"] = truncate(rg, 100)
		}
		s.record(r, audit.Event{UserID: d.OwnerID, Type: audit.Download, ResourceID: d.ID, Metadata: meta})
	}
	return nil
}

// serveBody sends an object's bytes as an attachment named name: Range,
// If-None-Match (etag, when not "") and If-Range work when rc can seek. It
// returns the bytes sent and whether that was a download: not a HEAD, a
// 304 or a refused range.
func (s *Server) serveBody(w http.ResponseWriter, r *http.Request, rc io.Reader, contentType, name, etag string, modified time.Time, size int64) (int64, bool) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", contentDisposition(name))
	h.Set("Cache-Control", "private, no-cache")
	if etag != "" {
		h.Set("ETag", etag)
	}
	cw := &countingWriter{ResponseWriter: w, rc: http.NewResponseController(w)}
	if rs, ok := rc.(io.ReadSeeker); ok {
		http.ServeContent(cw, r, "", modified, rs)
	} else {
		h.Set("Content-Length", strconv.FormatInt(size, 10))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = io.Copy(cw, rc)
		}
	}
	s.metrics.downloaded.Add(float64(cw.n))
	return cw.n, r.Method != http.MethodHead && (cw.status == 0 || cw.status == http.StatusOK || cw.status == http.StatusPartialContent)
}

// contentDisposition is an attachment header carrying filename safely:
// RFC 6266 with an RFC 5987 filename* for anything beyond plain ASCII.
func contentDisposition(filename string) string {
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": filename}); v != "" {
		return v
	}
	return "attachment"
}

// countingWriter counts the bytes of a download and keeps extending the
// write deadline while it progresses.
type countingWriter struct {
	http.ResponseWriter
	rc     *http.ResponseController
	n      int64
	status int
}

func (c *countingWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	_ = c.rc.SetWriteDeadline(time.Now().Add(uploadIdleTimeout))
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	return n, err
}

func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func (s *Server) documentText(w http.ResponseWriter, r *http.Request) error {
	d, err := s.documentFor(r, "read it", permOwner, permEdit, permView)
	if err != nil {
		return err
	}
	text, status, ok, err := catalog.Text(r.Context(), s.d.DB, d.ID)
	if err != nil {
		return err
	}
	if !ok {
		return errorf(http.StatusConflict, "not_ready", "this document has no extracted text (status %s)", status)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, err = io.WriteString(w, text)
	return err
}

type updateDocumentRequest struct {
	Filename *string          `json:"filename"`
	FolderID Optional[string] `json:"folder_id"`
	TopicIDs *[]string        `json:"topic_ids"`
}

// updateDocument renames, moves and retags; the owner and edit recipients
// may. Topics set here are stored as a person's ('manual').
func (s *Server) updateDocument(w http.ResponseWriter, r *http.Request) error {
	d, err := s.documentFor(r, "change it", permOwner, permEdit)
	if err != nil {
		return err
	}
	var req updateDocumentRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Filename == nil && !req.FolderID.Set && req.TopicIDs == nil {
		return errorf(http.StatusUnprocessableEntity, "invalid_field", "send filename, folder_id or topic_ids")
	}
	change := catalog.Change{Filename: req.Filename}
	if req.FolderID.Set {
		f := req.FolderID.Value
		change.FolderID = &f
	}
	meta := map[string]any{}
	if req.Filename != nil || req.FolderID.Set {
		if err := catalog.Update(r.Context(), s.d.DB, d.OwnerID, d.ID, change); err != nil {
			return err
		}
		if req.Filename != nil {
			meta["filename"] = storage.SanitizeFilename(*req.Filename)
			meta["old_filename"] = d.Filename
		}
		if req.FolderID.Set {
			meta["folder_id"] = req.FolderID.Value
		}
	}
	if req.TopicIDs != nil {
		if err := topics.SetDocument(r.Context(), s.d.DB, d.OwnerID, d.ID, *req.TopicIDs); err != nil {
			return err
		}
		meta["topic_ids"] = *req.TopicIDs
	}
	s.record(r, audit.Event{UserID: d.OwnerID, Type: audit.Update, ResourceID: d.ID, Metadata: meta})
	out, err := catalog.Get(r.Context(), s.d.DB, d.ID, d.Permission)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// deleteDocument removes the object, the row and its bytes from quota; only
// the owner may.
func (s *Server) deleteDocument(w http.ResponseWriter, r *http.Request) error {
	d, err := s.documentFor(r, "delete it", permOwner)
	if err != nil {
		return err
	}
	if err := s.d.Storage.Delete(r.Context(), d.OwnerID, d.ID); err != nil {
		return err
	}
	s.record(r, audit.Event{UserID: d.OwnerID, Type: audit.Delete, ResourceID: d.ID,
		Metadata: map[string]any{"resource": "document", "filename": d.Filename, "size_bytes": d.SizeBytes}})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// reclassifyDocument puts a document back to pending and queues it; the
// owner and edit recipients may.
func (s *Server) reclassifyDocument(w http.ResponseWriter, r *http.Request) error {
	d, err := s.documentFor(r, "classify it again", permOwner, permEdit)
	if err != nil {
		return err
	}
	if err := catalog.MarkPending(r.Context(), s.d.DB, d.OwnerID, d.ID); err != nil {
		return err
	}
	queued := false
	if s.d.Jobs != nil {
		if err := s.d.Jobs.EnqueueExtract(r.Context(), d.ID); err != nil {
			s.d.Log.Warn("reclassify: not queued; the worker's sweeper will queue it", "request_id", state(r.Context()).id, "document_id", d.ID, "error", err.Error())
		} else {
			queued = true
		}
	}
	s.record(r, audit.Event{UserID: d.OwnerID, Type: audit.Update, ResourceID: d.ID, Metadata: map[string]any{"action": "reclassify"}})
	out, err := catalog.Get(r.Context(), s.d.DB, d.ID, d.Permission)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"document": out, "queued": queued})
	return nil
}
