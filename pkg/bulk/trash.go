package bulk

import (
	"context"
	"errors"
	"fmt"

	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/storage"
)

// trashOne is the one place where bulk trash removes a document: today
// the single-document delete (storage.Service.Delete, as DELETE
// /api/documents/{id} and `docuvault doc delete` do), which removes its
// objects and then its row, each step in its own transaction. When delete
// becomes "move to trash" (issue 23, item 1), swap this call for the trash
// function; if that one is a statement over documents, it can move into
// Apply's transaction as a set-based UPDATE like the other actions.
func (s *Service) trashOne(ctx context.Context, owner, id string) error {
	return s.Storage.Delete(ctx, owner, id)
}

// trash applies the trash action: every document is checked first (all
// must be owner's, else ErrNotFound and nothing is removed), then each is
// removed by trashOne and audited as the single delete audits it.
//
// Unlike the other actions this is not one transaction: a delete removes
// objects from the object store, which no transaction can put back. A
// failure midway (the object store down) stops at that document; the ones
// before it are gone, the error says how many, and the rest are untouched.
func (s *Service) trash(ctx context.Context, owner string, ids []string, dryRun bool, who audit.Event, res Result) (Result, error) {
	if s.Storage == nil && !dryRun {
		return Result{}, errors.New("bulk trash: no storage configured")
	}
	type doc struct {
		ID       string `db:"id"`
		Filename string `db:"filename"`
		Size     int64  `db:"size_bytes"`
	}
	docs := make([]doc, 0, len(ids))
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return Result{}, fmt.Errorf("bulk trash: %w", err)
	}
	err = lockOwned(ctx, tx, owner, ids)
	if err == nil {
		err = tx.SelectContext(ctx, &docs, `SELECT d.id, d.filename, d.size_bytes FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, n)
			JOIN documents d ON d.id = x.id ORDER BY x.n`, pq.Array(ids))
	}
	_ = tx.Rollback() // only read: trashOne takes the rows' locks itself
	if err != nil {
		return Result{}, err
	}
	if dryRun {
		res.Changed = len(docs)
		return res, nil
	}
	for i, d := range docs {
		if err := s.trashOne(ctx, owner, d.ID); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				continue // deleted meanwhile: what was asked for
			}
			return Result{}, fmt.Errorf("bulk trash: document %d of %d (id %s) could not be removed (%d before it were): %w", i+1, len(docs), d.ID, res.Changed, err)
		}
		res.Changed++
		e := who
		e.UserID, e.Type, e.ResourceID = owner, audit.Delete, d.ID
		e.Metadata = map[string]any{"resource": "document", "filename": d.Filename, "size_bytes": d.Size, "bulk": true, "action": Trash, "documents": len(docs)}
		if err := audit.Record(ctx, s.DB, e); err != nil {
			s.log().Error("audit record failed", "event", e.Type, "document_id", d.ID, "error", err.Error())
		}
	}
	return res, nil
}
