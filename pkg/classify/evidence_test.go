package classify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/pkg/classify"
)

func classifyDoc(t *testing.T, c classify.Classifier, text string, topics []classify.Topic) classify.Result {
	t.Helper()
	res, err := c.Classify(context.Background(), classify.Document{Filename: "letter.txt", Text: text}, topics)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func match(t *testing.T, res classify.Result, id string) classify.Match {
	t.Helper()
	for _, m := range res.Matches {
		if m.TopicID == id {
			return m
		}
	}
	t.Fatalf("no match for %s in %+v", id, res.Matches)
	return classify.Match{}
}

// The builtin's evidence is the document's own words that weigh most for
// the topic, as written (not stems), heaviest first.
func TestBuiltinEvidence(t *testing.T) {
	b := train(t, classify.TrainInput{Topics: household})
	text := "Your invoices from the bank. Invoices are due monthly; the taxes are included. The weather is fine."
	res := classifyDoc(t, b, text, household)
	fin := match(t, res, "fin")
	if !fin.Assigned || fmt.Sprint(fin.Evidence) != "[invoices taxes bank]" {
		t.Errorf("finance: assigned %v, evidence %q; want assigned with [invoices taxes bank]", fin.Assigned, fin.Evidence)
	}
	// A topic with no word in the document has no evidence.
	if h := match(t, res, "health"); h.Score != 0 || h.Evidence != nil {
		t.Errorf("health: score %v, evidence %q; want 0 and none", h.Score, h.Evidence)
	}
	// The doctor's words decide Health; stems meet ("prescribed" is shown
	// as the document wrote it).
	res = classifyDoc(t, b, "The doctor prescribed antibiotics after the hospital visit.", household)
	h := match(t, res, "health")
	// "prescribed", rarer in English than "doctor" (the background model),
	// weighs most.
	if !h.Assigned || fmt.Sprint(h.Evidence) != "[prescribed hospital doctor]" {
		t.Errorf("health: assigned %v, evidence %q", h.Assigned, h.Evidence)
	}
	if cs := res.Candidates(classify.CandidateCount); len(cs) != 1 || cs[0].TopicID != "health" {
		t.Errorf("candidates %+v, want health alone (the others score 0)", cs)
	}
}

// A topic marked ManualOnly is never scored by the builtin, so never
// assigned and never a candidate, however well the document fits it; its
// match rule still assigns it, with what the rule matched as evidence.
func TestManualOnly(t *testing.T) {
	topics := []classify.Topic{
		{ID: "fin", Name: "Finance", Description: "invoices, bank statements, taxes", ManualOnly: true},
		{ID: "health", Name: "Health", Description: "doctor, hospital, prescriptions"},
	}
	b := train(t, classify.TrainInput{Topics: topics})
	text := "Invoice from the bank: taxes and payments. The doctor was paid."
	res := classifyDoc(t, b, text, topics)
	if f := match(t, res, "fin"); f.Score != 0 || f.Assigned || f.Evidence != nil {
		t.Errorf("manual-only finance: %+v, want score 0, not assigned, no evidence", f)
	}
	for _, c := range res.Candidates(classify.CandidateCount) {
		if c.TopicID == "fin" {
			t.Errorf("manual-only finance is a candidate: %+v", res.Candidates(classify.CandidateCount))
		}
	}
	// The same topic without the flag is assigned: the flag, not the text,
	// kept it out.
	auto := []classify.Topic{topics[0], topics[1]}
	auto[0].ManualOnly = false
	if f := match(t, classifyDoc(t, train(t, classify.TrainInput{Topics: auto}), text, auto), "fin"); !f.Assigned {
		t.Fatalf("finance without the flag: %+v; the test needs a document it assigns", f)
	}
	// A rule is a person's choice: it assigns a manual-only topic.
	ruled := []classify.Topic{topics[0], topics[1]}
	ruled[0].Rule = classify.Rule{Algorithm: classify.MatchAny, Match: "receipt invoice", CaseInsensitive: true}
	f := match(t, classifyDoc(t, classify.WithRules{Base: b}, text, ruled), "fin")
	if !f.Assigned || !f.ByRule || f.Score != 1 || fmt.Sprint(f.Evidence) != "[invoice]" {
		t.Errorf("manual-only finance with a matching rule: %+v, want assigned by rule with evidence [invoice]", f)
	}
}

// A rule's evidence is what of the text it matched.
func TestRuleEvidence(t *testing.T) {
	text := "Invoice No. 4711 from ACME Corp. (Berlin) — total due: 1.234,56 EUR."
	cases := []struct {
		rule classify.Rule
		want string
	}{
		{classify.Rule{Algorithm: "any", Match: `receipt invoice "total due"`, CaseInsensitive: true}, "[invoice total due]"},
		{classify.Rule{Algorithm: "all", Match: "ACME Berlin"}, "[ACME Berlin]"},
		{classify.Rule{Algorithm: "literal", Match: "ACME Corp."}, "[ACME Corp.]"},
		{classify.Rule{Algorithm: "regex", Match: `No\.\s+\d+`}, "[No. 4711]"},
		{classify.Rule{Algorithm: "fuzzy", Match: "ACME Corp Berlim", CaseInsensitive: true}, "[ACME Corp Berlim]"},
		{classify.Rule{Algorithm: "any", Match: "receipt"}, "[]"},
	}
	for _, tc := range cases {
		m, err := tc.rule.Compile()
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(m.Find(text)); got != tc.want {
			t.Errorf("%+v: Find %s, want %s", tc.rule, got, tc.want)
		}
	}
}

// The model is never offered a manual-only topic; its reason becomes the
// topic's evidence.
func TestOpenAIManualOnlyAndReason(t *testing.T) {
	topics := []classify.Topic{
		{ID: "fin", Name: "Finance", Description: "invoices, bank statements, taxes", ManualOnly: true},
		{ID: "health", Name: "Health", Description: "doctor, hospital, prescriptions"},
	}
	var offered string
	srv, calls := llm(t, func(w http.ResponseWriter, req map[string]any) {
		b, _ := json.Marshal(req)
		offered = string(b)
		io.WriteString(w, completion(`{"topics":[{"name":"Health","score":0.9,"reason":"  the hospital\n bill "},{"name":"Finance","score":0.8,"reason":"invoice"}]}`))
	})
	fb := train(t, classify.TrainInput{Topics: topics})
	o := &classify.OpenAI{BaseURL: srv.URL + "/v1", APIKey: testKey, Model: "m", Fallback: fb}
	res := classifyDoc(t, o, "Hospital bill: invoice for your stay", topics)
	if strings.Contains(offered, "Finance") || !strings.Contains(offered, `"enum":["Health"]`) || !strings.Contains(offered, `"reason"`) {
		t.Errorf("request offered %s; want Health alone, and a reason asked for", offered)
	}
	h, f := match(t, res, "health"), match(t, res, "fin")
	if res.Provider != "openai" || !h.Assigned || fmt.Sprintf("%q", h.Evidence) != `["the hospital bill"]` {
		t.Errorf("health: %+v (provider %s), want assigned with the reason as evidence", h, res.Provider)
	}
	// "Finance" was not offered, so the answer naming it is ignored.
	if f.Score != 0 || f.Assigned || f.Evidence != nil || !strings.Contains(res.Note, `"Finance"`) {
		t.Errorf("finance: %+v, note %q; want unscored, and the note naming it", f, res.Note)
	}
	// With only manual-only topics there is nothing to ask.
	res = classifyDoc(t, o, "anything", topics[:1])
	if calls.Load() != 1 || len(res.Matches) != 1 || res.Matches[0].Score != 0 || res.Provider != "openai" {
		t.Errorf("only manual-only topics: %d requests, %+v", calls.Load(), res)
	}
}

// Bad input: a document of one repeated word, 10 MB of it, text in a
// script no topic is written in, no text at all. An answer every time,
// evidence only for a topic with a score.
func TestEvidenceBadInput(t *testing.T) {
	b := train(t, classify.TrainInput{Topics: household})
	for _, tc := range []struct {
		name, text string
		want       string // Finance's evidence
	}{
		{"one repeated word", strings.Repeat("invoices ", 1000), "[invoices]"},
		{"10 MB of it", strings.Repeat("invoices ", 10<<20/9), "[invoices]"},
		{"an unknown script", strings.Repeat("𐀀𐀁𐀂 𐀃𐀄 ", 5000), "[]"},
		{"nothing", "", "[]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := classifyDoc(t, b, tc.text, household)
			f := match(t, res, "fin")
			if got := fmt.Sprint(f.Evidence); got != tc.want || (f.Score > 0) != (tc.want != "[]") {
				t.Errorf("finance: score %v, evidence %s; want %s", f.Score, got, tc.want)
			}
			for _, m := range res.Matches {
				if m.Score == 0 && m.Evidence != nil {
					t.Errorf("%s scored 0 with evidence %q", m.TopicID, m.Evidence)
				}
			}
		})
	}
}
