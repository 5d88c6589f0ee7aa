package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/classify"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

// insertDoc adds a document of owner with words terms (nil: none) and
// returns its id.
func insertDoc(t testing.TB, admin *sqlx.DB, owner, name, status string, terms map[string]float64) string {
	t.Helper()
	var id string
	err := admin.Get(&id, `INSERT INTO documents (user_id, filename, object_key, content_type, size_bytes, status)
		VALUES ($1, $2, $4, 'text/plain', 1, $3) RETURNING id`, owner, name, status, owner+"/"+name)
	if err != nil {
		t.Fatal(err)
	}
	var ts []string
	var ws []float64
	for k, w := range terms {
		ts, ws = append(ts, k), append(ws, w)
	}
	admin.MustExec(`INSERT INTO document_terms (document_id, user_id, term, weight) SELECT $1, $2, t, w FROM unnest($3::text[], $4::real[]) x(t, w)`,
		id, owner, pq.StringArray(ts), pq.Float64Array(ws))
	return id
}

func TestSimilar(t *testing.T) {
	d := testenv.Deploy(t)
	db, admin := d.AppDB(t), d.AdminDB(t)
	ctx := context.Background()
	ann, err := users.Create(ctx, db, users.NewUser{Handle: "ann", Email: "ann@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := users.Create(ctx, db, users.NewUser{Handle: "bob", Email: "bob@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	invoice := map[string]float64{"plumbe": 0.6, "invoic": 0.6, "kitche": 0.529}
	src := insertDoc(t, admin, ann.ID, "plumber.txt", "classified", invoice)
	insertDoc(t, admin, ann.ID, "twin.txt", "classified", invoice)
	near := insertDoc(t, admin, ann.ID, "near.txt", "classified", map[string]float64{"plumbe": 0.8, "bathro": 0.6})
	insertDoc(t, admin, ann.ID, "far.txt", "classified", map[string]float64{"kitche": 0.1, "holida": 0.995})
	insertDoc(t, admin, ann.ID, "unrelated.txt", "classified", map[string]float64{"beach": 1})
	insertDoc(t, admin, ann.ID, "notext.txt", "no_text", nil)
	insertDoc(t, admin, ann.ID, "uploading.txt", "uploading", invoice)
	insertDoc(t, admin, bob.ID, "bobs.txt", "classified", invoice)
	gone := insertDoc(t, admin, ann.ID, "deleted.txt", "classified", invoice)
	admin.MustExec(`DELETE FROM documents WHERE id = $1`, gone)

	type hit struct {
		name  string
		score float64
		perm  string
	}
	list := func(viewer, id string) []hit {
		t.Helper()
		docs, err := catalog.Similar(ctx, db, viewer, id)
		if err != nil {
			t.Fatal(err)
		}
		out := []hit{}
		for _, d := range docs {
			out = append(out, hit{d.Filename, d.Score, d.Permission})
			if d.Topics == nil || d.OwnerHandle != "ann" {
				t.Fatalf("similar document %+v", d)
			}
		}
		return out
	}
	want := []hit{{"twin.txt", 0.9998, "owner"}, {"near.txt", 0.48, "owner"}, {"far.txt", 0.0529, "owner"}}
	if got := list(ann.ID, src); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Similar(ann, plumber) = %v, want %v", got, want)
	}

	// Bob sees plumber.txt and near.txt shared with him: only near.txt is
	// listed, never ann's others nor his own bobs.txt.
	admin.MustExec(`INSERT INTO shares (document_id, owner_id, recipient_id, permission) VALUES ($1, $3, $4, 'view'), ($2, $3, $4, 'edit')`,
		src, near, ann.ID, bob.ID)
	want = []hit{{"near.txt", 0.48, "edit"}}
	if got := list(bob.ID, src); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Similar(bob, plumber) = %v, want %v", got, want)
	}

	// A document without terms has no similar ones; a document that does
	// not exist is not found.
	notext := insertDoc(t, admin, ann.ID, "notext2.txt", "no_text", nil)
	if got := list(ann.ID, notext); len(got) != 0 {
		t.Fatalf("Similar(no terms) = %v", got)
	}
	for _, id := range []string{gone, "not-a-uuid", uuid.NewString()} {
		if _, err := catalog.Similar(ctx, db, ann.ID, id); !errors.Is(err, catalog.ErrNotFound) {
			t.Fatalf("Similar(%s) = %v, want ErrNotFound", id, err)
		}
	}
}

