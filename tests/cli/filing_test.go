package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// Why a document was filed (doc show), unfiled documents and their best
// candidates (doc list --unfiled, doc show), and topics the classifier never
// assigns (topic add/edit --no-auto).
func TestFilingEvidenceUnfiledAndNoAuto(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	d.run(t, nil, "topic", "add", "Finance", "--description", "invoices bank taxes payments").check(t, 0, `created topic "Finance" for ann (#6366f1)`, "")
	d.run(t, nil, "topic", "add", "Health", "--description", "doctor hospital prescription").check(t, 0, "", "")
	d.run(t, nil, "topic", "add", "Travel", "--description", "flights hotels trips", "--no-auto").
		check(t, 0, `created topic "Travel" for ann (#6366f1, never assigned automatically)`, "")
	r := d.run(t, nil, "topic", "list")
	r.check(t, 0, "AUTO", "")
	for _, want := range []string{"Finance  #6366f1  -     yes   invoices", "Travel   #6366f1  -     no    flights"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("topic list lacks %q:\n%s", want, r.stdout)
		}
	}
	dir := t.TempDir()
	for name, text := range map[string]string{
		"invoice.txt": "Invoice 4711: bank transfer of the payments due, payments by Friday",
		"note.txt":    "A note: the doctor's office next to the bank moves next month; the new address and the opening times follow, with the parking, the bus lines, the lift and the entrance",
		"trip.txt":    "Flights and hotels for the trip to Rome, flights confirmed",
	} {
		writeFile(t, filepath.Join(dir, name), []byte(text))
	}
	d.run(t, nil, "upload", "--recursive", dir).check(t, 0, "", "")
	d.run(t, nil, "worker", "--drain").check(t, 0, "", "")
	db := d.dep.AdminDB(t)
	id := func(name string) string {
		var s string
		if err := db.Get(&s, `SELECT id FROM documents WHERE filename = $1`, name); err != nil {
			t.Fatal(err)
		}
		return s
	}

	r = d.run(t, nil, "doc", "show", id("invoice.txt"))
	r.check(t, 0, "Finance (classifier, score ", "")
	if !strings.Contains(r.stdout, ": invoice, payments, bank)\n") || strings.Contains(r.stdout, "candidates") {
		t.Errorf("doc show invoice.txt: want Finance with its evidence and no candidates line:\n%s", r.stdout)
	}
	d.run(t, nil, "doc", "show", id("invoice.txt"), "--json").check(t, 0, `"source":"auto","score":`, "")
	d.run(t, nil, "doc", "show", id("invoice.txt"), "--json").check(t, 0, `"evidence":["invoice","payments","bank"]`, "")

	// The note is about Health, weakly: unfiled, with its candidates. The
	// trip is about Travel alone, which is never assigned or proposed.
	r = d.run(t, nil, "doc", "list", "--unfiled")
	r.check(t, 0, "note.txt", "")
	if !strings.Contains(r.stdout, "trip.txt") || strings.Contains(r.stdout, "invoice.txt") || strings.Count(r.stdout, "classified  (unfiled)\n") != 2 {
		t.Errorf("doc list --unfiled: want note.txt and trip.txt only:\n%s", r.stdout)
	}
	r = d.run(t, nil, "doc", "show", id("note.txt"))
	r.check(t, 0, "Not filed. Best candidates: Health 0.", "")
	if !strings.Contains(r.stdout, " (doctor), Finance 0.") || !strings.Contains(r.stdout, ` (bank); file it with: docuvault doc topics `+id("note.txt")+` --set "Health"`) {
		t.Errorf("doc show note.txt: want Health (doctor) then Finance (bank) and how to file it:\n%s", r.stdout)
	}
	d.run(t, nil, "doc", "show", id("trip.txt")).check(t, 0, "Not filed, and no topic comes close", "")

	// Filing it is a person's choice; it is no longer unfiled.
	d.run(t, nil, "doc", "topics", id("note.txt"), "--set", "Health").check(t, 0, "filed under Health", "")
	d.run(t, nil, "doc", "show", id("note.txt")).check(t, 0, "Health (filed by a person)", "")
	r = d.run(t, nil, "doc", "list", "--unfiled", "--json")
	r.check(t, 0, `"filename":"trip.txt"`, "")
	if strings.Contains(r.stdout, "note.txt") {
		t.Errorf("doc list --unfiled after filing note.txt:\n%s", r.stdout)
	}

	// Travel may be assigned automatically again: the next drain files a
	// trip under it.
	d.run(t, nil, "topic", "edit", "Travel", "--auto").check(t, 0, `topic "Travel" of ann: assigned automatically`, "")
	writeFile(t, filepath.Join(dir, "trip2.txt"), []byte("Flights and hotels for the trip to Lisbon, hotels booked"))
	d.run(t, nil, "upload", filepath.Join(dir, "trip2.txt")).check(t, 0, "", "")
	d.run(t, nil, "worker", "--drain").check(t, 0, "", "")
	d.run(t, nil, "doc", "show", id("trip2.txt")).check(t, 0, "Travel (classifier, score ", "")
	d.run(t, nil, "topic", "edit", "Travel", "--no-auto", "--description", "journeys").check(t, 0, "never assigned automatically", "")
	var auto bool
	var desc string
	if err := db.QueryRow(`SELECT auto_assign, description FROM topics WHERE name = 'Travel'`).Scan(&auto, &desc); err != nil || auto || desc != "journeys" {
		t.Errorf("Travel after edit: auto_assign %v, description %q, %v", auto, desc, err)
	}

	// The offline dry run says why too.
	topicsFile := writeFile(t, filepath.Join(dir, "topics.yaml"), []byte("- name: Finance\n  description: invoices bank taxes payments\n- name: Health\n  description: doctor hospital\n"))
	in := `{"id":"a","text":"Invoice 4711: bank transfer of the payments due, payments by Friday"}` + "\n"
	d.runIn(t, in, nil, "classify", "--topics", topicsFile, "--no-adapt", "--json", "-").check(t, 0, `"assigned":true,"evidence":["invoice","payments","bank"]}`, "")
	d.runIn(t, in, nil, "classify", "--topics", topicsFile, "--no-adapt", "-").check(t, 0, "assigned  invoice, payments, bank\n", "")

	d.run(t, nil, "topic", "edit", "Travel").check(t, 64, "", "say what to change")
	d.run(t, nil, "topic", "edit", "Travel", "--auto", "--no-auto").check(t, 64, "", "--auto and --no-auto contradict each other")
	d.run(t, nil, "topic", "edit", "Nope", "--auto").check(t, 1, "", `no such topic: "Nope"`)
	d.run(t, nil, "topic", "edit", "Travel", "--color", "red").check(t, 64, "", `colour "red": use #rrggbb`)
}

