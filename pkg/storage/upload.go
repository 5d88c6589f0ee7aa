package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/database"
)

// UploadInput is one document to store.
type UploadInput struct {
	OwnerID  string
	Filename string    // as the user gave it; sanitised for storage
	Body     io.Reader // the content
	// Size is the exact length of Body, or -1 when unknown. A known size is
	// checked against the limits before any byte is sent.
	Size int64
	// TopicIDs are assigned (source: the uploader) when the document is stored.
	TopicIDs []string
	// AllowDuplicates stores the content even when the owner already has it.
	AllowDuplicates bool
	// NoClassify stores the document as 'skipped': never queued.
	NoClassify bool
	// Progress, if set, is told of bytes as they are sent.
	Progress func(n int64)
	// Audit, if set, is the 'upload' event to record of a stored document:
	// its actor (ActorID, or ActorLabel for the CLI) and client address
	// (storage fills in the rest). A small
	// upload's is written by the statement that stores it.
	Audit *audit.Event
}

// UploadResult says what Upload did.
type UploadResult struct {
	// Document is the stored document or, for a duplicate, the existing one.
	Document Document
	// DuplicateOf is the id of the owner's document with the same content
	// when nothing was stored; "" otherwise.
	DuplicateOf string
	// Restored says the content was that of a document in the owner's
	// trash: nothing was stored, and that document (Document) is back out
	// of the trash. DuplicateOf is then "".
	Restored bool
	// EnqueueErr is set when the document is stored but could not be queued
	// (Redis down): it stays 'pending' and the worker's sweeper queues it.
	EnqueueErr error
	// AuditErr is set when the document is stored but its audit event could
	// not be recorded.
	AuditErr error
}

// SmallUpload is the largest upload of known size, read from an
// io.ReaderAt (a file, or serve's buffer), that is stored object first:
// its bytes go to the object store in one request checked against their
// SHA-256, then its duplicate check, quota, row and audit event are one
// statement (docuvault_store_uploads, shared by the small uploads arriving
// together), and a refusal deletes the object. Larger uploads, uploads of
// unknown size and other readers reserve their row and quota before their
// bytes are written, and are committed after. Either way no object
// outlives a failed upload but for a crash between the two steps, which
// leaves an object without a row that fsck removes once it is older than
// its grace period.
const SmallUpload = 256 << 10

// Upload stores one document: sniff its type, check the allow-list and the
// size limit, reserve quota, stream the bytes to the object store, commit the
// row, queue it (a small upload: store the bytes, then row and quota at
// once; see SmallUpload). On any error nothing of it remains: no row, no
// object, no quota — also when ctx is cancelled mid-stream.
func (s *Service) Upload(ctx context.Context, in UploadInput) (UploadResult, error) {
	filename := SanitizeFilename(in.Filename)
	if in.Size == 0 {
		return UploadResult{}, ErrEmpty
	}
	if in.Size > s.maxSize {
		return UploadResult{}, fmt.Errorf("%w: %s is over the %s limit (DOCUVAULT_MAX_UPLOAD_SIZE)", ErrTooLarge, human(in.Size), human(s.maxSize))
	}
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(in.Body, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return UploadResult{}, fmt.Errorf("read %s: %w", filename, err)
	}
	head = head[:n]
	if n == 0 {
		return UploadResult{}, ErrEmpty
	}
	if in.Size > 0 && int64(n) > in.Size {
		return UploadResult{}, ErrSizeMismatch
	}
	contentType, ext := Sniff(head, filename)
	if !s.allowed[contentType] {
		return UploadResult{}, &TypeNotAllowedError{ContentType: contentType}
	}

	docID := uuid.NewString()
	key := fmt.Sprintf("%s/%s/%s%s", in.OwnerID, docID, uuid.NewString(), ext)
	if ra, ok := in.Body.(io.ReaderAt); ok && in.Size > 0 && in.Size <= SmallUpload && len(in.TopicIDs) == 0 {
		return s.uploadSmall(ctx, in, ra, docID, filename, key, contentType)
	}
	reserve := max(in.Size, 0)

	// 1. Reserve: the row and its bytes in quota, in one statement, so that
	// concurrent uploads of one owner do not queue on the quota row's lock.
	room, err := s.reserve(ctx, in.OwnerID, docID, filename, key, contentType, reserve)
	if err != nil {
		return UploadResult{}, err
	}

	// 2. Stream: the bytes go straight to the object store, hashed and counted.
	stored, sum, err := s.send(ctx, in, head, key, contentType, room)
	if err != nil {
		return UploadResult{}, s.discard(ctx, in.OwnerID, docID, key, false, err)
	}

	// 3. Commit: the row becomes a document (or, for a duplicate, goes away).
	var res UploadResult
	status := StatusPending
	if in.NoClassify {
		status = StatusSkipped
	}
	if stored == reserve && len(in.TopicIDs) == 0 {
		// The common case, in one statement: no quota to grow, no topics.
		res, err = s.commitSimple(ctx, in, docID, stored, sum, status)
	} else {
		res, err = s.commit(ctx, in, docID, stored, reserve, sum, status)
	}
	if err != nil {
		return UploadResult{}, s.discard(ctx, in.OwnerID, docID, key, true, err)
	}
	if res.DuplicateOf != "" {
		if err := s.discard(ctx, in.OwnerID, docID, key, true, nil); err != nil {
			return UploadResult{}, err
		}
		return s.restoreDuplicate(ctx, in, res)
	}

	// 4. Record and queue: after the commit, so the worker always finds the row.
	if in.Audit != nil {
		actx, cancel := cleanupContext(ctx)
		res.AuditErr = audit.Record(actx, s.db, uploadEvent(*in.Audit, res.Document.UserID, docID, filename, contentType, stored))
		cancel()
	}
	if s.jobs != nil && !in.NoClassify {
		res.EnqueueErr = s.jobs.EnqueueExtract(ctx, docID)
	}
	return res, nil
}

