package classify

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"unicode"
)

// Example is a document a person filed: its text and the topics they put it
// under. Builtin learns from examples.
type Example struct {
	Text     string
	TopicIDs []string
}

// TrainInput is what Builtin is built from.
type TrainInput struct {
	Topics []Topic
	// Examples are documents people filed (assignments with source
	// 'manual'): the labelled data.
	Examples []Example
	// Background is unlabelled text of the owner's (their other documents,
	// or a batch being classified): it tells common words from telling ones
	// and, with Options.SelfTrain, lets the model learn the words that go
	// with each topic from the documents it is most sure of.
	Background []string
}

// Options tunes Builtin.
type Options struct {
	// Threshold is the least score that assigns a topic; 0 means
	// DefaultThreshold.
	Threshold float64
	// SelfTrain lets Train bootstrap from TrainInput.Background.
	SelfTrain bool

	// lexical overrides lexicalWeight when lexicalSet (development
	// evaluations only).
	lexical    float64
	lexicalSet bool
}

// DefaultThreshold is the score from which Builtin assigns a topic.
const DefaultThreshold = 0.5

// Builtin is the offline classifier. Every topic has a prototype: a
// weighted bag of words made of its name and description (so it works from
// the first document) and, as people file documents, of the words of those
// documents, which take over as they grow in number. A document's raw score
// for a topic is the cosine between its words (tf-idf) and the prototype;
// the score reported is that cosine mapped through a logistic curve and
// scaled by how close it is to the best topic's, so a score is comparable
// across documents and a threshold means something (docs/benchmarks.md shows
// how often an assigned topic is right at each score).
//
// Build one with Train; it is read-only afterwards and safe for concurrent
// use.
type Builtin struct {
	threshold float64
	topics    []Topic
	at        map[string]int       // topic id → its index in topics
	index     map[string][]posting // word → the topics whose prototype has it
	idf       idf
	short     map[string]bool // one-letter words that count (see terms)
	learned   bool            // some topic has examples, or self-trained ones
	// prior is each topic's name and description as a vector, and lexical
	// how much the document's whole text's cosine with it counts in a
	// score (see blend).
	prior   []vector
	lexical float64

	// The examples people filed, as vectors, and their topics' indexes:
	// build corrects the prototypes where they misplace one.
	exVecs   []vector
	exTopics [][]int
	// The same for the self-trained documents the model is surest of (in
	// Train's self-training), set before each round's build.
	sureVecs   []vector
	sureTopics [][]int
}

type posting struct {
	topic int
	w     float64
}

var _ Classifier = (*Builtin)(nil)

