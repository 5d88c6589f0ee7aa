package ship

import (
	"bufio"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/tests/testenv"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	Cmd  string // upper case: FROM, RUN, COPY…
	Args string
}

type stage struct {
	From, Name string
	Ins        []instruction
}

// parseDockerfile reads the stages of a Dockerfile; globalArgs are the ARGs
// before the first FROM, with their defaults.
func parseDockerfile(t *testing.T, path string) (globalArgs map[string]string, stages []stage) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	globalArgs = map[string]string{}
	var lines []string
	var cur strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		lines = append(lines, cur.String())
		cur.Reset()
	}
	for _, l := range lines {
		cmd, args, _ := strings.Cut(l, " ")
		in := instruction{Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args)}
		if in.Cmd == "FROM" {
			from, name, _ := strings.Cut(in.Args, " AS ")
			if !strings.Contains(in.Args, " AS ") {
				from, name, _ = strings.Cut(in.Args, " as ")
			}
			stages = append(stages, stage{From: strings.TrimSpace(from), Name: strings.TrimSpace(name)})
			continue
		}
		if len(stages) == 0 {
			if in.Cmd == "ARG" {
				k, v, _ := strings.Cut(in.Args, "=")
				globalArgs[k] = v
			}
			continue
		}
		s := &stages[len(stages)-1]
		s.Ins = append(s.Ins, in)
	}
	return globalArgs, stages
}

// imageConfig is what the final stage sets for containers.
type imageConfig struct {
	Entrypoint, Cmd []string
	User            string
}

func execForm(t *testing.T, in instruction) []string {
	t.Helper()
	var v []string
	if err := json.Unmarshal([]byte(in.Args), &v); err != nil {
		t.Fatalf("%s %s: want the exec (JSON) form: %v", in.Cmd, in.Args, err)
	}
	return v
}

func dockerImage(t *testing.T, root string) imageConfig {
	t.Helper()
	_, stages := parseDockerfile(t, filepath.Join(root, "Dockerfile"))
	var img imageConfig
	for _, in := range stages[len(stages)-1].Ins {
		switch in.Cmd {
		case "ENTRYPOINT":
			img.Entrypoint = execForm(t, in)
		case "CMD":
			img.Cmd = execForm(t, in)
		case "USER":
			img.User = in.Args
		}
	}
	return img
}

// The runtime image: docuvault as the entrypoint, the extraction tools,
// not root.
func TestDockerfileRuntimeStage(t *testing.T) {
	t.Parallel()
	root := testenv.ModuleRoot(t)
	_, stages := parseDockerfile(t, filepath.Join(root, "Dockerfile"))
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a runtime stage", len(stages))
	}
	final := stages[len(stages)-1]
	if strings.HasPrefix(final.From, "golang") {
		t.Errorf("runtime stage FROM %s: the toolchain must not ship", final.From)
	}
	img := dockerImage(t, root)
	if strings.Join(img.Entrypoint, " ") != "docuvault" {
		t.Errorf("ENTRYPOINT %q, want [\"docuvault\"]", img.Entrypoint)
	}
	if u, _, _ := strings.Cut(img.User, ":"); u == "" || u == "root" || u == "0" {
		t.Errorf("USER %q: the image must run as an unprivileged user", img.User)
	}
	var installs, copies string
	for _, in := range final.Ins {
		if in.Cmd == "RUN" && strings.Contains(in.Args, "apt-get install") {
			installs += in.Args
		}
		if in.Cmd == "COPY" && strings.HasPrefix(in.Args, "--from=") {
			copies += in.Args + "\n"
		}
	}
	for _, pkg := range []string{"poppler-utils", "tesseract-ocr", "tesseract-ocr-osd", "qpdf", "ca-certificates"} {
		if !regexp.MustCompile(`\s` + regexp.QuoteMeta(pkg) + `(\s|$)`).MatchString(installs) {
			t.Errorf("runtime stage does not install %s", pkg)
		}
	}
	if !regexp.MustCompile(`(?m)^--from=\S+ \S+ /usr/local/bin/docuvault$`).MatchString(copies) {
		t.Errorf("runtime stage does not copy the binary to /usr/local/bin/docuvault: %q", copies)
	}
}

