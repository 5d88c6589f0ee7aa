package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/folders"
	"github.com/docuvault/docuvault/pkg/foldershares"
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
	if d.Permission == permOwner {
		writeJSON(w, http.StatusOK, d)
		return nil
	}
	// A recipient is told how the document reaches them (directly, a
	// group, a shared folder).
	via, err := foldershares.Via(r.Context(), s.d.DB, currentUser(r).ID, d.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		catalog.Document
		SharedVia []foldershares.Way `json:"shared_via"`
	}{d, via})
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
	// Restored: the content was a document in the trash, which is back.
	Restored bool         `json:"restored,omitempty"`
	Queued   *bool        `json:"queued,omitempty"`
	Error    *errorDetail `json:"error,omitempty"`
	// retryAfter is the Retry-After (seconds) of a refusal that may pass later.
	retryAfter int
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
	rc := http.NewResponseController(w)
	body := s.newUploadBody(r, rc)
	r.Body = body
	mr, err := r.MultipartReader()
	if err != nil {
		if errors.Is(err, http.ErrNotMultipart) {
			return errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send multipart/form-data with one or more file fields")
		}
		return errorf(http.StatusBadRequest, "malformed", "unreadable multipart body: %s", err)
	}
	u := currentUser(r)
	ctx := r.Context()
	var (
		topicIDs []string
		folderID *string
		results  = []uploadResult{}
		stored   = []catalog.Document{}
		parts    int
	)
	fail := func(field, filename string, err error) {
		res := s.failedResult(ctx, uploadResult{Field: field, Filename: filename}, err)
		results = append(results, res)
	}
parts:
	for {
		part, err := mr.NextPart()
		if err == io.EOF { // not wrapped: a wrapped one is a body ending without its closing boundary
			// The closing boundary, or so the multipart reader says: it
			// also answers a plain io.EOF when the body ends right after a
			// boundary line or in a part's headers. What follows it
			// (nothing, from any client we know) is read past, a little,
			// to see the body's end, and the delimiter must have come.
			_, _ = io.CopyN(io.Discard, body, maxFieldLen)
			if body.err == nil && !body.closed() {
				body.err = errTruncated
				if len(results) == 0 {
					return body.err
				}
				fail("", "", body.err)
			}
			break
		}
		if err != nil {
			err = body.cause(err, errorf(http.StatusBadRequest, "malformed", "unreadable multipart body: %s", err))
			if len(results) == 0 {
				return err
			}
			fail("", "", err)
			break
		}
		if parts++; parts > maxUploadParts {
			part.Close()
			fail("", "", errorf(http.StatusRequestEntityTooLarge, "too_large", "at most %d parts in one request", maxUploadParts))
			break
		}
		switch field := part.FormName(); field {
		case "file":
			res := s.uploadPart(ctx, &partBody{part: part, body: body}, u.ID, u.Handle, topicIDs, folderID)
			results = append(results, res)
			if res.Document != nil && res.DuplicateOf == "" {
				stored = append(stored, *res.Document)
			}
			if body.err != nil || res.Status == http.StatusTooManyRequests {
				// The body is cut off, ended before its closing boundary
				// or, refused, is not read further: nothing more comes of it.
				break parts
			}
			part.Close()
		case "topic", "folder_id":
			val, err := readField(&partBody{part: part, body: body})
			part.Close()
			if body.err != nil {
				err = body.err
			}
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
			_, _ = io.Copy(io.Discard, io.LimitReader(&partBody{part: part, body: body}, maxFieldLen))
			part.Close()
		}
		if body.err != nil {
			// Cut off, or ended before its closing boundary, in a field.
			if len(results) == 0 {
				return body.err
			}
			if last := results[len(results)-1]; last.Error == nil || last.Error.Code != body.err.Code {
				fail("", "", body.err)
			}
			break
		}
	}
	if body.err != nil {
		// The body did not arrive whole (cut off, abandoned, or without
		// its closing boundary): the request is not applied at all, so
		// the files stored before the break go too. A client retrying
		// the whole request gets neither half a request nor duplicates.
		s.unstore(ctx, u.ID, stored)
		return body.err
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
		return &Error{Status: results[0].Status, Code: e.Code, Message: e.Message, RetryAfter: results[0].retryAfter}
	}
	status := http.StatusCreated
	if failed > 0 {
		status = http.StatusMultiStatus
	}
	unread := closeIfUnread(w, r)
	writeJSON(w, status, map[string]any{"documents": stored, "results": results})
	if unread {
		endUnread(rc)
	}
	return nil
}

