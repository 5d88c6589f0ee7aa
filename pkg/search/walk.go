package search

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/shares"
)

// A broad query is one with a word common in the vault ("said" in a
// million newswire stories: 190,860),
// a phrase (the index finds every document with its words, in no order,
// and each is checked for the phrase), or a topic or unfiled filter (no
// index of documents answers it). Finding such a query's newest RankLimit
// through that index reads every match's row for its date: at a million
// documents, 100–250 ms.
//
// So their newest are looked for in search_index instead
// (migrations/0039_search_index.sql): a copy of what a search reads of
// every searchable document, topics included, in parts of about PartRows
// documents by creation time, each with its own GIN indexes. The walk
// reads the newest part (the head) first, then the next older parts, 1,
// 2, then BatchParts at a time, until RankLimit match: a part without a
// match costs a fraction of a millisecond, and the matches of older parts
// are never read. A word is broad when PostgreSQL's statistics call it
// common (pg_stats) and it estimates more than WalkAbove of the viewer's
// documents match with the filters (a common word narrowed to a month or
// a type may still have thousands there). Any other query runs the one
// statement with at most BroadCap+1 candidates, and past BroadCap walks
// after all.
//
// Documents shared with the viewer are looked for from the viewer's
// grants (shares.Grants), not from the index: the newest RankLimit that
// match.
const (
	WalkAbove  = RankLimit
	BroadCap   = 10000
	BatchParts = 4
)

// PartRows is how many documents a part of search_index holds: the worker
// cuts the head into parts of this size as it sweeps (CutIndex).
const PartRows = 20000

// phraseOps are a tsquery's phrase operators (<->, <N>) as PostgreSQL
// writes a tsquery as text: between spaces, which a lexeme never has.
var phraseOps = regexp.MustCompile(` <[0-9]*-?> `)

// broad is what findNewest found: the newest candidates (at most
// RankLimit, newest first) and how many candidates there are, counted or
// (when the walk stopped early) estimated.
type broad struct {
	parsed  parsed
	ids     []string
	created []time.Time
	total   int64
	exact   bool
}

// CutIndex cuts the head of search_index into parts of partRows documents
// while it holds more than that, and returns how many parts it made. It is
// cheap when there is nothing to cut. The app's role runs it through
// docuvault_search_index_cut, which runs as the migrate role (the only
// place the app makes a table).
func CutIndex(ctx context.Context, db sqlx.QueryerContext, partRows int) (int, error) {
	var n int
	if err := sqlx.GetContext(ctx, db, &n, `SELECT docuvault_search_index_cut($1)`, partRows); err != nil {
		return 0, fmt.Errorf("search: cut the index: %w", err)
	}
	return n, nil
}

// walked says whether st's query is looked for in search_index from the
// start (see broad): a phrase, a topic or unfiled filter, or a common
// word with more than WalkAbove matches estimated.
func walked(ctx context.Context, tx *sqlx.Tx, st statement) (bool, error) {
	if st.q.TopicID != "" || st.q.Unfiled || phraseOps.MatchString(st.parsed.union) {
		return true, nil
	}
	// PostgreSQL estimates a word it has no statistics on (not among the
	// most common words it sampled) as a fixed share of the table: a
	// typo's three forms in three languages came to 11,866 at a million
	// documents. So a query is broad when one of its words is among the
	// most common PostgreSQL sampled; the others are not, unless the
	// statement finds more than BroadCap.
	var common bool
	if err := tx.GetContext(ctx, &common, `SELECT EXISTS (SELECT 1 FROM pg_stats s
			CROSS JOIN LATERAL unnest(s.most_common_elems::text::text[]) e
			WHERE s.schemaname = current_schema() AND s.tablename = 'documents' AND s.attname = 'search_vector' AND e = ANY($1))`,
		pq.Array(st.parsed.words)); err != nil {
		return false, fmt.Errorf("search: %w", err)
	}
	if !common {
		return false, nil
	}
	// Walking pays when more than RankLimit match; fewer are all read by
	// the statement at once, where the walk could read every part for
	// them. (3 × RankLimit was measured too: a common word under a type
	// filter, estimated below it, then read 10,001 candidates before
	// walking after all.)
	own, args := ownMatches(st)
	est, err := estimateRows(ctx, tx, own, args)
	return est > WalkAbove, err
}

// span is a run of search_index's parts by creation time: [lower, upper),
// a zero bound for none (the head has no upper bound; with no parts,
// neither).
type span struct {
	Lower, Upper time.Time
}

