package overview_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/pkg/overview"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

// TestGet: counts by status (an upload in progress and another user's
// documents left out), unfiled documents, the quota, the worker's queue,
// the newest documents and the newest that need attention, each at most
// ListSize, newest first.
func TestGet(t *testing.T) {
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx := context.Background()
	ann, err := users.Create(ctx, db, users.NewUser{Handle: "ann", Email: "ann@example.org", QuotaBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := users.Create(ctx, db, users.NewUser{Handle: "bob", Email: "bob@example.org"})
	if err != nil {
		t.Fatal(err)
	}

	// A new user: all zero, empty lists (not null), no work done yet.
	o, err := overview.Get(ctx, db, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	if o.Total != 0 || len(o.ByStatus) != 6 || o.Unfiled != 0 || o.LimitBytes != 1<<20 || o.Recent == nil || o.Attention == nil || o.Worker.LastDoneAt != nil {
		t.Fatalf("new user's overview: %+v", o)
	}

	admin := d.AdminDB(t)
	// ann: 3 pending, 1 processing, 4 classified (one filed), 4 failed,
	// 3 no_text, 1 uploading; bob: 2 failed.
	admin.MustExec(`INSERT INTO documents (user_id, filename, object_key, content_type, size_bytes, status, created_at, updated_at)
		SELECT $1, st || s, 'k/' || st || s, 'text/plain', 10, st,
			'2026-01-01'::timestamptz + s * interval '1 minute' + off * interval '1 second',
			'2026-02-01'::timestamptz + s * interval '1 minute' + off * interval '1 second'
		FROM (VALUES ('pending', 3, 0), ('processing', 1, 5), ('classified', 4, 10), ('failed', 4, 15), ('no_text', 3, 20), ('uploading', 1, 25)) v(st, n, off),
			generate_series(1, n) s`, ann.ID)
	admin.MustExec(`INSERT INTO documents (user_id, filename, object_key, content_type, size_bytes, status)
		SELECT $1, 'bob' || s, 'k/bob' || s, 'text/plain', 10, 'failed' FROM generate_series(1, 2) s`, bob.ID)
	admin.MustExec(`INSERT INTO topics (user_id, name) VALUES ($1, 'Finance')`, ann.ID)
	admin.MustExec(`INSERT INTO document_topics (document_id, topic_id, source)
		SELECT d.id, t.id, 'manual' FROM documents d, topics t WHERE d.filename = 'classified1' AND t.name = 'Finance'`)

	o, err = overview.Get(ctx, db, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"pending": 3, "processing": 1, "classified": 4, "failed": 4, "no_text": 3, "skipped": 0}
	for st, n := range want {
		if o.ByStatus[st] != n {
			t.Errorf("by_status[%s] = %d, want %d (%v)", st, o.ByStatus[st], n, o.ByStatus)
		}
	}
	if o.Total != 15 || len(o.ByStatus) != 6 || o.Unfiled != 3 || o.Worker.Waiting != 3 || o.Worker.Processing != 1 {
		t.Errorf("overview: total %d, unfiled %d, worker %+v; want 15, 3, 3 waiting and 1 processing", o.Total, o.Unfiled, o.Worker)
	}
	// The last document done is failed4 (updated at 02-01 00:04:15).
	if o.Worker.LastDoneAt == nil || o.Worker.LastDoneAt.UTC().Format("2006-01-02T15:04:05") != "2026-02-01T00:04:15" {
		t.Errorf("last done at %v, want 2026-02-01T00:04:15", o.Worker.LastDoneAt)
	}
	var recent, attention []string
	for _, d := range o.Recent {
		recent = append(recent, d.Filename)
	}
	for _, d := range o.Attention {
		attention = append(attention, d.Filename)
	}
	if got, want := strings.Join(recent, " "), "failed4 classified4 no_text3 failed3 classified3"; got != want {
		t.Errorf("recent: %s, want %s", got, want)
	}
	if got, want := strings.Join(attention, " "), "failed4 no_text3 failed3 no_text2 failed2"; got != want {
		t.Errorf("attention: %s, want %s", got, want)
	}

	if _, err := overview.Get(ctx, db, "00000000-0000-0000-0000-000000000000"); !errors.Is(err, users.ErrNotFound) {
		t.Errorf("overview of no user: %v, want users.ErrNotFound", err)
	}
}
