package api

import (
	"net/http"
	"strings"
	"testing"
)

// Issue 20, D4's optional /metrics token: with Deps.MetricsToken set,
// /metrics answers only a request that sends it as its bearer token; any
// other (none, another scheme, a wrong or longer or shorter token, a
// user's access token) gets 401 with WWW-Authenticate and no metrics.
// The token is never logged.
func TestMetricsToken(t *testing.T) {
	const token = "9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c-metrics"
	e := newEnv(t, envOptions{deps: func(d *Deps) { d.MetricsToken = token }})
	ann := e.login("ann")
	for name, auth := range map[string]string{
		"no header":           "",
		"basic scheme":        "Basic " + token,
		"no scheme":           token,
		"wrong token":         "Bearer 0f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c-metrics",
		"token cut short":     "Bearer " + token[:len(token)-1],
		"token with more":     "Bearer " + token + "x",
		"empty bearer":        "Bearer ",
		"a user access token": "Bearer " + ann.token,
	} {
		hdr := map[string]string{}
		if auth != "" {
			hdr["Authorization"] = auth
		}
		res := e.anon().request("GET", "/metrics", nil, "", hdr).wantError(http.StatusUnauthorized, "unauthenticated")
		if got := res.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer ") {
			t.Errorf("%s: WWW-Authenticate %q, want a Bearer challenge", name, got)
		}
		if strings.Contains(string(res.body), "docuvault_http_requests_total") {
			t.Errorf("%s: metrics in the refusal", name)
		}
	}
	for _, scheme := range []string{"Bearer ", "bearer "} {
		res := e.anon().request("GET", "/metrics", nil, "", map[string]string{"Authorization": scheme + token}).want(http.StatusOK)
		body := string(res.body)
		// The refusals are counted like any request.
		if !strings.Contains(body, `docuvault_http_requests_total{method="GET",route="/metrics",status="401"} 8`) {
			t.Errorf("%q: /metrics lacks the 8 refusals:\n%.2000s", scheme, body)
		}
	}
	if strings.Contains(e.logs.String(), token[:16]) {
		t.Errorf("the log shows the metrics token:\n%s", e.logs.String())
	}
	// Other public routes need no token still.
	e.anon().do("GET", "/health", nil).want(http.StatusOK)
	e.anon().do("GET", "/api/openapi.json", nil).want(http.StatusOK)
}

// Without a token /metrics stays open, as before; a bearer token sent
// anyway (a Prometheus configured for another instance) changes nothing.
func TestMetricsWithoutToken(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.anon().do("GET", "/metrics", nil).want(http.StatusOK)
	res := e.anon().request("GET", "/metrics", nil, "", map[string]string{"Authorization": "Bearer anything-at-all-0123456789"}).want(http.StatusOK)
	if !strings.Contains(string(res.body), `docuvault_http_requests_total{method="GET",route="/metrics",status="200"} 1`) {
		t.Errorf("/metrics without a token:\n%.2000s", res.body)
	}
}
