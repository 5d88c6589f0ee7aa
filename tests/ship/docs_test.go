package ship

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/cmd"
	"github.com/docuvault/docuvault/tests/testenv"
)

var (
	fenced     = regexp.MustCompile("(?ms)^[ \\t]*```[^\\n]*\\n(.*?)^[ \\t]*```")
	inlineCode = regexp.MustCompile("`([^`\\n]+)`")
	assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
)

// docuvaultCommands finds the docuvault command lines in markdown: in code
// blocks and inline code, each `docuvault` (or …/bin/docuvault, also after
// NAME= as in ExecStart=) with the words after it up to a shell operator.
func docuvaultCommands(md string) [][]string {
	var texts []string
	for _, m := range fenced.FindAllStringSubmatch(md, -1) {
		texts = append(texts, strings.ReplaceAll(m[1], "\\\n", " "))
	}
	for _, m := range inlineCode.FindAllStringSubmatch(fenced.ReplaceAllString(md, ""), -1) {
		texts = append(texts, m[1])
	}
	var out [][]string
	for _, text := range texts {
		for _, line := range strings.Split(text, "\n") {
			words := shellWords(line)
			for i, w := range words {
				if !isDocuvault(w) {
					continue
				}
				if i > 0 && strings.HasPrefix(words[i-1], "-") {
					continue // a flag's value: sudo -u docuvault, install -o docuvault
				}
				if i+1 < len(words) && isDocuvault(words[i+1]) {
					continue // install docuvault /usr/local/bin/docuvault, sudo -u docuvault docuvault …
				}
				var args []string
				for _, a := range words[i+1:] {
					if isShellOperator(a) {
						break
					}
					args = append(args, a)
				}
				if len(args) > 0 {
					out = append(out, args)
				}
			}
		}
	}
	return out
}

// isDocuvault says whether a word runs docuvault: the name, a path to it in
// a bin directory, either after NAME= (ExecStart=…).
func isDocuvault(w string) bool {
	w = assignment.ReplaceAllString(w, "")
	return w == "docuvault" || strings.HasSuffix(w, "/bin/docuvault")
}

func isShellOperator(w string) bool {
	switch w {
	case "&&", "||", ";", "|", "&", ")", "\\":
		return true
	}
	return strings.HasPrefix(w, "#") || strings.HasPrefix(w, ">") || strings.HasPrefix(w, "<") ||
		strings.HasPrefix(w, "2>") || strings.HasSuffix(w, ";")
}

// shellWords splits a line into words, keeping quoted strings whole.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	var quote rune
	inWord := false
	for _, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// Every docuvault command line in the operator's guide is one the binary
// accepts: the subcommand exists and runs, each flag exists, the number of
// arguments fits.
func TestOperationsGuideCommandsExist(t *testing.T) {
	t.Parallel()
	seen := checkCommands(t, filepath.Join("docs", "operations.md"), false)
	for _, want := range []string{"migrate up", "grant", "bucket init", "health", "serve", "worker", "worker --drain", "user add", "version"} {
		if !seen[want] {
			t.Errorf("docs/operations.md never shows `docuvault %s`", want)
		}
	}
}

// Every docuvault command line the README shows runs as shown: the
// command exists, its flags parse, its arguments fit. Synopses (with
// [optional], A|B or … in them) are left to the help text.
func TestREADMECommandsExist(t *testing.T) {
	t.Parallel()
	seen := checkCommands(t, "README.md", true)
	for _, want := range []string{"classify", "doc topics", "search", "upload", "worker --drain"} {
		if !seen[want] {
			t.Errorf("README.md never shows `docuvault %s` as a runnable line", want)
		}
	}
}

var flagName = regexp.MustCompile(`(?:^|[\s\[|])--([a-z][a-z0-9-]*)`)

// checkCommands checks the docuvault command lines of a markdown file of
// the repository against the real command tree and returns the command
// paths it saw (with " --drain" when given). skipSynopses leaves out lines
// written in synopsis notation.
func checkCommands(t *testing.T, file string, skipSynopses bool) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), file))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	checked := 0
	for _, args := range docuvaultCommands(string(b)) {
		line := strings.Join(args, " ")
		if skipSynopses && (strings.ContainsAny(line, "[]|…") || strings.Contains(line, "...")) {
			// A synopsis: its command must exist and every flag it names.
			c, _, err := cmd.NewRootCommand(io.Discard, io.Discard).Find(args)
			if err != nil {
				t.Errorf("%s: docuvault %s: no such command (%v)", file, line, err)
				continue
			}
			for _, w := range flagName.FindAllStringSubmatch(line, -1) {
				if c.Flags().Lookup(w[1]) == nil && c.InheritedFlags().Lookup(w[1]) == nil {
					t.Errorf("%s: docuvault %s: %s has no flag --%s", file, line, c.CommandPath(), w[1])
				}
			}
			continue
		}
		checked++
		rootCmd := cmd.NewRootCommand(io.Discard, io.Discard)
		c, rest, err := rootCmd.Find(args)
		if err != nil || c == rootCmd {
			t.Errorf("%s: docuvault %s: no such command (%v)", file, line, err)
			continue
		}
		if err := c.ParseFlags(rest); err != nil {
			t.Errorf("%s: docuvault %s: %v", file, line, err)
			continue
		}
		if !c.Runnable() {
			t.Errorf("%s: docuvault %s: %s is not a command that runs", file, line, c.CommandPath())
			continue
		}
		if err := c.ValidateArgs(c.Flags().Args()); err != nil {
			t.Errorf("%s: docuvault %s: %v", file, line, err)
		}
		path := strings.TrimPrefix(c.CommandPath(), "docuvault ")
		if c.Flags().Changed("drain") {
			path += " --drain"
		}
		seen[path] = true
	}
	t.Logf("%s: %d docuvault command lines checked", file, checked)
	return seen
}

