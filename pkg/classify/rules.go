package classify

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Matching algorithms of a topic's rule, as paperless-ngx names them.
const (
	MatchNone    = "none"    // no rule
	MatchAny     = "any"     // any of the words (or "quoted phrases") occurs
	MatchAll     = "all"     // every one of them occurs
	MatchLiteral = "literal" // the exact text occurs, between word boundaries
	MatchRegex   = "regex"   // the regular expression (Go RE2 syntax) matches
	MatchFuzzy   = "fuzzy"   // the text occurs with at most 10% of its characters different
)

// Algorithms lists the valid matching algorithms.
func Algorithms() []string {
	return []string{MatchNone, MatchAny, MatchAll, MatchLiteral, MatchRegex, MatchFuzzy}
}

// Rule is a topic's match rule.
type Rule struct {
	Match           string
	Algorithm       string
	CaseInsensitive bool
}

// ErrBadRule is returned by Rule.Compile for a rule that cannot be used.
var ErrBadRule = errors.New("invalid match rule")

// Matcher is a compiled rule.
type Matcher struct {
	rule  Rule
	terms []string       // any, all
	re    *regexp.Regexp // literal, regex
}

// Compile checks the rule and prepares it. A rule with algorithm none (or
// "") or an empty match compiles to a Matcher that never matches.
func (r Rule) Compile() (*Matcher, error) {
	if r.Algorithm == "" {
		r.Algorithm = MatchNone
	}
	m := &Matcher{rule: r}
	match := strings.TrimSpace(r.Match)
	if r.Algorithm == MatchNone || match == "" {
		if r.Algorithm != MatchNone && r.Algorithm != "" && match == "" {
			return nil, fmt.Errorf("%w: algorithm %s needs a match text", ErrBadRule, r.Algorithm)
		}
		return m, nil
	}
	if !utf8.ValidString(match) {
		return nil, fmt.Errorf("%w: the match text is not valid UTF-8", ErrBadRule)
	}
	flags := ""
	if r.CaseInsensitive {
		flags = "(?i)"
	}
	switch r.Algorithm {
	case MatchAny, MatchAll:
		m.terms = splitTerms(match)
		if r.CaseInsensitive {
			for i, t := range m.terms {
				m.terms[i] = strings.ToLower(t)
			}
		}
	case MatchLiteral:
		re, err := regexp.Compile(flags + `(?:^|\W)` + regexp.QuoteMeta(match) + `(?:\W|$)`)
		if err != nil {
			return nil, fmt.Errorf("%w: literal %q: %v", ErrBadRule, match, err)
		}
		m.re = re
	case MatchRegex:
		re, err := regexp.Compile(flags + match)
		if err != nil {
			return nil, fmt.Errorf("%w: regex %q: %v", ErrBadRule, match, err)
		}
		m.re = re
	case MatchFuzzy:
		if len([]rune(match)) > 200 {
			return nil, fmt.Errorf("%w: a fuzzy match text may have at most 200 characters", ErrBadRule)
		}
	default:
		return nil, fmt.Errorf("%w: algorithm %q is not one of %s", ErrBadRule, r.Algorithm, strings.Join(Algorithms(), ", "))
	}
	return m, nil
}

// WithRules is a Classifier that assigns every topic whose rule matches the
// document (score 1) and takes Base's verdict on the others.
type WithRules struct {
	Base Classifier
}

var _ Classifier = WithRules{}

// Classify implements Classifier.
func (w WithRules) Classify(ctx context.Context, doc Document, topics []Topic) (Result, error) {
	text := doc.Filename + "\n" + doc.Text
	ruled := map[string][]string{} // topic id → what its rule matched
	for _, t := range topics {
		m, err := t.Rule.Compile()
		if err != nil {
			continue // refused when the topic was saved; never fatal here
		}
		if ev := m.Find(text); ev != nil {
			ruled[t.ID] = ev
		}
	}
	res, err := w.Base.Classify(ctx, doc, topics)
	if err != nil {
		return Result{}, err
	}
	for i, m := range res.Matches {
		if ev := ruled[m.TopicID]; ev != nil {
			res.Matches[i] = Match{TopicID: m.TopicID, Score: 1, Assigned: true, ByRule: true, Evidence: ev}
		}
	}
	sortMatches(res.Matches)
	return res, nil
}

