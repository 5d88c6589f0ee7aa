// Command benchapi is the load driver of scripts/bench-api.sh: it runs in
// a process of its own against one running `docuvault serve` and measures
// what issue 6 asks of it, printing a markdown report:
//
//   - GET /api/documents, first page and a deep cursor page, with 100,000
//     documents for one user: latency percentiles at a fixed arrival rate
//     (open loop: requests start on schedule whether or not earlier ones
//     have answered, so a slow server cannot slow the load down);
//   - uploads of 100 KB files from 32 concurrent clients, against the same
//     bytes PUT straight to MinIO with minio-go in the same run;
//   - serve's RSS (from /proc/PID/status) during both, and its growth
//     during one 1 GiB upload.
//
// It seeds the documents with SQL as the app role and removes its user,
// rows and objects at exit (with -scratch-db, as bench-api.sh runs it, the
// script drops the whole database and MinIO instead). With -fsck-objects it
// also times `docuvault fsck` (issue 20; see fsckStep).
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
	"github.com/minio/minio-go/v7"

	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/users"
)

type options struct {
	base     string
	pid      int
	docs     int
	rate     int
	duration time.Duration
	clients  int
	files    int
	size     int
	big      int64
	runs     int
	warmup   int
	runID    string
	minioPID int
	floor    string // base URL of the bare proxy (floor mode), or ""
	floorPID int
	// fsckObjects: objects to store for the seeded documents before timing
	// `docuvault fsck` (0: no fsck step); docuvault is the binary.
	fsckObjects int
	docuvault   string
	scratch     bool // the database is the benchmark's own, dropped after: leave its rows
}

func main() {
	var o options
	flag.StringVar(&o.base, "url", "", "base URL of the serve under test")
	flag.IntVar(&o.pid, "pid", 0, "serve's process id, for RSS")
	flag.IntVar(&o.docs, "docs", 100000, "documents to seed for the list benchmark")
	flag.IntVar(&o.rate, "rate", 200, "list requests per second")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "length of each list phase")
	flag.IntVar(&o.clients, "clients", 32, "concurrent upload clients")
	flag.IntVar(&o.files, "files", 2000, "files per upload run")
	flag.IntVar(&o.size, "size", 100000, "bytes per uploaded file")
	flag.Int64Var(&o.big, "big", 1<<30, "bytes of the big upload (0 skips it)")
	flag.IntVar(&o.runs, "runs", 5, "upload runs per side, alternating")
	flag.IntVar(&o.warmup, "warmup", 300, "uploads each way before the measured runs, not measured")
	flag.StringVar(&o.runID, "run", "", "run id (names the user)")
	flag.IntVar(&o.minioPID, "minio-pid", 0, "MinIO's process id, for its CPU time")
	flag.StringVar(&o.floor, "floor", "", "base URL of a bare proxy (-floor-proxy) to upload through as well")
	flag.IntVar(&o.floorPID, "floor-pid", 0, "the bare proxy's process id, for its CPU time")
	flag.IntVar(&o.fsckObjects, "fsck-objects", 0, "store a small object for the newest N seeded documents, then time `docuvault fsck` (all of them stored) or its parts (see fsckStep); 0 skips it")
	flag.BoolVar(&o.scratch, "scratch-db", false, "the database is a scratch one and MinIO the benchmark's own, both removed by bench-api.sh: delete no rows or objects at exit")
	flag.StringVar(&o.docuvault, "docuvault", "docuvault", "the docuvault binary, for fsck")
	proxy := flag.String("floor-proxy", "", "run as the bare proxy on this host:port instead (see floorProxy)")
	flag.Parse()
	if *proxy != "" {
		if err := floorProxy(*proxy, o.runID); err != nil {
			fmt.Fprintln(os.Stderr, "benchapi:", err)
			os.Exit(1)
		}
		return
	}
	if o.base == "" || o.runID == "" {
		fmt.Fprintln(os.Stderr, "benchapi: -url and -run are required")
		os.Exit(64)
	}
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "benchapi:", err)
		os.Exit(1)
	}
}

