package classify

import "strings"

// Licence texts carried inside a document — the GNU Free Documentation
// License in a GNU manual's appendix, the GPL or LGPL in a program's
// documentation — say nothing about what the document is about, and they
// are long: the GNU FDL is about 3,500 words, several dozen of them
// "version", "modified", "history" and "document", which pulled libtasn1's
// reference manual to Version control (issue 19). Builtin's Classify
// leaves them out of what it reads of the document it classifies (so the
// worker, `docuvault classify` and the benchmark all do); the text stored
// and searched keeps them. Train reads its examples and background whole:
// leaving the licences out there too changed what self-training learned
// and cost one long development document its assignment
// (docs/benchmarks.md, "Leaving licence texts out").
//
// A licence is recognised by the sentence every GNU licence opens with
// ("Everyone is permitted to copy and distribute verbatim copies of this
// license document, …"), and cut from its title (when the title is just
// before that sentence) to the end of its own last sentence, so that what
// follows it — an index, a bibliography — is read. Words are matched
// whatever the case, line breaks, indentation and punctuation between them
// (a PDF's and an Info file's line breaks differ).
var licences = []struct {
	// titles are the licence's names as its heading gives them.
	titles []string
	// ends are sentences the licence ends with, its very last first: the
	// first one found after the opening sentence ends the cut.
	ends []string
}{
	{
		titles: []string{"gnu free documentation license"},
		ends: []string{
			"such as the gnu general public license to permit their use in free software",
			"provided the mmc is eligible for relicensing",
			"any version ever published not as a draft by the free software foundation",
		},
	},
	{
		titles: []string{"gnu lesser general public license", "gnu library general public license"},
		ends: []string{
			"that s all there is to it",
			"is permanent authorization for you to choose that version for the library",
			"end of terms and conditions",
		},
	},
	{
		titles: []string{"gnu affero general public license"},
		ends: []string{
			"how to apply and follow the gnu agpl see",
			"end of terms and conditions",
		},
	},
	{
		titles: []string{"gnu general public license"},
		ends: []string{
			"why not lgpl html",
			"public license instead of this license",
			"that s all there is to it",
			"end of terms and conditions",
		},
	},
}

const (
	// licenceOpening is the sentence every GNU licence opens with.
	licenceOpening = "permitted to copy and distribute verbatim copies of this license document"
	// licenceTitleBefore is how far before the opening sentence the
	// licence's title may be (its version, date and copyright line come
	// between).
	licenceTitleBefore = 600
	// licenceMax is the longest a licence's text is taken to be after its
	// opening (the GNU GPL 3 is about 35 KB; an Info file indents it).
	licenceMax = 64 << 10
	// licenceFallback ends a licence whose last sentences are not found
	// (a page header in the middle of them, a truncated text): at the end
	// of the line of its last "this License" within licenceMax.
	licenceFallback = "this license"
)

// withoutLicences returns text less the well-known licences it carries
// (see licences). A text that is nothing but a licence comes back empty
// or nearly so: a licence is about none of the topics.
func withoutLicences(text string) string {
	var out strings.Builder
	kept := 0 // text[:kept] is decided: written to out or cut
	for from := 0; ; {
		i := strings.Index(text[from:], "permitted")
		if i < 0 {
			break
		}
		at := from + i
		openEnd, ok := looseMatch(text, at, licenceOpening)
		if !ok {
			from = at + len("permitted")
			continue
		}
		start, kind := licenceStart(text, at, kept)
		end := licenceEnd(text, openEnd, kind)
		if out.Cap() == 0 {
			out.Grow(len(text))
		}
		out.WriteString(text[kept:start])
		out.WriteString("\n")
		kept, from = end, end
	}
	if kept == 0 {
		return text
	}
	out.WriteString(text[kept:])
	return out.String()
}

