package classify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/pkg/classify"
)

// TestBadInputGetsAnAnswer: topics with no usable words, a document of one
// repeated word, 10 MB of text, a script nothing was described in: an
// answer every time, and never a topic filed on nothing.
func TestBadInputGetsAnAnswer(t *testing.T) {
	ctx := context.Background()
	empty := []classify.Topic{{ID: "x", Name: "—", Description: "!!! ... ???"}, {ID: "fin", Name: "Finance", Description: "invoices, bank, taxes"}}
	bg := []string{"", "the of and", strings.Repeat("invoice ", 1000)}
	for _, self := range []bool{false, true} {
		b, err := classify.Train(ctx, classify.TrainInput{Topics: empty, Background: bg}, classify.Options{SelfTrain: self})
		if err != nil {
			t.Fatal(err)
		}
		for name, text := range map[string]string{
			"nothing":        "",
			"punctuation":    "!!! ??? ... ---",
			"unknown script": strings.Repeat("𒀀𒀁𒀂 𐀀𐀁 ", 500),
			"one word":       strings.Repeat("zebra ", 100000),
			"10 MB":          strings.Repeat("lorem ipsum dolor sit amet ", 400000),
		} {
			res, err := b.Classify(ctx, classify.Document{Filename: "x.txt", Text: text}, empty)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(res.Matches) != len(empty) {
				t.Errorf("%s: %d matches, want one per topic", name, len(res.Matches))
			}
			for _, m := range res.Matches {
				if m.TopicID == "x" && m.Score != 0 {
					t.Errorf("%s (self-training %v): the wordless topic scored %v", name, self, m.Score)
				}
				if m.Assigned {
					t.Errorf("%s (self-training %v): %s assigned on nothing (%v)", name, self, m.TopicID, m.Score)
				}
			}
		}
	}
}
