package worker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gocraft/work"
	"github.com/gomodule/redigo/redis"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/classify"
	"github.com/docuvault/docuvault/pkg/extract"
	"github.com/docuvault/docuvault/pkg/jobs"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/redisconn"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/topics"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/pkg/worker"
	"github.com/docuvault/docuvault/tests/testenv"
)

// plainText is a test extractor: it reads the spooled file as text, after
// failing as often as fail says.
type plainText struct {
	fail  func(n int) error // the n-th call's error (nil: succeed)
	calls atomic.Int64
	block chan struct{} // when set, Extract waits on it or ctx
}

func (p *plainText) Supports(ct string) bool { return strings.HasPrefix(ct, "text/") }

func (p *plainText) Extract(ctx context.Context, in extract.Input) (extract.Output, error) {
	n := int(p.calls.Add(1))
	if p.block != nil {
		select {
		case <-p.block:
		case <-ctx.Done():
			return extract.Output{}, ctx.Err()
		}
	}
	if p.fail != nil {
		if err := p.fail(n); err != nil {
			return extract.Output{}, err
		}
	}
	b, err := os.ReadFile(in.Path)
	return extract.Output{Text: string(b), Method: "test"}, err
}

type fixture struct {
	d     testenv.Deployment
	db    *sqlx.DB
	store objectstore.Store
	pool  *redis.Pool
	svc   *storage.Service
	user  users.User
	topic map[string]topics.Topic
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	d := testenv.Deploy(t)
	f := &fixture{d: d, db: d.AppDB(t), store: d.AppStore(t), topic: map[string]topics.Topic{}}
	var err error
	if f.pool, err = redisconn.NewPool(d.RedisURL, 16); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.pool.Close() })
	f.svc = storage.New(f.db, f.store, jobs.NewEnqueuer(d.Namespace, f.pool), storage.Limits{})
	if f.user, err = users.Create(context.Background(), f.db, users.NewUser{Handle: "ann", Email: "ann@example.org"}); err != nil {
		t.Fatal(err)
	}
	for name, desc := range map[string]string{"Finance": "invoices bank taxes payments", "Health": "doctor hospital prescription"} {
		tp, err := topics.Add(context.Background(), f.db, f.user.ID, name, desc, "")
		if err != nil {
			t.Fatal(err)
		}
		f.topic[name] = tp
	}
	return f
}

func (f *fixture) upload(t *testing.T, name, text string) string {
	t.Helper()
	res, err := f.svc.Upload(context.Background(), storage.UploadInput{OwnerID: f.user.ID, Filename: name, Body: strings.NewReader(text), Size: -1})
	if err != nil || res.EnqueueErr != nil {
		t.Fatalf("upload %s: %v %v", name, err, res.EnqueueErr)
	}
	return res.Document.ID
}

