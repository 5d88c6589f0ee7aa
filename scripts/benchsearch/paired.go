package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"
)

// paired times the 100 queries through this driver's pkg/search (base)
// and through a peer's (o.peer: another build of the driver, serving the
// same database with -serve), query by query, alternately: in odd passes
// the peer goes first. Both run one request at a time, on the same rows,
// in the same minutes, so the load of the shared machine falls on both.
func paired(ctx context.Context, o options, st stats, base string) error {
	queries := benchQueries(st)
	if len(queries) != 100 {
		return fmt.Errorf("%d queries, want 100", len(queries))
	}
	client := &http.Client{Timeout: 60 * time.Second}
	type side struct {
		name  string
		base  string
		lat   [][]time.Duration
		total []int64
		hits  []string // the first page's ids, in order
	}
	sides := []*side{{name: o.name, base: base}, {name: o.peerName, base: o.peer}}
	for _, s := range sides {
		s.lat = make([][]time.Duration, len(queries))
		s.total = make([]int64, len(queries))
		s.hits = make([]string, len(queries))
	}
	load := func() string {
		b, err := os.ReadFile("/proc/loadavg")
		if err != nil {
			return "?"
		}
		return strings.Join(strings.Fields(string(b))[:3], " ")
	}
	loadBefore := load()
	say("warm-up pass (both)")
	for i, bq := range queries {
		for _, s := range sides {
			ids, total, err := page(ctx, client, s.base+bq.params.Encode())
			if err != nil {
				return fmt.Errorf("%s: query %q: %w", s.name, bq.label, err)
			}
			s.hits[i], s.total[i] = ids, total
		}
	}
	say("%d paired timed passes", o.rounds)
	start := time.Now()
	for r := 0; r < o.rounds; r++ {
		for i, bq := range queries {
			order := []*side{sides[0], sides[1]}
			if r%2 == 1 {
				order[0], order[1] = order[1], order[0]
			}
			for _, s := range order {
				t0 := time.Now()
				if _, _, err := get(ctx, client, s.base+bq.params.Encode()); err != nil {
					return fmt.Errorf("%s: query %q: %w", s.name, bq.label, err)
				}
				s.lat[i] = append(s.lat[i], time.Since(t0))
			}
		}
		say("pass %d done, load %s", r+1, load())
	}
	w := os.Stdout
	fmt.Fprintf(w, "## Search, paired: %s beside %s\n\n", o.name, o.peerName)
	fmt.Fprintf(w, "- %s UTC, database `%s`, %d documents; %d passes of the 100 queries after a warm-up pass, each query timed through both (one request at a time, the peer first in odd passes), %s\n",
		start.UTC().Format("2006-01-02 15:04"), o.reuse, o.docs, o.rounds, time.Since(start).Round(time.Second))
	fmt.Fprintf(w, "- load average before %s, after %s\n\n", loadBefore, load())
	cats := map[string][]int{}
	var order []string
	all := make([]int, len(queries))
	for i, bq := range queries {
		all[i] = i
		if _, ok := cats[bq.kind]; !ok {
			order = append(order, bq.kind)
		}
		cats[bq.kind] = append(cats[bq.kind], i)
	}
	collect := func(s *side, idx []int) []time.Duration {
		var out []time.Duration
		for _, i := range idx {
			out = append(out, s.lat[i]...)
		}
		return out
	}
	ratio := func(a, b time.Duration) string {
		if b <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f", float64(a)/float64(b))
	}
	n, p := sides[0], sides[1]
	fmt.Fprintf(w, "| queries | n | %[1]s p50 | %[1]s p95 | %[1]s p99 | %[2]s p50 | %[2]s p95 | %[2]s p99 | %[2]s/%[1]s p50 | p95 | p99 |\n|---|---|---|---|---|---|---|---|---|---|---|\n", n.name, p.name)
	row := func(name string, idx []int) {
		a, b := collect(n, idx), collect(p, idx)
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name, len(idx),
			ms(pct(a, 50)), ms(pct(a, 95)), ms(pct(a, 99)), ms(pct(b, 50)), ms(pct(b, 95)), ms(pct(b, 99)),
			ratio(pct(b, 50), pct(a, 50)), ratio(pct(b, 95), pct(a, 95)), ratio(pct(b, 99), pct(a, 99)))
	}
	row("**all**", all)
	for _, k := range order {
		row(k, cats[k])
	}
	fmt.Fprintf(w, "\nSlowest fifteen queries under %s (medians, ms; totals as each reports them):\n\n| query | kind | %s total | %s total | %s p50 | %s p50 |\n|---|---|---|---|---|---|\n", p.name, p.name, n.name, p.name, n.name)
	sort.SliceStable(all, func(a, b int) bool { return pct(p.lat[all[a]], 50) > pct(p.lat[all[b]], 50) })
	for _, i := range all[:15] {
		fmt.Fprintf(w, "| `%s` | %s | %d | %d | %s | %s |\n", queries[i].label, queries[i].kind, p.total[i], n.total[i], ms(pct(p.lat[i], 50)), ms(pct(n.lat[i], 50)))
	}
	diff := 0
	for i := range queries {
		if n.hits[i] != p.hits[i] {
			diff++
		}
	}
	fmt.Fprintf(w, "\nQueries whose first page (ids, in order) differed between %s and %s: %d of %d\n", n.name, p.name, diff, len(queries))
	return nil
}

// page runs one search over HTTP and returns its hits' ids (joined, in
// order) and its total.
func page(ctx context.Context, c *http.Client, u string) (string, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return "", 0, fmt.Errorf("HTTP %d: %s", resp.StatusCode, body)
	}
	var r struct {
		Hits []struct {
			ID string `json:"id"`
		} `json:"hits"`
		Total int64 `json:"total"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return "", 0, err
	}
	ids := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		ids[i] = h.ID
	}
	return strings.Join(ids, ","), r.Total, nil
}
