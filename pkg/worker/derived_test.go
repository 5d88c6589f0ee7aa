package worker_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gocraft/work"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/extract"
	"github.com/docuvault/docuvault/pkg/jobs"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/pkg/worker"

	"github.com/docuvault/docuvault/tests/testenv"
)

// searchable is a test extractor of PDFs: it returns text and, as the OCR
// extractor does, a searchable copy in a temporary file (a real PDF).
type searchable struct {
	t     *testing.T
	text  string
	copy  bool
	paths []string // the searchable copies handed out
}

func (s *searchable) Supports(ct string) bool { return ct == "application/pdf" }

func (s *searchable) Extract(_ context.Context, in extract.Input) (extract.Output, error) {
	out := extract.Output{Text: s.text, Method: "test"}
	if s.copy {
		b, err := os.ReadFile("testdata/groff-ms.pdf")
		if err != nil {
			return out, err
		}
		p := filepath.Join(s.t.TempDir(), "searchable.pdf")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			return out, err
		}
		s.paths = append(s.paths, p)
		out.SearchablePDF = p
	}
	return out, nil
}

type derivedRow struct {
	Kind        string `db:"kind"`
	ContentType string `db:"content_type"`
	Size        int64  `db:"size_bytes"`
	Key         string `db:"object_key"`
}

func (f *fixture) derivedRows(t *testing.T, id string) map[string]derivedRow {
	t.Helper()
	var rows []derivedRow
	if err := f.db.Select(&rows, `SELECT kind, content_type, size_bytes, object_key FROM document_objects WHERE document_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	m := map[string]derivedRow{}
	for _, r := range rows {
		m[r.Kind] = r
	}
	return m
}

func (f *fixture) uploadPDF(t *testing.T, owner string, body []byte) string {
	t.Helper()
	res, err := f.svc.Upload(ctx(t), storage.UploadInput{OwnerID: owner, Filename: "scan.pdf", Body: bytes.NewReader(body), Size: int64(len(body))})
	if err != nil {
		t.Fatal(err)
	}
	if res.Document.ContentType != "application/pdf" {
		t.Fatalf("uploaded as %s", res.Document.ContentType)
	}
	return res.Document.ID
}

type noted struct {
	Status string  `db:"status"`
	Note   *string `db:"extraction_note"`
	Reason *string `db:"failure_reason"`
	Used   int64   `db:"used_bytes"`
	Sum    int64   `db:"sum"`
}

func (f *fixture) noted(t *testing.T, id string) noted {
	t.Helper()
	var n noted
	err := f.db.Get(&n, `SELECT d.status, d.extraction_note, d.failure_reason, q.used_bytes,
		(SELECT sum(size_bytes) FROM documents WHERE user_id = d.user_id)
		+ COALESCE((SELECT sum(o.size_bytes) FROM document_objects o JOIN documents x ON x.id = o.document_id WHERE x.user_id = d.user_id), 0) AS sum
		FROM documents d JOIN quotas q ON q.user_id = d.user_id WHERE d.id = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestThumbnailAndSearchableCopyStored(t *testing.T) {
	testenv.Tools(t, "pdftoppm")
	f := newFixture(t)
	pdf, err := os.ReadFile("testdata/groff-ms.pdf")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, text string
		want       worker.Outcome
	}{
		{"classified", "Invoice: bank payments", worker.Classified},
		{"no text", "", worker.NoText},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Each its own content, so that neither is a duplicate.
			id := f.uploadPDF(t, f.user.ID, append(append([]byte(nil), pdf...), "\n% "+tc.name+"\n"...))
			x := &searchable{t: t, text: tc.text, copy: true}
			p := &worker.Pipeline{DB: f.db, Objects: f.store, Extractor: x, Classifiers: &worker.Classifiers{DB: f.db}}
			var queued []string
			p.QueueFinish = func(_ context.Context, id string) { queued = append(queued, id) }
			out, err := p.Process(ctx(t), id)
			if err != nil || out != tc.want {
				t.Fatalf("Process = %v, %v; want %v", out, err, tc.want)
			}
			if len(queued) != 1 || queued[0] != id {
				t.Fatalf("thumbnail jobs queued: %v, want [%s]", queued, id)
			}
			if rows := f.derivedRows(t, id); len(rows) != 1 {
				t.Fatalf("derived rows before the thumbnail job: %+v, want the searchable copy alone", rows)
			}
			if got, err := p.Thumbnail(ctx(t), id); err != nil || got != worker.ThumbnailStored {
				t.Fatalf("Thumbnail = %v, %v", got, err)
			}
			// Once made, it is not made again.
			if got, err := p.Thumbnail(ctx(t), id); err != nil || got != worker.ThumbnailSkipped {
				t.Fatalf("second Thumbnail = %v, %v", got, err)
			}
			rows := f.derivedRows(t, id)
			th, sp := rows[storage.KindThumbnail], rows[storage.KindSearchablePDF]
			if th.ContentType != "image/jpeg" || th.Size == 0 || th.Size > 60<<10 || !strings.HasPrefix(th.Key, f.user.ID+"/"+id+"/") {
				t.Errorf("thumbnail row %+v", th)
			}
			if sp.ContentType != "application/pdf" || sp.Size != int64(len(pdf)) || !strings.HasSuffix(sp.Key, ".pdf") {
				t.Errorf("searchable row %+v", sp)
			}
			for _, r := range rows {
				if info, err := f.store.Stat(ctx(t), r.Key); err != nil || info.Size != r.Size {
					t.Errorf("object %s: %+v, %v", r.Key, info, err)
				}
			}
			if _, err := os.Stat(x.paths[0]); !os.IsNotExist(err) {
				t.Errorf("the searchable copy's temporary file is still there: %v", err)
			}
			n := f.noted(t, id)
			if n.Status != string(tc.want) || n.Reason != nil || n.Used != n.Sum {
				t.Errorf("document %+v", n)
			}
			if tc.want == worker.Classified && n.Note != nil {
				t.Errorf("note %q", *n.Note)
			}
		})
	}
}

