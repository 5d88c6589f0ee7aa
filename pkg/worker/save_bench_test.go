package worker

import (
	"context"
	"strings"
	"testing"

	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/classify"
	"github.com/docuvault/docuvault/pkg/extract"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

// BenchmarkSave times the statement that saves a document's text, topics
// and date (one round trip; its words for similar documents are stored
// later, by its finish_document job). The documents are 20 KB texts of an
// owner who has 2,000 documents with words already.
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
	// The owner's other documents and their words.
	admin.MustExec(`WITH docs AS (
			INSERT INTO documents (user_id, filename, object_key, content_type, size_bytes, status)
			SELECT $1::uuid, 'old' || n, $1::text || '/old' || n, 'text/plain', 1, 'classified' FROM generate_series(1, 2000) n RETURNING id)
		INSERT INTO document_terms (document_id, user_id, term, weight)
		SELECT docs.id, $1::uuid, 'word' || lpad((random() * 5000)::int::text, 2, '0') || k, 0.125 FROM docs, generate_series(1, 64) k
		ON CONFLICT DO NOTHING`, owner)
	admin.MustExec(`VACUUM ANALYZE documents, document_terms`)
	p := &Pipeline{DB: db}
	var ids []string
	err = admin.Select(&ids, `INSERT INTO documents (user_id, filename, object_key, content_type, size_bytes, status)
		SELECT $1::uuid, 'doc' || n, $1::text || '/' || gen_random_uuid(), 'text/plain', 1, 'processing' FROM generate_series(1, $2) n RETURNING id`,
		owner, b.N)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		row := docRow{ID: ids[i], UserID: owner, Filename: "doc.txt"}
		if err := p.save(ctx, row, statusClassified, text, extract.Output{Method: "text"}, classify.Result{Provider: "builtin"}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var n int
	if err := admin.Get(&n, `SELECT count(*) FROM documents WHERE id = ANY($1::uuid[]) AND status = 'classified' AND document_date = '2026-12-03'`, pq.Array(ids)); err != nil {
		b.Fatal(err)
	}
	if n != b.N {
		b.Fatalf("%d documents saved with their date, want %d", n, b.N)
	}
}
