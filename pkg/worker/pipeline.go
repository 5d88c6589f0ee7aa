// Package worker reads stored documents in the background: it runs the
// extract_and_classify job on gocraft/work — load the row, stream the
// object, extract its text, classify it against the owner's topics, save
// both — with retries, a sweeper that queues what was missed, graceful
// shutdown and a drain mode for cron.
package worker

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/classify"
	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/extract"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/search"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/thumbnail"
)

// Document statuses the worker reads and writes (see pkg/storage).
const (
	statusPending    = "pending"
	statusProcessing = "processing"
	statusClassified = "classified"
	statusNoText     = "no_text"
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
	DB        *sqlx.DB
	Objects   objectstore.Store
	Extractor Extractor
	// Classifiers gives each owner's classifier (*Classifiers, or Static
	// for one classifier for all).
	Classifiers ClassifierSource
	// SpoolDir holds each document's bytes while it is extracted; "" is os.TempDir().
	SpoolDir string
	// Storage stores the objects made from a document (its thumbnail, its
	// searchable copy); nil: a storage.Service on DB and Objects.
	Storage *storage.Service
	// Thumbnails makes thumbnails; nil: a thumbnail.Maker in SpoolDir.
	Thumbnails *thumbnail.Maker
	// NoThumbnails: make none (DOCUVAULT_THUMBNAILS=false).
	NoThumbnails bool
	// QueueFinish, when set, is called once a document is read, to queue
	// its finish_document job (see Finish); the Runner sets it. A PDF's
	// thumbnail costs about as much CPU as its text, and its words for
	// similar documents a good part of its save, so they are made after the
	// batch's text and topics, not with them.
	QueueFinish func(ctx context.Context, documentID string)
	derived     derivedState

	// extractSlots, when set (by NewRunner), bounds how many extractions
	// run at once.
	extractSlots chan struct{}
	// owners, when set (by NewRunner), bounds how many of one owner's
	// documents run at once (see fair.go).
	owners *ownerGate
	// extractOwners, when set (by NewRunner), bounds how many of one
	// owner's documents are extracted at once (fair.go).
	extractOwners *ownerGate

	stmtsOnce sync.Once
	stmts     *database.Statements // prepared statements (see stmt)
}

// Outcome is what Process did with a document.
type Outcome string

// Outcomes of Process.
const (
	Classified Outcome = "classified" // text and topics saved
	NoText     Outcome = "no_text"    // read, but no text found: classified by no one
	Skipped    Outcome = "skipped"    // nothing to do: gone, already classified, or never to be queued
	// Deferred: the owner has as many documents running as one owner may
	// (see fair.go); the document is pending again, for a new job to take.
	Deferred Outcome = "deferred"
)

type docRow struct {
	ID          string `db:"id"`
	UserID      string `db:"user_id"`
	Filename    string `db:"filename"`
	ObjectKey   string `db:"object_key"`
	ContentType string `db:"content_type"`
	SizeBytes   int64  `db:"size_bytes"`
	Status      string `db:"status"`
	// Topics is the owner's topics as a JSON array, loaded by the claim
	// (one round trip instead of two).
	Topics []byte `db:"topics"`
	// OCR is the owner's choice of which PDF pages OCR reads ("": the
	// deployment's).
	OCR string `db:"ocr"`
}

