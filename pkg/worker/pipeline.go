// Package worker reads stored documents in the background: it runs the
// extract_and_classify job on gocraft/work — load the row, stream the
// object, extract its text, classify it against the owner's topics, save
// both — with retries, a sweeper that queues what was missed, graceful
// shutdown and a drain mode for cron.
package worker

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/classify"
	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/extract"
	"github.com/docuvault/docuvault/pkg/objectstore"
)

// Document statuses the worker reads and writes (see pkg/storage).
const (
	statusPending    = "pending"
	statusProcessing = "processing"
	statusClassified = "classified"
	statusFailed     = "failed"
)

// ErrPermanent marks a failure that retrying cannot fix (the document is
// encrypted, damaged, of a type nothing reads): the document fails at once.
var ErrPermanent = errors.New("permanent failure")

// Extractor reads a spooled document's text (*extract.Extractor is one).
type Extractor interface {
	Supports(contentType string) bool
	Extract(ctx context.Context, in extract.Input) (extract.Output, error)
}

var _ Extractor = (*extract.Extractor)(nil)

// Pipeline processes one document at a time; it is safe for concurrent use.
type Pipeline struct {
	DB         *sqlx.DB
	Objects    objectstore.Store
	Extractor  Extractor
	Classifier classify.Classifier
	// SpoolDir holds each document's bytes while it is extracted; "" is os.TempDir().
	SpoolDir string

	// extractSlots, when set (by NewRunner), bounds how many extractions
	// run at once.
	extractSlots chan struct{}
}

// Outcome is what Process did with a document.
type Outcome string

// Outcomes of Process.
const (
	Classified Outcome = "classified" // text and topics saved
	Skipped    Outcome = "skipped"    // nothing to do: gone, already classified, or never to be queued
)

type docRow struct {
	ID          string `db:"id"`
	UserID      string `db:"user_id"`
	Filename    string `db:"filename"`
	ObjectKey   string `db:"object_key"`
	ContentType string `db:"content_type"`
	SizeBytes   int64  `db:"size_bytes"`
	Status      string `db:"status"`
}

// Process extracts and classifies document id. Running it again for a
// document already classified does nothing. An error wrapping ErrPermanent
// means retrying cannot help.
func (p *Pipeline) Process(ctx context.Context, id string) (Outcome, error) {
	// Claim the document: pending (or failed, for a retried dead job) →
	// processing. A document already classified, skipped, uploading or
	// gone is left alone.
	var d docRow
	err := p.DB.GetContext(ctx, &d, `UPDATE documents SET status = $2, failure_reason = NULL, updated_at = now()
		WHERE id = $1 AND status IN ('pending', 'processing', 'failed')
		RETURNING id, COALESCE(user_id::text, '') AS user_id, filename, object_key, content_type, size_bytes, status`, id, statusProcessing)
	if errors.Is(err, sql.ErrNoRows) || isInvalidUUID(err) {
		return Skipped, nil
	}
	if err != nil {
		return "", fmt.Errorf("claim document: %w", err)
	}
	stopBeat := p.heartbeat(ctx, d.ID)
	defer stopBeat()

	text, out, err := p.extract(ctx, d)
	if err != nil {
		return "", err
	}
	topics, err := p.topics(ctx, d.UserID)
	if err != nil {
		return "", err
	}
	matches, err := p.Classifier.Classify(ctx, classify.Document{Filename: d.Filename, Text: text}, topics)
	if err != nil {
		return "", fmt.Errorf("classify: %w", err)
	}
	if err := p.save(ctx, d, text, out, matches); err != nil {
		return "", err
	}
	return Classified, nil
}

// HeartbeatEvery is how often a document being processed is marked alive;
// the sweeper takes one unmarked for much longer (Options.StaleAfter) to be
// the job of a worker that died.
const HeartbeatEvery = 20 * time.Second

// heartbeat keeps the document's updated_at fresh while it is processed,
// until the returned function is called.
func (p *Pipeline) heartbeat(ctx context.Context, id string) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(HeartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_, _ = p.DB.ExecContext(ctx, `UPDATE documents SET updated_at = now() WHERE id = $1 AND status = 'processing'`, id)
			}
		}
	}()
	return func() { cancel(); <-done }
}

