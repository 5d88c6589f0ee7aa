//go:build classifydev

package classify

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// TestSimilarEval measures how often a document's most similar documents
// (Terms and Similarity, as GET /api/documents/{id}/similar ranks them) are
// about the same topic, on a corpus's development pool (train.jsonl: lines
// {"id","label","text"}; never its test split). The words are weighed by a
// builtin trained on 300 of the pool's documents as background, as the
// worker's model is. Run it (build tag classifydev, like deveval_test.go):
//
//	DOCUVAULT_SIMILAR_EVAL=$PWD/.dev/classify-corpus go test -tags classifydev ./pkg/classify -run TestSimilarEval -v
func TestSimilarEval(t *testing.T) {
	dir := os.Getenv("DOCUVAULT_SIMILAR_EVAL")
	if dir == "" {
		t.Fatal("set DOCUVAULT_SIMILAR_EVAL to a corpus directory (.dev/classify-corpus)")
	}
	f, err := os.Open(filepath.Join(dir, "train.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type doc struct {
		ID, Label, Text string
	}
	var docs []doc
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var d doc
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var bg []string
	for i := 0; i < len(docs) && len(bg) < 300; i += max(1, len(docs)/300) {
		bg = append(bg, docs[i].Text)
	}
	b, err := Train(context.Background(), TrainInput{Background: bg}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	terms := make([]Terms, len(docs))
	for i, d := range docs {
		terms[i] = b.Terms(d.Text, SimilarTerms)
	}
	// For each document: its 10 most similar others; precision@1 and @10
	// (same label), and how many have none at all.
	var at1, at10, none int
	var ranked10 int
	for i := range docs {
		type hit struct {
			j int
			s float64
		}
		var hits []hit
		for j := range docs {
			if j == i {
				continue
			}
			if s := Similarity(terms[i], terms[j]); s > 0 {
				hits = append(hits, hit{j, s})
			}
		}
		if len(hits) == 0 {
			none++
			continue
		}
		sort.Slice(hits, func(a, c int) bool { return hits[a].s > hits[c].s || hits[a].s == hits[c].s && hits[a].j < hits[c].j })
		if docs[hits[0].j].Label == docs[i].Label {
			at1++
		}
		for _, h := range hits[:min(10, len(hits))] {
			ranked10++
			if docs[h.j].Label == docs[i].Label {
				at10++
			}
		}
	}
	labels := map[string]int{}
	for _, d := range docs {
		labels[d.Label]++
	}
	top := 0
	for _, n := range labels {
		top = max(top, n)
	}
	t.Logf("%s: %d documents, %d topics (largest %d, %.1f %%); top similar document of the same topic %.1f %%; of the top 10, %.1f %%; no similar document %d",
		dir, len(docs), len(labels), top, 100*float64(top)/float64(len(docs)),
		100*float64(at1)/float64(len(docs)-none), 100*float64(at10)/float64(ranked10), none)
}
