// Package config loads DocuVault's one typed configuration.
//
// Every setting is resolved once, from the first source that has it:
//
//	flags > environment > config file > env file > defaults
//
// The config file is --config, else the first of ./docuvault.yaml,
// $XDG_CONFIG_HOME/docuvault/config.yaml and /etc/docuvault/config.yaml that
// exists. Env files are ./.env, then /etc/docuvault/env (./.env wins). The
// seed's variable names (DATABASE_URL, MINIO_*, REDIS_URL, SECRET_KEY) are kept
// as they are; everything DocuVault adds is DOCUVAULT_*. In the config file a
// setting's key is its lower-case name without the DOCUVAULT_ prefix.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"github.com/subosito/gotenv"

	"github.com/docuvault/docuvault/pkg/passwords"
)

// Config is the effective configuration of one docuvault process.
type Config struct {
	DatabaseURL        string // DATABASE_URL: the DML-only app role
	DatabaseMigrateURL string // DATABASE_MIGRATE_URL: the DDL role, migrate and grant only
	AppRole            string // DOCUVAULT_APP_ROLE: the role grant gives DML to

	MinioEndpoint     string // MINIO_ENDPOINT: host:port
	MinioSecure       bool   // MINIO_SECURE: https
	MinioRegion       string // DOCUVAULT_MINIO_REGION: for S3 servers that need one
	MinioBucket       string // MINIO_BUCKET
	MinioAccessKey    string // MINIO_ACCESS_KEY: the bucket-scoped app key
	MinioSecretKey    string // MINIO_SECRET_KEY
	MinioRootUser     string // MINIO_ROOT_USER: bucket init only
	MinioRootPassword string // MINIO_ROOT_PASSWORD: bucket init only

	RedisURL string // REDIS_URL

	SecretKey string // SECRET_KEY: signs tokens (the HTTP API), seals secrets at rest
	// OldSecretKey is DOCUVAULT_OLD_SECRET_KEY: the SECRET_KEY before the
	// current one, which still opens the secrets it sealed until
	// `docuvault secrets rotate` re-seals them.
	OldSecretKey string

	RedisNamespace string   // DOCUVAULT_REDIS_NAMESPACE: gocraft/work's key prefix
	User           string   // DOCUVAULT_USER: the CLI's default owner handle
	MaxUploadSize  int64    // DOCUVAULT_MAX_UPLOAD_SIZE: bytes
	AllowedTypes   []string // DOCUVAULT_ALLOWED_TYPES: content types uploads may have
	DefaultQuota   int64    // DOCUVAULT_DEFAULT_QUOTA: bytes, for new users
	PasswordMinLen int      // DOCUVAULT_PASSWORD_MIN_LENGTH: characters a new password needs at least
	// PasswordHashCost is DOCUVAULT_PASSWORD_HASH_COST: argon2id's cost
	// for new password hashes.
	PasswordHashCost passwords.HashCost

	PDFExtractor   string        // DOCUVAULT_PDF_EXTRACTOR: auto, go or pdftotext
	ExtractTimeout time.Duration // DOCUVAULT_EXTRACT_TIMEOUT: per document
	OCR            string        // DOCUVAULT_OCR: auto, always or never
	OCRLanguages   string        // DOCUVAULT_OCR_LANGUAGES: tesseract's, e.g. eng+deu
	Thumbnails     bool          // DOCUVAULT_THUMBNAILS: the worker makes first-page thumbnails
	JobMaxFails    uint          // DOCUVAULT_JOB_MAX_FAILS: tries before a document fails
	TrashDays      int           // DOCUVAULT_TRASH_DAYS: days a document stays in the trash before the purge
	JobRetryDelay  time.Duration // DOCUVAULT_JOB_RETRY_DELAY: first retry's wait, doubling

	// Classification.
	AIProvider        string        // DOCUVAULT_AI_PROVIDER: builtin or openai, for users who chose none
	ClassifyThreshold float64       // DOCUVAULT_CLASSIFY_THRESHOLD: least score that assigns a topic
	OpenAIBaseURL     string        // OPENAI_BASE_URL: an OpenAI-compatible API
	OpenAIAPIKey      string        // OPENAI_API_KEY
	OpenAIModel       string        // OPENAI_MODEL: for users who chose none
	AITimeout         time.Duration // DOCUVAULT_AI_TIMEOUT: per LLM request
	AIMaxInputTokens  int           // DOCUVAULT_AI_MAX_INPUT_TOKENS: document text budget per request

	// The HTTP API (docuvault serve).
	Listen          string        // DOCUVAULT_LISTEN: host:port serve listens on
	DBConns         int           // DOCUVAULT_DB_CONNS: serve's PostgreSQL connections
	AccessTokenTTL  time.Duration // DOCUVAULT_ACCESS_TOKEN_TTL: life of an access token (JWT)
	RefreshTokenTTL time.Duration // DOCUVAULT_REFRESH_TOKEN_TTL: life of a refresh token
	CORSOrigins     []string      // DOCUVAULT_CORS_ORIGINS: SPA origins allowed cross-origin
	TrustedProxies  []string      // DOCUVAULT_TRUSTED_PROXIES: CIDRs whose X-Forwarded-For is believed
	LoginLimit      Rate          // DOCUVAULT_LOGIN_LIMIT: failed logins per account
	LoginIPLimit    Rate          // DOCUVAULT_LOGIN_IP_LIMIT: login attempts per client IP
	MetricsToken    string        // DOCUVAULT_METRICS_TOKEN: bearer token /metrics requires; "" for none

	// Outgoing mail (password reset links); see smtp.go.
	PublicURL string // DOCUVAULT_PUBLIC_URL: the address people open DocuVault at; mailed links and single sign-on's redirect URI are built on it; "" when unset
	SMTP      SMTP

	// Upload streams (docuvault serve): files over 256 KiB are streamed in parts.
	UploadStreams     int           // DOCUVAULT_UPLOAD_STREAMS: streamed at once per serve
	UploadUserStreams int           // DOCUVAULT_UPLOAD_USER_STREAMS: of those, per user (then 429)
	UploadIdleTimeout time.Duration // DOCUVAULT_UPLOAD_IDLE_TIMEOUT: a body silent this long gets 408
	UploadMinRate     int64         // DOCUVAULT_UPLOAD_MIN_RATE: bytes/s a body must average (408); 0 for none
	UploadRateWindow  time.Duration // DOCUVAULT_UPLOAD_RATE_WINDOW: span UploadMinRate is averaged over

	LogLevel  string // DOCUVAULT_LOG_LEVEL: debug, info, warn, error
	LogFormat string // DOCUVAULT_LOG_FORMAT: text or json

	WatchSettle time.Duration // DOCUVAULT_WATCH_SETTLE: how long a watched file must stay unchanged
	WatchRescan time.Duration // DOCUVAULT_WATCH_RESCAN: how often watch folders are walked, events or not

	// Watch is the config file's watch folders (the "watch:" list), which
	// `docuvault watch` runs when given no directory.
	Watch []WatchFolder

	// OIDC is the config file's single sign-on providers (the "oidc:" list).
	OIDC []OIDCProvider

	// Sources says, for each setting's key, where its value came from.
	Sources map[string]string
	// ConfigFile is the config file that was read, or "".
	ConfigFile string
}

