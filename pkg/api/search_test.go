package api

import (
	"net/url"
	"strings"
	"testing"
)

func TestSearch(t *testing.T) {
	e := newEnv(t, envOptions{})
	ann, bob := e.login("ann"), e.login("bob")
	extracted := func(id, text string) {
		t.Helper()
		// What the worker would save (the search vector follows by itself).
		if _, err := e.admin.Exec(`UPDATE documents SET extracted_text = $2, status = 'classified', search_config = 'english' WHERE id = $1`, id, text); err != nil {
			t.Fatal(err)
		}
	}
	oil := ann.uploadOne("opec.txt", "x")
	extracted(oil.ID, "OPEC ministers agreed to cut crude oil production quotas in Vienna.")
	coffee := ann.uploadOne("beans.txt", "y")
	extracted(coffee.ID, "Coffee prices rose after the frost in Brazil damaged the harvest.")
	bobs := bob.uploadOne("bob.txt", "z")
	extracted(bobs.ID, "Bob's own notes on crude oil futures.")

	var page searchPage
	ann.do("GET", "/api/search?q="+url.QueryEscape("crude oil"), nil).want(200).decode(&page)
	if len(page.Hits) != 1 || page.Hits[0].Document.ID != oil.ID || page.Total != 1 || page.TotalEstimated {
		t.Fatalf("ann's search: %+v", page)
	}
	if h := page.Hits[0]; !strings.Contains(h.Snippet, "<mark>crude</mark>") || h.Document.Permission != "owner" || h.Match != "text" ||
		strings.Join(h.MatchIn, ",") != "text" {
		t.Errorf("hit: %+v", h)
	}
	// Words only in the filename: no snippet of unrelated text, and match_in
	// says where they are (issue 21).
	ann.do("GET", "/api/search?q=opec", nil).want(200).decode(&page)
	if len(page.Hits) != 1 || strings.Join(page.Hits[0].MatchIn, ",") != "text,filename" || !strings.Contains(page.Hits[0].Snippet, "<mark>OPEC</mark>") {
		t.Errorf("opec: %+v", page)
	}
	ann.do("GET", "/api/search?q=beans", nil).want(200).decode(&page)
	if len(page.Hits) != 1 || strings.Join(page.Hits[0].MatchIn, ",") != "filename" || page.Hits[0].Snippet != "" {
		t.Errorf("beans (filename only): %+v", page)
	}
	// The same through GET /api/documents?q=.
	var same searchPage
	ann.do("GET", "/api/documents?q=quotas", nil).want(200).decode(&same)
	if len(same.Hits) != 1 || same.Hits[0].Document.ID != oil.ID {
		t.Errorf("documents?q=: %+v", same)
	}
	// Stemming, phrases, exclusion.
	ann.do("GET", "/api/search?q="+url.QueryEscape(`price -oil`), nil).want(200).decode(&page)
	if len(page.Hits) != 1 || page.Hits[0].Document.ID != coffee.ID {
		t.Errorf("price -oil: %+v", page)
	}
	// Bob finds his own, never ann's; until she shares it.
	bob.do("GET", "/api/search?q=OPEC", nil).want(200).decode(&page)
	if len(page.Hits) != 0 {
		t.Errorf("bob sees ann's: %+v", page)
	}
	ann.do("POST", "/api/documents/"+oil.ID+"/shares", map[string]string{"recipient": "bob", "permission": "view"}).want(201)
	bob.do("GET", "/api/search?q=crude", nil).want(200).decode(&page)
	if len(page.Hits) != 2 {
		t.Fatalf("bob after the share: %+v", page)
	}
	for _, h := range page.Hits {
		if want := map[string]string{oil.ID: "view", bobs.ID: "owner"}[h.Document.ID]; h.Document.Permission != want {
			t.Errorf("%s: permission %s, want %s", h.Document.Filename, h.Document.Permission, want)
		}
	}
	// Bad input: 400 with the one error shape, never a 500.
	for _, q := range []string{"", "   ", strings.Repeat("word ", 2100), "bad\x01control", "-only -excluded"} {
		ann.do("GET", "/api/search?q="+url.QueryEscape(q), nil).wantError(400, "invalid_query")
	}
	for _, q := range []string{`"unbalanced`, `'; DROP TABLE documents; --`, "the of and", "%_\\"} {
		ann.do("GET", "/api/search?q="+url.QueryEscape(q), nil).want(200)
	}
	ann.do("GET", "/api/search?q=%ff%fe", nil).wantError(400, "invalid_query") // not UTF-8
	ann.do("GET", "/api/search?q=oil&cursor=garbage", nil).wantError(400, "invalid_query")
	// Messages for people: no field-name prefix (issue 21).
	var bad errorBody
	ann.do("GET", "/api/search?q="+url.QueryEscape("-only -excluded"), nil).wantError(400, "invalid_query").decode(&bad)
	if bad.Error.Message != "the query only excludes words: add a word to look for" {
		t.Errorf("message %q", bad.Error.Message)
	}
	e.anon().do("GET", "/api/search?q=oil", nil).want(401)
}
