// Package api is DocuVault's HTTP JSON API, the one `docuvault serve`
// runs: the route table, its middleware (request ids, access logs, CORS
// for configured origins only, security headers, panic recovery, metrics)
// and the handlers, which call the data packages (storage, catalog,
// topics, folders, saved views, shares, audit, auth, settings). A Server
// keeps nothing between requests that another instance would need (only
// caches: prepared statements, buffers), so any number of instances can
// serve behind one balancer.
//
// Every error answers with one JSON shape, {"error":{"code","message"}},
// and its status is decided in one place (errors.go).
package api

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/gocraft/work"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/accounts"
	"github.com/docuvault/docuvault/pkg/auth"
	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/database"
	"github.com/docuvault/docuvault/pkg/health"
	"github.com/docuvault/docuvault/pkg/mail"
	"github.com/docuvault/docuvault/pkg/oidc"
	"github.com/docuvault/docuvault/pkg/passwords"
	"github.com/docuvault/docuvault/pkg/secrets"
	"github.com/docuvault/docuvault/pkg/sharelinks"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/totp"
)

// Enqueuer queues a document for extraction and classification.
type Enqueuer interface {
	EnqueueExtract(ctx context.Context, documentID string) error
}

// CloudEnqueuer queues a cloud connection's sync for the worker.
type CloudEnqueuer interface {
	EnqueueCloudSync(ctx context.Context, connectionID string) error
}

// Deps is what the API needs; cmd/serve builds them.
type Deps struct {
	DB      *sqlx.DB
	Storage *storage.Service
	Auth    *auth.Service
	// Mail polls IMAP accounts and holds the keyring their passwords are
	// sealed with; nil: the mail routes answer 503.
	Mail *mail.Poller
	Jobs Enqueuer // for reclassify; may be nil (the sweeper queues pending documents)
	// JobsClient reads queue depth for /metrics; may be nil.
	JobsClient *work.Client
	// Health returns the checks /health runs (the same as `docuvault health`).
	Health        map[string]health.Check
	HealthTimeout time.Duration // each check's bound; 0 means 5s
	Log           *slog.Logger
	// CORSOrigins may call the API from a browser; no others.
	CORSOrigins []string
	// TrustedProxies are the load balancers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// PresignTTL is the life of a ?redirect=1 download URL; 0 means 5 minutes.
	PresignTTL time.Duration
	// TrashDays is how long a document stays in the trash (DOCUVAULT_TRASH_DAYS);
	// 0 means trash.DefaultDays.
	TrashDays int
	// DefaultQuota is the quota of users created over the API (bytes).
	DefaultQuota int64
	// Passwords is the password policy of passwords set over the API.
	Passwords passwords.Policy
	// MaxStreams bounds the uploads streamed in parts at once (files over
	// 256 KiB): each holds the object store client's part buffers (32 MiB).
	// Others wait their turn. 0 means 4.
	MaxStreams int
	// MaxUserStreams bounds the uploads one user streams in parts at once
	// (those waiting for a slot included): one more is refused with 429
	// and Retry-After, so that one user cannot hold every slot. 0 means
	// half of MaxStreams, at least 1.
	MaxUserStreams int
	// UploadIdleTimeout cuts off (408, nothing stored) an upload body that
	// sends nothing for this long; any progress extends it, so big uploads
	// on slow links work. 0 means 1 minute.
	UploadIdleTimeout time.Duration
	// UploadMinRate cuts off (408, nothing stored) an upload body that
	// sends fewer bytes per second than this, on average over each
	// UploadRateWindow spent waiting for it (time spent storing does not
	// count): a body trickling a byte at a time holds its stream slot no
	// longer than one window. 0 means 1 KiB/s; negative, no minimum.
	UploadMinRate int64
	// UploadRateWindow is the span UploadMinRate is averaged over; 0 means 20s.
	UploadRateWindow time.Duration
	// Classifiers gives each user's classifier, for POST /api/classify
	// (the topics page's "try it"); nil answers it with 503.
	Classifiers ClassifierSource
	// MetricsToken, when set, is the bearer token GET /metrics requires
	// (401 without it); "" leaves /metrics open to anyone who reaches it.
	MetricsToken string
	// Keyring seals the credentials of cloud connections added over the
	// API; nil answers POST /api/cloud/connections with 503.
	Keyring *secrets.Keyring
	// CloudJobs queues a cloud connection's sync ("sync now"); nil answers
	// POST /api/cloud/connections/{id}/sync with 503.
	CloudJobs CloudEnqueuer
	// Links keeps public share links; nil makes one that cannot check
	// passwords (unlocking answers 503).
	Links *sharelinks.Service
	// TOTP keeps second factors (two-factor sign-in); nil makes one on DB
	// and Keyring.
	TOTP *totp.Service
	// ResetMail mails password reset links; nil when no SMTP server is
	// configured (links are shown once; no "forgot password").
	ResetMail *accounts.ResetMailer
	// SSO is single sign-on with OpenID Connect (the config file's oidc:
	// providers); nil: no providers (the sign-in page shows none).
	SSO *oidc.Service
	// Web serves the web app (package web) for GET and HEAD of every path
	// outside /api, /health and /metrics; nil answers those with the JSON 404.
	Web http.Handler
}