// WatchFolder is one watch folder of the config file's "watch:" list:
//
//	watch:
//	  - dir: /srv/scans/ann
//	    user: ann
//	    topics: [Inbox]
//	    folder: Scans/2026
//	    subdirs_as_topics: true
//	    after: move:/srv/scans/done/ann   # delete (default), keep or move:DIR
type WatchFolder struct {
	Dir             string   `mapstructure:"dir"`
	User            string   `mapstructure:"user"`
	Topics          []string `mapstructure:"topics"`
	Folder          string   `mapstructure:"folder"`
	SubdirsAsTopics bool     `mapstructure:"subdirs_as_topics"`
	After           string   `mapstructure:"after"`
}

// Setting describes one configuration setting.
type Setting struct {
	Key     string // key in the config file and in Sources
	Env     string // environment variable
	Flag    string // global flag, if any
	Default string
	Secret  bool // the value is never printed
	URL     bool // the value is a URL (or, with List, comma-separated URLs) whose credentials are never printed
	List    bool // the value is a comma-separated list
	Help    string
}

// Settings is every setting DocuVault reads, in the order `config show` prints them.
func Settings() []Setting {
	return []Setting{
		{Key: "database_url", Env: "DATABASE_URL", URL: true, Help: "PostgreSQL URL of the DML-only app role (docuvault_app)"},
		{Key: "database_migrate_url", Env: "DATABASE_MIGRATE_URL", URL: true, Help: "PostgreSQL URL of the DDL role (docuvault_migrate); migrate and grant only"},
		{Key: "app_role", Env: "DOCUVAULT_APP_ROLE", Default: "docuvault_app", Help: "PostgreSQL role that grant gives DML privileges to"},
		{Key: "minio_endpoint", Env: "MINIO_ENDPOINT", Default: "localhost:9000", Help: "object store host:port"},
		{Key: "minio_secure", Env: "MINIO_SECURE", Default: "false", Help: "use https for the object store"},
		{Key: "minio_region", Env: "DOCUVAULT_MINIO_REGION", Help: "object store region, for S3 servers that need one"},
		{Key: "minio_bucket", Env: "MINIO_BUCKET", Default: "docuvault", Help: "the one bucket documents live in"},
		{Key: "minio_access_key", Env: "MINIO_ACCESS_KEY", Help: "bucket-scoped app access key"},
		{Key: "minio_secret_key", Env: "MINIO_SECRET_KEY", Secret: true, Help: "bucket-scoped app secret key"},
		{Key: "minio_root_user", Env: "MINIO_ROOT_USER", Help: "MinIO root user; bucket init only"},
		{Key: "minio_root_password", Env: "MINIO_ROOT_PASSWORD", Secret: true, Help: "MinIO root password; bucket init only"},
		{Key: "redis_url", Env: "REDIS_URL", Default: "redis://localhost:6379/0", URL: true, Help: "Redis URL (jobs, rate limits), redis://:password@host:port/db"},
		{Key: "secret_key", Env: "SECRET_KEY", Secret: true, Help: "at least 32 random bytes; signs tokens, seals secrets at rest"},
		{Key: "old_secret_key", Env: "DOCUVAULT_OLD_SECRET_KEY", Secret: true, Help: "the previous SECRET_KEY while a new one is rolled in: still opens what it sealed until secrets rotate"},
		{Key: "redis_namespace", Env: "DOCUVAULT_REDIS_NAMESPACE", Default: "docuvault", Help: "prefix of the job queue's Redis keys"},
		{Key: "user", Env: "DOCUVAULT_USER", Help: "handle of the default owner for upload and the other CLI commands"},
		{Key: "max_upload_size", Env: "DOCUVAULT_MAX_UPLOAD_SIZE", Default: "512MiB", Help: "largest document accepted, e.g. 512MiB"},
		{Key: "allowed_types", Env: "DOCUVAULT_ALLOWED_TYPES", Default: "default", Help: "comma-separated content types uploads may have; 'default' is the built-in list"},
		{Key: "default_quota", Env: "DOCUVAULT_DEFAULT_QUOTA", Default: "100MiB", Help: "quota of new users, e.g. 100MiB"},
		{Key: "password_min_length", Env: "DOCUVAULT_PASSWORD_MIN_LENGTH", Default: "10", Help: "characters a new password needs at least (8 or more)"},
		{Key: "password_hash_cost", Env: "DOCUVAULT_PASSWORD_HASH_COST", Default: "m=65536,t=3,p=4", Help: "argon2id's cost for new password hashes: m memory in KiB (19456 or more), t passes (2 or more), p lanes; a password is hashed again at a new cost when its owner next signs in"},
		{Key: "pdf_extractor", Env: "DOCUVAULT_PDF_EXTRACTOR", Default: "auto", Help: "PDF text extractor: auto (the pure-Go reader, pdftotext when its text looks wrong), go or pdftotext"},
		{Key: "ocr", Env: "DOCUVAULT_OCR", Default: "auto", Help: "which PDF pages are read by OCR (tesseract): auto (scanned pages without a text layer), always or never"},
		{Key: "watch_settle", Env: "DOCUVAULT_WATCH_SETTLE", Default: "1s", Help: "docuvault watch takes a file once its size and time stayed the same this long, e.g. 5s for slow network shares"},
		{Key: "watch_rescan", Env: "DOCUVAULT_WATCH_RESCAN", Default: "30s", Help: "how often docuvault watch walks its folders even without file events (network shares send none)"},
		{Key: "thumbnails", Env: "DOCUVAULT_THUMBNAILS", Default: "true", Help: "the worker makes a thumbnail of each PDF's and image's first page (about 10 ms of CPU a PDF); false for bulk imports"},
		{Key: "ocr_languages", Env: "DOCUVAULT_OCR_LANGUAGES", Default: "eng", Help: "tesseract languages, joined by +, e.g. eng+deu+fra (each needs its tesseract-ocr-LANG package)"},
		{Key: "extract_timeout", Env: "DOCUVAULT_EXTRACT_TIMEOUT", Default: "2m", Help: "longest text extraction of one document"},
		{Key: "job_max_fails", Env: "DOCUVAULT_JOB_MAX_FAILS", Default: "5", Help: "tries of a document's job before it is failed"},
		{Key: "trash_days", Env: "DOCUVAULT_TRASH_DAYS", Default: "30", Help: "days a deleted document stays in its owner's trash before the worker's purge deletes it for good"},
		{Key: "job_retry_delay", Env: "DOCUVAULT_JOB_RETRY_DELAY", Default: "10s", Help: "wait before a failed job's first retry (doubling after)"},
		{Key: "ai_provider", Env: "DOCUVAULT_AI_PROVIDER", Default: "builtin", Help: "classifier for users who chose none: builtin (offline) or openai"},
		{Key: "classify_threshold", Env: "DOCUVAULT_CLASSIFY_THRESHOLD", Default: "0.5", Help: "least score (0 to 1) that files a document under a topic"},
		{Key: "openai_base_url", Env: "OPENAI_BASE_URL", Default: "https://api.openai.com/v1", URL: true, Help: "OpenAI-compatible API (OpenAI, Ollama, vLLM, llama.cpp server), e.g. http://127.0.0.1:11434/v1"},
		{Key: "openai_api_key", Env: "OPENAI_API_KEY", Secret: true, Help: "API key of OPENAI_BASE_URL (empty for servers that need none)"},
		{Key: "openai_model", Env: "OPENAI_MODEL", Default: "gpt-4o-mini", Help: "model for users who chose none"},
		{Key: "ai_timeout", Env: "DOCUVAULT_AI_TIMEOUT", Default: "30s", Help: "longest wait for one LLM answer"},
		{Key: "ai_max_input_tokens", Env: "DOCUVAULT_AI_MAX_INPUT_TOKENS", Default: "3000", Help: "how much of a document's text is sent to the LLM, in tokens (about 4 characters each)"},
		{Key: "listen", Env: "DOCUVAULT_LISTEN", Default: ":8080", Help: "host:port the HTTP API (serve) listens on"},
		{Key: "db_conns", Env: "DOCUVAULT_DB_CONNS", Default: "8", Help: "PostgreSQL connections one serve keeps (requests beyond them wait their turn)"},
		{Key: "access_token_ttl", Env: "DOCUVAULT_ACCESS_TOKEN_TTL", Default: "15m", Help: "life of an API access token (JWT)"},
		{Key: "refresh_token_ttl", Env: "DOCUVAULT_REFRESH_TOKEN_TTL", Default: "720h", Help: "life of an API refresh token (30 days)"},
		{Key: "cors_origins", Env: "DOCUVAULT_CORS_ORIGINS", URL: true, List: true, Help: "comma-separated origins of the web app allowed to call the API cross-origin, e.g. https://docs.example.org"},
		{Key: "trusted_proxies", Env: "DOCUVAULT_TRUSTED_PROXIES", Help: "comma-separated CIDRs of load balancers whose X-Forwarded-For names the client, e.g. 10.0.0.0/8"},
		{Key: "login_limit", Env: "DOCUVAULT_LOGIN_LIMIT", Default: "10/15m", Help: "failed logins allowed per account per window, e.g. 10/15m"},
		{Key: "login_ip_limit", Env: "DOCUVAULT_LOGIN_IP_LIMIT", Default: "50/15m", Help: "login attempts allowed per client IP per window, e.g. 50/15m"},
		{Key: "metrics_token", Env: "DOCUVAULT_METRICS_TOKEN", Secret: true, Help: "when set, GET /metrics requires Authorization: Bearer with it (16 or more visible ASCII characters, e.g. openssl rand -hex 32); unset, /metrics is open"},
		{Key: "public_url", Env: "DOCUVAULT_PUBLIC_URL", URL: true, Help: "the address people open DocuVault at, e.g. https://docs.example.org; links sent by e-mail and single sign-on's redirect URI (the config file's oidc: list) are built on it"},
		{Key: "smtp_host", Env: "DOCUVAULT_SMTP_HOST", Help: "SMTP server for password reset links by e-mail, e.g. smtp.example.org; unset, no e-mail is sent (links are shown once instead)"},
		{Key: "smtp_port", Env: "DOCUVAULT_SMTP_PORT", Default: "587", Help: "SMTP server port: 587 for starttls, 465 for tls"},
		{Key: "smtp_tls", Env: "DOCUVAULT_SMTP_TLS", Default: "starttls", Help: "starttls, tls (from the first byte) or none (allowed only to a server on loopback)"},
		{Key: "smtp_ca_file", Env: "DOCUVAULT_SMTP_CA_FILE", Help: "PEM file of the CA that signed the SMTP server's certificate, when the system does not trust it"},
		{Key: "smtp_user", Env: "DOCUVAULT_SMTP_USER", Help: "SMTP user name (AUTH PLAIN, only over TLS); unset, no sign-in"},
		{Key: "smtp_password", Env: "DOCUVAULT_SMTP_PASSWORD", Secret: true, Help: "SMTP password"},
		{Key: "smtp_from", Env: "DOCUVAULT_SMTP_FROM", Help: "sender address of DocuVault's e-mail, e.g. DocuVault <docuvault@example.org>"},
		{Key: "password_reset_limit", Env: "DOCUVAULT_PASSWORD_RESET_LIMIT", Default: "3/1h", Help: "\"forgot password\" e-mails per address per window; more are not sent (the answer stays the same)"},
		{Key: "password_reset_ip_limit", Env: "DOCUVAULT_PASSWORD_RESET_IP_LIMIT", Default: "10/1h", Help: "\"forgot password\" requests per client IP per window; more get 429"},
		{Key: "upload_streams", Env: "DOCUVAULT_UPLOAD_STREAMS", Default: "4", Help: "uploads over 256 KiB one serve streams at once (each holds 32 MiB of buffers); more wait their turn"},
		{Key: "upload_user_streams", Env: "DOCUVAULT_UPLOAD_USER_STREAMS", Default: "auto", Help: "of those, how many one user may stream at once (one more gets 429); auto is half of DOCUVAULT_UPLOAD_STREAMS, at least 1"},
		{Key: "upload_idle_timeout", Env: "DOCUVAULT_UPLOAD_IDLE_TIMEOUT", Default: "1m", Help: "an upload body that sends nothing this long is cut off with 408 (at least 1s)"},
		{Key: "upload_min_rate", Env: "DOCUVAULT_UPLOAD_MIN_RATE", Default: "1KiB/s", Help: "least rate an upload body must average over DOCUVAULT_UPLOAD_RATE_WINDOW, or it is cut off with 408, e.g. 1KiB/s; 0 for no minimum"},
		{Key: "upload_rate_window", Env: "DOCUVAULT_UPLOAD_RATE_WINDOW", Default: "20s", Help: "span DOCUVAULT_UPLOAD_MIN_RATE is averaged over (at least 1s)"},
		{Key: "log_level", Env: "DOCUVAULT_LOG_LEVEL", Flag: "log-level", Default: "info", Help: "debug, info, warn or error"},
		{Key: "log_format", Env: "DOCUVAULT_LOG_FORMAT", Flag: "log-format", Default: "text", Help: "text or json"},
	}
}

