// Command benchsearch is the driver of scripts/bench-search.sh (issue 7):
// it loads a corpus of real documents for one user into a scratch
// database, then times 100 fixed queries through pkg/search behind a tiny
// HTTP wrapper (GET /search: search.ParseQuery, search.Search, JSON, as the
// API route will be, without its authentication), beside the same queries
// as ILIKE '%…%' on the same rows, and prints a markdown report.
//
// The scratch database (created as the PostgreSQL superuser of the dev
// services, owned by docuvault_migrate, migrated and granted like a real
// one) is dropped at exit.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/migrations"
	"github.com/docuvault/docuvault/pkg/schema"
	"github.com/docuvault/docuvault/pkg/search"
)

type options struct {
	adminURL, migrateURL, appURL string
	corpus                       string
	docs                         int
	rounds                       int
	ilikeRounds                  int
	loadConns                    int
	keep                         bool
	reuse                        string
	serve                        string // listen here and serve the search wrapper until stopped, time nothing
	peer                         string // base URL (…/search?) of another driver's -serve: time it beside this one, query by query
	peerName, name               string
}

func main() {
	var o options
	flag.StringVar(&o.adminURL, "admin-url", os.Getenv("DOCUVAULT_TEST_PG_ADMIN_URL"), "PostgreSQL superuser URL (creates and drops the scratch database)")
	flag.StringVar(&o.migrateURL, "migrate-url", os.Getenv("DATABASE_MIGRATE_URL"), "URL of docuvault_migrate (its database name is replaced)")
	flag.StringVar(&o.appURL, "app-url", os.Getenv("DATABASE_URL"), "URL of docuvault_app (its database name is replaced)")
	flag.StringVar(&o.corpus, "corpus", "", "corpus JSON lines (scripts/benchsearch/make_corpus.py)")
	flag.IntVar(&o.docs, "docs", 100000, "documents to load")
	flag.IntVar(&o.rounds, "rounds", 5, "timed passes over the 100 queries through pkg/search")
	flag.IntVar(&o.ilikeRounds, "ilike-rounds", 1, "timed passes over the 100 queries with ILIKE")
	flag.IntVar(&o.loadConns, "load-conns", 2, "COPYs in parallel for the load (and goroutines for search.Config)")
	flag.BoolVar(&o.keep, "keep", false, "keep the scratch database (to study it); it is dropped by default")
	flag.StringVar(&o.reuse, "reuse", "", "time queries on this kept scratch database instead of loading one (development)")
	flag.StringVar(&o.serve, "serve", "", "serve the search wrapper on this loopback address until SIGTERM, time nothing (the peer of -peer)")
	flag.StringVar(&o.peer, "peer", "", "URL of another driver's -serve on the same database: time each query there too, alternately (paired)")
	flag.StringVar(&o.peerName, "peer-name", "old", "the peer's name in the report")
	flag.StringVar(&o.name, "name", "new", "this driver's name in the paired report")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "benchsearch:", err)
		os.Exit(1)
	}
}

func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[benchsearch %s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func withDB(raw, name string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("not a PostgreSQL URL")
	}
	u.Path = "/" + name
	return u.String(), nil
}

