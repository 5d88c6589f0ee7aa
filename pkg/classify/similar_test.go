package classify

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestTerms(t *testing.T) {
	ctx := context.Background()
	topics := []Topic{{ID: "t1", Name: "Taxes", Description: "tax returns and assessments"}}
	background := []string{
		"Invoice from the plumber: pipes repaired in the kitchen. Invoice total 120 EUR.",
		"Invoice from the electrician: kitchen lights repaired. Invoice total 80 EUR.",
		"Tax assessment 2025: the tax office assesses your income tax.",
	}
	b, err := Train(ctx, TrainInput{Topics: topics, Background: background}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	doc := "Invoice: the plumber repaired the pipes of the bathroom. Invoice total 95 EUR."
	terms := b.Terms(doc, 3)
	if len(terms) != 3 {
		t.Fatalf("Terms(doc, 3) has %d terms: %v", len(terms), terms)
	}
	// The three heaviest of its words (which three depends on the model's
	// idf, which is not this test's business).
	for term := range terms {
		if !strings.Contains(" invoic plumbe repair pipe bathro total eur ", " "+term+" ") {
			t.Fatalf("Terms = %v: %q is not one of the document's words", terms, term)
		}
	}
	var norm float64
	for _, w := range terms {
		norm += w * w
	}
	if math.Abs(norm-1) > 1e-3 {
		t.Fatalf("Terms' norm² = %v, want 1", norm)
	}

	// The worker's classifiers wrap the builtin: TermsOf finds it.
	for name, c := range map[string]Classifier{
		"builtin":         b,
		"with rules":      WithRules{Base: b},
		"openai fallback": WithRules{Base: &OpenAI{Fallback: b}},
	} {
		if got := TermsOf(c, doc, 3); fmt.Sprint(got) != fmt.Sprint(terms) {
			t.Errorf("TermsOf(%s) = %v, want %v", name, got, terms)
		}
	}
	// Without a builtin, counts alone: "invoic" (twice) is the heaviest.
	plain := TermsOf(WithRules{Base: &OpenAI{}}, doc, 1)
	if len(plain) != 1 || plain["invoic"] != 1 {
		t.Fatalf("TermsOf(no builtin) = %v, want invoic alone", plain)
	}

	if got := b.Terms("", SimilarTerms); got != nil {
		t.Fatalf("Terms(empty) = %v, want nil", got)
	}
	if got := b.Terms("... 1 a", SimilarTerms); got != nil {
		t.Fatalf("Terms(no words) = %v, want nil", got)
	}
	if got := b.Terms(strings.Repeat("word ", 1<<20), SimilarTerms); len(got) != 1 || got["word"] != 1 {
		t.Fatalf("Terms(one word repeated) = %v", got)
	}
	// Days, years and small amounts are no common ground; a customer
	// number is.
	// (The stemmer keeps six characters of every word, numbers too.)
	if got := b.Terms("Invoice 03.12.2026 total 120 customer 4471122", SimilarTerms); len(got) != 4 ||
		got["invoic"] == 0 || got["total"] == 0 || got["custom"] == 0 || got["447112"] == 0 {
		t.Fatalf("Terms(dates and numbers) = %v, want invoic, total, custom and 447112", got)
	}
}

func TestSimilarity(t *testing.T) {
	b, err := Train(context.Background(), TrainInput{Background: []string{"alpha beta", "gamma delta"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := b.Terms("plumber repaired pipes kitchen invoice", SimilarTerms)
	same := b.Terms("invoice kitchen pipes repaired plumber", SimilarTerms)
	near := b.Terms("plumber repaired pipes bathroom invoice", SimilarTerms)
	far := b.Terms("holiday photos from the beach", SimilarTerms)
	if s := Similarity(a, same); math.Abs(s-1) > 1e-3 {
		t.Fatalf("Similarity(same words) = %v, want 1", s)
	}
	sn, sf := Similarity(a, near), Similarity(a, far)
	if sf != 0 || sn < 0.7 || sn > 0.9 {
		t.Fatalf("Similarity near = %v (want 0.8: 4 of 5 words), far = %v (want 0)", sn, sf)
	}
	if Similarity(a, near) != Similarity(near, a) {
		t.Fatal("Similarity is not symmetric")
	}
	if Similarity(nil, a) != 0 {
		t.Fatal("Similarity(nil, a) != 0")
	}
}

// BenchmarkTerms is the worker's extra CPU per document for similar
// documents: a 20,000-word text (about 130 KB) against a model trained on
// 300 texts.
func BenchmarkTerms(b *testing.B) {
	words := make([]string, 5000) // made-up words of 5 to 9 letters
	for i := range words {
		var w []byte
		for k := i*7919 + 104729; len(w) < 5+i%5; k /= 26 {
			if k < 26 {
				k += i*31 + 1000
			}
			w = append(w, byte('a'+k%26))
		}
		words[i] = string(w)
	}
	text := func(seed, n int) string {
		var sb strings.Builder
		for i := range n {
			sb.WriteString(words[(i*i*7+seed*13+i)%len(words)])
			sb.WriteByte(' ')
		}
		return sb.String()
	}
	bg := make([]string, 300)
	for i := range bg {
		bg[i] = text(i, 300)
	}
	m, err := Train(context.Background(), TrainInput{Background: bg}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	doc := text(1, 20000)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if len(m.Terms(doc, SimilarTerms)) != SimilarTerms {
			b.Fatal("short")
		}
	}
}