// Find returns what of text matched the rule, as a person would read it —
// the words of an any rule found, all the words of an all rule, the text a
// regular expression matched (at most 100 characters), a literal or fuzzy
// rule's match text — or nil when text does not match.
func (m *Matcher) Find(text string) []string {
	if !m.Matches(text) {
		return nil
	}
	r := m.rule
	switch r.Algorithm {
	case MatchAny:
		hay := text
		if r.CaseInsensitive {
			hay = strings.ToLower(text)
		}
		var found []string
		for _, t := range m.terms {
			if containsWord(hay, t) {
				found = append(found, t)
			}
		}
		return found
	case MatchAll:
		return append([]string(nil), m.terms...)
	case MatchRegex:
		s := strings.Join(strings.Fields(m.re.FindString(text)), " ")
		if s == "" {
			return []string{strings.TrimSpace(r.Match)} // it matched the empty string
		}
		if rs := []rune(s); len(rs) > 100 {
			s = string(rs[:100]) + "…"
		}
		return []string{s}
	}
	return []string{strings.TrimSpace(r.Match)}
}

// Matches reports whether text matches the rule.
func (m *Matcher) Matches(text string) bool {
	r := m.rule
	if r.Algorithm == MatchNone || strings.TrimSpace(r.Match) == "" {
		return false
	}
	switch r.Algorithm {
	case MatchAny, MatchAll:
		hay := text
		if r.CaseInsensitive {
			hay = strings.ToLower(text)
		}
		for _, t := range m.terms {
			found := containsWord(hay, t)
			if r.Algorithm == MatchAny && found {
				return true
			}
			if r.Algorithm == MatchAll && !found {
				return false
			}
		}
		return r.Algorithm == MatchAll && len(m.terms) > 0
	case MatchLiteral, MatchRegex:
		return m.re.MatchString(text)
	case MatchFuzzy:
		return fuzzyContains(text, r.Match, r.CaseInsensitive)
	}
	return false
}

// splitTerms splits on white space, keeping "quoted phrases" whole.
func splitTerms(s string) []string {
	var out []string
	for i, part := range strings.Split(s, `"`) {
		if i%2 == 1 {
			if p := strings.TrimSpace(part); p != "" {
				out = append(out, p)
			}
			continue
		}
		out = append(out, strings.Fields(part)...)
	}
	return out
}

// containsWord reports whether term occurs in text between word boundaries.
func containsWord(text, term string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], term)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(term)
		before, after := rune(' '), rune(' ')
		if start > 0 {
			before = lastRune(text[:start])
		}
		if end < len(text) {
			after = []rune(text[end:min(end+4, len(text))])[0]
		}
		if !isWordRune(before) && !isWordRune(after) {
			return true
		}
		i = start + 1
	}
}

func lastRune(s string) rune {
	r := []rune(s[max(0, len(s)-4):])
	return r[len(r)-1]
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

// fuzzyContains reports whether some run of as many words as pattern has
// in text is within 10% edit distance of pattern, punctuation ignored (as
// paperless-ngx's fuzzy matching, a partial ratio of at least 90).
func fuzzyContains(text, pattern string, insensitive bool) bool {
	norm := func(s string) []string {
		if insensitive {
			s = strings.ToLower(s)
		}
		return strings.FieldsFunc(s, func(r rune) bool { return !isWordRune(r) })
	}
	pw := norm(pattern)
	if len(pw) == 0 {
		return false
	}
	want := []rune(strings.Join(pw, " "))
	words := norm(text)
	const maxWords = 200_000 // bound the work on huge texts
	if len(words) > maxWords {
		words = words[:maxWords]
	}
	allowed := len(want) / 10
	for i := 0; i+len(pw) <= len(words); i++ {
		cand := []rune(strings.Join(words[i:i+len(pw)], " "))
		if abs(len(cand)-len(want)) > allowed {
			continue
		}
		if levenshtein(cand, want, allowed) <= allowed {
			return true
		}
	}
	return false
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// levenshtein is the edit distance of a and b, or limit+1 once it exceeds limit.
func levenshtein(a, b []rune, limit int) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
