package worker

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/classify"
	"github.com/docuvault/docuvault/pkg/extract"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/thumbnail"
)

// derivedState is what the pipeline keeps to store derived objects.
type derivedState struct {
	once    sync.Once
	storage *storage.Service
}

// storageService is p.Storage, or one on p.DB and p.Objects.
func (p *Pipeline) storageService() *storage.Service {
	p.derived.once.Do(func() {
		p.derived.storage = p.Storage
		if p.derived.storage == nil {
			p.derived.storage = storage.New(p.DB, p.Objects, nil, storage.Limits{})
		}
	})
	return p.derived.storage
}

// storeDerived stores the searchable copy the extractor made of a document
// (out.SearchablePDF, removed here in every case). It returns out.Note,
// with a note appended when the copy could not be stored (over quota):
// never an error, since the document itself is fine. Thumbnails are made
// later, by their own job (see Thumbnail).
func (p *Pipeline) storeDerived(ctx context.Context, d docRow, out extract.Output) string {
	if out.SearchablePDF == "" {
		return out.Note
	}
	defer os.Remove(out.SearchablePDF)
	notes := []string{}
	if out.Note != "" {
		notes = append(notes, out.Note)
	}
	_, err := p.storageService().StoreDerived(ctx, storage.DerivedInput{OwnerID: d.UserID, DocumentID: d.ID,
		Kind: storage.KindSearchablePDF, ContentType: "application/pdf", Ext: ".pdf", Path: out.SearchablePDF})
	if err != nil {
		notes = append(notes, "searchable copy not stored: "+derivedReason(err))
	}
	return strings.Join(notes, "; ")
}

// wantsThumbnail reports whether a document of contentType gets a
// thumbnail job once it is read.
func (p *Pipeline) wantsThumbnail(contentType string) bool {
	return !p.NoThumbnails && thumbnail.Supports(contentType)
}

// queueFinish asks for the rest of document d, just read: its thumbnail
// and its words for similar documents (Pipeline.QueueFinish, Finish). A
// failure to queue is logged by the hook and otherwise ignored: the
// document is read; the sweeper queues the thumbnails that are missing and
// `docuvault doc backfill` the words.
func (p *Pipeline) queueFinish(ctx context.Context, d docRow) {
	if p.QueueFinish != nil {
		p.QueueFinish(ctx, d.ID)
	}
}

// Finish is the finish_document job: document id's words for similar
// documents (storeTerms), then its thumbnail (Thumbnail, whose outcome it
// returns). An error means retrying may help.
func (p *Pipeline) Finish(ctx context.Context, id string) (ThumbnailOutcome, error) {
	if err := p.storeTerms(ctx, id); err != nil {
		return "", err
	}
	return p.Thumbnail(ctx, id)
}

// storeTerms weighs the words of classified document id that say what it
// is about, as its owner's builtin model weighs them, and stores them for
// similar documents (document_terms), unless it has them already.
func (p *Pipeline) storeTerms(ctx context.Context, id string) error {
	var d struct {
		UserID   string `db:"user_id"`
		Filename string `db:"filename"`
		Text     string `db:"text"`
		Topics   []byte `db:"topics"`
	}
	err := p.DB.GetContext(ctx, &d, `SELECT d.user_id::text AS user_id, d.filename, d.extracted_text AS text,
			`+topicsOfSQL+`d.user_id) AS topics
		FROM documents d WHERE d.id = $1 AND d.status = 'classified' AND d.user_id IS NOT NULL AND d.extracted_text IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM document_terms t WHERE t.document_id = d.id)`, id)
	if errors.Is(err, sql.ErrNoRows) || isInvalidUUID(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load the document's text: %w", err)
	}
	topics, err := decodeTopics(d.Topics)
	if err != nil {
		return err
	}
	c, err := p.Classifiers.For(ctx, d.UserID, topics)
	if err != nil {
		return fmt.Errorf("the owner's model: %w", err)
	}
	terms, weights := termArrays(classify.TermsOf(c, similarText(d.Filename, d.Text), classify.SimilarTerms))
	_, err = p.DB.ExecContext(ctx, `INSERT INTO document_terms (document_id, user_id, term, weight)
		SELECT d.id, d.user_id, x.term, x.weight FROM documents d, unnest($2::text[], $3::real[]) AS x(term, weight)
		WHERE d.id = $1 AND d.status = 'classified' AND d.user_id IS NOT NULL
		ON CONFLICT (document_id, term) DO UPDATE SET weight = EXCLUDED.weight`, id, pq.Array(terms), pq.Array(weights))
	if err != nil {
		return fmt.Errorf("store the words for similar documents: %w", err)
	}
	return nil
}

// ThumbnailOutcome is what Thumbnail did.
type ThumbnailOutcome string