// Process extracts and classifies document id. Running it again for a
// document already classified does nothing. An error wrapping ErrPermanent
// means retrying cannot help.
func (p *Pipeline) Process(ctx context.Context, id string) (Outcome, error) {
	// Claim the document: pending (or failed, for a retried dead job) →
	// processing. A document already classified, skipped, uploading or
	// gone is left alone. The same statement loads the owner's topics.
	if p.owners != nil && p.owners.stillBusy(ctx, id, ownerWait) {
		return Deferred, nil // requeued before, its owner still at the limit
	}
	var d docRow
	claim, err := p.stmt(ctx, claimSQL)
	if err != nil {
		return "", fmt.Errorf("claim document: %w", err)
	}
	err = claim.GetContext(ctx, &d, id, statusProcessing)
	if errors.Is(err, sql.ErrNoRows) || isInvalidUUID(err) {
		return Skipped, nil
	}
	if err != nil {
		return "", fmt.Errorf("claim document: %w", err)
	}
	if p.owners != nil {
		release, ok := p.owners.admit(ctx, d.UserID, ownerWait)
		if !ok {
			p.owners.remember(d.ID, d.UserID)
			// Even on the way out (ctx done): the document must not stay
			// 'processing' with no job for it.
			gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if _, err := p.DB.ExecContext(gctx, `UPDATE documents SET status = $2, updated_at = now() WHERE id = $1 AND status = $3`,
				d.ID, statusPending, statusProcessing); err != nil {
				return "", fmt.Errorf("give the document back: %w", err)
			}
			return Deferred, nil
		}
		defer release()
		p.owners.forget(d.ID)
	}
	stopBeat := p.heartbeat(ctx, d.ID)
	defer stopBeat()

	text, out, err := p.extract(ctx, d)
	if err != nil {
		return "", err
	}
	if !extract.HasText(text) {
		// Never act on no text: no provider, no LLM call, no self-training
		// (the builtin learns only from classified documents).
		verdict := classify.Result{Note: "no text found: not classified"}
		if err := p.save(ctx, d, statusNoText, text, out, verdict); err != nil {
			return "", err
		}
		p.queueFinish(ctx, d)
		return NoText, nil
	}
	topics, err := decodeTopics(d.Topics)
	if err != nil {
		return "", err
	}
	c, err := p.Classifiers.For(ctx, d.UserID, topics)
	if err != nil {
		return "", fmt.Errorf("classify: %w", err)
	}
	verdict, err := c.Classify(ctx, classify.Document{Filename: d.Filename, Text: text}, topics)
	if err != nil {
		return "", fmt.Errorf("classify: %w", err)
	}
	if err := p.save(ctx, d, statusClassified, text, out, verdict); err != nil {
		return "", err
	}
	p.queueFinish(ctx, d)
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
	get := p.Objects.Get
	if st, ok := p.Objects.(objectstore.Streamer); ok {
		get = st.Stream // one GET, no HEAD: the bytes are read once, in order
	}
	rc, err := get(ctx, d.ObjectKey)
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
	if p.extractOwners != nil {
		// At most Concurrency of one owner's documents are extracted at
		// once, of Concurrency+1 slots: another owner's always gets one.
		release, ok := p.extractOwners.admit(ctx, d.UserID, time.Hour)
		if !ok {
			if err := ctx.Err(); err != nil {
				return "", extract.Output{}, err
			}
			return "", extract.Output{}, errors.New("no extraction slot for an hour")
		}
		defer release()
	}
	if err := p.takeSlot(ctx); err != nil {
		return "", extract.Output{}, err
	}
	defer p.releaseSlot()
	out, err := p.Extractor.Extract(ctx, extract.Input{Path: f.Name(), Size: n, ContentType: d.ContentType, Filename: d.Filename, OCR: d.OCR})
	if err != nil {
		if documentAtFault(err) {
			return "", extract.Output{}, fmt.Errorf("%w: %w", ErrPermanent, err)
		}
		return "", extract.Output{}, err
	}
	// The searchable copy's failure is a note, never the document's (see
	// derived.go).
	out.Note = p.storeDerived(ctx, d, out)
	return out.Text, out, nil
}

