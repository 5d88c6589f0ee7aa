package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/docuvault/docuvault/pkg/objectstore"
)

// Issue 20's operational findings (D9, D12, D13, D14) and the job settings
// through the binary.

// closedMinIO points a command at a port nothing listens on: MinIO "down"
// for that command only, the shared MinIO running on for everyone else.
var closedMinIO = map[string]string{"MINIO_ENDPOINT": "127.0.0.1:1"}

// D12: credentials inside URL settings are not printed by config show.
func TestConfigShowRedactsURLCredentials(t *testing.T) {
	d := newDeployment(t)
	r := d.run(t, map[string]string{
		"OPENAI_BASE_URL":        "https://user:pw-hunter2@llm.example.org/v1?api_key=pw-hunter2&model=x",
		"DOCUVAULT_CORS_ORIGINS": "https://u:pw-hunter2@app.example.org",
		"REDIS_URL":              "redis://:pw-hunter2@127.0.0.1:6379/0?token=pw-hunter2",
	}, "config", "show")
	r.check(t, 0, "VARIABLE", "")
	if strings.Contains(r.stdout+r.stderr, "pw-hunter2") {
		t.Errorf("config show prints a credential:\n%s%s", r.stdout, r.stderr)
	}
	for _, want := range []string{
		`(?m)^OPENAI_BASE_URL +https://user:xxxxx@llm\.example\.org/v1\?api_key=xxxxx&model=x +env OPENAI_BASE_URL$`,
		`(?m)^DOCUVAULT_CORS_ORIGINS +https://u:xxxxx@app\.example\.org +env DOCUVAULT_CORS_ORIGINS$`,
		`(?m)^REDIS_URL +redis://:xxxxx@127\.0\.0\.1:6379/0\?token=xxxxx +env REDIS_URL$`,
	} {
		if !regexp.MustCompile(want).MatchString(r.stdout) {
			t.Errorf("config show lacks a line matching %s:\n%s", want, r.stdout)
		}
	}
}

// D13: with MinIO down fsck cannot check anything: it prints nothing on
// stdout (no report that reads as clean), the error on stderr, exit 1.
func TestFsckWithMinIODownPrintsNoReport(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	d.run(t, nil, "upload", writeFile(t, filepath.Join(t.TempDir(), "a.pdf"), pdfBytes("a"))).check(t, 0, "stored", "")
	d.dep.AdminDB(t).MustExec(`UPDATE quotas SET used_bytes = used_bytes + 99`) // drift a check would report
	for _, args := range [][]string{
		{"fsck", "--json"},
		{"fsck"},
		{"fsck", "--json", "--repair", "--grace", "0"},
	} {
		r := d.run(t, closedMinIO, args...)
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "fsck could not check the vault") || !strings.Contains(r.stderr, "object store unavailable") {
			t.Errorf("%v with MinIO down: exit %d\nstdout: %q\nstderr: %s\nwant exit 1, nothing on stdout, the error on stderr", args, r.code, r.stdout, r.stderr)
		}
	}
	var used int64
	if err := d.dep.AdminDB(t).Get(&used, `SELECT used_bytes FROM quotas`); err != nil {
		t.Fatal(err)
	}
	if used != int64(len(pdfBytes("a")))+99 {
		t.Errorf("quota %d after fsck --repair that could not run: it was changed", used)
	}
	// MinIO reachable: the same drift is reported, with a report.
	d.run(t, nil, "fsck", "--json").check(t, 1, `"quota_drift":[{`, "run again with --repair")
}

