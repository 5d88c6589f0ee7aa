package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// searchResult is `docuvault search --json`'s output.
type searchResult struct {
	Hits []struct {
		ID         string   `json:"id"`
		Filename   string   `json:"filename"`
		Owner      string   `json:"owner"`
		Permission string   `json:"permission"`
		Match      string   `json:"match"`
		MatchIn    []string `json:"match_in"`
		Rank       float64  `json:"rank"`
		Snippet    string   `json:"snippet"`
		Topics     []struct {
			Name string `json:"name"`
		} `json:"topics"`
	} `json:"hits"`
	Total      int64 `json:"total"`
	TotalExact bool  `json:"total_exact"`
	Facets     []struct {
		Name  string `json:"name"`
		Count int64  `json:"count"`
	} `json:"facets"`
}

func (d *deployment) searchJSON(t *testing.T, args ...string) searchResult {
	t.Helper()
	r := d.run(t, nil, append([]string{"search", "--json"}, args...)...)
	r.check(t, 0, "", "")
	var res searchResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("search --json %v: not JSON: %v\n%s", args, err, r.stdout)
	}
	return res
}

// TestSearchFindsUploadedDocuments is issue 7's "done when" on the command
// line: real documents uploaded and read by the worker are found by a word
// from inside their text, with a snippet, ranked sensibly; a second user
// finds none of them.
func TestSearchFindsUploadedDocuments(t *testing.T) {
	testdata := filepath.Join(repoRoot(t), "pkg", "extract", "testdata")
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	d.run(t, nil, "user", "add", "bob", "--email", "bob@example.org").check(t, 0, "", "")
	d.run(t, nil, "topic", "add", "Meetings", "--user", "ann", "--description", "board meeting minutes agenda quorum").check(t, 0, "", "")
	d.run(t, nil, "topic", "add", "Finance", "--user", "ann", "--description", "invoices bank statements taxes payments").check(t, 0, "", "")
	invoice := writeFile(t, filepath.Join(t.TempDir(), "invoice-2025-17.txt"),
		[]byte("Invoice 2025-17 for the repairs in March.\nPlease pay the invoices by bank transfer within thirty days.\n"))
	d.run(t, nil, "upload", "--user", "ann",
		filepath.Join(testdata, "pdf", "libreoffice.pdf"), filepath.Join(testdata, "pdf", "groff-ms.pdf"),
		filepath.Join(testdata, "document.docx"), filepath.Join(testdata, "pdf", "cairo-multilingual.pdf"), invoice).check(t, 0, "", "")
	// Issue 21: the query's first word only in the filename, the second far
	// into the text; and a document whose text lacks the words.
	filler := strings.Repeat("Nothing of note is written in this part of the page.\n", 600)
	notice := writeFile(t, filepath.Join(t.TempDir(), "copyright-notice.txt"),
		[]byte("Acme Tools, version 3.\n"+filler+"You may use this software under the licenses below.\n"+filler))
	picnic := writeFile(t, filepath.Join(t.TempDir(), "picnic-plan.txt"), []byte("Bring cake and lemonade to the river on Sunday.\n"))
	d.run(t, nil, "upload", "--user", "ann", notice, picnic).check(t, 0, "", "")
	d.run(t, nil, "worker", "--drain").check(t, 0, "drained: 7 processed, 0 failed", "")

	// The worker chose each document's language.
	var configs []string
	if err := d.dep.AdminDB(t).Select(&configs, `SELECT filename || ':' || search_config FROM documents ORDER BY filename`); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(configs, " "); !strings.Contains(got, "libreoffice.pdf:english") || !strings.Contains(got, "groff-ms.pdf:english") {
		t.Errorf("search configurations: %s", got)
	}

	// A word from inside a PDF, with its snippet («…» off a terminal).
	r := d.run(t, nil, "search", "--user", "ann", "quorum")
	r.check(t, 0, "libreoffice.pdf", "")
	for _, want := range []string{"confirmed that a «quorum» was present", "1 hit(s), 1 shown", "topics: Meetings 1"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("search quorum lacks %q:\n%s", want, r.stdout)
		}
	}
	// Stemming, and a sensible order: the document named for it and
	// saying it twice first, the policy that mentions invoices once after.
	res := d.searchJSON(t, "--user", "ann", "invoice")
	if len(res.Hits) != 2 || res.Hits[0].Filename != "invoice-2025-17.txt" || res.Hits[1].Filename != "groff-ms.pdf" ||
		res.Hits[0].Rank <= res.Hits[1].Rank || !res.TotalExact || res.Total != 2 {
		t.Fatalf("search invoice: %+v", res)
	}
	for _, h := range res.Hits {
		if !strings.Contains(h.Snippet, "<mark>") || h.Permission != "owner" || h.Owner != "ann" || h.Match != "text" {
			t.Errorf("hit %s: %+v", h.Filename, h)
		}
	}
	// The snippet is the passage with the words (issue 21).
	r = d.run(t, nil, "search", "--user", "ann", "copyright", "license")
	r.check(t, 0, "copyright-notice.txt", "")
	if !strings.Contains(r.stdout, "under the «licenses» below") || strings.Contains(r.stdout, "Acme Tools") {
		t.Errorf("search copyright license: the snippet is not the passage with the words:\n%s", r.stdout)
	}
	if res := d.searchJSON(t, "--user", "ann", "copyright", "license"); len(res.Hits) != 1 ||
		strings.Join(res.Hits[0].MatchIn, ",") != "text,filename" || !strings.Contains(res.Hits[0].Snippet, "<mark>licenses</mark>") {
		t.Errorf("search --json copyright license: %+v", res.Hits)
	}
	r = d.run(t, nil, "search", "--user", "ann", "picnic")
	r.check(t, 0, "picnic-plan.txt", "")
	if !strings.Contains(r.stdout, "(the words are in the filename, not in the text)") || strings.Contains(r.stdout, "lemonade") {
		t.Errorf("search picnic: want the filename named as where the words are:\n%s", r.stdout)
	}
	if res := d.searchJSON(t, "--user", "ann", "picnic"); len(res.Hits) != 1 || strings.Join(res.Hits[0].MatchIn, ",") != "filename" || res.Hits[0].Snippet != "" {
		t.Errorf("search --json picnic: %+v", res.Hits)
	}
	// A phrase, a word in a DOCX, German in a multilingual PDF, a typo in a filename.
	if res := d.searchJSON(t, "--user", "ann", `"quick brown fox"`); len(res.Hits) != 1 || res.Hits[0].Filename != "document.docx" {
		t.Errorf("phrase: %+v", res.Hits)
	}
	if res := d.searchJSON(t, "--user", "ann", "Wartungsarbeiten"); len(res.Hits) != 1 || res.Hits[0].Filename != "cairo-multilingual.pdf" {
		t.Errorf("German word: %+v", res.Hits)
	}
	if res := d.searchJSON(t, "--user", "ann", "libreofice"); len(res.Hits) != 1 || res.Hits[0].Match != "filename" {
		t.Errorf("typo in a filename: %+v", res.Hits)
	}
	// --topic and --limit.
	if res := d.searchJSON(t, "--user", "ann", "--topic", "Meetings", "quorum"); len(res.Hits) != 1 {
		t.Errorf("--topic Meetings: %+v", res.Hits)
	}
	if res := d.searchJSON(t, "--user", "ann", "--topic", "Finance", "quorum"); len(res.Hits) != 0 {
		t.Errorf("--topic Finance: %+v", res.Hits)
	}
	if res := d.searchJSON(t, "--user", "ann", "--limit", "1", "invoice"); len(res.Hits) != 1 || res.Total != 2 {
		t.Errorf("--limit 1: %+v", res)
	}

	// The second user finds none of them.
	for _, q := range []string{"quorum", "invoice", "Wartungsarbeiten", "libreofice"} {
		d.run(t, nil, "search", "--user", "bob", q).check(t, 0, "no documents found", "")
		if res := d.searchJSON(t, "--user", "bob", q); len(res.Hits) != 0 || res.Total != 0 {
			t.Errorf("bob finds %q: %+v", q, res.Hits)
		}
	}

	// Bad input: one line, exit 64.
	for _, c := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"search", "--user", "ann", " "}, "the query is empty"},
		{[]string{"search", "--user", "ann", "--", "-quorum"}, "the query only excludes words"},
		{[]string{"search", "--user", "ann", "bad\x1bquery"}, "control character"},
		{[]string{"search", "--user", "ann", "--limit", "0", "x"}, "--limit must be 1 to 100"},
		{[]string{"search", "--user", "ann"}, "requires at least 1 arg"},
	} {
		r := d.run(t, nil, c.args...)
		r.check(t, 64, "", c.stderr)
		if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 {
			t.Errorf("%v: %d lines on stderr:\n%s", c.args, n+1, r.stderr)
		}
	}
	// Only stop words, quotes left open, SQL: no error, nothing found or a normal result.
	d.run(t, nil, "search", "--user", "ann", "the of and").check(t, 0, "no documents found", "")
	d.run(t, nil, "search", "--user", "ann", `"quorum was`).check(t, 0, "libreoffice.pdf", "")
	d.run(t, nil, "search", "--user", "ann", `'; DROP TABLE documents; --`).check(t, 0, "", "")
	d.run(t, nil, "search", "--user", "ann", "quorum").check(t, 0, "libreoffice.pdf", "")
}
