package classify_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/pkg/classify"
)

func TestRules(t *testing.T) {
	text := "Invoice No. 4711 from ACME Corp. (Berlin) — total due: 1.234,56 EUR. Thank you!"
	cases := []struct {
		rule classify.Rule
		want bool
	}{
		{classify.Rule{Algorithm: "any", Match: "receipt invoice", CaseInsensitive: true}, true},
		{classify.Rule{Algorithm: "any", Match: "receipt invoice"}, false},              // case matters
		{classify.Rule{Algorithm: "any", Match: "voice", CaseInsensitive: true}, false}, // whole words only
		{classify.Rule{Algorithm: "all", Match: `acme "total due"`, CaseInsensitive: true}, true},
		{classify.Rule{Algorithm: "all", Match: "acme paris", CaseInsensitive: true}, false},
		{classify.Rule{Algorithm: "literal", Match: "ACME Corp.", CaseInsensitive: false}, true},
		{classify.Rule{Algorithm: "literal", Match: "ACME Cor", CaseInsensitive: false}, false},
		{classify.Rule{Algorithm: "regex", Match: `No\. \d{4}`}, true},
		{classify.Rule{Algorithm: "regex", Match: `^total`, CaseInsensitive: true}, false},
		{classify.Rule{Algorithm: "fuzzy", Match: "ACME Corp Berlim", CaseInsensitive: true}, true}, // one letter off
		{classify.Rule{Algorithm: "fuzzy", Match: "Globex Paris", CaseInsensitive: true}, false},
		{classify.Rule{Algorithm: "none", Match: "invoice"}, false},
		{classify.Rule{}, false},
	}
	for _, tc := range cases {
		m, err := tc.rule.Compile()
		if err != nil {
			t.Fatalf("%+v: %v", tc.rule, err)
		}
		if got := m.Matches(text); got != tc.want {
			t.Errorf("%+v: matches %v, want %v", tc.rule, got, tc.want)
		}
	}
	for _, bad := range []classify.Rule{
		{Algorithm: "regex", Match: "(unclosed"},
		{Algorithm: "magic", Match: "x"},
		{Algorithm: "any", Match: "   "},
		{Algorithm: "fuzzy", Match: strings.Repeat("x", 201)},
	} {
		if _, err := bad.Compile(); !errors.Is(err, classify.ErrBadRule) {
			t.Errorf("%+v: %v, want ErrBadRule", bad, err)
		}
	}
}

func TestWithRules(t *testing.T) {
	topics := []classify.Topic{
		{ID: "tax", Name: "Taxes", Rule: classify.Rule{Algorithm: "regex", Match: `(?i)steuer`}},
		{ID: "fin", Name: "Finance", Description: "invoices bank"},
	}
	b, err := classify.Train(context.Background(), classify.TrainInput{Topics: topics}, classify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := classify.WithRules{Base: b}.Classify(context.Background(),
		classify.Document{Text: "Einkommensteuerbescheid; paid by bank with the invoice"}, topics)
	if err != nil {
		t.Fatal(err)
	}
	got := res.Assigned()
	if len(got) != 2 || got[0].TopicID != "tax" || got[0].Score != 1 || !got[0].ByRule || got[1].TopicID != "fin" || got[1].ByRule {
		t.Errorf("got %+v", got)
	}
}

func FuzzRule(f *testing.F) {
	f.Add("any", "invoice receipt", "an invoice", true)
	f.Add("regex", `\d+`, "no 42", false)
	f.Add("fuzzy", "acme corp", "ACME Korp", true)
	f.Add("literal", "a.b", "xa.by", false)
	f.Add("regex", `(?:\w+\s?){1000}Z`, "a b c", false)
	f.Add("regex", `(?:(?:a{10}){10}){2}`, "aaaa", true)
	f.Fuzz(func(t *testing.T, algo, match, text string, insensitive bool) {
		m, err := classify.Rule{Algorithm: algo, Match: match, CaseInsensitive: insensitive}.Compile()
		if err != nil {
			if !errors.Is(err, classify.ErrBadRule) {
				t.Fatalf("error %v does not wrap ErrBadRule", err)
			}
			return
		}
		_ = m.Matches(text) // must not panic
	})
}
