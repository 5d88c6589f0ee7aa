// Package health probes the services DocuVault depends on — PostgreSQL, the
// object store and Redis — with real calls, each bounded by a timeout, so a
// stopped or silent service is reported as failed, never waited on.
package health

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"
)

// Check probes one component. It returns nil when the component works.
type Check func(ctx context.Context) error

// Component is the result of one Check.
type Component struct {
	OK        bool   `json:"ok"`
	LatencyMS int64  `json:"latency_ms"`
	Error     string `json:"error,omitempty"`
}

// Report is the result of every Check.
type Report struct {
	Status     string               `json:"status"` // "ok" or "fail"
	Components map[string]Component `json:"components"`
}

// OK reports whether every component is ok.
func (r Report) OK() bool { return r.Status == "ok" }

// Names returns the component names in a stable order.
func (r Report) Names() []string {
	names := make([]string, 0, len(r.Components))
	for n := range r.Components {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Run runs every check at once, each bounded by timeout, and returns when
// all have answered or timed out. A check that ignores its context is
// abandoned at the timeout and reported as timed out.
func Run(ctx context.Context, timeout time.Duration, checks map[string]Check) Report {
	rep := Report{Status: "ok", Components: map[string]Component{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, check := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := runOne(ctx, timeout, check)
			mu.Lock()
			defer mu.Unlock()
			rep.Components[name] = c
			if !c.OK {
				rep.Status = "fail"
			}
		}()
	}
	wg.Wait()
	return rep
}

func runOne(ctx context.Context, timeout time.Duration, check Check) Component {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	done := make(chan error, 1) // buffered: an abandoned check does not block
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- errors.New("check panicked")
			}
		}()
		done <- check(ctx)
	}()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		err = errors.New("no answer within " + timeout.String())
	}
	c := Component{OK: err == nil, LatencyMS: time.Since(start).Milliseconds()}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			c.Error = "no answer within " + timeout.String()
		} else {
			c.Error = err.Error()
		}
	}
	return c
}
