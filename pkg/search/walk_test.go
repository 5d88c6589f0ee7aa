package search_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/search"
)

// TestBroadSearchRanksTheNewestMatches: a broad query (a word PostgreSQL's
// statistics call common, a phrase, a topic filter) looks for the newest RankLimit by
// walking search_index's parts, newest first (findNewest). What it ranks
// must be exactly what reading every match would rank: the newest
// RankLimit of the viewer's own matches (by their text or their notes) and
// of those shared with them, never another user's, a trashed or an
// uploading one; for a word spread over time (the newest parts suffice),
// for one only in the oldest documents (every part is read, so the total
// is exact), for a phrase and for a word under a topic.
func TestBroadSearchRanksTheNewestMatches(t *testing.T) {
	v := newVault(t)
	ann, bob := v.user(t, "ann"), v.user(t, "bob")
	topic := uuid.NewString()
	v.exec(t, `INSERT INTO topics (id, user_id, name) VALUES ($1, $2, 'Remarks')`, topic, ann)
	// 30,000 documents, one a minute: "common" in every second one,
	// "ancient" in each of the oldest 12,000 (and nowhere newer); every
	// third one filed under Remarks.
	v.exec(t, `INSERT INTO documents (user_id, filename, object_key, content_type, extracted_text, status, search_config, created_at)
		SELECT $1::uuid, 'doc-' || i || '.txt', $1::text || '/' || i, 'text/plain',
			'Entry ' || i || CASE WHEN i % 2 = 0 THEN ' a common remark' ELSE ' a plain remark' END ||
			CASE WHEN i > 18000 THEN ' from ancient times' ELSE '' END,
			'classified', 'english', now() - i * interval '1 minute'
		FROM generate_series(1, 30000) i`, ann)
	v.exec(t, `INSERT INTO document_topics (document_id, topic_id)
		SELECT id, $2 FROM documents WHERE user_id = $1 AND substring(filename FROM '[0-9]+')::int % 3 = 0`, ann, topic)
	// Among ann's newest: one whose notes (not its text) have the word,
	// one trashed and one still uploading that have it in their text.
	notes := v.add(t, doc{owner: ann, filename: "notes.txt", text: "Nothing to see here", age: 30})
	v.exec(t, `UPDATE documents SET notes_text = 'a common note' WHERE id = $1`, notes)
	trashed := v.add(t, doc{owner: ann, filename: "trashed.txt", text: "A common remark, ancient too", age: 20})
	v.exec(t, `UPDATE documents SET trashed_at = now() WHERE id = $1`, trashed)
	uploading := v.add(t, doc{owner: ann, filename: "uploading.txt", text: "A common remark, ancient too", age: 10, status: "uploading"})
	// bob's: one shared with ann (newer than all of hers), one not.
	shared := v.add(t, doc{owner: bob, filename: "shared.txt", text: "A common remark, ancient too", age: 5})
	v.exec(t, `INSERT INTO shares (document_id, owner_id, recipient_id, permission) VALUES ($1, $2, $3, 'view')`, shared, bob, ann)
	unshared := v.add(t, doc{owner: bob, filename: "unshared.txt", text: "A common remark, ancient too", age: 1})
	if _, err := v.mig.ExecContext(ctx(t), `VACUUM ANALYZE documents`); err != nil {
		t.Fatal(err)
	}
	// The app's role cuts the index into parts of 5,000 (the function runs
	// as the migrate role); a second cut has nothing to do.
	var searchable int
	if err := v.app.GetContext(ctx(t), &searchable, `SELECT count(*) FROM search_index`); err != nil {
		t.Fatal(err)
	}
	made, err := search.CutIndex(ctx(t), v.app, 5000)
	if err != nil {
		t.Fatal(err)
	}
	if want := (searchable - 1) / 5000; made != want || searchable != 30003 {
		t.Fatalf("cut %d parts of 5,000 out of %d searchable documents, want %d of 30,003", made, searchable, want)
	}
	if again, err := search.CutIndex(ctx(t), v.app, 5000); err != nil || again != 0 {
		t.Fatalf("second cut: %d parts, %v; want 0, nil", again, err)
	}
	checkIndex(t, v)

	// want is the newest RankLimit of every document ann may see that
	// matches tsq (a tsquery of the english configuration), by plain SQL,
	// and how many there are; under the topic when topic is not "".
	want := func(tsq, topic string) ([]string, int) {
		var ids []string
		if err := v.app.SelectContext(ctx(t), &ids, `SELECT d.id FROM documents d
			WHERE (d.search_vector || COALESCE(d.notes_vector, ''::tsvector)) @@ to_tsquery('english', $2)
				AND d.status <> 'uploading' AND d.trashed_at IS NULL
				AND (d.user_id = $1 OR EXISTS (SELECT 1 FROM shares s WHERE s.document_id = d.id AND s.recipient_id = $1))
				AND ($3 = '' OR EXISTS (SELECT 1 FROM document_topics dt WHERE dt.document_id = d.id AND dt.topic_id::text = $3))
			ORDER BY d.created_at DESC, d.id DESC`, ann, tsq, topic); err != nil {
			t.Fatal(err)
		}
		return ids[:min(len(ids), search.RankLimit)], len(ids)
	}
	// ranked is every hit Search ranks for q, through every page.
	ranked := func(q search.Query) ([]string, search.Result) {
		var ids []string
		q.Viewer, q.Limit = ann, 100
		first := v.search(t, q)
		res := first
		for {
			for _, h := range res.Hits {
				ids = append(ids, h.ID)
			}
			if res.Next == "" {
				break
			}
			q.Cursor = res.Next
			res = v.search(t, q)
		}
		return ids, first
	}
	for _, c := range []struct {
		name, text, tsq, topic string
		exact                  bool // every part is read
	}{
		{"word spread over time", "common", "common", "", false},
		{"word in the oldest documents", "ancient", "ancient", "", true},
		{"phrase", `"common remark"`, "common <-> remark", "", false},
		{"word under a topic", "remark", "remark", topic, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := search.Query{Viewer: ann, Text: c.text, TopicID: c.topic}
			walked, err := search.Walked(ctx(t), v.app, q)
			if err != nil {
				t.Fatal(err)
			}
			if !walked {
				t.Fatalf("%s: not looked for in search_index", c.text)
			}
			wantIDs, n := want(c.tsq, c.topic)
			got, res := ranked(q)
			slices.Sort(got)
			slices.Sort(wantIDs)
			if !slices.Equal(got, wantIDs) {
				t.Fatalf("%s: ranked %d documents, want the newest %d of %d", c.text, len(got), len(wantIDs), n)
			}
			for _, bad := range []string{trashed, uploading, unshared} {
				if slices.Contains(got, bad) {
					t.Errorf("%s: ranked a document ann may not see (%s)", c.text, bad)
				}
			}
			if c.topic == "" && !slices.Contains(got, shared) {
				t.Errorf("%s: the document bob shared, the newest match, is not ranked", c.text)
			}
			if c.exact {
				if int(res.Total) != n {
					t.Errorf("%s: total %d (exact %v), want %d: every part was read", c.text, res.Total, res.TotalExact, n)
				}
			} else if res.TotalExact || res.Total < int64(search.RankLimit) {
				t.Errorf("%s: total %d exact %v, want an estimate of at least %d", c.text, res.Total, res.TotalExact, search.RankLimit)
			}
			// Count counts them one by one: exactly the matches plain SQL finds.
			if counted, err := search.Count(ctx(t), v.app, q); err != nil || counted != int64(n) {
				t.Errorf("%s: Count %d, %v; want %d, nil", c.text, counted, err, n)
			}
			t.Logf("%s: %d matches, total %d", c.text, n, res.Total)
		})
	}
	// "common"'s newest include the document whose notes have it.
	if got, _ := ranked(search.Query{Text: "common"}); !slices.Contains(got, notes) {
		t.Error("common: the document whose notes have the word is not ranked")
	}
	// A rare word is not walked: the statement reads its few matches.
	if walked, err := search.Walked(ctx(t), v.app, search.Query{Viewer: ann, Text: "17"}); err != nil || walked {
		t.Errorf("17: walked %v, %v; want the plain statement", walked, err)
	}
	// A created range reads only the parts it overlaps, and still ranks
	// the newest matches in it.
	var from, to string
	if err := v.app.QueryRowxContext(ctx(t), `SELECT (now() - interval '20000 minutes')::text, (now() - interval '14000 minutes')::text`).Scan(&from, &to); err != nil {
		t.Fatal(err)
	}
	var inRange []string
	if err := v.app.SelectContext(ctx(t), &inRange, `SELECT id FROM documents WHERE user_id = $1 AND search_vector @@ to_tsquery('english', 'common')
		AND created_at >= $2::timestamptz AND created_at < $3::timestamptz AND trashed_at IS NULL AND status <> 'uploading'
		ORDER BY created_at DESC, id DESC LIMIT 1000`, ann, from, to); err != nil {
		t.Fatal(err)
	}
	q := search.Query{Text: "common"}
	if err := q.From.UnmarshalText([]byte(rfc3339(t, v, from))); err != nil {
		t.Fatal(err)
	}
	if err := q.To.UnmarshalText([]byte(rfc3339(t, v, to))); err != nil {
		t.Fatal(err)
	}
	got, _ := ranked(q)
	slices.Sort(got)
	slices.Sort(inRange)
	if !slices.Equal(got, inRange) {
		t.Errorf("common in a created range: ranked %d, want the newest %d in it", len(got), len(inRange))
	}
}