// Server is the API. Its zero value is not usable: call New.
type Server struct {
	d       Deps
	metrics *metrics
	// metricsToken is the SHA-256 of Deps.MetricsToken, nil when unset.
	metricsToken []byte
	routes       []route
	// mux routes requests to routes (its patterns are "METHOD pattern").
	mux     *http.ServeMux
	handler http.Handler
	// heads are the small-file buffers of uploads (smallFile bytes each),
	// reused rather than allocated and zeroed for every file.
	heads sync.Pool
	// streams holds a token per upload being streamed in parts.
	streams chan struct{}
	// userStreams counts each user's uploads streamed in parts (waiting
	// for a token or holding one), for MaxUserStreams.
	userStreamsMu sync.Mutex
	userStreams   map[string]int
	// lister lists documents with prepared statements.
	lister *catalog.Lister
	// prepared runs the audit log's insert as a prepared statement.
	prepared *database.Statements
}

// New builds the API on d.
func New(d Deps) *Server {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.HealthTimeout <= 0 {
		d.HealthTimeout = 5 * time.Second
	}
	if d.PresignTTL <= 0 {
		d.PresignTTL = 5 * time.Minute
	}
	if d.MaxStreams <= 0 {
		d.MaxStreams = 4
	}
	if d.MaxUserStreams <= 0 {
		d.MaxUserStreams = max(d.MaxStreams/2, 1)
	}
	if d.UploadIdleTimeout <= 0 {
		d.UploadIdleTimeout = time.Minute
	}
	if d.UploadMinRate == 0 {
		d.UploadMinRate = 1 << 10
	}
	if d.UploadRateWindow <= 0 {
		d.UploadRateWindow = 20 * time.Second
	}
	if d.Links == nil {
		// Without SECRET_KEY and Redis (tests, tools): links are made,
		// listed and opened, but a password cannot be checked (503).
		d.Links, _ = sharelinks.New(d.DB, nil, sharelinks.Options{HashCost: d.Passwords.Hash})
	}
	if d.TOTP == nil {
		d.TOTP = totp.New(d.DB, d.Keyring, "")
	}
	s := &Server{d: d, streams: make(chan struct{}, d.MaxStreams), userStreams: map[string]int{},
		lister: catalog.NewLister(d.DB), prepared: database.NewStatements(d.DB)}
	s.heads.New = func() any { b := make([]byte, smallFile); return &b }
	s.metrics = newMetrics(d.DB, d.JobsClient)
	if d.MetricsToken != "" {
		sum := sha256.Sum256([]byte(d.MetricsToken))
		s.metricsToken = sum[:]
	}
	s.routes = s.routeTable()
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		mux.Handle(rt.method+" "+rt.pattern, s.endpoint(rt))
	}
	// Anything else: the web app, or the JSON 404 (or 405), not net/http's
	// plain text.
	mux.Handle("/", s.endpoint(route{pattern: "/", access: public, h: s.fallback}))
	s.mux = mux
	s.handler = s.middleware(mux)
	return s
}

