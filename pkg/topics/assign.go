package topics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/database"
)

// ErrUnknownTopic is returned by SetDocument for a topic that is not the
// document owner's.
var ErrUnknownTopic = errors.New("unknown topic")

// ErrNoDocument is returned by SetDocument for a document that is absent or
// not the owner's; it unwraps to ErrNotFound as well.
var ErrNoDocument = fmt.Errorf("%w: no such document", ErrNotFound)

// SetDocument makes topicIDs the topics of owner's document documentID,
// as a person's choice: each is stored with source 'manual' (no score), which
// the builtin classifier learns from, and every other topic of the document
// — the classifier's included — is removed. An empty topicIDs clears them.
// The document must be owner's (ErrNoDocument) and so must every topic
// (ErrUnknownTopic).
func SetDocument(ctx context.Context, db *sqlx.DB, owner, documentID string, topicIDs []string) error {
	ids := uniq(topicIDs)
	if _, err := uuid.Parse(documentID); err != nil {
		return fmt.Errorf("%w: %s", ErrNoDocument, documentID)
	}
	for _, id := range ids {
		if _, err := uuid.Parse(id); err != nil {
			return fmt.Errorf("%w: %s", ErrUnknownTopic, id)
		}
	}
	return database.InTx(ctx, db, func(tx *sqlx.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM documents WHERE id = $1 AND user_id = $2 AND status <> 'uploading' AND trashed_at IS NULL FOR UPDATE`,
			documentID, owner).Scan(&one)
		if err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: %s", ErrNoDocument, documentID)
			}
			return fmt.Errorf("find document: %w", err)
		}
		var known []string
		if len(ids) > 0 {
			if err := tx.SelectContext(ctx, &known, `SELECT id::text FROM topics WHERE user_id = $1 AND id = ANY($2::uuid[])`,
				owner, pq.Array(ids)); err != nil {
				return fmt.Errorf("check topics: %w", err)
			}
		}
		if len(known) != len(ids) {
			have := map[string]bool{}
			for _, k := range known {
				have[k] = true
			}
			var missing []string
			for _, id := range ids {
				if !have[id] {
					missing = append(missing, id)
				}
			}
			return fmt.Errorf("%w: %s", ErrUnknownTopic, strings.Join(missing, ", "))
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM document_topics WHERE document_id = $1`, documentID); err != nil {
			return fmt.Errorf("clear topics: %w", err)
		}
		if len(ids) > 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO document_topics (document_id, topic_id, source, score)
				SELECT $1, unnest($2::uuid[]), 'manual', NULL`, documentID, pq.Array(ids)); err != nil {
				return fmt.Errorf("set topics: %w", err)
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE documents SET updated_at = now() WHERE id = $1`, documentID)
		return err
	})
}

func uniq(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