func run(ctx context.Context, o options) (err error) {
	if o.adminURL == "" || o.migrateURL == "" || o.appURL == "" || o.corpus == "" {
		return errors.New("-admin-url, -migrate-url, -app-url and -corpus are required")
	}
	var st stats
	var app *sqlx.DB
	if o.reuse != "" {
		appURL, err := withDB(o.appURL, o.reuse)
		if err != nil {
			return err
		}
		if app, err = sqlx.Open("postgres", appURL); err != nil {
			return err
		}
		defer app.Close()
		if st, err = reuse(ctx, app); err != nil {
			return err
		}
	} else {
		db, s, cleanup, err := prepareDB(ctx, o)
		defer cleanup()
		if err != nil {
			return err
		}
		app, st = db, s
	}
	// The HTTP wrapper: what GET /api/search will do, minus authentication.
	addr := "127.0.0.1:0"
	if o.serve != "" {
		addr = o.serve
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := search.ParseQuery(st.user, r.URL.Query())
		var res search.Result
		if err == nil {
			res, err = search.Search(r.Context(), app, q)
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case errors.Is(err, search.ErrInvalid):
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		case err != nil:
			w.WriteHeader(http.StatusInternalServerError)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		default:
			_ = json.NewEncoder(w).Encode(res)
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String() + "/search?"
	if o.serve != "" {
		say("serving %s until stopped", base)
		<-ctx.Done()
		return nil
	}
	if o.peer != "" {
		return paired(ctx, o, st, base)
	}

	queries := benchQueries(st)
	if len(queries) != 100 {
		return fmt.Errorf("%d queries, want 100", len(queries))
	}
	client := &http.Client{Timeout: 30 * time.Second}
	results := make([]qresult, len(queries))
	say("warm-up pass")
	for i, bq := range queries {
		results[i].q = bq
		n, total, exact, err := getExact(ctx, client, base+bq.params.Encode())
		if err != nil {
			return fmt.Errorf("query %q: %w", bq.label, err)
		}
		results[i].hits, results[i].total, results[i].exact = n, total, exact
	}
	say("counting the matches of the queries whose total is estimated")
	for i, bq := range queries {
		if results[i].exact {
			continue
		}
		q, err := search.ParseQuery(st.user, bq.params)
		if err != nil {
			return fmt.Errorf("query %q: %w", bq.label, err)
		}
		if results[i].counted, err = search.Count(ctx, app, q); err != nil {
			return fmt.Errorf("count %q: %w", bq.label, err)
		}
		say("  %s: about %d, counted %d", bq.label, results[i].total, results[i].counted)
	}
	say("%d timed passes through pkg/search (HTTP)", o.rounds)
	for r := 0; r < o.rounds; r++ {
		for i, bq := range queries {
			start := time.Now()
			if _, _, err := get(ctx, client, base+bq.params.Encode()); err != nil {
				return fmt.Errorf("query %q: %w", bq.label, err)
			}
			results[i].fts = append(results[i].fts, time.Since(start))
		}
	}
	say("%d timed pass(es) with ILIKE", o.ilikeRounds)
	for r := 0; r < o.ilikeRounds; r++ {
		for i, bq := range queries {
			sqlText, args := ilike(st.user, bq)
			start := time.Now()
			var ids []string
			if err := app.SelectContext(ctx, &ids, sqlText, args...); err != nil {
				return fmt.Errorf("ILIKE %q: %w", bq.label, err)
			}
			results[i].ilike = append(results[i].ilike, time.Since(start))
			results[i].ilikeHits = len(ids)
		}
	}
	plans, err := explainChecks(ctx, app, st.user)
	if err != nil {
		return err
	}
	report(os.Stdout, o, st, results, plans)
	return nil
}

// prepareDB creates, migrates and loads the scratch database; cleanup
// drops it (unless -keep).
func prepareDB(ctx context.Context, o options) (app *sqlx.DB, st stats, cleanup func(), err error) {
	cleanup = func() {}
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	name := "dvbench_search_" + hex.EncodeToString(b)
	admin, err := sql.Open("postgres", o.adminURL)
	if err != nil {
		return nil, st, cleanup, err
	}
	q := pq.QuoteIdentifier(name)
	for _, s := range []string{"CREATE DATABASE " + q + " OWNER docuvault_migrate", "REVOKE ALL ON DATABASE " + q + " FROM PUBLIC",
		"GRANT CONNECT ON DATABASE " + q + " TO docuvault_app"} {
		if _, err := admin.ExecContext(ctx, s); err != nil {
			return nil, st, cleanup, fmt.Errorf("%s: %w", s, err)
		}
	}
	cleanup = func() {
		if app != nil {
			app.Close()
		}
		if o.keep {
			say("kept the scratch database %s", name)
			return
		}
		if _, e := admin.Exec("DROP DATABASE IF EXISTS " + q + " WITH (FORCE)"); e != nil {
			say("drop the scratch database %s: %v", name, e)
		} else {
			say("dropped the scratch database %s", name)
		}
		admin.Close()
	}
	inside, _ := withDB(o.adminURL, name)
	migURL, err := withDB(o.migrateURL, name)
	if err != nil {
		return nil, st, cleanup, err
	}
	appURL, err := withDB(o.appURL, name)
	if err != nil {
		return nil, st, cleanup, err
	}
	if adm, err := sql.Open("postgres", inside); err == nil {
		_, e1 := adm.ExecContext(ctx, "ALTER SCHEMA public OWNER TO docuvault_migrate")
		_, e2 := adm.ExecContext(ctx, "REVOKE CREATE ON SCHEMA public FROM PUBLIC")
		adm.Close()
		if e := errors.Join(e1, e2); e != nil {
			return nil, st, cleanup, e
		}
	}
	mig, err := sqlx.Open("postgres", migURL)
	if err != nil {
		return nil, st, cleanup, err
	}
	defer mig.Close()
	if _, err := schema.NewMigrator(mig.DB, migrations.FS()).Up(ctx); err != nil {
		return nil, st, cleanup, fmt.Errorf("migrate: %w", err)
	}
	if err := schema.Grant(ctx, mig.DB, "docuvault_app"); err != nil {
		return nil, st, cleanup, fmt.Errorf("grant: %w", err)
	}
	app, err = sqlx.Open("postgres", appURL)
	if err != nil {
		return nil, st, cleanup, err
	}
	app.SetMaxOpenConns(max(8, o.loadConns+1))
	if o.loadConns < 1 {
		o.loadConns = 1
	}

	// The documents table's secondary indexes are dropped before the COPY
	// and built again after it (as a restore does): at 1,000,000 documents
	// building the GIN indexes once is several times faster than updating
	// them row by row. Their definitions are read from the catalog, so they
	// are exactly the migrations'.
	// So are search_index's (pkg/search, walk.go), which is cut into parts
	// after the load, as the worker's sweeper would have cut it.
	var indexDefs []string
	if err := mig.SelectContext(ctx, &indexDefs, `SELECT replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ') FROM pg_index i
		WHERE i.indrelid IN ('documents'::regclass, 'search_index'::regclass)
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`); err != nil {
		return nil, st, cleanup, err
	}
	var indexNames []string
	if err := mig.SelectContext(ctx, &indexNames, `SELECT i.indexrelid::regclass::text FROM pg_index i
		WHERE i.indrelid IN ('documents'::regclass, 'search_index'::regclass)
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`); err != nil {
		return nil, st, cleanup, err
	}
	for _, ix := range indexNames {
		if _, err := mig.ExecContext(ctx, "DROP INDEX "+ix); err != nil {
			return nil, st, cleanup, err
		}
	}
	say("scratch database %s migrated; loading %d documents (%d secondary indexes of documents dropped for the load)", name, o.docs, len(indexNames))
	t0 := time.Now()
	st, err = load(ctx, app, o)
	if err != nil {
		return nil, st, cleanup, fmt.Errorf("load: %w", err)
	}
	st.loadTime = time.Since(t0)
	t0 = time.Now()
	// The function itself, not search.CutIndex: bench-search-paired.sh
	// builds this driver with an older pkg/search too. 20,000 is
	// search.PartRows.
	var parts int
	if err := mig.GetContext(ctx, &parts, `SELECT docuvault_search_index_cut(20000)`); err != nil {
		return nil, st, cleanup, fmt.Errorf("cut the search index: %w", err)
	}
	say("loaded in %s; search index cut into %d parts in %s; building %d indexes", st.loadTime.Round(time.Second), parts,
		time.Since(t0).Round(time.Second), len(indexDefs))
	t0 = time.Now()
	conn, err := mig.Connx(ctx)
	if err != nil {
		return nil, st, cleanup, err
	}
	if _, err := conn.ExecContext(ctx, "SET maintenance_work_mem = '512MB'"); err != nil {
		conn.Close()
		return nil, st, cleanup, err
	}
	for _, def := range indexDefs {
		if _, err := conn.ExecContext(ctx, def); err != nil {
			conn.Close()
			return nil, st, cleanup, fmt.Errorf("%s: %w", def, err)
		}
	}
	conn.Close()
	st.indexTime = time.Since(t0)
	say("indexes built in %s; VACUUM ANALYZE", st.indexTime.Round(time.Second))
	if _, err := mig.ExecContext(ctx, "VACUUM ANALYZE documents"); err != nil {
		return nil, st, cleanup, err
	}
	if _, err := mig.ExecContext(ctx, "VACUUM ANALYZE document_topics"); err != nil {
		return nil, st, cleanup, err
	}
	if _, err := mig.ExecContext(ctx, "VACUUM ANALYZE search_index"); err != nil {
		return nil, st, cleanup, err
	}
	if err := mig.GetContext(ctx, &st.sizes, `SELECT pg_size_pretty(pg_total_relation_size('documents')) AS total,
		pg_size_pretty(pg_relation_size('ix_documents_search')) AS gin,
		pg_size_pretty(pg_relation_size('ix_documents_filename_trgm')) AS trgm`); err != nil {
		return nil, st, cleanup, err
	}

	return app, st, cleanup, nil
}

// reuse reads what the report needs from a kept scratch database.
func reuse(ctx context.Context, db *sqlx.DB) (stats, error) {
	st := stats{topics: map[string]string{}, bySource: map[string]int{}, byConfig: map[string]int{}}
	if err := db.GetContext(ctx, &st.user, "SELECT id FROM users LIMIT 1"); err != nil {
		return st, err
	}
	var ts []struct{ Name, ID string }
	if err := db.SelectContext(ctx, &ts, "SELECT name, id FROM topics"); err != nil {
		return st, err
	}
	for _, t := range ts {
		st.topics[t.Name] = t.ID
	}
	var cs []struct {
		Config string `db:"search_config"`
		N      int    `db:"n"`
	}
	if err := db.SelectContext(ctx, &cs, "SELECT search_config, count(*) AS n FROM documents GROUP BY 1"); err != nil {
		return st, err
	}
	for _, c := range cs {
		st.byConfig[c.Config] = c.N
	}
	return st, nil
}

type stats struct {
	user     string
	topics   map[string]string // name → id
	bySource map[string]int
	byConfig map[string]int
	loadTime time.Duration
	// indexTime: building the documents table's secondary indexes after
	// the load.
	indexTime time.Duration
	// distinct is the number of distinct corpus texts loaded; below
	// the documents when the corpus was reused (see load).
	distinct int
	sizes    struct {
		Total string `db:"total"`
		GIN   string `db:"gin"`
		Trgm  string `db:"trgm"`
	}
}

type corpusDoc struct {
	Source, Filename, Title, Text, Topic, Date string
}

// load inserts the user, its topics and the documents (COPY), as the app role.
func load(ctx context.Context, db *sqlx.DB, o options) (stats, error) {
	st := stats{user: uuid.NewString(), topics: map[string]string{}, bySource: map[string]int{}, byConfig: map[string]int{}}
	if _, err := db.ExecContext(ctx, `INSERT INTO users (id, handle, email, password_hash) VALUES ($1, 'bench', 'bench@example.org', 'x')`, st.user); err != nil {
		return st, err
	}
	f, err := os.Open(o.corpus)
	if err != nil {
		return st, err
	}
	defer f.Close()
	var docs []corpusDoc
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	// The corpus has about 100,000 texts. More documents than that reuse
	// them in turn: the k-th reuse of a text (k = 1, 2, …) is the same text
	// under another filename ("name-rk.ext") and created k hours earlier,
	// with the same topic; so every word is k+1 times as common, as in a
	// vault k+1 times as large written the same way.
	for sc.Scan() && len(docs) < o.docs {
		var d corpusDoc
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			return st, err
		}
		docs = append(docs, d)
	}
	if err := sc.Err(); err != nil {
		return st, err
	}
	for _, d := range docs {
		if d.Topic != "" && st.topics[d.Topic] == "" {
			st.topics[d.Topic] = uuid.NewString()
		}
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return st, err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn("topics", "id", "user_id", "name"))
	if err != nil {
		return st, err
	}
	for name, id := range st.topics {
		if _, err := stmt.ExecContext(ctx, id, st.user, name); err != nil {
			return st, err
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return st, err
	}
	stmt.Close()
	if err := tx.Commit(); err != nil {
		return st, err
	}
	if len(docs) == 0 {
		return st, errors.New("the corpus is empty")
	}
	st.distinct = len(docs)
	// search.Config (language detection) once per distinct text, on every
	// core; then o.loadConns COPYs of a share of the documents each.
	cfgs := make([]string, len(docs))
	var wg sync.WaitGroup
	for w := 0; w < o.loadConns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(docs); i += o.loadConns {
				cfgs[i] = search.Config(docs[i].Text)
			}
		}()
	}
	wg.Wait()
	for i := 0; i < o.docs; i++ {
		st.bySource[docs[i%len(docs)].Source]++
		st.byConfig[cfgs[i%len(docs)]]++
	}
	var done atomic.Int64
	errs := make([]error, o.loadConns)
	for w := 0; w < o.loadConns; w++ {
		lo, hi := o.docs*w/o.loadConns, o.docs*(w+1)/o.loadConns
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = loadShare(ctx, db, st, docs, cfgs, lo, hi, &done)
		}()
	}
	wg.Wait()
	return st, errors.Join(errs...)
}

