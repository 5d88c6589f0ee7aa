package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/docuvault/docuvault/pkg/jobs"
	"github.com/docuvault/docuvault/pkg/redisconn"
	"github.com/docuvault/docuvault/tests/testenv"
)

// After Redis restarts, every idle connection in serve's pool is dead. The
// first upload after that used to be answered "stored but not queued …
// redis unavailable: EOF", and the enqueuer's backoff then refused every
// enqueue for 30 s (found by tests/chaos). Killing the pool's idle
// connections server-side does to them what a restart does.
func TestEnqueueAfterIdleConnectionsDied(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	url, ns := testenv.RedisURL(t), testenv.RandomName("dvtest-")
	pool, err := redisconn.NewPool(url, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	enq := jobs.NewEnqueuer(ns, pool)

	// Two connections used and returned to the pool, their ids noted.
	var ids []int64
	conns := []redis.Conn{pool.Get(), pool.Get()}
	for _, c := range conns {
		id, err := redis.Int64(c.Do("CLIENT", "ID"))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	for _, c := range conns {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if got := pool.IdleCount(); got != 2 {
		t.Fatalf("%d idle connections, want 2", got)
	}

	admin, err := redisconn.Dial(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	for _, id := range ids {
		if n, err := redis.Int(admin.Do("CLIENT", "KILL", "ID", id)); err != nil || n != 1 {
			t.Fatalf("CLIENT KILL ID %d: %d, %v", id, n, err)
		}
	}

	for i, doc := range []string{"00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"} {
		if err := enq.EnqueueExtract(ctx, doc); err != nil {
			t.Fatalf("enqueue %d after the idle connections died: %v", i, err)
		}
	}
	n, err := redis.Int(admin.Do("LLEN", ns+":jobs:"+jobs.ExtractAndClassify))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d jobs queued, want 2", n)
	}
}
