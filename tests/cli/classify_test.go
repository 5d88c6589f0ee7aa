package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

const householdTopics = `
- name: Finance
  description: invoices, bank statements, taxes and bills
- name: Health
  description: doctor letters, prescriptions, hospital and lab results
- name: Car
  description: car repairs, insurance, registration and inspections
`

// A mixed folder of household documents, by the topic a person would pick.
var mixedFolder = map[string]struct{ topic, text string }{
	"invoice_march.txt": {"Finance", "ACME Energy Ltd, invoice no. 2025-0312. Billing period March 2025, electricity 312 kWh. Amount due EUR 94.20, payable by bank transfer within 14 days."},
	"statement.txt":     {"Finance", "Monthly account statement, Sparkasse. Opening balance 1,204.33 EUR. Direct debit: rent 850.00. Salary credit 2,950.00."},
	"tax_return.txt":    {"Finance", "Income tax assessment 2024: taxable income 48,210 EUR, tax refund of 312 EUR will be paid to your account."},
	"doctor_letter.txt": {"Health", "Dear Ms Example, following your visit to our practice Dr. Weber diagnosed a sinus infection. Please take the prescribed antibiotics twice daily."},
	"lab_results.txt":   {"Health", "Laboratory report. Blood count: haemoglobin 13.9 g/dl, leukocytes 7.2. Cholesterol slightly elevated; the physician recommends a follow-up."},
	"hospital.txt":      {"Health", "Discharge summary from St. Mary's hospital after knee surgery; physiotherapy twice a week, next check-up in six weeks."},
	"garage.txt":        {"Car", "Workshop order: annual inspection of the vehicle, brake pads replaced, oil change, tyres rotated. Mileage 84,200 km."},
	"motor_policy.txt":  {"Car", "Your motor insurance renewal: comprehensive cover for the car with registration B-XY 123, annual premium 612 EUR."},
}

type classifyOut struct {
	ID     string `json:"id"`
	Error  string `json:"error"`
	Topics []struct {
		Name     string  `json:"name"`
		Score    float64 `json:"score"`
		Assigned bool    `json:"assigned"`
		Rule     bool    `json:"rule"`
	} `json:"topics"`
}

func parseClassify(t *testing.T, out string) map[string]classifyOut {
	t.Helper()
	got := map[string]classifyOut{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var c classifyOut
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("not a JSON line: %q: %v", line, err)
		}
		got[c.ID] = c
	}
	return got
}

func TestClassifyDryRun(t *testing.T) {
	d := newDeployment(t) // classify needs no service: nothing is deployed
	dir := t.TempDir()
	topicsFile := writeFile(t, filepath.Join(dir, "topics.yaml"), []byte(householdTopics+"- name: Kids\n  description: school\n  match: kindergarten\n"))
	var files []string
	for name, doc := range mixedFolder {
		files = append(files, writeFile(t, filepath.Join(dir, name), []byte(doc.text)))
	}
	stdin := `{"id":"k1","text":"Kindergarten fees for the autumn term"}` + "\n" + `{"id":"x","text":"roses are red"}` + "\n"
	r := d.runIn(t, stdin, nil, append([]string{"classify", "--topics", topicsFile, "--json", "-"}, files...)...)
	r.check(t, 0, "", "")
	got := parseClassify(t, r.stdout)
	if len(got) != len(mixedFolder)+2 {
		t.Fatalf("%d results, want %d:\n%s", len(got), len(mixedFolder)+2, r.stdout)
	}
	right := 0
	for name, doc := range mixedFolder {
		c := got[filepath.Join(dir, name)]
		if len(c.Topics) != 4 {
			t.Fatalf("%s: %d topics, want every topic scored: %+v", name, len(c.Topics), c)
		}
		if c.Topics[0].Name == doc.topic && c.Topics[0].Assigned {
			right++
		}
	}
	if right < len(mixedFolder)-1 {
		t.Errorf("zero-shot filed %d of %d right:\n%s", right, len(mixedFolder), r.stdout)
	}
	if k := got["k1"].Topics[0]; k.Name != "Kids" || !k.Rule || !k.Assigned || k.Score != 1 {
		t.Errorf("match rule: %+v", got["k1"])
	}
	for _, tp := range got["x"].Topics {
		if tp.Assigned {
			t.Errorf("a document about nothing was assigned %s", tp.Name)
		}
	}

	// The human form shows the scores.
	d.run(t, nil, "classify", "--topics", topicsFile, files[0]).check(t, 0, "assigned", "")

	// Bad input: one clear line and the right exit code.
	bad := func(name, content string) string { return writeFile(t, filepath.Join(dir, name), []byte(content)) }
	for _, tc := range []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"no --topics", []string{"classify", files[0]}, 64, "--topics FILE is required"},
		{"no input", []string{"classify", "--topics", topicsFile}, 64, "requires at least 1 arg"},
		{"threshold", []string{"classify", "--topics", topicsFile, "--threshold", "2", files[0]}, 64, "between 0 and 1"},
		{"missing topics file", []string{"classify", "--topics", filepath.Join(dir, "nope.yaml"), files[0]}, 1, "read the topics file"},
		{"malformed", []string{"classify", "--topics", bad("m.yaml", "- name: [x"), files[0]}, 1, "invalid topics file"},
		{"empty", []string{"classify", "--topics", bad("e.yaml", ""), files[0]}, 1, "it is empty"},
		{"duplicate names", []string{"classify", "--topics", bad("d.yaml", "- name: A\n- name: a\n"), files[0]}, 1, "both named"},
		{"invalid regex", []string{"classify", "--topics", bad("r.yaml", "- name: A\n  algorithm: regex\n  match: '(x'\n"), files[0]}, 1, "invalid match rule"},
		{"an input that cannot be read", []string{"classify", "--topics", topicsFile, files[0], filepath.Join(dir, "absent.pdf")}, 2, "absent.pdf: cannot open"},
		{"binary junk beside a good input", []string{"classify", "--topics", topicsFile, files[0], bad("junk.txt", "\x00\x01\x02\xff\xfe junk")}, 2, "cannot read"},
		{"only binary junk: nothing done is a failure", []string{"classify", "--topics", topicsFile, bad("junk2.txt", "\x00\x01\x02\xff\xfe junk")}, 1, "1 of 1 input(s) could not be read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := d.run(t, nil, tc.args...)
			r.check(t, tc.code, "", tc.err)
			if lines := strings.Count(strings.TrimSpace(r.stderr), "\n"); !strings.Contains(tc.err, "could not be read") && tc.code != 2 && lines > 0 {
				t.Errorf("more than one line on stderr:\n%s", r.stderr)
			}
		})
	}
	// A bad stdin line is reported; the good ones are still classified.
	r = d.runIn(t, "{\"id\":\"ok\",\"text\":\"bank invoice\"}\nnot json\n{\"id\":\"nt\"}\n", nil, "classify", "--topics", topicsFile, "--json", "-")
	r.check(t, 2, `"id":"ok"`, "2 of 3 input(s) could not be read")
	got = parseClassify(t, r.stdout)
	if got["stdin:2"].Error == "" || got["nt"].Error != "" && !strings.Contains(got["stdin:3"].Error, "text") {
		t.Errorf("bad lines: %+v", got)
	}
}

