package config_test

import (
	"bytes"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/docuvault/docuvault/pkg/config"
	"github.com/docuvault/docuvault/pkg/passwords"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func write(t *testing.T, dir, name, body string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	envFile := write(t, dir, ".env", "export MINIO_BUCKET=from-envfile\nMINIO_ENDPOINT=envfile:9000\nREDIS_URL='redis://:pw@envfile:6379/0'\nDOCUVAULT_LOG_LEVEL=warn\nSECRET_KEY=s3cr3t-from-envfile\n", 0o600)
	etcEnv := write(t, dir, "etc-env", "MINIO_ACCESS_KEY=from-etc\nMINIO_BUCKET=from-etc\n", 0o600)
	cfgFile := write(t, dir, "docuvault.yaml", "minio_endpoint: file:9000\nlog_level: error\nlog_format: json\n", 0o600)

	flags := pflag.NewFlagSet("t", pflag.ContinueOnError)
	flags.String("log-level", "info", "")
	flags.String("log-format", "text", "")
	if err := flags.Parse([]string{"--log-level=debug"}); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(config.Options{
		Flags:        flags,
		LookupEnv:    env(map[string]string{"DOCUVAULT_LOG_FORMAT": "text", "MINIO_SECURE": "true"}),
		ConfigSearch: []string{filepath.Join(dir, "missing.yaml"), cfgFile},
		EnvFiles:     []string{envFile, etcEnv},
	})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ got, want, source, wantSource string }{
		{c.LogLevel, "debug", c.Sources["log_level"], "flag --log-level"},                     // flag beats file and env file
		{c.LogFormat, "text", c.Sources["log_format"], "env DOCUVAULT_LOG_FORMAT"},            // env beats file
		{c.MinioEndpoint, "file:9000", c.Sources["minio_endpoint"], "config file " + cfgFile}, // file beats env file
		{c.MinioBucket, "from-envfile", c.Sources["minio_bucket"], "env file " + envFile},     // ./.env beats /etc
		{c.MinioAccessKey, "from-etc", c.Sources["minio_access_key"], "env file " + etcEnv},
		{c.AppRole, "docuvault_app", c.Sources["app_role"], "default"},
	}
	for _, ch := range checks {
		if ch.got != ch.want || ch.source != ch.wantSource {
			t.Errorf("got %q from %q, want %q from %q", ch.got, ch.source, ch.want, ch.wantSource)
		}
	}
	if !c.MinioSecure {
		t.Error("MINIO_SECURE=true not applied")
	}
	if c.ConfigFile != cfgFile {
		t.Errorf("ConfigFile %q", c.ConfigFile)
	}
}

func TestDisplayRedactsSecrets(t *testing.T) {
	c, err := config.Load(config.Options{
		LookupEnv: env(map[string]string{
			"DATABASE_URL":        "postgres://docuvault_app:hunter2@db:5432/docuvault?sslmode=disable",
			"REDIS_URL":           "redis://:redispw@redis:6379/0",
			"MINIO_SECRET_KEY":    "miniosecret",
			"MINIO_ROOT_PASSWORD": "rootpw",
			"SECRET_KEY":          "topsecretkey",
		}),
		ConfigSearch: []string{}, EnvFiles: []string{},
	})
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, s := range config.Settings() {
		all.WriteString(c.Display(s) + "\n")
	}
	out := all.String()
	for _, secret := range []string{"hunter2", "redispw", "miniosecret", "rootpw", "topsecretkey"} {
		if strings.Contains(out, secret) {
			t.Errorf("Display shows %q:\n%s", secret, out)
		}
	}
	for _, shown := range []string{"docuvault_app:xxxxx@db:5432", "redis://:xxxxx@redis:6379/0", "<redacted>", "<unset>"} {
		if !strings.Contains(out, shown) {
			t.Errorf("Display lacks %q:\n%s", shown, out)
		}
	}
}

