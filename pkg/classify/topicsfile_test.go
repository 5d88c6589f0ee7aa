package classify_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/pkg/classify"
)

func TestParseTopics(t *testing.T) {
	good := []struct{ name, in string }{
		{"yaml", "- name: Taxes\n  description: tax returns\n  match: Finanzamt\n- name: Health\n  examples: [\"doctor's letter\"]\n"},
		{"json", `[{"name":"Taxes","description":"tax returns","algorithm":"regex","match":"steuer\\w*"},{"name":"Health"}]`},
		// Valid JSON that is not YAML: a raw DEL in an example, as in text
		// copied from a document (five Reuters stories have one).
		{"json with a raw DEL", "[{\"name\":\"Taxes\",\"description\":\"tax returns\",\"examples\":[\"net\x7f income\"]},{\"name\":\"Health\"}]"},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			specs, err := classify.ParseTopics([]byte(tc.in))
			if err != nil || len(specs) != 2 || specs[0].Name != "Taxes" || specs[0].Description != "tax returns" {
				t.Fatalf("%+v %v", specs, err)
			}
			if r := specs[0].Rule(); r.Algorithm == classify.MatchNone || !r.CaseInsensitive {
				t.Errorf("rule %+v", r)
			}
		})
	}
	bad := []struct{ name, in, want string }{
		{"empty file", "", "it is empty"},
		{"empty list", "[]", "lists no topics"},
		{"not a list", "name: Taxes", "expected a list of topics"},
		{"malformed", "- name: [unclosed", "invalid topics file"},
		{"unknown field", "- name: Taxes\n  colour: red\n", "colour"},
		{"json, unknown field", `[{"name":"Taxes","colour":"red"}]`, "colour"},
		{"json, not a list", `{"name":"Taxes"}`, "expected a list of topics"},
		{"json null", `null`, "lists no topics"},
		{"yaml with a raw DEL", "- name: Taxes\n  description: \"tax\x7f\"\n", "control characters"},
		{"no name", "- description: x\n", "topic 1 has no name"},
		{"duplicate names", "- name: Taxes\n- name: taxes\n", `topics 1 and 2 are both named "taxes"`},
		{"invalid regex", "- name: Taxes\n  algorithm: regex\n  match: '(unclosed'\n", `topic "Taxes": invalid match rule`},
		{"unknown algorithm", "- name: Taxes\n  algorithm: magic\n  match: x\n", "is not one of"},
		{"name too long", "- name: " + strings.Repeat("x", 101) + "\n", "1 to 100 characters"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := classify.ParseTopics([]byte(tc.in))
			if !errors.Is(err, classify.ErrTopicsFile) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrTopicsFile saying %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestFromSpecs(t *testing.T) {
	specs, err := classify.ParseTopics([]byte(`
- name: Garden
  description: plants
  examples: ["lawn mowing and hedge trimming invoice", "apple trees pruned, lawn fertilised"]
- name: Kids
  description: school
  match: kindergarten
`))
	if err != nil {
		t.Fatal(err)
	}
	c, topics, err := classify.FromSpecs(context.Background(), specs, nil, classify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := assigned(t, c, classify.Document{Text: "lawn mowing and pruning the apple trees"}, topics); len(got) != 1 || got[0] != "Garden" {
		t.Errorf("examples: %v", got)
	}
	if got := assigned(t, c, classify.Document{Text: "Kindergarten fees"}, topics); len(got) != 1 || got[0] != "Kids" {
		t.Errorf("rule: %v", got)
	}
}

func FuzzParseTopics(f *testing.F) {
	f.Add([]byte("- name: Taxes\n  match: x\n"))
	f.Add([]byte(`[{"name":"a","algorithm":"regex","match":"("}]`))
	f.Add([]byte("- name: &a x\n- name: *a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		specs, err := classify.ParseTopics(data)
		if err != nil {
			if !errors.Is(err, classify.ErrTopicsFile) {
				t.Fatalf("error %v does not wrap ErrTopicsFile", err)
			}
			return
		}
		if len(specs) == 0 {
			t.Fatal("no error and no topics")
		}
		if _, _, err := classify.FromSpecs(context.Background(), specs, nil, classify.Options{}); err != nil {
			t.Fatal(err)
		}
	})
}
