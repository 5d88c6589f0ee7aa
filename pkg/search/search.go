package search

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/shares"
)

// Hit is one document a search found, as the viewer may see it.
type Hit struct {
	ID          string             `json:"id"`
	OwnerID     string             `json:"owner_id"`
	OwnerHandle string             `json:"owner"`
	Permission  string             `json:"permission"` // owner, edit or view: what the viewer may do
	FolderID    *string            `json:"folder_id"`
	Filename    string             `json:"filename"`
	ContentType string             `json:"content_type"`
	SizeBytes   int64              `json:"size_bytes"`
	Status      string             `json:"status"`
	CreatedAt   time.Time          `json:"created_at"`
	Topics      []catalog.TopicRef `json:"topics"`
	// DocumentDate is the document's own date, YYYY-MM-DD (see
	// catalog.Document); nil when it has none.
	DocumentDate *string `json:"document_date"`
	// Match is "text" when the query matched the document's words (its
	// text or its filename's words), "filename" when only its filename is
	// like the query (a typo-tolerant match).
	Match string `json:"match"`
	// Rank orders hits, highest first: 1 plus ts_rank_cd (normalised to
	// [0, 1)) for "text" matches, so always above 1; pg_trgm's word
	// similarity (0.6 to 1) for "filename" matches, so always below every
	// text match. Ties go to the newer document.
	Rank float64 `json:"rank"`
	// MatchIn says where the query's words are: "text" (the document's
	// extracted text), "filename", "notes" (its notes, pkg/notes), or
	// several, in that order; ["filename"] for a "filename" (typo) match.
	MatchIn []string `json:"match_in"`
	// Snippet is HTML: a passage of the document's text that has the
	// words the query matched (see SnippetSource), HTML-escaped,
	// whitespace and control characters made single spaces, with those
	// words in <mark>…</mark> — the only tags it ever has, balanced,
	// never nested. It is safe to insert as HTML. When the words are only
	// in the document's notes (MatchIn has "notes", not "text"), the
	// passage is from its notes. "" when neither the text nor the notes
	// have the query's words (they are in the filename) or the document
	// has no text yet.
	Snippet string `json:"snippet"`
}

// Facet is how many of all the hits (not only this page's) are filed
// under one topic.
type Facet struct {
	TopicID string `json:"topic_id"`
	Name    string `json:"name"`
	Color   string `json:"color"`
	Count   int64  `json:"count"`
}

// Result is one page of hits. Next is "" on the last page.
//
// Total is exact (TotalExact) when the GIN index finds at most RankLimit
// documents. Past that only the newest RankLimit are checked and ranked
// (see Search), and Total is estimated: the hits among them plus the
// other documents the index found, counted at the rate the checked ones
// were hits (the index matches any language's form of the query, and
// Danish stems "sonnet" to "son": 5,990 found for 130 hits at a million
// documents). For a broad query (see findNewest), whose
// newest documents are looked for in search_index's newest parts first,
// the others are those the walk found or, when it stopped before the
// oldest part, PostgreSQL's estimate of the hits (ownHits) if that is
// more. Search.Count counts them one by one.
// Facets count the hits that were ranked: all of them when TotalExact.
type Result struct {
	Hits       []Hit   `json:"hits"`
	Next       string  `json:"next_cursor,omitempty"`
	Total      int64   `json:"total"`
	TotalExact bool    `json:"total_exact"`
	Facets     []Facet `json:"facets"`
}

// Snippets: ts_headline parses all the text it is given (about 1 ms per
// 10,000 characters), so it gets a passage of at most SnippetSource bytes
// of the text (whole characters), for the page's hits only, and marks each
// of the query's words in it. The passage starts a little before a place,
// in the text's first SnippetSearch characters, where the query's words
// are: each word is looked for by its lexeme's prefix (snippetPrefix) at
// the start of a word, and each place found is checked by parsing the word
// there in the document's configuration ("companies" is there for
// "company": both are "compani"; "start" is not for "art"). Of the first
// few places of each word, the passage starts at the one with the most of
// the query's words in the passage, the earliest of those (see
// snippetWindow); at the text's start when none is found (the words are
// further in, or written in a way the prefix misses). A hit whose text
// does not have the words (its vector's text part, weight B, lacks all of
// them) gets no passage: its words are in the filename (Hit.MatchIn).
const (
	SnippetSource = 4000
	SnippetSearch = 200000
)

