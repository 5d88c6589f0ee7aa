package classify

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"math"
	"strconv"
	"strings"
	"sync"
)

// wordnetDF is in how many of WordNet 3.0's synsets (words and gloss) each
// English word occurs (scripts/make-classify-background.sh).
//
//go:embed background/wordnet.tsv.gz
var wordnetDF []byte

// englishBackground is the background model of English the classifier
// falls back on when its owner has few documents: for each stem, the share
// of documents of about glossesPerDoc glosses' length expected to contain it,
// from the share of WordNet's synsets that do (a Poisson estimate: a word
// in 1 % of 10-word glosses is in 63 % of 1,000-word documents). Stems
// missing from it are rare.
var englishBackground = sync.OnceValue(func() map[string]float64 {
	counts := map[string]int{}
	n := 0
	eachRow(wordnetDF, func(w, c string) {
		if w == "# documents" {
			n, _ = strconv.Atoi(c)
			return
		}
		if !strings.HasPrefix(w, "#") && !stopWords[w] {
			k, _ := strconv.Atoi(c)
			counts[stem(w)] += k
		}
	})
	if n == 0 {
		return map[string]float64{}
	}
	p := make(map[string]float64, len(counts))
	for s, c := range counts {
		g := math.Min(1, float64(c)/float64(n))
		p[s] = 1 - math.Pow(1-g, glossesPerDoc)
	}
	p[""] = 1 - math.Pow(1-1/float64(n), glossesPerDoc) // a stem it does not have
	return p
})

// manpagesDF is, for each stem, the share of a package's manual pages that
// have it, averaged over a fixed list of Debian packages
// (scripts/make-classify-techbg.sh).
//
//go:embed background/manpages.tsv.gz
var manpagesDF []byte

// techBackground is the technical background: for each stem, the share of
// software documentation that has it (manpagesDF). WordNet's glosses
// rarely say "version", "option" or "library", which every software manual
// says, so from English alone those words look telling: a reference
// manual's "--version" and its licence's "Modified Version" pulled it to a
// topic named "Version control" (issue 19). For a long document's own
// vector (see Builtin.vectors), a stem's share of documents
// (englishBackground) is taken to be at least techFloor times its share
// here (idf.weight); words the table does not have keep WordNet's.
var techBackground = sync.OnceValue(func() map[string]float64 {
	q := map[string]float64{}
	eachRow(manpagesDF, func(s, v string) {
		if !strings.HasPrefix(s, "#") && !stopWords[s] {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q[s] = f
			}
		}
	})
	return q
})

// eachRow calls f with the two columns of each row of a gzipped table
// built into the binary (word, tab, number; header rows start with "#").
// A row without a tab is skipped; a table that is not gzip is empty (it
// cannot happen: the tables are built in).
func eachRow(table []byte, f func(key, value string)) {
	zr, err := gzip.NewReader(bytes.NewReader(table))
	if err != nil {
		return
	}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "\t"); ok {
			f(k, v)
		}
	}
}

// Background model tuning, set on the development splits of the three
// corpora of scripts/bench-classify.sh (docs/benchmarks.md): a document is
// taken to be as long as glossesPerDoc glosses (about 1,000 words), and the
// background counts as backgroundDocs documents of the owner's.
const (
	glossesPerDoc  = 100
	backgroundDocs = 10
	// techFloor: see techBackground. Chosen on the development splits
	// (docs/benchmarks.md, issue 19): 1 and 2, applied to every vector,
	// cost German and Reuters more than 0.5.
	techFloor = 0.5
)
