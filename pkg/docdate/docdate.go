package docdate

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// HeadBytes is how much of a text Find reads: about the first two pages.
const HeadBytes = 8 << 10

// MaxAhead is how far after now a date may be and still be a document's
// own: letters are sometimes dated a little ahead, a date years ahead is a
// deadline or an expiry.
const MaxAhead = 366 * 24 * time.Hour

// Find returns the date of the document whose text is text, in language
// lang (a text search configuration name as search.Config returns it —
// "english", "german", "french", "simple" — or a two-letter code: "en",
// "de", "fr"; anything else reads numeric dates day first). ok is false
// when the text has no plausible date. The date is at midnight UTC.
func Find(text, lang string) (time.Time, bool) {
	return FindAt(text, lang, time.Now())
}

// FindAt is Find with now given: a date more than MaxAhead after now is
// not plausible.
func FindAt(text, lang string, now time.Time) (time.Time, bool) {
	if len(text) > HeadBytes {
		cut := HeadBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	monthFirst := false
	switch strings.ToLower(lang) {
	case "english", "en", "eng":
		monthFirst = true
	}
	latest := now.Add(MaxAhead)
	cs := candidates(text, monthFirst, latest)
	if len(cs) == 0 {
		return time.Time{}, false
	}
	slices.SortFunc(cs, func(a, b candidate) int { return a.at - b.at })
	for _, c := range cs {
		if labelledAt(text, c.at) {
			return c.date, true
		}
	}
	return cs[0].date, true
}

// candidate is a plausible date and the byte offset at which it starts.
type candidate struct {
	date time.Time
	at   int
}

// Month names and abbreviations in English, German and French, lower
// case, accented and not (OCR and plain-text mail drop accents).
var months = map[string]time.Month{
	"january": 1, "jan": 1, "januar": 1, "jänner": 1, "janvier": 1, "janv": 1,
	"february": 2, "feb": 2, "februar": 2, "feber": 2, "février": 2, "fevrier": 2, "févr": 2, "fevr": 2, "fév": 2, "fev": 2,
	"march": 3, "mar": 3, "märz": 3, "maerz": 3, "mär": 3, "mrz": 3, "mars": 3,
	"april": 4, "apr": 4, "avril": 4, "avr": 4,
	"may": 5, "mai": 5,
	"june": 6, "jun": 6, "juni": 6, "juin": 6,
	"july": 7, "jul": 7, "juli": 7, "juillet": 7, "juil": 7,
	"august": 8, "aug": 8, "août": 8, "aout": 8,
	"september": 9, "sep": 9, "sept": 9, "septembre": 9,
	"october": 10, "oct": 10, "oktober": 10, "okt": 10, "octobre": 10,
	"november": 11, "nov": 11, "novembre": 11,
	"december": 12, "dec": 12, "dezember": 12, "dez": 12, "décembre": 12, "decembre": 12, "déc": 12,
}

// The patterns, tried only in small windows around the numbers that can
// be a date's year (candidates), so a text costs a scan for digits plus a
// few short matches, not four regular expressions over all of it. Each is
// checked again in code: the calendar, the year's range, and what stands
// right before and after (so that "1.03.12.2026" or a part number is not
// read as a date).
var (
	// 2026-12-03, 2026/12/03: at a four-digit number.
	isoRE = regexp.MustCompile(`^(\d{4})([-/.])(\d{1,2})([-/.])(\d{1,2})`)
	// The others end at the year.
	// 03.12.2026, 3/12/2026, 03-12-26
	numRE = regexp.MustCompile(`(\d{1,2})([./-])(\d{1,2})([./-])(\d{4}|\d{2})$`)
	// 3 December 2026, 3. Dezember 2026, 3rd of December, 2026, 1er
	// décembre 2026. The month is any word here, looked up in months
	// afterwards: an alternation of every month name is many times slower.
	// 03-Dec-2026, 03 Dec. 2026 (invoices).
	dmyRE = regexp.MustCompile(`(\d{1,2})(?:st|nd|rd|th|er|\.)?(?:[ \t\x{a0}]*|-)(?:of[ \t]+)?(\p{L}{3,9})\.?(?:,?[ \t\x{a0}]+|-)(\d{4})$`)
	// December 3, 2026, Dec. 3rd 2026
	mdyRE = regexp.MustCompile(`(\p{L}{3,9})\.?[ \t\x{a0}]+(\d{1,2})(?:st|nd|rd|th)?,?[ \t\x{a0}]+(\d{4})$`)
)

// window is how far before a year its date may start ("3rd of September,
// 2026" is 24 bytes).
const window = 40

// candidates returns the plausible dates of text; a date that two
// patterns read at the same place is kept once.
func candidates(text string, monthFirst bool, latest time.Time) []candidate {
	var out []candidate
	seen := map[int]bool{}
	add := func(at, end int, y, m, d int) {
		if seen[at] || !standsAlone(text, at, end) {
			return
		}
		t, ok := plausible(y, m, d, latest)
		if !ok {
			return
		}
		seen[at] = true
		out = append(out, candidate{date: t, at: at})
	}
	// match runs re on text[from:to] and returns its submatch offsets in text.
	match := func(re *regexp.Regexp, from, to int) []int {
		m := re.FindStringSubmatchIndex(text[from:to])
		for k := range m {
			if m[k] >= 0 {
				m[k] += from
			}
		}
		return m
	}
	for i := 0; i < len(text); {
		if !isDigit(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && isDigit(text[j]) {
			j++
		}
		n := j - i
		// Each pattern is tried only when what it needs is there: a
		// separator next to the number, a month's name before it.
		sepBefore := i > 0 && strings.IndexByte("./-", text[i-1]) >= 0
		if n == 4 && j < len(text) && strings.IndexByte("./-", text[j]) >= 0 {
			if m := match(isoRE, i, min(len(text), i+10)); m != nil && text[m[4]:m[5]] == text[m[8]:m[9]] {
				add(m[0], m[1], atoi(text, m, 1), atoi(text, m, 3), atoi(text, m, 5))
			}
		}
		if n == 4 || n == 2 && sepBefore {
			from := max(0, i-window)
			for from < i && !utf8.RuneStart(text[from]) {
				from++
			}
			var m []int
			if sepBefore {
				m = match(numRE, from, j)
			}
			if m != nil && text[m[4]:m[5]] == text[m[8]:m[9]] {
				sep := text[m[4]:m[5]]
				a, b := atoi(text, m, 1), atoi(text, m, 3)
				y := atoi(text, m, 5)
				if m[11]-m[10] == 2 {
					y = fullYear(y, latest)
				}
				day, month := a, b
				switch {
				case a > 12:
				case b > 12:
					day, month = b, a
				case sep != "." && monthFirst:
					// 12/03/2026 in an English text is December 3.
					day, month = b, a
				}
				add(m[0], m[1], y, month, day)
			}
			if n == 4 && namesMonth(text[from:i]) {
				if m := match(dmyRE, from, j); m != nil {
					if mo, ok := months[strings.ToLower(text[m[4]:m[5]])]; ok {
						add(m[0], m[1], atoi(text, m, 3), int(mo), atoi(text, m, 1))
					}
				}
				if m := match(mdyRE, from, j); m != nil {
					if mo, ok := months[strings.ToLower(text[m[2]:m[3]])]; ok {
						add(m[0], m[1], atoi(text, m, 3), int(mo), atoi(text, m, 2))
					}
				}
			}
		}
		i = j
	}
	return out
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// namesMonth reports whether s has a word that is a month's name.
func namesMonth(s string) bool {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if len(w) >= 3 && len(w) <= 18 {
			if _, ok := months[strings.ToLower(w)]; ok {
				return true
			}
		}
	}
	return false
}

// atoi reads submatch i of m, which the patterns make all digits.
func atoi(text string, m []int, i int) int {
	n, err := strconv.Atoi(text[m[2*i]:m[2*i+1]])
	if err != nil {
		return -1
	}
	return n
}

// fullYear reads a two-digit year as the latest year ending so that is
// not after latest: 26 is 2026 in 2026, 99 is 1999.
func fullYear(yy int, latest time.Time) int {
	y := latest.Year()/100*100 + yy
	if y > latest.Year() {
		y -= 100
	}
	return y
}

// plausible returns the date y-m-d when the calendar has it, its year is
// 1900 or later and it is not after latest.
func plausible(y, m, d int, latest time.Time) (time.Time, bool) {
	if y < 1900 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || t.After(latest) {
		return time.Time{}, false // February 30 becomes March 2
	}
	return t, true
}

// standsAlone reports whether text[at:end] is not part of a longer run of
// digits and separators (a version, a part number, a longer date).
func standsAlone(text string, at, end int) bool {
	if at > 0 {
		r, _ := utf8.DecodeLastRuneInString(text[:at])
		if unicode.IsDigit(r) || unicode.IsLetter(r) {
			return false
		}
		if (r == '.' || r == '/' || r == '-') && at > 1 {
			if r2, _ := utf8.DecodeLastRuneInString(text[:at-1]); unicode.IsDigit(r2) {
				return false
			}
		}
	}
	if end < len(text) {
		r, _ := utf8.DecodeRuneInString(text[end:])
		if unicode.IsDigit(r) {
			return false
		}
		if (r == '.' || r == '/' || r == '-') && end+1 < len(text) {
			if r2, _ := utf8.DecodeRuneInString(text[end+1:]); unicode.IsDigit(r2) {
				return false
			}
		}
	}
	return true
}

// Labels. A date is labelled when the words right before it (on its line,
// or ending the line before when it starts its line, as in a table) are a
// date label: a word that ends a phrase naming the date, or a phrase
// ending "date"/"datum" that does not name another date.
var (
	// Words right before a date that make it the document's: "Paris, le
	// 3 décembre", "Berlin, den 3. Dezember", "Rechnung vom 03.12.2026",
	// "Facture du 03/12/2026", "Dated 3 December 2026".
	leadWords = map[string]bool{"le": true, "den": true, "vom": true, "du": true, "dated": true, "issued": true}
	// Last words of a phrase naming the document's date, besides
	// "date"/"datum" themselves: "Date of issue", "Date d'émission",
	// "Date de facture".
	issueWords = map[string]bool{"issue": true, "issued": true, "invoice": true, "facture": true, "facturation": true,
		"émission": true, "emission": true, "d'émission": true, "d'emission": true, "letter": true, "statement": true}
	// Words before "date" that name another date.
	otherDates = map[string]bool{"due": true, "delivery": true, "expiry": true, "expiration": true, "birth": true,
		"shipping": true, "ship": true, "start": true, "end": true, "payment": true, "service": true, "value": true,
		"closing": true, "maturity": true, "travel": true, "departure": true, "arrival": true, "valid": true}
	// Prefixes of German "…datum" compounds that name the document's date
	// (Rechnungsdatum, Ausstellungsdatum, Briefdatum); others (Lieferdatum,
	// Fälligkeitsdatum, Geburtsdatum) name another.
	datumPrefixes = map[string]bool{"": true, "rechnungs": true, "ausstellungs": true, "beleg": true, "belegs": true,
		"brief": true, "dokument": true, "dokumenten": true, "bescheid": true, "bescheids": true, "schreiben": true,
		"schreibens": true, "erstellungs": true, "druck": true}
)

// labelledAt reports whether the date starting at text[at] follows a date
// label.
func labelledAt(text string, at int) bool {
	lineStart := strings.LastIndexByte(text[:at], '\n') + 1
	before := text[lineStart:at]
	if strings.TrimSpace(before) == "" && lineStart > 0 {
		// A label on the line before: "Invoice date\n03.12.2026".
		prev := strings.TrimRight(text[:lineStart-1], " \t\r")
		before = prev[strings.LastIndexByte(prev, '\n')+1:]
	}
	if len(before) > 120 {
		cut := len(before) - 120
		for cut < len(before) && !utf8.RuneStart(before[cut]) {
			cut++
		}
		before = before[cut:]
	}
	words := strings.FieldsFunc(strings.ToLower(before), func(r rune) bool {
		return !unicode.IsLetter(r) && r != '\'' && r != '’'
	})
	// The label must end right before the date: only spaces, colons,
	// dashes and the like between them.
	tail := strings.TrimRightFunc(before, func(r rune) bool {
		return unicode.IsSpace(r) || r == ':' || r == '-' || r == '–' || r == '|' || r == '='
	})
	if tail == "" {
		return false
	}
	if last, _ := utf8.DecodeLastRuneInString(tail); !unicode.IsLetter(last) {
		return false
	}
	if len(words) == 0 {
		return false
	}
	w := strings.ReplaceAll(words[len(words)-1], "’", "'")
	prev := func(k int) string {
		if len(words) > k {
			return strings.ReplaceAll(words[len(words)-1-k], "’", "'")
		}
		return ""
	}
	switch {
	case leadWords[w]:
		// "Fällig am", "payable on" are not here: only words that introduce
		// a writing or issue date.
		return true
	case w == "date" || w == "dates":
		return !otherDates[prev(1)]
	case strings.HasSuffix(w, "datum"):
		return datumPrefixes[strings.TrimSuffix(w, "datum")]
	case issueWords[w]:
		// "Date of issue", "Date d'émission", "Date de facture": "date"
		// within the phrase's last three words.
		for k := 1; k <= 3; k++ {
			if p := prev(k); p == "date" {
				return true
			}
		}
		return false
	}
	return false
}