// uploadSmall stores an upload of at most SmallUpload bytes, of known size
// and without topics: object first, then one statement for the duplicate
// check, the quota, the row and its audit event, shared with the small
// uploads running at the same time (see batcher). A refusal, or a statement
// that failed without committing, deletes the object.
func (s *Service) uploadSmall(ctx context.Context, in UploadInput, ra io.ReaderAt, docID, filename, key, contentType string) (UploadResult, error) {
	owner, err := uuid.Parse(in.OwnerID)
	if err != nil {
		return UploadResult{}, s.quotaRefusal(ctx, in.OwnerID, in.Size)
	}
	body, sum, err := smallBody(in, ra)
	if err != nil {
		return UploadResult{}, err
	}
	s.small.expect(1)
	if _, err := s.objects.PutChecked(ctx, key, body, in.Size, sum, contentType); err != nil {
		s.small.expect(-1)
		// A failed PUT stores nothing; the delete, whose own failure does not
		// matter then, is for a PUT the store finished after ctx gave up.
		_ = s.dropObject(ctx, key)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return UploadResult{}, ctxErr
		}
		return UploadResult{}, err
	}
	stored := in.Size
	status := StatusPending
	if in.NoClassify {
		status = StatusSkipped
	}
	row := &smallRow{docID: docID, owner: owner.String(), filename: filename, key: key, contentType: contentType,
		status: status, size: stored, sum: sum, allowDuplicates: in.AllowDuplicates}
	if in.Audit != nil {
		a, err := audit.Columns(uploadEvent(*in.Audit, row.owner, docID, filename, contentType, stored))
		if err != nil {
			s.small.expect(-1)
			return UploadResult{}, errors.Join(fmt.Errorf("audit event: %w", err), s.dropObject(ctx, key))
		}
		row.audit = &a
	}
	s.small.store(ctx, row)
	switch {
	case row.err != nil:
		cause := fmt.Errorf("store the document: %w", row.err)
		if !notCommitted(row.err) {
			stored, err := s.committedAfterAll(ctx, docID)
			switch {
			case err != nil:
				return UploadResult{}, errors.Join(cause, err)
			case stored:
				return UploadResult{}, cause // a retry finds it as a duplicate
			}
		}
		return UploadResult{}, errors.Join(cause, s.dropObject(ctx, key))
	case row.outcome == outcomeNoRoom:
		return UploadResult{}, errors.Join(s.quotaRefusal(ctx, row.owner, stored), s.dropObject(ctx, key))
	case row.outcome == outcomeDuplicate:
		// The owner has this content already: nothing was inserted.
		if err := s.dropObject(ctx, key); err != nil {
			return UploadResult{}, err
		}
		var dup Document
		if err := s.db.GetContext(ctx, &dup, `SELECT `+documentColumns+` FROM documents WHERE id = $1`, row.dupID); err != nil {
			return UploadResult{}, fmt.Errorf("read the duplicate %s: %w", row.dupID, err)
		}
		return s.restoreDuplicate(ctx, in, UploadResult{Document: dup, DuplicateOf: dup.ID})
	}
	res := UploadResult{Document: Document{ID: docID, UserID: row.owner, Filename: filename, ObjectKey: key,
		ContentType: contentType, SizeBytes: stored, SHA256: sum, Status: status, CreatedAt: row.created, UpdatedAt: row.updated}}
	if s.jobs != nil && !in.NoClassify {
		res.EnqueueErr = s.jobs.EnqueueExtract(ctx, docID)
	}
	return res, nil
}

