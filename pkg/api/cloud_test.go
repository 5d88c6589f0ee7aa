package api

import (
	"strings"
	"testing"

	"github.com/gomodule/redigo/redis"

	"github.com/docuvault/docuvault/pkg/jobs"
)

// TestCloudConnectionsAPI: a user adds, lists, syncs now (a job queued for
// the worker) and removes cloud connections; their credentials are in no
// answer and not in the audit log; another user sees none of them; bad
// input is 422, a name taken 409.
func TestCloudConnectionsAPI(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann, bob := e.login("ann"), e.login("bob")
	const secret = "the-webdav-password-42"

	res := ann.do("POST", "/api/cloud/connections", map[string]any{"provider": "webdav", "name": "Nextcloud",
		"url": "https://cloud.example.org/remote.php/dav/files/ann/", "path": "Scans", "login": "ann", "secret": secret, "map_folders": true}).want(201)
	if strings.Contains(string(res.body), secret) {
		t.Fatalf("the answer holds the password: %s", res.body)
	}
	c := res.json()
	if c["status"] != "ACTIVE" || c["provider"] != "webdav" || c["path"] != "Scans" || c["map_folders"] != true || c["secure"] != true {
		t.Fatalf("created %v", c)
	}
	id := c["id"].(string)
	ann.do("POST", "/api/cloud/connections", map[string]any{"provider": "s3", "name": "bucket", "endpoint": "s3.example.org:9000",
		"bucket": "scans", "secure": false, "login": "AKIA", "secret": secret}).want(201)

	res = ann.do("GET", "/api/cloud/connections", nil).want(200)
	if strings.Contains(string(res.body), secret) || strings.Contains(string(res.body), "credentials") {
		t.Fatalf("the list holds credentials: %s", res.body)
	}
	if list := res.json()["connections"].([]any); len(list) != 2 || list[0].(map[string]any)["name"] != "bucket" {
		t.Fatalf("list %v", list)
	}
	if list := bob.do("GET", "/api/cloud/connections", nil).want(200).json()["connections"].([]any); len(list) != 0 {
		t.Fatalf("bob sees %v", list)
	}
	bob.do("POST", "/api/cloud/connections/"+id+"/sync", nil).wantError(404, "not_found")
	bob.do("DELETE", "/api/cloud/connections/"+id, nil).wantError(404, "not_found")

	// Sync now: a job for the worker, once however often it is asked.
	for range 2 {
		res = ann.do("POST", "/api/cloud/connections/"+id+"/sync", nil).want(202)
		if res.json()["queued"] != true {
			t.Fatalf("sync now: %s", res.body)
		}
	}
	conn := e.pool.Get()
	n, err := redis.Int(conn.Do("LLEN", e.d.Namespace+":jobs:"+jobs.CloudSync))
	conn.Close()
	if err != nil || n != 1 {
		t.Fatalf("%d cloud_sync jobs queued (%v), want 1", n, err)
	}

	// Bad input.
	ann.do("POST", "/api/cloud/connections", map[string]any{"provider": "ftp", "name": "x", "login": "u", "secret": "p"}).wantError(422, "invalid_field")
	ann.do("POST", "/api/cloud/connections", map[string]any{"provider": "webdav", "name": "x", "url": "cloud.example.org", "login": "u", "secret": "p"}).wantError(422, "invalid_field")
	ann.do("POST", "/api/cloud/connections", map[string]any{"provider": "webdav", "name": "NEXTCLOUD", "url": "https://h/", "login": "u", "secret": "p"}).wantError(409, "conflict")
	ann.do("POST", "/api/cloud/connections", map[string]any{"provider": "webdav", "name": "x", "url": "https://h/", "login": "u", "secret": "p", "token": "x"}).want(400)

	ann.do("DELETE", "/api/cloud/connections/"+id, nil).want(204)
	ann.do("DELETE", "/api/cloud/connections/"+id, nil).wantError(404, "not_found")
	if n := e.count(`SELECT count(*) FROM audit_log WHERE event_type = 'cloud_connection_change'`); n != 3 {
		t.Errorf("%d audit events, want 3", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE metadata::text LIKE '%' || $1 || '%'`, secret); n != 0 {
		t.Errorf("the password is in %d audit events", n)
	}
}
