package ship

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docuvault/docuvault/tests/testenv"
)

// servicePorts are the ports the infrastructure images listen on inside the
// compose network; the test puts this machine's services at those names.
var servicePorts = map[string]string{"postgres": "5432", "minio": "9000", "redis": "6379"}

// localDeployment is what the compose run maps onto this machine: the
// container hostnames to the services of scripts/services.sh, compose's
// database to a scratch one (the server is shared with other tests).
type localDeployment struct {
	addr   map[string]string // "postgres:5432" → 127.0.0.1:port
	dbName string
	listen map[string]string // a service's listen address in the container → here
}

// mapValue rewrites a container's setting to reach this machine's services.
func (d localDeployment) mapValue(t *testing.T, v string) string {
	t.Helper()
	if a, ok := d.listen[v]; ok {
		return a
	}
	if a, ok := d.addr[v]; ok {
		return a
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return v
	}
	a, ok := d.addr[u.Host]
	if !ok {
		if _, isService := servicePorts[u.Hostname()]; isService {
			t.Errorf("%s: compose's %s listens on %s, not %s", u.Redacted(), u.Hostname(), servicePorts[u.Hostname()], u.Port())
		}
		return v
	}
	u.Host = a
	if strings.HasPrefix(u.Scheme, "postgres") {
		if u.Path != "/docuvault" {
			t.Errorf("a PostgreSQL URL in docker-compose.yml names database %q, not the one the role script creates (/docuvault)", u.Path)
		}
		u.Path = "/" + d.dbName
	}
	return u.String()
}

// process is a long-running service started by the test.
type process struct {
	name string
	cmd  *exec.Cmd
	out  testenv.SyncBuffer
	done chan struct{}
	err  error
}

func (p *process) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM, as `docker compose stop` does, and waits up to grace.
func (p *process) stop(t *testing.T, grace time.Duration) int {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Errorf("%s did not stop within its stop_grace_period %s\n%s", p.name, grace, p.out.String())
	}
	return p.cmd.ProcessState.ExitCode()
}

