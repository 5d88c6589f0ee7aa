// Package ratelimit counts events in fixed windows in Redis, for the
// limits on wrong passwords: sign-in (pkg/auth) and share links'
// passwords (pkg/sharelinks). A key's first event starts its window; the
// count and the time left in the window say whether the next attempt may
// go on and when to try again.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/gomodule/redigo/redis"
)

// ErrUnavailable is Redis not answering; callers wrap it in their own.
var ErrUnavailable = errors.New("rate limits unavailable")

// Counter counts events under keys of one namespace.
type Counter struct {
	Pool      *redis.Pool
	Namespace string
}

// Key is the Redis key of kind's scope for value ("login", "ip",
// "203.0.113.7"). The value is hashed: it may be anything a client typed.
func (c Counter) Key(kind, scope, value string) string {
	sum := sha256.Sum256([]byte(value))
	return c.Namespace + ":ratelimit:" + kind + ":" + scope + ":" + hex.EncodeToString(sum[:16])
}

// hitScript counts one event in a fixed window: the first event of a
// window starts its expiry. It returns the count and the window's
// remaining milliseconds.
var hitScript = redis.NewScript(1, `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`)

// Hit counts one event under key and returns the window's count so far
// and the time left in it.
func (c Counter) Hit(ctx context.Context, key string, window time.Duration) (int64, time.Duration, error) {
	conn, err := c.Pool.GetContext(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer conn.Close()
	vals, err := redis.Int64s(hitScript.DoContext(ctx, conn, key, window.Milliseconds()))
	if err != nil || len(vals) != 2 {
		return 0, 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return vals[0], retryAfter(vals[1]), nil
}

// Peek returns the count under key and the time left in its window.
func (c Counter) Peek(ctx context.Context, key string) (int64, time.Duration, error) {
	conn, err := c.Pool.GetContext(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer conn.Close()
	if err := conn.Send("GET", key); err != nil {
		return 0, 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if err := conn.Send("PTTL", key); err != nil {
		return 0, 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if err := conn.Flush(); err != nil {
		return 0, 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	n, err := redis.Int64(redis.ReceiveContext(conn, ctx))
	if errors.Is(err, redis.ErrNil) {
		n, err = 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	ms, err := redis.Int64(redis.ReceiveContext(conn, ctx))
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return n, retryAfter(ms), nil
}

// Forget clears key (a right password clears its failures). A failure
// here only leaves the count to expire.
func (c Counter) Forget(ctx context.Context, key string) {
	conn, err := c.Pool.GetContext(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	_, _ = redis.DoContext(conn, ctx, "DEL", key)
}

// retryAfter is a window's time left, at least a second (Retry-After is
// in whole seconds).
func retryAfter(ms int64) time.Duration {
	if ms < 1000 {
		return time.Second
	}
	return time.Duration(ms) * time.Millisecond
}
