package classify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/pkg/classify"
)

// manual is a long reference manual: its subject's words are a small part
// of thousands of generic ones ("version", "file", "function", …).
func manual(subject string, generic []string, n int) string {
	var b strings.Builder
	b.WriteString("Reference manual. " + subject + "\n")
	for i := range n {
		b.WriteString(generic[i%len(generic)])
		b.WriteString(" ")
		if i%97 == 0 {
			b.WriteString(subject + " ")
		}
	}
	return b.String()
}

var softwareTopics = []classify.Topic{
	{ID: "vcs", Name: "Version control", Description: "Git repositories, commits, branches, merging"},
	{ID: "r", Name: "R and statistics", Description: "The R language: statistical models, regression, data frames, plots"},
	{ID: "pkg", Name: "Packaging", Description: "software packages, package archives, installing packages"},
	{ID: "sec", Name: "Security", Description: "cryptography, certificates, X.509, ASN.1 libraries"},
}

// generic words of any software manual, many of them a topic's too.
var generic = strings.Fields(`version file function option value command return system use example
	release output input default error list name type number string data
	section chapter see also following note user manual page library program code source build`)

// TestLongDocumentsFiled: a long manual is filed under its subject (and
// assigned), with no other document of its owner's to tell generic words
// from telling ones, as the worker classifies a new owner's first ones.
func TestLongDocumentsFiled(t *testing.T) {
	b, err := classify.Train(context.Background(), classify.TrainInput{Topics: softwareTopics}, classify.Options{SelfTrain: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ subject, want string }{
		// One-letter capitals count when a topic is named with them; the
		// package words of a language's FAQ do not make it a packaging one.
		{"R is a language for statistical computing: R regression models, R data frames, R plots. Install R packages from the CRAN package archive.", "r"},
		// asn1_create_element is "asn" and "1": it meets "ASN.1".
		{"libtasn1: asn1_create_element, asn1_der_coding, asn1_read_value decode ASN.1 DER certificates.", "sec"},
		{"git commit, git branch, git merge and git rebase rewrite a repository's history.", "vcs"},
	} {
		doc := manual(tc.subject, generic, 40000)
		res, err := b.Classify(context.Background(), classify.Document{Filename: "manual.pdf", Text: doc}, softwareTopics)
		if err != nil {
			t.Fatal(err)
		}
		if top := res.Matches[0]; top.TopicID != tc.want || !top.Assigned {
			t.Errorf("%.30q…: best %s %.2f (assigned %v), want %s assigned; all %+v", tc.subject, top.TopicID, top.Score, top.Assigned, tc.want, res.Matches)
		}
	}
}

// TestOneLetterWordsOnlyWhenATopicHasThem: "R" counts for a topic named
// with it; a stray capital ("U.S.", "E21") does not make a word.
func TestOneLetterWordsOnlyWhenATopicHasThem(t *testing.T) {
	household := []classify.Topic{{ID: "fin", Name: "Finance", Description: "invoices, bank, taxes"}, {ID: "car", Name: "Car", Description: "garage, repair, tyres"}}
	b, err := classify.Train(context.Background(), classify.TrainInput{Topics: household}, classify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.Classify(context.Background(), classify.Document{Text: "R R R R R U S E"}, household)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range res.Matches {
		if m.Score != 0 {
			t.Errorf("%s scored %v on one-letter words no topic has", m.TopicID, m.Score)
		}
	}
	b, err = classify.Train(context.Background(), classify.TrainInput{Topics: softwareTopics}, classify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err = b.Classify(context.Background(), classify.Document{Text: "R R R R R"}, softwareTopics)
	if err != nil {
		t.Fatal(err)
	}
	if res.Matches[0].TopicID != "r" || res.Matches[0].Score == 0 {
		t.Errorf("a text of R's: %+v, want R and statistics first", res.Matches)
	}
}
