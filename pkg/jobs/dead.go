package jobs

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/gocraft/work"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// A dead job stays in gocraft/work's dead set until someone removes it, but
// its document can be recovered without it: after a PostgreSQL outage the
// jobs that ran during it die (and their documents' failure cannot even be
// recorded, so they stay pending), then the sweeper queues those documents
// again and they are read. Such a dead job is obsolete: counting it, or
// queueing it again, says something false about the vault.

// Obsolete returns the jobs among dead whose document no longer waits for
// what the job does:
//   - extract_and_classify: the document is gone, or is neither pending,
//     processing nor failed (it was read since, or stored unclassified);
//   - finish_document: the document is gone or not read, or has what the
//     job makes (its thumbnail or its words for similar documents);
//   - a job of another name, or without a document id that is a UUID.
//
// db needs SELECT on documents, document_objects and document_terms.
func Obsolete(ctx context.Context, db sqlx.QueryerContext, dead []DeadJob) ([]DeadJob, error) {
	ids := map[string][]string{}
	for _, j := range dead {
		if uuidRE.MatchString(j.DocumentID) {
			ids[j.Name] = append(ids[j.Name], j.DocumentID)
		}
	}
	waiting := map[string]map[string]bool{}
	for name, query := range map[string]string{
		ExtractAndClassify: `SELECT id::text FROM documents WHERE id = ANY($1::uuid[]) AND status IN ('pending', 'processing', 'failed')`,
		FinishDocument: `SELECT d.id::text FROM documents d WHERE d.id = ANY($1::uuid[]) AND d.status IN ('classified', 'no_text')
			AND NOT EXISTS (SELECT 1 FROM document_objects o WHERE o.document_id = d.id AND o.kind = 'thumbnail')
			AND NOT EXISTS (SELECT 1 FROM document_terms t WHERE t.document_id = d.id)`,
	} {
		waiting[name] = map[string]bool{}
		if len(ids[name]) == 0 {
			continue
		}
		var still []string
		if err := sqlx.SelectContext(ctx, db, &still, query, pq.Array(ids[name])); err != nil {
			return nil, fmt.Errorf("dead jobs' documents: %w", err)
		}
		for _, id := range still {
			waiting[name][id] = true
		}
	}
	var out []DeadJob
	for _, j := range dead {
		if !waiting[j.Name][j.DocumentID] {
			out = append(out, j)
		}
	}
	return out, nil
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// DeadStats counts the dead set: Live are dead jobs whose documents still
// wait for them (worth a look, or `jobs retry-dead`), Obsolete those whose
// documents were recovered or deleted since (see Obsolete).
type DeadStats struct {
	Live     int64
	Obsolete int64
}

// CountDead reads the whole dead set and counts its jobs as DeadStats.
func CountDead(ctx context.Context, c *work.Client, db sqlx.QueryerContext) (DeadStats, error) {
	dead, err := Dead(c)
	if err != nil {
		return DeadStats{}, err
	}
	obsolete, err := Obsolete(ctx, db, dead)
	if err != nil {
		return DeadStats{}, err
	}
	return DeadStats{Live: int64(len(dead) - len(obsolete)), Obsolete: int64(len(obsolete))}, nil
}

// PruneDead removes the obsolete jobs (see Obsolete) from the dead set and
// returns how many it removed. A job removed or retried by someone else
// meanwhile is not an error.
func PruneDead(ctx context.Context, c *work.Client, db sqlx.QueryerContext) (int, error) {
	dead, err := Dead(c)
	if err != nil || len(dead) == 0 {
		return 0, err
	}
	obsolete, err := Obsolete(ctx, db, dead)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, j := range obsolete {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		err := c.DeleteDeadJob(j.DiedAt, j.ID)
		if errors.Is(err, work.ErrNotDeleted) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("remove dead job %s: %w", j.ID, err)
		}
		n++
	}
	return n, nil
}
