package classify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/pkg/classify"
)

var household = []classify.Topic{
	{ID: "fin", Name: "Finance", Description: "invoices, bank statements, taxes"},
	{ID: "health", Name: "Health", Description: "doctor, hospital, prescriptions"},
	{ID: "car", Name: "Car insurance", Description: ""},
}

func train(t *testing.T, in classify.TrainInput) *classify.Builtin {
	t.Helper()
	b, err := classify.Train(context.Background(), in, classify.Options{SelfTrain: true})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func assigned(t *testing.T, c classify.Classifier, doc classify.Document, topics []classify.Topic) []string {
	t.Helper()
	res, err := c.Classify(context.Background(), doc, topics)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Matches) != len(topics) {
		t.Fatalf("%d matches for %d topics", len(res.Matches), len(topics))
	}
	known := map[string]bool{}
	for _, tp := range topics {
		known[tp.ID] = true
	}
	var ids []string
	for i, m := range res.Matches {
		if !known[m.TopicID] {
			t.Fatalf("invented topic %q", m.TopicID)
		}
		if m.Score < 0 || m.Score > 1 {
			t.Errorf("score %v out of [0, 1]", m.Score)
		}
		if i > 0 && m.Score > res.Matches[i-1].Score && !res.Matches[i-1].ByRule {
			t.Errorf("matches not best first: %+v", res.Matches)
		}
		if m.Assigned {
			ids = append(ids, m.TopicID)
		}
	}
	return ids
}

