package worker

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/classify"
	"github.com/docuvault/docuvault/pkg/extract"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

// BenchmarkSave times the statement that saves a document's text, topics,
// date and words (one round trip), with no words and with 64: what keeping
// the words for similar documents adds to each document the worker reads.
// The documents are 20 KB texts of an owner who has 2,000 documents with
// words already.
func BenchmarkSave(b *testing.B) {
	d := testenv.Deploy(b)
	db, admin := d.AppDB(b), d.AdminDB(b)
	ctx := context.Background()
	u, err := users.Create(ctx, db, users.NewUser{Handle: "ann", Email: "ann@example.org"})
	if err != nil {
		b.Fatal(err)
	}
	owner := u.ID
	text := "Invoice date: 3 December 2026\n" + strings.Repeat("The plumber repaired the pipes under the kitchen sink. ", 370)
	terms := classify.Terms{}
	for i := range classify.SimilarTerms {
		terms[fmt.Sprintf("word%02d", i)] = 0.125
	}
	// The owner's other documents and their words.
	admin.MustExec(`WITH docs AS (
			INSERT INTO documents (user_id, filename, object_key, content_type, size_bytes, status)
			SELECT $1::uuid, 'old' || n, $1::text || '/old' || n, 'text/plain', 1, 'classified' FROM generate_series(1, 2000) n RETURNING id)
		INSERT INTO document_terms (document_id, user_id, term, weight)
		SELECT docs.id, $1::uuid, 'word' || lpad((random() * 5000)::int::text, 2, '0') || k, 0.125 FROM docs, generate_series(1, 64) k
		ON CONFLICT DO NOTHING`, owner)
	admin.MustExec(`VACUUM ANALYZE documents, document_terms`)
	p := &Pipeline{DB: db}
	for _, c := range []struct {
		name  string
		terms classify.Terms
	}{{"no words", nil}, {"64 words", terms}} {
		b.Run(c.name, func(b *testing.B) {
			var ids []string
			err := admin.Select(&ids, `INSERT INTO documents (user_id, filename, object_key, content_type, size_bytes, status)
				SELECT $1::uuid, 'doc' || n, $1::text || '/' || gen_random_uuid(), 'text/plain', 1, 'processing' FROM generate_series(1, $2) n RETURNING id`,
				owner, b.N)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				row := docRow{ID: ids[i], UserID: owner, Filename: "doc.txt"}
				if err := p.save(ctx, row, statusClassified, text, extract.Output{Method: "text"}, classify.Result{Provider: "builtin"}, c.terms); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			var n int
			if err := admin.Get(&n, `SELECT count(*) FROM document_terms WHERE document_id = ANY($1::uuid[])`, pq.Array(ids)); err != nil {
				b.Fatal(err)
			}
			if n != len(c.terms)*b.N {
				b.Fatalf("%d words saved, want %d", n, len(c.terms)*b.N)
			}
		})
	}
}