func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[benchapi %s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(ctx context.Context, o options) (err error) {
	db, err := sqlx.Open("postgres", os.Getenv("DATABASE_URL"))
	if err != nil {
		return err
	}
	defer db.Close()
	client, err := minioFromEnv()
	if err != nil {
		return err
	}
	bucket := os.Getenv("MINIO_BUCKET")

	handle := "bench-" + o.runID
	password := hex.EncodeToString(randBytes(16))
	u, err := users.Create(ctx, db, users.NewUser{Handle: handle, Email: handle + "@bench.invalid", Password: password, QuotaBytes: 1 << 42})
	if err != nil {
		return err
	}
	defer func() {
		if o.scratch {
			// bench-api.sh drops the scratch database and removes its
			// own MinIO's data directory: nothing to delete one by one.
			return
		}
		say("removing the run's objects and user")
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		for _, prefix := range []string{u.ID + "/", "bench-direct/" + o.runID + "/"} {
			objs := client.ListObjects(cctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true})
			for e := range client.RemoveObjects(cctx, bucket, objs, minio.RemoveObjectsOptions{}) {
				if e.Err != nil && err == nil {
					err = e.Err
				}
			}
		}
		if _, derr := db.ExecContext(cctx, `DELETE FROM users WHERE id = $1`, u.ID); derr != nil && err == nil {
			err = derr
		}
	}()

	say("seeding %d documents for %s", o.docs, handle)
	t0 := time.Now()
	var rebuild func() error
	if o.scratch {
		// The benchmark's own database: the documents table's secondary
		// indexes are dropped for the seed and built after it (as a
		// restore does), several times faster at 1,000,000 rows.
		if rebuild, err = dropIndexes(ctx, os.Getenv("DATABASE_MIGRATE_URL")); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	if err := seed(ctx, db, u.ID, o.docs); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if rebuild != nil {
		say("building the documents table's indexes")
		if err := rebuild(); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		if _, err := db.ExecContext(ctx, `ANALYZE documents; ANALYZE document_topics`); err != nil {
			return err
		}
	}
	seedTime := time.Since(t0)

	token, err := login(o.base, handle, password)
	if err != nil {
		return err
	}
	api := &httpClient{base: o.base, token: token, c: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 0}}}

	rss := &rssSampler{pid: o.pid}
	rss.start()
	defer rss.stop()

	// A deep cursor: walk 250 pages of 200 (50,000 documents) in.
	deep := ""
	for i := 0; i < min(250, o.docs/200-1); i++ {
		var p struct {
			Next string `json:"next_cursor"`
		}
		if err := api.getJSON("/api/documents?limit=200&cursor="+url.QueryEscape(deep), &p); err != nil {
			return err
		}
		deep = p.Next
	}

	report := &strings.Builder{}
	how := "SQL, as the app role"
	if rebuild != nil {
		how += "; the documents table's secondary indexes dropped before and built after, in the benchmark's scratch database"
	}
	fmt.Fprintf(report, "Seeded %d documents for one user in %s (%s).\n\n", o.docs, seedTime.Round(time.Millisecond), how)

	// --- lists
	fmt.Fprintf(report, "| list case | requests | rate | p50 | p90 | p99 | max | errors | serve peak RSS | target |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range []struct{ name, path string }{
		{"first page (50)", "/api/documents"},
		{"deep page (50, cursor 50,000 in)", "/api/documents?cursor=" + url.QueryEscape(deep)},
		{"first page, filtered by status (50)", "/api/documents?status=classified"},
	} {
		say("list: %s at %d/s for %s", c.name, o.rate, o.duration)
		api.warm(c.path, 400)
		rss.reset()
		lat, errs := openLoop(o.rate, o.duration, func() error { return api.get(c.path) })
		p := percentiles(lat)
		verdict := "p99 ≤ 20 ms: met"
		if p[99] > 20*time.Millisecond || errs > 0 {
			verdict = "p99 ≤ 20 ms: NOT met"
		}
		fmt.Fprintf(report, "| %s | %d | %d/s | %s | %s | %s | %s | %d | %s | %s; RSS ≤ 100 MiB: %s |\n", c.name, len(lat), o.rate,
			ms(p[50]), ms(p[90]), ms(p[99]), ms(p[100]), errs, mib(rss.peak()), verdict, met(rss.peak() <= 100<<20))
		say("list: %s: p50 %s p99 %s, %d errors (load average %s)", c.name, ms(p[50]), ms(p[99]), errs, loadavg())
	}

	// The same three lists straight through catalog.Lister (what the
	// handler calls), in this process, one at a time: the query's own
	// latency, without serve's queue (on a machine whose CPU is shared,
	// the open-loop figures above are mostly queueing).
	if err := directLists(ctx, db, u.ID, deep, report); err != nil {
		return fmt.Errorf("direct lists: %w", err)
	}
	if o.fsckObjects > 0 {
		if err := fsckStep(ctx, o, db, client, bucket, u.ID, report); err != nil {
			return fmt.Errorf("fsck: %w", err)
		}
	}
	if o.runs == 0 {
		// BENCH_RUNS=0: the list (and fsck) figures only.
		fmt.Print(report.String())
		return nil
	}

	// --- uploads
	fmt.Fprintf(report, "\n| upload run | serve (multipart, %d clients) | minio-go PutObject (%d clients) | ratio | serve peak RSS | CPU per file: serve, MinIO (via serve / direct), PostgreSQL |", o.clients, o.clients)
	if o.floor != "" {
		fmt.Fprintf(report, " bare proxy (multipart → PutObject, nothing else) | its ratio | CPU per file: proxy, MinIO |\n|---|---|---|---|---|---|---|---|---|\n")
	} else {
		fmt.Fprintf(report, "\n|---|---|---|---|---|---|\n")
	}
	var apiRates, directRates, floorRates []float64
	floorClient := &httpClient{base: o.floor, c: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}} // as serve's
	// direct PUTs the files of one run (dir) straight to MinIO.
	direct := func(dir string) func(i int, body []byte) error {
		return func(i int, body []byte) error {
			_, err := client.PutObject(ctx, bucket, fmt.Sprintf("bench-direct/%s/%s/%06d.txt", o.runID, dir, i), bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{ContentType: "text/plain"})
			return err
		}
	}
	// Warm-up, not measured: serve's connections and prepared statements,
	// PostgreSQL's backends and MinIO's paths are made ready on every side
	// before the first measured run.
	if o.warmup > 0 {
		say("upload warm-up: %d × %d B each way, not measured", o.warmup, o.size)
		w := o
		w.files = o.warmup
		if _, err := uploads(w, func(i int, body []byte) error { return api.upload(fmt.Sprintf("w%06d.txt", i), body) }); err != nil {
			return fmt.Errorf("warm-up through serve: %w", err)
		}
		if _, err := uploads(w, direct("warm")); err != nil {
			return fmt.Errorf("warm-up to MinIO: %w", err)
		}
		if o.floor != "" {
			if _, err := uploads(w, func(i int, body []byte) error { return floorClient.upload(fmt.Sprintf("w%06d.txt", i), body) }); err != nil {
				return fmt.Errorf("warm-up through the bare proxy: %w", err)
			}
		}
	}
	for r := 1; r <= o.runs; r++ {
		rss.reset()
		say("upload run %d: %d × %d B through serve", r, o.files, o.size)
		serveCPU0, minioCPU0, pgCPU0 := cpuTime(o.pid), cpuTime(o.minioPID), commCPU("postgres")
		apiTime, err := uploads(o, func(i int, body []byte) error { return api.upload(fmt.Sprintf("f%06d.txt", i), body) })
		if err != nil {
			return fmt.Errorf("upload through serve: %w", err)
		}
		peak := rss.peak()
		serveCPU1, minioCPU1, pgCPU1 := cpuTime(o.pid), cpuTime(o.minioPID), commCPU("postgres")
		say("upload run %d: %d × %d B straight to MinIO", r, o.files, o.size)
		directTime, err := uploads(o, direct(strconv.Itoa(r)))
		if err != nil {
			return fmt.Errorf("upload to MinIO: %w", err)
		}
		minioCPU2 := cpuTime(o.minioPID)
		perFile := func(d time.Duration) string {
			return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000/float64(o.files))
		}
		total := float64(o.files * o.size)
		ar, dr := total/apiTime.Seconds()/1e6, total/directTime.Seconds()/1e6
		apiRates, directRates = append(apiRates, ar), append(directRates, dr)
		fmt.Fprintf(report, "| %d | %.1f MB/s (%s) | %.1f MB/s (%s) | %.2f | %s | %s, %s / %s, %s |", r, ar, apiTime.Round(time.Millisecond), dr, directTime.Round(time.Millisecond), ar/dr, mib(peak),
			perFile(serveCPU1-serveCPU0), perFile(minioCPU1-minioCPU0), perFile(minioCPU2-minioCPU1), perFile(pgCPU1-pgCPU0))
		if o.floor != "" {
			say("upload run %d: %d × %d B through the bare proxy", r, o.files, o.size)
			proxyCPU0 := cpuTime(o.floorPID)
			floorTime, err := uploads(o, func(i int, body []byte) error { return floorClient.upload(fmt.Sprintf("f%06d.txt", i), body) })
			if err != nil {
				return fmt.Errorf("upload through the bare proxy: %w", err)
			}
			fr := total / floorTime.Seconds() / 1e6
			floorRates = append(floorRates, fr/dr)
			fmt.Fprintf(report, " %.1f MB/s (%s) | %.2f | %s, %s |", fr, floorTime.Round(time.Millisecond), fr/dr, perFile(cpuTime(o.floorPID)-proxyCPU0), perFile(cpuTime(o.minioPID)-minioCPU2))
		}
		fmt.Fprintln(report)
	}
	// Each run pairs serve with MinIO under the same background load; the
	// median of the paired ratios is the verdict (the ratio of the medians
	// is shown too).
	var ratios []float64
	for i := range apiRates {
		ratios = append(ratios, apiRates[i]/directRates[i])
	}
	ma, md, mr := median(apiRates), median(directRates), median(ratios)
	fmt.Fprintf(report, "| median | %.1f MB/s | %.1f MB/s | **%.2f** paired (of medians: %.2f); target ≥ 0.7: %s | | |", ma, md, mr, ma/md, met(mr >= 0.7))
	if o.floor != "" {
		fmt.Fprintf(report, " | **%.2f** paired | |", median(floorRates))
	}
	fmt.Fprintln(report)

	// --- one big upload
	if o.big > 0 {
		say("big upload: %d bytes", o.big)
		time.Sleep(2 * time.Second) // let the upload runs' garbage be collected
		before := rss.current()
		rss.reset()
		t0 := time.Now()
		if err := api.bigUpload(o.big); err != nil {
			return fmt.Errorf("big upload: %w", err)
		}
		el := time.Since(t0)
		peak := rss.peak()
		fmt.Fprintf(report, "\nOne %s upload (one multipart file of generated text, streamed): %s (%.0f MB/s); serve RSS %s before, peak %s during: **+%s** (target ≤ 64 MiB: %s).\n",
			mib(o.big), el.Round(time.Millisecond), float64(o.big)/el.Seconds()/1e6, mib(before), mib(peak), mib(peak-before), met(peak-before <= 64<<20))
	}
	fmt.Print(report.String())
	return nil
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// seed inserts n classified documents for owner, spread over a year, a
// third of them under one of three topics, in batches.
func seed(ctx context.Context, db *sqlx.DB, owner string, n int) error {
	var topicIDs []string
	for _, name := range []string{"Finance", "Health", "Travel"} {
		var id string
		if err := db.GetContext(ctx, &id, `INSERT INTO topics (user_id, name) VALUES ($1, $2) RETURNING id`, owner, name); err != nil {
			return err
		}
		topicIDs = append(topicIDs, id)
	}
	const batch = 10000
	for start := 0; start < n; start += batch {
		cnt := min(batch, n-start)
		_, err := db.ExecContext(ctx, `WITH g AS (SELECT s, gen_random_uuid() AS id FROM generate_series(1, $3::int) AS s)
			INSERT INTO documents (id, user_id, filename, object_key, content_type, size_bytes, sha256, status, created_at, updated_at)
			SELECT g.id, $1::uuid, 'document-' || (g.s + $2::int) || '.pdf', $1::text || '/' || g.id || '/seed.pdf', 'application/pdf', 10000 + (g.s % 5000),
				sha256(convert_to(g.id::text, 'UTF8')), 'classified', now() - make_interval(secs => (g.s + $2::int) * 300), now()
			FROM g`, owner, start, cnt)
		if err != nil {
			return err
		}
	}
	_, err := db.ExecContext(ctx, `INSERT INTO document_topics (document_id, topic_id, source, score)
		SELECT d.id, ($2::uuid[])[1 + (abs(hashtext(d.id::text)) % 3)], 'auto', 0.5
		FROM documents d WHERE d.user_id = $1 AND abs(hashtext(d.id::text)) % 3 = 0`, owner, "{"+strings.Join(topicIDs, ",")+"}")
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `ANALYZE documents; ANALYZE document_topics`)
	return err
}