// Tuning, set on held-out Reuters-21578 training documents (never the
// test set; docs/benchmarks.md).
const (
	nameWeight   = 2.0  // a word of the topic's name against one of its description
	priorWeight  = 10.0 // how many examples the name and description are worth
	pseudoWeight = 0.35 // a self-trained document against one a person filed
	protoTerms   = 4000 // words kept per prototype
	selfRounds   = 2
	selfMinScore = 0.3 // least score of a document the model teaches itself with
	// Self-training's guard against documents about none of the topics
	// (Train): the score under the model before self-training above which
	// a background document is in its topic's core, and how close to the
	// core of its best topic, against the none centroid, a document must
	// be to be learned from. Set on the development evaluation of
	// pkg/classify/deveval_test.go (held-out Reuters-21578 training
	// documents, 8 folds × 3 seeds, with and without licence texts added
	// to the background; never the test set): a ratio of 0.5 keeps the in-domain
	// accuracy and macro-F1 of the unguarded self-training within 0.004
	// (zero-shot, 5 and 20 examples per topic) while licence texts given a
	// topic fall from 2,040 of 2,056 150-word pieces (zero-shot) to 1, and
	// from 70 of 952 whole files to none; a ratio of 0.7 costs 0.014 zero-shot
	// accuracy, 1.0 more. selfCoreScore is DefaultThreshold.
	selfCoreScore = 0.5
	selfNoneRatio = 0.5

	maxTextBytes = 256 << 10
	// docTerms is how many of a document's words, the heaviest (tf-idf),
	// make its vector. A manual of 50,000 words has thousands of distinct
	// ones: all of them made its cosine with a topic's few words of name
	// and description small however right the topic was, and self-training
	// on such documents carried their generic words into one topic's
	// prototype, which then drew every long document to it (issue 19: on
	// the long-document corpus's development split, zero-shot top-1 went
	// from 0.63 to 0.94–1.00 and the share assigned from 46 % to 81–87 %
	// with 300–600 words; Reuters, whose documents have fewer, did not
	// move).
	docTerms     = 600
	refineEpochs = 5
	// lexicalWeight is how much a long document's lexical view (its whole
	// text against each topic's name and description, see vectors and
	// blend) counts in its score at most: λ = lexicalWeight times the share
	// of the document's distinct words that its docTerms-word vector
	// leaves out, so a document of fewer words than docTerms (a letter, a
	// Reuters story, a help page) is scored as before and a 20,000-word
	// manual, whose topic words may fall outside its 600 heaviest, gets
	// the full-text view back. Chosen on the development splits only
	// (issue 19, docs/benchmarks.md): 0.5 is at least as good as none on
	// top-1 on every one of them (long, whole and six halves, with and
	// without a background; German; Reuters), 0.7 and more lose a
	// long-corpus half; a flat λ for every document cost Reuters.
	lexicalWeight = 0.5
	// A document of more than longWords words (counted: stop words left
	// out) weighs a word it has n times n^longTF in the vector Classify
	// scores, instead of 1 + ln n: in a long manual the words of its
	// subject (asn 351 times, der, certificate) stand far above the
	// hundreds it uses a few times, and 1 + ln n flattened them so far that
	// the best cosine stayed under what the score curve (fitted on short
	// texts) files. Shorter documents (every Reuters story, nearly every
	// German help page) and self-training are as before. Chosen on the
	// development splits with techFloor (issue 19, docs/benchmarks.md).
	longWords    = 2000
	longTF       = 0.7
	refineMargin = 0.2  // the lead an example's own topic should have
	refineRate   = 0.05 // how far a misplaced example moves the prototypes

	// The logistic curve mapping a topic's cosine r and its lead over the
	// best other topic's, (r - other) / r, to a score: σ(bias + slope·r +
	// lead·that), fitted by logistic regression on held-out Reuters-21578
	// training documents, whole and cut to their first 60 and 25 words, and
	// (weighted as 30 % of all) against topic lists without their own topic,
	// so that a document about none of the topics scores low
	// (docs/benchmarks.md); for prototypes of a name and description alone
	// (zero-shot) and for learned ones.
	zeroBias, zeroSlope, zeroLead          = -2.7, 12.1, 2.4
	learnedBias, learnedSlope, learnedLead = -3.4, 14.0, 2.9
)

// vector is a sparse, L2-normalised bag of words.
type vector map[string]float64

type idf struct {
	n  int
	df map[string]int
	// tech: a word's share of documents is also at least techFloor times
	// its share of software documentation (techBackground). Only a long
	// document's own vector is weighed so (see vectors).
	tech bool
}

// weight is term's inverse document frequency among the owner's n
// documents and backgroundDocs more of English (englishBackground, and
// techBackground when f.tech), which tell generic words from telling ones
// while the owner has few documents and count for less as their number
// grows.
func (f idf) weight(term string) float64 {
	bg := englishBackground()
	p, ok := bg[term]
	if !ok {
		p = bg[""]
	}
	if f.tech {
		if q, ok := techBackground()[term]; ok {
			p = max(p, techFloor*q)
		}
	}
	return math.Log((float64(f.n)+backgroundDocs+1)/(float64(f.df[term])+backgroundDocs*p+1)) + 1
}

// counts returns the stemmed words of text and how often each occurs.
func counts(text string) map[string]int { return countTerms(text, nil) }

// countTerms is counts keeping the one-letter words in short.
func countTerms(text string, short map[string]bool) map[string]int {
	if len(text) > maxTextBytes {
		text = text[:maxTextBytes]
	}
	c := map[string]int{}
	eachTerm(text, short, func(w string) { c[stem(w)]++ })
	return c
}

// FilenameWords is a file's name without its extension: "invoice-2024.pdf"
// says "invoice 2024", and ".pdf", shared by every PDF, says nothing about
// a topic (the worker strips it from the background's names too).
func FilenameWords(name string) string {
	if ext := filepath.Ext(name); len(ext) > 1 && len(ext) <= 6 {
		return strings.TrimSuffix(name, ext)
	}
	return name
}

