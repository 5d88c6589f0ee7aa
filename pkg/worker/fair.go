package worker

import (
	"context"
	"sync"
	"time"
)

// Per-owner fairness (issue 20, D3).
//
// gocraft/work hands out jobs in the order they were queued and knows
// nothing of owners, so one owner's batch of slow documents (costly match
// rules, files that take their whole extraction timeout) could hold every
// job slot of a worker while every other owner's documents waited behind
// it. So one worker process runs at most ownerLimit documents of one owner
// at once: every job slot but one (2 × Concurrency − 1), so that a single
// user's batch still overlaps its documents' database and object store
// round trips with the extraction of others, nearly as before, while one
// job slot is always left for another owner. Of those, at most Concurrency
// are extracted at once (Pipeline.extractOwners), and the extraction slots
// are Concurrency + 1: while one owner's documents hold Concurrency of
// them, another owner's document still gets one at once.
//
// A job whose owner is at the limit (found by the claim, which loads the
// owner) waits up to ownerWait for one of that owner's documents to
// finish — in a batch of one owner that is the usual case, and the job
// then runs at once — and otherwise goes back to the queue: its document is
// set pending again and the job queued anew in ownerRequeueDelay
// (EnqueueUniqueIn, so a job the sweeper queued meanwhile is not doubled).
// That is not a failure: no attempt is counted, no reason stored. While it
// waits or is requeued, the slot goes to the next job in the queue, which
// is how another owner's document behind a long batch is reached. A
// document requeued once is remembered with its owner, so meeting it again
// while the owner is still at the limit costs no database round trip.
//
// The limit is per worker process: N workers run at most N × ownerLimit
// documents of one owner.
const (
	ownerWait         = 2 * time.Second
	ownerRequeueDelay = time.Second
	// ownerMemory bounds how many requeued documents' owners are kept.
	ownerMemory = 100_000
)

// ownerLimit is how many of one owner's documents a worker with
// concurrency extraction slots (and twice as many job slots) runs at once:
// every job slot but one, at least 1.
func ownerLimit(concurrency uint) int {
	return max(1, 2*int(concurrency)-1)
}

// ownerGate counts each owner's documents in flight in this process.
type ownerGate struct {
	limit int

	mu      sync.Mutex
	running map[string]int    // owner → documents in flight
	known   map[string]string // requeued document id → its owner
	changed chan struct{}     // closed (and replaced) whenever a place is given back
}

func newOwnerGate(limit int) *ownerGate {
	return &ownerGate{limit: limit, running: map[string]int{}, known: map[string]string{}, changed: make(chan struct{})}
}

// admit takes one of owner's places, waiting up to wait for one to be
// given back. It returns the function that gives it back, or ok false
// when owner is still at the limit (or ctx is done).
func (g *ownerGate) admit(ctx context.Context, owner string, wait time.Duration) (release func(), ok bool) {
	if !g.waitFor(ctx, owner, wait, true) {
		return nil, false
	}
	var once sync.Once
	return func() { once.Do(func() { g.release(owner) }) }, true
}

// waitFor waits up to wait until owner is under the limit, and then takes
// a place when take is set. It reports whether owner was under the limit.
func (g *ownerGate) waitFor(ctx context.Context, owner string, wait time.Duration, take bool) bool {
	var timeout <-chan time.Time
	for {
		g.mu.Lock()
		if g.running[owner] < g.limit {
			if take {
				g.running[owner]++
			}
			g.mu.Unlock()
			return true
		}
		changed := g.changed
		g.mu.Unlock()
		if timeout == nil {
			t := time.NewTimer(wait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-changed:
		case <-timeout:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

func (g *ownerGate) release(owner string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.running[owner]--; g.running[owner] <= 0 {
		delete(g.running, owner)
	}
	close(g.changed)
	g.changed = make(chan struct{})
}

// stillBusy reports whether document id was requeued before and its
// owner is still at the limit after waiting up to wait: it can be requeued
// again without being claimed.
func (g *ownerGate) stillBusy(ctx context.Context, id string, wait time.Duration) bool {
	g.mu.Lock()
	owner, ok := g.known[id]
	g.mu.Unlock()
	return ok && !g.waitFor(ctx, owner, wait, false)
}

// remember notes the owner of a requeued document; forget drops it once
// the document runs.
func (g *ownerGate) remember(id, owner string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.known) >= ownerMemory {
		clear(g.known)
	}
	g.known[id] = owner
}

func (g *ownerGate) forget(id string) {
	g.mu.Lock()
	delete(g.known, id)
	g.mu.Unlock()
}
