package classify

import (
	"context"
	"sort"
	"strings"
	"testing"
)

// TestLongManualFiledUnderItsSubject: issue 19's reference manual
// (libtasn1's), as the worker classifies a new owner's first document. A C
// library's manual says its subject's words hundreds of times (asn, der,
// encoding) and "version" tens of times (--version, check_version,
// "version 4.19", its licence's "Modified Version"), among hundreds of
// ordinary words said a few times each. Weighed 1 + ln n, its vector was
// so flat that its best cosine stayed low (this one: Security 0.22,
// unfiled; the real manual: unfiled, "Version control" first, as English
// alone (WordNet) calls "version" rare where software documentation says it
// everywhere). Topics as in the long-document corpus
// (scripts/make-classify-corpus-long.sh).
func TestLongManualFiledUnderItsSubject(t *testing.T) {
	topics := []Topic{
		{ID: "vcs", Name: "Version control", Description: "Version control systems such as Git: repositories, commits, branches, merging and rebasing, the history of a project, patches and working together on source code."},
		{ID: "security", Name: "Security and cryptography", Description: "Cryptography and security: encryption, hash functions, digital signatures, keys, TLS, certificates (X.509, ASN.1) and the manuals of cryptographic libraries and tools."},
		{ID: "shell", Name: "Shells and the command line", Description: "The command line: Unix shells such as bash and zsh, shell scripts, and command-line tools for working with files and text such as grep, sed, find and the coreutils."},
		{ID: "databases", Name: "Databases", Description: "Database systems such as PostgreSQL and SQLite: SQL queries, tables and indexes, transactions, data types, backups and running a database server."},
		{ID: "graphics", Name: "Images and graphics", Description: "Digital images and graphics: image file formats such as PNG, JPEG and TIFF, image processing and conversion, colour, compression and image libraries."},
	}
	b, err := Train(context.Background(), TrainInput{Topics: topics}, Options{SelfTrain: true})
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	text.WriteString("Libtasn1 reference manual\n")
	say := func(w string, n int) {
		for range n {
			text.WriteString(w + " ")
		}
	}
	say("asn1_create_element", 350)
	say("der", 120)
	say("encoding", 90)
	say("const char len int", 70)
	say("version", 76)
	say("history", 8)
	say("certificate x509", 12)
	say("function library manual", 25)
	// The bulk of any manual: ordinary English words, a few times each
	// (600 stems of WordNet's glosses, neither rare nor everywhere).
	var ordinary []string
	for s, p := range englishBackground() {
		if p > 0.02 && p < 0.3 && len(s) >= 4 && !stopWords[s] {
			ordinary = append(ordinary, s)
		}
	}
	sort.Strings(ordinary)
	for i, w := range ordinary[:min(600, len(ordinary))] {
		say(w, 1+i%4)
	}
	res, err := b.Classify(context.Background(), Document{Filename: "libtasn1.pdf", Text: text.String()}, topics)
	if err != nil {
		t.Fatal(err)
	}
	if top := res.Matches[0]; top.TopicID != "security" || !top.Assigned {
		t.Errorf("best %s %.2f (assigned %v), want security assigned; all %+v", top.TopicID, top.Score, top.Assigned, res.Matches)
	}
}