// terms is Words of text lower-cased, and also those of its one-letter
// capitals (B to Z, but I) that are in short: the names of languages and
// tools ("R", "C") that a topic is named or described with.
func terms(text string, short map[string]bool) []string {
	var out []string
	eachTerm(text, short, func(w string) { out = append(out, w) })
	return out
}

// eachTerm calls f with each of terms(text, short) in turn.
func eachTerm(text string, short map[string]bool, f func(string)) {
	add := func(w string) {
		if len(w) == 1 {
			if l := shortWord(w); l != "" && short[l] {
				f(l)
			}
			return
		}
		if w = strings.ToLower(w); !stopWords[w] {
			f(w)
		}
	}
	start := -1
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			split(text[start:i], add)
			start = -1
		}
	}
	if start >= 0 {
		split(text[start:], add)
	}
}

// split calls add with word w, or with its two parts if it is made of
// letters then digits (see digitsFrom).
func split(w string, add func(string)) {
	if j := digitsFrom(w); j > 0 {
		add(w[:j])
		add(w[j:])
		return
	}
	add(w)
}

// digitsFrom is where the digits start in a word made of letters then
// digits ("asn1": 3, "x509": 1, "ext4": 3), or 0 for any other word: such
// a word is split there, so that an identifier (asn1_create, ext4_lookup)
// meets the word a topic is described with. Other mixes ("1st", "h264b")
// are left whole.
func digitsFrom(f string) int {
	j := -1
	for i, r := range f {
		digit := r >= '0' && r <= '9' || r > unicode.MaxASCII && unicode.IsDigit(r)
		switch {
		case j < 0 && digit:
			if i == 0 {
				return 0
			}
			j = i
		case j >= 0 && !digit:
			return 0
		}
	}
	return max(j, 0)
}

// shortWord is the one-letter word f (B to Z, but I, as a capital)
// lower-cased, or "".
func shortWord(f string) string {
	if c := f[0]; len(f) == 1 && c >= 'B' && c <= 'Z' && c != 'I' {
		return string(c + 'a' - 'A')
	}
	return ""
}

// shortWords are the one-letter words of the topics' names and
// descriptions that count as words (see terms).
func shortWords(topics []Topic) map[string]bool {
	m := map[string]bool{}
	for _, t := range topics {
		for _, f := range strings.FieldsFunc(t.Name+" "+t.Description, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if l := shortWord(f); l != "" {
				m[l] = true
			}
		}
	}
	return m
}

func (f idf) vector(c map[string]int) vector {
	v := make(vector, len(c))
	for t, n := range c {
		v[t] = (1 + math.Log(float64(n))) * f.weight(t)
	}
	v = prune(v, docTerms)
	v.normalize()
	return v
}

func (v vector) normalize() {
	var s float64
	for _, x := range v {
		s += x * x
	}
	if s == 0 {
		return
	}
	s = math.Sqrt(s)
	for t := range v {
		v[t] /= s
	}
}

// dot returns the dot product of v and u.
func (v vector) dot(u vector) float64 {
	if len(u) < len(v) {
		v, u = u, v
	}
	var s float64
	for t, x := range v {
		s += x * u[t]
	}
	return s
}

// bestOf returns the index of the highest score (the first of equals) and
// that score; -1 and 0 when there are none.
func bestOf(scores []float64) (int, float64) {
	best := -1
	for k, sc := range scores {
		if best < 0 || sc > scores[best] {
			best = k
		}
	}
	if best < 0 {
		return -1, 0
	}
	return best, scores[best]
}

// lower subtracts k·u from v's positive weights, down to zero at most.
func (v vector) lower(u vector, k float64) {
	for t, x := range u {
		if w := v[t]; w > 0 {
			v[t] = math.Max(0, w-k*x)
		}
	}
}

// add adds k·u to v.
func (v vector) add(u vector, k float64) {
	for t, x := range u {
		v[t] += k * x
	}
}

