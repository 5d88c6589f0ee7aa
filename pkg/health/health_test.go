package health_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/config"
	"github.com/docuvault/docuvault/pkg/health"
	"github.com/docuvault/docuvault/tests/testenv"
)

func TestRunBoundsEveryCheck(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	start := time.Now()
	rep := health.Run(context.Background(), 200*time.Millisecond, map[string]health.Check{
		"ok":      func(context.Context) error { return nil },
		"broken":  func(context.Context) error { return errors.New("boom") },
		"stuck":   func(context.Context) error { <-block; return nil }, // ignores its context
		"panicky": func(context.Context) error { panic("oops") },
	})
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Run took %s with a 200ms timeout", d)
	}
	if rep.OK() || rep.Status != "fail" {
		t.Errorf("status %q", rep.Status)
	}
	want := map[string]string{"ok": "", "broken": "boom", "stuck": "no answer within 200ms", "panicky": "check panicked"}
	for name, msg := range want {
		c := rep.Components[name]
		if c.OK != (msg == "") || c.Error != msg {
			t.Errorf("%s: %+v, want error %q", name, c, msg)
		}
	}
	if got := strings.Join(rep.Names(), ","); got != "broken,ok,panicky,stuck" {
		t.Errorf("Names = %s", got)
	}
}

func TestChecksAgainstRealServices(t *testing.T) {
	cfg := testenv.Deploy(t).Config()
	rep := health.Run(context.Background(), 5*time.Second, health.Checks(cfg))
	if !rep.OK() {
		t.Fatalf("all services up, report %+v", rep)
	}
	for _, n := range []string{"postgres", "minio", "redis"} {
		if c, ok := rep.Components[n]; !ok || !c.OK {
			t.Errorf("%s: %+v", n, c)
		}
	}

	// Each component fails on its own, naming what to fix.
	type tweak struct {
		name, component, want string
		set                   func(c *config.Config)
	}
	for _, tc := range []tweak{
		{"wrong redis password", "redis", "check the password in REDIS_URL", func(c *config.Config) { c.RedisURL = strings.Replace(c.RedisURL, "://:", "://:x", 1) }},
		{"wrong app secret", "minio", "key is wrong", func(c *config.Config) { c.MinioSecretKey = "wrong-secret" }},
		{"missing bucket", "minio", "bucket init", func(c *config.Config) { c.MinioBucket = "dvtest-no-such-bucket" }},
		{"wrong db password", "postgres", "password", func(c *config.Config) {
			c.DatabaseURL = strings.Replace(c.DatabaseURL, "docuvault_app:", "docuvault_app:x", 1)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := *cfg
			tc.set(&c)
			rep := health.Run(context.Background(), 5*time.Second, health.Checks(&c))
			got := rep.Components[tc.component]
			if rep.OK() || got.OK || !strings.Contains(got.Error, tc.want) {
				t.Errorf("%s: %+v, want failed with %q", tc.component, got, tc.want)
			}
			for n, other := range rep.Components {
				if n != tc.component && !other.OK {
					t.Errorf("%s failed too: %s", n, other.Error)
				}
			}
			if strings.Contains(got.Error, "wrong-secret") {
				t.Errorf("error leaks the secret: %s", got.Error)
			}
		})
	}
}

func TestChecksNeverHang(t *testing.T) {
	// A port that accepts connections and never answers, and one that is closed.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	closedL, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := closedL.Addr().String()
	closedL.Close()

	for name, addr := range map[string]string{"silent": silent.Addr().String(), "closed": closed} {
		t.Run(name, func(t *testing.T) {
			cfg := &config.Config{
				DatabaseURL:   "postgres://u:p@" + addr + "/db?sslmode=disable",
				MinioEndpoint: addr, MinioBucket: "b", MinioAccessKey: "k", MinioSecretKey: "secretsecret",
				RedisURL: "redis://:p@" + addr + "/0",
			}
			start := time.Now()
			rep := health.Run(context.Background(), time.Second, health.Checks(cfg))
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %s with a 1s timeout", d)
			}
			for _, n := range []string{"postgres", "minio", "redis"} {
				if c := rep.Components[n]; c.OK || c.Error == "" {
					t.Errorf("%s: %+v, want failed", n, c)
				}
			}
		})
	}
}

func TestChecksNotMigrated(t *testing.T) {
	tdb := testenv.NewDatabase(t)
	cfg := &config.Config{DatabaseURL: tdb.AppURL}
	rep := health.Run(context.Background(), 5*time.Second, map[string]health.Check{"postgres": health.Checks(cfg)["postgres"]})
	if c := rep.Components["postgres"]; c.OK || !strings.Contains(c.Error, "migrate up") {
		t.Errorf("unmigrated database: %+v", c)
	}
}
