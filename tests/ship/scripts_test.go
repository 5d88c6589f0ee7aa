package ship

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/tests/testenv"
)

// relaxedScripts are checked at a lower shellcheck severity, each for a
// stated reason; remove an entry once its script is clean.
var relaxedScripts = map[string]string{
	// Owned by another change in progress; its only findings are SC2317
	// and SC2012 infos (functions it calls from a trap look unreachable).
	"scripts/bench-worker.sh": "warning",
}

var shellShebang = regexp.MustCompile(`^#!\s*(/usr)?/bin/(env\s+)?(ba|da)?sh\b`)

// shellScripts are the shell scripts under scripts/ (by extension or
// shebang) and CI's entry point.
func shellScripts(t *testing.T, root string) []string {
	t.Helper()
	out := []string{".ci/run"}
	err := filepath.WalkDir(filepath.Join(root, "scripts"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if strings.HasSuffix(path, ".sh") {
			out = append(out, rel)
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		if sc.Scan() && shellShebang.MatchString(sc.Text()) {
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestShellScriptsPassShellcheck(t *testing.T) {
	t.Parallel()
	root := testenv.ModuleRoot(t)
	shellcheck := tool(t, "shellcheck")
	scripts := shellScripts(t, root)
	if len(scripts) < 4 {
		t.Fatalf("found only %v", scripts)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	var strict []string
	for _, s := range scripts {
		if r := run(t, root, env, time.Minute, "", "bash", "-n", s); r.code != 0 {
			t.Errorf("bash -n %s: %s", s, r)
		}
		if sev, ok := relaxedScripts[s]; ok {
			if r := run(t, root, env, 2*time.Minute, "", shellcheck, "--format=gcc", "--severity="+sev, s); r.code != 0 {
				t.Errorf("shellcheck --severity=%s %s:\n%s%s", sev, s, r.stdout, r.stderr)
			}
			continue
		}
		strict = append(strict, s)
	}
	r := run(t, root, env, 5*time.Minute, "", append([]string{shellcheck, "--format=gcc"}, strict...)...)
	if r.code != 0 {
		t.Errorf("shellcheck:\n%s%s", r.stdout, r.stderr)
	}
	t.Logf("shellcheck passed on %d scripts", len(scripts))
}