// Options says where Load looks. The zero value means: the real environment,
// the standard file locations.
type Options struct {
	// ConfigFile is --config; "" means search the standard locations.
	ConfigFile string
	// Flags holds the global flags named in Settings; only changed flags count.
	Flags *pflag.FlagSet
	// LookupEnv reads the environment; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// ConfigSearch and EnvFiles replace the standard locations when non-nil.
	ConfigSearch []string
	EnvFiles     []string
	// Logger receives warnings (an env file others can read); nil means slog.Default().
	Logger *slog.Logger
}

// DefaultConfigSearch is where Load looks for a config file without --config.
func DefaultConfigSearch(lookupEnv func(string) (string, bool)) []string {
	paths := []string{"docuvault.yaml"}
	if x, ok := lookupEnv("XDG_CONFIG_HOME"); ok && x != "" {
		paths = append(paths, filepath.Join(x, "docuvault", "config.yaml"))
	} else if h, ok := lookupEnv("HOME"); ok && h != "" {
		paths = append(paths, filepath.Join(h, ".config", "docuvault", "config.yaml"))
	}
	return append(paths, "/etc/docuvault/config.yaml")
}

// DefaultEnvFiles are the env files Load reads, the first one winning.
var defaultEnvFiles = []string{".env", "/etc/docuvault/env"}

