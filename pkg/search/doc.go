// Package search finds documents by their words: full-text search in
// PostgreSQL over each document's filename and extracted text, with no
// search engine beside the database.
//
// The database does the indexing (migrations/0008_search.sql): each
// document has a text search configuration (search_config, the language
// Config detects in its text when the worker saves it, else "simple") and
// a generated tsvector over its filename (weight A) and text (weight B),
// under a GIN index; pg_trgm indexes filenames for typo-tolerant matches.
// Triggers keep a copy of what a search reads in search_index, in parts by
// creation time (migrations/0039_search_index.sql), where a broad query's
// newest matches are found without reading the older ones (walk.go).
//
// Search takes websearch_to_tsquery syntax (words, "phrases", or, -word),
// parses it in each document's own configuration, ranks hits with
// ts_rank_cd (newer documents win ties), tells where the words are
// (text, filename) and, for the page's hits, highlights the passage of
// the text that has them with ts_headline (HTML-escaped, <mark> around
// matches; see SnippetSource), combines it with the
// document list's filters (topic, folder, status, content type, created
// range), pages by keyset with an opaque cursor, counts hits (estimated
// when the index finds more than RankLimit documents, of which the newest
// RankLimit are ranked) and counts hits per topic (facets). A viewer finds their
// own documents and those shared with them, never others'.
//
// Bad input (empty, too long, control characters, invalid UTF-8, only
// excluded words, a cursor from another query) is an *Error wrapping
// ErrInvalid with a one-line message; unbalanced quotes and SQL
// metacharacters are just text to websearch_to_tsquery; a query of only
// stop words (the, of) finds nothing in documents of a language, only in
// "simple" ones, which keep every word.
//
// # For the HTTP API
//
// GET /api/search?q=… (and GET /api/documents when q= is given) should:
//
//	q, err := search.ParseQuery(currentUser(r).ID, r.URL.Query())
//	if err == nil {
//		res, err = search.Search(r.Context(), db, q)
//	}
//	// errors.Is(err, search.ErrInvalid): 400 (or 422) with err.Error() as
//	// the message, for people, with no field name (errors.As *search.Error
//	// gives the Field); any other
//	// error: 500.
//	writeJSON(w, http.StatusOK, res) // {"hits":[…],"next_cursor":…,"total":…,"total_exact":…,"facets":[…]}
//
// The topic parameter is a topic id, as on GET /api/documents; resolving a
// name is the route's business. Hit.Snippet is already safe HTML.
package search