// unstore removes the documents an upload request stored before its body
// broke off. It runs to its end when the client has gone.
func (s *Server) unstore(ctx context.Context, owner string, docs []catalog.Document) {
	ctx = context.WithoutCancel(ctx)
	for _, d := range docs {
		if err := s.d.Storage.Delete(ctx, owner, d.ID); err != nil {
			s.d.Log.Error("removing a document of a broken upload", "request_id", state(ctx).id, "document_id", d.ID, "error", err.Error())
			continue
		}
		s.d.Log.Info("removed a document of a broken upload", "request_id", state(ctx).id, "document_id", d.ID)
	}
}

// streamRetryAfter is the Retry-After (seconds) of an upload refused
// because its user already streams MaxUserStreams.
const streamRetryAfter = 2

// smallFile is how much of a file is read before deciding how to store
// it: a file that ends within it is stored as a small upload of known size
// (one request to the object store, one statement); a longer one is
// streamed in parts. It bounds the memory one upload holds besides the
// object store client's part buffers.
const smallFile = storage.SmallUpload

func (s *Server) uploadPart(ctx context.Context, body *partBody, owner, ownerHandle string, topicIDs []string, folderID *string) uploadResult {
	filename := body.part.FileName()
	res := uploadResult{Field: "file", Filename: storage.SanitizeFilename(filename)}
	buf := s.heads.Get().(*[]byte)
	defer s.heads.Put(buf)
	head := *buf
	n, err := io.ReadFull(body, head)
	var in storage.UploadInput
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		// The part ended within head (partBody turns a body that ended
		// without the part's boundary into an error of its own).
		in.Body, in.Size = newBytesReader(head[:n]), int64(n)
	case err != nil:
		return s.failedResult(ctx, res, err)
	default:
		in.Body, in.Size = io.MultiReader(newBytesReader(head), body), -1
		// A long file: within its user's share of stream slots, wait for
		// one, which bounds the memory all streamed uploads together hold.
		release, ok := s.userStream(owner)
		if !ok {
			e := errorf(http.StatusTooManyRequests, "too_many_uploads",
				"you are already uploading %d large files at once: wait for one to finish", s.d.MaxUserStreams)
			e.RetryAfter = streamRetryAfter
			return s.failedResult(ctx, res, e)
		}
		defer release()
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
	if t := state(ctx).token; t != nil {
		in.Audit.ActorLabel = t.Label()
	}
	up, err := s.d.Storage.Upload(ctx, in)
	if err != nil {
		s.metrics.uploads.WithLabelValues("failed").Inc()
		return s.failedResult(ctx, res, err)
	}
	if up.Restored {
		s.metrics.uploads.WithLabelValues("duplicate").Inc()
		res.Status, res.Restored = http.StatusOK, true
		if d, err := catalog.Get(ctx, s.d.DB, up.Document.ID, permOwner); err == nil {
			res.Document = &d
		}
		return res
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
	if e.Status >= 500 && ctx.Err() != nil {
		e = errClientClosed // whatever failed, the client had gone
	}
	switch {
	case e.Status == StatusClientClosed:
		s.d.Log.Debug("upload abandoned by its client", "request_id", state(ctx).id, "error", err.Error())
	case e.Status >= 500:
		s.d.Log.Error("upload failed", "request_id", state(ctx).id, "error", err.Error())
	}
	res.Status, res.Error, res.retryAfter = e.Status, &errorDetail{e.Code, e.Message}, e.RetryAfter
	return res
}

// userStream counts one more upload streamed by owner, unless owner
// already streams MaxUserStreams; release uncounts it.
func (s *Server) userStream(owner string) (release func(), ok bool) {
	s.userStreamsMu.Lock()
	defer s.userStreamsMu.Unlock()
	if s.userStreams[owner] >= s.d.MaxUserStreams {
		return nil, false
	}
	s.userStreams[owner]++
	return func() {
		s.userStreamsMu.Lock()
		defer s.userStreamsMu.Unlock()
		if s.userStreams[owner]--; s.userStreams[owner] <= 0 {
			delete(s.userStreams, owner)
		}
	}, true
}

// uploadBody is an upload's request body as the multipart reader sees it.
// It keeps the connection's read deadline UploadIdleTimeout ahead while
// bytes arrive, cuts off a body that sends too slowly (UploadMinRate), and
// turns the ways a body can fail into the *Error that says so:
//   - the client sent nothing for UploadIdleTimeout, or too slowly: 408;
//   - the connection ended or broke within the body (a declared length not
//     reached, a chunk cut off): the client went away, 499;
//   - the body ended cleanly but the multipart reader wanted more (no
//     closing boundary): see partBody and cause, 400.
//
// After its first error it returns that error again.
type uploadBody struct {
	r       io.ReadCloser
	rc      *http.ResponseController
	st      *reqState
	idle    time.Duration
	minRate int64 // bytes per second over window; <= 0: no minimum
	window  time.Duration
	waited  time.Duration // spent in Read since the window began
	got     int64         // bytes read since the window began
	eof     bool
	err     *Error // the body's failure
	// closing is the body's closing delimiter ("--" boundary "--"); tail
	// the last bytes read, short of it, so that it is found across reads;
	// sawClosing whether it came.
	closing    []byte
	tail       []byte
	sawClosing bool
}

func (s *Server) newUploadBody(r *http.Request, rc *http.ResponseController) *uploadBody {
	b := &uploadBody{r: r.Body, rc: rc, st: state(r.Context()), idle: s.d.UploadIdleTimeout,
		minRate: s.d.UploadMinRate, window: s.d.UploadRateWindow}
	if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && params["boundary"] != "" {
		b.closing = []byte("--" + params["boundary"] + "--")
	}
	return b
}

// watch looks for the closing delimiter in what was just read.
func (b *uploadBody) watch(p []byte) {
	if b.sawClosing || len(b.closing) == 0 || len(p) == 0 {
		return
	}
	k := len(b.closing) - 1
	// Across the previous read and this one, then within this one: no
	// copy of the whole read.
	seam := append(b.tail, p[:min(len(p), k)]...)
	if bytes.Contains(seam, b.closing) || bytes.Contains(p, b.closing) {
		b.sawClosing, b.tail = true, nil
		return
	}
	if len(p) >= k {
		b.tail = append(b.tail[:0], p[len(p)-k:]...)
	} else {
		b.tail = append(b.tail[:0], seam[len(seam)-min(len(seam), k):]...)
	}
}

// closed reports whether the body's closing delimiter was read.
func (b *uploadBody) closed() bool { return b.sawClosing }

func (b *uploadBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.eof {
		return 0, io.EOF
	}
	_ = b.rc.SetReadDeadline(time.Now().Add(b.idle))
	start := time.Now()
	n, err := b.r.Read(p)
	b.waited += time.Since(start)
	b.got += int64(n)
	b.watch(p[:n])
	switch {
	case errors.Is(err, io.EOF):
		b.eof, b.st.bodyRead = true, true
		// net/http now watches the connection for the client leaving;
		// storing what was read may take longer than the idle timeout.
		_ = b.rc.SetReadDeadline(time.Time{})
		return n, io.EOF
	case err != nil:
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			b.err = errorf(http.StatusRequestTimeout, "timeout", "the upload sent nothing for %s and was cut off; nothing of it was stored", b.idle)
		} else {
			b.err = errClientClosed
		}
		return n, b.err
	}
	if b.minRate > 0 && b.waited >= b.window {
		if want := int64(float64(b.minRate) * b.waited.Seconds()); b.got < want {
			b.err = errorf(http.StatusRequestTimeout, "timeout", "the upload sent %d bytes in %s, under the least rate of %d bytes/s, and was cut off; nothing of it was stored",
				b.got, b.waited.Round(time.Second), b.minRate)
			return n, b.err
		}
		b.waited, b.got = 0, 0
	}
	return n, nil
}