// BenchmarkSimilar times Similar for an owner with 5,000 documents
// beside another owner's 5,000. Each document is 300 words: 30 % from the
// 200-word vocabulary of one of 50 subjects, the rest from a 20,000-word
// vocabulary with Zipf frequencies (as words are). Their words are weighed
// as the worker does: the builtin model trained on 300 of the owner's
// documents, each document's 64 heaviest words kept (classify.Terms).
func BenchmarkSimilar(b *testing.B) {
	d := testenv.Deploy(b)
	db, admin := d.AppDB(b), d.AdminDB(b)
	ctx := context.Background()
	const n, subjects = 5000, 50
	rng := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 20000)
	seen := map[string]bool{}
	for i := range vocab {
		for {
			w := make([]byte, 7)
			for j := range w {
				w[j] = byte('a' + rng.IntN(26))
			}
			if !seen[string(w[:6])] {
				seen[string(w[:6])] = true
				vocab[i] = string(w)
				break
			}
		}
	}
	zipf := rand.NewZipf(rng, 1.1, 1, uint64(len(vocab)-1))
	text := func(subject int) string {
		var sb strings.Builder
		for range 300 {
			if rng.IntN(10) < 3 {
				sb.WriteString(vocab[len(vocab)-1-subject*200-rng.IntN(200)])
			} else {
				sb.WriteString(vocab[zipf.Uint64()])
			}
			sb.WriteByte(' ')
		}
		return sb.String()
	}
	var ids []string
	var annID string
	var postings int
	for _, h := range []string{"ann", "bob"} {
		u, err := users.Create(ctx, db, users.NewUser{Handle: h, Email: h + "@example.org"})
		if err != nil {
			b.Fatal(err)
		}
		texts := make([]string, n)
		for i := range texts {
			texts[i] = text(i % subjects)
		}
		model, err := classify.Train(ctx, classify.TrainInput{Background: texts[:300]}, classify.Options{})
		if err != nil {
			b.Fatal(err)
		}
		var docs pq.Int64Array
		var ts pq.StringArray
		var ws pq.Float64Array
		for i, tx := range texts {
			for t, w := range model.Terms(tx, classify.SimilarTerms) {
				docs, ts, ws = append(docs, int64(i)), append(ts, t), append(ws, w)
			}
		}
		postings += len(ts)
		var docIDs []string
		err = admin.Select(&docIDs, `INSERT INTO documents (user_id, filename, object_key, content_type, size_bytes, status)
			SELECT $1::uuid, 'doc' || n, $1::text || '/' || n, 'text/plain', 1, 'classified'
			FROM generate_series(0, $2 - 1) n ORDER BY n RETURNING id`, u.ID, n)
		if err != nil {
			b.Fatal(err)
		}
		admin.MustExec(`INSERT INTO document_terms (document_id, user_id, term, weight)
			SELECT ($4::uuid[])[i + 1], $1, t, w FROM unnest($2::int[], $3::text[], $5::real[]) x(i, t, w)`,
			u.ID, docs, ts, pq.StringArray(docIDs), ws)
		if h == "ann" {
			ids, annID = docIDs, u.ID
		}
	}
	admin.MustExec(`VACUUM ANALYZE documents, document_terms`)
	i := 0
	for b.Loop() {
		docs, err := catalog.Similar(ctx, db, annID, ids[i%len(ids)])
		i += 7
		if err != nil {
			b.Fatal(err)
		}
		if len(docs) != catalog.SimilarLimit {
			b.Fatalf("%d similar documents", len(docs))
		}
	}
	b.ReportMetric(float64(postings)/2/n, "terms/doc")
}
