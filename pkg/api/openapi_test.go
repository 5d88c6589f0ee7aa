package api

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
)

type openAPIDocument struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas   map[string]json.RawMessage `json:"schemas"`
		Responses map[string]json.RawMessage `json:"responses"`
	} `json:"components"`
}

var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "patch": true, "head": true, "options": true}

// TestOpenAPIMatchesRoutes checks the OpenAPI description against the real
// route table both ways: every route is described, every described
// operation is a route; and its internal references resolve.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc openAPIDocument
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	described := map[string]bool{}
	opIDs := map[string]bool{}
	for path, item := range doc.Paths {
		for method, raw := range item {
			if !httpMethods[method] {
				continue
			}
			described[strings.ToUpper(method)+" "+path] = true
			var op struct {
				OperationID string                     `json:"operationId"`
				Responses   map[string]json.RawMessage `json:"responses"`
				Security    *[]map[string][]string     `json:"security"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			if op.OperationID == "" || opIDs[op.OperationID] {
				t.Errorf("%s %s: operationId %q missing or repeated", method, path, op.OperationID)
			}
			opIDs[op.OperationID] = true
			if len(op.Responses) == 0 {
				t.Errorf("%s %s: no responses", method, path)
			}
			if op.Security == nil {
				t.Errorf("%s %s: security not stated", method, path)
			}
		}
	}
	s := New(Deps{})
	routes := map[string]bool{}
	for _, rt := range s.routes {
		key := rt.method + " " + rt.pattern
		routes[key] = true
		if !described[key] {
			t.Errorf("route %s is not in openapi.json", key)
		}
		// The document says which routes need no access token (security
		// empty, or allowing the empty requirement {} beside an optional
		// scheme, as /metrics with its own token); so does the table.
		var op struct {
			Security *[]map[string][]string `json:"security"`
		}
		if err := json.Unmarshal(doc.Paths[rt.pattern][strings.ToLower(rt.method)], &op); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		open := op.Security != nil && len(*op.Security) == 0
		if op.Security != nil {
			for _, req := range *op.Security {
				if len(req) == 0 {
					open = true
				}
			}
		}
		if open != (rt.access == public) {
			t.Errorf("%s: openapi.json says public=%v, the route table says access=%d", key, open, rt.access)
		}
	}
	var extra []string
	for key := range described {
		if !routes[key] {
			extra = append(extra, key)
		}
	}
	sort.Strings(extra)
	for _, key := range extra {
		t.Errorf("openapi.json describes %s, which is no route", key)
	}

	// Every $ref resolves.
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				name := ref[strings.LastIndex(ref, "/")+1:]
				switch {
				case strings.HasPrefix(ref, "#/components/schemas/"):
					if _, ok := doc.Components.Schemas[name]; !ok {
						t.Errorf("dangling $ref %s", ref)
					}
				case strings.HasPrefix(ref, "#/components/responses/"):
					if _, ok := doc.Components.Responses[name]; !ok {
						t.Errorf("dangling $ref %s", ref)
					}
				default:
					t.Errorf("unexpected $ref %s", ref)
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	var all any
	_ = json.Unmarshal(openAPIDoc, &all)
	walk(all)
}

func TestOpenAPIAndMetricsAreServed(t *testing.T) {
	e := newEnv(t, envOptions{})
	res := e.anon().do("GET", "/api/openapi.json", nil).want(200)
	if string(res.body) != string(openAPIDoc) {
		t.Error("served openapi.json differs from the embedded one")
	}
	ann := e.login("ann")
	doc := ann.uploadOne("m.txt", "metrics matter")
	ann.do("GET", "/api/documents/"+doc.ID+"/content", nil).want(200)
	ann.do("GET", "/api/documents/00000000-0000-0000-0000-000000000000", nil).want(404)
	m := string(e.anon().do("GET", "/metrics", nil).want(http.StatusOK).body)
	for _, want := range []string{
		`docuvault_http_requests_total{method="POST",route="/api/auth/login",status="200"} 1`,
		`docuvault_http_requests_total{method="GET",route="/api/documents/{id}",status="404"} 1`,
		`docuvault_http_request_duration_seconds_bucket{method="POST",route="/api/documents",le=`,
		`docuvault_uploaded_bytes_total 14`,
		`docuvault_downloaded_bytes_total 14`,
		`docuvault_uploads_total{result="stored"} 1`,
		`docuvault_jobs{state="queued"} 1`,
		`docuvault_jobs{state="dead"} 0`,
		`docuvault_documents{status="pending"} 1`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
