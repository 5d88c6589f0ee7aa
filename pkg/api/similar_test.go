package api

import (
	"context"
	"fmt"
	"testing"

	"github.com/docuvault/docuvault/pkg/extract"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/pkg/worker"
	"github.com/docuvault/docuvault/tests/testenv"
)

type similarJSON struct {
	Documents []struct {
		Filename     string  `json:"filename"`
		Score        float64 `json:"score"`
		Permission   string  `json:"permission"`
		DocumentDate *string `json:"document_date"`
	} `json:"documents"`
}

// similarNames is "name perm" of each similar document, best first, and
// checks that the scores are in order and within (0, 1].
func similarNames(t *testing.T, s similarJSON) []string {
	t.Helper()
	out := []string{}
	for i, d := range s.Documents {
		if d.Score <= 0 || d.Score > 1 || i > 0 && d.Score > s.Documents[i-1].Score {
			t.Fatalf("scores out of order or range: %+v", s.Documents)
		}
		out = append(out, d.Filename+" "+d.Permission)
	}
	return out
}

// GET /api/documents/{id}/similar: the owner's documents most like one,
// never itself, never a deleted one, never another user's; a recipient of
// a share sees only the owner's documents shared with them; a stranger
// gets 404. Every document shows its own date, and lists filter by it.
func TestSimilarDocumentsAndDocumentDate(t *testing.T) {
	e := newEnv(t, envOptions{})
	if _, err := users.Create(context.Background(), e.db, users.NewUser{HashCost: testenv.HashCost(), Handle: "eve", Email: "eve@example.org", Password: "password-eve"}); err != nil {
		t.Fatal(err)
	}
	ann, bob, eve := e.login("ann"), e.login("bob"), e.login("eve")
	plumber := ann.uploadOne("plumber.txt", "Invoice date: 3 December 2026\nPlumber: pipes repaired under the kitchen sink, new tap fitted, pipes insulated.")
	plumber2 := ann.uploadOne("plumber2.txt", "Rechnungsdatum: 28.11.2026\nPlumber invoice: kitchen sink pipes repaired, tap replaced.")
	tap := ann.uploadOne("tap.txt", "The kitchen tap drips again; call the plumber.")
	holiday := ann.uploadOne("holiday.txt", "Photos of the beach holiday in Crete, sunset and boats.")
	gone := ann.uploadOne("gone.txt", "Plumber: pipes repaired under the kitchen sink, new tap fitted.")
	bobs := bob.uploadOne("bobs.txt", "Plumber: pipes repaired under the kitchen sink, new tap fitted, pipes insulated.")
	p := &worker.Pipeline{DB: e.db, Objects: e.store, Extractor: extract.New(extract.Options{}), Classifiers: &worker.Classifiers{DB: e.db}}
	for _, id := range []string{plumber.ID, plumber2.ID, tap.ID, holiday.ID, gone.ID, bobs.ID} {
		if out, err := p.Process(context.Background(), id); err != nil || out != worker.Classified {
			t.Fatalf("Process %s: %v, %v", id, out, err)
		}
		if _, err := p.Finish(context.Background(), id); err != nil {
			t.Fatalf("Finish %s: %v", id, err)
		}
	}
	ann.do("DELETE", "/api/documents/"+gone.ID, nil).want(204)

	var s similarJSON
	ann.do("GET", "/api/documents/"+plumber.ID+"/similar", nil).want(200).decode(&s)
	if got := fmt.Sprint(similarNames(t, s)); got != "[plumber2.txt owner tap.txt owner]" {
		t.Fatalf("ann's similar to plumber.txt: %s", got)
	}
	if d := s.Documents[0].DocumentDate; d == nil || *d != "2026-11-28" {
		t.Fatalf("plumber2.txt's document_date: %v", d)
	}

	// Bob may see plumber.txt and tap.txt (shared with him): tap.txt is
	// listed, not plumber2.txt, not his own bobs.txt.
	ann.do("POST", "/api/documents/"+plumber.ID+"/shares", map[string]any{"recipient": "bob", "permission": "view"}).want(201)
	ann.do("POST", "/api/documents/"+tap.ID+"/shares", map[string]any{"recipient": "bob", "permission": "view"}).want(201)
	s = similarJSON{}
	bob.do("GET", "/api/documents/"+plumber.ID+"/similar", nil).want(200).decode(&s)
	if got := fmt.Sprint(similarNames(t, s)); got != "[tap.txt view]" {
		t.Fatalf("bob's similar to ann's plumber.txt: %s", got)
	}
	s = similarJSON{}
	bob.do("GET", "/api/documents/"+bobs.ID+"/similar", nil).want(200).decode(&s)
	if got := fmt.Sprint(similarNames(t, s)); got != "[]" {
		t.Fatalf("bob's similar to his bobs.txt: %s", got)
	}
	eve.do("GET", "/api/documents/"+plumber.ID+"/similar", nil).wantError(404, "not_found")
	ann.do("GET", "/api/documents/"+gone.ID+"/similar", nil).wantError(404, "not_found")
	ann.do("GET", "/api/documents/not-a-uuid/similar", nil).wantError(404, "not_found")
	e.anon().do("GET", "/api/documents/"+plumber.ID+"/similar", nil).want(401)

	// The document's own date, and the list's filter by it.
	var doc struct {
		DocumentDate *string `json:"document_date"`
	}
	ann.do("GET", "/api/documents/"+plumber.ID, nil).want(200).decode(&doc)
	if doc.DocumentDate == nil || *doc.DocumentDate != "2026-12-03" {
		t.Fatalf("plumber.txt's document_date: %v", doc.DocumentDate)
	}
	list := func(query string) string {
		t.Helper()
		var page struct {
			Documents []struct {
				Filename     string  `json:"filename"`
				DocumentDate *string `json:"document_date"`
			} `json:"documents"`
		}
		ann.do("GET", "/api/documents?sort=filename_asc&"+query, nil).want(200).decode(&page)
		var out []string
		for _, d := range page.Documents {
			out = append(out, d.Filename+" "+*d.DocumentDate)
		}
		return fmt.Sprint(out)
	}
	if got := list("date_from=2026-11-01&date_to=2026-12-31"); got != "[plumber.txt 2026-12-03 plumber2.txt 2026-11-28]" {
		t.Errorf("November and December: %s", got)
	}
	if got := list("date_to=2026-11-30"); got != "[plumber2.txt 2026-11-28]" {
		t.Errorf("to November 30: %s", got)
	}
	if got := list("date_from=2026-12-03&date_to=2026-12-03"); got != "[plumber.txt 2026-12-03]" {
		t.Errorf("December 3: %s", got)
	}
	ann.do("GET", "/api/documents?date_from=3.12.2026", nil).wantError(400, "malformed")
	ann.do("GET", "/api/documents?date_from=2026-12-04&date_to=2026-12-03", nil).wantError(422, "invalid_field")
	// Searching takes the same filter.
	var hits struct {
		Hits []struct {
			Document struct {
				Filename     string  `json:"filename"`
				DocumentDate *string `json:"document_date"`
			} `json:"document"`
		} `json:"hits"`
	}
	ann.do("GET", "/api/documents?q=plumber&date_to=2026-11-30", nil).want(200).decode(&hits)
	if len(hits.Hits) != 1 || hits.Hits[0].Document.Filename != "plumber2.txt" || *hits.Hits[0].Document.DocumentDate != "2026-11-28" {
		t.Errorf("search plumber to November 30: %+v", hits.Hits)
	}
	ann.do("GET", "/api/search?q=plumber&date_from=yesterday", nil).wantError(400, "invalid_query")
}
