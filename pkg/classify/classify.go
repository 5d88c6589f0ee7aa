// Package classify files a document under its owner's topics. A Classifier
// only ever picks from the topics it is given: it never invents one.
//
// This first classifier scores word overlap between a document and each
// topic's name and description; the next ones (match rules, learning from
// corrections, LLMs) implement the same interface.
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
}

// Document is what a classifier sees of a document.
type Document struct {
	Filename string
	Text     string
}

// Match is a topic a document belongs under, with the classifier's
// confidence in [0, 1].
type Match struct {
	TopicID string
	Score   float64
}

// Classifier picks a document's topics from the owner's.
type Classifier interface {
	// Classify returns the topics (a subset of topics) the document belongs
	// under, best first. No topic is an empty result, not an error.
	Classify(ctx context.Context, doc Document, topics []Topic) ([]Match, error)
}

// WordOverlap assigns a topic when enough of its words occur in the
// document: a word of the topic's name counts twice as much as a word of
// its description, and the name found as a phrase assigns it outright.
type WordOverlap struct {
	// Threshold is the least score that assigns a topic; 0 means 0.25.
	Threshold float64
}

var _ Classifier = WordOverlap{}

// Classify implements Classifier.
func (w WordOverlap) Classify(ctx context.Context, doc Document, topics []Topic) ([]Match, error) {
	threshold := w.Threshold
	if threshold == 0 {
		threshold = 0.25
	}
	text := strings.ToLower(doc.Filename + "\n" + doc.Text)
	words := map[string]bool{}
	for _, t := range Words(text) {
		words[t], words[stem(t)] = true, true
	}
	var out []Match
	for _, t := range topics {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		score := overlap(t, words, text)
		if score >= threshold {
			out = append(out, Match{TopicID: t.ID, Score: score})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out, nil
}

func overlap(t Topic, words map[string]bool, text string) float64 {
	name := strings.ToLower(strings.TrimSpace(t.Name))
	if name != "" && containsPhrase(text, name) {
		return 1
	}
	var have, total float64
	seen := map[string]bool{}
	add := func(ws []string, weight float64) {
		for _, w := range ws {
			if seen[w] {
				continue
			}
			seen[w] = true
			total += weight
			if words[w] || words[stem(w)] {
				have += weight
			}
		}
	}
	add(Words(name), 2)
	add(Words(strings.ToLower(t.Description)), 1)
	if total == 0 {
		return 0
	}
	return have / total
}

// containsPhrase reports whether phrase occurs in text between word boundaries.
func containsPhrase(text, phrase string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], phrase)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(phrase)
		if (start == 0 || !isWordByte(text[start-1])) && (end == len(text) || !isWordByte(text[end])) {
			return true
		}
		i = start + 1
	}
}

func isWordByte(b byte) bool { return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b >= 0x80 }

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

// stem drops a plural s, so "invoices" in a description meets "invoice" in a text.
func stem(w string) string {
	if len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
		return w[:len(w)-1]
	}
	return w
}

var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an and are as at be by for from has have in is it its of on or that the this to was were will with
		about all any can do does not no our so such than then there these they those we what when which who you your my me i`) {
		m[w] = true
	}
	return m
}()