// RankLimit is the most documents a search ranks: when the index finds
// more, the newest RankLimit are ranked (see Search and Result). Ranking
// reads each document's tsvector (about 3 µs each), finding them only the
// index and the rows' dates (about 1 µs each), so a query matching 20,000
// documents costs tens of milliseconds instead of a hundred.
const RankLimit = 1000

// FilenameLimit is the most filename-only (typo-tolerant) matches a search
// returns, the most similar first; they are looked for only when the
// query's words find fewer than FuzzyBelow documents (a typo finds none),
// as they would only trail many real hits.
const (
	FilenameLimit = 50
	FuzzyBelow    = 10
)

// Markers ts_headline puts around matched words. They are control
// characters, removed from the text before, so they cannot come from it.
const (
	markOpen  = "\x02"
	markClose = "\x03"
)

const headlineOptions = `E'StartSel=\x02, StopSel=\x03, MaxFragments=2, MaxWords=25, MinWords=10, FragmentDelimiter=" … "'`

// configs are the text search configurations a document may have: the
// CHECK of documents.search_config (migrations/0008_search.sql).
var configs = []string{"simple", "arabic", "armenian", "basque", "catalan", "danish", "dutch", "english", "finnish",
	"french", "german", "greek", "hindi", "hungarian", "indonesian", "irish", "italian",
	"lithuanian", "nepali", "norwegian", "portuguese", "romanian", "russian", "serbian",
	"spanish", "swedish", "tamil", "turkish", "yiddish"}

// parsed is a query as each configuration reads it.
type parsed struct {
	configs []string   // configurations for which the query has lexemes
	queries []string   // their tsquery, as text
	terms   [][]string // the lexemes each looks for (not those it excludes), for snippets
	union   string     // the OR of all of them: the GIN index's condition
	words   []string   // every lexeme of terms, once
	anyTerm string     // the OR of words: any of them (for notes)
}

// parse turns text into one tsquery per configuration. A query that would
// match everything (only excluded words: "-tax", "a or -b") is refused: it
// cannot use the index. A query with no lexemes in any configuration
// (only punctuation) gives an empty parsed.
func parse(ctx context.Context, db sqlx.QueryerContext, text string) (parsed, error) {
	var rows []struct {
		Config string `db:"cfgname"`
		Query  string `db:"query"`
		Nodes  int    `db:"nodes"`
		Tree   string `db:"tree"`
	}
	err := sqlx.SelectContext(ctx, db, &rows, `SELECT c.cfgname, q::text AS query, numnode(q) AS nodes, querytree(q) AS tree
		FROM pg_ts_config c CROSS JOIN LATERAL websearch_to_tsquery(c.oid::regconfig, $1) AS q
		WHERE c.cfgnamespace = 'pg_catalog'::regnamespace AND c.cfgname = ANY($2)`, text, pq.Array(configs))
	if err != nil {
		return parsed{}, fmt.Errorf("search: parse the query: %w", err)
	}
	var p parsed
	var parts []string
	seen := map[string]bool{}
	for _, r := range rows {
		if r.Nodes == 0 {
			continue // only stop words in this language
		}
		if r.Tree == "T" {
			return parsed{}, invalid("q", "the query only excludes words: add a word to look for")
		}
		p.configs = append(p.configs, r.Config)
		p.queries = append(p.queries, r.Query)
		p.terms = append(p.terms, lexemes(r.Query))
		if !seen[r.Query] {
			seen[r.Query] = true
			parts = append(parts, "("+r.Query+")")
		}
	}
	p.union = strings.Join(parts, " | ")
	var literals []string
	for _, ts := range p.terms {
		for _, t := range ts {
			if !slices.Contains(p.words, t) {
				p.words = append(p.words, t)
				literals = append(literals, tsqueryLiteral(t))
			}
		}
	}
	p.anyTerm = strings.Join(literals, " | ")
	return p, nil
}

// begin starts the read-only transaction a search runs in, with JIT
// compilation off: the statement's cost estimate passes PostgreSQL's
// jit_above_cost for broad queries, and compiling it (100 ms and more)
// costs far more than it saves on a query of tens of milliseconds. Sequential
// scans are off too: for a word in nearly every document the planner would
// rather read them all, checking each tsvector, than use the GIN index,
// whose matches need no tsvector read at all; that scan costs a multiple.
func begin(ctx context.Context, db *sqlx.DB) (*sqlx.Tx, error) {
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "SET LOCAL jit = off; SET LOCAL enable_seqscan = off; SET LOCAL max_parallel_workers_per_gather = 0"); err != nil {
		_ = tx.Rollback()
		return nil, fmt.Errorf("search: %w", err)
	}
	return tx, nil
}