// licenceStart is where the licence whose opening sentence starts at at
// begins: at its title if that is within licenceTitleBefore before (and
// not before floor), else at the line of the opening sentence. kind is the
// licence's index in licences, or -1 if no title was found.
func licenceStart(text string, at, floor int) (int, int) {
	lo := max(at-licenceTitleBefore, floor)
	win := asciiLower(text[lo:at])
	best, kind := -1, -1
	for k, l := range licences {
		for _, t := range l.titles {
			for j := 0; ; {
				p, _ := looseFind(win, j, t)
				if p < 0 {
					break
				}
				// The last title wins; at the same place the longer one (a
				// "Lesser General Public" is not a "General Public").
				if p > best {
					best, kind = p, k
				}
				j = p + 1
			}
		}
	}
	if best >= 0 {
		return lo + best, kind
	}
	return lineStart(text, at, floor), -1
}

// licenceEnd is where the licence of kind (or of any kind, if -1) whose
// opening sentence ends at from ends.
func licenceEnd(text string, from, kind int) int {
	hi := min(len(text), from+licenceMax)
	win := asciiLower(text[from:hi])
	for k, l := range licences {
		if kind >= 0 && k != kind {
			continue
		}
		for _, e := range l.ends {
			if _, end := looseFind(win, 0, e); end >= 0 {
				return from + end
			}
		}
	}
	// Its last "this License", to the end of that line.
	last := -1
	for j := 0; ; {
		_, end := looseFind(win, j, licenceFallback)
		if end < 0 {
			break
		}
		last, j = end, end
	}
	if last < 0 {
		return from
	}
	if nl := strings.IndexByte(win[last:], '\n'); nl >= 0 {
		return from + last + nl
	}
	return hi
}

// lineStart is the start of the line at holds, not before floor.
func lineStart(text string, at, floor int) int {
	if nl := strings.LastIndexByte(text[floor:at], '\n'); nl >= 0 {
		return floor + nl + 1
	}
	return floor
}

// looseFind finds words (lower-case ASCII words separated by single
// spaces) in s, which is lower-case, from s[from:]: the start and end of
// the first match, or -1, -1.
func looseFind(s string, from int, words string) (int, int) {
	first := words
	if sp := strings.IndexByte(words, ' '); sp >= 0 {
		first = words[:sp]
	}
	for from < len(s) {
		i := strings.Index(s[from:], first)
		if i < 0 {
			break
		}
		at := from + i
		if at == 0 || !isWordByte(s[at-1]) {
			if end, ok := looseMatch(s, at, words); ok {
				return at, end
			}
		}
		from = at + 1
	}
	return -1, -1
}

// looseMatch reports whether words (lower-case ASCII words separated by
// single spaces) occur in s at at, whatever the case of s's letters, with
// anything but letters and digits (up to looseGap bytes: spaces, line
// breaks, punctuation, quotes) between them, and a word may be broken at a
// line's end by a hyphen; and where the match ends.
func looseMatch(s string, at int, words string) (int, bool) {
	i := at
	for j := 0; j < len(words); j++ {
		c := words[j]
		if c == ' ' {
			gap := 0
			for i < len(s) && !isWordByte(s[i]) {
				i++
				if gap++; gap > looseGap {
					return 0, false
				}
			}
			if gap == 0 {
				return 0, false
			}
			continue
		}
		if i < len(s) && s[i] == '-' && j > 0 && words[j-1] != ' ' {
			// A word hyphenated at the end of a line: "-", then a line
			// break and the indentation.
			k := i + 1
			for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r') {
				k++
			}
			if k < len(s) && s[k] == '\n' {
				for k++; k < len(s) && (s[k] == ' ' || s[k] == '\t'); k++ {
				}
				i = k
			}
		}
		if i >= len(s) || lowerByte(s[i]) != c {
			return 0, false
		}
		i++
	}
	if i < len(s) && isWordByte(s[i]) {
		return 0, false // words' last word is only the start of s's
	}
	return i, true
}

// looseGap is the most bytes looseMatch lets stand between two words.
const looseGap = 24

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// asciiLower is s with its ASCII capitals in lower case, byte for byte (so
// offsets into it are offsets into s).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lowerByte(c)
	}
	return string(b)
}
