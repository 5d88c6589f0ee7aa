package classify_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/pkg/classify"
)

// BenchmarkClassifyEvidence: one long document (about 256 KiB, the most the
// builtin reads) against 50 topics, with the evidence of the assigned and
// best topics (explain tokenises the text a second time to show the
// document's own words).
func BenchmarkClassifyEvidence(b *testing.B) {
	var ts []classify.Topic
	for i := 0; i < 50; i++ {
		ts = append(ts, classify.Topic{ID: fmt.Sprint(i), Name: fmt.Sprintf("topic%d", i), Description: fmt.Sprintf("word%d term%d thing%d invoices", i, i*3, i*7)})
	}
	m, err := classify.Train(context.Background(), classify.TrainInput{Topics: ts}, classify.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var sb strings.Builder
	for i := 0; sb.Len() < 256<<10; i++ {
		fmt.Fprintf(&sb, "invoices word%d term%d filler%d text about things ", i%50, i%150, i)
	}
	doc := classify.Document{Text: sb.String()}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := m.Classify(context.Background(), doc, ts)
		if err != nil || len(res.Matches[0].Evidence) == 0 {
			b.Fatalf("%v %+v", err, res.Matches[0])
		}
	}
}