// Load resolves every setting once.
func Load(opts Options) (*Config, error) {
	lookup := opts.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	envFiles := opts.EnvFiles
	if envFiles == nil {
		envFiles = defaultEnvFiles
	}

	// Env files: the first file that sets a name wins.
	fromEnvFile := map[string]string{}
	envFileOf := map[string]string{}
	for _, p := range envFiles {
		vals, err := readEnvFile(p, log)
		if err != nil {
			return nil, err
		}
		for k, v := range vals {
			if _, seen := fromEnvFile[k]; !seen {
				fromEnvFile[k], envFileOf[k] = v, p
			}
		}
	}

	file := viper.New()
	cfgPath, err := findConfigFile(opts, lookup)
	if err != nil {
		return nil, err
	}
	if cfgPath != "" {
		file.SetConfigFile(cfgPath)
		file.SetConfigType("yaml")
		if err := file.ReadInConfig(); err != nil {
			return nil, &FileError{Path: cfgPath, Kind: "config file", Err: err}
		}
	}

	// One viper holds the layers in viper's own order: flag > env > config
	// > default, with the env file folded into the defaults so that it sits
	// between the config file and the built-in defaults.
	v := viper.New()
	sources := map[string]string{}
	for _, s := range Settings() {
		def, src := s.Default, "default"
		if val, ok := fromEnvFile[s.Env]; ok {
			def, src = val, "env file "+envFileOf[s.Env]
		}
		v.SetDefault(s.Key, def)
		if file.IsSet(s.Key) {
			v.Set(s.Key, file.GetString(s.Key))
			src = "config file " + cfgPath
		}
		if val, ok := lookup(s.Env); ok {
			v.Set(s.Key, val)
			src = "env " + s.Env
		}
		if s.Flag != "" && opts.Flags != nil {
			if f := opts.Flags.Lookup(s.Flag); f != nil && f.Changed {
				v.Set(s.Key, f.Value.String())
				src = "flag --" + s.Flag
			}
		}
		sources[s.Key] = src
	}
	for _, k := range file.AllKeys() {
		if _, known := sources[k]; !known && k != "watch" && !strings.HasPrefix(k, "watch.") && k != "oidc" && !strings.HasPrefix(k, "oidc.") {
			return nil, &FileError{Path: cfgPath, Kind: "config file", Err: fmt.Errorf("%w %q (known: %s)", ErrUnknownSetting, k, strings.Join(keys(), ", "))}
		}
	}

	c := &Config{
		DatabaseURL:        v.GetString("database_url"),
		DatabaseMigrateURL: v.GetString("database_migrate_url"),
		AppRole:            v.GetString("app_role"),
		MinioEndpoint:      v.GetString("minio_endpoint"),
		MinioRegion:        v.GetString("minio_region"),
		MinioBucket:        v.GetString("minio_bucket"),
		MinioAccessKey:     v.GetString("minio_access_key"),
		MinioSecretKey:     v.GetString("minio_secret_key"),
		MinioRootUser:      v.GetString("minio_root_user"),
		MinioRootPassword:  v.GetString("minio_root_password"),
		RedisURL:           v.GetString("redis_url"),
		SecretKey:          v.GetString("secret_key"),
		OldSecretKey:       v.GetString("old_secret_key"),
		RedisNamespace:     v.GetString("redis_namespace"),
		User:               v.GetString("user"),
		LogLevel:           strings.ToLower(v.GetString("log_level")),
		LogFormat:          strings.ToLower(v.GetString("log_format")),
		Sources:            sources,
		ConfigFile:         cfgPath,
	}
	if c.MinioSecure, err = parseBool(v.GetString("minio_secure")); err != nil {
		return nil, &InvalidError{Env: "MINIO_SECURE", Source: sources["minio_secure"], Err: err}
	}
	if c.Thumbnails, err = parseBool(v.GetString("thumbnails")); err != nil {
		return nil, &InvalidError{Env: "DOCUVAULT_THUMBNAILS", Source: sources["thumbnails"], Err: err}
	}
	if c.MaxUploadSize, err = ParseSize(v.GetString("max_upload_size")); err != nil || c.MaxUploadSize <= 0 {
		return nil, invalid("DOCUVAULT_MAX_UPLOAD_SIZE", sources["max_upload_size"], v.GetString("max_upload_size"), "is not a positive size like 512MiB")
	}
	if c.DefaultQuota, err = ParseSize(v.GetString("default_quota")); err != nil {
		return nil, &InvalidError{Env: "DOCUVAULT_DEFAULT_QUOTA", Source: sources["default_quota"], Err: err}
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v.GetString("password_min_length"))); err != nil || n < 8 || n > 1024 {
		return nil, invalid("DOCUVAULT_PASSWORD_MIN_LENGTH", sources["password_min_length"], v.GetString("password_min_length"), "is not a whole number from 8 to 1024")
	} else {
		c.PasswordMinLen = n
	}
	if c.PasswordHashCost, err = passwords.ParseHashCost(v.GetString("password_hash_cost")); err != nil {
		return nil, &InvalidError{Env: "DOCUVAULT_PASSWORD_HASH_COST", Source: sources["password_hash_cost"], Err: err}
	}
	if at := strings.TrimSpace(v.GetString("allowed_types")); at != "" && at != "default" {
		for _, t := range strings.Split(at, ",") {
			if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
				c.AllowedTypes = append(c.AllowedTypes, t)
			}
		}
	}
	c.PDFExtractor = strings.ToLower(v.GetString("pdf_extractor"))
	c.OCR = strings.ToLower(v.GetString("ocr"))
	c.OCRLanguages = v.GetString("ocr_languages")
	c.AIProvider = strings.ToLower(v.GetString("ai_provider"))
	c.OpenAIBaseURL = strings.TrimRight(v.GetString("openai_base_url"), "/")
	c.OpenAIAPIKey = v.GetString("openai_api_key")
	c.OpenAIModel = v.GetString("openai_model")
	if c.ClassifyThreshold, err = strconv.ParseFloat(v.GetString("classify_threshold"), 64); err != nil || c.ClassifyThreshold <= 0 || c.ClassifyThreshold > 1 {
		return nil, invalid("DOCUVAULT_CLASSIFY_THRESHOLD", sources["classify_threshold"], v.GetString("classify_threshold"), "is not a number above 0 and at most 1, like 0.5")
	}
	if c.AITimeout, err = time.ParseDuration(v.GetString("ai_timeout")); err != nil || c.AITimeout <= 0 {
		return nil, invalid("DOCUVAULT_AI_TIMEOUT", sources["ai_timeout"], v.GetString("ai_timeout"), "is not a positive duration like 30s")
	}
	if n, err := strconv.Atoi(v.GetString("ai_max_input_tokens")); err != nil || n < 100 {
		return nil, invalid("DOCUVAULT_AI_MAX_INPUT_TOKENS", sources["ai_max_input_tokens"], v.GetString("ai_max_input_tokens"), "is not a whole number of 100 or more")
	} else {
		c.AIMaxInputTokens = n
	}
	if n, err := strconv.Atoi(v.GetString("db_conns")); err != nil || n < 1 || n > 1000 {
		return nil, invalid("DOCUVAULT_DB_CONNS", sources["db_conns"], v.GetString("db_conns"), "is not a whole number from 1 to 1000")
	} else {
		c.DBConns = n
	}
	if c.ExtractTimeout, err = time.ParseDuration(v.GetString("extract_timeout")); err != nil || c.ExtractTimeout <= 0 {
		return nil, invalid("DOCUVAULT_EXTRACT_TIMEOUT", sources["extract_timeout"], v.GetString("extract_timeout"), "is not a positive duration like 2m")
	}
	if c.JobRetryDelay, err = time.ParseDuration(v.GetString("job_retry_delay")); err != nil || c.JobRetryDelay <= 0 {
		return nil, invalid("DOCUVAULT_JOB_RETRY_DELAY", sources["job_retry_delay"], v.GetString("job_retry_delay"), "is not a positive duration like 10s")
	}
	if n, err := strconv.ParseUint(v.GetString("job_max_fails"), 10, 16); err != nil || n == 0 {
		return nil, invalid("DOCUVAULT_JOB_MAX_FAILS", sources["job_max_fails"], v.GetString("job_max_fails"), "is not a whole number of 1 or more")
	} else {
		c.JobMaxFails = uint(n)
	}
	if n, err := strconv.ParseUint(strings.TrimSpace(v.GetString("trash_days")), 10, 16); err != nil || n == 0 {
		return nil, invalid("DOCUVAULT_TRASH_DAYS", sources["trash_days"], v.GetString("trash_days"), "is not a whole number of days of 1 or more")
	} else {
		c.TrashDays = int(n)
	}
	// Read before serve's settings: SMTP and single sign-on both build on it.
	c.PublicURL = strings.TrimRight(strings.TrimSpace(v.GetString("public_url")), "/")
	if c.PublicURL != "" {
		if err := checkPublicURL(c.PublicURL); err != nil {
			return nil, &InvalidError{Env: "DOCUVAULT_PUBLIC_URL", Source: sources["public_url"], Err: fmt.Errorf("%q %w", RedactURL(c.PublicURL), err)}
		}
	}
	if err := c.loadServe(v, sources); err != nil {
		return nil, err
	}
	if c.WatchSettle, err = time.ParseDuration(v.GetString("watch_settle")); err != nil || c.WatchSettle <= 0 {
		return nil, invalid("DOCUVAULT_WATCH_SETTLE", sources["watch_settle"], v.GetString("watch_settle"), "is not a positive duration like 1s")
	}
	if c.WatchRescan, err = time.ParseDuration(v.GetString("watch_rescan")); err != nil || c.WatchRescan <= 0 {
		return nil, invalid("DOCUVAULT_WATCH_RESCAN", sources["watch_rescan"], v.GetString("watch_rescan"), "is not a positive duration like 30s")
	}
	if file.IsSet("watch") {
		if err := file.UnmarshalKey("watch", &c.Watch); err != nil {
			return nil, &FileError{Path: cfgPath, Kind: "config file", Err: fmt.Errorf("watch: %w", err)}
		}
		for i, w := range c.Watch {
			if strings.TrimSpace(w.Dir) == "" || strings.TrimSpace(w.User) == "" {
				return nil, &FileError{Path: cfgPath, Kind: "config file", Err: fmt.Errorf("watch[%d]: each watch folder needs dir and user", i)}
			}
		}
	}
	var providers []OIDCProvider
	if file.IsSet("oidc") {
		if err := file.UnmarshalKey("oidc", &providers); err != nil {
			return nil, &FileError{Path: cfgPath, Kind: "config file", Err: fmt.Errorf("oidc: %w", err)}
		}
	}
	envOrFile := func(name string) (string, bool) {
		if v, ok := lookup(name); ok {
			return v, true
		}
		v, ok := fromEnvFile[name]
		return v, ok
	}
	if err := c.loadOIDC(providers, envOrFile); err != nil {
		return nil, &FileError{Path: cfgPath, Kind: "config file", Err: err}
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// loadServe reads the HTTP API's settings.
func (c *Config) loadServe(v *viper.Viper, sources map[string]string) error {
	var err error
	c.Listen = strings.TrimSpace(v.GetString("listen"))
	if c.AccessTokenTTL, err = time.ParseDuration(v.GetString("access_token_ttl")); err != nil || c.AccessTokenTTL <= 0 {
		return invalid("DOCUVAULT_ACCESS_TOKEN_TTL", sources["access_token_ttl"], v.GetString("access_token_ttl"), "is not a positive duration like 15m")
	}
	if c.RefreshTokenTTL, err = time.ParseDuration(v.GetString("refresh_token_ttl")); err != nil || c.RefreshTokenTTL <= 0 {
		return invalid("DOCUVAULT_REFRESH_TOKEN_TTL", sources["refresh_token_ttl"], v.GetString("refresh_token_ttl"), "is not a positive duration like 720h")
	}
	c.CORSOrigins = splitList(v.GetString("cors_origins"))
	for _, o := range c.CORSOrigins {
		if u, err := url.Parse(o); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return invalid("DOCUVAULT_CORS_ORIGINS", sources["cors_origins"], RedactURL(o), "is not an origin like https://docs.example.org")
		}
	}
	c.TrustedProxies = splitList(v.GetString("trusted_proxies"))
	for _, p := range c.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				return invalid("DOCUVAULT_TRUSTED_PROXIES", sources["trusted_proxies"], p, "is not a CIDR like 10.0.0.0/8 or an address")
			}
		}
	}
	if c.LoginLimit, err = ParseRate(v.GetString("login_limit")); err != nil {
		return &InvalidError{Env: "DOCUVAULT_LOGIN_LIMIT", Source: sources["login_limit"], Err: err}
	}
	if c.LoginIPLimit, err = ParseRate(v.GetString("login_ip_limit")); err != nil {
		return &InvalidError{Env: "DOCUVAULT_LOGIN_IP_LIMIT", Source: sources["login_ip_limit"], Err: err}
	}
	c.MetricsToken = v.GetString("metrics_token")
	if err := checkToken(c.MetricsToken); err != nil {
		// The message never quotes the value: it is a secret.
		return &InvalidError{Env: "DOCUVAULT_METRICS_TOKEN", Source: sources["metrics_token"], Err: err}
	}
	if err := c.loadSMTP(v, sources); err != nil {
		return err
	}
	return c.loadUploads(v, sources)
}

