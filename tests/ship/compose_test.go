package ship

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/subosito/gotenv"
	"go.yaml.in/yaml/v3"

	"github.com/docuvault/docuvault/pkg/config"
	"github.com/docuvault/docuvault/tests/testenv"
)

// composeFile is the part of the Compose specification that
// docker-compose.yml uses. Decoding is strict: a key this test does not
// model fails it, so that nothing changes how a command runs unseen.
type composeFile struct {
	Services   map[string]service `yaml:"services"`
	Volumes    map[string]any     `yaml:"volumes"`
	Extensions map[string]any     `yaml:",inline"` // x-… blocks
}

type service struct {
	Image           string                `yaml:"image"`
	Build           string                `yaml:"build"`
	Entrypoint      strList               `yaml:"entrypoint"`
	Command         strList               `yaml:"command"`
	Environment     map[string]*string    `yaml:"environment"`
	EnvFile         strList               `yaml:"env_file"`
	Healthcheck     *healthcheck          `yaml:"healthcheck"`
	DependsOn       map[string]dependency `yaml:"depends_on"`
	Ports           []string              `yaml:"ports"`
	Volumes         []string              `yaml:"volumes"`
	StopGracePeriod string                `yaml:"stop_grace_period"`
	Restart         string                `yaml:"restart"`
}

type healthcheck struct {
	Test        strList `yaml:"test"`
	Interval    string  `yaml:"interval"`
	Timeout     string  `yaml:"timeout"`
	Retries     int     `yaml:"retries"`
	StartPeriod string  `yaml:"start_period"`
}

type dependency struct {
	Condition string `yaml:"condition"`
}

// strList is a Compose field that is a string or a list of strings. The
// string form of entrypoint and command is not used here: Compose would
// split it with shell rules, so the test insists on the list form.
type strList struct {
	List     []string
	IsString bool
}

func (s *strList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		s.List, s.IsString = []string{n.Value}, true
		return nil
	}
	return n.Decode(&s.List)
}

// loadCompose reads docker-compose.yml, interpolating ${…} from vars as
// Compose does from .env (or --env-file), strictly: a variable that is
// unset with no default is an error, not an empty string.
func loadCompose(t *testing.T, root string, vars map[string]string) *composeFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	if vars != nil {
		if err := interpolateNode(&doc, vars, map[*yaml.Node]bool{}); err != nil {
			t.Fatalf("docker-compose.yml: %v", err)
		}
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	dec.KnownFields(true)
	var c composeFile
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("docker-compose.yml uses something this test does not know (teach it): %v", err)
	}
	for k := range c.Extensions {
		if !strings.HasPrefix(k, "x-") {
			t.Fatalf("docker-compose.yml: unknown top-level key %q", k)
		}
	}
	return &c
}

// interpolateNode replaces ${…} in every scalar value (not in keys).
func interpolateNode(n *yaml.Node, vars map[string]string, seen map[*yaml.Node]bool) error {
	if seen[n] {
		return nil
	}
	seen[n] = true
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			if err := interpolateNode(c, vars, seen); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			if err := interpolateNode(n.Content[i], vars, seen); err != nil {
				return fmt.Errorf("%s: %w", n.Content[i-1].Value, err)
			}
		}
	case yaml.ScalarNode:
		v, err := interpolate(n.Value, vars)
		if err != nil {
			return err
		}
		n.Value = v
	}
	return nil
}

