package classify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// TopicSpec is one topic of a topics file: what `docuvault classify`
// tries before anything is stored.
type TopicSpec struct {
	Name          string   `yaml:"name" json:"name"`
	Description   string   `yaml:"description" json:"description"`
	Match         string   `yaml:"match" json:"match,omitempty"`
	Algorithm     string   `yaml:"algorithm" json:"algorithm,omitempty"`
	CaseSensitive bool     `yaml:"case_sensitive" json:"case_sensitive,omitempty"`
	Examples      []string `yaml:"examples" json:"examples,omitempty"`
}

// ErrTopicsFile is returned by ParseTopics for a file that cannot be used.
var ErrTopicsFile = errors.New("invalid topics file")

// MaxTopicNameLen is the longest topic name, in characters (as pkg/topics).
const MaxTopicNameLen = 100

// ParseTopics reads a topics file: YAML or JSON, a list of {name,
// description, match?, algorithm?, case_sensitive?, examples?}. It refuses
// an empty list, unknown fields, a missing or duplicate name and a match
// rule that does not compile, naming the topic.
//
// A file that is valid JSON is read as JSON: JSON is nearly YAML, but a
// JSON string may hold characters YAML refuses raw (DEL and the other
// control characters past U+007E), as text copied from documents into
// examples does.
func ParseTopics(data []byte) ([]TopicSpec, error) {
	var specs []TopicSpec
	var err error
	if json.Valid(data) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		err = dec.Decode(&specs)
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		err = dec.Decode(&specs)
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: it is empty; list topics as [{name: …, description: …}, …]", ErrTopicsFile)
		}
		msg := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "yaml: "), "json: ")
		if strings.Contains(msg, "into []classify.TopicSpec") || strings.Contains(msg, "of type []classify.TopicSpec") {
			msg = "expected a list of topics, like [{name: Taxes, description: tax returns}]"
		}
		msg = strings.ReplaceAll(msg, "classify.TopicSpec", "topic")
		return nil, fmt.Errorf("%w: %s", ErrTopicsFile, oneLine(msg))
	}
	if len(specs) == 0 {
		return nil, fmt.Errorf("%w: it lists no topics", ErrTopicsFile)
	}
	seen := map[string]int{}
	for i, s := range specs {
		name := strings.TrimSpace(s.Name)
		specs[i].Name = name
		switch {
		case name == "":
			return nil, fmt.Errorf("%w: topic %d has no name", ErrTopicsFile, i+1)
		case !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxTopicNameLen:
			return nil, fmt.Errorf("%w: topic %d: a name has 1 to %d characters", ErrTopicsFile, i+1, MaxTopicNameLen)
		}
		if j, dup := seen[strings.ToLower(name)]; dup {
			return nil, fmt.Errorf("%w: topics %d and %d are both named %q", ErrTopicsFile, j+1, i+1, name)
		}
		seen[strings.ToLower(name)] = i
		if _, err := specs[i].Rule().Compile(); err != nil {
			return nil, fmt.Errorf("%w: topic %q: %w", ErrTopicsFile, name, err)
		}
	}
	return specs, nil
}

// Rule is the spec's match rule ("any" when only a match text is given).
func (s TopicSpec) Rule() Rule {
	algo := s.Algorithm
	if algo == "" && s.Match != "" {
		algo = MatchAny
	}
	return Rule{Match: s.Match, Algorithm: algo, CaseInsensitive: !s.CaseSensitive}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// FromSpecs builds the classifier `docuvault classify` runs: Builtin
// trained on the specs' names, descriptions and examples (and on
// background, the unlabelled texts of the batch), behind the specs' match
// rules. Each topic's ID is its name.
func FromSpecs(ctx context.Context, specs []TopicSpec, background []string, o Options) (Classifier, []Topic, error) {
	topics := make([]Topic, len(specs))
	var examples []Example
	for i, s := range specs {
		topics[i] = Topic{ID: s.Name, Name: s.Name, Description: s.Description, Rule: s.Rule()}
		for _, e := range s.Examples {
			examples = append(examples, Example{Text: e, TopicIDs: []string{s.Name}})
		}
	}
	b, err := Train(ctx, TrainInput{Topics: topics, Examples: examples, Background: background}, o)
	if err != nil {
		return nil, nil, err
	}
	return WithRules{Base: b}, topics, nil
}