func TestDerivedObjectsOverQuotaAreANote(t *testing.T) {
	testenv.Tools(t, "pdftoppm")
	f := newFixture(t)
	pdf, err := os.ReadFile("testdata/groff-ms.pdf")
	if err != nil {
		t.Fatal(err)
	}
	small, err := users.Create(ctx(t), f.db, users.NewUser{Handle: "sam", Email: "sam@example.org", QuotaBytes: int64(len(pdf)) + 100})
	if err != nil {
		t.Fatal(err)
	}
	id := f.uploadPDF(t, small.ID, pdf)
	x := &searchable{t: t, text: "Invoice: bank payments", copy: true}
	p := &worker.Pipeline{DB: f.db, Objects: f.store, Extractor: x, Classifiers: &worker.Classifiers{DB: f.db}}
	if out, err := p.Process(ctx(t), id); err != nil || out != worker.Classified {
		t.Fatalf("Process = %v, %v", out, err)
	}
	if got, err := p.Thumbnail(ctx(t), id); err != nil || got != worker.ThumbnailNoted {
		t.Fatalf("Thumbnail = %v, %v", got, err)
	}
	n := f.noted(t, id)
	if n.Status != "classified" || n.Reason != nil || n.Used != int64(len(pdf)) || n.Sum != n.Used {
		t.Errorf("document %+v, want classified with only the original in quota", n)
	}
	if n.Note == nil || !strings.Contains(*n.Note, "searchable copy not stored: over quota") ||
		!strings.Contains(*n.Note, "thumbnail not stored: over quota") {
		t.Errorf("note %v", n.Note)
	}
	if rows := f.derivedRows(t, id); len(rows) != 0 {
		t.Errorf("derived rows %+v", rows)
	}
	if _, err := os.Stat(x.paths[0]); !os.IsNotExist(err) {
		t.Errorf("the skipped searchable copy's temporary file is still there: %v", err)
	}
}