// interpolate implements Compose's $$, $NAME, ${NAME}, ${NAME:-default},
// ${NAME-default}, ${NAME:?error}, ${NAME?error}, ${NAME:+alt}, ${NAME+alt}.
func interpolate(s string, vars map[string]string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '$' {
			b.WriteByte(s[i])
			i++
			continue
		}
		switch {
		case strings.HasPrefix(s[i:], "$$"):
			b.WriteByte('$')
			i += 2
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("unclosed ${ in %q", s)
			}
			v, err := resolveVar(s[i+2:i+end], vars)
			if err != nil {
				return "", err
			}
			b.WriteString(v)
			i += end + 1
		default:
			j := i + 1
			for j < len(s) && isNameByte(s[j]) {
				j++
			}
			if j == i+1 {
				return "", fmt.Errorf("a lone $ in %q (write $$)", s)
			}
			v, err := resolveVar(s[i+1:j], vars)
			if err != nil {
				return "", err
			}
			b.WriteString(v)
			i = j
		}
	}
	return b.String(), nil
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func resolveVar(expr string, vars map[string]string) (string, error) {
	n := 0
	for n < len(expr) && isNameByte(expr[n]) {
		n++
	}
	name, op := expr[:n], expr[n:]
	if name == "" || strings.Contains(op, "${") {
		return "", fmt.Errorf("unsupported interpolation ${%s}", expr)
	}
	val, set := vars[name]
	switch {
	case op == "":
		if !set {
			return "", fmt.Errorf("${%s} is not set and has no default", name)
		}
		return val, nil
	case strings.HasPrefix(op, ":-"):
		if val == "" {
			return op[2:], nil
		}
		return val, nil
	case strings.HasPrefix(op, "-"):
		if !set {
			return op[1:], nil
		}
		return val, nil
	case strings.HasPrefix(op, ":?"):
		if val == "" {
			return "", fmt.Errorf("%s: %s", name, op[2:])
		}
		return val, nil
	case strings.HasPrefix(op, "?"):
		if !set {
			return "", fmt.Errorf("%s: %s", name, op[1:])
		}
		return val, nil
	case strings.HasPrefix(op, ":+"):
		if val != "" {
			return op[2:], nil
		}
		return "", nil
	case strings.HasPrefix(op, "+"):
		if set {
			return op[1:], nil
		}
		return "", nil
	}
	return "", fmt.Errorf("unsupported interpolation ${%s}", expr)
}

// readEnvFile parses an env file as Compose's env_file and .env do.
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	vals, err := gotenv.StrictParse(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return vals
}

// containerEnv is the environment Compose gives a service's container:
// its env_file(s), then its environment entries on top.
func containerEnv(t *testing.T, root string, c *composeFile, name string) map[string]string {
	t.Helper()
	s := c.Services[name]
	env := map[string]string{}
	for _, f := range s.EnvFile.List {
		if !filepath.IsAbs(f) {
			f = filepath.Join(root, f)
		}
		for k, v := range readEnvFile(t, f) {
			env[k] = v
		}
	}
	for k, v := range s.Environment {
		if v == nil {
			// `NAME:` with no value takes NAME from the environment of
			// whoever runs compose: behaviour this file must not depend on.
			t.Errorf("service %s: environment %s has no value", name, k)
			continue
		}
		env[k] = *v
	}
	return env
}

// docuvaultServices are the services built from ./Dockerfile.
func docuvaultServices(c *composeFile) []string {
	var out []string
	for name, s := range c.Services {
		if s.Build == "." {
			out = append(out, name)
		}
	}
	return out
}

// argv is the process a service's container runs, by Docker's rules: an
// entrypoint set in compose replaces the image's and drops its CMD; a
// command replaces the image's CMD.
func argv(img imageConfig, s service) []string {
	if len(s.Entrypoint.List) > 0 {
		return append(append([]string{}, s.Entrypoint.List...), s.Command.List...)
	}
	cmd := img.Cmd
	if len(s.Command.List) > 0 {
		cmd = s.Command.List
	}
	return append(append([]string{}, img.Entrypoint...), cmd...)
}