// loadShare COPYs documents lo to hi-1 (see load) and their topics, in one
// transaction.
func loadShare(ctx context.Context, db *sqlx.DB, st stats, docs []corpusDoc, cfgs []string, lo, hi int, done *atomic.Int64) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn("documents", "id", "user_id", "filename", "object_key", "content_type",
		"size_bytes", "extracted_text", "status", "created_at", "updated_at", "search_config"))
	if err != nil {
		return err
	}
	type link struct{ doc, topic string }
	var links []link
	for i := lo; i < hi; i++ {
		d, k := docs[i%len(docs)], i/len(docs)
		id := uuid.NewString()
		created, err := time.Parse(time.RFC3339, d.Date)
		if err != nil {
			return fmt.Errorf("document %d: date %q: %w", i, d.Date, err)
		}
		if k > 0 {
			created = created.Add(-time.Duration(k) * time.Hour)
			ext := path.Ext(d.Filename)
			d.Filename = fmt.Sprintf("%s-r%d%s", strings.TrimSuffix(d.Filename, ext), k, ext)
		}
		ct := "text/plain"
		if strings.HasSuffix(d.Filename, ".eml") {
			ct = "message/rfc822"
		}
		if _, err := stmt.ExecContext(ctx, id, st.user, d.Filename, st.user+"/"+id+"/"+uuid.NewString()+".txt", ct,
			len(d.Text), d.Text, "classified", created, created, cfgs[i%len(docs)]); err != nil {
			return err
		}
		if d.Topic != "" {
			links = append(links, link{id, st.topics[d.Topic]})
		}
		if n := done.Add(1); n%100000 == 0 {
			say("  %d documents", n)
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return err
	}
	stmt.Close()
	stmt, err = tx.PrepareContext(ctx, pq.CopyIn("document_topics", "document_id", "topic_id", "source", "score"))
	if err != nil {
		return err
	}
	for _, l := range links {
		if _, err := stmt.ExecContext(ctx, l.doc, l.topic, "auto", 0.9); err != nil {
			return err
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return err
	}
	stmt.Close()
	return tx.Commit()
}

// get runs one search over HTTP and returns its hits and total.
func get(ctx context.Context, c *http.Client, u string) (int, int64, error) {
	n, total, _, err := getExact(ctx, c, u)
	return n, total, err
}

// getExact is get with the result's TotalExact.
func getExact(ctx context.Context, c *http.Client, u string) (int, int64, bool, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, false, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, 0, false, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, 0, false, fmt.Errorf("HTTP %d: %s", resp.StatusCode, body)
	}
	var r search.Result
	if err := json.Unmarshal(body, &r); err != nil {
		return 0, 0, false, err
	}
	return len(r.Hits), r.Total, r.TotalExact, nil
}