// rfc3339 is a timestamptz's text as RFC 3339.
func rfc3339(t *testing.T, v *vault, ts string) string {
	t.Helper()
	var s string
	if err := v.app.GetContext(ctx(t), &s, `SELECT to_char($1::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`, ts); err != nil {
		t.Fatal(err)
	}
	return s
}

// checkIndex fails unless search_index holds exactly the searchable
// documents (not uploading, not trashed, with an owner), each as it is now:
// owner, date, configuration, type, words, notes and topics, in the part
// of its date.
func checkIndex(t *testing.T, v *vault) {
	t.Helper()
	const want = `SELECT d.id, d.user_id, d.created_at, d.search_config, d.content_type, d.search_vector::text,
			COALESCE(d.notes_vector::text, ''),
			COALESCE((SELECT array_agg(topic_id ORDER BY topic_id) FROM document_topics WHERE document_id = d.id), '{}')::text
		FROM documents d WHERE d.status <> 'uploading' AND d.trashed_at IS NULL AND d.user_id IS NOT NULL`
	const have = `SELECT s.document_id, s.user_id, s.created_at, s.search_config, s.content_type, s.search_vector::text,
			COALESCE(s.notes_vector::text, ''), s.topics::text
		FROM search_index s`
	for _, c := range []struct{ name, query string }{
		{"missing from search_index or out of date", want + " EXCEPT ALL " + have},
		{"in search_index but not searchable as it is", have + " EXCEPT ALL " + want},
	} {
		var ids []string
		if err := v.app.SelectContext(ctx(t), &ids, `SELECT id FROM (`+c.query+`) x(id, a, b, c, d, e, f, g)`); err != nil {
			t.Fatal(err)
		}
		if len(ids) > 0 {
			t.Fatalf("%s: %d documents, first %s", c.name, len(ids), ids[0])
		}
	}
	var misplaced int
	if err := v.app.GetContext(ctx(t), &misplaced, `SELECT count(*) FROM search_index s
		JOIN pg_class c ON c.oid = s.tableoid
		LEFT JOIN search_index_parts p ON p.name = c.relname
		WHERE (p.name IS NULL AND c.relname <> 'search_index_head')
			OR (p.name IS NOT NULL AND NOT (s.created_at >= p.lower AND s.created_at < p.upper))
			OR (c.relname = 'search_index_head' AND s.created_at < COALESCE((SELECT max(upper) FROM search_index_parts), '-infinity'))`); err != nil {
		t.Fatal(err)
	}
	if misplaced > 0 {
		t.Fatalf("%d rows of search_index outside their part's range", misplaced)
	}
}

