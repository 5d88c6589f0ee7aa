package search

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/shares"
)

// A broad query is one the GIN index answers with many of the viewer's
// documents ("said" in a million newswire stories: 190,860). Finding every
// match's date, to rank the newest RankLimit, reads every match's row: at
// a million documents that was most of a second for a common word. So a
// query with a word PostgreSQL's statistics call common (pg_stats), whose
// own matches it estimates at more than BroadAbove, has its newest
// RankLimit looked for in windows of time instead, newest first: a
// window's matches are the GIN index's matches ANDed with the (user_id,
// created_at) index's rows of the window, so only they are read. Any other
// query runs the one statement with at most BroadCap+1 candidates, and
// past BroadCap goes through windows after all (see windowed for the
// queries that never do).
//
// The first window is the newest BroadFirst·RankLimit/estimate of the
// span between the viewer's oldest and newest document (about BroadFirst
// times RankLimit matches if the words were spread evenly over time), at
// most BroadStart of it; each next window, older than the last, is sized
// from the last one's rate of matches (see nextWindow), and the last
// reaches the oldest document. The windows stop when they hold RankLimit
// matches: every match outside them is older. A word whose matches all
// sit in old documents costs more windows (each reads the word's index
// entries again), never more rows than the windows hold.
//
// Documents shared with the viewer are looked for from the viewer's
// grants (shares.Grants), not from the index: the newest RankLimit that
// match.
const (
	BroadStart  = 1.0 / 16
	BroadAbove  = 10000
	BroadCap    = 10000
	BroadFirst  = 3
	BroadGrowth = 4
)

// phraseOps are a tsquery's phrase operators (<->, <N>) as PostgreSQL
// writes a tsquery as text: between spaces, which a lexeme never has.
var phraseOps = regexp.MustCompile(` <[0-9]*-?> `)

// broad is what findBroad found: the newest candidates (at most
// RankLimit, newest first) and how many candidates there are, counted or
// (when the windows stopped early) estimated.
type broad struct {
	parsed  parsed
	ids     []string
	created []time.Time
	total   int64
	exact   bool
}