func login(base, handle, password string) (string, error) {
	b, _ := json.Marshal(map[string]string{"handle": handle, "password": password})
	res, err := http.Post(base+"/api/auth/login", "application/json", bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if res.StatusCode != 200 {
		body, _ := io.ReadAll(res.Body)
		return "", fmt.Errorf("login: %d %s", res.StatusCode, body)
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

type httpClient struct {
	base, token string
	c           *http.Client
}

func (h *httpClient) do(req *http.Request, want int, out any) error {
	req.Header.Set("Authorization", "Bearer "+h.token)
	res, err := h.c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != want {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, res.StatusCode, b)
	}
	if out != nil {
		return json.NewDecoder(res.Body).Decode(out)
	}
	_, err = io.Copy(io.Discard, res.Body)
	return err
}

func (h *httpClient) get(path string) error {
	req, _ := http.NewRequest("GET", h.base+path, nil)
	return h.do(req, 200, nil)
}

func (h *httpClient) getJSON(path string, out any) error {
	req, _ := http.NewRequest("GET", h.base+path, nil)
	return h.do(req, 200, out)
}

// warm sends n requests from 8 goroutines, so that several connections
// (and serve's prepared statements on several database connections) exist.
func (h *httpClient) warm(path string, n int) {
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n/8; i++ {
				_ = h.get(path)
			}
		}()
	}
	wg.Wait()
}

