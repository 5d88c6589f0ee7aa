package storage

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

// While a batch runs, the uploads arriving queue and go together in the
// next one; every call returns only once its own row is answered.
func TestBatcherGroupsWaitingUploads(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var sizes []int
	b := &batcher{run: func(_ context.Context, rows []*smallRow) {
		mu.Lock()
		first := len(sizes) == 0
		sizes = append(sizes, len(rows))
		mu.Unlock()
		if first {
			<-release // the first batch runs until the others have queued
		}
		for _, r := range rows {
			r.outcome = outcomeStored + ":" + r.docID
		}
	}}
	rows := make([]*smallRow, 11)
	for i := range rows {
		rows[i] = &smallRow{docID: fmt.Sprint(i)}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); b.store(context.Background(), rows[0]) }()
	for b.queueLen() != 0 || !b.isRunning() {
		time.Sleep(time.Millisecond) // the first call is in its batch
	}
	for _, r := range rows[1:] {
		wg.Add(1)
		go func() { defer wg.Done(); b.store(context.Background(), r) }()
	}
	for b.queueLen() != 10 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	for _, r := range rows {
		if r.outcome != outcomeStored+":"+r.docID {
			t.Errorf("row %s answered %q", r.docID, r.outcome)
		}
	}
	if fmt.Sprint(sizes) != "[1 10]" {
		t.Errorf("batches of %v rows, want [1 10]", sizes)
	}
	for b.isRunning() {
		time.Sleep(time.Millisecond)
	}
	// Alone again: a call runs its own batch at once.
	r := &smallRow{docID: "alone"}
	b.store(context.Background(), r)
	if r.outcome != outcomeStored+":alone" || fmt.Sprint(sizes) != "[1 10 1]" {
		t.Errorf("alone: %q, batches %v", r.outcome, sizes)
	}
}

// A batch waits for the rows of uploads that announced theirs and are
// still sending their bytes, and stores them with it; an upload that gave
// up (expect(-1)) is not waited for, and an upload alone waits for nothing.
// The gather window is an hour, so a wrong wait shows as a hang.
func TestBatcherGathersAnnouncedRows(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	b := newBatcher(func(_ context.Context, rows []*smallRow) {
		mu.Lock()
		sizes = append(sizes, len(rows))
		mu.Unlock()
		for _, r := range rows {
			r.outcome = outcomeStored
		}
	}, time.Hour)
	batches := func() string {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Sprint(sizes)
	}
	within := func(what string, f func()) {
		t.Helper()
		done := make(chan struct{})
		go func() { defer close(done); f() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: still waiting after 10s (batches so far %s)", what, batches())
		}
	}

	// Four uploads announce their rows; one of them fails its PUT.
	for range 4 {
		b.expect(1)
	}
	b.expect(-1)
	rows := []*smallRow{{docID: "a"}, {docID: "b"}, {docID: "c"}}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); b.store(context.Background(), rows[0]) }()
	for b.queueLen() != 1 && batches() == "[]" {
		time.Sleep(time.Millisecond) // a is queued (or, wrongly, stored)
	}
	time.Sleep(20 * time.Millisecond)
	if got := batches(); got != "[]" {
		t.Fatalf("a batch ran (%s) while two announced rows were still coming", got)
	}
	for _, r := range rows[1:] {
		wg.Add(1)
		go func() { defer wg.Done(); b.store(context.Background(), r) }()
	}
	within("the announced rows", wg.Wait)
	if got := batches(); got != "[3]" {
		t.Errorf("batches of %s rows, want [3]", got)
	}
	for _, r := range rows {
		if r.outcome != outcomeStored {
			t.Errorf("row %s answered %q", r.docID, r.outcome)
		}
	}

	// Alone: nothing else announced, so its batch runs at once.
	for b.isRunning() {
		time.Sleep(time.Millisecond)
	}
	alone := &smallRow{docID: "alone"}
	b.expect(1)
	within("an upload alone", func() { b.store(context.Background(), alone) })
	if got := batches(); alone.outcome != outcomeStored || got != "[3 1]" {
		t.Errorf("alone: %q, batches %s", alone.outcome, got)
	}
}

func (b *batcher) queueLen() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queue)
}

func (b *batcher) isRunning() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.running
}