// lexemes returns the lexemes a tsquery (as text: 'oil' & !'gas')
// looks for, in order, without duplicates: not those it directly excludes
// (!'gas'). Quotes and backslashes are unescaped as PostgreSQL writes them.
func lexemes(tsq string) []string {
	var out []string
	for i := 0; i < len(tsq); i++ {
		if tsq[i] != '\'' {
			continue
		}
		negated := i > 0 && tsq[i-1] == '!'
		var b strings.Builder
		j := i + 1
		for ; j < len(tsq); j++ {
			if tsq[j] == '\\' && j+1 < len(tsq) {
				j++
				b.WriteByte(tsq[j])
				continue
			}
			if tsq[j] == '\'' {
				if j+1 < len(tsq) && tsq[j+1] == '\'' {
					b.WriteByte('\'')
					j++
					continue
				}
				break
			}
			b.WriteByte(tsq[j])
		}
		if lex := b.String(); !negated && lex != "" && !slices.Contains(out, lex) {
			out = append(out, lex)
		}
		i = j
	}
	return out
}

// snippetPrefix is what a snippet's passage is looked for by in the
// lower-cased text, for a lexeme of configuration config: the lexeme
// itself in "simple" (which only lower-cases words), else the lexeme
// without its last letter, as a stemmer's lexeme is not always a prefix of
// the words it stands for ("compani" for "company", "happi" for "happy").
// Every place found is checked (see snippetStart), so a short prefix only
// costs a few more checks.
func snippetPrefix(config, lexeme string) string {
	r := []rune(lexeme)
	if config != Simple && len(r) > 3 {
		r = r[:len(r)-1]
	}
	return string(r)
}

// tsqueryLiteral quotes s as one lexeme in tsquery syntax.
func tsqueryLiteral(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(s) + "'"
}

// statement is a search ready to run: its SQL and arguments, for q
// (normalized). query is "" when nothing can match.
type statement struct {
	q      Query
	query  string
	args   []any
	parsed parsed
}

// matching is the SQL of the ids and dates of the documents d, passing
// filter, that match a query: union (the SQL of its tsquery) in their
// text, or, when words (the SQL of a tsquery of its words) is not "", in
// their text and notes together.
//
// A document's notes (notes_vector, weight C; migrations/0030_notes.sql)
// are searched with its text: the query may have some words in each. The
// notes' own GIN index finds the documents whose notes have any of the
// query's words; only those read both vectors. The two ways to match are
// two branches: as one OR, PostgreSQL checked the whole OR on every row
// the GIN index found, reading (and detoasting) each match's tsvector,
// where the first branch alone is answered by the index (no recheck for a
// query without phrases or weights): at 1,000,000 documents that check was
// half the time of a common word.
func matching(union, words, filter string) string {
	return matchingIn("d.id, d.created_at", "documents d", "d", union, words, filter)
}

// matchingIn is matching over other rows: cols of from, whose alias a has
// a document's search_vector and notes_vector (documents, search_index).
func matchingIn(cols, from, a, union, words, filter string) string {
	query := "SELECT " + cols + " FROM " + from + " WHERE " + a + ".search_vector @@ " + union + " AND " + filter
	if words != "" {
		query += " UNION ALL SELECT " + cols + " FROM " + from + " WHERE " + a + ".notes_vector @@ " + words +
			" AND (" + a + ".search_vector || " + a + ".notes_vector) @@ " + union + " AND NOT (" + a + ".search_vector @@ " + union + ") AND " + filter
	}
	return query
}

// prepare checks q and builds its statement.
func prepare(ctx context.Context, db sqlx.QueryerContext, q Query) (statement, error) {
	return prepareWith(ctx, db, q, nil)
}

