package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gocraft/work"
	"github.com/gomodule/redigo/redis"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/auth"
	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/health"
	"github.com/docuvault/docuvault/pkg/jobs"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/oidc"
	"github.com/docuvault/docuvault/pkg/passwords"
	"github.com/docuvault/docuvault/pkg/redisconn"
	"github.com/docuvault/docuvault/pkg/secrets"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/pkg/worker"
	"github.com/docuvault/docuvault/tests/testenv"
)

// env is one API on a scratch deployment, with users ann and bob and the
// administrator root (password "password-<handle>").
type env struct {
	t     *testing.T
	d     testenv.Deployment
	db    *sqlx.DB
	admin *sqlx.DB // superuser, to look behind the API's back
	store *objectstore.MinioStore
	pool  *redis.Pool
	srv   *httptest.Server
	api   *Server
	logs  *bytes.Buffer
	users map[string]users.User
}

type envOptions struct {
	quota        int64
	maxSize      int64
	accountLimit auth.Limit
	ipLimit      auth.Limit
	cors         []string
	proxies      []netip.Prefix
	reuseGrace   time.Duration // auth.Options.ReuseGrace
	// deps, when set, changes the Deps before New builds the API.
	deps func(*Deps)
	// listener, when set, is where the API listens (a test that must know
	// its address first: single sign-on's redirect URI).
	listener net.Listener
	// sso, when set, are single sign-on providers (Deps.SSO), with the
	// listener's address as the public URL.
	sso []oidc.Provider
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	d := testenv.Deploy(t)
	e := &env{t: t, d: d, db: appDB(t, d), admin: d.AdminDB(t), store: d.AppStore(t), logs: &bytes.Buffer{}, users: map[string]users.User{}}
	var err error
	e.pool, err = redisconn.NewPool(d.RedisURL, 16)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.pool.Close() })
	enq := jobs.NewEnqueuer(d.Namespace, e.pool)
	svc := storage.New(e.db, e.store, enq, storage.Limits{MaxSize: o.maxSize})
	if o.accountLimit.N == 0 {
		o.accountLimit = auth.Limit{N: 100, Window: time.Minute}
	}
	if o.ipLimit.N == 0 {
		o.ipLimit = auth.Limit{N: 1000, Window: time.Minute}
	}
	a, err := auth.New(e.db, e.pool, auth.Options{Secret: "0123456789abcdef0123456789abcdef-api-test", Namespace: d.Namespace,
		AccountLimit: o.accountLimit, IPLimit: o.ipLimit, ReuseGrace: o.reuseGrace, HashCost: testenv.HashCost()})
	if err != nil {
		t.Fatal(err)
	}
	deps := Deps{
		DB: e.db, Storage: svc, Auth: a, Jobs: enq, JobsClient: work.NewClient(d.Namespace, e.pool),
		Health: health.Checks(d.Config()), Log: slog.New(slog.NewJSONHandler(e.logs, nil)),
		CORSOrigins: o.cors, TrustedProxies: o.proxies, DefaultQuota: users.DefaultQuota,
		Classifiers: &worker.Classifiers{DB: e.db, Default: "builtin"},
		Keyring:     testKeyring(t), CloudJobs: enq,
		Passwords: passwords.Policy{Hash: testenv.HashCost()},
	}
	if o.sso != nil {
		deps.SSO = oidc.New(e.db, e.pool, o.sso, oidc.Options{PublicURL: "http://" + o.listener.Addr().String(), Namespace: d.Namespace, Log: deps.Log})
	}
	if o.deps != nil {
		o.deps(&deps)
	}
	e.api = New(deps)
	if o.listener != nil {
		e.srv = httptest.NewUnstartedServer(e.api)
		e.srv.Listener.Close()
		e.srv.Listener = o.listener
		e.srv.Start()
	} else {
		e.srv = httptest.NewServer(e.api)
	}
	t.Cleanup(e.srv.Close)
	quota := o.quota
	for _, h := range []string{"ann", "bob", "root"} {
		u, err := users.Create(context.Background(), e.db, users.NewUser{HashCost: testenv.HashCost(), Handle: h, Email: h + "@example.org", Password: "password-" + h, Admin: h == "root", QuotaBytes: quota})
		if err != nil {
			t.Fatal(err)
		}
		e.users[h] = u
	}
	return e
}

// client is a signed-in user.
type client struct {
	e       *env
	handle  string
	token   string
	refresh string
}

func (e *env) login(handle string) *client {
	e.t.Helper()
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	res := e.anon().do("POST", "/api/auth/login", map[string]string{"handle": handle, "password": "password-" + handle})
	res.want(200).decode(&tok)
	return &client{e: e, handle: handle, token: tok.AccessToken, refresh: tok.RefreshToken}
}

func (e *env) anon() *client { return &client{e: e} }

type response struct {
	t      *testing.T
	req    string
	status int
	header http.Header
	body   []byte
}

