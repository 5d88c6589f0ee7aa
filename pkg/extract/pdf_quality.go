package extract

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file judges the pure-Go reader's text for PDFAuto: cheap signals
// that the reader met something it reads badly and pdftotext reads well
// (issue 18). They were chosen from a measurement on real PDFs, where the
// Go reader's text matched pdftotext's (median word F1 0.997) except on
// fonts with no usable Unicode mapping (CFF fonts with a built-in
// encoding, CID-keyed CFF fonts, TrueType fonts with a custom encoding,
// all without ToUnicode), on right-to-left scripts, and on accents drawn
// apart from their letters.
//
// Every signal is a share of what was drawn, so pages without text
// (scans, which OCR reads) weigh nothing: a scanned PDF is not sent to
// pdftotext for being empty.

// Thresholds of the signals.
const (
	// pdfMaxUnmapped is the share of drawn glyphs with no Unicode text
	// beyond which the text is judged incomplete.
	pdfMaxUnmapped = 0.05
	// pdfMinRTL is how many right-to-left letters make a text
	// right-to-left enough for pdftotext, whose bidi handling is fuller
	// than the layout's visual-to-logical rule (pdfLogicalOrder).
	pdfMinRTL = 5
	// pdfMaxLoneAccents is the share of words (and pdfMinLoneAccents the
	// least count) with a spacing accent inside them, as in "f¨ur".
	pdfMaxLoneAccents = 0.005
	pdfMinLoneAccents = 3
	// pdfMaxMojibake is the share of words (and pdfMinMojibake the least
	// count) that look like text decoded with the wrong 8-bit table.
	pdfMaxMojibake = 0.05
	pdfMinMojibake = 5
	// pdfMaxGlued is the share of letters (of scripts written with spaces)
	// in words longer than pdfGluedLen letters: words run together.
	pdfMaxGlued = 0.2
	pdfGluedLen = 25
	// pdfMinJudged is the least number of glyphs or words a share is
	// taken of: a page number alone says nothing.
	pdfMinJudged = 20
)

// pdfTextProblem returns why the Go reader's text of a PDF looks bad, as a
// phrase that follows "the Go reader's text" ("had 12% unmapped glyphs"),
// or "" when it looks fine.
func pdfTextProblem(text string, st pdfTextStats) string {
	if st.glyphs >= pdfMinJudged {
		if share := float64(st.unmapped) / float64(st.glyphs); share > pdfMaxUnmapped {
			return fmt.Sprintf("had %s unmapped glyphs", pdfPercent(share))
		}
	}
	q := pdfMeasureText(text)
	switch {
	case q.rtl >= pdfMinRTL:
		return fmt.Sprintf("had %d right-to-left letters (Arabic, Hebrew), which it orders by a simple rule only", q.rtl)
	case q.words >= pdfMinJudged && q.mojibake >= pdfMinMojibake && float64(q.mojibake) > pdfMaxMojibake*float64(q.words):
		return fmt.Sprintf("had %s words that look like mojibake (a font's own encoding read as Latin-1)", pdfPercent(float64(q.mojibake)/float64(q.words)))
	case q.words >= pdfMinJudged && q.accents >= pdfMinLoneAccents && float64(q.accents) > pdfMaxLoneAccents*float64(q.words):
		return fmt.Sprintf("had %d accents apart from their letters (as in \"f¨ur\")", q.accents)
	case q.spaced >= pdfMinJudged && float64(q.glued) > pdfMaxGlued*float64(q.spaced):
		return fmt.Sprintf("had %s of its letters in words run together", pdfPercent(float64(q.glued)/float64(q.spaced)))
	}
	return ""
}

func pdfPercent(share float64) string {
	if share < 0.1 {
		return fmt.Sprintf("%.1f%%", 100*share)
	}
	return fmt.Sprintf("%.0f%%", 100*share)
}

// pdfTextMeasure counts what pdfTextProblem judges a text by.
type pdfTextMeasure struct {
	words    int // white-space separated tokens holding a letter
	rtl      int // Hebrew, Arabic, Syriac, Thaana, N'Ko letters
	mojibake int // tokens that look like mojibake (pdfMojibakeWord)
	accents  int // spacing accents between two letters
	spaced   int // letters of scripts written with spaces between words
	glued    int // of them, letters in runs longer than pdfGluedLen
}