func TestThumbnailFailureIsANote(t *testing.T) {
	testenv.Tools(t, "pdftoppm")
	f := newFixture(t)
	id := f.uploadPDF(t, f.user.ID, []byte("%PDF-1.4\n% nothing a renderer can read\n"))
	p := &worker.Pipeline{DB: f.db, Objects: f.store, Extractor: &searchable{t: t, text: "bank invoice"}, Classifiers: &worker.Classifiers{DB: f.db}}
	if out, err := p.Process(ctx(t), id); err != nil || out != worker.Classified {
		t.Fatalf("Process = %v, %v", out, err)
	}
	// A retried job does not write the note twice.
	for range 2 {
		if got, err := p.Thumbnail(ctx(t), id); err != nil || got != worker.ThumbnailNoted {
			t.Fatalf("Thumbnail = %v, %v", got, err)
		}
	}
	n := f.noted(t, id)
	if n.Status != "classified" || n.Note == nil || !strings.HasPrefix(*n.Note, "thumbnail not stored: pdftoppm") ||
		strings.Count(*n.Note, "thumbnail not stored") != 1 {
		t.Errorf("document %+v (note %v)", n, n.Note)
	}
	if rows := f.derivedRows(t, id); len(rows) != 0 {
		t.Errorf("derived rows %+v", rows)
	}
	// Text documents have no thumbnail, and no note about it.
	txt := f.upload(t, "a.txt", "bank invoice")
	p.Extractor = &plainText{}
	if out, err := p.Process(ctx(t), txt); err != nil || out != worker.Classified {
		t.Fatalf("Process = %v, %v", out, err)
	}
	if got, err := p.Thumbnail(ctx(t), txt); err != nil || got != worker.ThumbnailSkipped {
		t.Fatalf("Thumbnail of a text = %v, %v", got, err)
	}
	if n := f.noted(t, txt); n.Note != nil {
		t.Errorf("text document's note %q", *n.Note)
	}
}

// TestNoThumbnails: with thumbnails off (DOCUVAULT_THUMBNAILS=false) the
// worker makes none, and still stores the searchable copy.
func TestNoThumbnails(t *testing.T) {
	f := newFixture(t)
	pdf, err := os.ReadFile("testdata/groff-ms.pdf")
	if err != nil {
		t.Fatal(err)
	}
	id := f.uploadPDF(t, f.user.ID, append(append([]byte(nil), pdf...), "\n% no thumbnails\n"...))
	x := &searchable{t: t, text: "Invoice: bank payments", copy: true}
	p := &worker.Pipeline{DB: f.db, Objects: f.store, Extractor: x, Classifiers: &worker.Classifiers{DB: f.db}, NoThumbnails: true}
	if out, err := p.Process(ctx(t), id); err != nil || out != worker.Classified {
		t.Fatalf("Process = %v, %v", out, err)
	}
	if got, err := p.Finish(ctx(t), id); err != nil || got != worker.ThumbnailSkipped {
		t.Fatalf("Finish = %v, %v", got, err)
	}
	rows := f.derivedRows(t, id)
	if _, ok := rows[storage.KindThumbnail]; ok || len(rows) != 1 {
		t.Errorf("derived rows %+v, want only the searchable copy", rows)
	}
}

// stamped is a test extractor of PDFs that notes when it last ran.
type stamped struct {
	takes time.Duration
	mu    sync.Mutex
	last  time.Time
}

func (s *stamped) Supports(ct string) bool { return ct == "application/pdf" }

func (s *stamped) Extract(context.Context, extract.Input) (extract.Output, error) {
	time.Sleep(s.takes) // as long as reading a PDF takes
	s.mu.Lock()
	s.last = time.Now()
	s.mu.Unlock()
	return extract.Output{Text: "Invoice: bank payments", Method: "test"}, nil
}

