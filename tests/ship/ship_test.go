// Package ship checks what DocuVault ships, as far as a machine without a
// container engine can: docker-compose.yml validates and every docuvault
// command and healthcheck in it runs, with the same arguments and variable
// names, against the real services of scripts/services.sh; the Dockerfile's
// build line builds a working binary from exactly the build context it
// would get; `goreleaser check` passes and a snapshot build of the whole
// release matrix gives static binaries whose linux/amd64 one reports its
// injected version and passes `docuvault health`; shellcheck passes on
// scripts/; every docuvault command line in docs/operations.md parses.
//
// The tools come from `scripts/services.sh tools` (scripts/test.sh runs it).
// A missing tool or service skips a test, or fails it when
// DOCUVAULT_TEST_REQUIRE_SERVICES=1 (CI).
package ship

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/tests/testenv"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
	buildOut  []byte
)

// docuvaultDir builds docuvault once per test run into a directory of its
// own, for PATH: compose's commands call it by name, as in the image.
func docuvaultDir(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "docuvault-ship-")
		if buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, "docuvault"), ".")
		cmd.Dir = testenv.ModuleRoot(t)
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("go build: %v\n%s", buildErr, buildOut)
	}
	return binDir
}

// tool finds a program on PATH, else in .dev/tools/bin, where
// `scripts/services.sh tools` links what it builds.
func tool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	p := filepath.Join(testenv.ModuleRoot(t), ".dev", "tools", "bin", name)
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		return p
	}
	if os.Getenv(testenv.RequireVar) == "1" {
		t.Fatalf("%s is required (%s=1) but not installed: run scripts/services.sh tools", name, testenv.RequireVar)
	}
	t.Skipf("%s is not installed (run scripts/services.sh tools)", name)
	return ""
}

// result is one finished process.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return "exit " + strconv.Itoa(r.code) + "\nstdout: " + r.stdout + "\nstderr: " + r.stderr
}

// run runs argv in dir with exactly env (NAME=value lines), bounded by timeout.
func run(t *testing.T, dir string, env []string, timeout time.Duration, stdin string, argv ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, lookPath(t, argv[0], env), argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %q: %v", argv, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("run %q: still running after %s\nstdout: %s\nstderr: %s", argv, timeout, out.String(), errb.String())
	}
	return result{out.String(), errb.String(), code}
}

// lookPath finds name on the PATH of env (not of the test process), as
// the process's own shell would.
func lookPath(t *testing.T, name string, env []string) string {
	t.Helper()
	if strings.Contains(name, "/") {
		return name
	}
	path := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	t.Fatalf("%s is not on PATH=%s", name, path)
	return ""
}

// envList turns a map into NAME=value lines.
func envList(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	return out
}

// freePort returns a loopback port nobody listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