// MinMetricsToken is the shortest DOCUVAULT_METRICS_TOKEN accepted.
const MinMetricsToken = 16

// checkToken accepts "" (no token) or at least MinMetricsToken visible
// ASCII characters, which an Authorization header carries as they are.
func checkToken(tok string) error {
	if tok == "" {
		return nil
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] <= ' ' || tok[i] > '~' {
			return errors.New("has a space, control or non-ASCII character; use visible ASCII only, e.g. the output of openssl rand -hex 32")
		}
	}
	if len(tok) < MinMetricsToken {
		return fmt.Errorf("is shorter than %d characters; use a random one, e.g. the output of openssl rand -hex 32", MinMetricsToken)
	}
	return nil
}

// loadUploads reads the upload stream settings.
func (c *Config) loadUploads(v *viper.Viper, sources map[string]string) error {
	n, err := strconv.Atoi(strings.TrimSpace(v.GetString("upload_streams")))
	if err != nil || n < 1 || n > 1000 {
		return invalid("DOCUVAULT_UPLOAD_STREAMS", sources["upload_streams"], v.GetString("upload_streams"), "is not a whole number from 1 to 1000")
	}
	c.UploadStreams = n
	if us := strings.TrimSpace(v.GetString("upload_user_streams")); strings.EqualFold(us, "auto") {
		c.UploadUserStreams = max(c.UploadStreams/2, 1)
	} else if n, err := strconv.Atoi(us); err != nil || n < 1 {
		return invalid("DOCUVAULT_UPLOAD_USER_STREAMS", sources["upload_user_streams"], us, "is not auto or a whole number of 1 or more")
	} else if n > c.UploadStreams {
		return invalid("DOCUVAULT_UPLOAD_USER_STREAMS", sources["upload_user_streams"], us,
			fmt.Sprintf("is more than DOCUVAULT_UPLOAD_STREAMS (%d): one user could hold every stream", c.UploadStreams))
	} else {
		c.UploadUserStreams = n
	}
	if c.UploadIdleTimeout, err = time.ParseDuration(strings.TrimSpace(v.GetString("upload_idle_timeout"))); err != nil || c.UploadIdleTimeout < time.Second {
		return invalid("DOCUVAULT_UPLOAD_IDLE_TIMEOUT", sources["upload_idle_timeout"], v.GetString("upload_idle_timeout"), "is not a duration of 1s or more, like 1m")
	}
	if c.UploadMinRate, err = parseByteRate(v.GetString("upload_min_rate")); err != nil {
		return invalid("DOCUVAULT_UPLOAD_MIN_RATE", sources["upload_min_rate"], v.GetString("upload_min_rate"), "is not a rate like 1KiB/s (or 0 for no minimum)")
	}
	if c.UploadRateWindow, err = time.ParseDuration(strings.TrimSpace(v.GetString("upload_rate_window"))); err != nil || c.UploadRateWindow < time.Second {
		return invalid("DOCUVAULT_UPLOAD_RATE_WINDOW", sources["upload_rate_window"], v.GetString("upload_rate_window"), "is not a duration of 1s or more, like 20s")
	}
	return nil
}

