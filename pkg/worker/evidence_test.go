package worker_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/docuvault/docuvault/pkg/classify"
	"github.com/docuvault/docuvault/pkg/topics"
	"github.com/docuvault/docuvault/pkg/worker"
)

// The worker keeps why each topic was assigned (document_topics.evidence),
// the best candidates of every classified document (documents.candidates),
// and never assigns or proposes a manual-only topic, except by its rule.
func TestEvidenceCandidatesAndManualOnly(t *testing.T) {
	f := newFixture(t)
	bg := context.Background()
	travel, err := topics.Create(bg, f.db, f.user.ID, topics.New{Name: "Travel", Description: "flights hotels trips bookings", ManualOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	letters, err := topics.Create(bg, f.db, f.user.ID, topics.New{Name: "Letters", Description: "letters", ManualOnly: true,
		Rule: classify.Rule{Algorithm: classify.MatchAny, Match: "itinerary", CaseInsensitive: true}})
	if err != nil {
		t.Fatal(err)
	}
	inv := f.upload(t, "invoice.txt", "Invoice 4711: bank transfer of the payments due, payments by Friday")
	trip := f.upload(t, "trip.txt", "Flight booking for the hotel and the trips, bookings confirmed")
	itin := f.upload(t, "itin.txt", "Your itinerary: flights and hotels")
	res, err := f.runner(&plainText{}, worker.Options{Concurrency: 2}).Drain(ctx(t))
	if err != nil || len(res.Failed) != 0 || res.Processed != 3 {
		t.Fatalf("Drain = %+v, %v", res, err)
	}
	type row struct {
		Topic    string  `db:"name"`
		Source   string  `db:"source"`
		Evidence *string `db:"evidence"`
	}
	assignedOf := func(id string) []row {
		var rows []row
		if err := f.db.Select(&rows, `SELECT t.name, dt.source, dt.evidence::text AS evidence FROM document_topics dt
			JOIN topics t ON t.id = dt.topic_id WHERE dt.document_id = $1 ORDER BY t.name`, id); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	candidatesOf := func(id string) string {
		var c *string
		if err := f.db.Get(&c, `SELECT (SELECT string_agg(t.name || ' ' || CASE WHEN (c->>'score')::float8 >= 0.5 THEN '1' ELSE '0' END || ' ' || COALESCE(c->>'evidence', '-'), '; ' ORDER BY n)
			FROM jsonb_array_elements(d.candidates) WITH ORDINALITY AS x(c, n) JOIN topics t ON t.id = (c->>'topic_id')::uuid)
			FROM documents d WHERE d.id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if c == nil {
			return ""
		}
		return *c
	}
	if rows := assignedOf(inv); len(rows) != 1 || rows[0].Topic != "Finance" || rows[0].Source != "auto" ||
		rows[0].Evidence == nil || *rows[0].Evidence != `["invoice", "payments", "bank"]` {
		t.Errorf("invoice: %s, want Finance with its evidence", show(rows))
	}
	if got := candidatesOf(inv); got != `Finance 1 ["invoice", "payments", "bank"]` {
		t.Errorf("invoice's candidates (1: score at least 0.5): %s", got)
	}
	// All about Travel, which is manual-only: unfiled, and Travel is no
	// candidate.
	if rows := assignedOf(trip); len(rows) != 0 {
		t.Errorf("trip: %s, want no topic (Travel is manual-only)", show(rows))
	}
	if got := candidatesOf(trip); got != "" {
		t.Errorf("trip's candidates: %q, want none", got)
	}
	// Letters is manual-only too, but its rule assigns it.
	if rows := assignedOf(itin); len(rows) != 1 || rows[0].Topic != "Letters" || rows[0].Evidence == nil || *rows[0].Evidence != `["itinerary"]` {
		t.Errorf("itinerary: %s, want Letters by its rule, evidence [itinerary]", show(rows))
	}
	if travel.AutoAssign || letters.AutoAssign {
		t.Errorf("created topics: %+v, %+v; want both manual-only", travel, letters)
	}
}

func show[T any](rows []T) string {
	b, _ := json.Marshal(rows)
	return string(b)
}