// Close releases what the Server holds in the database (prepared
// statements); the Deps stay the caller's to close.
func (s *Server) Close() error { return errors.Join(s.lister.Close(), s.prepared.Close()) }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// access is who may call a route.
type access int

const (
	public access = iota // anyone
	user                 // a valid access token of an active account
	admin                // as user, with role admin
)

// route is one entry of the route table; the OpenAPI description is
// checked against this table both ways.
type route struct {
	method  string
	pattern string
	access  access
	h       handlerFunc
	// streaming routes move bodies of any size and manage their own
	// connection deadlines.
	streaming bool
}

// handlerFunc is a handler that returns its error for writeError.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// routeTable is every route of the API.
func (s *Server) routeTable() []route {
	return []route{
		{"GET", "/health", public, s.health, false},
		{"GET", "/metrics", public, s.metricsHandler, false},
		{"GET", "/api/openapi.json", public, s.openAPI, false},

		{"POST", "/api/auth/login", public, s.login, false},
		{"POST", "/api/auth/login/totp", public, s.loginTOTP, false},
		{"POST", "/api/auth/refresh", public, s.refresh, false},
		{"POST", "/api/auth/logout", user, s.logout, false},
		{"POST", "/api/auth/reset", public, s.useResetLink, false},
		{"GET", "/api/auth/forgot", public, s.forgotState, false},
		{"POST", "/api/auth/forgot", public, s.forgotPassword, false},
		{"GET", "/api/auth/oidc/providers", public, s.ssoProviders, false},
		{"GET", "/api/auth/oidc/{provider}/start", public, s.ssoStart, false},
		{"GET", "/api/auth/oidc/{provider}/callback", public, s.ssoCallback, false},
		{"POST", "/api/auth/oidc/exchange", public, s.ssoExchange, false},
		{"GET", "/api/me/sso", user, s.mySSO, false},
		{"GET", "/api/me", user, s.me, false},
		{"PUT", "/api/me/language", user, s.setLanguage, false},
		{"PUT", "/api/me/password", user, s.changePassword, false},
		{"GET", "/api/me/export", user, s.exportAccount, false},
		{"GET", "/api/me/totp", user, s.totpStatus, false},
		{"POST", "/api/me/totp", user, s.startTOTP, false},
		{"POST", "/api/me/totp/confirm", user, s.confirmTOTP, false},
		{"DELETE", "/api/me/totp", user, s.disableTOTP, false},
		{"POST", "/api/me/totp/recovery-codes", user, s.regenerateRecovery, false},
		{"GET", "/api/sessions", user, s.listSessions, false},
		{"DELETE", "/api/sessions", user, s.endOtherSessions, false},
		{"DELETE", "/api/sessions/{id}", user, s.endSession, false},
		{"GET", "/api/overview", user, s.overview, false},
		{"GET", "/api/ingest/errors", user, s.ingestErrors, false},

		{"GET", "/api/admin/users", admin, s.adminListUsers, false},
		{"POST", "/api/admin/users", admin, s.adminCreateUser, false},
		{"GET", "/api/admin/users/{id}", admin, s.adminGetUser, false},
		{"PATCH", "/api/admin/users/{id}", admin, s.adminUpdateUser, false},
		{"DELETE", "/api/admin/users/{id}", admin, s.adminDeleteUser, false},
		{"PUT", "/api/admin/users/{id}/password", admin, s.adminSetPassword, false},
		{"POST", "/api/admin/users/{id}/reset-link", admin, s.adminResetLink, false},
		{"GET", "/api/admin/users/{id}/sso", admin, s.adminUserSSO, false},
		{"DELETE", "/api/admin/users/{id}/sso/{provider}", admin, s.adminUnlinkSSO, false},
		{"GET", "/api/admin/groups", admin, s.adminListGroups, false},
		{"POST", "/api/admin/groups", admin, s.adminCreateGroup, false},
		{"PATCH", "/api/admin/groups/{id}", admin, s.adminUpdateGroup, false},
		{"DELETE", "/api/admin/groups/{id}", admin, s.adminDeleteGroup, false},
		{"PUT", "/api/admin/groups/{id}/members", admin, s.adminGroupMembers, false},
		{"POST", "/api/admin/groups/{id}/members", admin, s.adminGroupMembers, false},
		{"DELETE", "/api/admin/groups/{id}/members", admin, s.adminGroupMembers, false},
		{"GET", "/api/groups", user, s.myGroups, false},
		{"DELETE", "/api/admin/users/{id}/totp", admin, s.adminResetTOTP, false},
		{"GET", "/api/export", user, s.exportMine, true},
		{"GET", "/api/admin/export", admin, s.adminExport, true},
		{"POST", "/api/admin/import", admin, s.adminImport, true},
		{"GET", "/api/admin/totp-policy", admin, s.getTOTPPolicy, false},
		{"PUT", "/api/admin/totp-policy", admin, s.putTOTPPolicy, false},

		{"POST", "/api/documents", user, s.uploadDocuments, true},
		{"GET", "/api/documents", user, s.listDocuments, false},
		{"POST", "/api/documents/bulk", user, s.bulkDocuments, false},
		{"GET", "/api/search", user, s.search, false},
		{"GET", "/api/documents/{id}", user, s.getDocument, false},
		{"PATCH", "/api/documents/{id}", user, s.updateDocument, false},
		{"DELETE", "/api/documents/{id}", user, s.deleteDocument, false},
		{"POST", "/api/download-tickets", user, s.newDownloadTicket, false},
		{"GET", "/api/documents/{id}/content", user, s.documentContent, true},
		{"GET", "/api/documents/{id}/text", user, s.documentText, false},
		{"GET", "/api/documents/{id}/thumbnail", user, s.documentThumbnail, false},
		{"POST", "/api/documents/{id}/reclassify", user, s.reclassifyDocument, false},
		{"GET", "/api/documents/{id}/similar", user, s.similarDocuments, false},
		{"POST", "/api/documents/{id}/shares", user, s.createShare, false},
		{"GET", "/api/documents/{id}/notes", user, s.listNotes, false},
		{"POST", "/api/documents/{id}/notes", user, s.createNote, false},
		{"PATCH", "/api/notes/{id}", user, s.updateNote, false},
		{"DELETE", "/api/notes/{id}", user, s.deleteNote, false},
		{"GET", "/api/documents/{id}/versions", user, s.listVersions, false},
		{"POST", "/api/documents/{id}/versions", user, s.uploadVersion, true},
		{"GET", "/api/documents/{id}/versions/{number}/content", user, s.versionContent, true},
		{"POST", "/api/documents/{id}/versions/{number}/restore", user, s.restoreVersion, false},
		{"DELETE", "/api/documents/{id}/versions/{number}", user, s.deleteVersion, false},

		{"GET", "/api/trash", user, s.listTrash, false},
		{"DELETE", "/api/trash", user, s.emptyTrash, false},
		{"POST", "/api/trash/{id}/restore", user, s.restoreTrash, false},
		{"DELETE", "/api/trash/{id}", user, s.deleteTrashed, false},

		{"GET", "/api/topics", user, s.listTopics, false},
		{"POST", "/api/topics", user, s.createTopic, false},
		{"GET", "/api/topics/{id}", user, s.getTopic, false},
		{"PATCH", "/api/topics/{id}", user, s.updateTopic, false},
		{"DELETE", "/api/topics/{id}", user, s.deleteTopic, false},
		{"POST", "/api/classify", user, s.classifyText, false},

		{"GET", "/api/folders", user, s.listFolders, false},
		{"POST", "/api/folders", user, s.createFolder, false},
		{"GET", "/api/folders/{id}", user, s.getFolder, false},
		{"PATCH", "/api/folders/{id}", user, s.updateFolder, false},
		{"DELETE", "/api/folders/{id}", user, s.deleteFolder, false},
		{"GET", "/api/folders/{id}/shares", user, s.listFolderShares, false},
		{"POST", "/api/folders/{id}/shares", user, s.createFolderShare, false},
		{"DELETE", "/api/folders/{id}/shares/{share}", user, s.deleteFolderShare, false},

		{"GET", "/api/views", user, s.listViews, false},
		{"POST", "/api/views", user, s.createView, false},
		{"GET", "/api/views/{id}", user, s.getView, false},
		{"PATCH", "/api/views/{id}", user, s.updateView, false},
		{"DELETE", "/api/views/{id}", user, s.deleteView, false},

		{"GET", "/api/shares", user, s.listShares, false},
		{"DELETE", "/api/shares/{id}", user, s.deleteShare, false},

		{"GET", "/api/settings", user, s.getSettings, false},
		{"PUT", "/api/settings", user, s.putSettings, false},

		{"GET", "/api/audit", user, s.listAudit, false},

		{"GET", "/api/documents/{id}/links", user, s.listDocumentLinks, false},
		{"POST", "/api/documents/{id}/links", user, s.createDocumentLink, false},
		{"POST", "/api/folders/{id}/links", user, s.createFolderLink, false},
		{"GET", "/api/links", user, s.listLinks, false},
		{"DELETE", "/api/links/{id}", user, s.deleteLink, false},
		// Public: {id} is the link's token here (the same path as DELETE's).
		{"GET", "/api/links/{id}", public, s.getPublicLink, false},
		{"POST", "/api/links/{token}/unlock", public, s.unlockLink, false},
		{"GET", "/api/links/{token}/download", public, s.linkDownload, true},
		{"GET", "/api/links/{token}/download/{doc}", public, s.linkDownload, true},
		{"GET", "/api/links/{token}/thumbnail", public, s.linkThumbnail, false},
		{"GET", "/api/links/{token}/thumbnail/{doc}", public, s.linkThumbnail, false},

		{"GET", "/api/tokens", user, s.listAPITokens, false},
		{"POST", "/api/tokens", user, s.createAPIToken, false},
		{"DELETE", "/api/tokens/{id}", user, s.deleteAPIToken, false},

		{"GET", "/api/cloud/connections", user, s.listCloudConnections, false},
		{"POST", "/api/cloud/connections", user, s.createCloudConnection, false},
		{"DELETE", "/api/cloud/connections/{id}", user, s.deleteCloudConnection, false},
		{"POST", "/api/cloud/connections/{id}/sync", user, s.syncCloudConnection, false},
		{"GET", "/api/mail/accounts", user, s.listMailAccounts, false},
		{"POST", "/api/mail/accounts", user, s.createMailAccount, false},
		{"DELETE", "/api/mail/accounts/{id}", user, s.deleteMailAccount, false},
		{"GET", "/api/mail/accounts/{id}/rules", user, s.listMailRules, false},
		{"POST", "/api/mail/accounts/{id}/rules", user, s.createMailRule, false},
		{"DELETE", "/api/mail/accounts/{id}/rules/{rule}", user, s.deleteMailRule, false},
		{"POST", "/api/mail/accounts/{id}/poll", user, s.pollMailAccount, false},
	}
}

// fallback serves the web app for what is not the API's, else the JSON 404.
func (s *Server) fallback(w http.ResponseWriter, r *http.Request) error {
	if s.d.Web != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) && !apiPath(r.URL.Path) {
		s.d.Web.ServeHTTP(w, r)
		return nil
	}
	return s.notFound(w, r)
}

// apiPath reports whether p belongs to the API rather than the web app.
func apiPath(p string) bool {
	for _, prefix := range []string{"/api", "/health", "/metrics"} {
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			return true
		}
	}
	return false
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) error {
	return errorf(http.StatusNotFound, "not_found", "no such route: %s %s", r.Method, r.URL.Path)
}
