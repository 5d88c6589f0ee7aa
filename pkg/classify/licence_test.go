package classify

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// gfdl is the GNU Free Documentation License 1.3 as Debian ships it
// (/usr/share/common-licenses/GFDL-1.3; verbatim copies are permitted).
func gfdl(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/gfdl-1.3.txt")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLicenceAppendixIsNotWhatItIsAbout: a short ASN.1 library manual with
// the GNU FDL as its appendix (as libtasn1's, issue 19) is filed under
// security, not under version control: the licence's 44 "version"s are not
// read. Without withoutLicences it goes to version control.
func TestLicenceAppendixIsNotWhatItIsAbout(t *testing.T) {
	topics := []Topic{
		{ID: "vcs", Name: "Version control", Description: "Version control systems such as Git: repositories, commits, branches, history"},
		{ID: "security", Name: "Security and cryptography", Description: "Cryptography, TLS, X.509 certificates, ASN.1, keys and signatures"},
	}
	manual := strings.Repeat("The library parses ASN.1 definitions and encodes and decodes DER structures such as X.509 certificates. "+
		"Each function takes the ASN.1 element, a buffer and its length. Certificates are read with asn1_der_decoding. ", 3)
	text := manual + "\n\nAppendix A Copying Information\n\nA.1 " + gfdl(t) +
		"\n\nConcept Index\n\nASN.1 schema . . . 2\nDER encoding . . . 5\ncertificates . . . 7\n"
	b, err := Train(context.Background(), TrainInput{Topics: topics}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.Classify(context.Background(), Document{Filename: "manual.pdf", Text: text}, topics)
	if err != nil {
		t.Fatal(err)
	}
	if res.Matches[0].TopicID != "security" {
		t.Errorf("filed first under %s (%.2f), security %.2f: the licence appendix decided", res.Matches[0].TopicID, res.Matches[0].Score, res.Matches[1].Score)
	}
}

// TestWithoutLicences: the licence is cut from its title to its last
// sentence whatever its line breaks and indentation, and what comes before
// and after it is kept; a text without one is returned as it is; a text
// that is only a licence leaves next to nothing.
func TestWithoutLicences(t *testing.T) {
	fdl := gfdl(t)
	// An Info file indents the licence by five spaces and wraps it
	// differently; a PDF's text has no indentation and hyphenates.
	info := strings.ReplaceAll(fdl, "\n", "\n     ")
	pdf := strings.ReplaceAll(strings.ReplaceAll(fdl, "\n ", "\n"), "distribute verbatim", "distri-\nbute verbatim")
	gpl := "GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007\n\nCopyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>\n" +
		"Everyone is permitted to copy and distribute verbatim copies\nof this license document, but changing it is not allowed.\n\n" +
		"Preamble\n\nThe GNU General Public License is a free, copyleft license for software and other kinds of works.\n" +
		"…\nEND OF TERMS AND CONDITIONS\n\nHow to Apply These Terms to Your New Programs\n…\nBut first, please read\n<https://www.gnu.org/licenses/why-not-lgpl.html>.\n"
	for name, lic := range map[string]string{"FDL": fdl, "FDL as Info": info, "FDL as PDF": pdf, "GPL": gpl} {
		before := "Intro: the parser reads ASN.1.\n\nAppendix A "
		after := "\n\nIndex\n\nasn1_der_decoding, 12\n"
		got := withoutLicences(before + lic + after)
		if !strings.HasPrefix(got, before) || !strings.HasSuffix(got, after) {
			t.Errorf("%s: what surrounds the licence is not kept: %q", name, got)
		}
		if strings.Contains(strings.ToLower(got), "license") || len(got) > len(before)+len(after)+40 {
			t.Errorf("%s: the licence is not cut: %q", name, got)
		}
		if alone := withoutLicences(lic); len(alone) > 40 {
			t.Errorf("%s alone: %d bytes left: %q", name, len(alone), alone)
		}
	}
	// Its last sentences missing (a truncated text): cut to the end of
	// the line of its last "this License".
	cut := fdl[:strings.Index(fdl, "ADDENDUM")]
	if got := withoutLicences("Intro.\n" + cut + "\nIndex\n"); !strings.HasPrefix(got, "Intro.\n") || strings.Contains(got, "License") {
		t.Errorf("truncated licence: %q", got)
	}
	// Two licences.
	if got := withoutLicences("A\n" + gpl + "B\n" + fdl + "C"); strings.Contains(got, "icense") || !strings.Contains(got, "B") || !strings.HasSuffix(got, "C") {
		t.Errorf("two licences: %q", got)
	}
	for _, s := range []string{"", "no licence here", "Everyone is permitted to copy this recipe.", "permitted"} {
		if got := withoutLicences(s); got != s {
			t.Errorf("%q became %q", s, got)
		}
	}
}

// TestWithoutLicencesBadInput: 10 MB of text, of the licence's opening
// words or of the licence itself repeated, comes back quickly and whole
// where it is no licence; and a document that is only a licence still gets
// an answer.
func TestWithoutLicencesBadInput(t *testing.T) {
	fdl := gfdl(t)
	for name, text := range map[string]string{
		"opening words":   strings.Repeat("Everyone is permitted to copy and distribute verbatim copies ", 10<<20/62),
		"licences":        strings.Repeat(fdl, 10<<20/len(fdl)),
		"half an opening": strings.Repeat("permitted ", 1<<20),
	} {
		t0 := time.Now()
		got := withoutLicences(text)
		if d := time.Since(t0); d > 5*time.Second {
			t.Errorf("%s: %v", name, d)
		}
		if name == "licences" && len(got) > len(text)/100 {
			t.Errorf("%s: %d of %d bytes left", name, len(got), len(text))
		}
		if name != "licences" && got != text {
			t.Errorf("%s: changed", name)
		}
	}
	topics := []Topic{{ID: "vcs", Name: "Version control", Description: "versions, history, commits"}, {ID: "docs", Name: "Documentation", Description: "manuals, documents"}}
	b, err := Train(context.Background(), TrainInput{Topics: topics, Background: []string{fdl, fdl + "\nversion history"}}, Options{SelfTrain: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.Classify(context.Background(), Document{Filename: "COPYING", Text: fdl}, topics)
	if err != nil || len(res.Matches) != len(topics) {
		t.Fatalf("%v %+v", err, res)
	}
	for _, m := range res.Matches {
		if m.Assigned {
			t.Errorf("a licence alone filed under %s (%.2f)", m.TopicID, m.Score)
		}
	}
}
