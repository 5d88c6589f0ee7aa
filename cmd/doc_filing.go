package cmd

import (
	"fmt"
	"strings"

	"github.com/docuvault/docuvault/pkg/catalog"
)

// topicLine is one of a document's topics for doc show: who filed it, the
// classifier's score and why: "Taxes (classifier, score 0.91: tax return,
// assessment, deduction)", or the rule that did: "Bills (match rule: any of
// "invoice receipt"; matched invoice)".
func topicLine(t catalog.TopicRef) string {
	if t.Source != "auto" {
		return t.Name + " (filed by a person)"
	}
	if t.Rule != nil {
		how := "match rule: " + t.Rule.String()
		if len(t.Evidence) > 0 {
			how += "; matched " + strings.Join(t.Evidence, ", ")
		}
		return fmt.Sprintf("%s (%s)", t.Name, how)
	}
	how := "classifier"
	if t.Score != nil {
		how = fmt.Sprintf("classifier, score %.2f", *t.Score)
	}
	if len(t.Evidence) > 0 {
		how += ": " + strings.Join(t.Evidence, ", ")
	}
	return fmt.Sprintf("%s (%s)", t.Name, how)
}

// listTopics is a document's topics for doc list, or "(unfiled)" for a
// classified document under no topic.
func listTopics(d catalog.Document) string {
	if d.Status == "classified" && len(d.Topics) == 0 {
		return "(unfiled)"
	}
	return topicNames(d.Topics)
}

// candidatesLine is an unfiled document's best candidates for doc show,
// with how to file it under the first: `Not filed. Best candidates: Taxes
// 0.41 (tax, refund), Health 0.12 (doctor); file it with: docuvault doc
// topics ID --set "Taxes"`. "" for a document with topics, or none.
func candidatesLine(d catalog.Document) string {
	if len(d.Topics) > 0 || d.Status != "classified" {
		return ""
	}
	if len(d.Candidates) == 0 {
		return "Not filed, and no topic comes close"
	}
	parts := make([]string, len(d.Candidates))
	for i, c := range d.Candidates {
		parts[i] = fmt.Sprintf("%s %.2f", c.Name, c.Score)
		if len(c.Evidence) > 0 {
			parts[i] += " (" + strings.Join(c.Evidence, ", ") + ")"
		}
	}
	return fmt.Sprintf("Not filed. Best candidates: %s; file it with: docuvault doc topics %s --set %q",
		strings.Join(parts, ", "), d.ID, d.Candidates[0].Name)
}