// One statement answers each upload on its own: stored, a duplicate of
// one stored before it in the same batch, no room; and a row the database
// refuses fails alone, the others of its batch stored after all.
func TestStoreRowsAnswersEachUpload(t *testing.T) {
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx := context.Background()
	ann, err := users.Create(ctx, db, users.NewUser{Handle: "ann", Email: "ann@example.org", QuotaBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := users.Create(ctx, db, users.NewUser{Handle: "bob", Email: "bob@example.org", QuotaBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	s := New(db, nil, nil, Limits{})
	row := func(owner, content string, size int64) *smallRow {
		id := uuid.NewString()
		sum := sha256.Sum256([]byte(content))
		return &smallRow{docID: id, owner: owner, filename: content + ".txt", key: owner + "/" + id + "/x.txt",
			contentType: "text/plain", status: StatusPending, size: size, sum: sum[:]}
	}
	check := func(rows []*smallRow, want ...string) {
		t.Helper()
		for i, r := range rows {
			got := r.outcome
			if r.err != nil {
				got = "error"
			}
			if got != want[i] {
				t.Errorf("row %d (%s): %q (err %v), want %q", i, r.filename, got, r.err, want[i])
			}
		}
	}
	rows := []*smallRow{
		row(bob.ID, "b1", 100),
		row(ann.ID, "a1", 600),
		row(ann.ID, "a1", 600), // the same content: a duplicate of the row before
		row(ann.ID, "a2", 600), // 600 + 600 > 1000
		row(ann.ID, "a3", 400),
	}
	s.storeRows(ctx, rows)
	check(rows, outcomeStored, outcomeStored, outcomeDuplicate, outcomeNoRoom, outcomeStored)
	if rows[2].dupID != rows[1].docID {
		t.Errorf("duplicate of %s, want %s", rows[2].dupID, rows[1].docID)
	}
	if rows[1].created.IsZero() || rows[1].updated.IsZero() {
		t.Error("a stored row's timestamps are not returned")
	}

	bad := row(bob.ID, "b3", 100)
	bad.status = "bogus" // refused by the documents_status check
	rows = []*smallRow{row(bob.ID, "b2", 100), bad, row(bob.ID, "b4", 100)}
	s.storeRows(ctx, rows)
	check(rows, outcomeStored, "error", outcomeStored)

	var used struct{ Ann, Bob int64 }
	if err := db.Get(&used, `SELECT (SELECT used_bytes FROM quotas WHERE user_id = $1) AS ann,
		(SELECT used_bytes FROM quotas WHERE user_id = $2) AS bob`, ann.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	var docs int
	_ = db.Get(&docs, `SELECT count(*) FROM documents`)
	if used.Ann != 1000 || used.Bob != 300 || docs != 5 {
		t.Errorf("quota used: ann %d, bob %d, %d documents; want 1000, 300, 5", used.Ann, used.Bob, docs)
	}
}

// PostgreSQL can commit a small upload's statement and be lost before it
// answers (tests/chaos saw it: a crash mid-batch). The upload fails, but its
// row is a document, so its object must stay: deleting it lost the bytes
// of a stored document. A statement that failed without committing still
// leaves nothing.
func TestSmallUploadCommittedButUnanswered(t *testing.T) {
	d := testenv.Deploy(t)
	db, store := d.AppDB(t), d.AppStore(t)
	ctx := context.Background()
	ann, err := users.Create(ctx, db, users.NewUser{Handle: "ann", Email: "ann@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	lost := errors.New("driver: bad connection")
	for _, committed := range []bool{true, false} {
		s := New(db, store, nil, Limits{})
		s.small = newBatcher(func(ctx context.Context, rows []*smallRow) {
			if committed {
				s.storeRows(ctx, rows)
			}
			for _, r := range rows {
				r.err = lost
			}
		}, 0)
		content := fmt.Sprintf("committed %v", committed)
		_, err := s.Upload(ctx, UploadInput{OwnerID: ann.ID, Filename: "a.txt", Body: strings.NewReader(content), Size: int64(len(content))})
		if !errors.Is(err, lost) {
			t.Fatalf("committed %v: upload error %v, want %v", committed, err, lost)
		}
		var docs []Document
		if err := db.Select(&docs, `SELECT `+documentColumns+` FROM documents WHERE user_id = $1 AND size_bytes = $2`, ann.ID, len(content)); err != nil {
			t.Fatal(err)
		}
		if !committed {
			if len(docs) != 0 {
				t.Errorf("a statement that did not commit left %d rows", len(docs))
			}
			continue
		}
		if len(docs) != 1 {
			t.Fatalf("%d rows stored, want 1", len(docs))
		}
		if _, err := store.Stat(ctx, docs[0].ObjectKey); err != nil {
			t.Errorf("the stored document's object: %v", err)
		}
	}
	var objects int
	if err := store.List(ctx, ann.ID+"/", func(objectstore.Info) error { objects++; return nil }); err != nil {
		t.Fatal(err)
	}
	if objects != 1 {
		t.Errorf("%d objects under ann's prefix, want 1 (the committed upload's)", objects)
	}
}