func (f *fixture) runner(x worker.Extractor, opts worker.Options) *worker.Runner {
	opts.Namespace = f.d.Namespace
	if opts.RetryDelay == 0 {
		opts.RetryDelay = time.Second
	}
	p := &worker.Pipeline{DB: f.db, Objects: f.store, Extractor: x, Classifiers: &worker.Classifiers{DB: f.db}}
	return worker.NewRunner(p, f.pool, opts, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

type docState struct {
	Status  string  `db:"status"`
	Text    *string `db:"extracted_text"`
	Reason  *string `db:"failure_reason"`
	Method  *string `db:"extractor"`
	Topics  string  `db:"topics"`
	Sources string  `db:"sources"`
}

func (f *fixture) state(t *testing.T, id string) docState {
	t.Helper()
	var s docState
	err := f.db.Get(&s, `SELECT d.status, d.extracted_text, d.failure_reason, d.extractor,
		COALESCE(string_agg(t.name, ',' ORDER BY t.name), '') AS topics,
		COALESCE(string_agg(dt.source, ',' ORDER BY t.name), '') AS sources
		FROM documents d LEFT JOIN document_topics dt ON dt.document_id = d.id LEFT JOIN topics t ON t.id = dt.topic_id
		WHERE d.id = $1 GROUP BY d.id`, id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func TestDrainClassifiesAndIsIdempotent(t *testing.T) {
	f := newFixture(t)
	inv := f.upload(t, "invoice.txt", "Invoice 4711: bank transfer of the payments due")
	rx := f.upload(t, "rx.txt", "Prescription from the doctor")
	none := f.upload(t, "poem.txt", "Roses are red")
	res, err := f.runner(&plainText{}, worker.Options{Concurrency: 2}).Drain(ctx(t))
	if err != nil || len(res.Failed) != 0 || res.Processed != 3 {
		t.Fatalf("Drain = %+v, %v", res, err)
	}
	for id, want := range map[string]string{inv: "Finance", rx: "Health", none: ""} {
		s := f.state(t, id)
		if s.Status != "classified" || s.Text == nil || *s.Method != "test" || s.Topics != want || s.Reason != nil {
			t.Errorf("%s: %+v, want classified under %q", id, s, want)
		}
	}
	if got := f.state(t, inv).Sources; got != "auto" {
		t.Errorf("topic source %q, want auto", got)
	}
	// Running it again for a classified document changes nothing.
	p := &worker.Pipeline{DB: f.db, Objects: f.store, Extractor: &plainText{}, Classifiers: &worker.Classifiers{DB: f.db}}
	if out, err := p.Process(ctx(t), inv); err != nil || out != worker.Skipped {
		t.Errorf("Process again: %v, %v", out, err)
	}
	if out, err := p.Process(ctx(t), "00000000-0000-0000-0000-000000000000"); err != nil || out != worker.Skipped {
		t.Errorf("Process of a missing document: %v, %v", out, err)
	}
}

func TestRetriesThenSucceeds(t *testing.T) {
	f := newFixture(t)
	id := f.upload(t, "a.txt", "bank invoice")
	x := &plainText{fail: func(n int) error {
		if n <= 2 {
			return errors.New("object store hiccup")
		}
		return nil
	}}
	start := time.Now()
	res, err := f.runner(x, worker.Options{MaxFails: 5}).Drain(ctx(t))
	if err != nil || len(res.Failed) != 0 {
		t.Fatalf("Drain = %+v, %v", res, err)
	}
	if s := f.state(t, id); s.Status != "classified" || x.calls.Load() != 3 {
		t.Errorf("after 2 failures: %+v, %d calls", s, x.calls.Load())
	}
	// Drain waited for the retries (1s, then 2s) that gocraft/work's own Drain ignores.
	if d := time.Since(start); d < 2*time.Second {
		t.Errorf("Drain returned after %s: it did not wait for the retries", d)
	}
}

func TestExhaustedRetriesFailThenRetryDead(t *testing.T) {
	f := newFixture(t)
	id := f.upload(t, "a.txt", "bank invoice")
	broken := &plainText{fail: func(int) error { return errors.New("database went away") }}
	res, err := f.runner(broken, worker.Options{MaxFails: 2}).Drain(ctx(t))
	if err != nil || len(res.Failed) != 1 || res.Failed[id] != "database went away" {
		t.Fatalf("Drain = %+v, %v", res, err)
	}
	if s := f.state(t, id); s.Status != "failed" || s.Reason == nil || *s.Reason != "database went away" {
		t.Errorf("state %+v", s)
	}
	client := work.NewClient(f.d.Namespace, f.pool)
	st, err := jobs.Stats(client)
	if err != nil || st.Dead != 1 || st.Queued != 0 || st.Retrying != 0 {
		t.Fatalf("stats %+v, %v", st, err)
	}
	dead, _ := jobs.Dead(client)
	if len(dead) != 1 || dead[0].DocumentID != id || dead[0].Fails != 2 {
		t.Errorf("dead %+v", dead)
	}
	if n, err := jobs.RetryDead(client); err != nil || n != 1 {
		t.Fatalf("RetryDead = %d, %v", n, err)
	}
	res, err = f.runner(&plainText{}, worker.Options{}).Drain(ctx(t))
	if err != nil || len(res.Failed) != 0 || f.state(t, id).Status != "classified" {
		t.Errorf("after retry-dead: %+v, %v, %+v", res, err, f.state(t, id))
	}
}

func TestPermanentFailureFailsAtOnce(t *testing.T) {
	f := newFixture(t)
	id := f.upload(t, "secret.txt", "x")
	enc := &plainText{fail: func(int) error { return fmt.Errorf("%w: needs a password", extract.ErrEncrypted) }}
	res, err := f.runner(enc, worker.Options{MaxFails: 5}).Drain(ctx(t))
	if err != nil || len(res.Failed) != 1 || enc.calls.Load() != 1 {
		t.Fatalf("Drain = %+v, %v; calls %d", res, err, enc.calls.Load())
	}
	if s := f.state(t, id); s.Status != "failed" || !strings.Contains(*s.Reason, "encrypted") {
		t.Errorf("state %+v", s)
	}
}

// TestTimeoutTwiceIsTheDocumentsFault: an extraction that runs out of time
// is retried once (the machine may have been busy); out of time again on
// the same bytes, the document fails for good instead of holding a slot
// for the whole timeout on each of MaxFails attempts (issue 20, D2).
func TestTimeoutTwiceIsTheDocumentsFault(t *testing.T) {
	f := newFixture(t)
	id := f.upload(t, "deep.txt", "bank invoice")
	slow := &plainText{fail: func(int) error { return fmt.Errorf("%w (2m0s)", extract.ErrTimeout) }}
	res, err := f.runner(slow, worker.Options{MaxFails: 5}).Drain(ctx(t))
	if err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if n := slow.calls.Load(); n != 2 {
		t.Errorf("extracted %d times, want 2 (one retry)", n)
	}
	want := "extraction took longer than the per-document timeout (2m0s), on 2 attempts"
	if res.Failed[id] != want {
		t.Errorf("Failed = %q, want %q", res.Failed[id], want)
	}
	if s := f.state(t, id); s.Status != "failed" || s.Reason == nil || *s.Reason != want {
		t.Errorf("state %+v", s)
	}
	st, err := jobs.Stats(work.NewClient(f.d.Namespace, f.pool))
	if err != nil {
		t.Fatal(err)
	}
	if st.Dead != 0 || st.Retrying != 0 || st.Queued != 0 {
		t.Errorf("a document's own fault leaves no job behind: %+v", st)
	}
}

func TestDeletedDocumentsAndTopics(t *testing.T) {
	f := newFixture(t)
	gone := f.upload(t, "gone.txt", "bank")
	if err := f.svc.Delete(ctx(t), f.user.ID, gone); err != nil {
		t.Fatal(err)
	}
	// A topic removed while its document is being classified.
	id := f.upload(t, "a.txt", "bank invoice payments")
	x := &plainText{fail: func(int) error {
		return topics.Remove(context.Background(), f.db, f.user.ID, "Finance")
	}}
	res, err := f.runner(x, worker.Options{}).Drain(ctx(t))
	if err != nil || len(res.Failed) != 0 {
		t.Fatalf("Drain = %+v, %v", res, err)
	}
	if s := f.state(t, id); s.Status != "classified" || s.Topics != "" {
		t.Errorf("state %+v, want classified with no topics", s)
	}
}

func TestSweeperQueuesWhatWasMissed(t *testing.T) {
	f := newFixture(t)
	admin := f.d.AdminDB(t)
	// Stored while Redis was down: pending, no job.
	dead, _ := redisconn.NewPool("redis://:x@127.0.0.1:1/0", 1)
	offline := storage.New(f.db, f.store, jobs.NewEnqueuer(f.d.Namespace, dead), storage.Limits{})
	res, err := offline.Upload(ctx(t), storage.UploadInput{OwnerID: f.user.ID, Filename: "late.txt", Body: strings.NewReader("bank invoice"), Size: -1})
	if err != nil || res.EnqueueErr == nil {
		t.Fatalf("upload with Redis down: %v, %v", err, res.EnqueueErr)
	}
	late := res.Document.ID
	// A document whose worker died mid-job.
	stuck := f.upload(t, "stuck.txt", "doctor")
	// Its job died with the worker: gocraft/work had taken it off the queue
	// and dropped its unique key when the job started.
	c := f.pool.Get()
	_, _ = c.Do("DEL", f.d.Namespace+":jobs:"+jobs.ExtractAndClassify)
	keys, _ := redis.Strings(c.Do("KEYS", f.d.Namespace+":unique:*"))
	for _, k := range keys {
		_, _ = c.Do("DEL", k)
	}
	c.Close()
	admin.MustExec(`UPDATE documents SET status = 'processing', updated_at = now() - interval '1 hour' WHERE id = $1`, stuck)
	// Too young to sweep: the sweeper leaves it for its job.
	r := f.runner(&plainText{}, worker.Options{SweepAge: time.Hour})
	if n, err := r.Sweep(ctx(t)); err != nil || n != 1 { // only the stuck one (made old)
		t.Fatalf("Sweep with a 1h age: %d, %v", n, err)
	}
	admin.MustExec(`UPDATE documents SET updated_at = now() - interval '2 minutes' WHERE id = $1`, late)
	out, err := f.runner(&plainText{}, worker.Options{}).Drain(ctx(t))
	if err != nil || len(out.Failed) != 0 {
		t.Fatalf("Drain = %+v, %v", out, err)
	}
	for _, id := range []string{late, stuck} {
		if s := f.state(t, id); s.Status != "classified" {
			t.Errorf("%s: %+v", id, s)
		}
	}
}

// TestShutdownLosesNoJob stops a long-running worker in the middle of a
// job: after the grace period the job is cancelled and handed back, and the
// next worker finishes it.
func TestShutdownLosesNoJob(t *testing.T) {
	f := newFixture(t)
	id := f.upload(t, "a.txt", "bank invoice")
	x := &plainText{block: make(chan struct{})} // never released: the job hangs
	runCtx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = f.runner(x, worker.Options{ShutdownTimeout: 500 * time.Millisecond}).Run(runCtx)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for x.calls.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if x.calls.Load() == 0 {
		t.Fatal("the job never started")
	}
	stop()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after the shutdown timeout")
	}
	res, err := f.runner(&plainText{}, worker.Options{}).Drain(ctx(t))
	if err != nil || len(res.Failed) != 0 || f.state(t, id).Status != "classified" {
		t.Errorf("the next worker: %+v, %v, %+v", res, err, f.state(t, id))
	}
}

// countingClassifier counts its calls and files nothing.
type countingClassifier struct{ calls atomic.Int64 }

func (c *countingClassifier) Classify(context.Context, classify.Document, []classify.Topic) (classify.Result, error) {
	c.calls.Add(1)
	return classify.Result{Provider: "counting"}, nil
}

// pagedText is a test extractor whose output has pages, as a PDF's does.
type pagedText struct{ plainText }

func (p *pagedText) Extract(ctx context.Context, in extract.Input) (extract.Output, error) {
	out, err := p.plainText.Extract(ctx, in)
	conf := 87.5
	out.Pages = []extract.Page{{Number: 1, Source: extract.PageText}, {Number: 2, Source: extract.PageOCR, Confidence: &conf, Rotation: 90}}
	return out, err
}

// TestNoTextIsNotClassified: a document in which no text was found (a
// blank scan, OCR's noise) is no_text: no classifier is asked, no topic
// filed, a note says why, and drain counts it as processed, not failed.
func TestNoTextIsNotClassified(t *testing.T) {
	f := newFixture(t)
	blank := f.upload(t, "blank.txt", "  7 .\n\n ee \n")
	text := f.upload(t, "bank.txt", "bank invoice")
	c := &countingClassifier{}
	r := f.runner(&pagedText{}, worker.Options{})
	p := &worker.Pipeline{DB: f.db, Objects: f.store, Extractor: &pagedText{}, Classifiers: worker.Static{Classifier: c}}
	if out, err := p.Process(ctx(t), blank); err != nil || out != worker.NoText {
		t.Fatalf("Process(blank) = %v, %v; want no_text", out, err)
	}
	if c.calls.Load() != 0 {
		t.Errorf("the classifier was asked %d times about a document without text", c.calls.Load())
	}
	var row struct {
		Status string  `db:"status"`
		Note   *string `db:"classification_note"`
		By     *string `db:"classifier"`
		Pages  string  `db:"pages"`
	}
	if err := f.db.Get(&row, `SELECT status, classification_note, classifier, pages::text AS pages FROM documents WHERE id = $1`, blank); err != nil {
		t.Fatal(err)
	}
	if row.Status != "no_text" || row.Note == nil || *row.Note != "no text found: not classified" || row.By != nil {
		t.Errorf("blank document: %+v", row)
	}
	if want := `[{"page": 1, "source": "text"}, {"page": 2, "source": "ocr", "rotation": 90, "confidence": 87.5}]`; row.Pages != want {
		t.Errorf("pages %s, want %s", row.Pages, want)
	}
	if out, err := p.Process(ctx(t), text); err != nil || out != worker.Classified || c.calls.Load() != 1 {
		t.Fatalf("Process(text) = %v, %v after %d calls; want classified after 1", out, err, c.calls.Load())
	}
	// Through the queue: drain counts a no_text document as processed.
	again := f.upload(t, "blank2.txt", "\n\n   \n")
	res, err := r.Drain(ctx(t))
	if err != nil || len(res.Failed) != 0 || res.Processed != 1 {
		t.Fatalf("Drain = %+v, %v; want 1 processed", res, err)
	}
	if s := f.state(t, again); s.Status != "no_text" || s.Topics != "" {
		t.Errorf("drained blank document: %+v", s)
	}
}

// ocrRecorder is a test extractor that records the OCR mode it was given.
type ocrRecorder struct {
	plainText
	got chan string
}

func (o *ocrRecorder) Extract(ctx context.Context, in extract.Input) (extract.Output, error) {
	o.got <- in.OCR
	return o.plainText.Extract(ctx, in)
}

// TestOwnersOCRChoice: the worker reads each document with its owner's
// OCR setting (users.ocr), or the deployment's when they chose none.
func TestOwnersOCRChoice(t *testing.T) {
	f := newFixture(t)
	x := &ocrRecorder{got: make(chan string, 2)}
	p := &worker.Pipeline{DB: f.db, Objects: f.store, Extractor: x, Classifiers: &worker.Classifiers{DB: f.db}}
	first := f.upload(t, "a.txt", "bank invoice one")
	if _, err := p.Process(ctx(t), first); err != nil {
		t.Fatal(err)
	}
	if got := <-x.got; got != "" {
		t.Errorf("no choice: OCR %q, want \"\" (the deployment's)", got)
	}
	if _, err := f.db.Exec(`UPDATE users SET ocr = 'never' WHERE id = $1`, f.user.ID); err != nil {
		t.Fatal(err)
	}
	second := f.upload(t, "b.txt", "bank invoice two")
	if _, err := p.Process(ctx(t), second); err != nil {
		t.Fatal(err)
	}
	if got := <-x.got; got != "never" {
		t.Errorf("owner chose never: OCR %q", got)
	}
}

// TestSweeperCutsTheSearchIndex: every sweep (long-running or --drain)
// cuts the search index's newest documents into parts of
// Options.SearchPartRows once there are more, and a sweep with nothing to
// cut makes none.
func TestSweeperCutsTheSearchIndex(t *testing.T) {
	f := newFixture(t)
	for i := range 5 {
		f.upload(t, fmt.Sprintf("n%d.txt", i), fmt.Sprintf("bank invoice %d", i))
	}
	r := f.runner(&plainText{}, worker.Options{SearchPartRows: 2})
	if _, err := r.Drain(ctx(t)); err != nil {
		t.Fatal(err)
	}
	admin := f.d.AdminDB(t)
	count := func() int {
		t.Helper()
		var parts int
		if err := admin.Get(&parts, `SELECT count(*) FROM search_index_parts`); err != nil {
			t.Fatal(err)
		}
		return parts
	}
	// Drain sweeps before it reads its documents; they are searchable by
	// their names already, so it cuts the 5 into parts of 2, one left in
	// the head. Read since, each stays in the part of its date: a sweep
	// after the drain finds the same 2 parts, and so does the next.
	if _, err := r.Sweep(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Fatalf("search index parts after a sweep: %d, want 2", n)
	}
	if _, err := r.Sweep(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Fatalf("parts after a sweep with nothing to cut: %d, want 2", n)
	}
}
