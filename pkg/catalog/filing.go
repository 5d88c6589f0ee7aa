package catalog

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Evidence is why the classifier assigned a topic: the few words of the
// document that decided it, what a match rule matched, or an LLM's short
// reason (document_topics.evidence, a JSON array). It is [] in JSON when
// there is none (a person's choice).
type Evidence []string

// Scan reads document_topics.evidence (jsonb, or NULL).
func (e *Evidence) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*e = nil
		return nil
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return fmt.Errorf("evidence: cannot read %T", src)
	}
	var ws []string
	if err := json.Unmarshal(b, &ws); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	*e = ws
	return nil
}

// Value writes e as JSON (NULL when empty).
func (e Evidence) Value() (driver.Value, error) {
	if len(e) == 0 {
		return nil, nil
	}
	return json.Marshal([]string(e))
}

// MarshalJSON writes e as a JSON array, [] when empty.
func (e Evidence) MarshalJSON() ([]byte, error) {
	if e == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]string(e))
}

// RuleRef is the match rule that assigned a topic to a document: the
// topic's rule as it is now (topics.matching_algorithm and match), for a
// topic its rule filed (document_topics.by_rule).
type RuleRef struct {
	Algorithm string `json:"algorithm"` // any, all, literal, regex or fuzzy
	Match     string `json:"match"`
}

// Scan reads a rule written by SQL's json_build_object (never NULL: a
// NULL column leaves a *RuleRef nil).
func (r *RuleRef) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return fmt.Errorf("match rule: cannot read %T", src)
	}
	if err := json.Unmarshal(b, r); err != nil {
		return fmt.Errorf("match rule: %w", err)
	}
	return nil
}

// String says what the rule looks for, as doc show prints it: any of
// "invoice receipt", the pattern /INV-\d+/.
func (r RuleRef) String() string {
	switch r.Algorithm {
	case "any":
		return fmt.Sprintf("any of %q", r.Match)
	case "all":
		return fmt.Sprintf("all of %q", r.Match)
	case "literal":
		return fmt.Sprintf("the phrase %q", r.Match)
	case "regex":
		return fmt.Sprintf("the pattern /%s/", r.Match)
	case "fuzzy":
		return fmt.Sprintf("a close match for %q", r.Match)
	}
	return fmt.Sprintf("%s %q", r.Algorithm, r.Match)
}

// ruleColumn is a document topic's RuleRef as SQL: NULL unless its rule
// assigned it (dt is document_topics, t topics).
const ruleColumn = `CASE WHEN dt.by_rule THEN json_build_object('algorithm', t.matching_algorithm, 'match', t.match) END`

// Candidate is one of the topics the classifier found best for a document
// when it classified it, with its score (0 to 1) and evidence: what an
// unfiled document can be filed under with one click. Topics deleted since,
// or made manual-only (auto_assign false), are left out.
type Candidate struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Color    string   `json:"color"`
	Score    float64  `json:"score"`
	Evidence Evidence `json:"evidence"`
}

// withCandidates fills d.Candidates from documents.candidates, best first;
// [] for a document classified with no candidate, nil (left out of JSON)
// for one not classified.
func withCandidates(ctx context.Context, db sqlx.QueryerContext, d *Document) error {
	var raw []byte
	err := sqlx.GetContext(ctx, db, &raw, `SELECT CASE WHEN d.candidates IS NULL THEN NULL ELSE
			COALESCE((SELECT json_agg(json_build_object('id', t.id, 'name', t.name, 'color', t.color,
				'score', (c->>'score')::float8, 'evidence', c->'evidence') ORDER BY x.n)
			FROM jsonb_array_elements(d.candidates) WITH ORDINALITY AS x(c, n)
			JOIN topics t ON t.id = (x.c->>'topic_id')::uuid AND t.auto_assign), '[]') END
		FROM documents d WHERE d.id = $1`, d.ID)
	if err != nil {
		return fmt.Errorf("document candidates: %w", err)
	}
	if raw == nil {
		return nil
	}
	if err := json.Unmarshal(raw, &d.Candidates); err != nil {
		return fmt.Errorf("document candidates: %w", err)
	}
	return nil
}