func (c *client) request(method, path string, body io.Reader, contentType string, hdr map[string]string) *response {
	c.e.t.Helper()
	req, err := http.NewRequest(method, c.e.srv.URL+path, body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	return &response{t: c.e.t, req: method + " " + path, status: res.StatusCode, header: res.Header, body: b}
}

// do sends v as JSON (nil: no body).
func (c *client) do(method, path string, v any) *response {
	c.e.t.Helper()
	if v == nil {
		return c.request(method, path, nil, "", nil)
	}
	b, err := json.Marshal(v)
	if err != nil {
		c.e.t.Fatal(err)
	}
	return c.request(method, path, bytes.NewReader(b), "application/json", nil)
}

type filePart struct {
	field, name string
	content     []byte
}

// upload posts a multipart body with fields (in order) and files.
func (c *client) upload(fields [][2]string, files ...filePart) *response {
	c.e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		_ = mw.WriteField(f[0], f[1])
	}
	for _, f := range files {
		field := f.field
		if field == "" {
			field = "file"
		}
		w, _ := mw.CreateFormFile(field, f.name)
		_, _ = w.Write(f.content)
	}
	_ = mw.Close()
	return c.request("POST", "/api/documents", &buf, mw.FormDataContentType(), nil)
}

func (r *response) want(status int) *response {
	r.t.Helper()
	if r.status != status {
		r.t.Fatalf("%s: status %d, want %d: %s", r.req, r.status, status, r.body)
	}
	return r
}

// wantError checks the status and the one error shape, and returns the code.
func (r *response) wantError(status int, code string) *response {
	r.t.Helper()
	r.want(status)
	var e errorBody
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		r.t.Fatalf("%s: not the error shape: %s", r.req, r.body)
	}
	if code != "" && e.Error.Code != code {
		r.t.Fatalf("%s: error code %q, want %q (%s)", r.req, e.Error.Code, code, e.Error.Message)
	}
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		r.t.Fatalf("%s: error content type %q", r.req, r.header.Get("Content-Type"))
	}
	return r
}

func (r *response) decode(v any) *response {
	r.t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		r.t.Fatalf("%s: %v: %s", r.req, err, r.body)
	}
	return r
}

func (r *response) json() map[string]any {
	r.t.Helper()
	var m map[string]any
	r.decode(&m)
	return m
}

// docJSON is a document as the API returns it.
type docJSON struct {
	ID            string  `json:"id"`
	OwnerID       string  `json:"owner_id"`
	Owner         string  `json:"owner"`
	Permission    string  `json:"permission"`
	FolderID      *string `json:"folder_id"`
	Filename      string  `json:"filename"`
	ContentType   string  `json:"content_type"`
	SizeBytes     int64   `json:"size_bytes"`
	SHA256        string  `json:"sha256"`
	Status        string  `json:"status"`
	FailureReason *string `json:"failure_reason"`
	Topics        []struct {
		ID     string   `json:"id"`
		Name   string   `json:"name"`
		Source string   `json:"source"`
		Score  *float64 `json:"score"`
	} `json:"topics"`
	ExtractedText *string `json:"extracted_text"`
}

type uploadJSON struct {
	Documents []docJSON `json:"documents"`
	Results   []struct {
		Filename    string   `json:"filename"`
		Status      int      `json:"status"`
		Document    *docJSON `json:"document"`
		DuplicateOf string   `json:"duplicate_of"`
		Queued      *bool    `json:"queued"`
		Error       *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	} `json:"results"`
}

// uploadOne uploads one text file and returns its document.
func (c *client) uploadOne(name, content string, fields ...[2]string) docJSON {
	c.e.t.Helper()
	var u uploadJSON
	c.upload(fields, filePart{name: name, content: []byte(content)}).want(201).decode(&u)
	if len(u.Documents) != 1 {
		c.e.t.Fatalf("upload %s: %+v", name, u)
	}
	return u.Documents[0]
}

// count runs a COUNT query as the superuser.
func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.admin.Get(&n, query, args...); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (e *env) objects() int {
	e.t.Helper()
	n := 0
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.store.List(ctx, "", func(objectstore.Info) error { n++; return nil }); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) used(handle string) int64 {
	e.t.Helper()
	var n int64
	if err := e.admin.Get(&n, `SELECT used_bytes FROM quotas WHERE user_id = $1`, e.users[handle].ID); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func pdf(body string) []byte {
	return []byte(fmt.Sprintf("%%PDF-1.4\n%% %s\n1 0 obj <<>> endobj\ntrailer <<>>\n%%%%EOF\n", body))
}

// queued reports whether documentID's extract_and_classify job is in the queue.
func (e *env) queued(documentID string) bool {
	e.t.Helper()
	c := e.pool.Get()
	defer c.Close()
	jobs, err := redis.Strings(c.Do("LRANGE", e.d.Namespace+":jobs:"+jobs.ExtractAndClassify, 0, -1))
	if err != nil {
		e.t.Fatal(err)
	}
	for _, j := range jobs {
		if strings.Contains(j, documentID) {
			return true
		}
	}
	return false
}

// appDB connects as the app role with serve's pool settings (enough idle
// connections that concurrent requests do not reconnect).
func appDB(t *testing.T, d testenv.Deployment) *sqlx.DB {
	t.Helper()
	db, err := database.Open(context.Background(), "DATABASE_URL", d.DB.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(48)
	db.SetMaxIdleConns(48)
	return db
}

// testKeyring seals the cloud connections' credentials of a test.
func testKeyring(t *testing.T) *secrets.Keyring {
	t.Helper()
	k, err := secrets.NewKeyring("0123456789abcdef0123456789abcdef-api-test-keyring")
	if err != nil {
		t.Fatal(err)
	}
	return k
}