func pdfMeasureText(text string) pdfTextMeasure {
	var q pdfTextMeasure
	run := 0 // letters in the current run of spaced-script letters
	endRun := func() {
		if run > pdfGluedLen {
			q.glued += run
		}
		run = 0
	}
	for _, tok := range strings.Fields(text) {
		hasLetter := false
		var prev rune
		for i, r := range tok {
			switch {
			case unicode.IsLetter(r):
				hasLetter = true
				if pdfRTL(r) {
					q.rtl++
				}
				if pdfSpacedScript(r) {
					q.spaced++
					run++
				} else {
					endRun()
				}
			case unicode.Is(unicode.Mn, r):
				// A combining mark stays in its word.
			default:
				endRun()
				if pdfSpacingAccent(r) && unicode.IsLetter(prev) {
					if next, _ := utf8.DecodeRuneInString(tok[i+utf8.RuneLen(r):]); unicode.IsLetter(next) {
						q.accents++
					}
				}
			}
			prev = r
		}
		endRun()
		if hasLetter {
			q.words++
			if pdfMojibakeWord(tok) {
				q.mojibake++
			}
		}
	}
	return q
}

// pdfRTL reports whether r is a letter of a right-to-left script.
func pdfRTL(r rune) bool {
	return (r >= 0x0590 && r <= 0x08FF) || (r >= 0xFB1D && r <= 0xFDFF) || (r >= 0xFE70 && r <= 0xFEFF)
}

// pdfSpacedScript reports whether words of r's script are separated by
// spaces (not Chinese, Japanese, Thai, Lao, Khmer, Myanmar, Tibetan).
func pdfSpacedScript(r rune) bool {
	switch {
	case r < 0x0E00:
		return true
	case r <= 0x0FFF, r >= 0x1000 && r <= 0x109F, r >= 0x1780 && r <= 0x17FF:
		return false
	case r >= 0x2E80 && r <= 0xA4CF, r >= 0xF900 && r <= 0xFAFF, r >= 0x20000:
		return false
	}
	return true
}

// pdfSpacingAccent reports whether r is one of the spacing accents that TeX
// and others draw over a letter (pdfCombining maps them to combining marks).
func pdfSpacingAccent(r rune) bool {
	switch r {
	case '¨', '´', '`', 'ˆ', '˜', '¯', '˘', '˙', '˚', '¸', 'ˇ', '˝':
		return true
	}
	return false
}

// pdfMojibakeWord reports whether a token looks like 8-bit text read with
// the wrong table: mostly Latin-1 letters ("Ðóññêèé" for "Русский"), or a
// Latin-1 or StandardEncoding symbol between two letters ("f£r").
func pdfMojibakeWord(tok string) bool {
	letters, latin1 := 0, 0
	var prev rune
	symbolAfterLetter := false
	for _, r := range tok {
		if unicode.IsLetter(r) {
			letters++
			if r >= 0xC0 && r <= 0xFF && r != 0xD7 && r != 0xF7 {
				latin1++
			}
			if symbolAfterLetter {
				return true
			}
		}
		symbolAfterLetter = unicode.IsLetter(prev) && pdfMojibakeSymbol(r) || (symbolAfterLetter && pdfMojibakeSymbol(r))
		prev = r
	}
	return latin1 >= 3 && float64(latin1) > 0.6*float64(letters)
}

// pdfMojibakeSymbol reports whether r is a symbol that 8-bit text shows
// when read with Latin-1 or StandardEncoding instead of its own table.
func pdfMojibakeSymbol(r rune) bool {
	if pdfSpacingAccent(r) {
		return false // judged apart: an accent TeX drew beside its letter
	}
	switch {
	case r >= 0xA1 && r <= 0xBF && r != 0xAD && r != 0xB7:
		return true
	}
	switch r {
	case 'ƒ', '†', '‡', '‰', '‹', '›', 'ˆ', '˜', '˘', '˙', '˚', '˝', '˛', 'ˇ', '„', '‚', '•':
		return true
	}
	return false
}