// Outcomes of Thumbnail.
const (
	ThumbnailStored  ThumbnailOutcome = "stored"  // made and stored
	ThumbnailNoted   ThumbnailOutcome = "noted"   // could not be made or stored (over quota, a tool failed): the document's note says why
	ThumbnailSkipped ThumbnailOutcome = "skipped" // nothing to do: gone, not read yet, has one, or of a type without thumbnails
)

// thumbRow is what Thumbnail reads of a document.
type thumbRow struct {
	ID          string `db:"id"`
	UserID      string `db:"user_id"`
	ObjectKey   string `db:"object_key"`
	ContentType string `db:"content_type"`
}

// Thumbnail makes and stores the thumbnail of document id: the
// make_thumbnail job. It does nothing for a document that is gone, not
// read yet (its own extraction queues the job again), already has a
// thumbnail, or is of a type without one. A thumbnail that cannot be
// made (a tool fails on the file) or stored (over quota) is a note on the
// document, not an error; an error means retrying may help (the object
// store or the database was unreachable).
func (p *Pipeline) Thumbnail(ctx context.Context, id string) (ThumbnailOutcome, error) {
	var d thumbRow
	err := p.DB.GetContext(ctx, &d, `SELECT d.id, COALESCE(d.user_id::text, '') AS user_id, d.object_key, d.content_type
		FROM documents d WHERE d.id = $1 AND d.status IN ('classified', 'no_text')
		AND NOT EXISTS (SELECT 1 FROM document_objects o WHERE o.document_id = d.id AND o.kind = $2)`, id, storage.KindThumbnail)
	if errors.Is(err, sql.ErrNoRows) || isInvalidUUID(err) {
		return ThumbnailSkipped, nil
	}
	if err != nil {
		return "", fmt.Errorf("load the document: %w", err)
	}
	if !p.wantsThumbnail(d.ContentType) {
		return ThumbnailSkipped, nil
	}
	rc, err := p.Objects.Get(ctx, d.ObjectKey)
	if errors.Is(err, objectstore.ErrNotFound) {
		return ThumbnailNoted, p.noteThumbnail(ctx, id, errors.New("the document's bytes are missing from the object store (run `docuvault fsck`)"))
	}
	if err != nil {
		return "", fmt.Errorf("read the object: %w", err)
	}
	defer rc.Close()
	f, err := os.CreateTemp(p.SpoolDir, "docuvault-spool-*")
	if err != nil {
		return "", fmt.Errorf("spool: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := io.Copy(f, rc); err != nil {
		return "", fmt.Errorf("spool the object: %w", err)
	}
	if err := p.takeSlot(ctx); err != nil {
		return "", err
	}
	m := p.Thumbnails
	if m == nil {
		m = &thumbnail.Maker{TempDir: p.SpoolDir}
	}
	im, err := m.Make(ctx, f.Name(), d.ContentType)
	p.releaseSlot()
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	if err != nil {
		// The file's fault (or pdftoppm missing): no retry makes it.
		return ThumbnailNoted, p.noteThumbnail(ctx, id, err)
	}
	err = p.storeThumbnail(ctx, d, im)
	var qe *storage.QuotaError
	if errors.As(err, &qe) {
		return ThumbnailNoted, p.noteThumbnail(ctx, id, err)
	}
	if err != nil {
		return "", err
	}
	return ThumbnailStored, nil
}

// noteThumbnail adds why a document's thumbnail was not stored to its
// extraction note (once).
func (p *Pipeline) noteThumbnail(ctx context.Context, id string, cause error) error {
	note := "thumbnail not stored: " + derivedReason(cause)
	_, err := p.DB.ExecContext(ctx, `UPDATE documents SET extraction_note =
		CASE WHEN COALESCE(extraction_note, '') = '' THEN $2 ELSE extraction_note || '; ' || $2 END
		WHERE id = $1 AND status IN ('classified', 'no_text') AND position($2 IN COALESCE(extraction_note, '')) = 0`, id, note)
	if err != nil {
		return fmt.Errorf("note the thumbnail's failure: %w", err)
	}
	return nil
}

// storeThumbnail stores thumbnail im of document d.
func (p *Pipeline) storeThumbnail(ctx context.Context, d thumbRow, im thumbnail.Image) error {
	f, err := os.CreateTemp(p.SpoolDir, "docuvault-thumb-*"+im.Ext)
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(im.Data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write the thumbnail: %w", err)
	}
	_, err = p.storageService().StoreDerived(ctx, storage.DerivedInput{OwnerID: d.UserID, DocumentID: d.ID,
		Kind: storage.KindThumbnail, ContentType: im.ContentType, Ext: im.Ext, Path: f.Name()})
	return err
}

// derivedReason is the short reason of a derived object's failure, for
// the extraction note.
func derivedReason(err error) string {
	var qe *storage.QuotaError
	if errors.As(err, &qe) {
		return qe.Error()
	}
	return Reason(err)
}