func TestEnvFileReadableByOthersWarns(t *testing.T) {
	dir := t.TempDir()
	loose := write(t, dir, "loose.env", "MINIO_BUCKET=b\n", 0o644)
	var logs bytes.Buffer
	c, err := config.Load(config.Options{
		LookupEnv: env(nil), ConfigSearch: []string{}, EnvFiles: []string{loose},
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil || c.MinioBucket != "b" {
		t.Fatalf("Load = %+v, %v", c, err)
	}
	if !strings.Contains(logs.String(), "chmod 600") {
		t.Errorf("no warning for a 0644 env file: %q", logs.String())
	}
	logs.Reset()
	tight := write(t, dir, "tight.env", "MINIO_BUCKET=b\n", 0o600)
	if _, err := config.Load(config.Options{LookupEnv: env(nil), ConfigSearch: []string{}, EnvFiles: []string{tight}, Logger: slog.New(slog.NewTextHandler(&logs, nil))}); err != nil {
		t.Fatal(err)
	}
	if logs.Len() != 0 {
		t.Errorf("warning for a 0600 env file: %q", logs.String())
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	// isInvalid and isFile check the error's type and what it names.
	isInvalid := func(env string) func(error) bool {
		return func(err error) bool {
			var e *config.InvalidError
			return errors.As(err, &e) && e.Env == env && e.Source == "env "+env
		}
	}
	isFile := func(kind string, is error) func(error) bool {
		return func(err error) bool {
			var e *config.FileError
			return errors.As(err, &e) && e.Kind == kind && (is == nil || errors.Is(err, is))
		}
	}
	cases := []struct {
		name string
		o    config.Options
		ok   func(error) bool
	}{
		{"unknown key in file", config.Options{ConfigFile: write(t, dir, "a.yaml", "minio_bukket: x\n", 0o600)}, isFile("config file", config.ErrUnknownSetting)},
		{"missing --config", config.Options{ConfigFile: filepath.Join(dir, "nope.yaml")}, func(err error) bool { return errors.Is(err, fs.ErrNotExist) }},
		{"bad bool", config.Options{LookupEnv: env(map[string]string{"MINIO_SECURE": "maybe"})}, isInvalid("MINIO_SECURE")},
		{"bad log level", config.Options{LookupEnv: env(map[string]string{"DOCUVAULT_LOG_LEVEL": "loud"})}, isInvalid("DOCUVAULT_LOG_LEVEL")},
		{"bad max fails", config.Options{LookupEnv: env(map[string]string{"DOCUVAULT_JOB_MAX_FAILS": "0"})}, isInvalid("DOCUVAULT_JOB_MAX_FAILS")},
		{"bad retry delay", config.Options{LookupEnv: env(map[string]string{"DOCUVAULT_JOB_RETRY_DELAY": "soon"})}, isInvalid("DOCUVAULT_JOB_RETRY_DELAY")},
		{"hash cost below OWASP's minimum", config.Options{LookupEnv: env(map[string]string{"DOCUVAULT_PASSWORD_HASH_COST": "m=8192,t=1,p=1"})}, func(err error) bool {
			return isInvalid("DOCUVAULT_PASSWORD_HASH_COST")(err) && errors.Is(err, passwords.ErrHashCost)
		}},
		{"bad size", config.Options{LookupEnv: env(map[string]string{"DOCUVAULT_MAX_UPLOAD_SIZE": "huge"})}, isInvalid("DOCUVAULT_MAX_UPLOAD_SIZE")},
		{"empty bucket", config.Options{LookupEnv: env(map[string]string{"MINIO_BUCKET": ""})}, func(err error) bool {
			var m *config.MissingError
			return errors.As(err, &m) && m.Env == "MINIO_BUCKET"
		}},
		{"broken env file", config.Options{EnvFiles: []string{write(t, dir, "bad.env", "this is not an env file\n", 0o600)}}, isFile("env file", nil)},
	}
	for _, c := range cases {
		o := c.o
		if o.LookupEnv == nil {
			o.LookupEnv = env(nil)
		}
		if o.EnvFiles == nil {
			o.EnvFiles = []string{}
		}
		o.ConfigSearch = []string{}
		if _, err := config.Load(o); !c.ok(err) {
			t.Errorf("%s: error %v (%T) is not the one expected", c.name, err, err)
		}
	}
}

func TestRequire(t *testing.T) {
	c, err := config.Load(config.Options{LookupEnv: env(nil), ConfigSearch: []string{}, EnvFiles: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Require("MINIO_BUCKET", "REDIS_URL"); err != nil {
		t.Errorf("Require of settings with values: %v", err)
	}
	err = c.Require("MINIO_BUCKET", "DATABASE_MIGRATE_URL")
	var missing *config.MissingError
	if !errors.As(err, &missing) || missing.Env != "DATABASE_MIGRATE_URL" || !strings.HasPrefix(err.Error(), "DATABASE_MIGRATE_URL is not set") {
		t.Fatalf("Require: %v (%T)", err, err)
	}
}

// Every setting is documented in .env.example and the README.
func TestEverySettingIsDocumented(t *testing.T) {
	for _, file := range []string{"../../.env.example", "../../README.md"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range config.Settings() {
			if !strings.Contains(string(b), s.Env) {
				t.Errorf("%s does not mention %s", file, s.Env)
			}
		}
	}
}

func TestOCRSettings(t *testing.T) {
	load := func(vars map[string]string) (*config.Config, error) {
		return config.Load(config.Options{LookupEnv: env(vars), ConfigSearch: []string{}, EnvFiles: []string{}})
	}
	c, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.OCR != "auto" || c.OCRLanguages != "eng" {
		t.Errorf("defaults: OCR %q, languages %q; want auto, eng", c.OCR, c.OCRLanguages)
	}
	c, err = load(map[string]string{"DOCUVAULT_OCR": "Always", "DOCUVAULT_OCR_LANGUAGES": "eng+deu+chi_sim"})
	if err != nil {
		t.Fatal(err)
	}
	if c.OCR != "always" || c.OCRLanguages != "eng+deu+chi_sim" {
		t.Errorf("got OCR %q, languages %q", c.OCR, c.OCRLanguages)
	}
	for _, bad := range []struct{ key, value, want string }{
		{"DOCUVAULT_OCR", "sometimes", `DOCUVAULT_OCR (from env DOCUVAULT_OCR): "sometimes" is not auto, always or never`},
		{"DOCUVAULT_OCR_LANGUAGES", "eng deu", `DOCUVAULT_OCR_LANGUAGES (from env DOCUVAULT_OCR_LANGUAGES): "eng deu" is not tesseract languages joined by +`},
		{"DOCUVAULT_OCR_LANGUAGES", "../../etc", `"../../etc" is not tesseract languages`},
		{"DOCUVAULT_OCR_LANGUAGES", "", `DOCUVAULT_OCR_LANGUAGES`},
	} {
		_, err := load(map[string]string{bad.key: bad.value})
		var invalid *config.InvalidError
		if !errors.As(err, &invalid) || invalid.Env != bad.key || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s=%q: %v, want %q", bad.key, bad.value, err, bad.want)
		}
	}
}
