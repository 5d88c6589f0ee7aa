package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// The worker reads each document's own date (doc show, doc list's DATE
// column and --date-from/--date-to) and doc similar lists the owner's
// documents most like one, never itself, never another user's.
func TestDocumentDateAndSimilar(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	d.run(t, nil, "user", "add", "bob", "--email", "bob@example.org").check(t, 0, "", "")
	dir, bobs := t.TempDir(), t.TempDir()
	for name, text := range map[string]string{
		"plumber.txt":  "Invoice date: 12/03/2026\nPlumber: the pipes were repaired under the kitchen sink, a new tap was fitted and the pipes were insulated. Thank you for your business.",
		"plumber2.txt": "Paris, le 28 novembre 2026\nFacture du plombier : tuyaux de la cuisine réparés. Plumber pipes kitchen sink tap.",
		"holiday.txt":  "Photos of the beach holiday in Crete, sunset and boats.",
	} {
		writeFile(t, filepath.Join(dir, name), []byte(text))
	}
	writeFile(t, filepath.Join(bobs, "bobs.txt"), []byte("Plumber: pipes repaired under the kitchen sink, new tap fitted, pipes insulated."))
	d.run(t, nil, "upload", "--user", "ann", "--recursive", dir).check(t, 0, "", "")
	d.run(t, nil, "upload", "--user", "bob", "--recursive", bobs).check(t, 0, "", "")
	d.run(t, nil, "worker", "--drain").check(t, 0, "", "")
	db := d.dep.AdminDB(t)
	id := func(name string) string {
		var s string
		if err := db.Get(&s, `SELECT id FROM documents WHERE filename = $1`, name); err != nil {
			t.Fatal(err)
		}
		return s
	}

	r := d.run(t, nil, "doc", "show", "--user", "ann", id("plumber.txt"))
	r.check(t, 0, "date        2026-12-03\n", "")
	d.run(t, nil, "doc", "show", "--user", "ann", id("holiday.txt")).check(t, 0, "date        -\n", "")
	d.run(t, nil, "doc", "show", "--user", "ann", id("plumber2.txt"), "--json").check(t, 0, `"document_date":"2026-11-28"`, "")

	r = d.run(t, nil, "doc", "list", "--user", "ann", "--date-from", "2026-11-01", "--date-to", "2026-11-30")
	r.check(t, 0, "DATE", "")
	if !strings.Contains(r.stdout, "plumber2.txt  2026-11-28") || strings.Contains(r.stdout, "plumber.txt ") || strings.Contains(r.stdout, "holiday") {
		t.Errorf("doc list in November: want plumber2.txt alone:\n%s", r.stdout)
	}
	d.run(t, nil, "doc", "list", "--user", "ann", "--date-from", "3.12.2026").
		check(t, 64, "", `doc list: --date-from must be a day like 2026-01-31, not "3.12.2026"`)
	d.run(t, nil, "doc", "list", "--user", "ann", "--date-from", "2026-12-04", "--date-to", "2026-12-03").
		check(t, 64, "", "doc list: --date-from 2026-12-04 is after --date-to 2026-12-03")

	r = d.run(t, nil, "doc", "similar", "--user", "ann", id("plumber.txt"))
	r.check(t, 0, "SCORE", "")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], id("plumber2.txt")+"  plumber2.txt  2026-11-28") {
		t.Errorf("doc similar plumber.txt: want plumber2.txt alone:\n%s", r.stdout)
	}
	var out struct {
		Documents []struct {
			Filename string  `json:"filename"`
			Score    float64 `json:"score"`
		} `json:"documents"`
	}
	r = d.run(t, nil, "doc", "similar", "--user", "ann", id("plumber.txt"), "--json")
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Documents) != 1 ||
		out.Documents[0].Filename != "plumber2.txt" || out.Documents[0].Score <= 0 || out.Documents[0].Score >= 1 {
		t.Errorf("doc similar --json: %v %+v\n%s", err, out, r.stdout)
	}
	d.run(t, nil, "doc", "similar", "--user", "ann", id("holiday.txt")).check(t, 0, "holiday.txt: no similar documents\n", "")
	d.run(t, nil, "doc", "similar", "--user", "ann", id("bobs.txt")).
		check(t, 1, "", "doc similar: ann has no document "+id("bobs.txt"))

	// Documents read before migration 0015 have neither; doc backfill
	// gives them both from their stored text, once.
	db.MustExec(`UPDATE documents SET document_date = NULL`)
	db.MustExec(`DELETE FROM document_terms`)
	d.run(t, nil, "doc", "similar", "--user", "ann", id("plumber.txt")).check(t, 0, "plumber.txt: no similar documents\n", "")
	d.run(t, nil, "doc", "backfill", "--user", "ann", "--all-users").check(t, 64, "", "give --user or --all-users, not both")
	r = d.run(t, nil, "doc", "backfill", "--all-users")
	r.check(t, 0, "ann: 3 documents given their words for similar documents, 2 of them a date\n", "")
	r.check(t, 0, "bob: 1 documents given their words for similar documents, 0 of them a date\n", "")
	d.run(t, nil, "doc", "backfill", "--user", "ann").check(t, 0, "ann: 0 documents given their words for similar documents, 0 of them a date\n", "")
	d.run(t, nil, "doc", "show", "--user", "ann", id("plumber.txt")).check(t, 0, "date        2026-12-03\n", "")
	d.run(t, nil, "doc", "similar", "--user", "ann", id("plumber.txt")).check(t, 0, "plumber2.txt  2026-11-28", "")
}