// prepareWith is prepare; when found is not nil, the statement ranks
// found.ids (see findNewest) instead of looking for its candidates
// itself.
func prepareWith(ctx context.Context, db sqlx.QueryerContext, q Query, found *broad) (statement, error) {
	q, err := q.normalize()
	if err != nil {
		return statement{}, err
	}
	var after *keyset
	if q.Cursor != "" {
		k, err := decodeCursor(q)
		if err != nil {
			return statement{}, err
		}
		after = &k
	}
	var p parsed
	if found != nil {
		p = found.parsed
	} else if p, err = parse(ctx, db, q.Text); err != nil {
		return statement{}, err
	}
	fuzzy := plain(q.Text) && len([]rune(q.Text)) >= 3 && len([]rune(q.Text)) <= 100
	if p.union == "" && !fuzzy {
		return statement{q: q}, nil
	}

	args := []any{q.Viewer, pq.Array(p.configs), pq.Array(p.queries)}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	// The filters' SQL, built where it is used (its values become
	// arguments, and an argument no statement reads has no type).
	var filterSQL string
	filter := func() string {
		if filterSQL == "" {
			filterSQL = visibleConds(q, arg)
		}
		return filterSQL
	}

	// cand: every document the GIN index finds for the union of the
	// query's forms (ids and dates only: no tsvector is read unless the
	// query has a phrase, which the index cannot check), or the newest of
	// them found for a broad query (found: see findNewest). recent: the
	// newest RankLimit of them, the only ones ranked.
	cand := "SELECT NULL::uuid AS id, NULL::timestamptz AS created_at WHERE false"
	union := "NULL::tsquery"
	switch {
	case p.union != "" && found != nil:
		if fuzzy {
			union = arg(p.union) + "::tsquery"
		}
		created := make([]string, len(found.created))
		for i, c := range found.created {
			created[i] = c.Format(time.RFC3339Nano)
		}
		cand = "SELECT x.id, x.created_at FROM unnest(" + arg(pq.Array(found.ids)) + "::uuid[], " +
			arg(pq.Array(created)) + "::timestamptz[]) AS x(id, created_at)"
	case p.union != "":
		union = arg(p.union) + "::tsquery"
		// At most BroadCap+1 are taken: past BroadCap the query is broad
		// after all (PostgreSQL's estimate was low), and Search looks for
		// the newest in search_index instead (see findNewest).
		cand = "SELECT * FROM (" + matching(union, arg(p.anyTerm)+"::tsquery", filter()) + ") c LIMIT " + fmt.Sprint(BroadCap+1)
	}
	// Hits: the window's documents whose vector matches the query in their
	// own configuration, ranked; then filename-only matches (pg_trgm),
	// ranked by similarity, below every text hit.
	hits := `SELECT d.id, d.created_at, 1 + ts_rank_cd(v.vector, q.query, 1|32)::float8 AS rank, 'text' AS match
				FROM recent w JOIN documents d ON d.id = w.id JOIN q ON q.config = d.search_config
				CROSS JOIN LATERAL (SELECT CASE WHEN d.notes_vector IS NULL THEN d.search_vector
					ELSE d.search_vector || d.notes_vector END AS vector) v
				WHERE v.vector @@ q.query`
	if fuzzy {
		f := arg(q.Text)
		hits += `
			UNION ALL (
				SELECT d.id, d.created_at, word_similarity(` + f + `, d.filename)::float8, 'filename'
				FROM documents d
				WHERE (SELECT count(*) FROM (SELECT 1 FROM cand LIMIT ` + fmt.Sprint(FuzzyBelow) + `) x) < ` + fmt.Sprint(FuzzyBelow) + `
					AND ` + f + ` <% d.filename AND NOT ((d.search_vector || COALESCE(d.notes_vector, ''::tsvector)) @@ ` + union + `) IS TRUE AND ` + filter() + `
				ORDER BY 3 DESC, d.created_at DESC LIMIT ` + fmt.Sprint(FilenameLimit) + `)`
	}
	pageWhere := "true"
	if after != nil {
		pageWhere = fmt.Sprintf("(m.rank, m.created_at, m.id) < (%s::float8, %s::timestamptz, %s::uuid)", arg(after.rank), arg(after.created), arg(after.id))
	}
	limit := arg(q.Limit + 1)
	query := `WITH q AS MATERIALIZED (
			SELECT config, query::tsquery AS query FROM unnest($2::text[], $3::text[]) AS q(config, query)
		), cand AS MATERIALIZED (
			` + cand + `
		), recent AS MATERIALIZED (
			SELECT id FROM cand ORDER BY created_at DESC, id DESC LIMIT ` + fmt.Sprint(RankLimit) + `
		), m AS MATERIALIZED (
			` + hits + `
		), page AS (
			SELECT m.*, row_number() OVER (ORDER BY m.rank DESC, m.created_at DESC, m.id DESC) AS n
			FROM m WHERE ` + pageWhere + `
			ORDER BY m.rank DESC, m.created_at DESC, m.id DESC LIMIT ` + limit + `
		)
		SELECT (SELECT count(*) FROM cand) AS candidates, (SELECT count(*) FROM m) AS hits_total,
		(SELECT count(*) FROM m WHERE m.match = 'text') AS text_hits,
		(SELECT COALESCE(json_agg(f ORDER BY f.count DESC, f.name, f.topic_id), '[]')
			FROM (SELECT t.id AS topic_id, t.name, t.color, count(*) AS count
				FROM m JOIN document_topics dt ON dt.document_id = m.id JOIN topics t ON t.id = dt.topic_id
				GROUP BY t.id, t.name, t.color) f) AS facets,
		(SELECT COALESCE(json_agg(json_build_object(
				'id', d.id, 'owner_id', d.user_id, 'owner', u.handle,
				'permission', CASE WHEN d.user_id = $1 THEN 'owner' ELSE ` + shares.Permission("d", "$1") + ` END,
				'folder_id', d.folder_id, 'filename', d.filename, 'content_type', d.content_type,
				'size_bytes', d.size_bytes, 'status', d.status, 'created_at', d.created_at,
				'document_date', to_char(d.document_date, 'YYYY-MM-DD'),
				'match', p.match, 'rank', p.rank,
				'topics', (SELECT COALESCE(json_agg(json_build_object('id', t.id, 'name', t.name, 'color', t.color,
						'source', dt.source, 'score', dt.score) ORDER BY t.name), '[]')
					FROM document_topics dt JOIN topics t ON t.id = dt.topic_id WHERE dt.document_id = d.id)
			) ORDER BY p.rank DESC, p.created_at DESC, p.id DESC), '[]')
			FROM page p JOIN documents d ON d.id = p.id JOIN users u ON u.id = d.user_id) AS hits`
	return statement{q: q, query: query, args: args, parsed: p}, nil
}