// The systemd units in the guide pass `systemd-analyze verify` (unknown
// keys, bad values, an ExecStart that is not executable), run on the fresh
// build in place of /usr/local/bin/docuvault.
func TestOperationsGuideSystemdUnits(t *testing.T) {
	t.Parallel()
	root := testenv.ModuleRoot(t)
	analyze := tool(t, "systemd-analyze")
	b, err := os.ReadFile(filepath.Join(root, "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(docuvaultDir(t), "docuvault")
	dir := t.TempDir()
	var units []string
	for _, m := range fenced.FindAllStringSubmatch(string(b), -1) {
		unit := m[1]
		if !strings.Contains(unit, "[Service]") {
			continue
		}
		first, _, _ := strings.Cut(unit, "\n")
		name := filepath.Base(strings.TrimSpace(strings.TrimPrefix(first, "#")))
		if !strings.HasSuffix(name, ".service") {
			t.Errorf("a unit in docs/operations.md does not start with its path: %q", first)
			continue
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(strings.ReplaceAll(unit, "/usr/local/bin/docuvault", bin)), 0o644); err != nil {
			t.Fatal(err)
		}
		units = append(units, name)
		r := run(t, dir, []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, time.Minute, "", analyze, "verify", path)
		if r.code != 0 || strings.TrimSpace(r.stdout+r.stderr) != "" {
			t.Errorf("systemd-analyze verify %s: %s", name, r)
		}
	}
	if strings.Join(units, " ") != "docuvault-serve.service docuvault-worker.service docuvault-watch.service" {
		t.Errorf("units in docs/operations.md: %v, want docuvault-serve.service, docuvault-worker.service and docuvault-watch.service", units)
	}
}

// The systemd units in the guide give serve, worker and watch no deploy-time
// credential: they run as the service user, set no deploy-time variable
// (Environment=, EnvironmentFile=), name no config file with the deploy
// steps' credentials, and cannot read the one the guide makes for them
// (/etc/docuvault/deploy.yaml, root's alone, named only by the deploy
// steps). What the units do read, /etc/docuvault/env, is installed from
// .env.example, which holds none (TestComposeSecretsAndLeastPrivilege).
func TestOperationsGuideSystemdUnitsLeastPrivilege(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(testenv.ModuleRoot(t), "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	guide := string(b)
	const deployFile = "/etc/docuvault/deploy.yaml"
	if !regexp.MustCompile(`install -m 600 -o root -g root /dev/null ` + regexp.QuoteMeta(deployFile)).MatchString(guide) {
		t.Errorf("docs/operations.md does not make %s readable by root alone", deployFile)
	}
	for _, k := range deployOnly {
		if strings.HasPrefix(k, "DATABASE_") || strings.HasPrefix(k, "MINIO_") {
			if !strings.Contains(guide, strings.ToLower(k)+":") {
				t.Errorf("docs/operations.md's %s does not hold %s", deployFile, strings.ToLower(k))
			}
		}
	}
	if !regexp.MustCompile(`install -m 600 -o docuvault -g docuvault \.env\.example /etc/docuvault/env`).MatchString(guide) {
		t.Errorf("docs/operations.md does not install the services' /etc/docuvault/env from .env.example")
	}
	units := 0
	for _, m := range fenced.FindAllStringSubmatch(guide, -1) {
		unit := m[1]
		if !strings.Contains(unit, "[Service]") {
			continue
		}
		units++
		first, _, _ := strings.Cut(unit, "\n")
		name := filepath.Base(strings.TrimSpace(strings.TrimPrefix(first, "#")))
		keys := map[string][]string{}
		for _, line := range strings.Split(unit, "\n") {
			line = strings.TrimSpace(line)
			if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
				keys[k] = append(keys[k], v)
			}
		}
		if u := keys["User"]; len(u) != 1 || u[0] != "docuvault" {
			t.Errorf("%s runs as %v, want User=docuvault", name, u)
		}
		for _, k := range []string{"Environment", "EnvironmentFile", "ExecStart", "ExecStartPre", "LoadCredential", "SetCredential"} {
			for _, v := range keys[k] {
				for _, secret := range deployOnly {
					if strings.Contains(v, secret) || strings.Contains(v, strings.ToLower(secret)) {
						t.Errorf("%s: %s=%s gives it %s", name, k, v, secret)
					}
				}
				if strings.Contains(v, deployFile) || strings.Contains(v, "docuvault_migrate") || strings.Contains(v, "--config") {
					t.Errorf("%s: %s=%s gives it the deploy steps' configuration", name, k, v)
				}
			}
		}
		hidden := false
		for _, v := range keys["InaccessiblePaths"] {
			for _, p := range strings.Fields(v) {
				if strings.TrimLeft(p, "-+") == deployFile {
					hidden = true
				}
			}
		}
		if !hidden {
			t.Errorf("%s: no InaccessiblePaths=-%s", name, deployFile)
		}
	}
	if units != 3 {
		t.Errorf("docs/operations.md has %d systemd units, want serve's, worker's and watch's", units)
	}
}
