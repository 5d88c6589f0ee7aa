package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// D4 (issue 20): the method label of the request metrics takes the standard
// methods and "other", whatever methods clients make up: before, every
// made-up method became a label value (and series held for good), so
// anyone could grow serve's memory and /metrics without bound.
func TestMetricsFoldUnknownMethods(t *testing.T) {
	e := newEnv(t, envOptions{})
	made := []string{"FOO", "PROPFIND", "X-A1", "get", "BREW"}
	paths := []string{"/", "/api/documents", "/metrics", "/no/such/path"}
	for _, m := range made {
		for _, p := range paths {
			res := e.anon().request(m, p, nil, "", nil)
			if res.status < 400 {
				t.Errorf("%s %s: %d, want a refusal", m, p, res.status)
			}
		}
	}
	e.anon().do("GET", "/health", nil)
	e.anon().request("OPTIONS", "/api/documents", nil, "", nil)
	body := string(e.anon().do("GET", "/metrics", nil).want(http.StatusOK).body)
	for _, m := range made {
		if strings.Contains(body, `method="`+m+`"`) {
			t.Errorf("/metrics has a label for the made-up method %s", m)
		}
	}
	var other float64
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "docuvault_http_requests_total{") && strings.Contains(line, `method="other"`) {
			var n float64
			if _, err := fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &n); err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			other += n
		}
	}
	if want := float64(len(made) * len(paths)); other != want {
		t.Errorf("requests counted as method other: %v, want %v", other, want)
	}
	for _, want := range []string{`method="GET",route="/health"`, `method="OPTIONS"`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestMethodLabel(t *testing.T) {
	for in, want := range map[string]string{
		"GET": "GET", "HEAD": "HEAD", "POST": "POST", "PUT": "PUT", "PATCH": "PATCH", "DELETE": "DELETE", "OPTIONS": "OPTIONS",
		"CONNECT": "other", "TRACE": "other", "get": "other", "FOO": "other", "": "other", strings.Repeat("A", 1000): "other",
	} {
		if got := methodLabel(in); got != want {
			t.Errorf("methodLabel(%.20q) = %q, want %q", in, got, want)
		}
	}
}
