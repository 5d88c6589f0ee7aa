package classify_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/classify"
)

// slowRule is the largest repeat a rule may have, and still slow: about
// 0.4 s per rule on 290 KiB without -race (issue 20, D3, had {1000}).
const slowRule = `(?:\w+\s?){100}Z`

// slowText is about 290 KiB of words with no Z: slowRule keeps about a
// hundred threads alive at every byte of it.
var slowText = strings.Repeat("lorem ipsum dolor sit amet ", 11000)

// zeroBase scores every topic 0: only the rules decide.
type zeroBase struct{}

func (zeroBase) Classify(_ context.Context, _ classify.Document, ts []classify.Topic) (classify.Result, error) {
	res := classify.Result{Provider: "test"}
	for _, t := range ts {
		res.Matches = append(res.Matches, classify.Match{TopicID: t.ID})
	}
	return res, nil
}

// TestRegexRuleTooComplex: a regex whose repeats (nested ones multiplied)
// or compiled program are over the bounds is refused with a
// *RuleTooComplexError, an ErrBadRule, whose one-line message says what
// to change; a rule within them still compiles.
func TestRegexRuleTooComplex(t *testing.T) {
	for name, tc := range map[string]struct {
		match string
		fix   string
	}{
		"issue 20's rule":     {`(?:\w+\s?){1000}Z`, "repeats up to 1000 times, at most 100"},
		"nested repeats":      {`(?:(?:ab){20}){20}`, "repeats up to 400 times"},
		"open-ended repeat":   {`x{101,}`, "repeats up to 101 times"},
		"huge alternation":    {alternation(600), "instructions, at most 2000"},
		"case-folded classes": {`(?i)` + strings.Repeat(`[a-z]{90}`, 30), "instructions, at most 2000"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := classify.Rule{Algorithm: classify.MatchRegex, Match: tc.match}.Compile()
			var tooComplex *classify.RuleTooComplexError
			if !errors.As(err, &tooComplex) || !errors.Is(err, classify.ErrBadRule) {
				t.Fatalf("Compile: %v, want a *RuleTooComplexError that is an ErrBadRule", err)
			}
			if tooComplex.Match != tc.match || !strings.Contains(err.Error(), tc.fix) || strings.Contains(err.Error(), "\n") {
				t.Errorf("message %q: want one line containing %q", err, tc.fix)
			}
		})
	}
	for _, ok := range []string{slowRule, `No\. \d{4}`, `(?:\d{3}[ -]?){3}`, `(?i)invoice|receipt|bill`} {
		if _, err := (classify.Rule{Algorithm: classify.MatchRegex, Match: ok}).Compile(); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
}

// alternation is a regex of n different words, one|two|….
func alternation(n int) string {
	words := make([]string, n)
	for i := range words {
		words[i] = fmt.Sprintf("w%dq%x", i*7919, i*104729)
	}
	return strings.Join(words, "|")
}

// TestRuleMatchingStopsWhenCancelled: four slow rules on a large text
// take seconds; a cancelled request stops them at once with its error.
func TestRuleMatchingStopsWhenCancelled(t *testing.T) {
	var ts []classify.Topic
	for _, id := range []string{"a", "b", "c", "d"} {
		ts = append(ts, classify.Topic{ID: id, Name: id, Rule: classify.Rule{Algorithm: classify.MatchRegex, Match: slowRule}})
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := classify.WithRules{Base: zeroBase{}, Budget: time.Minute}.Classify(ctx, classify.Document{Text: slowText}, ts)
	took := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Classify: %v, want context.Canceled", err)
	}
	if took > time.Second {
		t.Errorf("Classify returned %v after it was cancelled at 100ms", took)
	}
}

// TestRuleBudget: a document's rules get Budget in all; the slow regexes
// count as not matched, a cheap rule is still applied (cheap rules run
// first), and a warning names the topics but never the document's text.
func TestRuleBudget(t *testing.T) {
	ts := []classify.Topic{
		{ID: "slow1", Name: "A", Rule: classify.Rule{Algorithm: classify.MatchRegex, Match: slowRule}},
		{ID: "slow2", Name: "B", Rule: classify.Rule{Algorithm: classify.MatchRegex, Match: slowRule}},
		{ID: "slow3", Name: "C", Rule: classify.Rule{Algorithm: classify.MatchRegex, Match: slowRule}},
		{ID: "cheap", Name: "Z", Rule: classify.Rule{Algorithm: classify.MatchAny, Match: "zebrafish", CaseInsensitive: true}},
	}
	var logs bytes.Buffer
	w := classify.WithRules{Base: zeroBase{}, Budget: 300 * time.Millisecond, Log: slog.New(slog.NewJSONHandler(&logs, nil))}
	start := time.Now()
	res, err := w.Classify(context.Background(), classify.Document{Text: slowText + " Zebrafish"}, ts)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if took > 1500*time.Millisecond {
		t.Errorf("Classify took %v with a budget of 300ms", took)
	}
	got := res.Assigned()
	if len(got) != 1 || got[0].TopicID != "cheap" || !got[0].ByRule {
		t.Errorf("assigned %+v, want only the cheap rule's topic", got)
	}
	if !strings.Contains(res.Note, "took over 300ms in all and were not applied") {
		t.Errorf("note %q", res.Note)
	}
	out := logs.String()
	if !strings.Contains(out, `"level":"WARN"`) || !strings.Contains(out, `"slow1"`) || !strings.Contains(out, "time budget") {
		t.Errorf("log %q: want a WARN naming the slow topics", out)
	}
	if strings.Contains(out, "lorem") || strings.Contains(strings.ToLower(out), "zebrafish") {
		t.Errorf("log %q carries the document's text", out)
	}

	// Matcher.FindContext says why a rule was not decided.
	m, err := classify.Rule{Algorithm: classify.MatchRegex, Match: slowRule}.Compile()
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := m.FindContext(context.Background(), slowText, 50*time.Millisecond); !errors.Is(err, classify.ErrRuleBudget) || ev != nil {
		t.Errorf("FindContext: %v, %v; want ErrRuleBudget", ev, err)
	}
}

// TestBudgetedMatchingKeepsResults: the budgeted reader gives the same
// answers as matching the whole string, anchors and word boundaries
// included, on a text large enough to take that path.
func TestBudgetedMatchingKeepsResults(t *testing.T) {
	long := strings.Repeat("filler words here ", 40000) + "Invoice No. 4711 total"
	for _, tc := range []struct {
		match string
		want  []string
	}{
		{`No\. \d{4}`, []string{"No. 4711"}},
		{`total$`, []string{"total"}},
		{`^filler`, []string{"filler"}},
		{`^words`, nil},
		{`\bwor\b`, nil},
		{`\d+ total`, []string{"4711 total"}},
	} {
		m, err := classify.Rule{Algorithm: classify.MatchRegex, Match: tc.match}.Compile()
		if err != nil {
			t.Fatal(err)
		}
		ev, err := m.FindContext(context.Background(), long, time.Minute)
		if err != nil {
			t.Fatalf("%s: %v", tc.match, err)
		}
		if strings.Join(ev, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: found %q, want %q", tc.match, ev, tc.want)
		}
	}
}
