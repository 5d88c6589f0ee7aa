package cmd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/gocraft/work"
	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/api"
	"github.com/docuvault/docuvault/pkg/auth"
	"github.com/docuvault/docuvault/pkg/jobs"
	"github.com/docuvault/docuvault/pkg/mail"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/oidc"
	"github.com/docuvault/docuvault/pkg/redisconn"
	"github.com/docuvault/docuvault/pkg/sharelinks"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/web"
)

// serveOptions are serve's flags.
type serveOptions struct {
	Listen          string
	ShutdownTimeout time.Duration
}

func newServeCommand(a *app) *cobra.Command {
	var o serveOptions
	c := &cobra.Command{
		Use:   "serve [--listen HOST:PORT]",
		Short: "Run the HTTP API (for the web app), with /health and /metrics",
		Long: `Serve the HTTP JSON API the web app talks to: accounts and sessions,
documents, topics, folders, shares, settings and the audit trail, plus
/health, /metrics and /api/openapi.json, and the web app itself at / (open
the printed address in a browser). It keeps no state of its own: run as
many as you like behind a load balancer, with one SECRET_KEY.

SIGTERM or Ctrl-C stops accepting connections and lets requests in flight
(uploads included) finish, up to --shutdown-timeout.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("listen") {
				a.cfg.Listen = o.Listen
			}
			if o.ShutdownTimeout <= 0 {
				return usageErrorf("--shutdown-timeout must be positive, not %s", o.ShutdownTimeout)
			}
			return runServe(cmd.Context(), a, o)
		},
	}
	c.Flags().StringVar(&o.Listen, "listen", ":8080", "host:port to listen on (env DOCUVAULT_LISTEN)")
	c.Flags().DurationVar(&o.ShutdownTimeout, "shutdown-timeout", 5*time.Minute, "how long requests in flight (uploads) may finish after SIGTERM")
	return c
}

// runServe runs the API until ctx is cancelled, then shuts down gracefully.
func runServe(ctx context.Context, a *app, o serveOptions) error {
	cfg := a.cfg
	if err := auth.CheckSecret(cfg.SecretKey); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if err := cfg.Require("MINIO_ACCESS_KEY", "MINIO_SECRET_KEY"); err != nil {
		return err
	}
	var proxies []netip.Prefix
	for _, p := range cfg.TrustedProxies {
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return fmt.Errorf("DOCUVAULT_TRUSTED_PROXIES: %q is not a CIDR", p)
			}
			pfx = netip.PrefixFrom(addr, addr.BitLen())
		}
		proxies = append(proxies, pfx)
	}

	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	// A few connections, all kept when idle (a new one costs a SCRAM
	// handshake, 4096 PBKDF2 rounds on both sides). Requests hold one only
	// for a statement or a short transaction, never while bytes stream, so
	// more would only have PostgreSQL's backends contend for the same CPU
	// and locks (docs/benchmarks.md: with 32 at once an upload's statements cost
	// PostgreSQL about 5x the CPU they cost alone).
	db.SetMaxOpenConns(cfg.DBConns)
	db.SetMaxIdleConns(cfg.DBConns)
	store, err := objectstore.New(a.objectOptions())
	if err != nil {
		return err
	}
	pool, err := redisconn.NewPool(cfg.RedisURL, 32)
	if err != nil {
		return err
	}
	defer pool.Close()
	enq := jobs.NewEnqueuer(cfg.RedisNamespace, pool)
	svc := storage.New(db, store, enq, storage.Limits{MaxSize: cfg.MaxUploadSize, AllowedTypes: cfg.AllowedTypes})
	defer svc.Close()
	// One bound on argon2id's memory for the whole process: sign-ins and
	// share-link passwords take turns in the same slots.
	hasher := users.NewHasher(cfg.PasswordHashCost, 0)
	authSvc, err := auth.New(db, pool, auth.Options{
		Secret: cfg.SecretKey, AccessTTL: cfg.AccessTokenTTL, RefreshTTL: cfg.RefreshTokenTTL,
		AccountLimit: auth.Limit{N: cfg.LoginLimit.N, Window: cfg.LoginLimit.Window},
		IPLimit:      auth.Limit{N: cfg.LoginIPLimit.N, Window: cfg.LoginIPLimit.Window},
		Namespace:    cfg.RedisNamespace,
		Hasher:       hasher,
	})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer authSvc.Close()
	// Cloud connections' credentials and e-mail passwords are sealed with
	// SECRET_KEY (auth has checked it is usable); without a keyring POST
	// /api/cloud/connections answers 503 and e-mail accounts are off.
	keyring, err := a.keyring()
	if err != nil {
		a.log.Warn("cloud connections and e-mail accounts cannot be added over the API", "reason", err.Error())
		keyring = nil
	}
	var mailPoller *mail.Poller
	if keyring != nil {
		mailPoller = &mail.Poller{DB: db, Storage: svc, Keyring: keyring, Log: a.log, AuditActor: "api:mail"}
	}
	links, err := sharelinks.New(db, pool, sharelinks.Options{Secret: cfg.SecretKey, Namespace: cfg.RedisNamespace, Hasher: hasher})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	resetMail, err := a.resetMailer(pool)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if resetMail != nil {
		a.log.Info("password reset links are sent by e-mail", "smtp", a.cfg.SMTP.Host, "public_url", a.cfg.PublicURL)
	}
	var sso *oidc.Service
	if len(cfg.OIDC) > 0 {
		sso = oidc.New(db, pool, ssoProviders(cfg.OIDC), oidc.Options{PublicURL: cfg.PublicURL, Namespace: cfg.RedisNamespace,
			DefaultQuota: cfg.DefaultQuota, Log: a.log, StartLimit: cfg.LoginIPLimit.N, StartLimitEvery: cfg.LoginIPLimit.Window})
	}
	handler := api.New(api.Deps{
		DB: db, Storage: svc, Auth: authSvc, Jobs: enq, Mail: mailPoller,
		JobsClient:     work.NewClient(cfg.RedisNamespace, pool),
		Health:         api.PooledChecks(db, store, pool),
		Log:            a.log,
		CORSOrigins:    cfg.CORSOrigins,
		TrustedProxies: proxies,
		DefaultQuota:   cfg.DefaultQuota,
		TrashDays:      cfg.TrashDays,
		Passwords:      a.policy(),
		Classifiers:    a.classifiers(db),
		Web:            web.Handler(web.FS()),
		Links:          links,
		SSO:            sso,
		MetricsToken:   cfg.MetricsToken,
		Keyring:        keyring,
		CloudJobs:      enq,
		ResetMail:      resetMail,

		MaxStreams:        cfg.UploadStreams,
		MaxUserStreams:    cfg.UploadUserStreams,
		UploadIdleTimeout: cfg.UploadIdleTimeout,
		UploadMinRate:     uploadMinRate(cfg.UploadMinRate),
		UploadRateWindow:  cfg.UploadRateWindow,
	})

	defer handler.Close()

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("serve: listen on %s (DOCUVAULT_LISTEN or --listen): %w", cfg.Listen, err)
	}
	srv := &http.Server{
		Handler: handler,
		// Headers must come quickly; bodies (uploads) may take as long as
		// they keep moving: the upload handler extends its own deadline on
		// progress, and other routes set theirs.
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	a.log.Info("serve: listening", "addr", ln.Addr().String(), "url", browserURL(ln.Addr()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("serve: shutting down; requests in flight may finish", "timeout", o.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("serve: requests still in flight after %s were cut off: %w", o.ShutdownTimeout, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	a.log.Info("serve: stopped")
	return nil
}

// uploadMinRate is DOCUVAULT_UPLOAD_MIN_RATE as api.Deps takes it: the
// setting's 0 (no minimum) is api's negative, since api reads 0 as its default.
func uploadMinRate(bytesPerSecond int64) int64 {
	if bytesPerSecond == 0 {
		return -1
	}
	return bytesPerSecond
}

// browserURL is the address to open the web app at: a wildcard listener
// is reachable on localhost.
func browserURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}
