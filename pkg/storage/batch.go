package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/audit"
)

// maxBatch is the most small uploads one statement stores.
const maxBatch = 64

// gatherWindow is how long a batch waits, at most, for the rows of uploads
// still sending their bytes to the object store, so that it stores them
// too. It is short next to a PUT under load (tens of milliseconds), and
// it saves a statement, a commit and a round trip for each row gathered:
// with 32 clients, PostgreSQL's CPU per upload fell by a fifth (0.57 to
// 0.46 ms) and the upload benchmark's median ratio rose from 0.68 to 0.73
// (docs/benchmarks.md, "Seventh run"). An upload alone waits for nothing.
const gatherWindow = 5 * time.Millisecond

// batchTimeout bounds one batch's statement. It does not depend on any one
// upload's context: an upload whose client went away is stored or refused
// with the others, and its caller cleans up after it as for any refusal.
const batchTimeout = 30 * time.Second

// Outcomes of docuvault_store_uploads, per upload.
const (
	outcomeStored    = "stored"
	outcomeDuplicate = "duplicate"
	outcomeNoRoom    = "no_room"
)

// smallRow is one small upload waiting for its statement, and its answer.
type smallRow struct {
	docID, owner, filename, key, contentType, status string
	size                                             int64
	sum                                              []byte
	allowDuplicates                                  bool
	audit                                            *audit.Row // nil: no audit row

	outcome          string
	dupID            string
	created, updated time.Time
	err              error
	done             chan struct{}
}

// batcher groups the statements of concurrent small uploads: the first
// upload to arrive while no batch is running runs one batch, its own;
// uploads arriving meanwhile queue, and the next batch (up to maxBatch of
// them) runs as soon as it is done, from a goroutine that runs batches
// while any are waiting. Before it runs, a batch waits up to its gather
// window for the uploads that announced their row (expect) and are still
// sending their bytes. So one statement and one commit serve many uploads
// when many arrive at once, and an upload alone waits for nothing.
// It holds no state between batches: every upload is stored, or refused,
// by the time its call returns. One batch runs at a time per process; a
// batch waiting on an owner's quota row (held by another transaction for
// the length of one statement) holds up the uploads queued behind it.
type batcher struct {
	run func(ctx context.Context, rows []*smallRow) // answers every row

	gather time.Duration // 0: no waiting for rows to come

	mu      sync.Mutex
	queue   []*smallRow
	running bool
	coming  int           // rows announced by expect and not yet queued
	arrived chan struct{} // signalled when a row queues (capacity 1)
}

// newBatcher returns a batcher running run, that waits up to gather for
// announced rows.
func newBatcher(run func(ctx context.Context, rows []*smallRow), gather time.Duration) *batcher {
	return &batcher{run: run, gather: gather, arrived: make(chan struct{}, 1)}
}

// expect announces that an upload's row will queue soon (n = 1: its bytes
// are on their way to the object store), or that an announced one will not
// after all (n = -1). Each row passed to store must have been announced.
func (b *batcher) expect(n int) {
	b.mu.Lock()
	b.coming += n
	b.mu.Unlock()
}

// store queues r and returns when its statement has answered.
func (b *batcher) store(ctx context.Context, r *smallRow) {
	r.done = make(chan struct{})
	b.mu.Lock()
	b.queue = append(b.queue, r)
	b.coming--
	select {
	case b.arrived <- struct{}{}:
	default:
	}
	if b.running {
		b.mu.Unlock()
		<-r.done
		return
	}
	b.running = true
	b.mu.Unlock()
	// The queue was empty: r is first in it, so the first batch answers it.
	ctx = context.WithoutCancel(ctx)
	b.next(ctx)
	b.mu.Lock()
	if len(b.queue) == 0 {
		b.running = false
		b.mu.Unlock()
		return
	}
	b.mu.Unlock()
	go func() {
		for b.next(ctx) {
		}
	}()
}

// next runs one batch of what is queued, once the announced rows have
// queued, the batch is full or the gather window has passed; it reports
// false, and stops running, when nothing was queued.
func (b *batcher) next(ctx context.Context) bool {
	b.gatherRows()
	b.mu.Lock()
	n := min(len(b.queue), maxBatch)
	if n == 0 {
		b.running = false
		b.mu.Unlock()
		return false
	}
	rows := slices.Clone(b.queue[:n])
	b.queue = slices.Delete(b.queue, 0, n)
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, batchTimeout)
	defer cancel()
	b.run(ctx, rows)
	for _, r := range rows {
		close(r.done)
	}
	return true
}

