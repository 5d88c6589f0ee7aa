package ship

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/docuvault/docuvault/tests/testenv"
)

// releaseMatrix is what the issue asks GoReleaser to build.
var releaseMatrix = []string{"darwin/amd64", "darwin/arm64", "linux/amd64", "linux/arm64", "windows/amd64", "windows/arm64"}

// goreleaserConfig is the part of .goreleaser.yaml this test asserts on.
type goreleaserConfig struct {
	Version int `yaml:"version"`
	Builds  []struct {
		Env     []string `yaml:"env"`
		Flags   []string `yaml:"flags"`
		Ldflags []string `yaml:"ldflags"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
	} `yaml:"builds"`
	Archives []struct {
		Files []string `yaml:"files"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
	} `yaml:"checksum"`
}

// goreleaserEnv is the environment GoReleaser runs with. It reads the
// repository's remote URL and gives up on all git state (commit, dates)
// without one; a checkout need not have a remote, so the test lends it one
// through git's environment configuration, leaving .git untouched.
func goreleaserEnv(t *testing.T, root string) []string {
	t.Helper()
	env := os.Environ()
	r := run(t, root, env, time.Minute, "", "git", "remote")
	if r.code != 0 {
		t.Fatalf("git remote: %s", r)
	}
	if strings.TrimSpace(r.stdout) == "" {
		env = append(env, "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=remote.origin.url", "GIT_CONFIG_VALUE_0=https://github.com/docuvault/docuvault.git")
	}
	return env
}