// findBroad returns the candidates of st's query found through windows,
// or nil when the query is not broad (see BroadAbove) and not forced:
// then the statement looks for every candidate itself.
func findBroad(ctx context.Context, tx *sqlx.Tx, st statement, force bool) (*broad, error) {
	if st.parsed.union == "" {
		return nil, nil
	}
	if !windowed(st.q, st.parsed) {
		return nil, nil
	}
	if !force {
		// PostgreSQL estimates a word it has no statistics on (not among
		// the most common words it sampled) as a fixed share of the table:
		// a typo's three forms in three languages came to 11,866 at a
		// million documents. Only a query with a word it knows to be
		// common is estimated; the others are not broad, unless the
		// statement finds more than BroadCap (then force).
		var common bool
		if err := tx.GetContext(ctx, &common, `SELECT EXISTS (SELECT 1 FROM pg_stats s
				CROSS JOIN LATERAL unnest(s.most_common_elems::text::text[]) e
				WHERE s.schemaname = current_schema() AND s.tablename = 'documents' AND s.attname = 'search_vector' AND e = ANY($1))`,
			pq.Array(st.parsed.words)); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		if !common {
			return nil, nil
		}
	}
	own, args := ownMatches(st, nil, nil, false)
	est, err := estimateRows(ctx, tx, own, args)
	if err != nil || (est <= BroadAbove && !force) {
		return nil, err
	}
	if force {
		est = max(est, BroadCap)
	}
	var span struct {
		Oldest, Newest *time.Time
	}
	if err := tx.QueryRowxContext(ctx, `SELECT min(created_at) AS oldest, max(created_at) AS newest FROM documents WHERE user_id = $1`,
		st.q.Viewer).Scan(&span.Oldest, &span.Newest); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	if span.Oldest == nil {
		return nil, nil
	}
	// The query's own created range (From, To) narrows the span.
	if !st.q.From.IsZero() && st.q.From.After(*span.Oldest) {
		span.Oldest = &st.q.From
	}
	if !st.q.To.IsZero() && st.q.To.Before(*span.Newest) {
		span.Newest = &st.q.To
	}
	if span.Newest.Before(*span.Oldest) {
		span.Newest = span.Oldest
	}
	type match struct {
		ID      string    `db:"id"`
		Created time.Time `db:"created_at"`
	}
	var found []match
	length := span.Newest.Sub(*span.Oldest)
	frac := math.Min(BroadStart, float64(BroadFirst*RankLimit)/est)
	upper := span.Newest.Add(time.Microsecond) // the newest document is in the first window
	exact := false
	prev := 0.0 // where the window begins: it reaches from prev to frac back from the newest, as shares of the span
	for {
		lower := span.Newest.Add(-time.Duration(frac * float64(length)))
		last := frac >= 1
		from := &lower
		if last {
			from = nil
		}
		window, args := ownMatches(st, from, &upper, true)
		var rows []match
		if err := tx.SelectContext(ctx, &rows, window, args...); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		found = append(found, rows...)
		if len(found) >= RankLimit || last {
			exact = last
			break
		}
		upper = lower
		prev, frac = frac, nextWindow(frac, prev, len(rows), RankLimit-len(found))
	}
	total := int64(len(found))
	if !exact {
		// The windows stopped early: the matches are as many as
		// PostgreSQL estimates (from the statistics that call one of the
		// words common), or as many as were found if that is more. (The
		// windows' own rate of matches, carried over the whole span, was
		// up to three times too many for a word common in recent
		// documents only.)
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

// matchCond is the SQL condition that document d matches p (its text or
// its notes with it), with p's union as $2 and its words as $3.
const matchCond = `(d.search_vector @@ $2::tsquery OR (d.notes_vector @@ $3::tsquery AND (d.search_vector || d.notes_vector) @@ $2::tsquery))`

// ownMatches is the SQL of the viewer's own documents that match st's
// query ($1 the viewer, $2 the query's union, then its words when notes,
// then the filters' values), ids and dates, created in [from, to) when those are
// not nil; with notes, also those whose notes make them match (see
// matching).
func ownMatches(st statement, from, to *time.Time, notes bool) (string, []any) {
	args := []any{st.q.Viewer, st.parsed.union}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	words := ""
	if notes {
		words = arg(st.parsed.anyTerm) + "::tsquery"
	}
	conds := append([]string{"d.user_id = $1", "d.status <> 'uploading'", "d.trashed_at IS NULL"}, st.q.filter().Conditions(arg)...)
	if from != nil {
		conds = append(conds, "d.created_at >= "+arg(*from))
	}
	if to != nil {
		conds = append(conds, "d.created_at < "+arg(*to))
	}
	return matching("$2::tsquery", words, strings.Join(conds, " AND ")), args
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
	filter := strings.Join(append([]string{"d.user_id = g.owner_id", "d.user_id <> $1", "d.status <> 'uploading'", "d.trashed_at IS NULL", matchCond},
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

// nextWindow is how far back the next window reaches (as a share of the
// span back from the newest document, at most 1) after one that reached
// from prev to frac held n matches, when need more are needed: far enough
// for need at that window's rate of matches, with half as many again to
// spare, but at least 1.25 and at most BroadGrowth times as far back as
// frac; BroadGrowth times when the window held none.
func nextWindow(frac, prev float64, n, need int) float64 {
	next := frac * BroadGrowth
	if n > 0 {
		rate := float64(n) / (frac - prev)
		next = frac + 1.5*float64(need)/rate
	}
	return math.Min(1, math.Max(frac*1.25, math.Min(next, frac*BroadGrowth)))
}

// windowed says whether windows can help q (parsed as p): not with a
// topic (or unfiled), a condition no index of documents answers, so every
// match's row is read to check it, in a window as well, and windows only
// add index scans; not for a phrase, checked on each document that has
// all of its words (the index cannot check the order), which PostgreSQL
// estimates poorly (as if the words were independent), so a window could
// hold many times the documents it was sized for.
func windowed(q Query, p parsed) bool {
	return q.TopicID == "" && !q.Unfiled && !phraseOps.MatchString(p.union)
}
