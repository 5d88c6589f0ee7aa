package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/objectstore"
)

// FsckOptions says how Fsck looks and whether it repairs.
type FsckOptions struct {
	// Repair fixes what is found; without it Fsck only reports.
	Repair bool
	// Grace leaves alone uploads and objects younger than this: they may be
	// an upload in flight. Default one hour.
	Grace time.Duration
}

// QuotaDrift is a user whose used_bytes is not the sum of their documents
// and their documents' derived objects.
type QuotaDrift struct {
	UserID string `db:"user_id" json:"user_id"`
	Used   int64  `db:"used_bytes" json:"used_bytes"`
	Actual int64  `db:"actual" json:"actual_bytes"`
}

// FsckReport is what Fsck found (and, with Repair, fixed).
type FsckReport struct {
	OrphanObjects  []string   `json:"orphan_objects"`  // objects without a row
	MissingObjects []Document `json:"missing_objects"` // rows whose object is gone
	// MissingDerived are derived objects' rows (thumbnails, searchable
	// copies) whose object is gone.
	MissingDerived []DerivedObject `json:"missing_derived_objects"`
	// MissingVersions are older versions' rows whose object is gone.
	MissingVersions []Version    `json:"missing_version_objects"`
	StaleUploads    []Document   `json:"stale_uploads"` // 'uploading' rows older than Grace
	QuotaDrift      []QuotaDrift `json:"quota_drift"`
	MissingQuotas   []string     `json:"missing_quotas"` // users without a quota row
	// IncompleteUploads are multipart uploads older than Grace that were
	// never completed or aborted (a writer killed mid-upload): their parts
	// take space in the bucket that no object shows.
	IncompleteUploads []objectstore.IncompleteUpload `json:"incomplete_uploads"`
	Repaired          bool                           `json:"repaired"`
}

