package chaos

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestPostgresAndRedisRestartMidBatch: while 4 clients upload a stream of documents
// through serve and a worker reads them, PostgreSQL is stopped as by a crash
// (pg_ctl -m immediate, fsync on) and started again, then Redis is
// SIGKILLed and started again empty, its queue forgotten. Each upload gets
// 201 or 503; the failed ones, retried, are stored; the sweeper queues the
// documents whose jobs Redis lost, and every document ends read.
func TestPostgresAndRedisRestartMidBatch(t *testing.T) {
	t.Parallel()
	v := newVault(t)
	v.cli("", "topic", "add", "Finance", "--description", "invoice payment bank transfer tax").want(t, 0)
	s := v.serve()
	c := v.login(s)
	w := v.worker()
	l := newLedger()

	// 4 clients upload without pause until told to stop; the outages are
	// timed by what they have seen, so the batch is in the middle of each.
	type outcome struct {
		name string
		body []byte
		code int
		err  error
	}
	var (
		mu       sync.Mutex
		outcomes []outcome
		stopping atomic.Bool
	)
	// progress counts the answers, and the successes, so far.
	progress := func() (done, ok int) {
		mu.Lock()
		defer mu.Unlock()
		for _, o := range outcomes {
			if o.code == http.StatusCreated {
				ok++
			}
		}
		return len(outcomes), ok
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for client := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stopping.Load(); i++ {
				name := fmt.Sprintf("mid%d-%03d.txt", client, i)
				size := 16 << 10
				if i%4 == 3 {
					size = 300 << 10
				}
				body := textDoc(textDocMarker(name), uint64(client)<<32|uint64(i), size)
				code, ans, err := c.upload(ctx, name, body)
				switch {
				case err != nil:
				case code == http.StatusCreated && len(ans.Documents) == 1 && ans.Results[0].DuplicateOf == "":
					l.add(t, ans.Documents[0].ID, name, body)
				case code == http.StatusServiceUnavailable && ans.Error != nil:
				default:
					msg := ""
					if ans.Error != nil {
						msg = ans.Error.Code + ": " + ans.Error.Message
					}
					err = fmt.Errorf("status %d (%s), want 201 or 503", code, msg)
				}
				mu.Lock()
				outcomes = append(outcomes, outcome{name, body, code, err})
				mu.Unlock()
				if code != http.StatusCreated {
					// As a client should after a 503: not at once again.
					time.Sleep(250 * time.Millisecond)
				}
			}
		}()
	}
	defer func() { stopping.Store(true); wg.Wait() }()
	await := func(what string, cond func(done, ok int) bool) {
		t.Helper()
		waitFor(t, 3*time.Minute, what, func() error {
			if done, ok := progress(); !cond(done, ok) {
				return fmt.Errorf("%d answered, %d stored", done, ok)
			}
			return nil
		})
	}

	// PostgreSQL: stopped as by a crash once 15 uploads are stored; started
	// again once uploads have failed for it.
	await("15 uploads stored", func(_, ok int) bool { return ok >= 15 })
	v.pg.crash()
	done0, ok0 := progress()
	await("uploads failing without PostgreSQL", func(done, ok int) bool { return done-ok >= done0-ok0+3 })
	v.pg.start()
	done1, ok1 := progress()
	t.Logf("PostgreSQL crashed after %d uploads answered (%d stored), restarted after %d", done0, ok0, done1)

	// Redis: killed once 15 more are stored, and started again, empty,
	// after 8 more answers: uploads go on without it.
	await("15 more uploads stored", func(_, ok int) bool { return ok >= ok1+15 })
	v.redis.kill()
	done2, _ := progress()
	await("8 uploads answered without Redis", func(done, _ int) bool { return done >= done2+8 })
	v.redis.start()
	mu.Lock()
	sinceRedis := len(outcomes)
	mu.Unlock()
	_, ok3 := progress()
	t.Logf("Redis killed after %d uploads answered, restarted empty", done2)
	await("15 more uploads stored", func(_, ok int) bool { return ok >= ok3+15 })
	stopping.Store(true)
	wg.Wait()

	// The failed uploads, once more.
	waitFor(t, time.Minute, "serve healthy again", func() error { return healthy(s.url) })
	var retried int
	for _, o := range outcomes {
		if o.err != nil {
			t.Errorf("upload %s: %v", o.name, o.err)
			continue
		}
		if o.code == http.StatusCreated {
			continue
		}
		retried++
		code, ans, err := c.upload(ctx, o.name, o.body)
		switch {
		case err == nil && code == http.StatusCreated && len(ans.Documents) == 1 && ans.Results[0].DuplicateOf == "":
			l.add(t, ans.Documents[0].ID, o.name, o.body)
		case err == nil && code == http.StatusCreated && len(ans.Results) == 1 && ans.Results[0].DuplicateOf != "":
			// PostgreSQL committed the row but died before saying so: the
			// client heard a failure, and the retry finds the document.
			// No system can tell such a client better (it needs an
			// idempotency key); what matters is that the document is whole,
			// which verify checks.
			t.Logf("upload %s answered %d during the outage was stored after all, as %s", o.name, o.code, ans.Results[0].DuplicateOf)
			l.add(t, ans.Results[0].DuplicateOf, o.name, o.body)
		default:
			t.Errorf("retry of %s: %d %+v %v", o.name, code, ans, err)
		}
	}
	t.Logf("%d uploads answered; %d failed during the outages and were retried", len(outcomes), retried)
	if len(l.docs) != len(outcomes) {
		t.Fatalf("%d documents stored, want %d", len(l.docs), len(outcomes))
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exited %d after SIGTERM", code)
	}

	// The worker lived through both outages: the documents stored after
	// Redis came back are read by it — queued in the new Redis by serve,
	// or, while serve's enqueuer still backs off after the Redis error
	// (30 s), by the worker's sweeper (pending over a minute, swept every
	// minute): up to about two minutes after they were stored.
	later := newLedger()
	for _, o := range outcomes[sinceRedis:] {
		if o.code == http.StatusCreated {
			for id, d := range l.docs {
				if d.name == o.name {
					later.docs[id] = d
				}
			}
		}
	}
	if w.exited() {
		t.Fatalf("the worker exited during the outages: %v", w.err)
	}
	v.waitAllRead(t, later, 4*time.Minute)
	if code := w.stop(t); code != 0 {
		t.Errorf("worker exited %d after SIGTERM", code)
	}

	// Then, as if two minutes had passed, a fresh worker's sweeper queues
	// whatever Redis forgot.
	counts, err := v.statusCounts()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("before the sweep: %v", counts)
	v.backdate(t)
	w = v.worker()
	// Started before it is stopped: a SIGTERM that comes before the new
	// process handles signals kills it (exit -1), whatever it then does —
	// which happened when every document had been read already and
	// waitAllRead returned at once.
	waitFor(t, time.Minute, "the fresh worker started", func() error {
		if w.exited() {
			return &fatalError{fmt.Errorf("worker exited (%v):\n%s", w.err, w.logs.String())}
		}
		if !strings.Contains(w.logs.String(), `"msg":"worker started"`) {
			return fmt.Errorf("no \"worker started\" in its log yet")
		}
		return nil
	})
	v.waitAllRead(t, l, 3*time.Minute)
	if counts["pending"] > 0 && !strings.Contains(w.logs.String(), "sweeper queued documents") {
		t.Errorf("%d documents were pending, but the sweeper queued none", counts["pending"])
	}
	if code := w.stop(t); code != 0 {
		t.Errorf("worker exited %d after SIGTERM", code)
	}
	v.repairLeftovers(t, l)
	v.verify(t, l, verifyOptions{read: true})
}