// A topic its match rule assigned says so in doc show, with the rule and
// what it matched (issue 21, item 8), not "classifier"; the classifier's
// topics still say "classifier".
func TestFilingByMatchRule(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	d.run(t, nil, "topic", "add", "Bills", "--description", "utilities electricity water", "--match", "INV-[0-9]+", "--algorithm", "regex", "--no-auto").check(t, 0, "", "")
	d.run(t, nil, "topic", "add", "Finance", "--description", "invoices bank taxes payments").check(t, 0, "", "")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bill.txt"), []byte("Invoice INV-2291: bank transfer of the payments due, payments by Friday"))
	d.run(t, nil, "upload", filepath.Join(dir, "bill.txt")).check(t, 0, "", "")
	d.run(t, nil, "worker", "--drain").check(t, 0, "", "")
	var id string
	if err := d.dep.AdminDB(t).Get(&id, `SELECT id FROM documents WHERE filename = 'bill.txt'`); err != nil {
		t.Fatal(err)
	}
	r := d.run(t, nil, "doc", "show", id)
	r.check(t, 0, "Bills (match rule: the pattern /INV-[0-9]+/; matched ", "")
	if !strings.Contains(r.stdout, "Finance (classifier, score ") || strings.Contains(r.stdout, "Bills (classifier") {
		t.Errorf("doc show: want Bills by its rule and Finance by the classifier:\n%s", r.stdout)
	}
	d.run(t, nil, "doc", "show", id, "--json").check(t, 0, `"rule":{"algorithm":"regex","match":"INV-[0-9]+"}`, "")
}

// docuvault overview: a user's vault at a glance, as the dashboard shows it.
func TestOverview(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org", "--quota", "1MiB").check(t, 0, "", "")
	d.run(t, nil, "overview").check(t, 0, "ann: 0 documents, 0 unfiled; 0 B of 1.0 MiB used (0%)\nworker: 0 waiting, 0 in progress; nothing finished yet\n", "")
	d.run(t, nil, "topic", "add", "Finance", "--description", "invoices bank taxes payments").check(t, 0, "", "")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "invoice.txt"), []byte("Invoice 4711: bank transfer of the payments due, payments by Friday"))
	writeFile(t, filepath.Join(dir, "note.txt"), []byte("Remember the keys"))
	writeFile(t, filepath.Join(dir, "empty.txt"), []byte("   \n"))
	d.run(t, nil, "upload", "--recursive", dir).check(t, 0, "", "")
	d.run(t, nil, "overview").check(t, 0, "worker: 3 waiting, 0 in progress; nothing finished yet\n", "")
	d.run(t, nil, "worker", "--drain").check(t, 0, "", "")
	r := d.run(t, nil, "overview")
	r.check(t, 0, "ann: 3 documents, 1 unfiled; ", "")
	for _, want := range []string{"by status: 2 classified, 1 no text\n", "worker: 0 waiting, 0 in progress; last finished ", "newest:\n", "  invoice.txt  classified  Finance\n", "needs attention:\n", "  empty.txt  no text"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("overview lacks %q:\n%s", want, r.stdout)
		}
	}
	d.run(t, nil, "overview", "--json").check(t, 0, `"by_status":{"classified":2,"failed":0,"no_text":1,"pending":0,"processing":0,"skipped":0},"unfiled":1,`, "")
	d.run(t, nil, "overview", "--user", "nobody").check(t, 1, "", "no such user")
	d.run(t, nil, "overview", "extra").check(t, 64, "", "")
}