// Train builds a Builtin from topics, the documents people filed under them
// and the owner's unlabelled text. It fails only when ctx ends.
func Train(ctx context.Context, in TrainInput, o Options) (*Builtin, error) {
	b := &Builtin{threshold: o.Threshold, topics: append([]Topic(nil), in.Topics...), index: map[string][]posting{}, lexical: lexicalWeight}
	if o.lexicalSet {
		b.lexical = o.lexical
	}
	if b.threshold == 0 {
		b.threshold = DefaultThreshold
	}
	b.at = make(map[string]int, len(b.topics))
	for i, t := range b.topics {
		b.at[t.ID] = i
	}
	at := b.at
	b.short = shortWords(b.topics)

	// Word rarity from everything the owner has.
	exCounts := make([]map[string]int, len(in.Examples))
	bgCounts := make([]map[string]int, len(in.Background))
	b.idf.df = map[string]int{}
	for i, e := range in.Examples {
		exCounts[i] = countTerms(e.Text, b.short)
		for t := range exCounts[i] {
			b.idf.df[t]++
		}
	}
	for i, s := range in.Background {
		if i%64 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		bgCounts[i] = countTerms(s, b.short)
		for t := range bgCounts[i] {
			b.idf.df[t]++
		}
	}
	b.idf.n = len(in.Examples) + len(in.Background)

	// The prior: name and description.
	prior := make([]vector, len(b.topics))
	for i, t := range b.topics {
		c := map[string]float64{}
		for _, w := range terms(t.Name, b.short) {
			c[stem(w)] += nameWeight
		}
		for _, w := range terms(t.Description, b.short) {
			c[stem(w)]++
		}
		v := vector{}
		for w, n := range c {
			v[w] = n * b.idf.weight(w)
		}
		v.normalize()
		prior[i] = v
	}
	b.prior = prior

	// What people filed.
	sums := make([]vector, len(b.topics))
	weights := make([]float64, len(b.topics))
	for i := range sums {
		sums[i] = vector{}
	}
	for i, e := range in.Examples {
		v := b.idf.vector(exCounts[i])
		var ks []int
		for _, id := range e.TopicIDs {
			if k, ok := at[id]; ok {
				sums[k].add(v, 1)
				weights[k]++
				b.learned = true
				ks = append(ks, k)
			}
		}
		if len(ks) > 0 {
			b.exVecs = append(b.exVecs, v)
			b.exTopics = append(b.exTopics, ks)
		}
	}
	b.build(prior, sums, weights, nil, nil)

	// Self-training: the documents the model is surest of teach it the
	// words that go with each topic beyond its name and description.
	//
	// Left alone, self-training also takes in documents about none of the
	// topics: a few of them share a word or two with a topic's name or
	// description, their words then enter that topic's prototype, and the
	// next round pulls in the rest of their kind (of 257 pieces of licence
	// text added to a zero-shot batch, 99 % ended up filed). So before the
	// first round, the model as it stands (names, descriptions and filed
	// examples) splits the background: the documents it scores below
	// selfMinScore make a "none" centroid, those it places with a score
	// above selfCoreScore make their topic's core, each weighted by how far
	// above (so that a sure document counts for much more than one that
	// barely made it), less those closer to the none centroid than to the
	// rest of their core. Core and none stay fixed through the rounds, and
	// a document joins its best topic only if it is at least selfNoneRatio
	// times as close to that topic's core as to the none centroid:
	// unrelated documents resemble each other more than they resemble the
	// topic's sure documents, so they stay out however many words they
	// share with its name. (Documents that the names and descriptions alone
	// place wrongly can still be assigned; only their kind is not learned.)
	if o.SelfTrain && len(in.Background) > 0 && len(b.topics) > 1 {
		bg := make([]vector, len(bgCounts))
		for i, c := range bgCounts {
			bg[i] = b.idf.vector(c)
		}
		core := make([]vector, len(b.topics))
		for k := range core {
			core[k] = vector{}
		}
		none := vector{}
		coreOf := make([]int, len(bg)) // the topic whose core a document is in, or -1
		coreW := make([]float64, len(bg))
		// Each document's best topic and score under the model as it stands,
		// which is also the first round's: it is not scored twice.
		firstBest := make([]int, len(bg))
		firstScore := make([]float64, len(bg))
		for i, v := range bg {
			best, sc := bestOf(b.calibrate(b.raw(v)))
			firstBest[i], firstScore[i] = best, sc
			coreOf[i] = -1
			switch {
			case sc < selfMinScore:
				none.add(v, 1)
			case sc > selfCoreScore:
				coreOf[i], coreW[i] = best, sc-selfCoreScore
				core[best].add(v, coreW[i])
			}
		}
		none.normalize()
		// How close each document is to the none centroid.
		toNone := make([]float64, len(bg))
		for i, v := range bg {
			toNone[i] = v.dot(none)
		}
		// A core document closer to the none centroid than to the rest of
		// its core is one of the unrelated documents that the names
		// happened to place: it leaves the core.
		clean := make([]vector, len(core))
		for k := range clean {
			clean[k] = vector{}
		}
		for i, v := range bg {
			k, w := coreOf[i], coreW[i]
			if k < 0 {
				continue
			}
			// The cosine between v (of length 1) and its core without it.
			d := v.dot(core[k])
			rest := core[k].dot(core[k]) - 2*w*d + w*w
			if rest > 1e-12 && (d-w)/math.Sqrt(rest) >= toNone[i] {
				clean[k].add(v, w)
			}
		}
		core = clean
		for _, c := range core {
			c.normalize()
		}
		for round := 0; round < selfRounds; round++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			pseudo := make([]vector, len(b.topics))
			pw := make([]float64, len(b.topics))
			for i := range pseudo {
				pseudo[i] = vector{}
			}
			b.sureVecs, b.sureTopics = nil, nil
			picked := false
			for i, v := range bg {
				best, sc := firstBest[i], firstScore[i]
				if round > 0 {
					best, sc = bestOf(b.calibrate(b.raw(v)))
				}
				if best < 0 || sc < selfMinScore || v.dot(core[best]) < selfNoneRatio*toNone[i] {
					continue
				}
				pseudo[best].add(v, 1)
				pw[best]++
				picked = true
				// The surest of them also correct the prototypes as filed
				// examples do (refine): those in the core of the topic they
				// are learned under and closer to that core than to the
				// none centroid. Only those: the correction moves the
				// prototypes most on the documents they place least
				// clearly, which among self-trained ones are the likeliest
				// to be wrong or about none of the topics. (Taking every
				// document learned from with a score of 0.5 or more and in
				// its topic's core, without the second test, gave 24 of
				// 2,056 licence pieces a topic, zero-shot, instead of 1.)
				if coreOf[i] == best && v.dot(core[best]) >= toNone[i] {
					b.sureVecs = append(b.sureVecs, v)
					b.sureTopics = append(b.sureTopics, []int{best})
				}
			}
			b.learned = b.learned || picked
			b.build(prior, sums, weights, pseudo, pw)
		}
		b.sureVecs, b.sureTopics = nil, nil // not kept with the model
	}
	return b, nil
}

