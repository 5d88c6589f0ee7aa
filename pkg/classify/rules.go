package classify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"
	"time"
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

// Bounds on a regular expression rule (issue 20, D3). RE2 matches in time
// linear in the text, but the constant is the size of the compiled
// program: `(?:\w+\s?){1000}Z` took 144 s on a 290 KiB document. A rule is
// refused when it could cost that much per byte; what it may still cost is
// bounded by the per-document budget (RuleBudget).
const (
	// MaxRuleRepeat is the largest repeat count of a regex rule: n in
	// x{n} or x{m,n}, the counts of nested repeats multiplied.
	MaxRuleRepeat = 100
	// MaxRuleProgram is the largest compiled regex rule, in RE2 program
	// instructions (about one per character or class matched).
	MaxRuleProgram = 2000
)

// RuleTooComplexError is returned by Rule.Compile for a regex rule over
// MaxRuleRepeat or MaxRuleProgram. It is an ErrBadRule (errors.Is), and its
// message is one line saying what to change.
type RuleTooComplexError struct {
	Match string // the rule's regular expression
	Fix   string // what is too large and what to do instead
}

func (e *RuleTooComplexError) Error() string {
	return fmt.Sprintf("%s: regex %q is too complex: %s", ErrBadRule, e.Match, e.Fix)
}

// Is makes a RuleTooComplexError an ErrBadRule.
func (e *RuleTooComplexError) Is(target error) bool { return target == ErrBadRule }

// checkComplexity refuses a regular expression whose repeats or compiled
// program exceed the bounds, returning its program size otherwise.
func checkComplexity(match, expr string) (int, error) {
	parsed, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return 0, fmt.Errorf("%w: regex %q: %v", ErrBadRule, match, err)
	}
	if n := repeatProduct(parsed); n > MaxRuleRepeat {
		return 0, &RuleTooComplexError{Match: match, Fix: fmt.Sprintf(
			"it repeats up to %d times, at most %d are allowed (counts of nested {n} multiply): use a smaller {n}, or + or *", n, MaxRuleRepeat)}
	}
	prog, err := syntax.Compile(parsed.Simplify())
	if err != nil {
		return 0, fmt.Errorf("%w: regex %q: %v", ErrBadRule, match, err)
	}
	if n := len(prog.Inst); n > MaxRuleProgram {
		return 0, &RuleTooComplexError{Match: match, Fix: fmt.Sprintf(
			"it compiles to %d instructions, at most %d are allowed: use fewer alternatives or shorter ones, or split it over several topics", n, MaxRuleProgram)}
	}
	return len(prog.Inst), nil
}

// repeatProduct is the largest product of the repeat counts ({n}, {m,n};
// for {m,} m) on any path through re, saturating at 1<<30.
func repeatProduct(re *syntax.Regexp) int {
	inner := 1
	for _, sub := range re.Sub {
		inner = max(inner, repeatProduct(sub))
	}
	if re.Op != syntax.OpRepeat {
		return inner
	}
	n := re.Max
	if n < 0 {
		n = re.Min
	}
	n = max(n, 1)
	if inner > (1<<30)/n {
		return 1 << 30
	}
	return n * inner
}

// Matcher is a compiled rule.
type Matcher struct {
	rule  Rule
	terms []string       // any, all
	re    *regexp.Regexp // literal, regex
	insts int            // re's program size: its worst-case work per byte of text
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
		// A literal has few live threads whatever its length: its size
		// only sets how often matching checks its budget.
		m.re, m.insts = re, len(match)+8
	case MatchRegex:
		// Checked on every compile, not only when a topic is saved: rules
		// stored before the bounds existed are refused here too.
		insts, err := checkComplexity(match, flags+match)
		if err != nil {
			return nil, err
		}
		re, err := regexp.Compile(flags + match)
		if err != nil {
			return nil, fmt.Errorf("%w: regex %q: %v", ErrBadRule, match, err)
		}
		m.re, m.insts = re, insts
	case MatchFuzzy:
		if len([]rune(match)) > 200 {
			return nil, fmt.Errorf("%w: a fuzzy match text may have at most 200 characters", ErrBadRule)
		}
	default:
		return nil, fmt.Errorf("%w: algorithm %q is not one of %s", ErrBadRule, r.Algorithm, strings.Join(Algorithms(), ", "))
	}
	return m, nil
}

// RuleBudget is how long a document's match rules may take in all, by
// default (WithRules.Budget): rules still unchecked when it is spent count
// as not matched.
const RuleBudget = 2 * time.Second

// ErrRuleBudget is returned by Matcher.FindContext when the budget given to
// a document's rules ran out before the rule was decided.
var ErrRuleBudget = errors.New("match rules ran over their time budget")

