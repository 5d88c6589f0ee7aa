package search

import (
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"
)

// Simple is the text search configuration of documents whose language is
// not known: words are lower-cased, never stemmed, no stop words.
const Simple = "simple"

// languages maps each language whatlanggo detects and PostgreSQL 15 has a
// built-in text search configuration (a Snowball stemmer) for to that
// configuration's name. Languages PostgreSQL cannot stem (Polish, Czech,
// Chinese, …) are not here: they get Simple.
var languages = map[whatlanggo.Lang]string{
	whatlanggo.Arb: "arabic",
	whatlanggo.Dan: "danish",
	whatlanggo.Nld: "dutch",
	whatlanggo.Eng: "english",
	whatlanggo.Fin: "finnish",
	whatlanggo.Fra: "french",
	whatlanggo.Deu: "german",
	whatlanggo.Ell: "greek",
	whatlanggo.Hin: "hindi",
	whatlanggo.Hun: "hungarian",
	whatlanggo.Ind: "indonesian",
	whatlanggo.Ita: "italian",
	whatlanggo.Lit: "lithuanian",
	whatlanggo.Nep: "nepali",
	whatlanggo.Nob: "norwegian",
	whatlanggo.Por: "portuguese",
	whatlanggo.Ron: "romanian",
	whatlanggo.Rus: "russian",
	whatlanggo.Srp: "serbian",
	whatlanggo.Spa: "spanish",
	whatlanggo.Swe: "swedish",
	whatlanggo.Tam: "tamil",
	whatlanggo.Tur: "turkish",
	whatlanggo.Ydd: "yiddish",
}

// Configs returns every configuration Config can return, Simple first.
// migrations/0008_search.sql allows exactly these (and a few more
// PostgreSQL has but no detector names: armenian, basque, catalan, irish).
func Configs() []string {
	out := make([]string, 0, len(languages))
	for _, c := range languages {
		out = append(out, c)
	}
	slices.Sort(out)
	return append([]string{Simple}, out...)
}

// Detection limits: the detector reads at most sampleBytes of the text,
// and a text with fewer than minLetters letters is too short to tell.
const (
	sampleBytes = 4 << 10
	minLetters  = 60
	// minConfidence is whatlanggo's own "reliable" threshold.
	minConfidence = whatlanggo.ReliableConfidenceThreshold
)

// Config returns the PostgreSQL text search configuration for a document
// whose extracted text is text: the configuration of its language
// ("english", "german", "french", "spanish", …) when the language is
// detected with confidence and PostgreSQL can stem it, else Simple — also
// for texts too short to tell (fewer than 60 letters) and for empty ones.
// Only the text's first sampleBytes are read, so it is cheap for any text.
func Config(text string) string {
	if len(text) > sampleBytes {
		cut := sampleBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	letters := 0
	for _, r := range text {
		if unicode.IsLetter(r) {
			letters++
			if letters >= minLetters {
				break
			}
		}
	}
	if letters < minLetters {
		return Simple
	}
	info := whatlanggo.Detect(text)
	if info.Confidence < minConfidence {
		return Simple
	}
	if c, ok := languages[info.Lang]; ok {
		return c
	}
	return Simple
}
