package api

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/docuvault/docuvault/pkg/extract"
	"github.com/docuvault/docuvault/pkg/worker"
)

// filingDoc is what the API says of a document's filing.
type filingDoc struct {
	Status string `json:"status"`
	Topics []struct {
		Name     string   `json:"name"`
		Source   string   `json:"source"`
		Evidence []string `json:"evidence"`
	} `json:"topics"`
	Candidates []struct {
		ID       string   `json:"id"`
		Name     string   `json:"name"`
		Score    float64  `json:"score"`
		Evidence []string `json:"evidence"`
	} `json:"candidates"`
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Why a document was filed, unfiled documents and their candidates, filing
// one with a click, and topics that are never assigned automatically.
func TestFilingEvidenceUnfiledAndManualOnly(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann := e.login("ann")
	ann.do("POST", "/api/topics", map[string]any{"name": "Finance", "description": "invoices bank taxes payments"}).want(201)
	health := ann.do("POST", "/api/topics", map[string]any{"name": "Health", "description": "doctor hospital prescription"}).want(201).json()
	travel := ann.do("POST", "/api/topics", map[string]any{"name": "Travel", "description": "flights hotels trips", "auto_assign": false}).want(201).json()
	if health["auto_assign"] != true || travel["auto_assign"] != false {
		t.Fatalf("created topics: auto_assign %v and %v, want true and false", health["auto_assign"], travel["auto_assign"])
	}
	// The "try it" box: evidence, and a manual-only topic never assigned.
	var try struct {
		Topics []struct {
			Name     string   `json:"name"`
			Score    float64  `json:"score"`
			Assigned bool     `json:"assigned"`
			Evidence []string `json:"evidence"`
		} `json:"topics"`
	}
	ann.do("POST", "/api/classify", map[string]any{"text": "Flights and hotels for the trip to Rome; invoice paid by bank transfer, payments done"}).want(200).decode(&try)
	tried := map[string]string{}
	for _, tp := range try.Topics {
		tried[tp.Name] = fmt.Sprintf("%v %v %v", tp.Score > 0, tp.Assigned, tp.Evidence)
	}
	if tried["Travel"] != "false false []" || tried["Finance"] != "true true [invoice payments bank]" {
		t.Errorf("POST /api/classify: %v; want Travel unscored, Finance assigned with its evidence", tried)
	}
	inv := ann.uploadOne("invoice.txt", "Invoice 4711: bank transfer of the payments due, payments by Friday")
	note := ann.uploadOne("note.txt", "A note: the doctor's office next to the bank moves next month; the new address and the opening times follow, with the parking, the bus lines, the lift and the entrance")
	trip := ann.uploadOne("trip.txt", "Flights and hotels for the trip to Rome, flights confirmed")
	p := &worker.Pipeline{DB: e.db, Objects: e.store, Extractor: extract.New(extract.Options{}), Classifiers: &worker.Classifiers{DB: e.db}}
	for _, id := range []string{inv.ID, note.ID, trip.ID} {
		if out, err := p.Process(context.Background(), id); err != nil || out != worker.Classified {
			t.Fatalf("Process %s: %v, %v", id, out, err)
		}
	}
	get := func(id string) filingDoc {
		t.Helper()
		var d filingDoc
		ann.do("GET", "/api/documents/"+id, nil).want(200).decode(&d)
		return d
	}
	d := get(inv.ID)
	if got := jsonOf(t, d.Topics); got != `[{"name":"Finance","source":"auto","evidence":["invoice","payments","bank"]}]` {
		t.Errorf("invoice's topics: %s", got)
	}
	if len(d.Candidates) != 1 || d.Candidates[0].Name != "Finance" || d.Candidates[0].Score < 0.5 {
		t.Errorf("invoice's candidates: %s", jsonOf(t, d.Candidates))
	}
	// The note is about Health, but not enough to be filed: unfiled, with
	// Health as its best candidate. The trip is about Travel only, which is
	// never assigned or proposed: unfiled without candidates.
	d = get(note.ID)
	if len(d.Topics) != 0 || len(d.Candidates) != 2 || d.Candidates[0].Name != "Health" || d.Candidates[1].Name != "Finance" ||
		jsonOf(t, d.Candidates[0].Evidence) != `["doctor"]` || jsonOf(t, d.Candidates[1].Evidence) != `["bank"]` ||
		!(0.5 > d.Candidates[0].Score && d.Candidates[0].Score > d.Candidates[1].Score && d.Candidates[1].Score > 0) {
		t.Errorf("note: %s; want unfiled, candidates Health (doctor) then Finance (bank), scored below 0.5", jsonOf(t, d))
	}
	if d = get(trip.ID); len(d.Topics) != 0 || len(d.Candidates) != 0 {
		t.Errorf("trip: %s", jsonOf(t, d))
	}
	names := func(q string) string {
		t.Helper()
		var page struct {
			Documents []struct {
				Filename string `json:"filename"`
			} `json:"documents"`
			Hits []struct {
				Document struct {
					Filename string `json:"filename"`
				} `json:"document"`
			} `json:"hits"`
		}
		ann.do("GET", "/api/documents?"+q, nil).want(200).decode(&page)
		var out []string
		for _, d := range page.Documents {
			out = append(out, d.Filename)
		}
		for _, h := range page.Hits {
			out = append(out, h.Document.Filename)
		}
		return jsonOf(t, out)
	}
	if got := names("unfiled=true&sort=filename_asc"); got != `["note.txt","trip.txt"]` {
		t.Errorf("unfiled: %s", got)
	}
	if got := names("unfiled=true&q=doctor"); got != `["note.txt"]` {
		t.Errorf("unfiled search for doctor: %s", got)
	}
	ann.do("GET", "/api/documents?unfiled=maybe", nil).wantError(400, "malformed")
	ann.do("GET", "/api/documents?unfiled=maybe&q=x", nil).wantError(400, "invalid_query")
	// One click files the note under its candidate, as a person's choice.
	ann.do("PATCH", "/api/documents/"+note.ID, map[string]any{"topic_ids": []string{health["id"].(string)}}).want(200)
	if d = get(note.ID); jsonOf(t, d.Topics) != `[{"name":"Health","source":"manual","evidence":[]}]` {
		t.Errorf("note after filing: %s", jsonOf(t, d.Topics))
	}
	if got := names("unfiled=1"); got != `["trip.txt"]` {
		t.Errorf("unfiled after filing the note: %s", got)
	}
	// A topic made manual-only is no longer proposed.
	var fin map[string]any
	ann.do("PATCH", "/api/topics/"+d.Candidates[0].ID, map[string]any{"auto_assign": false}).want(200).decode(&fin)
	if fin["auto_assign"] != false || fin["name"] != "Health" {
		t.Errorf("PATCH auto_assign: %v", fin)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE resource_id = $1 AND metadata->>'auto_assign' = 'false'`, fin["id"]); n != 1 {
		t.Errorf("%d audit records of Health made manual-only, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE resource_id = $1 AND metadata->>'auto_assign' = 'false'`, travel["id"]); n != 1 {
		t.Errorf("%d audit records of Travel created manual-only, want 1", n)
	}
	if d = get(note.ID); len(d.Candidates) != 1 || d.Candidates[0].Name != "Finance" {
		t.Errorf("note's candidates after Health became manual-only: %s, want Finance alone", jsonOf(t, d.Candidates))
	}
}