// parseByteRate parses bytes per second written as a size with an
// optional "/s": 1KiB/s, 512B/s, 2048, 0.
func parseByteRate(s string) (int64, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(strings.TrimSuffix(s, "/s"))
	if s == "" {
		return 0, errors.New("empty rate")
	}
	return ParseSize(s)
}

// formatByteRate is parseByteRate's inverse, as config show prints it.
func formatByteRate(n int64) string {
	switch {
	case n == 0:
		return "0"
	case n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB/s", n>>20)
	case n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB/s", n>>10)
	}
	return fmt.Sprintf("%dB/s", n)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, strings.TrimSuffix(p, "/"))
		}
	}
	return out
}

// Rate is a number of events allowed per window of time.
type Rate struct {
	N      int64
	Window time.Duration
}

func (r Rate) String() string { return fmt.Sprintf("%d/%s", r.N, r.Window) }

// ParseRate parses a rate like 10/15m: at least one event per positive window.
func ParseRate(s string) (Rate, error) {
	n, w, ok := strings.Cut(strings.TrimSpace(s), "/")
	count, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64)
	if !ok || err != nil || count < 1 {
		return Rate{}, fmt.Errorf("%q is not a rate like 10/15m", s)
	}
	window, err := time.ParseDuration(strings.TrimSpace(w))
	if err != nil || window < time.Second {
		return Rate{}, fmt.Errorf("%q is not a rate like 10/15m (a window of at least 1s)", s)
	}
	return Rate{N: count, Window: window}, nil
}

