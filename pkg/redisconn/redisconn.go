// Package redisconn opens DocuVault's Redis connections (redigo) from
// REDIS_URL, with bounded dial, read and write times, for the job queue and
// rate limits.
package redisconn

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gomodule/redigo/redis"
)

// Timeout bounds each dial, read and write.
const Timeout = 5 * time.Second

// dialOptions checks rawURL and returns redigo's options for it.
func dialOptions(rawURL string) ([]redis.DialOption, error) {
	if rawURL == "" {
		return nil, errors.New("redis: REDIS_URL is not set")
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
		return nil, errors.New("redis: REDIS_URL must look like redis://:password@host:port/db")
	}
	return []redis.DialOption{
		redis.DialConnectTimeout(Timeout),
		redis.DialReadTimeout(Timeout),
		redis.DialWriteTimeout(Timeout),
	}, nil
}

// Dial opens one connection to REDIS_URL, authenticating and selecting the
// database the URL names.
func Dial(ctx context.Context, rawURL string) (redis.Conn, error) {
	opts, err := dialOptions(rawURL)
	if err != nil {
		return nil, err
	}
	opts = append(opts, redis.DialContextFunc(dialer))
	c, err := redis.DialURLContext(ctx, rawURL, opts...)
	if err != nil {
		return nil, fmt.Errorf("redis: cannot connect with REDIS_URL (%s): %s", target(rawURL), describe(err))
	}
	return c, nil
}

// NewPool returns a pool of connections to REDIS_URL; it connects lazily.
func NewPool(rawURL string, maxActive int) (*redis.Pool, error) {
	if _, err := dialOptions(rawURL); err != nil {
		return nil, err
	}
	return &redis.Pool{
		MaxActive:   maxActive,
		MaxIdle:     maxActive,
		IdleTimeout: 4 * time.Minute,
		Wait:        true,
		DialContext: func(ctx context.Context) (redis.Conn, error) { return Dial(ctx, rawURL) },
		// Every borrowed connection is checked with a PING (one loopback
		// round trip): after Redis restarts, the pool's idle connections are
		// dead however recently they were used, and the first command on
		// one would fail with EOF. The pool closes a connection that fails
		// the check and hands out the next idle one or dials afresh.
		TestOnBorrow: func(c redis.Conn, _ time.Time) error {
			_, err := c.Do("PING")
			return err
		},
	}, nil
}

// Ping dials REDIS_URL and sends PING, bounded by ctx.
func Ping(ctx context.Context, rawURL string) error {
	c, err := Dial(ctx, rawURL)
	if err != nil {
		return err
	}
	defer c.Close()
	reply, err := redis.String(redis.DoContext(c, ctx, "PING"))
	if err != nil {
		return fmt.Errorf("redis: PING: %s", describe(err))
	}
	if reply != "PONG" {
		return fmt.Errorf("redis: PING answered %q", reply)
	}
	return nil
}

func target(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "?"
	}
	return u.Host
}

func describe(err error) string {
	s := err.Error()
	switch {
	case strings.Contains(s, "WRONGPASS"), strings.Contains(s, "invalid password"), strings.Contains(s, "NOAUTH"):
		return s + " (check the password in REDIS_URL)"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	return s
}