// restoreDuplicate takes the document res found as a duplicate out of the
// trash, when it is there (and no purge has begun on it): uploading the
// same content again means the owner wants it back. The 'document_restore'
// event names the upload's actor.
func (s *Service) restoreDuplicate(ctx context.Context, in UploadInput, res UploadResult) (UploadResult, error) {
	if res.Document.TrashedAt == nil {
		return res, nil
	}
	var d Document
	err := s.db.GetContext(ctx, &d, `UPDATE documents SET trashed_at = NULL, updated_at = now()
		WHERE id = $1 AND user_id = $2 AND trashed_at IS NOT NULL AND NOT purging RETURNING `+documentColumns,
		res.Document.ID, res.Document.UserID)
	if errors.Is(err, sql.ErrNoRows) {
		return res, nil // restored meanwhile, or being purged: a duplicate as it stands
	}
	if err != nil {
		return UploadResult{}, fmt.Errorf("restore %s from the trash: %w", res.Document.ID, err)
	}
	out := UploadResult{Document: d, Restored: true}
	if in.Audit != nil {
		e := *in.Audit
		if e.ActorID == "" && e.ActorLabel == "" {
			e.ActorID = d.UserID
		}
		e.UserID, e.Type, e.ResourceID = d.UserID, audit.Restore, d.ID
		e.Metadata = map[string]any{"filename": d.Filename, "reason": "uploaded again"}
		actx, cancel := cleanupContext(ctx)
		out.AuditErr = audit.Record(actx, s.db, e)
		cancel()
	}
	return out, nil
}

// smallBody returns the content of a small upload, to be read once more by
// the object store, and its SHA-256, hashed in place. Content shorter than
// Size is ErrSizeMismatch.
func smallBody(in UploadInput, ra io.ReaderAt) (io.Reader, []byte, error) {
	h := sha256.New()
	n, err := io.Copy(h, io.NewSectionReader(ra, 0, in.Size))
	if err != nil {
		return nil, nil, fmt.Errorf("read the content to hash it: %w", err)
	}
	if n != in.Size {
		return nil, nil, ErrSizeMismatch
	}
	return &progressReaderAt{SectionReader: io.NewSectionReader(ra, 0, in.Size), fn: in.Progress}, h.Sum(nil), nil
}

// uploadEvent is the audit event of a stored upload: the actor and address
// of e, the rest from the document.
func uploadEvent(e audit.Event, owner, docID, filename, contentType string, size int64) audit.Event {
	if e.ActorID == "" && e.ActorLabel == "" {
		e.ActorID = owner
	}
	e.UserID, e.Type, e.ResourceID = owner, audit.Upload, docID
	e.Metadata = map[string]any{"filename": filename, "size_bytes": size, "content_type": contentType}
	return e
}

// dropObject deletes the object of an upload that has (or will have) no
// row, even when ctx is cancelled. An object it cannot delete is left to
// fsck, which removes objects without rows; the error says so.
func (s *Service) dropObject(ctx context.Context, key string) error {
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	if err := s.objects.Delete(cctx, key); err != nil {
		return fmt.Errorf("clean up (fsck --repair will finish it): %w", err)
	}
	return nil
}