// D9: serve killed mid-upload leaves its row 'uploading' and an incomplete
// multipart upload; fsck reports the upload once older than --grace, and
// --repair aborts it (with the bucket-scoped app key).
func TestFsckAbortsIncompleteMultipartUpload(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	admin := d.dep.AdminDB(t)
	var userID string
	if err := admin.Get(&userID, `SELECT id FROM users WHERE handle = 'ann'`); err != nil {
		t.Fatal(err)
	}
	key := userID + "/00000000-0000-0000-0000-0000000000bb/big.bin"
	admin.MustExec(`INSERT INTO documents (user_id, filename, object_key, content_type, size_bytes, status, updated_at)
		VALUES ($1, 'big.bin', $2, 'text/plain', 0, 'uploading', now() - interval '2 hours')`, userID, key)
	app, err := objectstore.NewClient(objectstore.Options{Endpoint: d.env["MINIO_ENDPOINT"], AccessKey: d.env["MINIO_ACCESS_KEY"], SecretKey: d.env["MINIO_SECRET_KEY"]})
	if err != nil {
		t.Fatal(err)
	}
	core := minio.Core{Client: app}
	ctx := context.Background()
	uploadID, err := core.NewMultipartUpload(ctx, d.m.Bucket, key, minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	part := bytes.Repeat([]byte("p"), 5<<20)
	if _, err := core.PutObjectPart(ctx, d.m.Bucket, key, uploadID, 1, bytes.NewReader(part), int64(len(part)), minio.PutObjectPartOptions{}); err != nil {
		t.Fatal(err)
	}

	// Within the grace period the upload may be in flight: not reported.
	r := d.run(t, nil, "fsck", "--grace", "1h")
	r.check(t, 1, "unfinished upload: document", "")
	if strings.Contains(r.stdout, "incomplete multipart upload") {
		t.Errorf("an upload younger than --grace reported:\n%s", r.stdout)
	}
	r = d.run(t, nil, "fsck", "--grace", "0", "--json")
	r.check(t, 1, "", "run again with --repair")
	var rep struct {
		Incomplete []objectstore.IncompleteUpload `json:"incomplete_uploads"`
		Stale      []any                          `json:"stale_uploads"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("fsck --json: %v\n%s", err, r.stdout)
	}
	if len(rep.Incomplete) != 1 || rep.Incomplete[0].Key != key || rep.Incomplete[0].UploadID != uploadID || len(rep.Stale) != 1 {
		t.Fatalf("fsck --json: %s", r.stdout)
	}
	d.run(t, nil, "fsck", "--grace", "0").check(t, 1, "incomplete multipart upload: "+key+" (upload "+uploadID+"), since ", "")
	d.run(t, nil, "fsck", "--grace", "0", "--repair").check(t, 0, "fsck: repaired 2 problem(s)", "")
	d.run(t, nil, "fsck", "--grace", "0").check(t, 0, "fsck: nothing to repair", "")
	if _, err := core.ListObjectParts(ctx, d.m.Bucket, key, uploadID, 0, 100); minio.ToErrorResponse(err).Code != "NoSuchUpload" {
		t.Errorf("after --repair, the upload's parts: %v, want NoSuchUpload", err)
	}
	if n := d.consistent(t); n != 0 {
		t.Errorf("%d documents after repair, want 0", n)
	}
}

// The untested promises: DOCUVAULT_JOB_MAX_FAILS and
// DOCUVAULT_JOB_RETRY_DELAY through the binary, the final attempt's log
// line (D14), and `jobs retry-dead` with a real dead job. The document
// fails because the worker's MinIO is down (a transient failure, retried).
func TestJobRetrySettingsAndRetryDead(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	lines := parseLines(t, d.run(t, nil, "upload", "--json", writeFile(t, filepath.Join(t.TempDir(), "invoice.txt"), []byte("Invoice 17: pay by bank transfer.\n"))).stdout)
	id := lines["invoice.txt"].ID
	if id == "" {
		t.Fatalf("upload: %+v", lines)
	}

	env := map[string]string{"MINIO_ENDPOINT": "127.0.0.1:1", "DOCUVAULT_JOB_MAX_FAILS": "3", "DOCUVAULT_JOB_RETRY_DELAY": "1s"}
	r := d.run(t, env, "worker", "--drain")
	r.check(t, 1, "drained: 0 processed, 1 failed", "1 document(s) failed")
	if !strings.Contains(r.stdout, "failed  "+id+": ") || !strings.Contains(r.stdout, "object store unavailable") {
		t.Errorf("drain output lacks the failed document and why:\n%s", r.stdout)
	}
	// Three attempts (DOCUVAULT_JOB_MAX_FAILS=3, not the default 5): two
	// logged as retried, the third as not retried.
	attempt := regexp.MustCompile(`(?m)^time=(\S+) level=WARN msg="(document failed; will retry|document failed on its last attempt; it will not be retried \(` + "`docuvault jobs retry-dead`" + ` queues it again\))" document_id=` + id + ` attempt=(\d) max=3 `)
	var at []time.Time
	for i, m := range attempt.FindAllStringSubmatch(r.stderr, -1) {
		ts, err := time.Parse(time.RFC3339Nano, m[1])
		if err != nil {
			t.Fatalf("log time %q: %v", m[1], err)
		}
		at = append(at, ts)
		wantFinal := i == 2
		if m[3] != fmt.Sprint(i+1) || strings.HasPrefix(m[2], "document failed on its last attempt") != wantFinal {
			t.Errorf("attempt %d logged as %q (attempt=%s)", i+1, m[2], m[3])
		}
	}
	if len(at) != 3 || strings.Contains(r.stderr, "final=true") {
		t.Fatalf("want 3 attempts logged, the last as not retried; stderr:\n%s", r.stderr)
	}
	// DOCUVAULT_JOB_RETRY_DELAY=1s, doubling: retries are due 1s, then 2s,
	// after a failure, in gocraft/work's whole seconds (so up to 1s early).
	// The default 10s would put 9s or more between the first two attempts.
	g1, g2 := at[1].Sub(at[0]), at[2].Sub(at[1])
	t.Logf("attempts %s and %s apart", g1, g2)
	if g1 >= 9*time.Second || g2 < time.Second || g2 >= 18*time.Second {
		t.Errorf("gaps between attempts %s and %s, want under 9s, and 1s to 18s", g1, g2)
	}

	var st struct {
		Dead         int64 `json:"dead"`
		DeadObsolete int64 `json:"dead_obsolete"`
		Queued       int64 `json:"queued"`
		Retrying     int64 `json:"retrying"`
		Recent       []struct {
			ID     string `json:"document_id"`
			Reason string `json:"reason"`
		} `json:"recent_failures"`
	}
	jobsJSON := func() {
		t.Helper()
		st.Recent = nil
		r := d.run(t, nil, "jobs", "--json")
		r.check(t, 0, "", "")
		if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
			t.Fatalf("jobs --json: %v\n%s", err, r.stdout)
		}
	}
	jobsJSON()
	if st.Dead != 1 || st.DeadObsolete != 0 || st.Queued != 0 || st.Retrying != 0 || len(st.Recent) != 1 || st.Recent[0].ID != id ||
		!strings.Contains(st.Recent[0].Reason, "object store unavailable") {
		t.Errorf("jobs after the failure: %+v", st)
	}
	d.run(t, nil, "jobs").check(t, 0, "dead       1\n", "")

	// MinIO back: the dead job queued again is read.
	r = d.run(t, nil, "jobs", "retry-dead")
	if r.code != 0 || r.stdout != "queued 1 dead job(s) again\n" {
		t.Errorf("retry-dead: exit %d, %q", r.code, r.stdout)
	}
	d.run(t, nil, "worker", "--drain").check(t, 0, "drained: 1 processed, 0 failed", "")
	var status string
	if err := d.dep.AdminDB(t).Get(&status, `SELECT status FROM documents WHERE id = $1`, id); err != nil || status != "classified" {
		t.Errorf("after retry-dead and a drain: status %q, %v", status, err)
	}
	jobsJSON()
	if st.Dead != 0 || st.DeadObsolete != 0 || st.Queued != 0 {
		t.Errorf("jobs at the end: %+v", st)
	}
}

// D14: after an outage the sweeper recovers documents whose jobs died;
// such dead jobs, and those of deleted documents, are not counted by
// `jobs`, are removed by the sweeper, and are not queued by retry-dead.
func TestObsoleteDeadJobs(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	dir := t.TempDir()
	lines := parseLines(t, d.run(t, nil, "upload", "--json",
		writeFile(t, filepath.Join(dir, "recovered.txt"), []byte("Invoice 18: pay by bank transfer.\n")),
		writeFile(t, filepath.Join(dir, "deleted.txt"), []byte("Minutes of the board meeting.\n")),
		writeFile(t, filepath.Join(dir, "failed.txt"), []byte("Roses are red.\n"))).stdout)
	recovered, deleted, failed := lines["recovered.txt"].ID, lines["deleted.txt"].ID, lines["failed.txt"].ID
	d.run(t, map[string]string{"MINIO_ENDPOINT": "127.0.0.1:1", "DOCUVAULT_JOB_MAX_FAILS": "1"}, "worker", "--drain").check(t, 1, "drained: 0 processed, 3 failed", "")
	d.run(t, nil, "jobs", "--json").check(t, 0, `"dead":3,"dead_obsolete":0,`, "")

	// As after a PostgreSQL outage: the failure of one was never recorded
	// (it is pending, long ago); another document is deleted.
	admin := d.dep.AdminDB(t)
	admin.MustExec(`UPDATE documents SET status = 'pending', updated_at = now() - interval '1 hour' WHERE id = $1`, recovered)
	admin.MustExec(`DELETE FROM documents WHERE id = $1`, deleted)
	d.run(t, nil, "jobs", "--json").check(t, 0, `"dead":2,"dead_obsolete":1,`, "")

	// The sweeper queues the pending one, which is read; the deleted one's
	// dead job is removed at once, the recovered one's counted no more.
	r := d.run(t, nil, "worker", "--drain")
	r.check(t, 0, "drained: 1 processed, 0 failed (sweeper queued 1)", "sweeper removed dead jobs whose documents were read or deleted since")
	if !strings.Contains(r.stderr, "count=1") {
		t.Errorf("sweeper log:\n%s", r.stderr)
	}
	d.run(t, nil, "jobs", "--json").check(t, 0, `"dead":1,"dead_obsolete":1,`, "")
	d.run(t, nil, "jobs").check(t, 0, "dead       1 (not counted: 1 whose documents were read or deleted since; the worker's sweeper removes them)\n", "")

	// retry-dead removes the obsolete one and queues only the failed one.
	r = d.run(t, nil, "jobs", "retry-dead")
	if r.code != 0 || r.stdout != "removed 1 dead job(s) whose documents were read or deleted since\nqueued 1 dead job(s) again\n" {
		t.Errorf("retry-dead: exit %d, %q", r.code, r.stdout)
	}
	d.run(t, nil, "worker", "--drain").check(t, 0, "drained: 1 processed, 0 failed", "")
	d.run(t, nil, "jobs", "--json").check(t, 0, `"dead":0,"dead_obsolete":0,`, "")
	var statuses []string
	if err := admin.Select(&statuses, `SELECT status FROM documents WHERE id IN ($1, $2) ORDER BY filename`, failed, recovered); err != nil {
		t.Fatal(err)
	}
	if strings.Join(statuses, ",") != "classified,classified" {
		t.Errorf("statuses %v", statuses)
	}
}