// build makes each topic's prototype from its prior, the examples people
// filed (sums, weights) and self-trained ones (pseudo, pw).
func (b *Builtin) build(prior, sums []vector, weights []float64, pseudo []vector, pw []float64) {
	protos := make([]vector, len(b.topics))
	for k := range b.topics {
		centroid := vector{}
		n := weights[k]
		centroid.add(sums[k], 1)
		if pseudo != nil && pw[k] > 0 {
			centroid.add(pseudo[k], pseudoWeight)
			n += pseudoWeight * pw[k]
		}
		centroid.normalize()
		alpha := 1.0
		if n > 0 {
			alpha = priorWeight / (priorWeight + n)
		}
		if len(prior[k]) == 0 {
			alpha = 0
		}
		p := vector{}
		p.add(prior[k], alpha)
		p.add(centroid, 1-alpha)
		p.normalize()
		protos[k] = p
	}
	b.refine(protos)
	b.index = map[string][]posting{}
	for k, p := range protos {
		p = prune(p, protoTerms)
		p.normalize()
		for t, w := range p {
			b.index[t] = append(b.index[t], posting{topic: k, w: w})
		}
	}
}

// refine corrects the prototypes on the examples people filed and on the
// self-trained documents the model is surest of (sureVecs), as a perceptron
// would: an example that its own topic does not lead by refineMargin moves
// towards its topic and away from the topic that beat it (a self-trained
// one pseudoWeight times as far). This makes self-training discriminative:
// a word common to two topics' documents gains less than one that tells
// them apart.
//
// A self-trained document lowers a word's weight in the rival's prototype
// down to zero, not below: a negative weight would push a document's cosine
// with that topic below zero, and the lead over it that calibrate reads
// would then make documents about none of the topics score high.
//
// The prototypes kept are the average of each epoch's (an averaged
// perceptron), without the words whose average weight is not positive.
// The last epoch's alone had just been pushed about by the last examples it
// went through, the more so the more examples there were: on LibreOffice's
// German help (issue 19's development folds) the model did worse with every
// filed page than with 20 a topic (top-1 0.771 against 0.794); averaged,
// 0.862 and 0.809, and on Reuters 0.934 with every story (0.927 before).
func (b *Builtin) refine(protos []vector) {
	if len(b.exVecs)+len(b.sureVecs) == 0 || len(protos) < 2 {
		return
	}
	vecs := append(append([]vector(nil), b.exVecs...), b.sureVecs...)
	tops := append(append([][]int(nil), b.exTopics...), b.sureTopics...)
	s := make([]float64, len(protos))
	// sum adds up each epoch's prototypes: refine returns their average.
	sum := make([]vector, len(protos))
	for k := range sum {
		sum[k] = vector{}
	}
	epochs := 0
	for epochs < refineEpochs {
		changed := false
		for i, v := range vecs {
			rate, sure := refineRate, i >= len(b.exVecs)
			if sure {
				rate *= pseudoWeight
			}
			for k, p := range protos {
				s[k] = 0
				for t, x := range v {
					s[k] += x * p[t]
				}
			}
			own := map[int]bool{}
			for _, k := range tops[i] {
				own[k] = true
			}
			rival := -1
			for k := range protos {
				if !own[k] && (rival < 0 || s[k] > s[rival]) {
					rival = k
				}
			}
			if rival < 0 {
				continue // filed under every topic: nothing to tell apart
			}
			for k := range own {
				if s[k]-s[rival] < refineMargin {
					protos[k].add(v, rate)
					if sure {
						protos[rival].lower(v, rate)
					} else {
						protos[rival].add(v, -rate)
					}
					changed = true
				}
			}
		}
		epochs++
		for k, p := range protos {
			p.normalize()
			sum[k].add(p, 1)
		}
		if !changed {
			break
		}
	}
	for k, p := range protos {
		// An epoch not run (the last changed nothing) would add p again.
		sum[k].add(p, float64(refineEpochs-epochs))
		clear(p)
		for t, x := range sum[k] {
			if x > 0 {
				p[t] = x
			}
		}
		p.normalize()
	}
}