func (h *httpClient) upload(name string, body []byte) error {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("file", name)
	_, _ = w.Write(body)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", h.base+"/api/documents", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return h.do(req, 201, nil)
}

// bigUpload streams n bytes of generated text as one file: the driver
// holds no more than a chunk of it either.
func (h *httpClient) bigUpload(n int64) error {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		w, err := mw.CreateFormFile("file", "big.txt")
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		line := []byte("the quick brown fox jumps over the lazy dog 0123456789 ")
		chunk := bytes.Repeat(line, (1<<20)/len(line)+1)[:1<<20]
		var sent int64
		for i := 0; sent < n; i++ {
			k := min(int64(len(chunk)), n-sent)
			copy(chunk, strconv.Itoa(i)) // keep each MiB distinct
			if _, err := w.Write(chunk[:k]); err != nil {
				pw.CloseWithError(err)
				return
			}
			sent += k
		}
		pw.CloseWithError(mw.Close())
	}()
	req, _ := http.NewRequest("POST", h.base+"/api/documents", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return h.do(req, 201, nil)
}

// uploads sends o.files files of o.size unique bytes from o.clients
// goroutines and returns the wall time.
func uploads(o options, send func(i int, body []byte) error) (time.Duration, error) {
	var next atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < o.clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := bytes.Repeat([]byte("lorem ipsum dolor sit amet "), o.size/27+1)[:o.size]
			for {
				i := int(next.Add(1)) - 1
				if i >= o.files || firstErr.Load() != nil {
					return
				}
				copy(body, fmt.Sprintf("%s %d %d ", hex.EncodeToString(randBytes(8)), i, time.Now().UnixNano()))
				if err := send(i, body); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return 0, err
	}
	return time.Since(start), nil
}