// MarshalJSON writes every list, empty ones as [] (not null), so that a
// script can iterate over each without a check.
func (r FsckReport) MarshalJSON() ([]byte, error) {
	type plain FsckReport
	p := plain(r)
	p.OrphanObjects = nonNil(p.OrphanObjects)
	p.MissingObjects = nonNil(p.MissingObjects)
	p.MissingDerived = nonNil(p.MissingDerived)
	p.MissingVersions = nonNil(p.MissingVersions)
	p.StaleUploads = nonNil(p.StaleUploads)
	p.QuotaDrift = nonNil(p.QuotaDrift)
	p.MissingQuotas = nonNil(p.MissingQuotas)
	p.IncompleteUploads = nonNil(p.IncompleteUploads)
	return json.Marshal(p)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Problems is the number of problems found.
func (r FsckReport) Problems() int {
	return len(r.OrphanObjects) + len(r.MissingObjects) + len(r.MissingDerived) + len(r.MissingVersions) + len(r.StaleUploads) + len(r.QuotaDrift) + len(r.MissingQuotas) + len(r.IncompleteUploads)
}

// ErrRepair is wrapped by Fsck's error when the check ran and its report
// is whole, but some repairs failed (they are joined in the error). Any
// other error from Fsck means the check itself could not run, and the
// report is empty: it says nothing about the vault.
var ErrRepair = errors.New("fsck repair incomplete")

// Fsck compares the bucket with the documents and document_objects tables
// and the quotas with both: objects without rows, rows without objects,
// uploads that never finished, quota that is not the sum of the owner's
// documents and their derived objects, multipart uploads never completed.
// With Repair it aborts those uploads, deletes orphan objects, removes rows
// whose object is gone (a document's derived objects go with it) and stale
// uploads (with their bytes in quota), and sets quota to the sum.
//
// Each candidate is checked again just before it is reported, so a
// document uploaded or deleted while Fsck runs is not taken for a problem.
//
// When the check cannot run (the database or the object store is down) Fsck
// returns an empty report and the error; when only repairs fail, the whole
// report and an error wrapping ErrRepair.
func (s *Service) Fsck(ctx context.Context, o FsckOptions) (FsckReport, error) {
	rep, err := s.fsckCheck(ctx, o)
	if err != nil {
		return FsckReport{}, err
	}
	if !o.Repair || rep.Problems() == 0 {
		return rep, nil
	}
	if err := s.repair(ctx, &rep); err != nil {
		return rep, fmt.Errorf("%w: %w", ErrRepair, err)
	}
	return rep, nil
}

// fsckCheck is Fsck's look, without repairs.
func (s *Service) fsckCheck(ctx context.Context, o FsckOptions) (FsckReport, error) {
	if o.Grace == 0 {
		o.Grace = time.Hour
	}
	var rep FsckReport
	now := time.Now()

	// Rows first, then the listing: a row committed as stored before the
	// listing began has its object in the listing.
	var stored []Document
	if err := s.db.SelectContext(ctx, &stored, `SELECT `+documentColumns+` FROM documents WHERE status <> $1`, StatusUploading); err != nil {
		return rep, err
	}
	var derived []DerivedObject
	if err := s.db.SelectContext(ctx, &derived, `SELECT `+derivedColumns+` FROM document_objects o JOIN documents d ON d.id = o.document_id
		WHERE NOT d.purging`); err != nil {
		return rep, err
	}
	var versions []Version
	if err := s.db.SelectContext(ctx, &versions, `SELECT `+versionColumns+` FROM document_versions v JOIN documents d ON d.id = v.document_id
		WHERE NOT d.purging`); err != nil {
		return rep, err
	}
	objects := map[string]objectstore.Info{}
	if err := s.objects.List(ctx, "", func(i objectstore.Info) error { objects[i.Key] = i; return nil }); err != nil {
		return rep, err
	}
	// Then every row's key: an object in the listing had its row inserted
	// before it was written, or (a small upload) is being stored right now
	// and younger than Grace, so it is here unless deleted since or young.
	var keys []string
	if err := s.db.SelectContext(ctx, &keys, `SELECT object_key FROM documents UNION ALL SELECT object_key FROM document_objects
		UNION ALL SELECT object_key FROM document_versions`); err != nil {
		return rep, err
	}
	known := make(map[string]bool, len(keys))
	for _, k := range keys {
		known[k] = true
	}

	for key, info := range objects {
		if known[key] || now.Sub(info.LastModified) < o.Grace {
			continue
		}
		if s.stillOrphan(ctx, key) {
			rep.OrphanObjects = append(rep.OrphanObjects, key)
		}
	}
	for _, d := range stored {
		if _, ok := objects[d.ObjectKey]; ok || d.Purging {
			continue // a purge under way deletes objects before the row
		}
		if _, err := s.objects.Stat(ctx, d.ObjectKey); errors.Is(err, objectstore.ErrNotFound) {
			var n int
			if err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM documents WHERE id = $1 AND status <> $2 AND NOT purging`,
				d.ID, StatusUploading); err == nil && n == 1 {
				rep.MissingObjects = append(rep.MissingObjects, d)
			}
		}
	}
	for _, v := range versions {
		if _, ok := objects[v.ObjectKey]; ok {
			continue
		}
		if _, err := s.objects.Stat(ctx, v.ObjectKey); errors.Is(err, objectstore.ErrNotFound) {
			var n int
			if err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM document_versions v JOIN documents d ON d.id = v.document_id
				WHERE v.id = $1 AND NOT d.purging`, v.ID); err == nil && n == 1 {
				rep.MissingVersions = append(rep.MissingVersions, v)
			}
		}
	}
	for _, o := range derived {
		if _, ok := objects[o.ObjectKey]; ok {
			continue
		}
		if _, err := s.objects.Stat(ctx, o.ObjectKey); errors.Is(err, objectstore.ErrNotFound) {
			var n int
			if err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM document_objects o JOIN documents d ON d.id = o.document_id
				WHERE o.id = $1 AND NOT d.purging`, o.ID); err == nil && n == 1 {
				rep.MissingDerived = append(rep.MissingDerived, o)
			}
		}
	}
	if err := s.db.SelectContext(ctx, &rep.StaleUploads, `SELECT `+documentColumns+` FROM documents
		WHERE status = $1 AND updated_at < now() - make_interval(secs => $2)`, StatusUploading, o.Grace.Seconds()); err != nil {
		return rep, err
	}
	if err := s.db.SelectContext(ctx, &rep.MissingQuotas, `SELECT u.id FROM users u LEFT JOIN quotas q ON q.user_id = u.id WHERE q.user_id IS NULL`); err != nil {
		return rep, err
	}
	if err := s.db.SelectContext(ctx, &rep.QuotaDrift, `SELECT q.user_id, q.used_bytes, `+usedSQL+` AS actual
		FROM quotas q WHERE q.used_bytes <> `+usedSQL); err != nil {
		return rep, err
	}
	var err error
	if rep.IncompleteUploads, err = s.incompleteUploads(ctx, rep.StaleUploads, now.Add(-o.Grace)); err != nil {
		return rep, err
	}
	return rep, nil
}

// incompleteUploads lists the multipart uploads begun before cutoff and
// never completed: the whole bucket's, then, for S3 servers that list
// uploads only by exact key (MinIO does so for any non-empty prefix), the
// keys of the stale uploads' rows one by one (a serve killed mid-upload
// leaves its row 'uploading'). MinIO also removes uploads older than a day
// by itself (its api stale_uploads_expiry).
func (s *Service) incompleteUploads(ctx context.Context, stale []Document, cutoff time.Time) ([]objectstore.IncompleteUpload, error) {
	lister, ok := s.objects.(objectstore.Uploads)
	if !ok {
		return nil, nil
	}
	var out []objectstore.IncompleteUpload
	seen := map[string]bool{}
	add := func(u objectstore.IncompleteUpload) error {
		if !seen[u.UploadID] && u.Initiated.Before(cutoff) {
			seen[u.UploadID] = true
			out = append(out, u)
		}
		return nil
	}
	if err := lister.ListIncompleteUploads(ctx, "", add); err != nil {
		return nil, err
	}
	for _, d := range stale {
		if err := lister.ListIncompleteUploads(ctx, d.ObjectKey, func(u objectstore.IncompleteUpload) error {
			if u.Key != d.ObjectKey {
				return nil // S3: another key under this one as a prefix
			}
			return add(u)
		}); err != nil {
			return nil, err
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Key < out[j].Key || out[i].Key == out[j].Key && out[i].UploadID < out[j].UploadID
	})
	return out, nil
}

// stillOrphan checks one orphan candidate again: its object still exists
// and no row names it.
func (s *Service) stillOrphan(ctx context.Context, key string) bool {
	if _, err := s.objects.Stat(ctx, key); err != nil {
		return false
	}
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT (SELECT count(*) FROM documents WHERE object_key = $1)
		+ (SELECT count(*) FROM document_objects WHERE object_key = $1)
		+ (SELECT count(*) FROM document_versions WHERE object_key = $1)`, key); err != nil {
		return false
	}
	return n == 0
}

func (s *Service) repair(ctx context.Context, rep *FsckReport) error {
	var errs []error
	// Uploads first: the stale rows below name their keys.
	if lister, ok := s.objects.(objectstore.Uploads); ok {
		for _, u := range rep.IncompleteUploads {
			if err := lister.AbortUpload(ctx, u.Key, u.UploadID); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, key := range rep.OrphanObjects {
		if err := s.objects.Delete(ctx, key); err != nil {
			errs = append(errs, err)
		}
	}
	for _, id := range rep.MissingQuotas {
		if _, err := s.db.ExecContext(ctx, `INSERT INTO quotas (user_id) VALUES ($1) ON CONFLICT DO NOTHING`, id); err != nil {
			errs = append(errs, err)
		}
	}
	for _, o := range rep.MissingDerived {
		if err := s.removeDerived(ctx, o.UserID, o.ID, false); err != nil {
			errs = append(errs, err)
		}
	}
	for _, v := range rep.MissingVersions {
		// The version is lost: its row goes, with its bytes from quota
		// (set from the rows below).
		if _, err := s.db.ExecContext(ctx, `DELETE FROM document_versions WHERE id = $1`, v.ID); err != nil {
			errs = append(errs, err)
		}
	}
	for _, d := range append(append([]Document(nil), rep.MissingObjects...), rep.StaleUploads...) {
		if d.Status != StatusUploading {
			// A document whose original is gone loses its derived objects
			// first, each object with its row.
			if err := s.deleteDerived(ctx, d.UserID, d.ID); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		if d.Status == StatusUploading {
			// Its object, if any part of it was written, goes first.
			if err := s.objects.Delete(ctx, d.ObjectKey); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		if err := s.removeRow(ctx, d); err != nil {
			errs = append(errs, err)
		}
	}
	// Quota last, after the rows above changed it; each user under its lock.
	var users []string
	if err := s.db.SelectContext(ctx, &users, `SELECT user_id FROM quotas`); err != nil {
		errs = append(errs, err)
	}
	for _, u := range users {
		err := s.inTx(ctx, func(tx *sqlx.Tx) error {
			if _, _, err := lockQuota(ctx, tx, u); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `UPDATE quotas q SET used_bytes = `+usedSQL+` WHERE q.user_id = $1`, u)
			return err
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	rep.Repaired = true
	return nil
}

// removeRow deletes a document row and its bytes from quota, if the row is
// still as fsck saw it.
func (s *Service) removeRow(ctx context.Context, d Document) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if d.UserID != "" {
			if _, _, err := lockQuota(ctx, tx, d.UserID); err != nil {
				return err
			}
		}
		var size int64
		err := tx.QueryRowxContext(ctx, `DELETE FROM documents WHERE id = $1 AND status = $2 RETURNING size_bytes`, d.ID, d.Status).Scan(&size)
		if err != nil {
			return nil // gone or changed since: leave it
		}
		if d.UserID != "" {
			_, err = tx.ExecContext(ctx, `UPDATE quotas SET used_bytes = used_bytes - $1 WHERE user_id = $2`, size, d.UserID)
		}
		return err
	})
}

// usedSQL is what quota q's used_bytes must be: the sum of its owner's
// documents (in the trash too), their older versions and their derived objects.
const usedSQL = `((SELECT COALESCE(sum(d.size_bytes), 0) FROM documents d WHERE d.user_id = q.user_id)
	+ (SELECT COALESCE(sum(o.size_bytes), 0) FROM document_objects o JOIN documents d ON d.id = o.document_id
		WHERE d.user_id = q.user_id)
	+ (SELECT COALESCE(sum(v.size_bytes), 0) FROM document_versions v JOIN documents d ON d.id = v.document_id
		WHERE d.user_id = q.user_id))::bigint`
