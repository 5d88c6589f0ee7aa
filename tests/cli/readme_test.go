package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readmeBlock returns the first ```sh block after the line heading in
// README.md.
func readmeBlock(t *testing.T, readme, heading string) string {
	t.Helper()
	i := strings.Index(readme, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README.md has no %q", heading)
	}
	rest := readme[i:]
	start := strings.Index(rest, "\n```sh\n")
	if start < 0 {
		t.Fatalf("no sh block after %q", heading)
	}
	rest = rest[start+len("\n```sh\n"):]
	end := strings.Index(rest, "\n```\n")
	if end < 0 {
		t.Fatalf("unterminated sh block after %q", heading)
	}
	return rest[:end+1]
}

// TestREADMEExamplesRun runs the README's examples for uploading,
// classifying and searching as written, in bash, on a deployment where
// `scripts/run.sh` has already made its `admin` account (so there are
// several users), with the files they name in a home directory (issue 21,
// item 7: the Uploading example failed there).
func TestREADMEExamplesRun(t *testing.T) {
	d := deployed(t)
	d.runIn(t, "a long admin password\n", nil, "user", "add", "admin", "--email", "admin@example.org", "--admin", "--password-stdin").check(t, 0, "", "")
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	var script strings.Builder
	script.WriteString("set -euo pipefail\n")
	for _, h := range []string{"### Uploading", "Try topics before uploading anything:", "### Search"} {
		block := readmeBlock(t, readme, h)
		script.WriteString("echo '>>> " + h + "'\n" + block)
	}

	home := t.TempDir()
	pdfs := filepath.Join(repoRoot(t), "pkg", "extract", "testdata", "pdf")
	copyFile := func(from, to string) {
		t.Helper()
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(filepath.Join(pdfs, "groff-ms.pdf"), filepath.Join(home, "invoice.pdf"))
	copyFile(filepath.Join(pdfs, "libreoffice.pdf"), filepath.Join(home, "scans", "letter.pdf"))
	copyFile(filepath.Join(pdfs, "pdflatex.pdf"), filepath.Join(home, "scans", "2024", "paper.pdf"))

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir = home
	cmd.Env = []string{"PATH=" + filepath.Dir(binary(t)) + ":" + os.Getenv("PATH"), "HOME=" + home}
	for k, v := range d.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("the README's examples, run as written: %v\n--- script\n%s--- output\n%s", err, script.String(), out.String())
	}
	// What they did is there: ann's topic and three documents under it.
	var n int
	if err := d.dep.AdminDB(t).Get(&n, `SELECT count(*) FROM documents d JOIN users u ON u.id = d.user_id
		JOIN document_topics dt ON dt.document_id = d.id JOIN topics tp ON tp.id = dt.topic_id
		WHERE u.handle = 'ann' AND tp.name = 'Finance'`); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("ann has %d documents under Finance, want 3\n%s", n, out.String())
	}
}
