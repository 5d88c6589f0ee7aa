package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gocraft/work"
	"github.com/gomodule/redigo/redis"

	"github.com/docuvault/docuvault/pkg/jobs"
	"github.com/docuvault/docuvault/pkg/redisconn"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

// Issue 20 D14: which dead jobs are obsolete, and PruneDead removes
// exactly those from gocraft/work's dead set, against the real PostgreSQL
// and Redis.
func TestObsoleteAndPruneDead(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d := testenv.Deploy(t)
	app, admin := d.AppDB(t), d.AdminDB(t)
	u, err := users.Create(ctx, app, users.NewUser{Handle: "ann", Email: "ann@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	doc := func(name, status string) string {
		t.Helper()
		var id string
		if err := admin.Get(&id, `INSERT INTO documents (user_id, filename, object_key, content_type, size_bytes, status)
			VALUES ($1, $2, $3, 'text/plain', 1, $4) RETURNING id`, u.ID, name, u.ID+"/"+name, status); err != nil {
			t.Fatal(err)
		}
		return id
	}
	pending, processing, failed := doc("pending.txt", "pending"), doc("processing.txt", "processing"), doc("failed.txt", "failed")
	read, noText, skipped := doc("read.txt", "classified"), doc("no-text.pdf", "no_text"), doc("skipped.txt", "skipped")
	withThumb, withTerms := doc("thumb.pdf", "classified"), doc("terms.txt", "classified")
	admin.MustExec(`INSERT INTO document_objects (id, document_id, kind, object_key, content_type, size_bytes, sha256)
		VALUES (gen_random_uuid(), $1, 'thumbnail', $2, 'image/png', 1, '\x00')`, withThumb, withThumb+"/thumb.png")
	admin.MustExec(`INSERT INTO document_terms (document_id, user_id, term, weight) VALUES ($1, $2, 'bank', 1)`, withTerms, u.ID)
	gone := "00000000-0000-0000-0000-00000000dead"

	type job struct {
		name, doc string
		obsolete  bool
	}
	cases := []job{
		{jobs.ExtractAndClassify, pending, false},
		{jobs.ExtractAndClassify, processing, false},
		{jobs.ExtractAndClassify, failed, false},
		{jobs.ExtractAndClassify, read, true},   // recovered since
		{jobs.ExtractAndClassify, noText, true}, // read since
		{jobs.ExtractAndClassify, skipped, true},
		{jobs.ExtractAndClassify, gone, true}, // deleted
		{jobs.ExtractAndClassify, "not-a-uuid", true},
		{jobs.FinishDocument, read, false}, // still lacks its thumbnail and words
		{jobs.FinishDocument, noText, false},
		{jobs.FinishDocument, withThumb, true},
		{jobs.FinishDocument, withTerms, true},
		{jobs.FinishDocument, pending, true}, // not read (again): its extract job finishes it
		{jobs.FinishDocument, gone, true},
		{"some_other_job", pending, true},
	}

	// The dead set as gocraft/work writes it: a sorted set of jobs as JSON,
	// scored by when they died.
	pool, err := redisconn.NewPool(d.RedisURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	conn := pool.Get()
	defer conn.Close()
	var dead []jobs.DeadJob
	want := map[string]bool{}
	for i, c := range cases {
		j := work.Job{Name: c.name, ID: fmt.Sprintf("job%02d", i), EnqueuedAt: 1, Args: map[string]any{jobs.ArgDocumentID: c.doc}, Fails: 5, LastErr: "x", FailedAt: int64(1000 + i)}
		b, err := json.Marshal(j)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Do("ZADD", d.Namespace+":dead", 1000+i, b); err != nil {
			t.Fatal(err)
		}
		dead = append(dead, jobs.DeadJob{ID: j.ID, Name: c.name, DocumentID: c.doc, DiedAt: int64(1000 + i)})
		if c.obsolete {
			want[j.ID] = true
		}
	}

	obsolete, err := jobs.Obsolete(ctx, app, dead)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, j := range obsolete {
		got[j.ID] = true
	}
	for i, c := range cases {
		id := fmt.Sprintf("job%02d", i)
		if got[id] != want[id] {
			t.Errorf("%s of %s (%s): obsolete %v, want %v", c.name, c.doc, id, got[id], want[id])
		}
	}

	client := work.NewClient(d.Namespace, pool)
	st, err := jobs.CountDead(ctx, client, app)
	if err != nil || st != (jobs.DeadStats{Live: int64(len(cases) - len(want)), Obsolete: int64(len(want))}) {
		t.Errorf("CountDead = %+v, %v; want %d live, %d obsolete", st, err, len(cases)-len(want), len(want))
	}
	n, err := jobs.PruneDead(ctx, client, app)
	if err != nil || n != len(want) {
		t.Fatalf("PruneDead = %d, %v; want %d", n, err, len(want))
	}
	left, err := redis.Strings(conn.Do("ZRANGE", d.Namespace+":dead", 0, -1))
	if err != nil {
		t.Fatal(err)
	}
	var leftIDs, wantLeft []string
	for _, s := range left {
		var j work.Job
		if err := json.Unmarshal([]byte(s), &j); err != nil {
			t.Fatal(err)
		}
		leftIDs = append(leftIDs, j.ID)
	}
	for i := range cases {
		if id := fmt.Sprintf("job%02d", i); !want[id] {
			wantLeft = append(wantLeft, id)
		}
	}
	sort.Strings(leftIDs)
	if strings.Join(leftIDs, ",") != strings.Join(wantLeft, ",") {
		t.Errorf("dead set after PruneDead: %v, want %v", leftIDs, wantLeft)
	}
	// Again: nothing more to remove.
	if n, err := jobs.PruneDead(ctx, client, app); err != nil || n != 0 {
		t.Errorf("second PruneDead = %d, %v", n, err)
	}
}
