package audit_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/topics"
)

// TestActorLabel: an event done through the CLI names the OS user as its
// actor (no account), and reads as "NAME (command line)"; a label that is
// not kind:name is refused and nothing is stored.
func TestActorLabel(t *testing.T) {
	ctx, db, ann, _ := setup(t)
	if err := audit.Record(ctx, db, audit.Event{UserID: ann, ActorLabel: "cli:root", Type: audit.UserAdmin, ResourceID: ann,
		Metadata: map[string]any{"resource": "user", "action": "update", "handle": "ann", "quota_bytes": 2 << 30}}); err != nil {
		t.Fatal(err)
	}
	p, err := audit.List(ctx, db, audit.Filter{})
	if err != nil || len(p.Entries) != 1 {
		t.Fatalf("%+v, %v", p, err)
	}
	e := p.Entries[0]
	if e.ActorID != nil || e.ActorLabel == nil || *e.ActorLabel != "cli:root" {
		t.Errorf("actor columns %v %v", e.ActorID, e.ActorLabel)
	}
	want := audit.Person{Kind: "cli", Handle: "root", Name: "root (command line)"}
	if e.Actor != want {
		t.Errorf("actor %+v, want %+v", e.Actor, want)
	}
	if e.User == nil || e.User.Handle != "ann" || e.User.Kind != "user" || *e.User.ID != ann {
		t.Errorf("user %+v", e.User)
	}
	if e.Label != "Account changed" || e.Summary != "Quota of ann set to 2.0 GiB" || e.From != "command line" {
		t.Errorf("label %q, summary %q, from %q", e.Label, e.Summary, e.From)
	}

	before := count(t, ctx, db)
	for _, label := range []string{"root", "cli:", ":root", "CLI:root", "cli:a\nb", "cli:" + strings.Repeat("x", 200)} {
		err := audit.Record(ctx, db, audit.Event{UserID: ann, ActorLabel: label, Type: audit.Login})
		var ae *audit.Error
		if !errors.Is(err, audit.ErrInvalid) || !errors.As(err, &ae) || ae.Field != "actor_label" {
			t.Errorf("label %q: %v", label, err)
		}
	}
	if n := count(t, ctx, db); n != before {
		t.Errorf("refused labels stored rows: %d, was %d", n, before)
	}

	cli := audit.CLIActor()
	if !strings.HasPrefix(cli, audit.CLIPrefix) || len(cli) <= len(audit.CLIPrefix) {
		t.Errorf("CLIActor() = %q", cli)
	}
}

