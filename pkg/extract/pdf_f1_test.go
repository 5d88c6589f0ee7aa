package extract

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// pdfWordBag splits text into lower-case words (runs of letters and
// digits) and counts them. Ligature characters (U+FB00–FB06, which
// pdftotext keeps when a font maps a glyph to one) count as their letters,
// and text is compared in NFKC: pdftotext leaves TeX's accents as
// combining marks ("u\u0308") where the Go reader composes them ("ü"),
// and the same Thai vowel comes as one character or two.
func pdfWordBag(text string) map[string]int {
	bag := map[string]int{}
	text = pdfLigatures.Replace(strings.ToLower(norm.NFKC.String(text)))
	for _, w := range strings.FieldsFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		bag[w]++
	}
	return bag
}

var pdfLigatures = strings.NewReplacer("\ufb00", "ff", "\ufb01", "fi", "\ufb02", "fl", "\ufb03", "ffi", "\ufb04", "ffl", "\ufb05", "st", "\ufb06", "st")

// pdfWordBagF1 compares got with want as multisets of words: precision is the
// share of got's words found in want, recall the share of want's words found
// in got, and F1 their harmonic mean.
func pdfWordBagF1(got, want string) (precision, recall, f1 float64) {
	g, w := pdfWordBag(got), pdfWordBag(want)
	var common, ng, nw int
	for word, n := range g {
		ng += n
		common += min(n, w[word])
	}
	for _, n := range w {
		nw += n
	}
	if ng == 0 || nw == 0 {
		if ng == nw {
			return 1, 1, 1
		}
		return 0, 0, 0
	}
	precision, recall = float64(common)/float64(ng), float64(common)/float64(nw)
	if common == 0 {
		return precision, recall, 0
	}
	return precision, recall, 2 * precision * recall / (precision + recall)
}
