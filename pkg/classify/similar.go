package classify

import (
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Terms is a document's sparse vector for finding similar documents: its
// most characteristic stemmed words (the builtin classifier's tokenizer
// and stemmer) with their tf-idf weights, L2-normalised, so the similarity
// of two documents is the dot product of their Terms (Similarity).
type Terms map[string]float64

// SimilarTerms is how many terms a document keeps for similarity: enough
// to tell documents apart, few enough to store with each document and
// score thousands of them in one query.
const SimilarTerms = 64

// similarTextBytes is how much of a text Terms reads: its first 64 KiB
// (some 10,000 words) say what it is about, and reading no more bounds
// the worker's extra work per document (docs/benchmarks.md).
const similarTextBytes = 64 << 10

// head is text cut to similarTextBytes, at a character's start.
func head(text string) string {
	if len(text) <= similarTextBytes {
		return text
	}
	cut := similarTextBytes
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut]
}

// Terms returns the n heaviest terms of text as b weighs words when it
// classifies: each word's log-scaled count times its idf over the
// documents b was trained on (the owner's), so words every document of the
// owner has count little. Numbers of up to four digits (days, years,
// small amounts) are left out; only the text's first 64 KiB are read. It
// is nil when text has no words.
func (b *Builtin) Terms(text string, n int) Terms {
	return topTerms(b.idf.vector(counts(head(text))), n)
}

// TermsOf returns text's Terms as c's builtin model weighs words: c is a
// *Builtin, WithRules around one, or an *OpenAI whose Fallback is one (the
// worker's classifiers). Any other c has no idf to give: its words are
// weighed by their counts alone.
func TermsOf(c Classifier, text string, n int) Terms {
	for {
		switch x := c.(type) {
		case *Builtin:
			if x != nil {
				return x.Terms(text, n)
			}
		case WithRules:
			c = x.Base
			continue
		case *OpenAI:
			if x != nil {
				c = x.Fallback
				continue
			}
		}
		return topTerms(idf{}.vector(counts(head(text))), n)
	}
}

// topTerms keeps v's n heaviest terms (the first in alphabetical order of
// equal weights, so the result does not depend on map order), normalised
// again and rounded to four decimals (what is stored).
func topTerms(v vector, n int) Terms {
	if len(v) == 0 || n <= 0 {
		return nil
	}
	type tw struct {
		t string
		w float64
	}
	all := make([]tw, 0, len(v))
	for t, w := range v {
		if w > 0 && !shortNumber(t) {
			all = append(all, tw{t, w})
		}
	}
	slices.SortFunc(all, func(a, b tw) int {
		switch {
		case a.w > b.w:
			return -1
		case a.w < b.w:
			return 1
		}
		return strings.Compare(a.t, b.t)
	})
	if len(all) > n {
		all = all[:n]
	}
	var s float64
	for _, x := range all {
		s += x.w * x.w
	}
	if s == 0 {
		return nil
	}
	s = math.Sqrt(s)
	out := make(Terms, len(all))
	for _, x := range all {
		out[x.t] = math.Round(x.w/s*1e4) / 1e4
	}
	return out
}

// shortNumber reports whether t is a number of at most four digits: a
// day, a month, a year, a small amount, which letters and invoices about
// anything share ("2026"). Longer numbers (a customer's, a contract's)
// stay: documents that share one belong together.
func shortNumber(t string) bool {
	if len(t) > 4 {
		return false
	}
	for _, r := range t {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Similarity is the cosine of two documents' Terms: from 0 (no word in
// common) to 1 (the same words, weighed alike).
func Similarity(a, b Terms) float64 {
	if len(b) < len(a) {
		a, b = b, a
	}
	var s float64
	for t, x := range a {
		s += x * b[t]
	}
	return s
}