// extract spools the object to a file and reads its text.
func (p *Pipeline) extract(ctx context.Context, d docRow) (string, extract.Output, error) {
	if !p.Extractor.Supports(d.ContentType) {
		return "", extract.Output{}, fmt.Errorf("%w: %w: %s", ErrPermanent, extract.ErrUnsupported, d.ContentType)
	}
	rc, err := p.Objects.Get(ctx, d.ObjectKey)
	if errors.Is(err, objectstore.ErrNotFound) {
		return "", extract.Output{}, fmt.Errorf("%w: the document's bytes are missing from the object store (run `docuvault fsck`)", ErrPermanent)
	}
	if err != nil {
		return "", extract.Output{}, fmt.Errorf("read the object: %w", err)
	}
	defer rc.Close()
	f, err := os.CreateTemp(p.SpoolDir, "docuvault-spool-*")
	if err != nil {
		return "", extract.Output{}, fmt.Errorf("spool: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	n, err := io.Copy(f, rc)
	if err != nil {
		return "", extract.Output{}, fmt.Errorf("spool the object: %w", err)
	}
	if p.extractSlots != nil {
		select {
		case p.extractSlots <- struct{}{}:
			defer func() { <-p.extractSlots }()
		case <-ctx.Done():
			return "", extract.Output{}, ctx.Err()
		}
	}
	out, err := p.Extractor.Extract(ctx, extract.Input{Path: f.Name(), Size: n, ContentType: d.ContentType, Filename: d.Filename})
	if err != nil {
		if documentAtFault(err) {
			return "", extract.Output{}, fmt.Errorf("%w: %w", ErrPermanent, err)
		}
		return "", extract.Output{}, err
	}
	return out.Text, out, nil
}

// documentAtFault reports whether an extraction error is the document's
// own (encrypted, damaged, a bomb, a type nothing reads), which no retry
// can fix, rather than the machine's (a timeout, a tool that would not start).
func documentAtFault(err error) bool {
	for _, e := range []error{extract.ErrEncrypted, extract.ErrCorrupt, extract.ErrTooBig, extract.ErrUnsupported} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func (p *Pipeline) topics(ctx context.Context, owner string) ([]classify.Topic, error) {
	var rows []struct {
		ID, Name, Description, Match, Algorithm string
		Insensitive                             bool
	}
	err := p.DB.SelectContext(ctx, &rows, `SELECT id, name, description, match, matching_algorithm AS algorithm,
		is_insensitive AS insensitive FROM topics WHERE user_id = $1 ORDER BY name`, owner)
	if err != nil {
		return nil, fmt.Errorf("load topics: %w", err)
	}
	ts := make([]classify.Topic, len(rows))
	for i, r := range rows {
		ts[i] = classify.Topic{ID: r.ID, Name: r.Name, Description: r.Description,
			Rule: classify.Rule{Match: r.Match, Algorithm: r.Algorithm, CaseInsensitive: r.Insensitive}}
	}
	return ts, nil
}

// save stores the text and the classifier's topics (replacing its earlier
// ones, keeping a person's), and marks the document classified. A topic
// deleted meanwhile is simply not assigned.
func (p *Pipeline) save(ctx context.Context, d docRow, text string, out extract.Output, matches []classify.Match) error {
	return database.InTx(ctx, p.DB, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE documents SET extracted_text = $2, extractor = $3, extraction_note = NULLIF($4, ''),
			status = $5, failure_reason = NULL, updated_at = now() WHERE id = $1 AND status = $6`,
			d.ID, text, out.Method, out.Note, statusClassified, statusProcessing)
		if err != nil {
			return fmt.Errorf("save text: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // deleted (or taken) meanwhile: nothing to save
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM document_topics WHERE document_id = $1 AND source = 'auto'`, d.ID); err != nil {
			return fmt.Errorf("clear earlier topics: %w", err)
		}
		if len(matches) == 0 {
			return nil
		}
		ids := make([]string, len(matches))
		scores := make([]float64, len(matches))
		for i, m := range matches {
			ids[i], scores[i] = m.TopicID, m.Score
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO document_topics (document_id, topic_id, source, score)
			SELECT $1, t.id, 'auto', m.score FROM unnest($2::uuid[], $3::real[]) AS m(topic_id, score)
			JOIN topics t ON t.id = m.topic_id AND t.user_id = $4
			ON CONFLICT (document_id, topic_id) DO NOTHING`, d.ID, pq.Array(ids), pq.Array(scores), d.UserID)
		if err != nil {
			return fmt.Errorf("save topics: %w", err)
		}
		return nil
	})
}

// Fail records a failure. final says whether the document is given up on
// (status failed) or will be retried (status pending, reason kept).
func (p *Pipeline) Fail(ctx context.Context, id string, cause error, final bool) error {
	status := statusPending
	if final {
		status = statusFailed
	}
	_, err := p.DB.ExecContext(ctx, `UPDATE documents SET status = $2, failure_reason = $3, updated_at = now()
		WHERE id = $1 AND status IN ('pending', 'processing')`, id, status, Reason(cause))
	return err
}

// Reason is the short, one-line failure reason stored for cause.
func Reason(cause error) string {
	msg := strings.TrimPrefix(cause.Error(), ErrPermanent.Error()+": ")
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > 500 {
		msg = strings.ToValidUTF8(msg[:500], "")
	}
	return msg
}

func isInvalidUUID(err error) bool {
	return err != nil && strings.Contains(err.Error(), "invalid input syntax for type uuid")
}