// TestSearchIndexFollowsDocuments: every change that makes a document
// searchable or not, or changes what a search reads of it, is in
// search_index in the same transaction: uploaded, read, its text and
// notes changed, filed and unfiled (one topic, several in one statement,
// a topic deleted), trashed and restored, given to another owner, its
// owner removed, deleted; and a document created before the newest part
// goes into the part of its time.
func TestSearchIndexFollowsDocuments(t *testing.T) {
	v := newVault(t)
	ann, bob := v.user(t, "ann"), v.user(t, "bob")
	t1, t2 := uuid.NewString(), uuid.NewString()
	v.exec(t, `INSERT INTO topics (id, user_id, name) VALUES ($1, $3, 'Taxes'), ($2, $3, 'Travel')`, t1, t2, ann)
	up := v.add(t, doc{owner: ann, filename: "scan.pdf", text: "", status: "uploading"})
	checkIndex(t, v)
	steps := []struct{ name, query string }{
		{"read", `UPDATE documents SET status = 'classified', extracted_text = 'tax return 2025' WHERE id = $1`},
		{"text changed", `UPDATE documents SET extracted_text = 'tax assessment 2026' WHERE id = $1`},
		{"notes", `UPDATE documents SET notes_text = 'ask the accountant' WHERE id = $1`},
		{"status only", `UPDATE documents SET status = 'pending' WHERE id = $1`},
		{"filed", `INSERT INTO document_topics (document_id, topic_id) VALUES ($1, '` + t1 + `')`},
		{"filed twice in one statement", `INSERT INTO document_topics (document_id, topic_id) SELECT $1, '` + t2 + `'`},
		{"unfiled", `DELETE FROM document_topics WHERE document_id = $1 AND topic_id = '` + t1 + `'`},
		{"refiled", `UPDATE document_topics SET topic_id = '` + t1 + `' WHERE document_id = $1 AND topic_id = '` + t2 + `'`},
		{"type", `UPDATE documents SET content_type = 'application/pdf' WHERE id = $1`},
		{"trashed", `UPDATE documents SET trashed_at = now() WHERE id = $1`},
		{"restored", `UPDATE documents SET trashed_at = NULL WHERE id = $1`},
		{"given to bob", `UPDATE documents SET user_id = '` + bob + `' WHERE id = $1`},
		{"back to ann", `UPDATE documents SET user_id = '` + ann + `' WHERE id = $1`},
		{"topic deleted", `DELETE FROM topics WHERE id = '` + t1 + `' AND $1::uuid IS NOT NULL`},
		{"uploading again", `UPDATE documents SET status = 'uploading' WHERE id = $1`},
		{"read again", `UPDATE documents SET status = 'classified' WHERE id = $1`},
		{"owner removed", `UPDATE documents SET user_id = NULL WHERE id = $1`},
		{"owner back", `UPDATE documents SET user_id = '` + ann + `' WHERE id = $1`},
	}
	for _, s := range steps {
		v.exec(t, s.query, up)
		t.Run(s.name, func(t *testing.T) { checkIndex(t, v) })
	}
	var rows int
	if err := v.app.GetContext(ctx(t), &rows, `SELECT count(*) FROM search_index WHERE document_id = $1`, up); err != nil || rows != 1 {
		t.Fatalf("search_index rows of the document: %d, %v; want 1", rows, err)
	}
	// Parts, then a document older than the newest part, then deletions.
	for i := range 6 {
		v.add(t, doc{owner: ann, filename: "old.txt", text: "an old letter", age: time.Duration(1000+i) * time.Minute})
	}
	if made, err := search.CutIndex(ctx(t), v.app, 2); err != nil || made != 3 {
		t.Fatalf("cut: %d parts, %v; want 3 (7 documents, parts of 2, 1 left in the head)", made, err)
	}
	late := v.add(t, doc{owner: ann, filename: "late.txt", text: "found in a drawer", age: 1002*time.Minute + 30*time.Second})
	checkIndex(t, v)
	v.exec(t, `DELETE FROM documents WHERE id = $1`, late)
	v.exec(t, `DELETE FROM documents WHERE id = $1`, up)
	checkIndex(t, v)
	var pe *pq.Error
	if _, err := search.CutIndex(ctx(t), v.app, 0); !errors.As(err, &pe) || pe.Code != "22023" {
		t.Fatalf("cut into parts of 0 documents: %v, want invalid_parameter_value (22023)", err)
	}
}

