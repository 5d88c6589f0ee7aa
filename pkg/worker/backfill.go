package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/classify"
	"github.com/docuvault/docuvault/pkg/docdate"
	"github.com/docuvault/docuvault/pkg/search"
)

// documentDate is the date text carries (docdate), as YYYY-MM-DD for the
// document_date column; nil (SQL NULL) when it has none.
func documentDate(text, lang string) *string {
	t, ok := docdate.Find(text, lang)
	if !ok {
		return nil
	}
	s := t.Format(time.DateOnly)
	return &s
}

// termArrays is terms as the two arrays document_terms is written from.
func termArrays(terms classify.Terms) ([]string, []float64) {
	ts := make([]string, 0, len(terms))
	ws := make([]float64, 0, len(terms))
	for t, w := range terms {
		ts, ws = append(ts, t), append(ws, w)
	}
	return ts, ws
}

// similarText is what a document's words for similar documents are read
// from: its name without the extension ("pdf" says nothing of what a
// document is about), and its text.
func similarText(filename, text string) string {
	return classify.FilenameWords(filename) + "\n" + text
}

// BackfillResult is what Backfill did.
type BackfillResult struct {
	Documents int // documents given their date and words
	Dated     int // of which a date was found in
}

// backfillBatch is how many documents Backfill reads at once.
const backfillBatch = 100

// Backfill gives owner's documents read before migration 0015 what the
// worker now keeps with the text — their own date and their words for
// similar documents — from the text already stored: no object is read
// again, no topic changes. It takes the owner's classified documents that
// have text and no words yet, in batches, so running it again (or beside a
// running worker) only does what is left. The words are weighed by the
// owner's builtin model, trained as the worker trains it (classifiers).
func Backfill(ctx context.Context, db *sqlx.DB, classifiers ClassifierSource, owner string) (BackfillResult, error) {
	var res BackfillResult
	var raw []byte
	err := db.GetContext(ctx, &raw, `SELECT `+topicsOfSQL+`$1)`, owner)
	if err != nil {
		return res, fmt.Errorf("backfill: load topics: %w", err)
	}
	topics, err := decodeTopics(raw)
	if err != nil {
		return res, fmt.Errorf("backfill: %w", err)
	}
	c, err := classifiers.For(ctx, owner, topics)
	if err != nil {
		return res, fmt.Errorf("backfill: %w", err)
	}
	after := "00000000-0000-0000-0000-000000000000"
	for {
		var docs []struct {
			ID       string `db:"id"`
			Filename string `db:"filename"`
			Text     string `db:"text"`
		}
		err := db.SelectContext(ctx, &docs, `SELECT d.id, d.filename, left(d.extracted_text, $3) AS text FROM documents d
			WHERE d.user_id = $1 AND d.id > $2 AND d.status = 'classified' AND d.extracted_text IS NOT NULL
				AND NOT EXISTS (SELECT 1 FROM document_terms t WHERE t.document_id = d.id)
			ORDER BY d.id LIMIT $4`, owner, after, maxBackfillText, backfillBatch)
		if err != nil {
			return res, fmt.Errorf("backfill: %w", err)
		}
		for _, d := range docs {
			after = d.ID
			date := documentDate(d.Text, search.Config(d.Text))
			ts, ws := termArrays(classify.TermsOf(c, similarText(d.Filename, d.Text), classify.SimilarTerms))
			var n int
			err := db.GetContext(ctx, &n, `WITH doc AS (
					UPDATE documents SET document_date = $2::date WHERE id = $1 AND status = 'classified' RETURNING id, user_id
				), added AS (
					INSERT INTO document_terms (document_id, user_id, term, weight)
					SELECT doc.id, doc.user_id, x.term, x.weight FROM doc, unnest($3::text[], $4::real[]) AS x(term, weight)
					ON CONFLICT (document_id, term) DO NOTHING
				)
				SELECT count(*) FROM doc`, d.ID, date, pq.Array(ts), pq.Array(ws))
			if err != nil {
				return res, fmt.Errorf("backfill %s: %w", d.ID, err)
			}
			if n == 0 {
				continue // deleted or being read again meanwhile: the worker does it
			}
			res.Documents++
			if date != nil {
				res.Dated++
			}
		}
		if len(docs) < backfillBatch {
			return res, nil
		}
	}
}

// maxBackfillText is how much of a stored text Backfill reads (characters):
// the date is in its first pages, the words in its first 64 KiB.
const maxBackfillText = 256 << 10
