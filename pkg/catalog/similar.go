package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/docuvault/docuvault/pkg/shares"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
)

// SimilarLimit is how many similar documents Similar returns at most.
const SimilarLimit = 10

// SimilarDocument is a document like another, as the list shows it, with
// how alike the two are: the cosine of their words (0 to 1).
type SimilarDocument struct {
	Document
	Score float64 `db:"score" json:"score"`
}

// Similar returns the documents most like document id, best first (ties by
// id), at most SimilarLimit: among the documents of id's owner, those
// viewer may see — all of them when viewer is the owner, else the owner's
// documents shared with viewer. Never id itself, never a document still
// uploading or without words (no document_terms: no text, or read before
// migration 0015), never one with no word in common. The caller has
// checked that viewer may see id; ErrNotFound when it does not exist.
//
// The score is the dot product of the two documents' stored words (each
// document's 64 heaviest tf-idf words, normalised: classify.Terms, stored
// by the worker in document_terms), computed by PostgreSQL in one query
// from the owner's postings of those words; docs/benchmarks.md has its
// cost on 5,000 documents.
func Similar(ctx context.Context, db sqlx.QueryerContext, viewer, id string) ([]SimilarDocument, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	var docs []SimilarDocument
	err := sqlx.SelectContext(ctx, db, &docs, similarSQL, viewer, id, SimilarLimit)
	if err != nil {
		return nil, fmt.Errorf("similar documents: %w", err)
	}
	if len(docs) == 0 {
		// Nothing like it, or no such document: tell them apart.
		var n int
		if err := sqlx.GetContext(ctx, db, &n, `SELECT count(*) FROM documents WHERE id = $1 AND status <> 'uploading' AND trashed_at IS NULL`, id); err != nil {
			return nil, fmt.Errorf("similar documents: %w", err)
		}
		if n == 0 {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		return []SimilarDocument{}, nil
	}
	for i := range docs {
		d := &docs[i].Document
		d.SHA256Hex = fmt.Sprintf("%x", d.SHA256)
		if err := json.Unmarshal(d.TopicsJSON, &d.Topics); err != nil {
			return nil, errors.Join(errors.New("similar documents: topics"), err)
		}
		d.TopicsJSON = nil
	}
	return docs, nil
}

// similarSQL scores the owner's documents against document $2's words:
// each of its (at most 64) words is looked up in the owner's postings
// (document_terms' (user_id, term) index, which holds the weights), the
// products summed per document, and the best $3 read whole. Documents
// still uploading have no words (the worker writes them), deleted ones
// lost theirs with their row.
var similarSQL = `WITH src AS (
		SELECT id, user_id FROM documents WHERE id = $2 AND status <> 'uploading' AND trashed_at IS NULL
	), scored AS (
		SELECT t.document_id AS id, sum(t.weight::float8 * q.weight::float8) AS score
		FROM src JOIN document_terms q ON q.document_id = src.id
		JOIN document_terms t ON t.user_id = src.user_id AND t.term = q.term
		WHERE t.document_id <> src.id
			AND (src.user_id = $1 OR EXISTS (SELECT 1 FROM ` + shares.Grants + ` g WHERE g.document_id = t.document_id AND g.user_id = $1 AND g.owner_id = src.user_id))
		GROUP BY t.document_id
		ORDER BY score DESC, t.document_id
		LIMIT $3
	)
	SELECT ` + listColumns + `, CASE WHEN d.user_id = $1 THEN 'owner' ELSE
			` + shares.Permission("d", "$1") + ` END AS permission,
		NULL::timestamptz AS shared_at, ` + topicsColumn + `, round(scored.score::numeric, 4)::float8 AS score
	FROM scored JOIN documents d ON d.id = scored.id JOIN users u ON u.id = d.user_id
	WHERE scored.score > 0 AND d.status <> 'uploading' AND d.trashed_at IS NULL
	ORDER BY scored.score DESC, d.id`
