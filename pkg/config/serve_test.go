package config_test

import (
	"errors"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/config"
)

func TestServeSettings(t *testing.T) {
	c, err := config.Load(config.Options{LookupEnv: env(map[string]string{
		"DOCUVAULT_LISTEN":            "127.0.0.1:9000",
		"DOCUVAULT_ACCESS_TOKEN_TTL":  "5m",
		"DOCUVAULT_CORS_ORIGINS":      "https://a.example.org, http://localhost:5173/",
		"DOCUVAULT_TRUSTED_PROXIES":   "10.0.0.0/8,192.0.2.1",
		"DOCUVAULT_LOGIN_LIMIT":       "5/1m",
		"DOCUVAULT_REFRESH_TOKEN_TTL": "24h",
		"DOCUVAULT_DB_CONNS":          "3",
	}), ConfigSearch: []string{}, EnvFiles: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9000" || c.AccessTokenTTL != 5*time.Minute || c.RefreshTokenTTL != 24*time.Hour {
		t.Errorf("listen/ttls: %q %s %s", c.Listen, c.AccessTokenTTL, c.RefreshTokenTTL)
	}
	if len(c.CORSOrigins) != 2 || c.CORSOrigins[1] != "http://localhost:5173" || len(c.TrustedProxies) != 2 {
		t.Errorf("lists: %q %q", c.CORSOrigins, c.TrustedProxies)
	}
	if c.DBConns != 3 {
		t.Errorf("db conns: %d", c.DBConns)
	}
	if c.LoginLimit != (config.Rate{N: 5, Window: time.Minute}) || c.LoginIPLimit != (config.Rate{N: 50, Window: 15 * time.Minute}) {
		t.Errorf("limits: %v %v", c.LoginLimit, c.LoginIPLimit)
	}
	for name, bad := range map[string]map[string]string{
		"ttl":    {"DOCUVAULT_ACCESS_TOKEN_TTL": "soon"},
		"origin": {"DOCUVAULT_CORS_ORIGINS": "*"},
		"path":   {"DOCUVAULT_CORS_ORIGINS": "https://a.example.org/app"},
		"proxy":  {"DOCUVAULT_TRUSTED_PROXIES": "the balancer"},
		"rate":   {"DOCUVAULT_LOGIN_LIMIT": "10 per minute"},
		"zero":   {"DOCUVAULT_LOGIN_IP_LIMIT": "0/1m"},
		"conns":  {"DOCUVAULT_DB_CONNS": "0"},
		"word":   {"DOCUVAULT_DB_CONNS": "many"},
	} {
		_, err := config.Load(config.Options{LookupEnv: env(bad), ConfigSearch: []string{}, EnvFiles: []string{}})
		var invalid *config.InvalidError
		for k := range bad {
			if !errors.As(err, &invalid) || invalid.Env != k || invalid.Source != "env "+k {
				t.Errorf("%s: %v (%T), want an *InvalidError for %s", name, err, err, k)
			}
		}
	}
}