func TestGoreleaserCheck(t *testing.T) {
	t.Parallel()
	root := testenv.ModuleRoot(t)
	bin := tool(t, "goreleaser")
	r := run(t, root, goreleaserEnv(t, root), 2*time.Minute, "", bin, "check")
	if r.code != 0 {
		t.Fatalf("goreleaser check: %s", r)
	}

	b, err := os.ReadFile(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg goreleaserConfig
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Version != 2 || len(cfg.Builds) != 1 {
		t.Fatalf("version %d, %d builds: want GoReleaser v2 syntax and one build", cfg.Version, len(cfg.Builds))
	}
	bld := cfg.Builds[0]
	var matrix []string
	for _, goos := range bld.Goos {
		for _, arch := range bld.Goarch {
			matrix = append(matrix, goos+"/"+arch)
		}
	}
	sort.Strings(matrix)
	if strings.Join(matrix, " ") != strings.Join(releaseMatrix, " ") {
		t.Errorf("matrix %v, want %v", matrix, releaseMatrix)
	}
	if !contains(bld.Env, "CGO_ENABLED=0") || !contains(bld.Flags, "-trimpath") {
		t.Errorf("env %v, flags %v: want CGO_ENABLED=0 and -trimpath", bld.Env, bld.Flags)
	}
	ld := strings.Join(bld.Ldflags, " ")
	for _, v := range []string{"version", "commit", "date"} {
		if !strings.Contains(ld, "-X github.com/docuvault/docuvault/cmd."+v+"=") {
			t.Errorf("ldflags %q do not set cmd.%s", ld, v)
		}
	}
	if len(cfg.Archives) == 0 || !contains(cfg.Archives[0].Files, "README.md") || !contains(cfg.Archives[0].Files, "LICENSE") {
		t.Errorf("archives do not carry README.md and LICENSE")
	}
	if cfg.Checksum.NameTemplate == "" {
		t.Errorf("no checksums file")
	}
}

// A snapshot release of the whole matrix (everything a tag makes, published
// nowhere): static binaries for every target; the one for this machine
// reports the injected version, commit and date, and passes `docuvault
// health` against the local services; an archive per target with the
// licence, and a CycloneDX SBOM per binary, all in the checksums file.
func TestReleaseSnapshotBuild(t *testing.T) {
	t.Parallel()
	root := testenv.ModuleRoot(t)
	bin := tool(t, "goreleaser")
	sbomTool := tool(t, "cyclonedx-gomod")
	dep := testenv.Deploy(t) // before the long build, so a missing service fails fast

	// The real config, writing to a scratch dist/ instead of the checkout's.
	b, err := os.ReadFile(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	dist := filepath.Join(tmp, "dist")
	cfgPath := filepath.Join(tmp, "goreleaser.yaml")
	if err := os.WriteFile(cfgPath, append(b, []byte("\ndist: "+dist+"\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	env := append(goreleaserEnv(t, root), "PATH="+filepath.Dir(sbomTool)+string(os.PathListSeparator)+os.Getenv("PATH"))
	r := run(t, root, env, 25*time.Minute, "", bin, "release", "--snapshot", "--clean", "--config", cfgPath)
	if r.code != 0 {
		t.Fatalf("goreleaser release --snapshot --clean: %s", r)
	}
	t.Logf("goreleaser release --snapshot of %d targets: %s", len(releaseMatrix), time.Since(start).Round(time.Second))

	var meta struct{ Version, Commit string }
	readJSON(t, filepath.Join(dist, "metadata.json"), &meta)
	var artifacts []struct {
		Path, Goos, Goarch, Type string
	}
	readJSON(t, filepath.Join(dist, "artifacts.json"), &artifacts)
	built := map[string]string{}
	var archives, sboms []string
	for _, a := range artifacts {
		switch a.Type {
		case "Binary":
			built[a.Goos+"/"+a.Goarch] = a.Path
		case "Archive":
			archives = append(archives, a.Path)
		case "SBOM":
			sboms = append(sboms, a.Path)
		}
	}
	checkReleaseFiles(t, dist, archives, sboms)
	var targets []string
	for k := range built {
		targets = append(targets, k)
	}
	sort.Strings(targets)
	if strings.Join(targets, " ") != strings.Join(releaseMatrix, " ") {
		t.Fatalf("built %v, want %v", targets, releaseMatrix)
	}
	for target, path := range built {
		goos, goarch, _ := strings.Cut(target, "/")
		info := checkStaticBinary(t, path, goos)
		if s := setting(info.Settings, "GOARCH"); s != goarch {
			t.Errorf("%s: GOARCH %s", path, s)
		}
		// -trimpath keeps -ldflags out of the build info: look for the
		// injected strings themselves.
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte(meta.Version)) || !bytes.Contains(data, []byte(meta.Commit)) {
			t.Errorf("%s: no injected version %s and commit %s", path, meta.Version, meta.Commit)
		}
		checkExecutableFormat(t, path, goos, goarch)
	}

	// The binary for this machine runs.
	host := built[runtime.GOOS+"/"+runtime.GOARCH]
	if host == "" {
		t.Fatalf("no binary for %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	head := run(t, root, os.Environ(), time.Minute, "", "git", "log", "-1", "--format=%H %cI")
	commit, cdate, _ := strings.Cut(strings.TrimSpace(head.stdout), " ")
	if head.code != 0 || meta.Commit != commit {
		t.Fatalf("GoReleaser's commit %q, git's %q (%s)", meta.Commit, commit, head)
	}
	r = run(t, t.TempDir(), []string{"PATH=/usr/bin:/bin"}, time.Minute, "", host, "version")
	want := "docuvault " + meta.Version + " (commit " + commit + ", built "
	got := strings.TrimSpace(r.stdout)
	if r.code != 0 || !strings.HasPrefix(got, want) || !strings.HasSuffix(got, ")") {
		t.Fatalf("version: %s\nwant %q…", r, want)
	}
	built1, err := time.Parse(time.RFC3339, strings.TrimSuffix(strings.TrimPrefix(got, want), ")"))
	wantDate, _ := time.Parse(time.RFC3339, cdate)
	if err != nil || !built1.Equal(wantDate) {
		t.Errorf("version's date %q (%v), want the commit date %s", got, err, cdate)
	}

	denv := dep.Env()
	denv["PATH"] = "/usr/bin:/bin"
	r = run(t, t.TempDir(), envList(denv), time.Minute, "", host, "health")
	if r.code != 0 || !strings.Contains(r.stdout, "overall: ok") {
		t.Errorf("health with the release binary: %s", r)
	}
}

// checkReleaseFiles: one archive per target, each with the binary, README,
// LICENSE and LICENSE-THIRD-PARTY.md; one CycloneDX SBOM per binary naming
// the modules it links; checksums.txt right for every archive and SBOM.
func checkReleaseFiles(t *testing.T, dist string, archives, sboms []string) {
	t.Helper()
	if len(archives) != len(releaseMatrix) || len(sboms) != len(releaseMatrix) {
		t.Fatalf("%d archives and %d SBOMs, want %d of each", len(archives), len(sboms), len(releaseMatrix))
	}
	for _, a := range archives {
		names := archiveNames(t, a)
		for _, want := range []string{"README.md", "LICENSE", "LICENSE-THIRD-PARTY.md", ".env.example", "docs/operations.md"} {
			if !names[want] {
				t.Errorf("%s lacks %s", filepath.Base(a), want)
			}
		}
		if !names["docuvault"] && !names["docuvault.exe"] {
			t.Errorf("%s lacks the binary", filepath.Base(a))
		}
	}
	for _, p := range sboms {
		var bom struct {
			BOMFormat  string `json:"bomFormat"`
			Components []struct {
				Name, Version, Purl string
			} `json:"components"`
		}
		readJSON(t, p, &bom)
		linked := map[string]bool{}
		for _, c := range bom.Components {
			linked[c.Name] = c.Version != "" && strings.HasPrefix(c.Purl, "pkg:golang/")
		}
		for _, mod := range []string{"github.com/spf13/cobra", "github.com/minio/minio-go/v7", "github.com/gocraft/work", "github.com/lib/pq"} {
			if !linked[mod] {
				t.Errorf("%s: %s is not listed with its version", filepath.Base(p), mod)
			}
		}
		if bom.BOMFormat != "CycloneDX" {
			t.Errorf("%s: bomFormat %q", filepath.Base(p), bom.BOMFormat)
		}
	}
	sums, err := os.ReadFile(filepath.Join(dist, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		sum, name, _ := strings.Cut(line, "  ")
		listed[name] = sum
	}
	for _, p := range append(append([]string(nil), archives...), sboms...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%x", sha256.Sum256(b)); listed[filepath.Base(p)] != got {
			t.Errorf("checksums.txt has %q for %s, its SHA-256 is %s", listed[filepath.Base(p)], filepath.Base(p), got)
		}
	}
}

// archiveNames lists the files in a .tar.gz or .zip release archive.
func archiveNames(t *testing.T, path string) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	if strings.HasSuffix(path, ".zip") {
		z, err := zip.OpenReader(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		defer z.Close()
		for _, f := range z.File {
			names[f.Name] = true
		}
		return names
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		names[h.Name] = true
	}
}

// checkExecutableFormat opens a binary as its target OS's loader would.
func checkExecutableFormat(t *testing.T, path, goos, goarch string) {
	t.Helper()
	switch goos {
	case "linux":
		f, err := elf.Open(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		defer f.Close()
		want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[goarch]
		if f.Machine != want || f.Type != elf.ET_EXEC {
			t.Errorf("%s: ELF %v %v, want %v executable", path, f.Machine, f.Type, want)
		}
	case "darwin":
		f, err := macho.Open(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		defer f.Close()
		want := map[string]macho.Cpu{"amd64": macho.CpuAmd64, "arm64": macho.CpuArm64}[goarch]
		if f.Cpu != want || f.Type != macho.TypeExec {
			t.Errorf("%s: Mach-O %v %v, want %v executable", path, f.Cpu, f.Type, want)
		}
	case "windows":
		f, err := pe.Open(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		defer f.Close()
		want := map[string]uint16{"amd64": pe.IMAGE_FILE_MACHINE_AMD64, "arm64": pe.IMAGE_FILE_MACHINE_ARM64}[goarch]
		if f.Machine != want || !strings.HasSuffix(path, ".exe") {
			t.Errorf("%s: PE machine %#x, want %#x and a .exe name", path, f.Machine, want)
		}
	default:
		t.Errorf("%s: unexpected GOOS %s", path, goos)
	}
}

func setting(s []debug.BuildSetting, key string) string {
	for _, kv := range s {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
