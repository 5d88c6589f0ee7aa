// Package classify files a document under its owner's topics. A Classifier
// only ever picks from the topics it is given: it never invents one.
//
// Builtin is the offline classifier: zero-shot from each topic's name and
// description, and it learns from the documents a person filed (Examples).
// OpenAI asks any OpenAI-compatible chat-completions endpoint and falls back
// to another classifier when that fails. WithRules puts the topics' match
// rules (any, all, literal, regex, fuzzy) in front of either: a matching
// rule always assigns its topic.
package classify

import (
	"context"
	"sort"
	"strings"
	"unicode"
)

// Topic is one of the owner's topics.
type Topic struct {
	ID          string
	Name        string
	Description string
	Rule        Rule // optional: a match rule that always assigns the topic
	// ManualOnly marks a topic that no classifier assigns or proposes: only
	// a person files documents there, or its match rule (a rule is a
	// person's choice too). Builtin scores it 0 and OpenAI never offers it
	// to the model; WithRules still assigns it when its rule matches.
	ManualOnly bool
}

// Document is what a classifier sees of a document.
type Document struct {
	Filename string
	Text     string
}

// Match is one topic's verdict for a document: Score is the classifier's
// confidence in [0, 1] that the document belongs under it, Assigned whether
// it files the document there.
type Match struct {
	TopicID  string
	Score    float64
	Assigned bool
	ByRule   bool // assigned by the topic's match rule
	// Evidence is what decided the score, for a person to read: the few
	// words of the document that weigh most for the topic (Builtin), the
	// text a match rule matched, or the model's short reason (OpenAI). It is
	// set for assigned topics and for the best few others (see
	// Result.Candidates); nil when there is nothing to show.
	Evidence []string
}

// Result is a classifier's answer: every topic it was given, scored, best
// first.
type Result struct {
	Matches []Match
	// Provider names what decided: "builtin" or "openai".
	Provider string
	// Note is what a person should know about how it was decided, such as
	// a fallback from a provider that failed; "" when nothing.
	Note string
}

// Assigned returns the topics the result files the document under, best first.
func (r Result) Assigned() []Match {
	var out []Match
	for _, m := range r.Matches {
		if m.Assigned {
			out = append(out, m)
		}
	}
	return out
}

// CandidateCount is how many candidates a document keeps when it is
// classified (documents.candidates) and how many matches get Evidence.
const CandidateCount = 3

// Candidates returns the n best matches with a score above 0, best first:
// what a document could be filed under, assigned or not. Topics marked
// ManualOnly score 0 with every classifier, so they are never candidates
// (unless their rule assigned them).
func (r Result) Candidates(n int) []Match {
	var out []Match
	for _, m := range r.Matches {
		if len(out) == n {
			break
		}
		if m.Score > 0 {
			out = append(out, m)
		}
	}
	return out
}

// Classifier scores a document against the owner's topics.
type Classifier interface {
	// Classify scores doc against topics. No topics is an empty result,
	// not an error; the returned matches name only topics from topics.
	Classify(ctx context.Context, doc Document, topics []Topic) (Result, error)
}

// sortMatches orders matches best first, rule matches ahead, then by score.
func sortMatches(ms []Match) {
	sort.SliceStable(ms, func(i, j int) bool {
		if ms[i].ByRule != ms[j].ByRule {
			return ms[i].ByRule
		}
		return ms[i].Score > ms[j].Score
	})
}

// Words splits lower-case text into words of two or more letters or
// digits, dropping common English stop words.
func Words(text string) []string {
	fields := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	out := fields[:0]
	for _, f := range fields {
		if len(f) >= 2 && !stopWords[f] {
			out = append(out, f)
		}
	}
	return out
}

// stem reduces a word to a rough common form, so "invoices" in a
// description meets "invoice" in a text. It only has to be consistent.
func stem(w string) string {
	w = plural(w)
	// Then keep the first six letters: "prescribed" meets "prescription",
	// "inspection" meets "inspections" (truncation stemming; it beat the
	// suffix rules alone on the evaluation in docs/benchmarks.md).
	n := 0
	for i := range w {
		if n == stemLen {
			return w[:i]
		}
		n++
	}
	return w
}

// stemLen is how many letters of a word stem keeps.
const stemLen = 6

// plural undoes common English inflections.
func plural(w string) string {
	n := len(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		return w[:n-3] + "y"
	case n > 5 && strings.HasSuffix(w, "ing"):
		return w[:n-3]
	case n > 4 && strings.HasSuffix(w, "ed") && !strings.HasSuffix(w, "eed"):
		return w[:n-2]
	case n > 4 && (strings.HasSuffix(w, "xes") || strings.HasSuffix(w, "sses") || strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "zes")):
		return w[:n-2]
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:n-1]
	}
	return w
}

// stopWords are function words that say nothing about a topic.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an and are as at be by for from has have had in is it its of on or that the this to was were will with
		about all any can do does did not no our so such than then there these they those we what when which who you your my me i
		he she him her his hers them their us if but also into out up down over under more most other some only own same too very
		just should would could been being am how why where here after before again further once both each few nor off per via
		may might must shall while whom whose yours ours itself himself herself themselves ourselves yourself`) {
		m[w] = true
	}
	return m
}()