func keys() []string {
	var ks []string
	for _, s := range Settings() {
		ks = append(ks, s.Key)
	}
	sort.Strings(ks)
	return ks
}

// ocrLanguages matches tesseract language names joined by '+': eng,
// chi_sim, eng+deu.
var ocrLanguages = regexp.MustCompile(`^[a-z][a-z_]{1,15}(\+[a-z][a-z_]{1,15}){0,9}$`)

func (c *Config) validate() error {
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return invalid("DOCUVAULT_LOG_LEVEL", c.Sources["log_level"], c.LogLevel, "is not one of debug, info, warn, error")
	}
	switch c.PDFExtractor {
	case "auto", "go", "pdftotext":
	default:
		return invalid("DOCUVAULT_PDF_EXTRACTOR", c.Sources["pdf_extractor"], c.PDFExtractor, "is not auto, go or pdftotext")
	}
	switch c.OCR {
	case "auto", "always", "never":
	default:
		return invalid("DOCUVAULT_OCR", c.Sources["ocr"], c.OCR, "is not auto, always or never")
	}
	if !ocrLanguages.MatchString(c.OCRLanguages) {
		return invalid("DOCUVAULT_OCR_LANGUAGES", c.Sources["ocr_languages"], c.OCRLanguages, "is not tesseract languages joined by +, like eng+deu")
	}
	switch c.AIProvider {
	case "builtin", "openai":
	default:
		return invalid("DOCUVAULT_AI_PROVIDER", c.Sources["ai_provider"], c.AIProvider, "is not builtin or openai")
	}
	if u, err := url.Parse(c.OpenAIBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalid("OPENAI_BASE_URL", c.Sources["openai_base_url"], RedactURL(c.OpenAIBaseURL), "is not an http(s) URL like https://api.openai.com/v1")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return invalid("DOCUVAULT_LOG_FORMAT", c.Sources["log_format"], c.LogFormat, "is not text or json")
	}
	if c.MinioBucket == "" {
		return &MissingError{Env: "MINIO_BUCKET", What: "the one bucket documents live in"}
	}
	return nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true, nil
	case "", "0", "false", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (true or false)", s)
}

func findConfigFile(opts Options, lookup func(string) (string, bool)) (string, error) {
	if opts.ConfigFile != "" {
		if _, err := os.Stat(opts.ConfigFile); err != nil {
			return "", fmt.Errorf("--config %s: %w", opts.ConfigFile, err)
		}
		return opts.ConfigFile, nil
	}
	search := opts.ConfigSearch
	if search == nil {
		search = DefaultConfigSearch(lookup)
	}
	for _, p := range search {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", nil
}

// readEnvFile reads NAME=value lines (an optional "export " prefix, quotes
// and comments as in a shell). A missing file is no error; a file that group
// or others may read is read, with a warning (seed D-12: chmod 600).
func readEnvFile(path string, log *slog.Logger) (map[string]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &FileError{Path: path, Kind: "env file", Err: err}
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().Perm()&0o077 != 0 {
		log.Warn("env file is readable by group or others; run chmod 600 on it", "path", path, "mode", st.Mode().Perm().String())
	}
	vals, err := gotenv.StrictParse(f)
	if err != nil {
		return nil, &FileError{Path: path, Kind: "env file", Err: err}
	}
	return vals, nil
}

// Display returns the value of the setting with key as `config show` prints
// it: secrets as "<redacted>" (or "<unset>"), and in every URL-valued
// setting the credentials RedactURL hides replaced.
func (c *Config) Display(s Setting) string {
	val := c.raw(s.Key)
	switch {
	case val == "":
		return "<unset>"
	case s.Secret:
		return "<redacted>"
	case s.URL && s.List:
		parts := strings.Split(val, ",")
		for i, p := range parts {
			parts[i] = RedactURL(p)
		}
		return strings.Join(parts, ",")
	case s.URL:
		return RedactURL(val)
	}
	return val
}

func (c *Config) raw(key string) string {
	switch key {
	case "database_url":
		return c.DatabaseURL
	case "database_migrate_url":
		return c.DatabaseMigrateURL
	case "app_role":
		return c.AppRole
	case "minio_endpoint":
		return c.MinioEndpoint
	case "minio_secure":
		return fmt.Sprint(c.MinioSecure)
	case "minio_region":
		return c.MinioRegion
	case "minio_bucket":
		return c.MinioBucket
	case "minio_access_key":
		return c.MinioAccessKey
	case "minio_secret_key":
		return c.MinioSecretKey
	case "minio_root_user":
		return c.MinioRootUser
	case "minio_root_password":
		return c.MinioRootPassword
	case "redis_url":
		return c.RedisURL
	case "secret_key":
		return c.SecretKey
	case "old_secret_key":
		return c.OldSecretKey
	case "redis_namespace":
		return c.RedisNamespace
	case "watch_settle":
		return c.WatchSettle.String()
	case "watch_rescan":
		return c.WatchRescan.String()
	case "user":
		return c.User
	case "max_upload_size":
		return humanize.IBytes(uint64(c.MaxUploadSize))
	case "allowed_types":
		if c.AllowedTypes == nil {
			return "default"
		}
		return strings.Join(c.AllowedTypes, ",")
	case "default_quota":
		return humanize.IBytes(uint64(c.DefaultQuota))
	case "password_min_length":
		return strconv.Itoa(c.PasswordMinLen)
	case "password_hash_cost":
		return c.PasswordHashCost.String()
	case "pdf_extractor":
		return c.PDFExtractor
	case "extract_timeout":
		return c.ExtractTimeout.String()
	case "ocr":
		return c.OCR
	case "ocr_languages":
		return c.OCRLanguages
	case "thumbnails":
		return strconv.FormatBool(c.Thumbnails)
	case "job_max_fails":
		return fmt.Sprint(c.JobMaxFails)
	case "trash_days":
		return fmt.Sprint(c.TrashDays)
	case "job_retry_delay":
		return c.JobRetryDelay.String()
	case "ai_provider":
		return c.AIProvider
	case "classify_threshold":
		return strconv.FormatFloat(c.ClassifyThreshold, 'g', -1, 64)
	case "openai_base_url":
		return c.OpenAIBaseURL
	case "openai_api_key":
		return c.OpenAIAPIKey
	case "openai_model":
		return c.OpenAIModel
	case "ai_timeout":
		return c.AITimeout.String()
	case "ai_max_input_tokens":
		return strconv.Itoa(c.AIMaxInputTokens)
	case "listen":
		return c.Listen
	case "db_conns":
		return strconv.Itoa(c.DBConns)
	case "access_token_ttl":
		return c.AccessTokenTTL.String()
	case "refresh_token_ttl":
		return c.RefreshTokenTTL.String()
	case "cors_origins":
		return strings.Join(c.CORSOrigins, ",")
	case "trusted_proxies":
		return strings.Join(c.TrustedProxies, ",")
	case "login_limit":
		return c.LoginLimit.String()
	case "login_ip_limit":
		return c.LoginIPLimit.String()
	case "metrics_token":
		return c.MetricsToken
	case "upload_streams":
		return strconv.Itoa(c.UploadStreams)
	case "upload_user_streams":
		return strconv.Itoa(c.UploadUserStreams)
	case "upload_idle_timeout":
		return c.UploadIdleTimeout.String()
	case "upload_min_rate":
		return formatByteRate(c.UploadMinRate)
	case "upload_rate_window":
		return c.UploadRateWindow.String()
	case "log_level":
		return c.LogLevel
	case "log_format":
		return c.LogFormat
	}
	return c.rawSMTP(key)
}

// Redacted is what RedactURL puts in place of a credential.
const Redacted = "xxxxx"

// RedactURL returns raw with the credentials a URL can carry replaced by
// Redacted: the password of its userinfo (the user name is kept: it names
// a role, not a secret), and the value of every query parameter (and
// fragment parameter, as OAuth's #access_token=) whose name looks secret
// (SecretParam). Everything else is kept as written. A value that is not a
// URL is redacted whole, since where its secrets are cannot be told.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return "<redacted: not a URL>"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), Redacted)
	}
	u.RawQuery = redactParams(u.RawQuery)
	if strings.Contains(u.Fragment, "=") {
		rf := redactParams(u.EscapedFragment())
		if f, err := url.PathUnescape(rf); err == nil {
			u.Fragment, u.RawFragment = f, rf
		} else {
			u.Fragment, u.RawFragment = Redacted, ""
		}
	}
	return u.String()
}

