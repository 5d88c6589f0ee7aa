package worker_test

import (
	"context"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/pkg/extract"
	"github.com/docuvault/docuvault/pkg/worker"
)

// The worker saves each document's own date (read in its language) and
// its words for similar documents with its text; reading it again replaces
// both; a document without text has neither.
func TestDocumentDateAndTerms(t *testing.T) {
	f := newFixture(t)
	letter := f.upload(t, "brief.txt", `Stadtwerke Bonn GmbH
Postfach 1234, 53111 Bonn

Bonn, den 3. Dezember 2026

Ihre Rechnung für Strom und Gas
Sehr geehrte Frau Müller, wir danken Ihnen für Ihre Zahlung vom 28.11.2026.
Der nächste Abschlag wird am 15.01.2027 von Ihrem Konto abgebucht.`)
	invoice := f.upload(t, "invoice.txt", `INVOICE 2026-118
Due date: 01/02/2027
Invoice date: 11/30/2026
Plumbing: pipes repaired in the kitchen, invoice total 120 dollars, thank you for your business with our company.`)
	undated := f.upload(t, "note.txt", "plumbing pipes kitchen repaired")
	blank := f.upload(t, "blank.txt", "   \n ")
	res, err := f.runner(&plainText{}, worker.Options{Concurrency: 2}).Drain(ctx(t))
	if err != nil || len(res.Failed) != 0 || res.Processed != 4 {
		t.Fatalf("Drain = %+v, %v", res, err)
	}
	type row struct {
		Date  *string `db:"document_date"`
		Terms int     `db:"terms"`
		Norm  float64 `db:"norm"`
	}
	get := func(id string) row {
		t.Helper()
		var r row
		err := f.db.Get(&r, `SELECT to_char(d.document_date, 'YYYY-MM-DD') AS document_date,
			(SELECT count(*) FROM document_terms t WHERE t.document_id = d.id AND t.user_id = d.user_id) AS terms,
			(SELECT COALESCE(round(sum(t.weight * t.weight)::numeric, 2), 0) FROM document_terms t WHERE t.document_id = d.id) AS norm
			FROM documents d WHERE d.id = $1`, id)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	date := func(r row) string {
		if r.Date == nil {
			return "none"
		}
		return *r.Date
	}
	for _, c := range []struct {
		name, id, date string
		terms          int
	}{
		{"German letter", letter, "2026-12-03", 31},
		{"English invoice (month first, not the due date)", invoice, "2026-11-30", 12},
		{"no date", undated, "none", 5},
		{"no text", blank, "none", 0},
	} {
		r := get(c.id)
		if date(r) != c.date || r.Terms != c.terms || c.terms > 0 && r.Norm != 1 {
			t.Errorf("%s: date %s, %d terms (norm² %v); want %s, %d terms of norm 1", c.name, date(r), r.Terms, r.Norm, c.date, c.terms)
		}
	}
	// Its words are its name's (without ".txt") and its text's, stemmed.
	var top []string
	if err := f.db.Select(&top, `SELECT term FROM document_terms WHERE document_id = $1 ORDER BY term`, undated); err != nil {
		t.Fatal(err)
	}
	for _, term := range top {
		if !strings.Contains(" note plumbing pipes kitchen repaired", " "+term) {
			t.Errorf("note's terms %v: %q is none of its words", top, term)
		}
	}

	// Read again with other words: the date and the words are replaced.
	if _, err := f.d.AdminDB(t).Exec(`UPDATE documents SET status = 'pending', updated_at = now() - interval '1 hour' WHERE id = $1`, undated); err != nil {
		t.Fatal(err)
	}
	again := fixedText("Datum: 02.10.2026 Zahnarzt Rechnung Praxis Behandlung")
	if res, err := f.runner(again, worker.Options{}).Drain(ctx(t)); err != nil || res.Processed != 1 {
		t.Fatalf("Drain = %+v, %v", res, err)
	}
	if r := get(undated); date(r) != "2026-10-02" || r.Terms != 6 {
		t.Errorf("read again: date %s, %d terms; want 2026-10-02, 6", date(r), r.Terms)
	}
	if err := f.db.Select(&top, `SELECT term FROM document_terms WHERE document_id = $1 AND term IN ('kitche', 'pipe')`, undated); err != nil || len(top) != 0 {
		t.Errorf("old terms kept: %v, %v", top, err)
	}
}

// fixedText is a test extractor that reads every document as its text.
type fixedText string

func (fixedText) Supports(ct string) bool { return strings.HasPrefix(ct, "text/") }

func (x fixedText) Extract(context.Context, extract.Input) (extract.Output, error) {
	return extract.Output{Text: string(x), Method: "test"}, nil
}

// Backfill gives documents read before the date and the words were kept
// what the worker would have kept, from their stored text, once.
func TestBackfill(t *testing.T) {
	f := newFixture(t)
	f.upload(t, "brief.txt", "München, den 3. Dezember 2026\nIhre Stromrechnung: Abschlag für Strom und Gas, Zählerstand, Tarif.")
	f.upload(t, "note.txt", "plumbing pipes kitchen repaired")
	f.upload(t, "blank.txt", "   ")
	if res, err := f.runner(&plainText{}, worker.Options{}).Drain(ctx(t)); err != nil || res.Processed != 3 {
		t.Fatalf("Drain = %+v, %v", res, err)
	}
	snapshot := func() string {
		t.Helper()
		var rows []string
		err := f.db.Select(&rows, `SELECT d.filename || ' ' || COALESCE(to_char(d.document_date, 'YYYY-MM-DD'), '-') || ' ' ||
				COALESCE((SELECT string_agg(t.term, ',' ORDER BY t.term) FROM document_terms t WHERE t.document_id = d.id), '-')
			FROM documents d ORDER BY d.filename`)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(rows, "\n")
	}
	// The same words (weighed a little differently: the model has learned
	// from the owner's documents since).
	want := snapshot()
	// As before migration 0015: no date, no words.
	admin := f.d.AdminDB(t)
	admin.MustExec(`UPDATE documents SET document_date = NULL`)
	admin.MustExec(`DELETE FROM document_terms`)
	res, err := worker.Backfill(ctx(t), f.db, &worker.Classifiers{DB: f.db}, f.user.ID)
	if err != nil || res != (worker.BackfillResult{Documents: 2, Dated: 1}) {
		t.Fatalf("Backfill = %+v, %v; want 2 documents, 1 dated", res, err)
	}
	if got := snapshot(); got != want {
		t.Errorf("after Backfill:\n%s\nwant the dates and words the worker kept:\n%s", got, want)
	}
	if res, err := worker.Backfill(ctx(t), f.db, &worker.Classifiers{DB: f.db}, f.user.ID); err != nil || res != (worker.BackfillResult{}) {
		t.Errorf("Backfill again = %+v, %v; want nothing to do", res, err)
	}
}