// findNewest returns the newest candidates of st's query found by walking
// search_index, or nil when the query is not broad (see walked) and not
// forced: then the statement looks for every candidate itself.
func findNewest(ctx context.Context, tx *sqlx.Tx, st statement, force bool) (*broad, error) {
	if st.parsed.union == "" {
		return nil, nil
	}
	if !force {
		if ok, err := walked(ctx, tx, st); err != nil || !ok {
			return nil, err
		}
	}
	var parts []struct {
		Lower sql.NullTime `db:"lower"` // NULL: the first part, from -infinity
		Upper time.Time    `db:"upper"`
	}
	if err := tx.SelectContext(ctx, &parts, `SELECT NULLIF(lower, '-infinity') AS lower, upper
			FROM search_index_parts ORDER BY upper DESC`); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	spans := []span{{}} // the head
	for i, p := range parts {
		if i == 0 {
			spans[0].Lower = p.Upper
		}
		spans = append(spans, span{Lower: p.Lower.Time, Upper: p.Upper})
	}
	// The query's created range leaves out whole parts.
	from, to := st.q.From, st.q.To
	spans = slices.DeleteFunc(spans, func(s span) bool {
		return (!to.IsZero() && !s.Lower.IsZero() && !s.Lower.Before(to)) ||
			(!from.IsZero() && !s.Upper.IsZero() && !s.Upper.After(from))
	})
	type match struct {
		ID      string    `db:"id"`
		Created time.Time `db:"created_at"`
	}
	var found []match
	exact := true
	for i, n := 0, 1; i < len(spans); n = min(n*2, BatchParts) {
		j := min(len(spans), i+n)
		// Parts are contiguous: spans[i:j] are [lower of the oldest,
		// upper of the newest).
		query, args := indexMatches(st, span{Lower: spans[j-1].Lower, Upper: spans[i].Upper})
		var rows []match
		if err := tx.SelectContext(ctx, &rows, query, args...); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		found = append(found, rows...)
		i = j
		if len(found) >= RankLimit && i < len(spans) {
			exact = false
			break
		}
	}
	total := int64(len(found))
	if !exact {
		// The walk stopped early: the hits are as many as PostgreSQL
		// estimates from documents' statistics (ownHits), or as many as
		// were found if that is more (a phrase is estimated as if its
		// words were independent: too few).
		hits, args := ownHits(st)
		est, err := estimateRows(ctx, tx, hits, args)
		if err != nil {
			return nil, err
		}
		total = max(total, int64(est))
	}
	sharedSQL, sargs := sharedMatches(st)
	var shared []struct {
		match
		Count int64 `db:"n"`
	}
	if err := tx.SelectContext(ctx, &shared, sharedSQL, sargs...); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	for _, s := range shared {
		found = append(found, s.match)
	}
	if len(shared) > 0 {
		total += shared[0].Count
	}
	slices.SortFunc(found, func(a, b match) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	found = found[:min(len(found), RankLimit)]
	b := &broad{parsed: st.parsed, total: total, exact: exact}
	for _, m := range found {
		b.ids = append(b.ids, m.ID)
		b.created = append(b.created, m.Created)
	}
	return b, nil
}

// indexMatches is the SQL of the viewer's own documents in search_index,
// created in s, that match st's query (by their text, or by their notes
// with it: see matching) and its filters, ids and dates. The created range,
// the type and the topics are search_index's own columns; the other
// filters (status, folder, the document's date, unfiled's status) read
// the document's row.
func indexMatches(st statement, s span) (string, []any) {
	args := []any{st.q.Viewer, st.parsed.union, st.parsed.anyTerm}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	f := st.q.filter()
	conds := []string{"s.user_id = $1"}
	if !s.Lower.IsZero() {
		conds = append(conds, "s.created_at >= "+arg(s.Lower))
	}
	if !s.Upper.IsZero() {
		conds = append(conds, "s.created_at < "+arg(s.Upper))
	}
	if !f.From.IsZero() {
		conds = append(conds, "s.created_at >= "+arg(f.From))
	}
	if !f.To.IsZero() {
		conds = append(conds, "s.created_at < "+arg(f.To))
	}
	if f.ContentType != "" {
		conds = append(conds, "s.content_type = "+arg(f.ContentType))
	}
	if f.TopicID != "" {
		conds = append(conds, "s.topics @> ARRAY["+arg(f.TopicID)+"::uuid]")
	}
	if f.Unfiled {
		conds = append(conds, "s.topics = '{}'")
	}
	f.From, f.To, f.ContentType, f.TopicID = time.Time{}, time.Time{}, "", ""
	from := "search_index s"
	if rest := f.Conditions(arg); len(rest) > 0 {
		from += " JOIN documents d ON d.id = s.document_id"
		conds = append(conds, rest...)
	}
	return matchingIn("s.document_id AS id, s.created_at", from, "s", "$2::tsquery", "$3::tsquery", strings.Join(conds, " AND ")), args
}

// matchCond is the SQL condition that document d matches p (its text or
// its notes with it), with p's union as $2 and its words as $3.
const matchCond = `(d.search_vector @@ $2::tsquery OR (d.notes_vector @@ $3::tsquery AND (d.search_vector || d.notes_vector) @@ $2::tsquery))`

// ownMatches is the SQL of the viewer's own documents that match st's
// query and filters ($1 the viewer, $2 the query's union, $3 its words,
// then the filters' values), ids and dates, as documents and their GIN
// indexes find them: what PostgreSQL estimates for a broad query's total.
func ownMatches(st statement) (string, []any) {
	args := []any{st.q.Viewer, st.parsed.union, st.parsed.anyTerm}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	return matching("$2::tsquery", "$3::tsquery", ownConds(st.q, arg)), args
}

// live is the condition on d of a document that can be found: uploaded,
// not in the trash.
const live = "d.status <> 'uploading' AND d.trashed_at IS NULL"

// ownConds is the SQL condition on d of the viewer's ($1) own live
// documents that pass q's filters, whose values arg adds.
func ownConds(q Query, arg func(any) string) string {
	return strings.Join(append([]string{"d.user_id = $1", live}, q.filter().Conditions(arg)...), " AND ")
}

// visibleConds is ownConds for every live document the viewer ($1) can
// see: their own and those shared with them.
func visibleConds(q Query, arg func(any) string) string {
	return strings.Join(append([]string{"(d.user_id = $1 OR " + shares.Reachable("d", "$1") + ")", live}, q.filter().Conditions(arg)...), " AND ")
}

// Count returns how many documents match q's text and filters in their
// own language's form of the query, the viewer's own and those shared with
// them, counted one by one: what Total estimates when TotalExact is false
// (filename matches aside). It reads every match, so it is for benchmarks
// and checks, not for a page of results.
func Count(ctx context.Context, db *sqlx.DB, q Query) (int64, error) {
	tx, err := begin(ctx, db)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to keep
	st, err := prepare(ctx, tx, q)
	if err != nil || st.parsed.union == "" {
		return 0, err
	}
	args := []any{st.q.Viewer, st.parsed.union, st.parsed.anyTerm, pq.Array(st.parsed.configs), pq.Array(st.parsed.queries)}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	query := `WITH q AS (SELECT config, query::tsquery AS query FROM unnest($4::text[], $5::text[]) AS q(config, query))
		SELECT count(*) FROM (` + matching("$2::tsquery", "$3::tsquery", visibleConds(st.q, arg)) + `) c
		JOIN documents d ON d.id = c.id JOIN q ON q.config = d.search_config
		WHERE (d.search_vector || COALESCE(d.notes_vector, ''::tsvector)) @@ q.query`
	var n int64
	if err := tx.GetContext(ctx, &n, query, args...); err != nil {
		return 0, fmt.Errorf("search: count: %w", err)
	}
	return n, nil
}

// ownHits is the SQL of the viewer's own documents that match st's query
// in their own language's form of it and its filters: what PostgreSQL
// estimates for a broad query's total. Each distinct form is a branch with
// the languages that have it (Swedish stems "reactor" to "react": the
// English documents that say "react" are not counted), estimated as if
// the words and the languages were independent.
func ownHits(st statement) (string, []any) {
	args := []any{st.q.Viewer}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	conds := ownConds(st.q, arg)
	var forms []string
	langs := map[string][]string{}
	for i, q := range st.parsed.queries {
		if langs[q] == nil {
			forms = append(forms, q)
		}
		langs[q] = append(langs[q], st.parsed.configs[i])
	}
	branches := make([]string, len(forms))
	for i, f := range forms {
		branches[i] = "SELECT d.id FROM documents d WHERE d.search_vector @@ " + arg(f) + "::tsquery AND d.search_config = ANY(" +
			arg(pq.Array(langs[f])) + ") AND " + conds
	}
	return strings.Join(branches, " UNION ALL "), args
}

// sharedMatches is the SQL of the newest RankLimit documents shared with
// the viewer (not their own) that match st's query, with n, how many match
// in all; read from the viewer's grants, one document at a time.
func sharedMatches(st statement) (string, []any) {
	args := []any{st.q.Viewer, st.parsed.union, st.parsed.anyTerm}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	filter := strings.Join(append([]string{"d.user_id = g.owner_id", "d.user_id <> $1", live, matchCond},
		st.q.filter().Conditions(arg)...), " AND ")
	return `SELECT m.id, m.created_at, count(*) OVER () AS n
		FROM (SELECT DISTINCT g.document_id, g.owner_id FROM ` + shares.Grants + ` g WHERE g.user_id = $1) g
		CROSS JOIN LATERAL (SELECT d.id, d.created_at FROM documents d WHERE d.id = g.document_id AND ` + filter + ` OFFSET 0) m
		ORDER BY m.created_at DESC, m.id DESC LIMIT ` + fmt.Sprint(RankLimit), args
}

// estimateRows is PostgreSQL's estimate of the rows query returns (its
// plan's top row count), from EXPLAIN: planning only, nothing is read.
func estimateRows(ctx context.Context, tx *sqlx.Tx, query string, args []any) (float64, error) {
	var plan string
	if err := tx.GetContext(ctx, &plan, "EXPLAIN (FORMAT JSON) "+query, args...); err != nil {
		return 0, fmt.Errorf("search: estimate: %w", err)
	}
	var p []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		} `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(plan), &p); err != nil || len(p) == 0 {
		return 0, fmt.Errorf("search: estimate: %q: %v", plan, err)
	}
	return p[0].Plan.Rows, nil
}