// redactParams replaces the values of secret-looking parameters in an
// encoded query (name=value pairs joined by & or ;), keeping the rest,
// and their order and encoding, as they are.
func redactParams(q string) string {
	var b strings.Builder
	start := 0
	for i := 0; i <= len(q); i++ {
		if i < len(q) && q[i] != '&' && q[i] != ';' {
			continue
		}
		b.WriteString(redactParam(q[start:i]))
		if i < len(q) {
			b.WriteByte(q[i])
		}
		start = i + 1
	}
	return b.String()
}

func redactParam(p string) string {
	name, _, hasValue := strings.Cut(p, "=")
	if n, err := url.QueryUnescape(name); err == nil {
		name = n
	}
	if hasValue && SecretParam(name) {
		k, _, _ := strings.Cut(p, "=")
		return k + "=" + Redacted
	}
	return p
}

// secretWords are the parts of a parameter name that make its value secret.
var secretWords = []string{"token", "secret", "password", "passwd", "signature", "credential", "apikey", "api_key", "access_key", "private"}

// SecretParam reports whether a URL parameter called name carries a
// credential: key, sig, pwd, pass, auth, anything ending in _key, or a name
// containing token, secret, password, passwd, signature, credential,
// apikey, api_key, access_key or private — in any case, with - or _
// (x-amz-signature, X-Goog-Credential, access_token, client_secret).
func SecretParam(name string) bool {
	n := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
	switch n {
	case "key", "sig", "pwd", "pass", "auth", "authorization", "code":
		return true
	}
	if strings.HasSuffix(n, "_key") {
		return true
	}
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// ParseSize parses a size like 512MiB, 2GiB, 100MB or 1048576 into bytes.
func ParseSize(s string) (int64, error) {
	n, err := humanize.ParseBytes(strings.TrimSpace(s))
	if err != nil || n > 1<<62 {
		return 0, fmt.Errorf("%q is not a size like 512MiB, 2GiB or 100MB", s)
	}
	return int64(n), nil
}

// InvalidError reports a setting whose value does not parse or is out of
// range. Its message names the variable, where the value came from and
// what was expected, e.g.
//
//	DOCUVAULT_AI_TIMEOUT (from env DOCUVAULT_AI_TIMEOUT): "soon" is not a positive duration like 30s
type InvalidError struct {
	Env    string // the setting's environment variable
	Source string // where the value came from, as in Config.Sources
	Err    error  // what is wrong with the value
}

func (e *InvalidError) Error() string { return fmt.Sprintf("%s (from %s): %v", e.Env, e.Source, e.Err) }
func (e *InvalidError) Unwrap() error { return e.Err }

// invalid is an *InvalidError saying value "is not" what it should be.
func invalid(env, source, value, isNot string) error {
	return &InvalidError{Env: env, Source: source, Err: fmt.Errorf("%q %s", value, isNot)}
}

// ErrUnknownSetting is wrapped in the *FileError for a config file that
// names a setting DocuVault does not have (a typo must not pass unnoticed).
var ErrUnknownSetting = errors.New("unknown setting")

// FileError reports a config file or env file that cannot be read or
// parsed. A missing --config wraps fs.ErrNotExist (a missing file found by
// searching is no error).
type FileError struct {
	Kind string // "config file" or "env file"
	Path string
	Err  error
}

func (e *FileError) Error() string { return fmt.Sprintf("%s %s: %v", e.Kind, e.Path, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

// MissingError reports a setting a command needs that has no value.
type MissingError struct {
	Env  string
	What string
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("%s is not set (%s): set it in the environment, .env or the config file", e.Env, e.What)
}

// Require returns a *MissingError for the first of envNames whose setting is empty.
func (c *Config) Require(envNames ...string) error {
	for _, name := range envNames {
		for _, s := range Settings() {
			if s.Env == name && c.raw(s.Key) == "" {
				return &MissingError{Env: name, What: s.Help}
			}
		}
	}
	return nil
}
