// Package chaos breaks a running DocuVault on purpose and checks that it
// keeps its promises (issue 20, "Proven in CI, not only once"): the worker
// SIGKILLed mid-batch, MinIO stopped during uploads, serve SIGKILLed during
// a large upload, PostgreSQL and Redis restarted mid-batch, and 16 clients
// at once. After each, every upload that got a success downloads
// byte-identical, every object has its row and every row its object, each
// quota is exactly the sum of its owner's documents, and `docuvault fsck`
// finds nothing. Where an outage kept a failed upload from cleaning up
// after itself (an object MinIO stored but never acknowledged, a large
// upload's reserved row while PostgreSQL was down, an unfinished multipart
// upload), `fsck --grace 0` must find exactly that, never a stored
// document, and `fsck --repair` must remove it before the checks run.
//
// Some waits are shortened rather than waited out: a killed worker's
// heartbeat (2 minutes) and the sweeper's age (1 minute) have no setting,
// so the tests move the documents' updated_at back 3 minutes, as if the
// time had passed, before starting the next worker (its first sweep runs
// at start). TestSixteenClients runs 20s (10s with -short); set
// DOCUVAULT_CHAOS_LOAD_DURATION=60s for the full minute.
//
// The tests are black-box: the docuvault binary is built once (without
// -race, to stay fast) and run as serve, worker and upload processes. They
// never touch the shared services of scripts/services.sh, which other tests
// use at the same time: each case starts its own MinIO, PostgreSQL (with
// fsync on, so a crash means something) and Redis on free loopback ports in
// its t.TempDir(), and kills and restarts those.
//
// A missing tool (the MinIO binary scripts/services.sh builds, PostgreSQL's
// initdb and pg_ctl, redis-server) skips the tests, or fails them when
// DOCUVAULT_TEST_REQUIRE_SERVICES=1.
package chaos

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// tools are the programs the tests run, found once by TestMain.
type tools struct {
	docuvault string // built by TestMain
	minio     string
	pgBin     string // directory with initdb, pg_ctl, postgres
	psql      string
	redis     string
	missing   []string // why a tool could not be found
}

var bin tools

func TestMain(m *testing.M) {
	bin = findTools()
	var dir string
	if len(bin.missing) == 0 {
		var err error
		if dir, err = os.MkdirTemp("", "docuvault-chaos-"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		bin.docuvault = filepath.Join(dir, "docuvault")
		// No -race: the binary is the thing under test, not the race detector's.
		cmd := exec.Command("go", "build", "-o", bin.docuvault, ".")
		cmd.Dir = moduleRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// needTools skips the test (or fails it with DOCUVAULT_TEST_REQUIRE_SERVICES=1)
// when a tool is missing.
func needTools(t *testing.T) {
	t.Helper()
	if len(bin.missing) > 0 {
		testenv.Unavailable(t, "%s", strings.Join(bin.missing, "; "))
	}
}

func findTools() tools {
	var tl tools
	root := moduleRoot()
	// MinIO: as scripts/services.sh names it in .dev/env, its link in
	// .dev/tools/bin, its cache, or PATH.
	candidates := []string{os.Getenv("DOCUVAULT_TEST_MINIO_BIN"), devEnv(root, "DOCUVAULT_TEST_MINIO_BIN"), filepath.Join(root, ".dev", "tools", "bin", "minio")}
	cache := os.Getenv("DOCUVAULT_TOOLS_CACHE")
	if cache == "" {
		if c, err := os.UserCacheDir(); err == nil {
			cache = filepath.Join(c, "docuvault", "tools")
		}
	}
	if cache != "" {
		found, _ := filepath.Glob(filepath.Join(cache, "minio-*", "minio"))
		sort.Sort(sort.Reverse(sort.StringSlice(found)))
		candidates = append(candidates, found...)
	}
	if p, err := exec.LookPath("minio"); err == nil {
		candidates = append(candidates, p)
	}
	for _, c := range candidates {
		if c != "" && isExecutable(c) {
			tl.minio = c
			break
		}
	}
	if tl.minio == "" {
		tl.missing = append(tl.missing, "no MinIO binary (scripts/services.sh up builds it)")
	}

	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "pg_ctl")) {
			tl.pgBin = d
			break
		}
	}
	if tl.pgBin == "" {
		tl.missing = append(tl.missing, "no PostgreSQL server (initdb, pg_ctl under /usr/lib/postgresql/*/bin)")
	} else if isExecutable(filepath.Join(tl.pgBin, "psql")) {
		tl.psql = filepath.Join(tl.pgBin, "psql")
	} else if p, err := exec.LookPath("psql"); err == nil {
		tl.psql = p
	} else {
		tl.missing = append(tl.missing, "no psql")
	}
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: it runs as postgres, through runuser.
		if _, err := user.Lookup("postgres"); err != nil {
			tl.missing = append(tl.missing, "running as root, but there is no postgres user to run PostgreSQL as")
		} else if _, err := exec.LookPath("runuser"); err != nil {
			tl.missing = append(tl.missing, "running as root, but there is no runuser")
		}
	}
	if p, err := exec.LookPath("redis-server"); err == nil {
		tl.redis = p
	} else {
		tl.missing = append(tl.missing, "no redis-server")
	}
	if _, err := exec.LookPath("go"); err != nil {
		tl.missing = append(tl.missing, "no go, to build docuvault")
	}
	return tl
}

func versionOf(pgBinDir string) int {
	var v int
	_, _ = fmt.Sscanf(filepath.Base(filepath.Dir(pgBinDir)), "%d", &v)
	return v
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// moduleRoot is the directory holding go.mod, found from the working
// directory (the package's, under go test).
func moduleRoot() string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// devEnv reads one `export NAME='value'` line of .dev/env, or "".
func devEnv(root, name string) string {
	b, err := os.ReadFile(filepath.Join(root, ".dev", "env"))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "export "+name+"="); ok {
			return strings.Trim(v, `'"`)
		}
	}
	return ""
}
