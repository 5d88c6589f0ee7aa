package cmd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/classify"
	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/extract"
)

// classifyOptions are the flags of `docuvault classify`.
type classifyOptions struct {
	TopicsFile string
	JSON       bool
	Threshold  float64
	NoAdapt    bool
}

func newClassifyCommand(a *app) *cobra.Command {
	var o classifyOptions
	c := &cobra.Command{
		Use:   "classify --topics FILE [--json] [INPUT…]",
		Short: "Try topics on documents without storing anything (an offline dry run)",
		Long: `Score documents against a topics file, as the worker's builtin classifier
would, without storing anything or needing any service: tune topics before
uploading.

FILE is YAML or JSON, a list of topics:
  - name: Taxes
    description: tax returns, assessments and receipts for the tax office
    match: "Finanzamt"        # optional rule: always assigns the topic
    algorithm: any            # any (default), all, literal, regex, fuzzy
    examples: ["text of a document that belongs here", …]   # optional

Each INPUT is a file (its text extracted as the worker does) or "-" for
JSON lines {"id": "…", "text": "…"} on standard input. Every topic is
printed with its score (0 to 1); those at or above --threshold are assigned.
The inputs also teach the classifier which words go with which topic
(self-training), as the owner's stored documents do in the worker; --no-adapt
scores each input on names, descriptions and examples alone.

--json prints one line per input:
  {"id":"…","topics":[{"name":"…","score":0.91,"assigned":true,"evidence":["…"]},…]}
(evidence: the words of the input that weigh most for the topic, or what
its match rule matched)`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.TopicsFile == "" {
				return usageErrorf("classify: --topics FILE is required")
			}
			if o.Threshold < 0 || o.Threshold > 1 {
				return usageErrorf("classify: --threshold must be between 0 and 1, not %v", o.Threshold)
			}
			return a.runClassify(cmd.Context(), o, args, cmd.InOrStdin())
		},
	}
	c.Flags().StringVar(&o.TopicsFile, "topics", "", "topics file (YAML or JSON)")
	c.Flags().BoolVar(&o.JSON, "json", false, "print JSON lines")
	c.Flags().Float64Var(&o.Threshold, "threshold", classify.DefaultThreshold, "least score that assigns a topic")
	c.Flags().BoolVar(&o.NoAdapt, "no-adapt", false, "do not learn from the inputs themselves")
	return c
}

type classifyInput struct {
	ID, Filename, Text string
	Err                error
}

type classifyLine struct {
	ID     string          `json:"id"`
	Topics []classifyTopic `json:"topics,omitempty"`
	Error  string          `json:"error,omitempty"`
}

type classifyTopic struct {
	Name     string  `json:"name"`
	Score    float64 `json:"score"`
	Assigned bool    `json:"assigned"`
	Rule     bool    `json:"rule,omitempty"`
	// Evidence is what decided the score: the words of the input that
	// weigh most for the topic, or what its match rule matched.
	Evidence []string `json:"evidence,omitempty"`
}

func (a *app) runClassify(ctx context.Context, o classifyOptions, args []string, stdin io.Reader) error {
	data, err := os.ReadFile(o.TopicsFile)
	if err != nil {
		return fmt.Errorf("classify: read the topics file: %w", err)
	}
	specs, err := classify.ParseTopics(data)
	if err != nil {
		return fmt.Errorf("classify: %s: %w", o.TopicsFile, err)
	}
	x := a.extractor(runtime.NumCPU(), "", false)
	var inputs []classifyInput
	for _, arg := range args {
		if arg == "-" {
			in, err := readJSONInputs(stdin)
			if err != nil {
				return err
			}
			inputs = append(inputs, in...)
			continue
		}
		inputs = append(inputs, extractFile(ctx, x, arg))
	}
	var background []string
	if !o.NoAdapt {
		for _, in := range inputs {
			if in.Err == nil {
				background = append(background, in.Filename+"\n"+in.Text)
			}
		}
	}
	c, topics, err := classify.FromSpecs(ctx, specs, background, classify.Options{Threshold: o.Threshold, SelfTrain: !o.NoAdapt})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(a.stdout)
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	failed := 0
	for _, in := range inputs {
		line := classifyLine{ID: in.ID}
		if in.Err != nil {
			failed++
			line.Error = in.Err.Error()
		} else {
			res, err := c.Classify(ctx, classify.Document{Filename: in.Filename, Text: in.Text}, topics)
			if err != nil {
				return err
			}
			for _, m := range res.Matches {
				line.Topics = append(line.Topics, classifyTopic{Name: m.TopicID, Score: m.Score, Assigned: m.Assigned, Rule: m.ByRule, Evidence: m.Evidence})
			}
		}
		if o.JSON {
			if err := enc.Encode(line); err != nil {
				return err
			}
			continue
		}
		if line.Error != "" {
			fmt.Fprintf(a.stderr, "%s: %s\n", line.ID, line.Error)
			continue
		}
		fmt.Fprintf(tw, "%s\n", line.ID)
		for _, t := range line.Topics {
			mark := ""
			switch {
			case t.Rule:
				mark = "assigned (match rule)"
			case t.Assigned:
				mark = "assigned"
			}
			why := ""
			if len(t.Evidence) > 0 {
				why = strings.Join(t.Evidence, ", ")
			}
			fmt.Fprintf(tw, "  %s\t%.2f\t%s\t%s\n", t.Name, t.Score, mark, why)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if failed > 0 {
		return exitcode.Some(failed, len(inputs), fmt.Errorf("classify: %d of %d input(s) could not be read", failed, len(inputs)))
	}
	return nil
}

// readJSONInputs reads {"id","text"} lines; a bad line becomes an input
// that failed, named by its line number.
func readJSONInputs(r io.Reader) ([]classifyInput, error) {
	var out []classifyInput
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for n := 1; sc.Scan(); n++ {
		raw := sc.Bytes()
		if len(raw) == 0 {
			continue
		}
		var v struct {
			ID       *string `json:"id"`
			Text     *string `json:"text"`
			Filename string  `json:"filename"`
		}
		in := classifyInput{ID: fmt.Sprintf("stdin:%d", n)}
		switch err := json.Unmarshal(raw, &v); {
		case err != nil:
			in.Err = fmt.Errorf("not a JSON object {\"id\": …, \"text\": …}: %w", err)
		case v.Text == nil:
			in.Err = errors.New("no \"text\"")
		default:
			if v.ID != nil {
				in.ID = *v.ID
			}
			in.Text, in.Filename = *v.Text, v.Filename
		}
		out = append(out, in)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("classify: read standard input: %w", err)
	}
	return out, nil
}

// extractFile reads a file's text as the worker would.
func extractFile(ctx context.Context, x *extract.Extractor, path string) classifyInput {
	line := readFileText(ctx, x, path)
	in := classifyInput{ID: path, Filename: filepath.Base(path), Text: line.Text}
	if line.Error != "" {
		in.Err = errors.New(line.Error)
	}
	return in
}
