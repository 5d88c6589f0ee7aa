package audit_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

func setup(t *testing.T) (context.Context, *sqlx.DB, string, string) {
	t.Helper()
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	var ids []string
	for _, h := range []string{"ann", "bob"} {
		u, err := users.Create(ctx, db, users.NewUser{Handle: h, Email: h + "@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	return ctx, db, ids[0], ids[1]
}

func count(t *testing.T, ctx context.Context, db *sqlx.DB) int {
	t.Helper()
	var n int
	if err := db.GetContext(ctx, &n, `SELECT count(*) FROM audit_log`); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRecord(t *testing.T) {
	ctx, db, ann, bob := setup(t)
	doc := "5b6a2d0e-8f7c-4a49-9b1e-3c2d1e0f9a8b"
	for _, tc := range []struct {
		what   string
		e      audit.Event
		wantIP *string
		meta   string // as PostgreSQL gives jsonb back; "" for NULL
	}{
		{"full", audit.Event{UserID: ann, ActorID: ann, Type: audit.Upload, ResourceID: doc, IP: "192.0.2.7",
			Metadata: map[string]any{"filename": "a.pdf", "size_bytes": 1234}}, ptr("192.0.2.7"), `{"filename": "a.pdf", "size_bytes": 1234}`},
		{"bare", audit.Event{Type: audit.LoginFailed, Metadata: map[string]any{"handle": "nobody"}}, nil, `{"handle": "nobody"}`},
		{"ipv6", audit.Event{UserID: ann, Type: audit.Login, IP: "2001:DB8::1"}, ptr("2001:db8::1"), ""},
		{"ipv4 with port", audit.Event{UserID: ann, Type: audit.Login, IP: "198.51.100.2:54321"}, ptr("198.51.100.2"), ""},
		{"ipv6 with port", audit.Event{UserID: ann, Type: audit.Login, IP: "[2001:db8::2]:443"}, ptr("2001:db8::2"), ""},
		{"ipv6 in brackets", audit.Event{UserID: ann, Type: audit.Login, IP: "[2001:db8::3]"}, ptr("2001:db8::3"), ""},
		{"ipv4-mapped", audit.Event{UserID: ann, Type: audit.Login, IP: "::ffff:192.0.2.9"}, ptr("192.0.2.9"), ""},
		{"zone", audit.Event{UserID: ann, Type: audit.Login, IP: "fe80::1%eth0"}, ptr("fe80::1"), ""},
		{"garbage ip", audit.Event{UserID: ann, Type: audit.Login, IP: "not an ip"}, nil, ""},
		{"x-forwarded-for list", audit.Event{UserID: ann, Type: audit.Login, IP: "192.0.2.1, 10.0.0.1"}, nil, ""},
		{"empty metadata", audit.Event{UserID: ann, Type: audit.Logout, Metadata: map[string]any{}}, nil, ""},
		{"admin acting", audit.Event{UserID: bob, ActorID: ann, Type: audit.UserAdmin, ResourceID: bob,
			Metadata: map[string]any{"change": "disable", "context": "admin console"}}, nil, `{"change": "disable", "context": "admin console"}`},
	} {
		before := count(t, ctx, db)
		if err := audit.Record(ctx, db, tc.e); err != nil {
			t.Errorf("%s: %v", tc.what, err)
			continue
		}
		var row struct {
			UserID     *string `db:"user_id"`
			ActorID    *string `db:"actor_id"`
			EventType  string  `db:"event_type"`
			ResourceID *string `db:"resource_id"`
			IP         *string `db:"ip"`
			Meta       *string `db:"meta"`
		}
		if err := db.GetContext(ctx, &row, `SELECT user_id, actor_id, event_type, resource_id, host(ip_address) AS ip, metadata::text AS meta
			FROM audit_log ORDER BY id DESC LIMIT 1`); err != nil {
			t.Fatal(err)
		}
		if count(t, ctx, db) != before+1 {
			t.Errorf("%s: not exactly one row written", tc.what)
		}
		if !eq(row.UserID, tc.e.UserID) || !eq(row.ActorID, tc.e.ActorID) || row.EventType != tc.e.Type || !eq(row.ResourceID, tc.e.ResourceID) {
			t.Errorf("%s: row %+v for %+v", tc.what, row, tc.e)
		}
		if !eqPtr(row.IP, tc.wantIP) {
			t.Errorf("%s: ip %v, want %v", tc.what, deref(row.IP), deref(tc.wantIP))
		}
		if !eq(row.Meta, tc.meta) {
			t.Errorf("%s: metadata %s, want %s", tc.what, deref(row.Meta), tc.meta)
		}
	}
}

func ptr(s string) *string { return &s }

func deref(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// eq compares a nullable column with an Event field, where "" is NULL.
func eq(col *string, field string) bool {
	if field == "" {
		return col == nil
	}
	return col != nil && *col == field
}

func eqPtr(a, b *string) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

func TestRecordRefuses(t *testing.T) {
	ctx, db, ann, _ := setup(t)
	type item struct{ Text string }
	for _, tc := range []struct {
		what  string
		e     audit.Event
		field string
	}{
		{"no type", audit.Event{UserID: ann}, "type"},
		{"upper-case type", audit.Event{Type: "Login"}, "type"},
		{"type with space", audit.Event{Type: "log in"}, "type"},
		{"long type", audit.Event{Type: strings.Repeat("a", 65)}, "type"},
		{"bad user id", audit.Event{Type: audit.Login, UserID: "ann"}, "user_id"},
		{"bad actor id", audit.Event{Type: audit.Login, ActorID: "1"}, "actor_id"},
		{"bad resource id", audit.Event{Type: audit.Upload, ResourceID: "a.pdf"}, "resource_id"},
		{"password", audit.Event{Type: audit.Login, Metadata: map[string]any{"password": "hunter2"}}, "metadata"},
		{"Password", audit.Event{Type: audit.Login, Metadata: map[string]any{"Password": "hunter2"}}, "metadata"},
		{"TOKEN", audit.Event{Type: audit.Login, Metadata: map[string]any{"TOKEN": "x"}}, "metadata"},
		{"secret", audit.Event{Type: audit.Login, Metadata: map[string]any{"secret": "x"}}, "metadata"},
		{"text", audit.Event{Type: audit.Upload, Metadata: map[string]any{"text": "the document"}}, "metadata"},
		{"access_token", audit.Event{Type: audit.Login, Metadata: map[string]any{"access_token": "x"}}, "metadata"},
		{"refreshToken", audit.Event{Type: audit.TokenReuse, Metadata: map[string]any{"refreshToken": "x"}}, "metadata"},
		{"totp-secret", audit.Event{Type: audit.Login, Metadata: map[string]any{"totp-secret": "x"}}, "metadata"},
		{"extracted_text", audit.Event{Type: audit.Upload, Metadata: map[string]any{"extracted_text": "x"}}, "metadata"},
		{"passwd", audit.Event{Type: audit.Login, Metadata: map[string]any{"new.passwd": "x"}}, "metadata"},
		{"nested", audit.Event{Type: audit.Login, Metadata: map[string]any{"request": map[string]any{"password": "x"}}}, "metadata"},
		{"in a list", audit.Event{Type: audit.Login, Metadata: map[string]any{"items": []any{1, map[string]string{"token": "x"}}}}, "metadata"},
		{"in a struct", audit.Event{Type: audit.Upload, Metadata: map[string]any{"doc": item{Text: "x"}}}, "metadata"},
		{"too big", audit.Event{Type: audit.Upload, Metadata: map[string]any{"filename": strings.Repeat("a", audit.MaxMetadataBytes)}}, "metadata"},
		{"not JSON", audit.Event{Type: audit.Upload, Metadata: map[string]any{"f": func() {}}}, "metadata"},
	} {
		err := audit.Record(ctx, db, tc.e)
		var ae *audit.Error
		if !errors.Is(err, audit.ErrInvalid) || !errors.As(err, &ae) || ae.Field != tc.field {
			t.Errorf("%s: %v, want ErrInvalid on %s", tc.what, err, tc.field)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error repeats the secret: %v", tc.what, err)
		}
	}
	if n := count(t, ctx, db); n != 0 {
		t.Errorf("%d rows written by refused events", n)
	}
	// Keys that merely contain the letters are fine.
	ok := map[string]any{"context": "x", "tokens_revoked": 3, "textile": 1, "filename": "secretive.pdf", "size": strings.Repeat("a", 100)}
	if err := audit.Record(ctx, db, audit.Event{Type: audit.Upload, UserID: ann, Metadata: ok}); err != nil {
		t.Errorf("harmless keys: %v", err)
	}
}

// Record in a transaction goes with it: a rolled-back change leaves no event.
func TestRecordInTransaction(t *testing.T) {
	ctx, db, ann, _ := setup(t)
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.Record(ctx, tx, audit.Event{UserID: ann, Type: audit.FolderChange}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := count(t, ctx, db); n != 0 {
		t.Errorf("%d rows after rollback", n)
	}
}

// seed inserts n events for user, alternating uploads (even i) and
// downloads, the i-th at base - 3*(i/3) seconds: three at a time share a
// timestamp, so ties on created_at need the id to order them.
func seed(t *testing.T, ctx context.Context, db *sqlx.DB, user string, n int, base time.Time) {
	t.Helper()
	_, err := db.ExecContext(ctx, `INSERT INTO audit_log (user_id, actor_id, event_type, created_at)
		SELECT $1, $1, CASE WHEN i % 2 = 0 THEN 'upload' ELSE 'download' END,
		       $2::timestamptz - make_interval(secs => (i / 3) * 3)
		FROM generate_series(1, $3) AS i`, user, base, n)
	if err != nil {
		t.Fatal(err)
	}
}

func TestListPaginationAndFilters(t *testing.T) {
	ctx, db, ann, bob := setup(t)
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	seed(t, ctx, db, ann, 120, base)
	seed(t, ctx, db, bob, 430, base)

	// Walk every page of ann's events: newest first, no gap, no repeat.
	all := walk(t, ctx, db, audit.Filter{UserID: ann, Limit: 50}, 120)
	var total int
	if err := db.GetContext(ctx, &total, `SELECT count(*) FROM audit_log WHERE user_id = $1`, ann); err != nil || len(all) != total {
		t.Fatalf("walked %d entries of %d (%v)", len(all), total, err)
	}
	seen := map[int64]bool{}
	for i, e := range all {
		if seen[e.ID] {
			t.Fatalf("entry %d listed twice", e.ID)
		}
		seen[e.ID] = true
		if e.UserID == nil || *e.UserID != ann {
			t.Fatalf("ann's list holds %+v", e)
		}
		if i > 0 {
			p := all[i-1]
			if p.CreatedAt.Before(e.CreatedAt) || (p.CreatedAt.Equal(e.CreatedAt) && p.ID < e.ID) {
				t.Fatalf("out of order: %d@%s before %d@%s", p.ID, p.CreatedAt, e.ID, e.CreatedAt)
			}
		}
	}

	for _, tc := range []struct {
		what  string
		f     audit.Filter
		total int
		check func(audit.Entry) bool
	}{
		{"default limit, every user", audit.Filter{}, 550, func(audit.Entry) bool { return true }},
		{"limit over the maximum", audit.Filter{Limit: 10000}, 550, func(audit.Entry) bool { return true }},
		{"negative limit", audit.Filter{Limit: -1}, 550, func(audit.Entry) bool { return true }},
		{"bob only", audit.Filter{UserID: bob, Limit: 500}, 430, func(e audit.Entry) bool { return *e.UserID == bob }},
		{"ann's uploads", audit.Filter{UserID: ann, EventType: audit.Upload, Limit: 25}, 60,
			func(e audit.Entry) bool { return *e.UserID == ann && e.EventType == audit.Upload }},
		{"no such type", audit.Filter{EventType: "nope"}, 0, func(audit.Entry) bool { return false }},
		// i/3 from 1 to 20: i from 3 to 62.
		{"one minute", audit.Filter{UserID: ann, Since: base.Add(-time.Minute), Until: base}, 60,
			func(e audit.Entry) bool {
				return !e.CreatedAt.Before(base.Add(-time.Minute)) && e.CreatedAt.Before(base)
			}},
	} {
		t.Run(tc.what, func(t *testing.T) {
			for _, e := range walk(t, ctx, db, tc.f, tc.total) {
				if !tc.check(e) {
					t.Errorf("entry %+v does not match the filter", e)
				}
			}
		})
	}
}

// walk lists every page of f, checking that there are total entries in
// full pages of f's limit (its default and maximum applied) and a last one.
func walk(t *testing.T, ctx context.Context, db *sqlx.DB, f audit.Filter, total int) []audit.Entry {
	t.Helper()
	limit := f.Limit
	if limit <= 0 {
		limit = audit.DefaultLimit
	}
	limit = min(limit, audit.MaxLimit)
	var all []audit.Entry
	for page := 1; ; page++ {
		p, err := audit.List(ctx, db, f)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		all = append(all, p.Entries...)
		want := min(limit, total-len(all)+len(p.Entries))
		if len(p.Entries) != want {
			t.Fatalf("page %d: %d entries, want %d", page, len(p.Entries), want)
		}
		if p.Next == "" {
			break
		}
		if page > total/limit+1 {
			t.Fatalf("page %d has a next, but %d entries fit in fewer", page, total)
		}
		f.Cursor = p.Next
	}
	if len(all) != total {
		t.Fatalf("%d entries in all, want %d", len(all), total)
	}
	return all
}

func TestListEntryFields(t *testing.T) {
	ctx, db, ann, _ := setup(t)
	doc := "5b6a2d0e-8f7c-4a49-9b1e-3c2d1e0f9a8b"
	if err := audit.Record(ctx, db, audit.Event{UserID: ann, ActorID: ann, Type: audit.Share, ResourceID: doc, IP: "192.0.2.1:80",
		Metadata: map[string]any{"recipient": "bob", "permission": "view"}}); err != nil {
		t.Fatal(err)
	}
	if err := audit.Record(ctx, db, audit.Event{Type: audit.LoginFailed}); err != nil {
		t.Fatal(err)
	}
	p, err := audit.List(ctx, db, audit.Filter{})
	if err != nil || len(p.Entries) != 2 {
		t.Fatalf("%+v, %v", p, err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Entries []map[string]any `json:"entries"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	bare, full := got.Entries[0], got.Entries[1]
	if bare["event_type"] != audit.LoginFailed || bare["user_id"] != nil || bare["ip"] != nil || bare["metadata"] != nil {
		t.Errorf("bare entry %v", bare)
	}
	meta, _ := full["metadata"].(map[string]any)
	if full["event_type"] != audit.Share || full["user_id"] != ann || full["actor_id"] != ann || full["resource_id"] != doc ||
		full["ip"] != "192.0.2.1" || meta["recipient"] != "bob" || meta["permission"] != "view" || full["created_at"] == nil {
		t.Errorf("full entry %v", full)
	}
	if _, ok := got.Entries[0]["id"].(float64); !ok {
		t.Errorf("id %v", got.Entries[0]["id"])
	}
}

func TestListRefuses(t *testing.T) {
	ctx, db, _, _ := setup(t)
	b64 := base64.RawURLEncoding.EncodeToString
	now := time.Now()
	for _, tc := range []struct {
		what  string
		f     audit.Filter
		field string
	}{
		{"not base64", audit.Filter{Cursor: "!!!"}, "cursor"},
		{"padded base64", audit.Filter{Cursor: b64([]byte("1.1")) + "=="}, "cursor"},
		{"no dot", audit.Filter{Cursor: b64([]byte("12345"))}, "cursor"},
		{"letters", audit.Filter{Cursor: b64([]byte("abc.def"))}, "cursor"},
		{"id zero", audit.Filter{Cursor: b64([]byte("1700000000000000.0"))}, "cursor"},
		{"year 10000", audit.Filter{Cursor: b64([]byte("253402300800000000.5"))}, "cursor"},
		{"a documents cursor", audit.Filter{Cursor: b64([]byte("2026-03-01T12:00:00Z|5b6a2d0e-8f7c-4a49-9b1e-3c2d1e0f9a8b"))}, "cursor"},
		{"bad user id", audit.Filter{UserID: "ann"}, "user_id"},
		{"until before since", audit.Filter{Since: now, Until: now.Add(-time.Hour)}, "until"},
	} {
		_, err := audit.List(ctx, db, tc.f)
		var ae *audit.Error
		if !errors.Is(err, audit.ErrInvalid) || !errors.As(err, &ae) || ae.Field != tc.field {
			t.Errorf("%s: %v, want ErrInvalid on %s", tc.what, err, tc.field)
		}
	}
	if p, err := audit.List(ctx, db, audit.Filter{Cursor: b64([]byte("1700000000000000.42"))}); err != nil || len(p.Entries) != 0 || p.Entries == nil {
		t.Errorf("a well-formed cursor past the end: %#v, %v", p, err)
	}
}