// takeSlot waits for one of the extraction slots (when NewRunner set
// them): extraction and rendering are the CPU-bound part of a job.
func (p *Pipeline) takeSlot(ctx context.Context) error {
	if p.extractSlots == nil {
		return nil
	}
	select {
	case p.extractSlots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// releaseSlot gives back the slot takeSlot took.
func (p *Pipeline) releaseSlot() {
	if p.extractSlots != nil {
		<-p.extractSlots
	}
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

// claimSQL claims a document (see Process) and returns its row with the
// owner's topics, ordered by name, as a JSON array.
const claimSQL = `UPDATE documents SET status = $2, failure_reason = NULL, updated_at = now()
	WHERE id = $1 AND status IN ('pending', 'processing', 'failed')
	RETURNING id, COALESCE(user_id::text, '') AS user_id, filename, object_key, content_type, size_bytes, status,
		` + topicsOfSQL + `documents.user_id) AS topics,
		COALESCE((SELECT u.ocr FROM users u WHERE u.id = documents.user_id), '') AS ocr`

// topicsOfSQL, followed by an owner's id (an expression) and ")", is the
// subquery of the owner's topics, ordered by name, as the JSON array
// decodeTopics reads.
const topicsOfSQL = `(SELECT COALESCE(json_agg(json_build_object('id', t.id, 'name', t.name, 'description', t.description,
	'match', t.match, 'algorithm', t.matching_algorithm, 'insensitive', t.is_insensitive,
	'auto', t.auto_assign) ORDER BY t.name), '[]') FROM topics t WHERE t.user_id = `

// decodeTopics reads the topics the claim loaded.
func decodeTopics(raw []byte) ([]classify.Topic, error) {
	var rows []struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Description string `json:"description"`
		Match       string `json:"match"`
		Algorithm   string `json:"algorithm"`
		Insensitive bool   `json:"insensitive"`
		Auto        bool   `json:"auto"`
	}
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, fmt.Errorf("load topics: %w", err)
	}
	ts := make([]classify.Topic, len(rows))
	for i, r := range rows {
		ts[i] = classify.Topic{ID: r.ID, Name: r.Name, Description: r.Description,
			Rule: classify.Rule{Match: r.Match, Algorithm: r.Algorithm, CaseInsensitive: r.Insensitive}, ManualOnly: !r.Auto}
	}
	return ts, nil
}

// save stores the text and the topics the classifier assigned, with their
// scores (replacing its earlier ones, keeping a person's), which classifier
// decided and its note, and marks the document classified. A topic
// deleted meanwhile is simply not assigned. It is one statement (one round
// trip, atomic on its own): the earlier automatic topics not assigned again
// are removed, the assigned ones added or their score updated, a person's
// left as they are.
//
// The same statement stores the document's own date (docdate, read in the
// language search.Config detects) and removes its words for similar
// documents (document_terms) from an earlier reading: its finish_document
// job weighs them again (Finish).
func (p *Pipeline) save(ctx context.Context, d docRow, status, text string, out extract.Output, verdict classify.Result) error {
	matches := verdict.Assigned()
	ids := make([]string, len(matches))
	scores := make([]float64, len(matches))
	evidence := make([]string, len(matches)) // one JSON array per topic
	byRule := make([]bool, len(matches))
	for i, m := range matches {
		ids[i], scores[i], evidence[i], byRule[i] = m.TopicID, m.Score, evidenceJSON(m.Evidence), m.ByRule
	}
	lang := search.Config(text)
	date := documentDate(text, lang)
	st, err := p.stmt(ctx, saveSQL)
	if err != nil {
		return fmt.Errorf("save text and topics: %w", err)
	}
	var saved int
	err = st.GetContext(ctx, &saved,
		d.ID, text, out.Method, out.Note, status, statusProcessing, verdict.Provider, verdict.Note,
		pq.Array(ids), pq.Array(scores), lang, pagesJSON(out.Pages),
		pq.Array(evidence), candidatesJSON(status, verdict),
		date, pq.Array(byRule))
	if err != nil {
		return fmt.Errorf("save text and topics: %w", err)
	}
	// saved is 0 when the document was deleted (or taken) meanwhile:
	// nothing was saved, which is right.
	return nil
}

// saveSQL is save's statement.
const saveSQL = `WITH doc AS (
			UPDATE documents SET extracted_text = $2, search_config = $11, extractor = $3, extraction_note = NULLIF($4, ''), pages = $12::jsonb,
			status = $5, failure_reason = NULL, classifier = NULLIF($7, ''), classification_note = NULLIF($8, ''),
			candidates = $14::jsonb, document_date = $15::date, updated_at = now()
			WHERE id = $1 AND status = $6
			RETURNING id, user_id
		), assigned AS (
			SELECT DISTINCT ON (t.id) t.id AS topic_id, m.score, m.evidence, m.by_rule
			FROM unnest($9::uuid[], $10::real[], $13::jsonb[], $16::boolean[]) WITH ORDINALITY AS m(topic_id, score, evidence, by_rule, n)
			JOIN topics t ON t.id = m.topic_id JOIN doc ON t.user_id = doc.user_id
			ORDER BY t.id, m.n
		), cleared AS (
			DELETE FROM document_topics dt USING doc
			WHERE dt.document_id = doc.id AND dt.source = 'auto' AND dt.topic_id NOT IN (SELECT topic_id FROM assigned)
		), added AS (
			INSERT INTO document_topics (document_id, topic_id, source, score, evidence, by_rule)
			SELECT doc.id, a.topic_id, 'auto', a.score, NULLIF(a.evidence, 'null'::jsonb), a.by_rule FROM doc, assigned a
			ON CONFLICT (document_id, topic_id) DO UPDATE SET score = EXCLUDED.score, evidence = EXCLUDED.evidence, by_rule = EXCLUDED.by_rule
			WHERE document_topics.source = 'auto'
		), terms_cleared AS (
			-- Read again: its words for similar documents are made again
			-- by its finish_document job.
			DELETE FROM document_terms dt USING doc WHERE dt.document_id = doc.id
		)
		SELECT count(*) FROM doc`

// evidenceJSON is a topic's evidence for document_topics.evidence: a JSON
// array of strings, or null when there is none.
func evidenceJSON(ev []string) string {
	if len(ev) == 0 {
		return "null"
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return "null" // cannot happen: strings
	}
	return string(b)
}

// candidate is one of documents.candidates.
type candidate struct {
	TopicID  string   `json:"topic_id"`
	Score    float64  `json:"score"`
	Evidence []string `json:"evidence,omitempty"`
}

// candidatesJSON is the verdict's best topics for documents.candidates
// (classify.CandidateCount at most, best first, assigned or not): what an
// unfiled document offers a person to file it under. A document that was
// not classified (no text) has none: SQL NULL.
func candidatesJSON(status string, verdict classify.Result) *string {
	if status != statusClassified {
		return nil
	}
	cs := []candidate{}
	for _, m := range verdict.Candidates(classify.CandidateCount) {
		cs = append(cs, candidate{TopicID: m.TopicID, Score: m.Score, Evidence: m.Evidence})
	}
	b, err := json.Marshal(cs)
	if err != nil {
		return nil // cannot happen: plain numbers and strings
	}
	s := string(b)
	return &s
}

// pagesJSON is how each page was read, for the pages column; nil (SQL
// NULL) for documents without pages.
func pagesJSON(pages []extract.Page) *string {
	if len(pages) == 0 {
		return nil
	}
	b, err := json.Marshal(pages)
	if err != nil {
		return nil // cannot happen: plain numbers and strings
	}
	s := string(b)
	return &s
}

// stmt returns query prepared: PostgreSQL then parses and plans it once per
// connection instead of on every call, which measured as most of a job's
// database cost. database/sql prepares it again on each new connection.
func (p *Pipeline) stmt(ctx context.Context, query string) (*sqlx.Stmt, error) {
	p.stmtsOnce.Do(func() { p.stmts = database.NewStatements(p.DB) })
	return p.stmts.Prepare(ctx, query)
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