func (b *uploadBody) Close() error { return b.r.Close() }

// cause is the error to answer for err, an error of the multipart reader
// reading b: b's own failure if it had one; a truncated body's 400 when
// the body ended cleanly where the multipart reader wanted more; otherwise
// def.
func (b *uploadBody) cause(err error, def error) error {
	if b.err != nil {
		return b.err
	}
	if b.eof && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)) {
		b.err = errTruncated
		return b.err
	}
	return def
}

// errTruncated answers a multipart body that ended before its closing boundary.
var errTruncated = &Error{Status: http.StatusBadRequest, Code: "truncated",
	Message: "the upload ended before the multipart body's closing boundary; nothing of it was stored"}

// partBody is a file part of an upload. The multipart reader reports a
// body that ended before the part's boundary as io.ErrUnexpectedEOF, which
// io.ReadFull (and storage) take for a short file's normal end: partBody
// returns the body's own error or errTruncated instead.
type partBody struct {
	part *multipart.Part
	body *uploadBody
}

func (p *partBody) Read(b []byte) (int, error) {
	n, err := p.part.Read(b)
	if err != nil && !errors.Is(err, io.EOF) {
		err = p.body.cause(err, err)
	}
	return n, err
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

// downloadIdleTimeout is how long a download may make no progress before
// it is cut off; any progress extends it.
const downloadIdleTimeout = time.Minute

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
	_ = c.rc.SetWriteDeadline(time.Now().Add(downloadIdleTimeout))
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