// healthArgv is a healthcheck's test as a process.
func healthArgv(t *testing.T, h *healthcheck) []string {
	t.Helper()
	test := h.Test.List
	if h.Test.IsString {
		return []string{"sh", "-c", test[0]}
	}
	if len(test) < 2 {
		t.Fatalf("healthcheck test %q is empty", test)
	}
	switch test[0] {
	case "CMD":
		return test[1:]
	case "CMD-SHELL":
		return []string{"sh", "-c", strings.Join(test[1:], " ")}
	}
	t.Fatalf("healthcheck test %q: want CMD or CMD-SHELL", test)
	return nil
}

// composeEnvExample is compose's own env file (deploy-time secrets, for
// docker-compose.yml's ${…}); appEnvExample is the app's settings file,
// which the docuvault containers read as their env_file.
const (
	composeEnvExample = "compose.env.example"
	appEnvExample     = ".env.example"
)

// deployOnly are the variables only the deploy steps, the PostgreSQL and
// MinIO servers may hold: the DDL role, its password, the PostgreSQL
// superuser's password and MinIO's root keys.
var deployOnly = []string{"DATABASE_MIGRATE_URL", "DOCUVAULT_MIGRATE_PASSWORD", "POSTGRES_PASSWORD", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"}

// exampleVars are the interpolation variables of a compose env file copied
// from compose.env.example, naming .env.example as the app's settings file.
func exampleVars(t *testing.T, root string) map[string]string {
	t.Helper()
	vars := readEnvFile(t, filepath.Join(root, composeEnvExample))
	vars["DOCUVAULT_ENV_FILE"] = filepath.Join(root, appEnvExample)
	return vars
}

// writeEnvFiles writes the two env files a person makes from the examples,
// with the values of local for the names it has (in both files): the app's
// settings file at dir/app.env and compose's env file at dir/compose.env,
// naming the first as DOCUVAULT_ENV_FILE. With local nil they are plain
// copies; otherwise a CHANGE_ME placeholder left over means an example
// gained a secret this test does not know how to fill. It returns
// compose's env file.
func writeEnvFiles(t *testing.T, root, dir string, local map[string]string) string {
	t.Helper()
	app := filepath.Join(dir, "app.env")
	fill(t, root, appEnvExample, app, local, "")
	compose := filepath.Join(dir, "compose.env")
	fill(t, root, composeEnvExample, compose, local, "DOCUVAULT_ENV_FILE="+app+"\n")
	return compose
}

func fill(t *testing.T, root, example, path string, local map[string]string, extra string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, example))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		if name, _, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			if name == "DOCUVAULT_ENV_FILE" {
				continue // extra names it
			}
			if v, known := local[name]; known {
				line = name + "=" + v
			} else if local != nil && strings.Contains(line, "CHANGE_ME") {
				t.Fatalf("%s's %s is a placeholder this test has no local value for (teach it)", example, name)
			}
		}
		out.WriteString(line + "\n")
	}
	out.WriteString(extra)
	if err := os.WriteFile(path, []byte(out.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestComposeValidatesWithDockerCompose(t *testing.T) {
	t.Parallel()
	root := testenv.ModuleRoot(t)
	bin := tool(t, "docker-compose")
	dir := t.TempDir()
	// The two env files as a person makes them (copies of the examples),
	// outside the checkout, since nothing may be written into it.
	envFile := writeEnvFiles(t, root, dir, nil)
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	compose := []string{bin, "--project-directory", root, "--env-file", envFile, "-f", filepath.Join(root, "docker-compose.yml")}

	r := run(t, dir, env, time.Minute, "", append(compose, "config", "-q")...)
	if r.code != 0 {
		t.Fatalf("docker-compose config -q: %s", r)
	}
	r = run(t, dir, env, time.Minute, "", append(compose, "config", "--services")...)
	got := strings.Fields(r.stdout)
	want := []string{"postgres", "minio", "redis", "init", "serve", "worker"}
	if r.code != 0 || len(got) != len(want) {
		t.Fatalf("docker-compose config --services: %v, want %v (%s)", got, want, r)
	}

	// A secret missing from compose's env file stops compose before anything starts.
	content, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	noRedis := strings.ReplaceAll(string(content), "\nREDIS_PASSWORD=", "\n#REDIS_PASSWORD=")
	if err := os.WriteFile(envFile, []byte(noRedis), 0o600); err != nil {
		t.Fatal(err)
	}
	r = run(t, dir, env, time.Minute, "", append(compose, "config", "-q")...)
	if r.code == 0 || !strings.Contains(r.stderr, "REDIS_PASSWORD") {
		t.Errorf("config without REDIS_PASSWORD: %s", r)
	}
}

// The structure the issue asks for, on the file as written and as
// interpolated from .env.example.
func TestComposeStructure(t *testing.T) {
	t.Parallel()
	root := testenv.ModuleRoot(t)
	c := loadCompose(t, root, exampleVars(t, root))

	for _, name := range []string{"postgres", "minio", "redis", "init", "serve", "worker"} {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("no service %s", name)
		}
	}
	if got := strings.Join(sorted(docuvaultServices(c)), " "); got != "init serve worker" {
		t.Errorf("services built from ./Dockerfile: %s, want init serve worker", got)
	}

	// Pinned images.
	for name, prefix := range map[string]string{"postgres": "postgres:17-alpine", "redis": "redis:7-alpine", "minio": "quay.io/minio/minio:RELEASE."} {
		if img := c.Services[name].Image; !strings.HasPrefix(img, prefix) {
			t.Errorf("%s image %q, want %s…", name, img, prefix)
		}
	}

	// Healthchecks: the infrastructure's, and docuvault health for the app.
	hc := func(name string) string {
		if h := c.Services[name].Healthcheck; h != nil {
			return strings.Join(h.Test.List, " ")
		}
		return ""
	}
	if h := hc("postgres"); !strings.Contains(h, "pg_isready -h 127.0.0.1") {
		t.Errorf("postgres healthcheck %q: want pg_isready over TCP (not ready while the image initialises)", h)
	}
	if h := hc("minio"); h != "CMD mc ready local" {
		t.Errorf("minio healthcheck %q", h)
	}
	if h := hc("redis"); !strings.Contains(h, "REDISCLI_AUTH=") || !strings.Contains(h, "PONG") {
		t.Errorf("redis healthcheck %q: want an authenticated PING", h)
	}
	if !strings.Contains(strings.Join(c.Services["redis"].Command.List, " "), "--requirepass") {
		t.Errorf("redis runs without --requirepass: %q", c.Services["redis"].Command.List)
	}
	for _, name := range []string{"serve", "worker"} {
		if h := hc(name); h != "CMD docuvault health" {
			t.Errorf("%s healthcheck %q, want CMD docuvault health", name, h)
		}
	}

	// Start order: init after healthy infrastructure; serve and worker after init succeeded.
	for _, dep := range []string{"postgres", "minio", "redis"} {
		if got := c.Services["init"].DependsOn[dep].Condition; got != "service_healthy" {
			t.Errorf("init depends on %s with %q, want service_healthy", dep, got)
		}
	}
	for _, name := range []string{"serve", "worker"} {
		if got := c.Services[name].DependsOn["init"].Condition; got != "service_completed_successfully" {
			t.Errorf("%s depends on init with %q, want service_completed_successfully", name, got)
		}
	}
	if c.Services["init"].Restart != "no" {
		t.Errorf("init restart %q: a one-shot must not restart", c.Services["init"].Restart)
	}

	// Named volumes for all data; the role script mounted into the postgres image.
	for name, target := range map[string]string{"postgres": "/var/lib/postgresql/data", "minio": "/data", "redis": "/data"} {
		found := false
		for _, v := range c.Services[name].Volumes {
			src, rest, _ := strings.Cut(v, ":")
			if strings.HasPrefix(rest, target) {
				found = true
				if _, declared := c.Volumes[src]; !declared {
					t.Errorf("%s: %s is not a declared named volume", name, v)
				}
			}
		}
		if !found {
			t.Errorf("%s keeps %s in no named volume", name, target)
		}
	}
	initdb := ""
	for _, v := range c.Services["postgres"].Volumes {
		if src, rest, _ := strings.Cut(v, ":"); strings.HasPrefix(rest, "/docker-entrypoint-initdb.d") {
			initdb = filepath.Join(root, src)
		}
	}
	scripts, _ := filepath.Glob(filepath.Join(initdb, "*.sh"))
	if initdb == "" || len(scripts) == 0 {
		t.Fatalf("postgres: no role script mounted into /docker-entrypoint-initdb.d")
	}
	// The variables the role script insists on are in the postgres container.
	for _, sc := range scripts {
		b, err := os.ReadFile(sc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range requiredVar.FindAllStringSubmatch(string(b), -1) {
			if v := c.Services["postgres"].Environment[m[1]]; v == nil || *v == "" {
				t.Errorf("%s needs %s; the postgres service does not set it", filepath.Base(sc), m[1])
			}
		}
	}

	// Graceful stops: compose waits longer than the command's own shutdown timeout.
	for _, name := range []string{"serve", "worker"} {
		s := c.Services[name]
		grace, err := time.ParseDuration(s.StopGracePeriod)
		if err != nil {
			t.Errorf("%s stop_grace_period %q: %v", name, s.StopGracePeriod, err)
			continue
		}
		args := s.Command.List
		for i, a := range args {
			if a == "--shutdown-timeout" && i+1 < len(args) {
				d, err := time.ParseDuration(args[i+1])
				if err != nil || d >= grace {
					t.Errorf("%s: --shutdown-timeout %s is not below stop_grace_period %s", name, args[i+1], grace)
				}
			}
		}
	}

	// Only serve publishes a port, and on loopback.
	for name, s := range c.Services {
		for _, p := range s.Ports {
			if name != "serve" || !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("%s publishes %q: only serve, on 127.0.0.1", name, p)
			}
		}
	}
}

// Secrets come only from the env file; the app never holds the DDL role,
// the PostgreSQL superuser's password or MinIO's root keys.
func TestComposeSecretsAndLeastPrivilege(t *testing.T) {
	t.Parallel()
	root := testenv.ModuleRoot(t)

	// As written: every secret-looking value is a ${…} or blank.
	raw := loadCompose(t, root, nil)
	secretish := func(k string) bool {
		return strings.Contains(k, "PASSWORD") || strings.Contains(k, "SECRET") || strings.HasSuffix(k, "_KEY") || strings.Contains(k, "TOKEN")
	}
	for name, s := range raw.Services {
		for k, v := range s.Environment {
			if v == nil {
				continue
			}
			val := *v
			if secretish(k) && val != "" && !strings.HasPrefix(val, "${") {
				t.Errorf("%s: %s has a literal value in docker-compose.yml", name, k)
			}
			if i := strings.Index(val, "://"); i > 0 {
				if userinfo, _, ok := strings.Cut(val[i+3:], "@"); ok {
					if _, pw, _ := strings.Cut(userinfo, ":"); pw != "" && !strings.HasPrefix(pw, "${") {
						t.Errorf("%s: %s has a literal password", name, k)
					}
				}
			}
		}
		for i, a := range s.Command.List {
			if a == "--requirepass" && i+1 < len(s.Command.List) && !strings.HasPrefix(s.Command.List[i+1], "${") {
				t.Errorf("%s: literal --requirepass", name)
			}
		}
	}

	// As run, with the env files made from the examples.
	c := loadCompose(t, root, exampleVars(t, root))
	for _, name := range docuvaultServices(c) {
		env := containerEnv(t, root, c, name)
		if u := urlUser(env["DATABASE_URL"]); u != "docuvault_app" {
			t.Errorf("%s: DATABASE_URL connects as %q, want docuvault_app", name, u)
		}
		if name == "init" {
			if u := urlUser(env["DATABASE_MIGRATE_URL"]); u != "docuvault_migrate" {
				t.Errorf("init: DATABASE_MIGRATE_URL connects as %q, want docuvault_migrate", u)
			}
			if env["MINIO_ROOT_USER"] == "" || env["MINIO_ROOT_PASSWORD"] == "" {
				t.Errorf("init: bucket init needs MINIO_ROOT_USER and MINIO_ROOT_PASSWORD")
			}
			if _, ok := env["POSTGRES_PASSWORD"]; ok {
				t.Errorf("init holds the PostgreSQL superuser's password")
			}
			continue
		}
		checkAppEnv(t, name, env, nil)
	}

	// The app's settings file is what systemd's units read too
	// (/etc/docuvault/env): no deploy-time credential in it.
	app := readEnvFile(t, filepath.Join(root, appEnvExample))
	for _, k := range append(deployOnly, "DOCUVAULT_APP_PASSWORD", "REDIS_PASSWORD") {
		if _, ok := app[k]; ok {
			t.Errorf("%s sets %s, which the running services must not get", appEnvExample, k)
		}
	}
}

// checkAppEnv asserts that a long-running service's environment holds only
// DocuVault's settings, none of the deploy-time ones (not even blank), and
// none of the secret values in deploySecrets under any name.
func checkAppEnv(t *testing.T, name string, env map[string]string, deploySecrets map[string]string) {
	t.Helper()
	settings := map[string]bool{}
	for _, s := range config.Settings() {
		settings[s.Env] = true
	}
	for _, k := range deployOnly {
		delete(settings, k)
	}
	for k, v := range env {
		if !settings[k] {
			blank := ""
			if v == "" {
				blank = " (blank, but a deny-list by name fails open)"
			}
			t.Errorf("%s gets %s%s, which is not one of the settings the app runs with", name, k, blank)
		}
		for secret, value := range deploySecrets {
			if value != "" && strings.Contains(v, value) {
				t.Errorf("%s gets %s's value in %s", name, secret, k)
			}
		}
	}
}

// `docker-compose config`, as compose resolves it (env_file read into each
// service's environment), with a distinct value for every deploy-time
// secret: none of those values, and no deploy-time variable, reaches serve
// or worker anywhere in their configuration; init and the servers get what
// they need of them.
func TestComposeConfigKeepsDeployCredentialsFromServeAndWorker(t *testing.T) {
	t.Parallel()
	root := testenv.ModuleRoot(t)
	bin := tool(t, "docker-compose")
	dir := t.TempDir()
	secrets := map[string]string{
		"POSTGRES_PASSWORD":          testenv.RandomName("superuser-"),
		"DOCUVAULT_MIGRATE_PASSWORD": testenv.RandomName("migrate-"),
		"MINIO_ROOT_USER":            testenv.RandomName("rootuser-"),
		"MINIO_ROOT_PASSWORD":        testenv.RandomName("rootpw-"),
	}
	local := map[string]string{
		"DOCUVAULT_APP_PASSWORD": testenv.RandomName("app-"),
		"REDIS_PASSWORD":         testenv.RandomName("redis-"),
		"DATABASE_URL":           "postgres://docuvault_app:x@localhost:5432/docuvault",
		"REDIS_URL":              "redis://:x@localhost:6379/0",
		"MINIO_SECRET_KEY":       testenv.RandomName("appkey-"),
		"SECRET_KEY":             testenv.RandomName("") + testenv.RandomName("") + testenv.RandomName(""),
	}
	for k, v := range secrets {
		local[k] = v
	}
	// Should an env file have the DDL role's URL (the deploy steps' own
	// setting), it carries the migrate password too.
	local["DATABASE_MIGRATE_URL"] = "postgres://docuvault_migrate:" + secrets["DOCUVAULT_MIGRATE_PASSWORD"] + "@localhost:5432/docuvault"
	envFile := writeEnvFiles(t, root, dir, local)
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	r := run(t, dir, env, time.Minute, "", bin, "--project-directory", root, "--env-file", envFile, "-f", filepath.Join(root, "docker-compose.yml"), "config")
	if r.code != 0 {
		t.Fatalf("docker-compose config: %s", r)
	}
	var cfg struct {
		Services map[string]map[string]any `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(r.stdout), &cfg); err != nil {
		t.Fatalf("docker-compose config: %v", err)
	}
	serviceEnv := func(name string) map[string]string {
		s, ok := cfg.Services[name]
		if !ok {
			t.Fatalf("docker-compose config has no service %s", name)
		}
		out := map[string]string{}
		switch e := s["environment"].(type) {
		case map[string]any:
			for k, v := range e {
				out[k] = fmt.Sprint(v)
				if v == nil {
					out[k] = ""
				}
			}
		case nil:
		default:
			t.Fatalf("%s: environment is a %T", name, e)
		}
		// Compose v2 prints env_file resolved too; should one be left,
		// its content is the container's as well.
		files, _ := s["env_file"].([]any)
		if f, ok := s["env_file"].(string); ok {
			files = append(files, f)
		}
		for _, f := range files {
			path := fmt.Sprint(f)
			if m, ok := f.(map[string]any); ok {
				path = fmt.Sprint(m["path"])
			}
			for k, v := range readEnvFile(t, path) {
				if _, set := out[k]; !set {
					out[k] = v
				}
			}
		}
		return out
	}
	for _, name := range []string{"serve", "worker"} {
		checkAppEnv(t, name, serviceEnv(name), secrets)
		// Anywhere else in the service (command, healthcheck, labels…).
		b, err := yaml.Marshal(cfg.Services[name])
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range secrets {
			if strings.Contains(string(b), v) {
				t.Errorf("%s's configuration holds %s's value", name, k)
			}
		}
		if env := serviceEnv(name); env["SECRET_KEY"] != local["SECRET_KEY"] || env["MINIO_SECRET_KEY"] != local["MINIO_SECRET_KEY"] {
			t.Errorf("%s does not get the app's settings file (SECRET_KEY, MINIO_SECRET_KEY)", name)
		}
	}
	// The values did go in: init and the servers have what they need.
	initEnv := serviceEnv("init")
	if !strings.Contains(initEnv["DATABASE_MIGRATE_URL"], secrets["DOCUVAULT_MIGRATE_PASSWORD"]) ||
		initEnv["MINIO_ROOT_USER"] != secrets["MINIO_ROOT_USER"] || initEnv["MINIO_ROOT_PASSWORD"] != secrets["MINIO_ROOT_PASSWORD"] {
		t.Errorf("init does not get the DDL role and MinIO's root keys from compose's env file")
	}
	if _, ok := initEnv["POSTGRES_PASSWORD"]; ok {
		t.Errorf("init gets the PostgreSQL superuser's password")
	}
	if serviceEnv("postgres")["POSTGRES_PASSWORD"] != secrets["POSTGRES_PASSWORD"] || serviceEnv("minio")["MINIO_ROOT_PASSWORD"] != secrets["MINIO_ROOT_PASSWORD"] {
		t.Errorf("postgres or minio does not get its root password")
	}
}

// requiredVar finds a shell script's `: "${NAME:?…}"` checks.
var requiredVar = regexp.MustCompile(`:\s+"\$\{([A-Za-z_][A-Za-z0-9_]*):\?`)

func sorted(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

func urlUser(raw string) string {
	if i := strings.Index(raw, "://"); i > 0 {
		if userinfo, _, ok := strings.Cut(raw[i+3:], "@"); ok {
			u, _, _ := strings.Cut(userinfo, ":")
			return u
		}
	}
	return ""
}