// commitSimple makes the reserved row a document when its size was known
// and no topics were given: the duplicate check and the update are one
// statement. A duplicate leaves the row as it is (the caller discards it).
func (s *Service) commitSimple(ctx context.Context, in UploadInput, docID string, stored int64, sum []byte, status string) (UploadResult, error) {
	var res UploadResult
	err := s.db.GetContext(ctx, &res.Document, `UPDATE documents SET size_bytes = $1, sha256 = $2, status = $3, updated_at = now()
		WHERE id = $4 AND ($6 OR NOT EXISTS (SELECT 1 FROM documents
			WHERE user_id = $5 AND sha256 = $2 AND status <> $7 AND id <> $4))
		RETURNING `+documentColumns, stored, sum, status, docID, in.OwnerID, in.AllowDuplicates, StatusUploading)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return res, err
	}
	var dup Document
	err = s.db.GetContext(ctx, &dup, `SELECT `+documentColumns+` FROM documents
		WHERE user_id = $1 AND sha256 = $2 AND status <> $3 AND id <> $4 ORDER BY created_at LIMIT 1`,
		in.OwnerID, sum, StatusUploading, docID)
	if errors.Is(err, sql.ErrNoRows) {
		return res, errors.New("the upload's row was removed while its bytes were sent (fsck?)")
	}
	return UploadResult{Document: dup, DuplicateOf: dup.ID}, err
}

// commit makes the reserved row a document in a transaction: duplicate
// check, the quota grown to the size actually stored, the topics given.
func (s *Service) commit(ctx context.Context, in UploadInput, docID string, stored, reserve int64, sum []byte, status string) (UploadResult, error) {
	var res UploadResult
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if !in.AllowDuplicates {
			var dup Document
			err := tx.GetContext(ctx, &dup, `SELECT `+documentColumns+` FROM documents
				WHERE user_id = $1 AND sha256 = $2 AND status <> $3 AND id <> $4 ORDER BY created_at LIMIT 1`,
				in.OwnerID, sum, StatusUploading, docID)
			if err == nil {
				res = UploadResult{Document: dup, DuplicateOf: dup.ID}
				return nil // the reservation is undone by the caller, with the object
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if grow := stored - reserve; grow != 0 {
			// The quota row before the document's, as everywhere here.
			if err := growQuota(ctx, tx, in.OwnerID, grow); err != nil {
				return err
			}
		}
		err := tx.GetContext(ctx, &res.Document, `UPDATE documents SET size_bytes = $1, sha256 = $2, status = $3, updated_at = now()
			WHERE id = $4 RETURNING `+documentColumns, stored, sum, status, docID)
		if err != nil {
			return err
		}
		if len(in.TopicIDs) > 0 {
			// Topics must be the owner's: the join refuses anyone else's.
			r, err := tx.ExecContext(ctx, `INSERT INTO document_topics (document_id, topic_id)
				SELECT $1, t.id FROM topics t WHERE t.id = ANY($2) AND t.user_id = $3 ON CONFLICT DO NOTHING`,
				docID, pq.Array(in.TopicIDs), in.OwnerID)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n != int64(len(dedupe(in.TopicIDs))) {
				return errors.New("a topic given is not the owner's, or was just removed")
			}
		}
		return nil
	})
	return res, err
}

// notCommitted tells whether err says for certain that a statement did not
// commit: PostgreSQL answered it with an error, or no connection to it could
// be made. Any other failure (a connection lost after the statement was
// sent) leaves it unknown.
func notCommitted(err error) bool {
	var pqErr *pq.Error
	var opErr *net.OpError
	return errors.As(err, &pqErr) || (errors.As(err, &opErr) && opErr.Op == "dial")
}

// committedAfterAll tells whether the document docID is stored although
// the statement that stored it failed: PostgreSQL can commit and then be
// lost before it answers. Its row is then a document (in any status but
// uploading) and its object must stay. An error means the row cannot be
// read; then neither is touched: a row left 'uploading' with its object,
// or an object without a row, is fsck's to remove, and a document keeps
// its bytes.
func (s *Service) committedAfterAll(ctx context.Context, docID string) (bool, error) {
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	var status string
	err := s.db.GetContext(cctx, &status, `SELECT status FROM documents WHERE id = $1`, docID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("clean up: the upload's row cannot be read, so its object is kept for fsck: %w", err)
	}
	return status != StatusUploading, nil
}