// vectors returns the document vector of the words c (idf.vector) and
// its whole text's cosine with each topic's name and description: the
// lexical view, over all its words (the vector keeps docTerms). A document
// of more than longWords words is weighed as a long one: n^longTF for a
// word it has n times, and each word's rarity judged against software
// documentation too (idf.tech), as a long document is most often a manual,
// a specification or a report.
func (b *Builtin) vectors(c map[string]int) (vector, lexView) {
	full := make(vector, len(c))
	var norm, words float64
	for _, n := range c {
		words += float64(n)
	}
	tf := func(n int) float64 { return 1 + math.Log(float64(n)) }
	wf := b.idf
	if words > longWords {
		tf = func(n int) float64 { return math.Pow(float64(n), longTF) }
		wf.tech = true
	}
	for t, n := range c {
		w := tf(n) * wf.weight(t)
		full[t] = w
		norm += w * w
	}
	lex := make([]float64, len(b.prior))
	if norm > 0 {
		norm = math.Sqrt(norm)
		for k, p := range b.prior {
			var s float64
			for t, x := range p {
				s += x * full[t]
			}
			lex[k] = s / norm
		}
	}
	v := prune(full, docTerms)
	v.normalize()
	drop := 0.0
	if len(c) > docTerms {
		drop = 1 - float64(docTerms)/float64(len(c))
	}
	return v, lexView{cos: lex, w: drop}
}

// lexView is a document's lexical view: its whole text's cosine with each
// topic's name and description, and how much it counts (the share of the
// document's distinct words its vector left out).
type lexView struct {
	cos []float64
	w   float64
}

// blend mixes a document's lexical view lv into its cosines raw with the
// prototypes: topic k's becomes (1-λ)·raw[k] + λ·max(raw)·lex[k]/max(lex),
// λ = b.lexical·lv.w, so the lexical cosines, rescaled to the model's best
// one, move the ranking and the leads calibrate reads while the best
// cosine keeps its scale. With no lexical evidence at all raw is left as it
// is. Classify blends; self-training does not (blending there too lost
// three long-corpus documents on the development split).
func (b *Builtin) blend(raw []float64, lv lexView) []float64 {
	lex := lv.cos
	lambda := b.lexical * lv.w
	if lambda == 0 || len(lex) != len(raw) {
		return raw
	}
	_, lm := bestOf(lex)
	_, rm := bestOf(raw)
	if lm <= 0 || rm <= 0 {
		return raw
	}
	out := make([]float64, len(raw))
	for k, r := range raw {
		out[k] = (1-lambda)*r + lambda*rm*lex[k]/lm
	}
	return out
}