// WithRules is a Classifier that assigns every topic whose rule matches the
// document (score 1) and takes Base's verdict on the others.
//
// Matching honours ctx (a cancelled request stops within a millisecond or
// so) and Budget: the rules of one document together get at most Budget;
// the rules not decided by then count as not matched, which is logged at
// WARN (topic ids, never the document's text) and said in Result.Note.
// Rules that cost little (any, all, literal, fuzzy) are matched before
// regular expressions, so one slow regex cannot crowd them out.
type WithRules struct {
	Base Classifier
	// Budget bounds the time spent on a document's rules; 0 is RuleBudget.
	Budget time.Duration
	// Log receives the warnings about rules refused or over budget; nil
	// is slog.Default().
	Log *slog.Logger
}

var _ Classifier = WithRules{}

// Classify implements Classifier. It returns ctx's error when ctx is done
// while the rules are matched.
func (w WithRules) Classify(ctx context.Context, doc Document, topics []Topic) (Result, error) {
	text := doc.Filename + "\n" + doc.Text
	limit := w.Budget
	if limit <= 0 {
		limit = RuleBudget
	}
	log := w.Log
	if log == nil {
		log = slog.Default()
	}
	b := &matchBudget{ctx: ctx, deadline: time.Now().Add(limit)}
	order := make([]int, len(topics))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool {
		return topics[order[i]].Rule.Algorithm != MatchRegex && topics[order[j]].Rule.Algorithm == MatchRegex
	})
	ruled := map[string][]string{} // topic id → what its rule matched
	var over []string              // topics whose rule was not decided in time
	for _, i := range order {
		t := topics[i]
		m, err := t.Rule.Compile()
		if err != nil {
			// Refused when the topic is saved; a rule stored before a bound
			// existed is skipped, never fatal.
			log.Warn("a topic's match rule cannot be used; ignored", "topic_id", t.ID, "algorithm", t.Rule.Algorithm, "error", err)
			continue
		}
		ev, err := m.find(b, text)
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return Result{}, fmt.Errorf("match rules: %w", cerr)
			}
			over = append(over, t.ID)
			continue
		}
		if ev != nil {
			ruled[t.ID] = ev
		}
	}
	if len(over) > 0 {
		log.Warn("match rules ran over the document's time budget: counted as not matched",
			"budget", limit, "topics", len(over), "topic_ids", over, "text_bytes", len(text))
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
	if len(over) > 0 {
		note := fmt.Sprintf("%d match rule(s) took over %s in all and were not applied", len(over), limit)
		if res.Note != "" {
			note = res.Note + "; " + note
		}
		res.Note = note
	}
	sortMatches(res.Matches)
	return res, nil
}

// matchBudget is what a document's rules may still spend: until deadline,
// and while ctx is not done.
type matchBudget struct {
	ctx      context.Context
	deadline time.Time
}

// check returns ctx's error, or ErrRuleBudget once the deadline passed.
func (b *matchBudget) check() error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	if !b.deadline.IsZero() && time.Now().After(b.deadline) {
		return ErrRuleBudget
	}
	return nil
}

// Find returns what of text matched the rule, as a person would read it —
// the words of an any rule found, all the words of an all rule, the text a
// regular expression matched (at most 100 characters), a literal or fuzzy
// rule's match text — or nil when text does not match. It is FindContext
// with RuleBudget, a rule over it counting as not matched.
func (m *Matcher) Find(text string) []string {
	ev, _ := m.FindContext(context.Background(), text, RuleBudget)
	return ev
}

// FindContext is Find bounded by ctx and by limit (0: no limit): it returns
// ctx's error or ErrRuleBudget when the rule was not decided in time.
func (m *Matcher) FindContext(ctx context.Context, text string, limit time.Duration) ([]string, error) {
	b := &matchBudget{ctx: ctx}
	if limit > 0 {
		b.deadline = time.Now().Add(limit)
	}
	return m.find(b, text)
}

func (m *Matcher) find(b *matchBudget, text string) ([]string, error) {
	r := m.rule
	if r.Algorithm == MatchRegex && strings.TrimSpace(r.Match) != "" {
		loc, err := m.reIndex(b, text, true)
		if err != nil || loc == nil {
			return nil, err
		}
		s := strings.Join(strings.Fields(text[loc[0]:loc[1]]), " ")
		if s == "" {
			return []string{strings.TrimSpace(r.Match)}, nil // it matched the empty string
		}
		if rs := []rune(s); len(rs) > 100 {
			s = string(rs[:100]) + "…"
		}
		return []string{s}, nil
	}
	ok, err := m.matches(b, text)
	if err != nil || !ok {
		return nil, err
	}
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
		return found, nil
	case MatchAll:
		return append([]string(nil), m.terms...), nil
	}
	return []string{strings.TrimSpace(r.Match)}, nil
}