// The build stage's RUN lines, run in a copy of exactly the build context
// .dockerignore leaves, give a static binary with the build args injected.
func TestDockerfileBuildStage(t *testing.T) {
	t.Parallel()
	root := testenv.ModuleRoot(t)
	globalArgs, stages := parseDockerfile(t, filepath.Join(root, "Dockerfile"))
	final := stages[len(stages)-1]
	var build *stage
	var binSrc string
	for _, in := range final.Ins {
		if in.Cmd == "COPY" && strings.HasPrefix(in.Args, "--from=") {
			f := strings.Fields(in.Args)
			from := strings.TrimPrefix(f[0], "--from=")
			for i := range stages {
				if stages[i].Name == from {
					build, binSrc = &stages[i], f[1]
				}
			}
		}
	}
	if build == nil {
		t.Fatal("the runtime stage copies from no build stage")
	}
	if !strings.HasPrefix(build.From, "golang:${GO_VERSION}") || globalArgs["GO_VERSION"] == "" {
		t.Errorf("build stage FROM %s (GO_VERSION %q): want golang:${GO_VERSION}", build.From, globalArgs["GO_VERSION"])
	}

	ctxDir := buildContext(t, root)
	out := t.TempDir()
	env := append(os.Environ(), "HOME="+os.Getenv("HOME"))
	vars := map[string]string{}
	workdir := ctxDir
	ran := 0
	for _, in := range build.Ins {
		switch in.Cmd {
		case "ENV":
			for _, kv := range strings.Fields(in.Args) {
				k, v, _ := strings.Cut(kv, "=")
				vars[k] = v
				env = append(env, k+"="+v)
			}
		case "ARG":
			k, v, _ := strings.Cut(in.Args, "=")
			vars[k] = v
			env = append(env, k+"="+v)
		case "WORKDIR", "COPY":
			// WORKDIR /src and COPY … ./ are the build context copy itself.
		case "RUN":
			script := strings.ReplaceAll(in.Args, filepath.Dir(binSrc)+"/", out+"/")
			r := run(t, workdir, env, 10*time.Minute, "", "sh", "-c", script)
			if r.code != 0 {
				t.Fatalf("RUN %s: %s", in.Args, r)
			}
			ran++
		default:
			t.Fatalf("build stage: %s is not emulated by this test (teach it)", in.Cmd)
		}
	}
	bin := filepath.Join(out, filepath.Base(binSrc))
	if ran == 0 {
		t.Fatal("no RUN in the build stage")
	}
	r := run(t, t.TempDir(), []string{"PATH=/usr/bin:/bin"}, time.Minute, "", bin, "version")
	want := "docuvault " + vars["VERSION"] + " (commit " + vars["COMMIT"] + ", built " + vars["DATE"] + ")"
	if r.code != 0 || strings.TrimSpace(r.stdout) != want {
		t.Errorf("version: %s\nwant %q", r, want)
	}
	checkStaticBinary(t, bin, "linux")
}

// checkStaticBinary asserts a Go binary was built without cgo, with
// -trimpath, and (for linux) needs no dynamic loader.
func checkStaticBinary(t *testing.T, path, goos string) *buildinfo.BuildInfo {
	t.Helper()
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" || settings["GOOS"] != goos {
		t.Errorf("%s: CGO_ENABLED=%q -trimpath=%q GOOS=%q, want 0, true, %s", path, settings["CGO_ENABLED"], settings["-trimpath"], settings["GOOS"], goos)
	}
	if goos == "linux" {
		f, err := elf.Open(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		defer f.Close()
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s is dynamically linked", path)
			}
		}
	}
	return info
}

// buildContext copies what `docker build .` would send: the checkout less
// what .dockerignore excludes (Docker's rules: patterns relative to the
// root, `**/` at any depth, a matching directory takes its contents, the
// last matching pattern wins, `!` re-includes).
func buildContext(t *testing.T, root string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			patterns = append(patterns, l)
		}
	}
	ignored := func(rel string) bool {
		out := false
		for _, p := range patterns {
			neg := strings.HasPrefix(p, "!")
			p = strings.TrimPrefix(strings.TrimPrefix(p, "!"), "/")
			if matchIgnore(p, rel) {
				out = !neg
			}
		}
		return out
	}
	dst := t.TempDir()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if ignored(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		return copyFile(path, target)
	})
	if err != nil {
		t.Fatalf("build context: %v", err)
	}
	// The runtime stage copies the licence files from the context too.
	for _, need := range []string{"go.mod", "go.sum", "main.go", "migrations", "LICENSE", "LICENSE-THIRD-PARTY.md"} {
		if _, err := os.Stat(filepath.Join(dst, need)); err != nil {
			t.Fatalf(".dockerignore excludes %s, which the build needs", need)
		}
	}
	for _, secret := range []string{".env", ".env.app", ".dev", ".git"} {
		if _, err := os.Stat(filepath.Join(root, secret)); err == nil && !ignored(secret) {
			t.Errorf(".dockerignore lets %s into the build context", secret)
		}
	}
	return dst
}

func matchIgnore(pattern, rel string) bool {
	if rest, ok := strings.CutPrefix(pattern, "**/"); ok {
		parts := strings.Split(rel, "/")
		for i := range parts {
			if matchIgnore(rest, strings.Join(parts[i:], "/")) {
				return true
			}
		}
		return false
	}
	ok, _ := filepath.Match(pattern, rel)
	return ok
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