// gatherRows waits, for at most the gather window, until every announced
// row has queued or a batch is full; with nothing announced it returns at
// once, without a timer.
func (b *batcher) gatherRows() {
	if b.gather <= 0 || b.gathered() {
		return
	}
	window := time.NewTimer(b.gather)
	defer window.Stop()
	for !b.gathered() {
		select {
		case <-b.arrived:
		case <-window.C:
			return
		}
	}
}

// gathered reports whether every announced row has queued, or a batch is
// full.
func (b *batcher) gathered() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.coming <= 0 || len(b.queue) >= maxBatch
}

// storeRows runs docuvault_store_uploads for rows and sets each row's
// answer. Should the statement fail on one row's values (a database
// error, not a lost connection), each row is tried on its own, so one bad
// upload does not refuse the others.
func (s *Service) storeRows(ctx context.Context, rows []*smallRow) {
	// One order of quota locks for every batch (rows of one owner keep
	// their order of arrival).
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b *smallRow) int { return strings.Compare(a.owner, b.owner) })
	err := s.storeBatch(ctx, rows)
	var pqErr *pq.Error
	if err != nil && len(rows) > 1 && errors.As(err, &pqErr) {
		for _, r := range rows {
			r.err = s.storeBatch(ctx, []*smallRow{r})
		}
		return
	}
	for _, r := range rows {
		r.err = err
	}
}

func (s *Service) storeBatch(ctx context.Context, rows []*smallRow) error {
	n := len(rows)
	var (
		ids, owners, filenames, keys, types, statuses = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		sizes                                         = make([]int64, n)
		sums                                          = make([][]byte, n)
		allow                                         = make([]bool, n)
		actors, ips, metadata                         = make([]sql.NullString, n), make([]sql.NullString, n), make([]sql.NullString, n)
		labels                                        = make([]sql.NullString, n)
	)
	for i, r := range rows {
		ids[i], owners[i], filenames[i], keys[i], types[i], statuses[i] = r.docID, r.owner, r.filename, r.key, r.contentType, r.status
		sizes[i], sums[i], allow[i] = r.size, r.sum, r.allowDuplicates
		if a := r.audit; a != nil {
			actors[i], ips[i], metadata[i], labels[i] = nullString(a.ActorID), nullString(a.IP), nullString(a.Metadata), nullString(a.ActorLabel)
		}
	}
	st, err := s.stmts.Prepare(ctx, storeQuery)
	if err != nil {
		return fmt.Errorf("prepare the upload statement: %w", err)
	}
	q, err := st.QueryxContext(ctx,
		pq.Array(ids), pq.Array(owners), pq.Array(filenames), pq.Array(keys), pq.Array(types), pq.Array(sizes),
		pq.ByteaArray(sums), pq.Array(statuses), pq.Array(allow), pq.Array(actors), pq.Array(ips), pq.Array(metadata), pq.Array(labels))
	if err != nil {
		return err
	}
	defer q.Close()
	answered := 0
	for q.Next() {
		var (
			i                int
			outcome, id      string
			created, updated sql.NullTime
		)
		if err := q.Scan(&i, &outcome, &id, &created, &updated); err != nil {
			return err
		}
		if i < 1 || i > n {
			return fmt.Errorf("docuvault_store_uploads answered row %d of %d", i, n)
		}
		r := rows[i-1]
		r.outcome, r.created, r.updated = outcome, created.Time, updated.Time
		if outcome == outcomeDuplicate {
			r.dupID = id
		}
		answered++
	}
	if err := q.Err(); err != nil {
		return err
	}
	if answered != n {
		return fmt.Errorf("docuvault_store_uploads answered %d of %d uploads", answered, n)
	}
	return nil
}

// storeQuery is storeBatch's statement, run prepared (s.stmts).
const storeQuery = `SELECT idx, outcome, COALESCE(document_id::text, ''), created, updated
	FROM docuvault_store_uploads($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bytea[],
		$8::text[], $9::boolean[], $10::uuid[], $11::inet[], $12::jsonb[], $13::text[])`

// Close releases the Service's prepared statement; the database and the
// object store are the caller's to close.
func (s *Service) Close() error { return s.stmts.Close() }

// nullString is v (a string or nil, as audit.Columns gives) for a text array.
func nullString(v any) sql.NullString {
	s, ok := v.(string)
	return sql.NullString{String: s, Valid: ok}
}