// Matches reports whether text matches the rule, within RuleBudget (a rule
// over it does not match).
func (m *Matcher) Matches(text string) bool {
	ok, _ := m.matches(&matchBudget{ctx: context.Background(), deadline: time.Now().Add(RuleBudget)}, text)
	return ok
}

func (m *Matcher) matches(b *matchBudget, text string) (bool, error) {
	r := m.rule
	if r.Algorithm == MatchNone || strings.TrimSpace(r.Match) == "" {
		return false, nil
	}
	if err := b.check(); err != nil {
		return false, err
	}
	switch r.Algorithm {
	case MatchAny, MatchAll:
		hay := text
		if r.CaseInsensitive {
			hay = strings.ToLower(text)
		}
		for i, t := range m.terms {
			if i%16 == 15 {
				if err := b.check(); err != nil {
					return false, err
				}
			}
			found := containsWord(hay, t)
			if r.Algorithm == MatchAny && found {
				return true, nil
			}
			if r.Algorithm == MatchAll && !found {
				return false, nil
			}
		}
		return r.Algorithm == MatchAll && len(m.terms) > 0, nil
	case MatchLiteral, MatchRegex:
		loc, err := m.reIndex(b, text, false)
		return loc != nil, err
	case MatchFuzzy:
		return fuzzyContains(b, text, r.Match, r.CaseInsensitive)
	}
	return false, nil
}

// directWork bounds, in program instructions × bytes of text, the matches
// run on the whole text in one call (the fastest way, but it cannot be
// stopped): about 15 ms at worst. Larger ones read the text through a
// budgetReader, which ends it when the budget is spent.
const directWork = 1 << 22

// reIndex matches m.re against text: the leftmost match's location when
// loc is asked for, else any non-nil slice when it matches; nil when not.
func (m *Matcher) reIndex(b *matchBudget, text string, loc bool) ([]int, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	if uint64(len(text))*uint64(max(m.insts, 1)) <= directWork {
		if loc {
			return m.re.FindStringIndex(text), nil
		}
		if m.re.MatchString(text) {
			return []int{}, nil
		}
		return nil, nil
	}
	// About 64k instruction steps between checks of the budget.
	rr := &budgetReader{s: text, b: b, every: max(1, (1<<16)/max(m.insts, 1))}
	var found []int
	if loc {
		found = m.re.FindReaderIndex(rr)
	} else if m.re.MatchReader(rr) {
		found = []int{}
	}
	if rr.err != nil {
		// The text was cut short: whatever matched is not to be trusted
		// ($ and \b see an end that is not there).
		return nil, rr.err
	}
	return found, nil
}

// budgetReader reads s rune by rune to a regexp, checking b every so many
// runes and ending the text (io.EOF, err set) once b is spent.
type budgetReader struct {
	s     string
	i, n  int
	every int
	b     *matchBudget
	err   error
}

func (r *budgetReader) ReadRune() (rune, int, error) {
	if r.err != nil || r.i >= len(r.s) {
		return 0, 0, io.EOF
	}
	if r.n++; r.n%r.every == 0 {
		if err := r.b.check(); err != nil {
			r.err = err
			return 0, 0, io.EOF
		}
	}
	if c := r.s[r.i]; c < utf8.RuneSelf {
		r.i++
		return rune(c), 1, nil
	}
	c, w := utf8.DecodeRuneInString(r.s[r.i:])
	r.i += w
	return c, w, nil
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
func fuzzyContains(b *matchBudget, text, pattern string, insensitive bool) (bool, error) {
	norm := func(s string) []string {
		if insensitive {
			s = strings.ToLower(s)
		}
		return strings.FieldsFunc(s, func(r rune) bool { return !isWordRune(r) })
	}
	pw := norm(pattern)
	if len(pw) == 0 {
		return false, nil
	}
	want := []rune(strings.Join(pw, " "))
	words := norm(text)
	const maxWords = 200_000 // bound the work on huge texts
	if len(words) > maxWords {
		words = words[:maxWords]
	}
	allowed := len(want) / 10
	for i := 0; i+len(pw) <= len(words); i++ {
		if i%1024 == 1023 {
			if err := b.check(); err != nil {
				return false, err
			}
		}
		cand := []rune(strings.Join(words[i:i+len(pw)], " "))
		if abs(len(cand)-len(want)) > allowed {
			continue
		}
		if levenshtein(cand, want, allowed) <= allowed {
			return true, nil
		}
	}
	return false, nil
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
