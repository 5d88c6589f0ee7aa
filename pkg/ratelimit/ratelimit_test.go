package ratelimit_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/ratelimit"
	"github.com/docuvault/docuvault/pkg/redisconn"
	"github.com/docuvault/docuvault/tests/testenv"
)

// A window counts its events from the first, tells the time left, ends by
// itself, and Forget clears it; keys never hold what the client typed.
func TestCounter(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool, err := redisconn.NewPool(testenv.RedisURL(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	c := ratelimit.Counter{Pool: pool, Namespace: testenv.RandomName("dvtest-")}
	key := c.Key("login", "ip", "203.0.113.7")
	if strings.Contains(key, "203.0.113.7") || !strings.HasPrefix(key, c.Namespace+":ratelimit:login:ip:") {
		t.Fatalf("key %q", key)
	}
	if n, _, err := c.Peek(ctx, key); err != nil || n != 0 {
		t.Fatalf("Peek of nothing = %d, %v", n, err)
	}
	for want := int64(1); want <= 3; want++ {
		n, ttl, err := c.Hit(ctx, key, time.Hour)
		if err != nil || n != want || ttl <= 59*time.Minute || ttl > time.Hour {
			t.Fatalf("Hit %d = %d, %v, %v", want, n, ttl, err)
		}
	}
	if n, ttl, err := c.Peek(ctx, key); err != nil || n != 3 || ttl <= 59*time.Minute {
		t.Fatalf("Peek = %d, %v, %v", n, ttl, err)
	}
	c.Forget(ctx, key)
	if n, _, err := c.Peek(ctx, key); err != nil || n != 0 {
		t.Fatalf("Peek after Forget = %d, %v", n, err)
	}
	// A short window ends: the next event starts a new one.
	short := c.Key("link", "token", "x")
	if n, ttl, err := c.Hit(ctx, short, 200*time.Millisecond); err != nil || n != 1 || ttl != time.Second {
		t.Fatalf("Hit = %d, %v, %v (want 1 and at least a second to wait)", n, ttl, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, _, err := c.Peek(ctx, short)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the window never ended")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Without Redis: ErrUnavailable.
func TestUnavailable(t *testing.T) {
	pool, err := redisconn.NewPool("redis://127.0.0.1:1/0", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	c := ratelimit.Counter{Pool: pool, Namespace: "x"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, _, err := c.Hit(ctx, "k", time.Minute); !errors.Is(err, ratelimit.ErrUnavailable) {
		t.Fatalf("Hit without Redis: %v", err)
	}
	if _, _, err := c.Peek(ctx, "k"); !errors.Is(err, ratelimit.ErrUnavailable) {
		t.Fatalf("Peek without Redis: %v", err)
	}
}
