package search_test

import (
	"slices"
	"testing"

	"github.com/docuvault/docuvault/pkg/search"
)

// TestBroadSearchRanksTheNewestMatches: a query the index answers with
// more than search.BroadAbove of the viewer's documents looks for the
// newest RankLimit through windows of time (findBroad). What it ranks must
// be exactly what reading every match would rank: the newest RankLimit of
// the viewer's own matches (by their text or their notes) and of those
// shared with them, never another user's, a trashed or an uploading one;
// for a word spread over time (the first windows suffice) and for one only
// in the oldest documents (every window is read, so the total is exact).
// Topic filters and phrases keep the plain statement.
func TestBroadSearchRanksTheNewestMatches(t *testing.T) {
	v := newVault(t)
	ann, bob := v.user(t, "ann"), v.user(t, "bob")
	// 30,000 documents, one a minute: "common" in every second one,
	// "ancient" in each of the oldest 12,000 (and nowhere newer).
	v.exec(t, `INSERT INTO documents (user_id, filename, object_key, content_type, extracted_text, status, search_config, created_at)
		SELECT $1::uuid, 'doc-' || i || '.txt', $1::text || '/' || i, 'text/plain',
			'Entry ' || i || CASE WHEN i % 2 = 0 THEN ' a common remark' ELSE ' a plain remark' END ||
			CASE WHEN i > 18000 THEN ' from ancient times' ELSE '' END,
			'classified', 'english', now() - i * interval '1 minute'
		FROM generate_series(1, 30000) i`, ann)
	// Among ann's newest: one whose notes (not its text) have the word,
	// one trashed and one still uploading that have it in their text.
	notes := v.add(t, doc{owner: ann, filename: "notes.txt", text: "Nothing to see here", age: 30})
	v.exec(t, `UPDATE documents SET notes_text = 'a common note' WHERE id = $1`, notes)
	trashed := v.add(t, doc{owner: ann, filename: "trashed.txt", text: "A common word, ancient too", age: 20})
	v.exec(t, `UPDATE documents SET trashed_at = now() WHERE id = $1`, trashed)
	uploading := v.add(t, doc{owner: ann, filename: "uploading.txt", text: "A common word, ancient too", age: 10, status: "uploading"})
	// bob's: one shared with ann (newer than all of hers), one not.
	shared := v.add(t, doc{owner: bob, filename: "shared.txt", text: "A common word, ancient too", age: 5})
	v.exec(t, `INSERT INTO shares (document_id, owner_id, recipient_id, permission) VALUES ($1, $2, $3, 'view')`, shared, bob, ann)
	unshared := v.add(t, doc{owner: bob, filename: "unshared.txt", text: "A common word, ancient too", age: 1})
	if _, err := v.mig.ExecContext(ctx(t), `VACUUM ANALYZE documents`); err != nil {
		t.Fatal(err)
	}

	// want is the newest RankLimit of every document ann may see that
	// matches word, by plain SQL, and how many there are.
	want := func(word string) ([]string, int) {
		var ids []string
		if err := v.app.SelectContext(ctx(t), &ids, `SELECT d.id FROM documents d
			WHERE (d.search_vector || COALESCE(d.notes_vector, ''::tsvector)) @@ plainto_tsquery('english', $2)
				AND d.status <> 'uploading' AND d.trashed_at IS NULL
				AND (d.user_id = $1 OR EXISTS (SELECT 1 FROM shares s WHERE s.document_id = d.id AND s.recipient_id = $1))
			ORDER BY d.created_at DESC, d.id DESC`, ann, word); err != nil {
			t.Fatal(err)
		}
		return ids[:min(len(ids), search.RankLimit)], len(ids)
	}
	// ranked is every hit Search ranks for word, through every page.
	ranked := func(word string) ([]string, search.Result) {
		var ids []string
		q := search.Query{Viewer: ann, Text: word, Limit: 100}
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
	for _, word := range []string{"common", "ancient"} {
		t.Run(word, func(t *testing.T) {
			windowed, err := search.Windowed(ctx(t), v.app, search.Query{Viewer: ann, Text: word})
			if err != nil {
				t.Fatal(err)
			}
			if !windowed {
				t.Fatalf("%s: not looked for through windows", word)
			}
			wantIDs, n := want(word)
			got, res := ranked(word)
			slices.Sort(got)
			slices.Sort(wantIDs)
			if !slices.Equal(got, wantIDs) {
				t.Fatalf("%s: ranked %d documents, want the newest %d of %d (same set: %v)", word, len(got), len(wantIDs), n, slices.Equal(got, wantIDs))
			}
			for _, bad := range []string{trashed, uploading, unshared} {
				if slices.Contains(got, bad) {
					t.Errorf("%s: ranked a document ann may not see (%s)", word, bad)
				}
			}
			if !slices.Contains(got, shared) {
				t.Errorf("%s: the document bob shared, the newest match, is not ranked", word)
			}
			if res.TotalExact || res.Total < int64(search.RankLimit) {
				t.Errorf("%s: total %d exact %v, want an estimate of at least %d", word, res.Total, res.TotalExact, search.RankLimit)
			}
			t.Logf("%s: %d matches, total %d (estimated)", word, n, res.Total)
		})
	}
	// "common"'s newest include the document whose notes have it.
	if got, _ := ranked("common"); !slices.Contains(got, notes) {
		t.Error("common: the document whose notes have the word is not ranked")
	}
	// "ancient" is only in the oldest documents: every window was read, so
	// its total (ann's own 12,000 and the shared one) is counted.
	if _, res := ranked("ancient"); res.Total != 12001 {
		t.Errorf("ancient: total %d, want 12001", res.Total)
	}
	for _, q := range []search.Query{{Viewer: ann, Text: `"common remark"`}, {Viewer: ann, Text: "common", TopicID: "00000000-0000-0000-0000-000000000001"}} {
		windowed, err := search.Windowed(ctx(t), v.app, q)
		if err != nil {
			t.Fatal(err)
		}
		if windowed {
			t.Errorf("%s (topic %q): through windows, want the plain statement", q.Text, q.TopicID)
		}
	}
}