// Explain returns PostgreSQL's plan (EXPLAIN, text; with analyze, EXPLAIN
// ANALYZE, which runs the search) for q's statement, or "" when q can
// match nothing. Tests and the benchmark use it to check that searches go
// through the GIN indexes.
func Explain(ctx context.Context, db *sqlx.DB, q Query, analyze bool) (string, error) {
	tx, err := begin(ctx, db)
	if err != nil {
		return "", err
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to keep
	st, err := prepare(ctx, tx, q)
	if err != nil || st.query == "" {
		return "", err
	}
	var lines []string
	explain := "EXPLAIN "
	if analyze {
		explain = "EXPLAIN (ANALYZE, BUFFERS) "
	}
	if err := tx.SelectContext(ctx, &lines, explain+st.query, st.args...); err != nil {
		return "", fmt.Errorf("search: explain: %w", err)
	}
	return strings.Join(lines, "\n"), nil
}

// Search returns the page of q's hits: the viewer's own documents and those
// shared with them (never documents still uploading) that match q.Text and
// the filters.
//
// A document matches when its search vector (filename and extracted text,
// in its own text search configuration) matches the query parsed in that
// same configuration, so English stemming applies to English documents
// only. Its notes count as its text: a document whose notes have one of
// the query's words matches when its vector and its notes' vector
// (notes_vector, pkg/notes) together match. When q.Text is plain (no quotes, no -word, no or) and 3 to 100
// characters long, a document whose filename has a word like it (pg_trgm
// word similarity at least 0.6) also matches, as a "filename" match ranked
// below every text match (see Hit.Rank).
//
// Hits are ordered by rank, then newest first, then by id; Next resumes
// after the last hit (keyset: stable while documents are added). Ranking
// reads every ranked document's tsvector, so at most RankLimit are ranked:
// when the index finds more, the newest RankLimit of them (a query that
// broad is narrowed by a word or a filter, such as created_before, to
// reach older ones), and Total is estimated. The facets count the ranked
// hits.
//
// Errors for the caller's mistakes are *Error (ErrInvalid): an empty,
// too long or control-character query, one of only excluded words, bad
// filters, limit or cursor. A query of only stop words finds documents
// of the "simple" configuration only (no word is a stop word there), and
// none when there are none.
func Search(ctx context.Context, db *sqlx.DB, q Query) (Result, error) {
	tx, err := begin(ctx, db)
	if err != nil {
		return Result{}, err
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to keep
	st, err := prepare(ctx, tx, q)
	if err != nil {
		return Result{}, err
	}
	q = st.q
	if st.query == "" {
		return Result{Hits: []Hit{}, Facets: []Facet{}, TotalExact: true}, nil
	}
	found, err := findNewest(ctx, tx, st, false)
	if err != nil {
		return Result{}, err
	}
	var row struct {
		Candidates int64  `db:"candidates"`
		Total      int64  `db:"hits_total"`
		TextHits   int64  `db:"text_hits"`
		Facets     []byte `db:"facets"`
		Hits       []byte `db:"hits"`
	}
	for {
		if found != nil {
			if st, err = prepareWith(ctx, tx, q, found); err != nil {
				return Result{}, err
			}
		}
		if err := tx.GetContext(ctx, &row, st.query, st.args...); err != nil {
			return Result{}, fmt.Errorf("search: %w", err)
		}
		if found != nil || row.Candidates <= BroadCap {
			break
		}
		// Broader than PostgreSQL estimated: through search_index after all.
		if found, err = findNewest(ctx, tx, st, true); err != nil {
			return Result{}, err
		}
	}
	candidates, exact := row.Candidates, true
	if found != nil {
		candidates, exact = found.total, found.exact
	}
	res := Result{Total: row.Total, TotalExact: exact && candidates <= RankLimit}
	if candidates > RankLimit {
		// Only the newest RankLimit candidates were checked and ranked.
		// A candidate matches one of the query's forms, one per language
		// (Danish stems "sonnet" to "son"), a hit the form of its own
		// language ("sonnet" at a million documents: 5,990 candidates, 130
		// hits). When a walk stopped early, its total is already
		// PostgreSQL's estimate of the hits (see findNewest); otherwise it
		// is the candidates found, the unranked ones counted at the rate
		// the ranked ones were text hits.
		rest := candidates - RankLimit
		if exact {
			rest = rest * row.TextHits / RankLimit
		}
		res.Total = row.Total + rest
	}
	if err := json.Unmarshal(row.Facets, &res.Facets); err != nil {
		return Result{}, fmt.Errorf("search: facets: %w", err)
	}
	if err := json.Unmarshal(row.Hits, &res.Hits); err != nil {
		return Result{}, fmt.Errorf("search: hits: %w", err)
	}
	if len(res.Hits) > q.Limit {
		res.Hits = res.Hits[:q.Limit]
		last := res.Hits[q.Limit-1]
		res.Next = encodeCursor(q, keyset{rank: last.Rank, created: last.CreatedAt, id: last.ID})
	}
	if err := snippets(ctx, tx, st.parsed, res.Hits); err != nil {
		return Result{}, err
	}
	return res, nil
}

// snippetWindow is the SQL that picks where a hit's passage starts (see
// SnippetSource): per word (x.term, looked for as x.pre), the places where
// a word starts with its prefix, in order (the first snippetPlaces, among
// at most snippetTries places of the prefix), each checked by parsing the
// text there; then, of those places, the one whose
// passage has the most of the words, the earliest of those. A word is
// looked for after a space (or a line break or tab, made spaces), so that
// its prefix inside other words ("art" in "part") costs no check; a word
// right after other punctuation ("(art") is missed, and a later place of
// it found instead. It reads src.lb (the start of the text lower-cased,
// after a space, as UTF-8 bytes: a byte position costs nothing to reach,
// where a character position in a long text is a walk through every
// character before it; a place p there is the space before the word that
// starts at byte p of src.ob), d.search_config and q.terms, q.prefixes;
// start is a byte position in src.ob, the text's bytes as they are (lower() keeps each character's length in bytes in
// the C locale DocuVault's databases use; elsewhere, a rare character
// whose lower case is longer only moves the passage a little).
func snippetWindow() string {
	return `WITH RECURSIVE found(term, pre, pos, n, ok, k) AS (
		SELECT x.term, p.pre, f.pos, 1, c.ok, c.ok::int
		FROM unnest(q.terms, q.prefixes) AS x(term, pre0)
		CROSS JOIN LATERAL (SELECT convert_to(' ' || lower(x.pre0), 'UTF8') AS pre) p
		CROSS JOIN LATERAL (SELECT position(p.pre IN src.lb) AS pos) f
		CROSS JOIN LATERAL (SELECT ` + snippetCheck("x") + ` AS ok) c
		UNION ALL
		SELECT o.term, o.pre, f.pos, o.n + 1, c.ok, o.k + c.ok::int
		FROM found o
		CROSS JOIN LATERAL (SELECT position(o.pre IN substring(src.lb FROM o.pos + 1)) AS r) y
		CROSS JOIN LATERAL (SELECT CASE WHEN y.r = 0 THEN 0 ELSE o.pos + y.r END AS pos) f
		CROSS JOIN LATERAL (SELECT ` + snippetCheck("o") + ` AS ok) c
		WHERE o.pos > 0 AND o.n < ` + snippetTries + ` AND o.k < ` + snippetPlaces + `
	), places AS MATERIALIZED (
		SELECT term, pos FROM found WHERE ok
	)
	SELECT greatest(1, a.pos - ` + snippetLead + `) AS start
	FROM places a
	ORDER BY (SELECT count(DISTINCT b.term) FROM places b WHERE b.pos >= greatest(1, a.pos - ` + snippetLead + `)
		AND b.pos < greatest(1, a.pos - ` + snippetLead + `) + ` + snippetReach + `) DESC, a.pos
	LIMIT 1`
}

// snippetCheck is the SQL condition that the word at f.pos, where a space
// and alias.term's prefix were found, is alias.term: parsed in the
// document's configuration, the text there has that lexeme among its
// first words.
func snippetCheck(alias string) string {
	return `(f.pos > 0 AND EXISTS (SELECT 1
				FROM unnest(to_tsvector(('pg_catalog.' || d.search_config)::regconfig, ` + utf8Text("substring(src.lb FROM f.pos + 1 FOR 64)") + `)) u
				WHERE u.lexeme = ` + alias + `.term AND u.positions[1] <= 2))`
}

// utf8Text is the SQL expression of bytes (a slice of UTF-8 text that may
// start or end inside a character) as text: the partial characters at
// either end left out (and a whole one at the end, at worst), so that it
// always converts.
func utf8Text(bytes string) string {
	return `convert_from(rtrim(ltrim(` + bytes + `, '\x` + byteRange(0x80, 0xbf) + `'::bytea), '\x` + byteRange(0x80, 0xff) + `'::bytea), 'UTF8')`
}

// byteRange is the bytes from lo to hi, in hex.
func byteRange(lo, hi int) string {
	var b strings.Builder
	for c := lo; c <= hi; c++ {
		fmt.Fprintf(&b, "%02x", c)
	}
	return b.String()
}

// Passage limits: how many places per word are checked and how many of
// its places are kept; in bytes,
// how far before the first word the passage starts, and how far into the
// passage a word still counts as in it (ts_headline then picks its
// fragments from the whole passage).
const (
	snippetTries  = "16"
	snippetPlaces = "4"
	snippetLead   = "120"
	snippetReach  = "3600"
)

// snippets sets the hits' MatchIn and Snippet, in the search's
// transaction: one statement for the page, which reads each hit's tsvector
// (which words are in the text, which in the filename) and the start of its
// text (see SnippetSource).
func snippets(ctx context.Context, tx *sqlx.Tx, p parsed, hits []Hit) error {
	if len(hits) == 0 {
		return nil
	}
	type form struct {
		Config   string   `json:"config"`
		Any      string   `json:"any"`
		Terms    []string `json:"terms"`
		Prefixes []string `json:"prefixes"`
	}
	var forms []form
	for i, c := range p.configs {
		f := form{Config: c}
		var alts []string
		for _, t := range p.terms[i] {
			f.Terms = append(f.Terms, t)
			f.Prefixes = append(f.Prefixes, snippetPrefix(c, t))
			alts = append(alts, tsqueryLiteral(t))
		}
		if len(alts) == 0 {
			continue
		}
		f.Any = strings.Join(alts, " | ")
		forms = append(forms, f)
	}
	formsJSON, err := json.Marshal(forms)
	if err != nil {
		return fmt.Errorf("search: snippets: %w", err)
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	var rows []struct {
		ID      string         `db:"id"`
		InText  bool           `db:"in_text"`
		InName  bool           `db:"in_name"`
		InNotes bool           `db:"in_notes"`
		Snippet sql.NullString `db:"snippet"`
	}
	err = tx.SelectContext(ctx, &rows, `WITH q AS MATERIALIZED (
			SELECT config, "any"::tsquery AS anyq, terms, prefixes
			FROM json_to_recordset($2::json) AS q(config text, "any" text, terms text[], prefixes text[])
		)
		SELECT d.id::text AS id, m.in_text, m.in_name, m.in_notes,
			CASE WHEN m.in_notes AND NOT m.in_text THEN ts_headline(('pg_catalog.' || d.search_config)::regconfig,
				translate(substr(d.notes_text, 1, `+fmt.Sprint(SnippetSource)+`), E'\x02\x03', ''), q.anyq, `+headlineOptions+`)
			WHEN m.in_text THEN ts_headline(('pg_catalog.' || d.search_config)::regconfig,
				translate(CASE WHEN w.start IS NULL THEN substr(d.extracted_text, 1, `+fmt.Sprint(SnippetSource)+`)
					ELSE `+utf8Text("substring(src.ob FROM w.start FOR "+fmt.Sprint(SnippetSource)+")")+` END, E'\x02\x03', ''),
				q.anyq, `+headlineOptions+`) END AS snippet
		FROM documents d
		LEFT JOIN q ON q.config = d.search_config
		CROSS JOIN LATERAL (SELECT COALESCE(ts_filter(d.search_vector, '{b}') @@ q.anyq, false) AS in_text,
			COALESCE(ts_filter(d.search_vector, '{a}') @@ q.anyq, false) AS in_name,
			COALESCE(d.notes_vector @@ q.anyq, false) AS in_notes) m
		LEFT JOIN LATERAL (SELECT convert_to(t.head, 'UTF8') AS ob,
				convert_to(' ' || replace(replace(replace(lower(t.head), E'\n', ' '), E'\r', ' '), E'\t', ' '), 'UTF8') AS lb
			FROM (SELECT substr(d.extracted_text, 1, `+fmt.Sprint(SnippetSearch)+`) AS head OFFSET 0) t
			OFFSET 0) src ON m.in_text -- OFFSET 0: computed once, not again wherever it is used
		LEFT JOIN LATERAL (`+snippetWindow()+`) w ON m.in_text
		WHERE d.id = ANY($1::uuid[])`, pq.Array(ids), string(formsJSON))
	if err != nil {
		return fmt.Errorf("search: snippets: %w", err)
	}
	byID := make(map[string]int, len(rows))
	for i, r := range rows {
		byID[r.ID] = i
	}
	for i := range hits {
		h := &hits[i]
		h.MatchIn = []string{}
		r, ok := byID[h.ID]
		if !ok {
			continue // deleted since: the page still lists it, as it was found
		}
		if rows[r].InText {
			h.MatchIn = append(h.MatchIn, "text")
			h.Snippet = markSnippet(rows[r].Snippet.String)
		}
		if rows[r].InName || h.Match == "filename" {
			h.MatchIn = append(h.MatchIn, "filename")
		}
		if rows[r].InNotes {
			h.MatchIn = append(h.MatchIn, "notes")
			if !rows[r].InText {
				h.Snippet = markSnippet(rows[r].Snippet.String)
			}
		}
	}
	return nil
}

// markSnippet turns ts_headline's output into Hit.Snippet's HTML.
func markSnippet(s string) string {
	var b strings.Builder
	open, space := false, false
	flush := func() {
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
	}
	for _, r := range s {
		switch {
		case string(r) == markOpen:
			if !open {
				flush()
				b.WriteString("<mark>")
				open = true
			}
		case string(r) == markClose:
			if open {
				b.WriteString("</mark>")
				open = false
			}
		case unicode.IsSpace(r) || unicode.IsControl(r):
			space = true
		default:
			flush()
			b.WriteString(html.EscapeString(string(r)))
		}
	}
	if open {
		b.WriteString("</mark>")
	}
	return strings.TrimSpace(b.String())
}

// RenderSnippet returns Hit.Snippet as plain text, each match between open
// and close (ANSI bold on a terminal, «…» elsewhere, say). The text holds
// no control characters, so it is safe to print to a terminal.
func RenderSnippet(snippet, open, close string) string {
	s := strings.NewReplacer("<mark>", "\x02", "</mark>", "\x03").Replace(snippet)
	s = html.UnescapeString(s)
	return strings.NewReplacer("\x02", open, "\x03", close).Replace(s)
}