// openLoop calls fn rate times a second for d, each call on schedule in a
// goroutine of its own, and returns every latency and the error count.
func openLoop(rate int, d time.Duration, fn func() error) ([]time.Duration, int) {
	interval := time.Second / time.Duration(rate)
	n := int(d / interval)
	lat := make([]time.Duration, n)
	var errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < n; i++ {
		due := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(due))
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(); err != nil {
				errs.Add(1)
			}
			lat[i] = time.Since(due) // from when it was due: queueing counts
		}()
	}
	wg.Wait()
	return lat, int(errs.Load())
}

func percentiles(lat []time.Duration) map[int]time.Duration {
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	out := map[int]time.Duration{}
	for _, p := range []int{50, 90, 99, 100} {
		if len(s) == 0 {
			continue
		}
		i := int(math.Ceil(float64(p)/100*float64(len(s)))) - 1
		out[p] = s[max(i, 0)]
	}
	return out
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// rssSampler polls a process's resident set size every 20 ms.
type rssSampler struct {
	pid  int
	max  atomic.Int64
	quit chan struct{}
	done chan struct{}
}

func (r *rssSampler) current() int64 {
	if r.pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", r.pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func (r *rssSampler) start() {
	r.quit, r.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(r.done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-r.quit:
				return
			case <-t.C:
				if c := r.current(); c > r.max.Load() {
					r.max.Store(c)
				}
			}
		}
	}()
}