// TestEstimatedTotalCountsHitsOnly: past RankLimit candidates, the total
// counts the candidates that were not ranked at the rate the ranked ones
// were hits. A candidate matches one of the query's forms, one per
// language, and Swedish stems "reactor" to "react": 2,000 English
// documents that say "react" are candidates for "reactor" and never hits.
// Counted as hits, the total was 1,700 for 500.
func TestEstimatedTotalCountsHitsOnly(t *testing.T) {
	v := newVault(t)
	ann := v.user(t, "ann")
	v.exec(t, `INSERT INTO documents (user_id, filename, object_key, content_type, extracted_text, status, search_config, created_at)
		SELECT $1::uuid, 'doc-' || i || '.txt', $1::text || '/' || i, 'text/plain',
			CASE WHEN i % 5 = 0 THEN 'Notes on the reactor' ELSE 'How they react' END,
			'classified', 'english', now() - i * interval '1 minute'
		FROM generate_series(1, 2500) i`, ann)
	if _, err := v.mig.ExecContext(ctx(t), `VACUUM ANALYZE documents`); err != nil {
		t.Fatal(err)
	}
	q := search.Query{Viewer: ann, Text: "reactor"}
	res := v.search(t, q)
	counted, err := search.Count(ctx(t), v.app, q)
	if err != nil {
		t.Fatal(err)
	}
	if counted != 500 {
		t.Fatalf("Count: %d, want the 500 documents that say reactor", counted)
	}
	if res.TotalExact || res.Total < 400 || res.Total > 600 {
		t.Errorf("total %d (exact %v), want an estimate of the 500 hits within 100", res.Total, res.TotalExact)
	}
}