// TestDrainMakesThumbnailsAfterText: a drain reads every document, then
// finishes them (thumbnails, words for similar documents: a lower-priority
// job), so that a batch is filed before its page images are drawn.
func TestDrainMakesThumbnailsAfterText(t *testing.T) {
	testenv.Tools(t, "pdftoppm")
	f := newFixture(t)
	pdf, err := os.ReadFile("testdata/groff-ms.pdf")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 20 {
		ids = append(ids, f.uploadPDF(t, f.user.ID, fmt.Appendf(append([]byte(nil), pdf...), "\n%% copy %d\n", i)))
	}
	x := &stamped{takes: 20 * time.Millisecond}
	res, err := f.runner(x, worker.Options{Concurrency: 2}).Drain(ctx(t))
	if err != nil || res.Processed != len(ids) || len(res.Failed) != 0 {
		t.Fatalf("Drain = %+v, %v", res, err)
	}
	// No finishing job starts while documents wait to be read; those taken
	// by the pool's other workers as the last ones were (2×concurrency
	// jobs run at once) may store their thumbnails before the last is read.
	var early int
	err = f.db.Get(&early, `SELECT count(*) FROM document_objects o WHERE o.document_id = ANY($1) AND o.kind = 'thumbnail' AND o.created_at < $2`, pq.Array(ids), x.last)
	if err != nil {
		t.Fatal(err)
	}
	if early > 3 {
		t.Errorf("%d of %d thumbnails were stored before the last document was read (at %v); at most 3 may be", early, len(ids), x.last)
	}
	for _, id := range ids {
		if th := f.derivedRows(t, id)[storage.KindThumbnail]; th.Size == 0 {
			t.Errorf("document %s has no thumbnail after the drain", id)
		}
		if n := f.noted(t, id); n.Status != "classified" || n.Used != n.Sum {
			t.Errorf("document %s: %+v", id, n)
		}
	}
}

// TestSweeperQueuesMissingThumbnails: a document read without its
// thumbnail job (lost, or read before thumbnails existed) gets one from
// the sweeper; one whose thumbnail cannot be made is not tried again.
func TestSweeperQueuesMissingThumbnails(t *testing.T) {
	testenv.Tools(t, "pdftoppm")
	f := newFixture(t)
	pdf, err := os.ReadFile("testdata/groff-ms.pdf")
	if err != nil {
		t.Fatal(err)
	}
	good := f.uploadPDF(t, f.user.ID, pdf)
	bad := f.uploadPDF(t, f.user.ID, []byte("%PDF-1.4\n% nothing a renderer can read\n"))
	p := &worker.Pipeline{DB: f.db, Objects: f.store, Extractor: &stamped{}, Classifiers: &worker.Classifiers{DB: f.db}}
	for _, id := range []string{good, bad} {
		if out, err := p.Process(ctx(t), id); err != nil || out != worker.Classified {
			t.Fatalf("Process = %v, %v", out, err)
		}
	}
	if _, err := p.Thumbnail(ctx(t), bad); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(`UPDATE documents SET updated_at = now() - interval '1 hour' WHERE id = ANY($1)`, pq.Array([]string{good, bad})); err != nil {
		t.Fatal(err)
	}
	if _, err := f.runner(&stamped{}, worker.Options{}).Drain(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if th := f.derivedRows(t, good)[storage.KindThumbnail]; th.Size == 0 {
		t.Errorf("no thumbnail after the sweep")
	}
	if n := f.noted(t, bad); n.Note == nil || strings.Count(*n.Note, "thumbnail not stored") != 1 {
		t.Errorf("broken PDF's note %v", n.Note)
	}
	client := work.NewClient(f.d.Namespace, f.pool)
	if st, err := jobs.Stats(client); err != nil || st.Queued != 0 || st.Retrying != 0 || st.Dead != 0 {
		t.Errorf("queue after the drain: %+v, %v", st, err)
	}
}