type qresult struct {
	q          benchQuery
	hits       int
	total      int64
	exact      bool  // the result's TotalExact
	counted    int64 // when not exact: the matches counted one by one (search.Count)
	fts, ilike []time.Duration
	ilikeHits  int
}

func pct(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s))*p/100+0.999999) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

func report(w io.Writer, o options, st stats, rs []qresult, plans []string) {
	fmt.Fprintf(w, "## Search benchmark (issue 7)\n\n")
	fmt.Fprintf(w, "- %s, PostgreSQL scratch database, %d documents for one user (", time.Now().UTC().Format("2006-01-02 15:04 MST"), o.docs)
	var src []string
	for _, s := range []string{"reuters", "email", "brown", "gcide"} {
		src = append(src, fmt.Sprintf("%s %d", s, st.bySource[s]))
	}
	fmt.Fprintf(w, "%s); text search configurations detected: ", strings.Join(src, ", "))
	var cfgs []string
	for c, n := range st.byConfig {
		cfgs = append(cfgs, fmt.Sprintf("%s %d", c, n))
	}
	sort.Strings(cfgs)
	fmt.Fprintf(w, "%s\n", strings.Join(cfgs, ", "))
	if st.distinct > 0 && st.distinct < o.docs {
		fmt.Fprintf(w, "- %d distinct corpus texts, reused in turn to reach %d documents: each reuse under another filename (`name-rK.ext`) and created K hours earlier, same topic (so every word is about %d times as common as at %d)\n",
			st.distinct, o.docs, (o.docs+st.distinct-1)/st.distinct, st.distinct)
	}
	fmt.Fprintf(w, "- load (COPY, tsvector generated by PostgreSQL, search.Config per document; the documents table's secondary indexes dropped before and built after): %s, indexes %s; documents table %s, GIN (tsvector) %s, GIN (trigram) %s\n",
		st.loadTime.Round(time.Second), st.indexTime.Round(time.Second), st.sizes.Total, st.sizes.GIN, st.sizes.Trgm)
	fmt.Fprintf(w, "- pkg/search through a loopback HTTP wrapper (ParseQuery + Search + JSON, one request at a time), %d timed passes after a warm-up pass; ILIKE: the same words as `(filename || ' ' || extracted_text) ILIKE '%%word%%'` (phrases whole, or/-word kept), same filters, newest 20 first, %d pass(es), SQL straight from the driver\n\n", o.rounds, o.ilikeRounds)
	var all, allI []time.Duration
	cats := map[string][]int{}
	var order []string
	for i, r := range rs {
		all = append(all, r.fts...)
		allI = append(allI, r.ilike...)
		if _, ok := cats[r.q.kind]; !ok {
			order = append(order, r.q.kind)
		}
		cats[r.q.kind] = append(cats[r.q.kind], i)
	}
	fmt.Fprintf(w, "| queries | n | search p50 | p95 | p99 | max | ILIKE p50 | p95 | p99 | max |\n|---|---|---|---|---|---|---|---|---|---|\n")
	row := func(name string, idx []int) {
		var f, il []time.Duration
		for _, i := range idx {
			f = append(f, rs[i].fts...)
			il = append(il, rs[i].ilike...)
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", name, len(idx),
			ms(pct(f, 50)), ms(pct(f, 95)), ms(pct(f, 99)), ms(pct(f, 100)),
			ms(pct(il, 50)), ms(pct(il, 95)), ms(pct(il, 99)), ms(pct(il, 100)))
	}
	allIdx := make([]int, len(rs))
	for i := range rs {
		allIdx[i] = i
	}
	row("**all**", allIdx)
	for _, k := range order {
		row(k, cats[k])
	}
	p95, p99 := pct(all, 95), pct(all, 99)
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	fmt.Fprintf(w, "\nTargets: p95 %s ms <= 50 ms: %s; p99 %s ms <= 100 ms: %s. Latencies in ms.\n\n",
		ms(p95), verdict(p95 <= 50*time.Millisecond), ms(p99), verdict(p99 <= 100*time.Millisecond))
	fmt.Fprintf(w, "Slowest ten queries (search median):\n\n| query | kind | hits (total) | search p50 | ILIKE |\n|---|---|---|---|---|\n")
	sort.SliceStable(allIdx, func(a, b int) bool { return pct(rs[allIdx[a]].fts, 50) > pct(rs[allIdx[b]].fts, 50) })
	for _, i := range allIdx[:10] {
		r := rs[i]
		fmt.Fprintf(w, "| `%s` | %s | %d | %s | %s |\n", r.q.label, r.q.kind, r.total, ms(pct(r.fts, 50)), ms(pct(r.ilike, 50)))
	}
	estimates(w, rs)
	fmt.Fprintf(w, "\nPlans (EXPLAIN of the search statement): %s\n", strings.Join(plans, "; "))
}