func (r *rssSampler) reset()      { r.max.Store(r.current()) }
func (r *rssSampler) peak() int64 { return max(r.max.Load(), r.current()) }
func (r *rssSampler) stop() {
	close(r.quit)
	<-r.done
}

// cpuTime is the user+system CPU time a process has used (0 if unknown).
func cpuTime(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}

// commCPU is the CPU time used so far by every live process called comm
// (PostgreSQL's backends are one process each; those that exited in
// between are missed, so this is a lower bound).
func commCPU(comm string) time.Duration {
	entries, _ := os.ReadDir("/proc")
	var total time.Duration
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil && strings.TrimSpace(string(b)) == comm {
			total += cpuTime(pid)
		}
	}
	return total
}

// floorProxy is the least an upload API in front of MinIO does: a Go
// net/http server that reads each multipart file part of POST
// /api/documents (whole, for these small files, as serve does below 256
// KiB) and PUTs it to MinIO with minio-go under a key shaped like serve's,
// answering 201. No account,
// database, quota, audit or queue: uploading through it measures the cost
// of the extra hop alone, the floor under serve's ratio on this machine.
func floorProxy(addr, runID string) error {
	client, err := minioFromEnv()
	if err != nil {
		return err
	}
	bucket := os.Getenv("MINIO_BUCKET")
	var n atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/documents", func(w http.ResponseWriter, r *http.Request) {
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body, err := io.ReadAll(io.LimitReader(part, 256<<10))
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			// Keys shaped as serve's (D-06: owner/document/uuid.ext): two
			// new directory levels per object in MinIO's tree.
			key := fmt.Sprintf("bench-direct/%s/floor/%d/%s.txt", runID, n.Add(1), hex.EncodeToString(randBytes(16)))
			if _, err := client.PutObject(r.Context(), bucket, key, bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{ContentType: "text/plain"}); err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"documents":[]}`)
	})
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return srv.ListenAndServe()
}

// minioFromEnv is a minio-go client for the MinIO of .dev/env, with the
// app key.
func minioFromEnv() (*minio.Client, error) {
	return objectstore.NewClient(objectstore.Options{
		Endpoint: os.Getenv("MINIO_ENDPOINT"), Secure: os.Getenv("MINIO_SECURE") == "true",
		AccessKey: os.Getenv("MINIO_ACCESS_KEY"), SecretKey: os.Getenv("MINIO_SECRET_KEY"),
	})
}

// fsckStep times `docuvault fsck --json` (issue 20). fsck reads every row
// and lists every object of the bucket, and a row whose object is missing
// costs it a Stat and a query, so its time is only meaningful when every
// seeded document has its object. It stores a small object (64 bytes) for
// the newest o.fsckObjects documents, 32 at a time, and sets the user's
// quota to the sum of its documents (as uploads would have), then:
//
//   - when every document has its object: runs the real `docuvault fsck
//     --json` twice and reports both times and its problem count;
//   - always: times fsck's own database statements over all the rows (the
//     same SQL as pkg/storage/fsck.go) and the bucket's listing of the
//     objects it did store, apart; where storing an object per document
//     would not fit the time (at this machine's PUT rate), the listing at
//     the full count is extrapolated from it, by hand, in the report.
func fsckStep(ctx context.Context, o options, db *sqlx.DB, client *minio.Client, bucket, owner string, report *strings.Builder) error {
	n := min(o.fsckObjects, o.docs)
	var keys []string
	if err := db.SelectContext(ctx, &keys, `SELECT object_key FROM documents WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, owner, n); err != nil {
		return err
	}
	say("fsck: storing %d objects of 64 B, 32 at a time", len(keys))
	var next atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	t0 := time.Now()
	for c := 0; c < 32; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := bytes.Repeat([]byte("x"), 64)
			for {
				i := int(next.Add(1)) - 1
				if i >= len(keys) || firstErr.Load() != nil {
					return
				}
				if _, err := client.PutObject(ctx, bucket, keys[i], bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{ContentType: "application/pdf"}); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				if (i+1)%100000 == 0 {
					say("  %d objects", i+1)
				}
			}
		}()
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return err
	}
	putTime := time.Since(t0)
	if _, err := db.ExecContext(ctx, `UPDATE quotas SET used_bytes = (SELECT COALESCE(sum(size_bytes), 0) FROM documents WHERE user_id = $1) WHERE user_id = $1`, owner); err != nil {
		return err
	}
	fmt.Fprintf(report, "\nfsck: %d objects of 64 B stored for the newest seeded documents in %s (%.0f PUTs/s, 32 at a time).\n\n",
		len(keys), putTime.Round(time.Millisecond), float64(len(keys))/putTime.Seconds())

	if len(keys) == o.docs {
		fmt.Fprintf(report, "| `docuvault fsck --json` | rows | objects | wall time | problems | load average |\n|---|---|---|---|---|---|\n")
		for r := 1; r <= 2; r++ {
			say("fsck: run %d", r)
			cmd := exec.CommandContext(ctx, o.docuvault, "fsck", "--json")
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			t0 := time.Now()
			err := cmd.Run()
			el := time.Since(t0)
			var rep map[string]json.RawMessage
			if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil {
				return fmt.Errorf("fsck: %v (%v): %s", err, jerr, errb.String())
			}
			problems := 0
			for k, v := range rep {
				var xs []json.RawMessage
				if k != "repaired" && json.Unmarshal(v, &xs) == nil {
					problems += len(xs)
				}
			}
			fmt.Fprintf(report, "| run %d | %d | %d | **%s** | %d | %s |\n", r, o.docs, len(keys), el.Round(time.Millisecond), problems, loadavg())
			say("fsck: run %d: %s, %d problems", r, el.Round(time.Millisecond), problems)
		}
		fmt.Fprintln(report)
	}

	// fsck's parts, timed one by one: over every row even when not every
	// document has its object.
	say("fsck: its database statements over %d rows, and the listing of %d objects", o.docs, len(keys))
	timeIt := func(f func() error) (time.Duration, error) { t := time.Now(); err := f(); return time.Since(t), err }
	type part struct {
		name string
		d    time.Duration
	}
	var parts []part
	for _, st := range []struct{ name, sql string }{
		// pkg/storage/fsck.go, fsckCheck: the rows (documentColumns), the
		// derived objects, every key, and the quota sums.
		{"stored rows (every column fsck reads)", `SELECT id, COALESCE(user_id::text, '') AS user_id, folder_id, filename, object_key, content_type, size_bytes, sha256, status, created_at, updated_at FROM documents WHERE status <> 'uploading'`},
		{"derived objects' rows", `SELECT o.id FROM document_objects o JOIN documents d ON d.id = o.document_id`},
		{"every object key", `SELECT object_key FROM documents UNION ALL SELECT object_key FROM document_objects`},
		{"quota sums", `SELECT q.user_id FROM quotas q WHERE q.used_bytes <> ((SELECT COALESCE(sum(d.size_bytes), 0) FROM documents d WHERE d.user_id = q.user_id)
	+ (SELECT COALESCE(sum(o.size_bytes), 0) FROM document_objects o JOIN documents d ON d.id = o.document_id WHERE d.user_id = q.user_id))::bigint`},
	} {
		d, err := timeIt(func() error {
			rows, err := db.QueryContext(ctx, st.sql)
			if err != nil {
				return err
			}
			defer rows.Close()
			cols, _ := rows.Columns()
			vals := make([]any, len(cols))
			for i := range vals {
				vals[i] = new(any)
			}
			for rows.Next() {
				if err := rows.Scan(vals...); err != nil {
					return err
				}
			}
			return rows.Err()
		})
		if err != nil {
			return fmt.Errorf("%s: %w", st.name, err)
		}
		parts = append(parts, part{st.name + fmt.Sprintf(" (%d documents)", o.docs), d})
	}
	var listed int
	d, err := timeIt(func() error {
		for obj := range client.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
			if obj.Err != nil {
				return obj.Err
			}
			listed++
		}
		return nil
	})
	if err != nil {
		return err
	}
	parts = append(parts, part{fmt.Sprintf("bucket listing (%d objects)", listed), d})
	fmt.Fprintf(report, "| fsck's part, timed apart (load average %s) | time |\n|---|---|\n", loadavg())
	for _, p := range parts {
		fmt.Fprintf(report, "| %s | %s |\n", p.name, p.d.Round(time.Millisecond))
		say("fsck part: %s: %s", p.name, p.d.Round(time.Millisecond))
	}
	return nil
}

// dropIndexes drops the documents table's secondary indexes (not those of
// constraints), as docuvault_migrate, their owner, and returns the function
// that builds them again from their definitions as the catalog had them.
func dropIndexes(ctx context.Context, migrateURL string) (func() error, error) {
	mig, err := sqlx.Open("postgres", migrateURL)
	if err != nil {
		return nil, err
	}
	var ixs []struct {
		Name string `db:"name"`
		Def  string `db:"def"`
	}
	if err := mig.SelectContext(ctx, &ixs, `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
		FROM pg_index i WHERE i.indrelid = 'documents'::regclass
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`); err != nil {
		mig.Close()
		return nil, err
	}
	for _, ix := range ixs {
		if _, err := mig.ExecContext(ctx, "DROP INDEX "+ix.Name); err != nil {
			mig.Close()
			return nil, err
		}
	}
	return func() error {
		defer mig.Close()
		conn, err := mig.Connx(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SET maintenance_work_mem = '512MB'"); err != nil {
			return err
		}
		for _, ix := range ixs {
			if _, err := conn.ExecContext(ctx, ix.Def); err != nil {
				return fmt.Errorf("%s: %w", ix.Def, err)
			}
		}
		return nil
	}, nil
}

// loadavg is /proc/loadavg's three averages.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// directLists times catalog.Lister.List for the three list cases, 300
// calls each after 50 unmeasured, one at a time.
func directLists(ctx context.Context, db *sqlx.DB, owner, deep string, report *strings.Builder) error {
	l := catalog.NewLister(db)
	defer l.Close()
	fmt.Fprintf(report, "\n| list case, catalog.Lister.List in the driver (one at a time, 300 calls) | p50 | p90 | p99 | max | load average |\n|---|---|---|---|---|---|\n")
	for _, c := range []struct {
		name string
		q    catalog.Query
	}{
		{"first page (50)", catalog.Query{Viewer: owner}},
		{"deep page (50, cursor 50,000 in)", catalog.Query{Viewer: owner, Cursor: deep}},
		{"first page, filtered by status (50)", catalog.Query{Viewer: owner, Status: "classified"}},
	} {
		var lat []time.Duration
		for i := 0; i < 350; i++ {
			t := time.Now()
			p, err := l.List(ctx, c.q)
			if err != nil {
				return err
			}
			if len(p.Documents) != 50 {
				return fmt.Errorf("%s: %d documents, want 50", c.name, len(p.Documents))
			}
			if i >= 50 {
				lat = append(lat, time.Since(t))
			}
		}
		p := percentiles(lat)
		fmt.Fprintf(report, "| %s | %s | %s | %s | %s | %s |\n", c.name, ms(p[50]), ms(p[90]), ms(p[99]), ms(p[100]), loadavg())
		say("direct list: %s: p50 %s p99 %s", c.name, ms(p[50]), ms(p[99]))
	}
	return nil
}