// TestListPersonAndCLIFilters: person selects the events concerning or
// done by a user; CLI the events done through the command line.
func TestListPersonAndCLIFilters(t *testing.T) {
	ctx, db, ann, bob := setup(t)
	for _, e := range []audit.Event{
		{UserID: ann, ActorID: ann, Type: audit.Login},                   // ann's own
		{UserID: bob, ActorID: ann, Type: audit.UserAdmin},               // ann acting on bob
		{UserID: bob, ActorID: bob, Type: audit.Login},                   // bob's own
		{UserID: bob, ActorLabel: "cli:root", Type: audit.Upload},        // the CLI for bob
		{UserID: ann, ActorLabel: "cli:operator", Type: audit.UserAdmin}, // the CLI for ann
	} {
		if err := audit.Record(ctx, db, e); err != nil {
			t.Fatal(err)
		}
	}
	types := func(f audit.Filter) string {
		t.Helper()
		p, err := audit.List(ctx, db, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range p.Entries {
			out = append(out, e.EventType+"/"+e.Actor.Name)
		}
		return strings.Join(out, ",")
	}
	if got, want := types(audit.Filter{Person: ann}), "user_admin/operator (command line),user_admin/ann,login/ann"; got != want {
		t.Errorf("ann's: %s, want %s", got, want)
	}
	if got, want := types(audit.Filter{Person: bob}), "upload/root (command line),login/bob,user_admin/ann"; got != want {
		t.Errorf("bob's: %s, want %s", got, want)
	}
	if got, want := types(audit.Filter{CLI: true}), "user_admin/operator (command line),upload/root (command line)"; got != want {
		t.Errorf("CLI: %s, want %s", got, want)
	}
	if got, want := types(audit.Filter{Person: bob, CLI: true, EventType: audit.Upload}), "upload/root (command line)"; got != want {
		t.Errorf("bob's CLI uploads: %s, want %s", got, want)
	}
	if _, err := audit.List(ctx, db, audit.Filter{Person: "bob"}); !errors.Is(err, audit.ErrInvalid) {
		t.Errorf("person not a UUID: %v", err)
	}
}

// TestListInWords: ids in the details come back as names, events and
// details in words, and a document links only for a viewer who may open it.
func TestListInWords(t *testing.T) {
	ctx, db, ann, bob := setup(t)
	fin, err := topics.Create(ctx, db, ann, topics.New{Name: "Finance"})
	if err != nil {
		t.Fatal(err)
	}
	tax, err := topics.Create(ctx, db, ann, topics.New{Name: "Tax"})
	if err != nil {
		t.Fatal(err)
	}
	var doc, other string
	for _, d := range []struct {
		id  *string
		key string
	}{{&doc, "k1"}, {&other, "k2"}} {
		if err := db.GetContext(ctx, d.id, `INSERT INTO documents (user_id, filename, object_key, content_type, status)
			VALUES ($1, $2, $2, 'application/pdf', 'classified') RETURNING id`, ann, d.key+".pdf"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO shares (document_id, owner_id, recipient_id) VALUES ($1, $2, $3)`, doc, ann, bob); err != nil {
		t.Fatal(err)
	}
	gone := "5b6a2d0e-8f7c-4a49-9b1e-3c2d1e0f9a8b"
	at := time.Now()
	for _, e := range []audit.Event{
		{UserID: ann, ActorID: ann, Type: audit.Update, ResourceID: doc, Metadata: map[string]any{"topic_ids": []string{fin.ID, tax.ID, gone}}},
		{UserID: ann, ActorID: ann, Type: audit.Logout, IP: "::1", Metadata: map[string]any{"all": true}},
		{UserID: ann, ActorID: ann, Type: audit.Logout, IP: "203.0.113.9", Metadata: map[string]any{"all": false}},
		{UserID: ann, ActorID: ann, Type: audit.Download, ResourceID: other, Metadata: map[string]any{"filename": "k2.pdf", "bytes": 2048}},
		{UserID: ann, ActorID: ann, Type: audit.Upload, ResourceID: gone, Metadata: map[string]any{"filename": "old.pdf", "size_bytes": 10}},
		{UserID: ann, ActorID: ann, Type: audit.Share, ResourceID: doc, Metadata: map[string]any{"share_id": gone, "recipient": "bob", "permission": "edit", "filename": "k1.pdf"}},
	} {
		if err := audit.Record(ctx, db, e); err != nil {
			t.Fatal(err)
		}
	}
	list := func(viewer string) []audit.Entry {
		t.Helper()
		p, err := audit.List(ctx, db, audit.Filter{Viewer: viewer, Since: at.Add(-time.Minute)})
		if err != nil || len(p.Entries) != 6 {
			t.Fatalf("%+v, %v", p, err)
		}
		return p.Entries
	}
	es := list(ann)
	type want struct{ label, summary, from, doc string }
	for i, w := range []want{
		{"Document shared", "With bob (can edit)", "", "k1.pdf"},
		{"Document uploaded", "10 B", "", "old.pdf"},
		{"Document downloaded", "2.0 KiB sent", "", "k2.pdf"},
		{"Signed out", "Signed out of this session", "203.0.113.9", ""},
		{"Signed out", "Signed out everywhere", "this machine (::1)", ""},
		{"Document changed", "Topics set to “Finance”, “Tax”, a topic since deleted", "", "k1.pdf"},
	} {
		e := es[i]
		name := ""
		if e.Document != nil {
			name = e.Document.Filename
		}
		if e.Label != w.label || e.Summary != w.summary || e.From != w.from || name != w.doc {
			t.Errorf("entry %d: %q %q %q %q, want %+v", i, e.Label, e.Summary, e.From, name, w)
		}
	}
	// ann owns doc and other; the uploaded one is gone.
	if !es[0].Document.CanOpen || es[1].Document.CanOpen || !es[2].Document.CanOpen || !es[5].Document.CanOpen {
		t.Errorf("ann can open: %v %v %v %v", es[0].Document, es[1].Document, es[2].Document, es[5].Document)
	}
	// bob has doc shared with him, not other.
	es = list(bob)
	if !es[0].Document.CanOpen || es[2].Document.CanOpen || !es[5].Document.CanOpen {
		t.Errorf("bob can open: %v %v %v", es[0].Document, es[2].Document, es[5].Document)
	}
	// Nobody named: nothing opens.
	p, err := audit.List(ctx, db, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range p.Entries {
		if e.Document != nil && e.Document.CanOpen {
			t.Errorf("no viewer, but %+v opens", e.Document)
		}
	}
}
