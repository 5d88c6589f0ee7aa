package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandLineMessages: cobra's own errors come out as one line, like
// every other error, with exit 64; a group command (topic, doc, user…)
// refuses a word that is none of its subcommands instead of printing its
// help and exiting 0 (issue 21, item 9).
func TestCommandLineMessages(t *testing.T) {
	d := deployed(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"uplod"}, `docuvault: unknown command "uplod" for "docuvault"; did you mean "upload"? (see docuvault --help)`},
		{[]string{"topic", "ad"}, `docuvault: unknown command "ad" for "docuvault topic"; did you mean "add"? (see docuvault topic --help)`},
		{[]string{"doc", "frobnicate"}, `docuvault: unknown command "frobnicate" for "docuvault doc" (see docuvault doc --help)`},
		{[]string{"search"}, `docuvault: search: requires at least 1 arg(s), only received 0 (usage: docuvault search QUERY... [--user H] [--topic T] [--limit N] [--json])`},
		{[]string{"topic", "add"}, `docuvault: topic add: accepts 1 arg(s), received 0 (usage: docuvault topic add NAME [--user H])`},
		{[]string{"topic", "add", "X", "--bogus"}, `docuvault: unknown flag: --bogus (see docuvault topic add --help)`},
	} {
		r := d.run(t, nil, c.args...)
		if r.code != 64 || strings.TrimSpace(r.stderr) != c.want || r.stdout != "" {
			t.Errorf("docuvault %s: exit %d\nstderr %q\nwant   %q\nstdout %q", strings.Join(c.args, " "), r.code, r.stderr, c.want, r.stdout)
		}
	}
	// Alone, a group shows its help.
	d.run(t, nil, "topic").check(t, 0, "Available Commands:", "")
}

// TestExitCodesAsTheREADMESays: 2 is for some items failed among others
// done; all failed is 1; a flag value that cannot be used, or no user
// named where several exist, is 64 (issue 21, item 10).
func TestExitCodesAsTheREADMESays(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	dir := t.TempDir()
	good := writeFile(t, filepath.Join(dir, "good.txt"), []byte("an invoice\n"))
	missing := filepath.Join(dir, "missing.pdf")

	d.run(t, nil, "upload", missing).check(t, 1, "", "1 of 1 file(s) failed")
	d.run(t, nil, "upload", missing, good).check(t, 2, "stored", "1 of 2 file(s) failed")
	d.run(t, nil, "extract", missing).check(t, 1, "", "1 of 1 files could not be read")
	d.run(t, nil, "topic", "add", "Car", "--color", "red").check(t, 64, "", `topic add: invalid topic: colour "red": use #rrggbb`)
	d.run(t, nil, "topic", "add", "Car", "--match", "(", "--algorithm", "regex").check(t, 64, "", "invalid match rule")
	d.run(t, nil, "topic", "add", "Car", "--match", "(?:\\w+\\s?){1000}Z", "--algorithm", "regex").check(t, 64, "", "")
	d.run(t, nil, "topic", "add", "Car").check(t, 0, "", "")
	d.run(t, nil, "topic", "edit", "Car", "--color", "blue").check(t, 64, "", `colour "blue"`)
	d.run(t, nil, "user", "add", "bob", "--email", "bob@example.org").check(t, 0, "", "")
	d.run(t, nil, "topic", "add", "Tax").check(t, 64, "", "there are several users; pass --user HANDLE or set DOCUVAULT_USER")
	d.run(t, map[string]string{"DOCUVAULT_USER": "ann"}, "topic", "add", "Tax").check(t, 0, `created topic "Tax" for ann`, "")
}

// TestDocumentIDPrefixesAndTopicListUser: a document is named by a unique
// start of its id, as git names commits; `topic list` honours
// DOCUVAULT_USER (issue 21, item 8).
func TestDocumentIDPrefixesAndTopicListUser(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	d.run(t, nil, "user", "add", "bob", "--email", "bob@example.org").check(t, 0, "", "")
	ann := map[string]string{"DOCUVAULT_USER": "ann"}
	d.run(t, ann, "topic", "add", "Finance").check(t, 0, "", "")
	d.run(t, map[string]string{"DOCUVAULT_USER": "bob"}, "topic", "add", "Garden").check(t, 0, "", "")
	r := d.run(t, ann, "topic", "list")
	r.check(t, 0, "Finance", "")
	if strings.Contains(r.stdout, "Garden") {
		t.Errorf("topic list with DOCUVAULT_USER=ann shows bob's topics:\n%s", r.stdout)
	}
	if r := d.run(t, nil, "topic", "list"); !strings.Contains(r.stdout, "Garden") || !strings.Contains(r.stdout, "Finance") {
		t.Errorf("topic list without a user should show everyone's:\n%s", r.stdout)
	}

	dir := t.TempDir()
	var paths []string
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		paths = append(paths, writeFile(t, filepath.Join(dir, n+".txt"), []byte("invoice "+n+"\n")))
	}
	lines := parseLines(t, d.run(t, ann, append([]string{"upload", "--json", "--no-classify"}, paths...)...).stdout)
	id := lines["a.txt"].ID
	d.run(t, ann, "doc", "show", id[:8]).check(t, 0, id, "")
	d.run(t, ann, "doc", "show", strings.ToUpper(id[:8])).check(t, 0, id, "")
	d.run(t, ann, "doc", "topics", id[:8], "--set", "Finance").check(t, 0, id+": filed under Finance", "")
	d.run(t, ann, "doc", "similar", id[:8]).check(t, 0, "", "")
	out := filepath.Join(t.TempDir(), "a.txt")
	d.run(t, ann, "doc", "get", id[:8], "-o", out).check(t, 0, "", "")
	d.run(t, ann, "doc", "show", id[:3]).check(t, 64, "", "give the id or at least its first 4 characters")
	d.run(t, ann, "doc", "show", "zzzz").check(t, 64, "", `"zzzz" is not a document id`)
	d.run(t, ann, "doc", "show", "ffff0000").check(t, 1, "", "ann has no document ffff0000")
	// bob cannot name ann's document, by prefix or whole.
	bob := map[string]string{"DOCUVAULT_USER": "bob"}
	d.run(t, bob, "doc", "show", id[:8]).check(t, 1, "", "bob has no document")
	d.run(t, bob, "doc", "show", id).check(t, 1, "", "bob has no document")
}