// explainChecks confirms that searches use the GIN indexes, not a scan of
// every document.
func explainChecks(ctx context.Context, db *sqlx.DB, user string) ([]string, error) {
	var out []string
	for _, text := range []string{"cocoa", "\"interest rates\"", "bahia cocao"} {
		plan, err := search.Explain(ctx, db, search.Query{Viewer: user, Text: text}, false)
		if err != nil {
			return nil, err
		}
		var used []string
		for _, ix := range []string{"ix_documents_search", "ix_documents_filename_trgm"} {
			if strings.Contains(plan, ix) {
				used = append(used, ix)
			}
		}
		seq := strings.Contains(plan, "Seq Scan on documents")
		out = append(out, fmt.Sprintf("`%s` uses %s, seq scan of documents: %v", text, strings.Join(used, " + "), seq))
	}
	return out, nil
}

// estimates reports how far the estimated totals ("about N") are from the
// matches counted one by one, by kind of query.
func estimates(w io.Writer, rs []qresult) {
	fmt.Fprintf(w, "\nEstimated totals (\"about N\") against the matches counted one by one (search.Count); ratio = estimate / count:\n\n| kind | estimated | ratio median | lowest | highest | worst query |\n|---|---|---|---|---|---|\n")
	var order []string
	by := map[string][]int{}
	for i, r := range rs {
		if r.exact || r.counted == 0 {
			continue
		}
		if _, ok := by[r.q.kind]; !ok {
			order = append(order, r.q.kind)
		}
		by[r.q.kind] = append(by[r.q.kind], i)
	}
	ratio := func(r qresult) float64 { return float64(r.total) / float64(r.counted) }
	for _, k := range order {
		idx := by[k]
		sort.Slice(idx, func(a, b int) bool { return ratio(rs[idx[a]]) < ratio(rs[idx[b]]) })
		worst := idx[0]
		if lo, hi := ratio(rs[idx[0]]), ratio(rs[idx[len(idx)-1]]); hi*lo > 1 {
			worst = idx[len(idx)-1] // the highest is further from 1
		}
		fmt.Fprintf(w, "| %s | %d | %.2f | %.2f | %.2f | `%s`: %d for %d |\n", k, len(idx), ratio(rs[idx[len(idx)/2]]),
			ratio(rs[idx[0]]), ratio(rs[idx[len(idx)-1]]), rs[worst].q.label, rs[worst].total, rs[worst].counted)
	}
}
