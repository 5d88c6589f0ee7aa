package cli

import (
	"strings"
	"testing"
)

// TestTopicRuleTooComplex (issue 20, D3): `topic add` with a regex over the
// bounds is a --match value that cannot be used: exit 64 (usage), one line
// saying what to change, nothing stored.
func TestTopicRuleTooComplex(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	r := d.run(t, nil, "topic", "add", "Slow", "--algorithm", "regex", "--match", `(?:\w+\s?){1000}Z`)
	r.check(t, 64, "", "at most 100 are allowed (counts of nested {n} multiply): use a smaller {n}, or + or *")
	if n := strings.Count(r.stderr, "\n"); n != 1 {
		t.Errorf("stderr has %d lines, want 1: %q", n, r.stderr)
	}
	d.run(t, nil, "topic", "add", "Fine", "--algorithm", "regex", "--match", `No\. \d{4}`).check(t, 0, "created topic", "")
	if r := d.run(t, nil, "topic", "list"); strings.Contains(r.stdout, "Slow") || !strings.Contains(r.stdout, "Fine") {
		t.Errorf("topic list after the refused add:\n%s", r.stdout)
	}
}
