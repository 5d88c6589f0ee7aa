package classify_test

import (
	"context"
	"testing"

	"github.com/docuvault/docuvault/pkg/classify"
)

func TestWordOverlap(t *testing.T) {
	topics := []classify.Topic{
		{ID: "fin", Name: "Finance", Description: "invoices, bank statements, taxes"},
		{ID: "health", Name: "Health", Description: "doctor, hospital, prescriptions"},
		{ID: "car", Name: "Car insurance", Description: ""},
	}
	cases := []struct {
		name, filename, text string
		want                 []string
	}{
		{"name as a word", "x.pdf", "Finance report 2025", []string{"fin"}},
		{"description words, plural stems", "scan.pdf", "Your invoice from the bank; taxes included", []string{"fin"}},
		{"one description word is not enough", "a.txt", "a doctor", nil},
		{"multi-word name as a phrase", "a.txt", "renewal of your car insurance", []string{"car"}},
		{"name inside another word does not count", "a.txt", "carpet and healthy food", nil},
		{"filename counts", "hospital_doctor_prescription.txt", "", []string{"health"}},
		{"nothing", "a.txt", "roses are red", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := classify.WordOverlap{}.Classify(context.Background(), classify.Document{Filename: tc.filename, Text: tc.text}, topics)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, m := range got {
				ids = append(ids, m.TopicID)
				if m.Score <= 0 || m.Score > 1 {
					t.Errorf("score %v out of (0, 1]", m.Score)
				}
			}
			if len(ids) != len(tc.want) || (len(ids) > 0 && ids[0] != tc.want[0]) {
				t.Errorf("got %v, want %v", ids, tc.want)
			}
		})
	}
	if got, _ := (classify.WordOverlap{}).Classify(context.Background(), classify.Document{Text: "finance"}, nil); len(got) != 0 {
		t.Errorf("no topics: %v", got)
	}
}