// discard undoes an upload that did not become a document: the object goes
// first, then the row and its reservation together. written says whether
// the object store accepted the object. When it did and cannot delete it
// now, the row stays 'uploading' so that fsck removes both later. When it
// did not (a failed PUT leaves no object; a multipart upload's parts are
// aborted), the row goes even if the store is unreachable. It runs even
// when ctx is cancelled, and returns cause joined with its own errors.
func (s *Service) discard(ctx context.Context, owner, docID, key string, written bool, cause error) error {
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	var errs []error
	if cause != nil {
		errs = append(errs, cause)
	}
	if written && cause != nil {
		stored, err := s.committedAfterAll(ctx, docID)
		switch {
		case err != nil:
			return errors.Join(append(errs, err)...)
		case stored:
			return errors.Join(errs...) // a retry finds it as a duplicate
		}
	}
	if err := s.dropObject(ctx, key); err != nil && written {
		return errors.Join(append(errs, err)...)
	}
	err := s.inTx(cctx, func(tx *sqlx.Tx) error {
		if _, _, err := lockQuota(cctx, tx, owner); err != nil {
			return err
		}
		var size int64
		err := tx.QueryRowxContext(cctx, `DELETE FROM documents WHERE id = $1 RETURNING size_bytes`, docID).Scan(&size)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(cctx, `UPDATE quotas SET used_bytes = used_bytes - $1 WHERE user_id = $2`, size, owner)
		return err
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("clean up: %w", err))
	}
	return errors.Join(errs...)
}

// reserve inserts the 'uploading' row of a document and adds its bytes to
// the owner's quota, atomically, and returns the room left in the quota.
// The row goes in before the quota row is locked (migration 0009), so the
// owner's concurrent uploads hold that lock only briefly.
func (s *Service) reserve(ctx context.Context, owner, docID, filename, key, contentType string, size int64) (int64, error) {
	var room int64
	err := s.db.QueryRowxContext(ctx, `SELECT docuvault_reserve_upload($1, $2, $3, $4, $5, $6, $7)`,
		docID, owner, filename, key, contentType, size, StatusUploading).Scan(&room)
	if isNoRoom(err) {
		return 0, s.quotaRefusal(ctx, owner, size)
	}
	if err != nil {
		return 0, fmt.Errorf("reserve quota: %w", err)
	}
	return room, nil
}

// isNoRoom reports the refusals of docuvault_reserve_upload that
// quotaRefusal explains: no room in the quota or no quota row (DVQ01), an
// owner that does not exist (foreign key) or is not a UUID.
func isNoRoom(err error) bool {
	if code := database.ErrorCode(err); code == "DVQ01" || code == database.ForeignKeyViolation {
		return true
	}
	return isInvalidUUID(err)
}

// growQuota adds grow bytes to owner's quota, if they fit.
func growQuota(ctx context.Context, tx *sqlx.Tx, owner string, grow int64) error {
	var used, limit int64
	err := tx.QueryRowxContext(ctx, `UPDATE quotas SET used_bytes = used_bytes + $1
		WHERE user_id = $2 AND used_bytes + $1 <= limit_bytes RETURNING used_bytes, limit_bytes`, grow, owner).Scan(&used, &limit)
	if errors.Is(err, sql.ErrNoRows) {
		if err := tx.QueryRowxContext(ctx, `SELECT used_bytes, limit_bytes FROM quotas WHERE user_id = $1`, owner).Scan(&used, &limit); err != nil {
			return err
		}
		return &QuotaError{Need: grow, Used: used, Limit: limit}
	}
	return err
}

// quotaRefusal says why owner's quota refused size bytes: no such owner, or
// not enough room.
func (s *Service) quotaRefusal(ctx context.Context, owner string, size int64) error {
	var used, limit int64
	err := s.db.QueryRowxContext(ctx, `SELECT used_bytes, limit_bytes FROM quotas WHERE user_id = $1`, owner).Scan(&used, &limit)
	if errors.Is(err, sql.ErrNoRows) || isInvalidUUID(err) {
		return fmt.Errorf("%w: no user with id %s (or it has no quota row: run `docuvault fsck --repair`)", ErrUnknownOwner, owner)
	}
	if err != nil {
		return err
	}
	return &QuotaError{Need: size, Used: used, Limit: limit}
}