func TestBuiltinZeroShot(t *testing.T) {
	b := train(t, classify.TrainInput{Topics: household})
	cases := []struct {
		name, filename, text string
		want                 []string
	}{
		{"name as a word", "x.pdf", "Finance report 2025", []string{"fin"}},
		{"description words, plural stems", "scan.pdf", "Your invoice from the bank; taxes included", []string{"fin"}},
		{"multi-word name", "a.txt", "renewal of your car insurance policy", []string{"car"}},
		{"name inside another word does not count", "a.txt", "carpet and wooden floors", nil},
		{"word forms meet", "letter.txt", "the prescribed antibiotics, after the inspection", []string{"health"}},
		{"filename counts", "hospital_doctor_prescription.txt", "", []string{"health"}},
		{"nothing", "a.txt", "roses are red", nil},
		{"no text at all", "", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := assigned(t, b, classify.Document{Filename: tc.filename, Text: tc.text}, household)
			if len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if res, err := b.Classify(context.Background(), classify.Document{Text: "finance"}, nil); err != nil || len(res.Matches) != 0 {
		t.Errorf("no topics: %+v %v", res, err)
	}
}

// A person's filings teach it words the topic's name and description lack.
func TestBuiltinLearnsFromExamples(t *testing.T) {
	topics := []classify.Topic{
		{ID: "garden", Name: "Garden", Description: "plants and the garden"},
		{ID: "kids", Name: "Kids", Description: "school and the children"},
	}
	doc := classify.Document{Text: "Quote for pruning the apple trees and mowing the lawn"}
	before := assigned(t, train(t, classify.TrainInput{Topics: topics}), doc, topics)
	if len(before) != 0 {
		t.Fatalf("zero-shot already assigns %v; the test needs a document it cannot place", before)
	}
	examples := []classify.Example{
		{Text: "Invoice: lawn mowing, hedge trimming, apple trees pruned", TopicIDs: []string{"garden"}},
		{Text: "Lawn care plan: mowing every two weeks, fertiliser", TopicIDs: []string{"garden"}},
		{Text: "Parent evening at the primary school, class 3b", TopicIDs: []string{"kids"}},
		{Text: "Kindergarten fees for the children, autumn term", TopicIDs: []string{"kids"}},
	}
	after := assigned(t, train(t, classify.TrainInput{Topics: topics, Examples: examples}), doc, topics)
	if len(after) != 1 || after[0] != "garden" {
		t.Errorf("after learning: %v, want [garden]", after)
	}
	// An example filed under every topic teaches nothing to tell them apart
	// (and must not break training).
	all := append(examples, classify.Example{Text: "lawn and school", TopicIDs: []string{"garden", "kids"}})
	if got := assigned(t, train(t, classify.TrainInput{Topics: topics, Examples: all}), doc, topics); len(got) != 1 || got[0] != "garden" {
		t.Errorf("with an example under every topic: %v", got)
	}
	// An example naming a topic that is not among the topics is ignored.
	ghost := append(examples, classify.Example{Text: "pruning trees mowing lawn", TopicIDs: []string{"ghost"}})
	if got := assigned(t, train(t, classify.TrainInput{Topics: topics, Examples: ghost}), doc, topics); len(got) != 1 || got[0] != "garden" {
		t.Errorf("with a ghost topic: %v", got)
	}
}

// A topic deleted after training is left out; one added is scored 0.
func TestBuiltinTopicsChanged(t *testing.T) {
	b := train(t, classify.TrainInput{Topics: household})
	now := []classify.Topic{household[0], {ID: "new", Name: "Travel"}}
	res, err := b.Classify(context.Background(), classify.Document{Text: "travel invoice from the bank"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Matches) != 2 || res.Matches[0].TopicID != "fin" || res.Matches[1].Score != 0 {
		t.Errorf("got %+v", res.Matches)
	}
}

func TestBuiltinCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := classify.Train(ctx, classify.TrainInput{Topics: household, Background: []string{"a"}}, classify.Options{}); err == nil {
		t.Error("Train ignored a canceled context")
	}
}

// Self-training on a batch that is mostly about none of the topics must not
// teach a topic the words of the unrelated documents: a few of them share a
// word with a topic's description, and unguarded self-training took those
// in, then the rest of their kind, and filed nearly all of them.
func TestBuiltinSelfTrainUnrelatedBatch(t *testing.T) {
	topics := []classify.Topic{
		{ID: "fin", Name: "Finance", Description: "invoices, bank statements, taxes, payments"},
		{ID: "health", Name: "Health", Description: "doctor, hospital, prescriptions"},
		{ID: "travel", Name: "Travel", Description: "flights, hotels, trips, bookings"},
	}
	inDomain := []struct{ text, want string }{
		{"Bank statement for March: payments, transfers and the account balance", "fin"},
		{"Invoice 2231: amount due, payment by bank transfer, VAT and taxes", "fin"},
		{"Tax return 2024: income, deductions and the taxes owed", "fin"},
		{"The doctor's letter after the hospital visit, with the prescription", "health"},
		{"Prescription for antibiotics from Dr. Weber; see your doctor again in a week", "health"},
		{"Hospital discharge summary and the doctor's notes", "health"},
		{"Flight booking confirmation: Berlin to Lisbon, seat 14C", "travel"},
		{"Hotel booking for the trip to Rome, three nights", "travel"},
		{"Your flights and hotel for the trip: itinerary and bookings", "travel"},
	}
	// Manual pages: a few mention an invoice, a payment or a booking in
	// passing, the rest are about washing machines and routers only.
	sentences := []string{
		"Load the drum with laundry and close the door until it clicks.",
		"Select the programme with the dial and press start.",
		"The detergent drawer has three compartments for powder and softener.",
		"Clean the lint filter at the bottom of the machine every month.",
		"If the display shows error E21 the drain pump is blocked.",
		"Connect the router to the modem with the supplied ethernet cable.",
		"The wireless network name and password are printed on the label.",
		"Hold the reset button for ten seconds to restore the factory settings.",
		"Update the firmware from the settings page of the web interface.",
		"The status light blinks green while the device starts up.",
		"Do not place the appliance near radiators or in direct sunlight.",
		"Unplug the power cord before you open the housing.",
		"The spin speed can be reduced for delicate fabrics.",
		"Descale the heating element with citric acid twice a year.",
		"Port forwarding rules are set under advanced network settings.",
	}
	passing := []string{
		"Keep the invoice as proof of purchase for the warranty.",
		"Spare parts can be ordered with payment on delivery.",
		"Bookings for a service appointment are made by phone.",
	}
	var unrelated []string
	for i := 0; i < 40; i++ {
		var parts []string
		for j := 0; j < 6; j++ {
			parts = append(parts, sentences[(i*7+j*j+j)%len(sentences)])
		}
		if i%5 == 0 {
			parts = append(parts, passing[(i/5)%len(passing)])
		}
		unrelated = append(unrelated, strings.Join(parts, " "))
	}
	var batch []string
	for _, d := range inDomain {
		batch = append(batch, d.text)
	}
	batch = append(batch, unrelated...)
	b := train(t, classify.TrainInput{Topics: topics, Background: batch})
	filed := 0
	for _, s := range unrelated {
		if len(assigned(t, b, classify.Document{Text: s}, topics)) > 0 {
			filed++
		}
	}
	if filed > len(unrelated)/5 {
		t.Errorf("%d of %d unrelated documents got a topic", filed, len(unrelated))
	}
	for _, d := range inDomain {
		if got := assigned(t, b, classify.Document{Text: d.text}, topics); len(got) == 0 || got[0] != d.want {
			t.Errorf("%q: got %v, want %s", d.text, got, d.want)
		}
	}
}