// prune keeps v's n heaviest words.
func prune(v vector, n int) vector {
	if len(v) <= n {
		return v
	}
	all := make([]termWeight, 0, len(v))
	for t, w := range v {
		all = append(all, termWeight{t, w})
	}
	selectTop(all, n)
	out := make(vector, n)
	for _, x := range all[:n] {
		out[x.t] = x.w
	}
	return out
}

type termWeight struct {
	t string
	w float64
}

// heavier orders words heaviest first, then by the word (a total order:
// the same words are kept whatever the map's order).
func heavier(a, b termWeight) bool { return a.w > b.w || a.w == b.w && a.t < b.t }

// selectTop moves the n heaviest of all to all[:n], in no order
// (quickselect: linear on average where sorting all of a long document's
// words was a fifth of classifying it).
func selectTop(all []termWeight, n int) {
	lo, hi := 0, len(all)-1
	for lo < hi {
		// Median of three as the pivot, moved to hi.
		mid := lo + (hi-lo)/2
		if heavier(all[mid], all[lo]) {
			all[mid], all[lo] = all[lo], all[mid]
		}
		if heavier(all[hi], all[lo]) {
			all[hi], all[lo] = all[lo], all[hi]
		}
		if heavier(all[mid], all[hi]) {
			all[mid], all[hi] = all[hi], all[mid]
		}
		p := all[hi]
		i := lo
		for j := lo; j < hi; j++ {
			if heavier(all[j], p) {
				all[i], all[j] = all[j], all[i]
				i++
			}
		}
		all[i], all[hi] = all[hi], all[i]
		switch {
		case i == n || i == n-1:
			return
		case i < n:
			lo = i + 1
		default:
			hi = i - 1
		}
	}
}

// raw returns the cosine between v and every topic's prototype.
func (b *Builtin) raw(v vector) []float64 {
	s := make([]float64, len(b.topics))
	for t, x := range v {
		for _, p := range b.index[t] {
			s[p.topic] += x * p.w
		}
	}
	return s
}

// Classify implements Classifier. Topics the model was not trained with
// score 0; trained topics missing from topics are left out.
func (b *Builtin) Classify(ctx context.Context, doc Document, topics []Topic) (Result, error) {
	res := Result{Provider: "builtin"}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if len(topics) == 0 {
		return res, nil // nothing to score: skip reading the text
	}
	doc.Text = withoutLicences(doc.Text) // licence.go: not what it is about
	v, lex := b.vectors(countTerms(FilenameWords(doc.Filename)+"\n"+doc.Text, b.short))
	scores := b.calibrate(b.blend(b.raw(v), lex))
	for _, t := range topics {
		m := Match{TopicID: t.ID}
		if k, ok := b.at[t.ID]; ok && !t.ManualOnly {
			m.Score = scores[k]
			m.Assigned = m.Score >= b.threshold
		}
		res.Matches = append(res.Matches, m)
	}
	sortMatches(res.Matches)
	b.explain(res.Matches, doc, v) // evidence.go
	return res, nil
}

// calibrate maps raw cosines to scores in [0, 1]. A topic with no
// evidence at all scores 0.
func (b *Builtin) calibrate(raw []float64) []float64 {
	bias, slope, leadw := zeroBias, zeroSlope, zeroLead
	if b.learned {
		bias, slope, leadw = learnedBias, learnedSlope, learnedLead
	}
	// The best other topic's cosine: the best one's, or for the best, the
	// second best's.
	best, second := -1, 0.0
	for k, r := range raw {
		if best < 0 || r > raw[best] {
			if best >= 0 {
				second = math.Max(second, raw[best])
			}
			best = k
		} else if r > second {
			second = r
		}
	}
	out := make([]float64, len(raw))
	for k, r := range raw {
		if r <= 0 {
			continue
		}
		other := raw[best]
		if k == best {
			other = second
		}
		lead := math.Max(-1, (r-other)/r)
		z := bias + slope*r + leadw*lead
		out[k] = math.Round(1e4/(1+math.Exp(-z))) / 1e4
	}
	return out
}
