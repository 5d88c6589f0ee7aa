package api

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	s := &Server{d: Deps{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	for _, c := range []struct {
		remote, xff, want string
	}{
		{"192.0.2.9:5000", "", "192.0.2.9"},
		{"192.0.2.9:5000", "198.51.100.1", "192.0.2.9"},                // not a proxy: its header is ignored
		{"10.1.2.3:5000", "198.51.100.1", "198.51.100.1"},              // the balancer names the client
		{"10.1.2.3:5000", "203.0.113.5, 198.51.100.1", "198.51.100.1"}, // the nearest untrusted hop, not a spoofed first one
		{"10.1.2.3:5000", "198.51.100.1, 10.9.9.9", "198.51.100.1"},    // through two balancers
		{"10.1.2.3:5000", "", "10.1.2.3"},                              // no header
		{"10.1.2.3:5000", "garbage", "10.1.2.3"},                       // unreadable header
		{"[::ffff:192.0.2.9]:5000", "", "192.0.2.9"},                   // IPv4-mapped
		{"[2001:db8::1]:443", "", "2001:db8::1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := s.clientIP(r); got != c.want {
			t.Errorf("%s with X-Forwarded-For %q: %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
}