// The "done when": three topics with one-line descriptions, a mixed
// folder, one drain files most right; a person corrects a few and the next
// uploads are filed better.
func TestClassificationLearnsFromCorrections(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	d.run(t, nil, "topic", "add", "Finance", "--description", "invoices, bank statements, taxes and bills").check(t, 0, "", "")
	d.run(t, nil, "topic", "add", "Health", "--description", "doctor letters, prescriptions, hospital and lab results").check(t, 0, "", "")
	d.run(t, nil, "topic", "add", "Car", "--description", "car repairs, insurance, registration and inspections").check(t, 0, "", "")
	dir := t.TempDir()
	for name, doc := range mixedFolder {
		writeFile(t, filepath.Join(dir, name), []byte(doc.text))
	}
	d.run(t, nil, "upload", "--recursive", dir).check(t, 0, "", "")
	d.run(t, nil, "worker", "--drain").check(t, 0, "", "")
	db := d.dep.AdminDB(t)
	filed := func() map[string]string {
		var rows []struct{ Filename, Topics string }
		if err := db.Select(&rows, `SELECT d.filename, COALESCE(string_agg(t.name, ',' ORDER BY t.name), '') AS topics
			FROM documents d LEFT JOIN document_topics dt ON dt.document_id = d.id LEFT JOIN topics t ON t.id = dt.topic_id
			GROUP BY d.filename`); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, r := range rows {
			m[r.Filename] = r.Topics
		}
		return m
	}
	right := 0
	for name, topics := range filed() {
		if doc, ok := mixedFolder[name]; ok && topics == doc.topic {
			right++
		}
	}
	if right < len(mixedFolder)-1 {
		t.Errorf("one drain filed %d of %d right: %v", right, len(mixedFolder), filed())
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM document_topics WHERE source = 'auto' AND score BETWEEN 0.5 AND 1`); err != nil || n < right {
		t.Errorf("%d auto assignments with a stored score (%v)", n, err)
	}

	// Documents about the garden: no topic's words, so nothing is assigned.
	d.run(t, nil, "topic", "add", "Garden", "--description", "plants").check(t, 0, "", "")
	garden := []string{
		"Invoice-free quote: lawn mowing, hedge trimming and pruning the apple trees, twice a month.",
		"Lawn care plan: scarifying in spring, mowing every two weeks, hedge trimming in June.",
		"Pruning of the apple trees and the hedge along the fence; green waste taken away.",
	}
	id := func(name string) string {
		var s string
		if err := db.Get(&s, `SELECT id FROM documents WHERE filename = $1`, name); err != nil {
			t.Fatal(err)
		}
		return s
	}
	for i, text := range garden[:2] {
		name := []string{"quote_a.txt", "lawncare_b.txt"}[i]
		d.run(t, nil, "upload", writeFile(t, filepath.Join(t.TempDir(), name), []byte(text))).check(t, 0, "", "")
	}
	d.run(t, nil, "worker", "--drain").check(t, 0, "", "")
	if f := filed(); f["quote_a.txt"] == "Garden" && f["lawncare_b.txt"] == "Garden" {
		t.Fatalf("zero-shot already files the garden documents: the test needs documents it cannot place")
	}
	// A person files them; the classifier learns.
	for _, name := range []string{"quote_a.txt", "lawncare_b.txt"} {
		d.run(t, nil, "doc", "topics", id(name), "--set", "Garden").check(t, 0, "filed under Garden", "")
	}
	d.run(t, nil, "doc", "show", id("quote_a.txt")).check(t, 0, "Garden (filed by a person)", "")
	d.run(t, nil, "upload", writeFile(t, filepath.Join(t.TempDir(), "quote_c.txt"), []byte(garden[2]))).check(t, 0, "", "")
	d.run(t, nil, "worker", "--drain").check(t, 0, "", "")
	if f := filed(); f["quote_c.txt"] != "Garden" || f["quote_a.txt"] != "Garden" {
		t.Errorf("after corrections: %v", f)
	}
	d.run(t, nil, "doc", "show", id("quote_c.txt")).check(t, 0, "Garden (classifier, score", "")
	d.run(t, nil, "doc", "list", "--topic", "Garden").check(t, 0, "quote_c.txt", "")

	d.run(t, nil, "doc", "topics", id("quote_c.txt"), "--set", "Nope").check(t, 1, "", `no such topic: "Nope"`)
	d.run(t, nil, "doc", "topics", "not-an-id", "--set", "Garden").check(t, 64, "", `"not-an-id" is not a document id`)
	d.run(t, nil, "doc", "topics", "00000000-0000-4000-8000-000000000000", "--set", "Garden").check(t, 1, "", "ann has no document 00000000-0000-4000-8000-000000000000")
	d.run(t, nil, "doc", "topics", id("quote_c.txt")).check(t, 64, "", "--set")
}

// An OpenAI-compatible endpoint files documents; when it fails, builtin
// does and the document says so; it never invents a topic or leaks the key.
func TestClassifyWithOpenAI(t *testing.T) {
	const key = "sk-cli-test-key-0123456789"
	mode := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := <-mode
		mode <- m
		if r.Header.Get("Authorization") != "Bearer "+key {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if !strings.Contains(string(body), `"enum":["Car","Finance","Health"]`) {
			http.Error(w, "topics not sent as an enum: "+string(body), http.StatusBadRequest)
			return
		}
		switch m {
		case "good":
			io.WriteString(w, `{"choices":[{"message":{"role":"assistant","content":"{\"topics\":[{\"name\":\"Health\",\"score\":0.95},{\"name\":\"Holidays\",\"score\":0.9}]}"}}]}`)
		case "down":
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	d := deployed(t)
	env := map[string]string{"DOCUVAULT_AI_PROVIDER": "openai", "OPENAI_BASE_URL": srv.URL + "/v1", "OPENAI_API_KEY": key, "OPENAI_MODEL": "local-model", "DOCUVAULT_AI_TIMEOUT": "2s"}
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	for _, tp := range []string{"Finance", "Health", "Car"} {
		d.run(t, nil, "topic", "add", tp).check(t, 0, "", "")
	}
	db := d.dep.AdminDB(t)
	for _, tc := range []struct{ mode, file, classifier, topics, note string }{
		{"good", "a.txt", "openai", "Health", `openai named topics that do not exist, ignored: "Holidays"`},
		{"down", "b.txt", "builtin", "Finance", "openai (local-model) failed: HTTP 503; classified by builtin instead"},
	} {
		mode <- tc.mode
		d.run(t, env, "upload", writeFile(t, filepath.Join(t.TempDir(), tc.file), []byte("Finance department: the invoice for "+tc.file))).check(t, 0, "", "")
		r := d.run(t, env, "worker", "--drain")
		r.check(t, 0, "1 processed", "")
		<-mode
		var got struct{ Classifier, Note, Topics string }
		if err := db.Get(&got, `SELECT d.classifier, d.classification_note AS note, COALESCE(string_agg(t.name, ','), '') AS topics
			FROM documents d LEFT JOIN document_topics dt ON dt.document_id = d.id LEFT JOIN topics t ON t.id = dt.topic_id
			WHERE d.filename = $1 GROUP BY d.id`, tc.file); err != nil {
			t.Fatal(err)
		}
		if got.Classifier != tc.classifier || got.Topics != tc.topics || got.Note != tc.note {
			t.Errorf("%s: got %+v, want %s, %s, %q", tc.mode, got, tc.classifier, tc.topics, tc.note)
		}
		if strings.Contains(r.stdout+r.stderr, key) {
			t.Errorf("the worker printed the API key")
		}
	}
	var topics int
	if err := db.Get(&topics, `SELECT count(*) FROM topics`); err != nil || topics != 3 {
		t.Errorf("%d topics: one was invented", topics)
	}
}