// send streams the content to the object store under key and returns its
// length and SHA-256. head is what Upload already read of Body to sniff it.
//
// Body that is an io.ReaderAt of known size (a file) is sent the way
// minio-go sends files — several sections at once, read in place, no part
// buffers — while a second, sequential pass hashes it. Any other Body goes
// through once, hashed and counted on the way, and is stopped at the size
// limit or the room left in quota when its size is unknown.
func (s *Service) send(ctx context.Context, in UploadInput, head []byte, key, contentType string, room int64) (int64, []byte, error) {
	if ra, ok := in.Body.(io.ReaderAt); ok && in.Size > 0 {
		hctx, cancel := context.WithCancel(ctx)
		defer cancel()
		type hashed struct {
			sum []byte
			n   int64
			err error
		}
		done := make(chan hashed, 1)
		go func() {
			h := sha256.New()
			buf := make([]byte, min(in.Size, 1<<20))
			n, err := io.CopyBuffer(h, &ctxReader{ctx: hctx, r: io.NewSectionReader(ra, 0, in.Size)}, buf)
			done <- hashed{h.Sum(nil), n, err}
		}()
		body := &progressReaderAt{SectionReader: io.NewSectionReader(ra, 0, in.Size), fn: in.Progress}
		if _, err := s.objects.Put(ctx, key, body, in.Size, contentType); err != nil {
			cancel()
			<-done
			if ctxErr := ctx.Err(); ctxErr != nil {
				return 0, nil, ctxErr
			}
			return 0, nil, err
		}
		h := <-done
		if h.err != nil {
			return 0, nil, fmt.Errorf("read the content again to hash it: %w", h.err)
		}
		if h.n != in.Size {
			return 0, nil, ErrSizeMismatch
		}
		return in.Size, h.sum, nil
	}

	body := &meteredReader{r: io.MultiReader(bytes.NewReader(head), in.Body), h: sha256.New(), progress: in.Progress}
	if in.Size > 0 {
		body.max, body.overErr = in.Size, ErrSizeMismatch
	} else {
		// Unknown length: stop at the size limit or the room left in quota.
		body.max = s.maxSize
		body.overErr = fmt.Errorf("%w: the content is over the %s limit (DOCUVAULT_MAX_UPLOAD_SIZE)", ErrTooLarge, human(s.maxSize))
		if room < body.max {
			body.max = room
			body.overErr = fmt.Errorf("%w: the content is larger than the %s left in the quota", ErrOverQuota, human(room))
		}
	}
	if _, err := s.objects.Put(ctx, key, body, in.Size, contentType); err != nil {
		if body.err != nil {
			return 0, nil, body.err // the reader's own error says more than the store's
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return 0, nil, ctxErr
		}
		return 0, nil, err
	}
	if in.Size > 0 && body.n != in.Size {
		return 0, nil, ErrSizeMismatch
	}
	return body.n, body.h.Sum(nil), nil
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// progressReaderAt is a section that reports bytes as they are read.
type progressReaderAt struct {
	*io.SectionReader
	fn func(int64)
}

func (p *progressReaderAt) Read(b []byte) (int, error) {
	n, err := p.SectionReader.Read(b)
	p.report(n)
	return n, err
}

func (p *progressReaderAt) ReadAt(b []byte, off int64) (int, error) {
	n, err := p.SectionReader.ReadAt(b, off)
	p.report(n)
	return n, err
}

func (p *progressReaderAt) report(n int) {
	if p.fn != nil && n > 0 {
		p.fn(int64(n))
	}
}

// meteredReader hashes and counts what passes through it, and fails once
// more than max bytes come.
type meteredReader struct {
	r        io.Reader
	h        hash.Hash
	n        int64
	max      int64
	overErr  error
	err      error // the error this reader itself raised
	progress func(int64)
}

func (m *meteredReader) Read(p []byte) (int, error) {
	if m.err != nil {
		return 0, m.err
	}
	if room := m.max - m.n + 1; int64(len(p)) > room {
		p = p[:room] // read one byte past max at most, to notice an excess
	}
	n, err := m.r.Read(p)
	m.n += int64(n)
	if m.n > m.max {
		m.err = m.overErr
		return 0, m.err
	}
	m.h.Write(p[:n])
	if m.progress != nil && n > 0 {
		m.progress(int64(n))
	}
	return n, err
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
