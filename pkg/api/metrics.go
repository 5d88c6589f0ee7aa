package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gocraft/work"
	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/docuvault/docuvault/pkg/jobs"
)

// metrics is the API's Prometheus registry: its own, not the global one,
// so that two Servers in one process (tests) do not collide.
type metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	durations  *prometheus.HistogramVec
	uploaded   prometheus.Counter
	downloaded prometheus.Counter
	uploads    *prometheus.CounterVec
	handler    http.Handler
}

func newMetrics(db *sqlx.DB, jobsClient *work.Client) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "docuvault_http_requests_total", Help: "HTTP requests by route, method and status.",
	}, []string{"route", "method", "status"})
	m.durations = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "docuvault_http_request_duration_seconds", Help: "HTTP request durations by route and method.",
		Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 10, 60},
	}, []string{"route", "method"})
	m.uploaded = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "docuvault_uploaded_bytes_total", Help: "Bytes of documents stored through the API.",
	})
	m.downloaded = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "docuvault_downloaded_bytes_total", Help: "Bytes of documents sent through the API.",
	})
	m.uploads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "docuvault_uploads_total", Help: "Files uploaded through the API by result (stored, duplicate, failed).",
	}, []string{"result"})
	m.reg.MustRegister(m.requests, m.durations, m.uploaded, m.downloaded, m.uploads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&stateCollector{db: db, jobs: jobsClient})
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	method = methodLabel(method)
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.durations.WithLabelValues(route, method).Observe(d.Seconds())
}

// methodLabel is method as a label value: the standard methods the API
// and the web app answer, and "other" for anything else. A client chooses
// the method freely (any token), so using it as given would let anyone
// create label values, and series held in memory for good, without limit.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return method
	}
	return "other"
}

// stateCollector reads, at scrape time, what no single instance counts:
// the job queue's depth and outcomes (gocraft/work), and documents by
// status (classified and failed are the jobs' outcomes).
type stateCollector struct {
	db   *sqlx.DB
	jobs *work.Client
}

var (
	jobsDesc = prometheus.NewDesc("docuvault_jobs", "Jobs of the extract_and_classify queue by state (queued, in_progress, retrying, scheduled, dead).", []string{"state"}, nil)
	docsDesc = prometheus.NewDesc("docuvault_documents", "Documents by status.", []string{"status"}, nil)
	upDesc   = prometheus.NewDesc("docuvault_state_scrape_ok", "1 when the queue and document counts could be read.", []string{"source"}, nil)
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobsDesc
	ch <- docsDesc
	ch <- upDesc
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	if c.jobs != nil {
		st, err := jobs.Stats(c.jobs)
		ok := 0.0
		if err == nil {
			ok = 1
			for state, n := range map[string]int64{"queued": st.Queued, "in_progress": st.InProgress, "retrying": st.Retrying, "scheduled": st.Scheduled, "dead": st.Dead} {
				ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), state)
			}
		}
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, ok, "redis")
	}
	if c.db != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var rows []struct {
			Status string `db:"status"`
			N      int64  `db:"n"`
		}
		ok := 0.0
		if err := c.db.SelectContext(ctx, &rows, `SELECT status, count(*) AS n FROM documents GROUP BY status`); err == nil {
			ok = 1
			for _, r := range rows {
				ch <- prometheus.MustNewConstMetric(docsDesc, prometheus.GaugeValue, float64(r.N), r.Status)
			}
		}
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, ok, "postgres")
	}
}

// errMetricsToken answers a /metrics request without the configured token.
var errMetricsToken = errorf(http.StatusUnauthorized, "unauthenticated", "send Authorization: Bearer with the metrics token (DOCUVAULT_METRICS_TOKEN)")

func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request) error {
	if s.metricsToken != nil && !s.metricsAuthorized(r) {
		return errMetricsToken
	}
	s.metrics.handler.ServeHTTP(w, r)
	return nil
}

// metricsAuthorized reports whether r sends the metrics token as its
// bearer token. The hashes are compared in constant time, so that neither
// the token's bytes nor its length can be learned from how long a refusal
// takes.
func (s *Server) metricsAuthorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(sum[:], s.metricsToken) == 1
}