// TestComposeCommandsRunAgainstLocalServices runs docker-compose.yml's
// docuvault services as compose would, minus the containers: each one's
// entrypoint and command (the Dockerfile's ENTRYPOINT and CMD, overridden
// as compose overrides them), with the environment compose would give it
// (its env_file, the app's settings file made from .env.example, then its
// environment entries, interpolated from compose's env file made from
// compose.env.example), the container hostnames pointed at this machine's
// services. The one-shot init must exit 0; serve and worker must pass their
// healthchecks, serve a document from upload to classified together, and
// stop gracefully on SIGTERM.
func TestComposeCommandsRunAgainstLocalServices(t *testing.T) {
	t.Parallel()
	root := testenv.ModuleRoot(t)
	db := testenv.NewDatabase(t)
	m := testenv.NewMinIO(t)
	redisURL := testenv.RedisURL(t)
	bin := docuvaultDir(t)
	tmp := t.TempDir()

	appPW, migratePW, redisPW := urlPassword(t, db.AppURL), urlPassword(t, db.MigrateURL), urlPassword(t, redisURL)
	pgURL, _ := url.Parse(db.AppURL)
	rURL, _ := url.Parse(redisURL)
	// Where the env file says the services are is the host's view, wrong
	// inside a container; here it is an address nothing answers on, so a
	// service compose does not point at the right place fails.
	const nowhere = "127.0.0.1:1"
	local := map[string]string{
		"DATABASE_URL":               "postgres://docuvault_app:" + appPW + "@" + nowhere + "/docuvault?sslmode=disable",
		"DATABASE_MIGRATE_URL":       "postgres://docuvault_migrate:" + migratePW + "@" + nowhere + "/docuvault?sslmode=disable",
		"POSTGRES_PASSWORD":          testenv.RandomName("superuser-"),
		"DOCUVAULT_MIGRATE_PASSWORD": migratePW,
		"DOCUVAULT_APP_PASSWORD":     appPW,
		"MINIO_ENDPOINT":             nowhere,
		"MINIO_BUCKET":               m.Bucket,
		"MINIO_ACCESS_KEY":           testenv.RandomName("dvship-app-"),
		"MINIO_SECRET_KEY":           testenv.RandomName("secret-"),
		"MINIO_ROOT_USER":            m.RootUser,
		"MINIO_ROOT_PASSWORD":        m.RootPassword,
		"REDIS_URL":                  "redis://:" + redisPW + "@" + nowhere + "/0",
		"REDIS_PASSWORD":             redisPW,
		"SECRET_KEY":                 testenv.RandomName("") + testenv.RandomName("") + testenv.RandomName("") + testenv.RandomName(""),
		"DOCUVAULT_REDIS_NAMESPACE":  testenv.RandomName("dvship-"),
	}
	envFile := writeEnvFiles(t, root, tmp, local)
	vars := readEnvFile(t, envFile)
	c := loadCompose(t, root, vars)
	img := dockerImage(t, root)

	dep := localDeployment{
		addr: map[string]string{
			"postgres:" + servicePorts["postgres"]: pgURL.Host,
			"minio:" + servicePorts["minio"]:       m.Endpoint,
			"redis:" + servicePorts["redis"]:       rURL.Host,
		},
		dbName: db.Name,
		listen: map[string]string{},
	}
	// serve's published container port is served here on a free loopback port.
	var serveAddr string
	for _, p := range c.Services["serve"].Ports {
		parts := strings.Split(p, ":")
		containerPort := parts[len(parts)-1]
		serveAddr = "127.0.0.1:" + strconv.Itoa(freePort(t))
		dep.listen[":"+containerPort] = serveAddr
		dep.listen["0.0.0.0:"+containerPort] = serveAddr
	}
	if serveAddr == "" {
		t.Fatal("serve publishes no port")
	}

	// A service's process: argv, environment and working directory.
	type svc struct {
		name string
		argv []string
		env  []string
	}
	prepare := func(name string) svc {
		cenv := containerEnv(t, root, c, name)
		for k, v := range cenv {
			cenv[k] = dep.mapValue(t, v)
		}
		args := argv(img, c.Services[name])
		for i := 1; i < len(args); i++ {
			if args[i-1] == "--listen" {
				args[i] = dep.mapValue(t, args[i])
			}
		}
		// The image puts docuvault on PATH; here it is the fresh build.
		cenv["PATH"] = bin + string(os.PathListSeparator) + os.Getenv("PATH")
		cenv["HOME"] = tmp
		return svc{name, args, envList(cenv)}
	}

	// One-shot services (others wait for them to complete) run first.
	oneShot := map[string]bool{}
	for _, s := range c.Services {
		for dep, cond := range s.DependsOn {
			if cond.Condition == "service_completed_successfully" {
				oneShot[dep] = true
			}
		}
	}
	var long []svc
	for _, name := range sorted(docuvaultServices(c)) {
		s := prepare(name)
		if !oneShot[name] {
			// What the long-running services run with: the app's
			// settings only, no deploy-time credential by any name.
			checkAppEnv(t, name, containerEnv(t, root, c, name), map[string]string{
				"POSTGRES_PASSWORD":          local["POSTGRES_PASSWORD"],
				"DOCUVAULT_MIGRATE_PASSWORD": migratePW,
				"MINIO_ROOT_USER":            m.RootUser,
				"MINIO_ROOT_PASSWORD":        m.RootPassword,
			})
			long = append(long, s)
			continue
		}
		r := run(t, t.TempDir(), s.env, 3*time.Minute, "", s.argv...)
		if r.code != 0 {
			t.Fatalf("%s %q: %s", name, s.argv, r)
		}
		t.Logf("%s %q: exit 0", name, s.argv)
	}
	if len(oneShot) == 0 || len(long) == 0 {
		t.Fatalf("one-shot services %v, long-running %d: want init, serve and worker", oneShot, len(long))
	}

	// Long-running services start, stay up and pass their healthchecks.
	procs := map[string]*process{}
	for _, s := range long {
		p := &process{name: s.name, done: make(chan struct{})}
		p.cmd = exec.Command(lookPath(t, s.argv[0], s.env), s.argv[1:]...)
		p.cmd.Env = s.env
		p.cmd.Dir = t.TempDir()
		p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
		if err := p.cmd.Start(); err != nil {
			t.Fatalf("%s %q: %v", s.name, s.argv, err)
		}
		go func() { p.err = p.cmd.Wait(); close(p.done) }()
		t.Cleanup(func() {
			if p.running() {
				_ = p.cmd.Process.Kill()
				<-p.done
			}
		})
		procs[s.name] = p
	}
	for _, s := range long {
		h := c.Services[s.name].Healthcheck
		if h == nil {
			t.Errorf("%s has no healthcheck", s.name)
			continue
		}
		hargv := healthArgv(t, h)
		deadline := time.Now().Add(45 * time.Second)
		for {
			if !procs[s.name].running() {
				t.Fatalf("%s %q exited: %v\n%s", s.name, s.argv, procs[s.name].err, procs[s.name].out.String())
			}
			r := run(t, t.TempDir(), s.env, time.Minute, "", hargv...)
			if r.code == 0 {
				t.Logf("%s healthcheck %q: exit 0", s.name, hargv)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s healthcheck %q never passed: %s\n%s", s.name, hargv, r, procs[s.name].out.String())
			}
			time.Sleep(500 * time.Millisecond)
		}
	}

	// serve and worker work together: a document uploaded through serve's
	// port is classified by the worker. The account is made as
	// docs/operations.md says, with serve's environment
	// (`docker compose exec -T serve docuvault user add …`).
	var serveEnv []string
	for _, s := range long {
		if s.name == "serve" {
			serveEnv = s.env
		}
	}
	const password = "a long ship-test password"
	r := run(t, t.TempDir(), serveEnv, time.Minute, password+"\n", "docuvault", "user", "add", "shipper", "--email", "shipper@example.org", "--password-stdin")
	if r.code != 0 {
		t.Fatalf("user add with serve's environment: %s", r)
	}
	base := "http://" + serveAddr
	waitHTTP(t, base+"/health", procs["serve"])
	token := login(t, base, "shipper", password)
	id := uploadText(t, base, token, "invoice.txt", "Invoice 2024-118\nAmount due: 120.00 EUR, payable by bank transfer.\n")
	status := ""
	deadline := time.Now().Add(90 * time.Second)
	for status != "classified" {
		if time.Now().After(deadline) {
			t.Fatalf("document %s is %q after 90s, want classified\nworker:\n%s", id, status, procs["worker"].out.String())
		}
		if status == "failed" {
			t.Fatalf("document %s failed\nworker:\n%s", id, procs["worker"].out.String())
		}
		time.Sleep(300 * time.Millisecond)
		var doc struct{ Status string }
		getJSON(t, base+"/api/documents/"+id, token, &doc)
		status = doc.Status
	}

	// SIGTERM, as `docker compose stop` sends: a clean exit within the grace period.
	for _, s := range long {
		grace, err := time.ParseDuration(c.Services[s.name].StopGracePeriod)
		if err != nil {
			grace = 10 * time.Second // compose's default
		}
		if code := procs[s.name].stop(t, grace); code != 0 {
			t.Errorf("%s exited %d after SIGTERM, want 0\n%s", s.name, code, procs[s.name].out.String())
		}
	}
}

func urlPassword(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	pw, ok := u.User.Password()
	if !ok {
		t.Fatalf("no password in %s", u.Redacted())
	}
	return pw
}

func waitHTTP(t *testing.T, u string, p *process) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) || !p.running() {
			t.Fatalf("GET %s: %v %v\n%s", u, err, resp, p.out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func login(t *testing.T, base, handle, password string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"handle": handle, "password": password})
	resp, err := http.Post(base+"/api/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("login: %s %v", resp.Status, err)
	}
	return tok.AccessToken
}

func uploadText(t *testing.T, base, token, name, text string) string {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(fw, text)
	w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/documents", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res struct {
		Documents []struct{ ID string } `json:"documents"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || resp.StatusCode != http.StatusCreated || len(res.Documents) != 1 {
		t.Fatalf("upload: %s %v %+v", resp.Status, err, res)
	}
	return res.Documents[0].ID
}

func getJSON(t *testing.T, u, token string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}
