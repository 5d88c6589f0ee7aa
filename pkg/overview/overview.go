// Package overview is a person's vault at a glance, as the web app's
// dashboard, GET /api/overview and `docuvault overview` show it: how many
// documents are in each state, how many are unfiled, the storage used of
// the quota, what the worker still has to do, the newest documents and the
// ones that need attention (failed, or no text found).
package overview

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/users"
)

// ListSize is how many documents Recent and Attention hold at most.
const ListSize = 5

// Overview is one user's vault at a glance.
type Overview struct {
	// Total is the number of documents the user owns (those still being
	// uploaded left out); ByStatus has every status of catalog.Statuses,
	// 0 included.
	Total    int            `json:"total"`
	ByStatus map[string]int `json:"by_status"`
	// Unfiled counts classified documents under no topic.
	Unfiled int `json:"unfiled"`
	// UsedBytes of LimitBytes: the user's quota.
	UsedBytes  int64 `json:"quota_used_bytes"`
	LimitBytes int64 `json:"quota_limit_bytes"`
	Worker     Work  `json:"worker"`
	// Recent are the newest documents, newest first; Attention the newest
	// failed or no-text ones. Each at most ListSize.
	Recent    []catalog.Document `json:"recent"`
	Attention []catalog.Document `json:"attention"`
}

// Work is what the worker still has to do for the user, and when it last
// finished one of their documents.
type Work struct {
	Waiting    int        `json:"waiting"`    // pending: stored, not yet taken
	Processing int        `json:"processing"` // being read and classified now
	LastDoneAt *time.Time `json:"last_done_at"`
}

// Get returns user's overview. A user that does not exist is
// users.ErrNotFound.
func Get(ctx context.Context, db *sqlx.DB, user string) (Overview, error) {
	u, err := users.Get(ctx, db, user)
	if err != nil {
		return Overview{}, err
	}
	o := Overview{ByStatus: map[string]int{}, UsedBytes: u.UsedBytes, LimitBytes: u.LimitBytes}
	for _, s := range catalog.Statuses {
		o.ByStatus[s] = 0
	}
	var counts []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := db.SelectContext(ctx, &counts,
		`SELECT status, count(*) AS n FROM documents WHERE user_id = $1 AND status = ANY($2) AND trashed_at IS NULL GROUP BY status`,
		u.ID, pq.Array(catalog.Statuses)); err != nil {
		return Overview{}, fmt.Errorf("overview: count documents: %w", err)
	}
	for _, c := range counts {
		o.ByStatus[c.Status] = c.N
		o.Total += c.N
	}
	o.Worker.Waiting, o.Worker.Processing = o.ByStatus["pending"], o.ByStatus["processing"]
	err = db.QueryRowxContext(ctx, `SELECT
			(SELECT count(*) FROM documents d WHERE d.user_id = $1 AND d.status = 'classified' AND d.trashed_at IS NULL
				AND NOT EXISTS (SELECT 1 FROM document_topics dt WHERE dt.document_id = d.id)),
			(SELECT max(updated_at) FROM documents WHERE user_id = $1 AND status IN ('classified', 'no_text', 'failed', 'skipped') AND trashed_at IS NULL)`,
		u.ID).Scan(&o.Unfiled, &o.Worker.LastDoneAt)
	if err != nil {
		return Overview{}, fmt.Errorf("overview: unfiled documents: %w", err)
	}
	recent, err := catalog.List(ctx, db, catalog.Query{Viewer: u.ID, Limit: ListSize})
	if err != nil {
		return Overview{}, fmt.Errorf("overview: recent documents: %w", err)
	}
	o.Recent = recent.Documents
	o.Attention = []catalog.Document{}
	for _, st := range []string{"failed", "no_text"} {
		p, err := catalog.List(ctx, db, catalog.Query{Viewer: u.ID, Status: st, Limit: ListSize})
		if err != nil {
			return Overview{}, fmt.Errorf("overview: %s documents: %w", st, err)
		}
		o.Attention = append(o.Attention, p.Documents...)
	}
	sort.SliceStable(o.Attention, func(i, j int) bool {
		a, b := o.Attention[i], o.Attention[j]
		if !a.CreatedAt.Equal(b.CreatedAt) {
			return a.CreatedAt.After(b.CreatedAt)
		}
		return a.ID > b.ID
	})
	if len(o.Attention) > ListSize {
		o.Attention = o.Attention[:ListSize]
	}
	return o, nil
}
