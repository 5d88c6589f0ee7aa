package oidc

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/gomodule/redigo/redis"
	"github.com/jmoiron/sqlx"
	"golang.org/x/oauth2"

	"github.com/docuvault/docuvault/pkg/ratelimit"
)

// Sentinel errors; test with errors.Is. Code turns each into the short
// code the sign-in page shows a message for.
var (
	// ErrUnknownProvider: no provider of that name is configured.
	ErrUnknownProvider = errors.New("no such single sign-on provider")
	// ErrProviderDown: the provider's discovery document, keys or token
	// endpoint could not be reached.
	ErrProviderDown = errors.New("the sign-in provider cannot be reached: try again later, or sign in with your password")
	// ErrState: the callback's state is unknown, expired, already used,
	// or was started in another browser.
	ErrState = errors.New("this sign-in link is not valid (expired, used already, or from another browser): start again")
	// ErrRefused: the provider answered the callback with an error (the
	// person cancelled, or the provider refused) or refused the code.
	ErrRefused = errors.New("the sign-in provider did not sign you in")
	// ErrInvalidToken: the ID token's signature, issuer, audience, expiry
	// or nonce is wrong.
	ErrInvalidToken = errors.New("the sign-in provider's answer could not be verified")
	// ErrEmailUnverified: the identity is new, and the provider does not
	// vouch for its e-mail address (or gave none): it can be neither
	// linked to an account nor make one.
	ErrEmailUnverified = errors.New("the sign-in provider has not verified your e-mail address")
	// ErrSignupDisabled: the identity is new, no account has its e-mail
	// address, and the provider does not allow sign-up.
	ErrSignupDisabled = errors.New("there is no DocuVault account for this e-mail address, and this provider may not create one: ask an administrator")
	// ErrDisabled: the account is disabled.
	ErrDisabled = errors.New("this DocuVault account is disabled")
	// ErrConflict: the account with this e-mail address is already linked
	// to another identity of the same provider.
	ErrConflict = errors.New("this DocuVault account is linked to another identity of this provider")
	// ErrHandoff: the one-time code is unknown, expired or used.
	ErrHandoff = errors.New("the sign-in code is not valid (expired or used already): sign in again")
	// ErrNotLinked: the account has no identity of that provider.
	ErrNotLinked = errors.New("no identity of that provider is linked to this account")
	// ErrRateLimited: this client address started too many sign-ins.
	ErrRateLimited = errors.New("too many sign-ins started from this address: try again later")
	// ErrUnavailable: Redis, which keeps the flow's state, cannot be reached.
	ErrUnavailable = errors.New("single sign-on is unavailable for a moment")
)

// Code is err's short code, as the sign-in page receives it
// (/login?sso_error=CODE): state, provider_down, refused, token,
// email_unverified, signup_disabled, account_disabled, conflict,
// unknown_provider, unavailable, rate_limited, or failed for anything else.
func Code(err error) string {
	for _, c := range []struct {
		err  error
		code string
	}{
		{ErrState, "state"}, {ErrProviderDown, "provider_down"}, {ErrRefused, "refused"}, {ErrInvalidToken, "token"},
		{ErrEmailUnverified, "email_unverified"}, {ErrSignupDisabled, "signup_disabled"}, {ErrDisabled, "account_disabled"},
		{ErrConflict, "conflict"}, {ErrUnknownProvider, "unknown_provider"}, {ErrUnavailable, "unavailable"}, {ErrRateLimited, "rate_limited"},
	} {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return "failed"
}

// Provider is one configured provider (config.OIDCProvider).
type Provider struct {
	Name         string // URL-safe id: /api/auth/oidc/NAME/callback
	DisplayName  string
	Issuer       string
	ClientID     string
	ClientSecret string // never logged
	Scopes       []string
	AllowSignup  bool
	GroupsClaim  string
	AdminGroups  []string
	GroupMap     []GroupMap
}

// GroupMap maps a value of the groups claim to a DocuVault group's name.
type GroupMap struct {
	Claim string
	Group string
}

// Options configure a Service.
type Options struct {
	// PublicURL is where people open DocuVault (DOCUVAULT_PUBLIC_URL); the
	// redirect URI is PublicURL + /api/auth/oidc/NAME/callback.
	PublicURL string
	// Namespace prefixes the Redis keys.
	Namespace string
	// DefaultQuota is the quota of accounts created at sign-up (bytes); 0
	// means users.DefaultQuota.
	DefaultQuota int64
	// HTTPClient talks to the providers; nil means one with a 10 s timeout.
	HTTPClient *http.Client
	Log        *slog.Logger
	// StartLimit bounds the sign-ins one client address may start per
	// window (each keeps a state in Redis for StateTTL); zero means 50 per
	// 15 minutes (serve passes DOCUVAULT_LOGIN_IP_LIMIT).
	StartLimit      int64
	StartLimitEvery time.Duration
}

// StateTTL is how long a started sign-in may take at the provider.
const StateTTL = 10 * time.Minute

// HandoffTTL is how long the web app has to exchange its one-time code.
const HandoffTTL = 60 * time.Second

// Service runs single sign-on for the configured providers.
type Service struct {
	db        *sqlx.DB
	redis     *redis.Pool
	opts      Options
	order     []string
	providers map[string]*provider
}

// provider is a configured provider and, once discovered, its endpoints.
type provider struct {
	cfg Provider
	mu  sync.Mutex
	op  *gooidc.Provider // nil until discovery succeeds
}

// New returns a Service for providers (which pkg/config has checked).
// Nothing is fetched yet.
func New(db *sqlx.DB, pool *redis.Pool, providers []Provider, o Options) *Service {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Namespace == "" {
		o.Namespace = "docuvault"
	}
	o.PublicURL = strings.TrimRight(o.PublicURL, "/")
	if o.StartLimit <= 0 || o.StartLimitEvery <= 0 {
		o.StartLimit, o.StartLimitEvery = 50, 15*time.Minute
	}
	s := &Service{db: db, redis: pool, opts: o, providers: map[string]*provider{}}
	for _, p := range providers {
		s.order = append(s.order, p.Name)
		s.providers[p.Name] = &provider{cfg: p}
	}
	return s
}

// Info is what the sign-in page shows of a provider.
type Info struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
}

// Providers lists the configured providers, in the config file's order.
func (s *Service) Providers() []Info {
	out := []Info{}
	for _, n := range s.order {
		p := s.providers[n].cfg
		out = append(out, Info{Name: p.Name, DisplayName: p.DisplayName})
	}
	return out
}

// Has reports whether a provider called name is configured.
func (s *Service) Has(name string) bool { _, ok := s.providers[name]; return ok }

// Configured reports whether any provider is configured.
func (s *Service) Configured() bool { return s != nil && len(s.order) > 0 }

// RedirectURL is provider name's redirect URI, to register at the provider.
func (s *Service) RedirectURL(name string) string {
	return s.opts.PublicURL + "/api/auth/oidc/" + name + "/callback"
}

// Secure reports whether PublicURL is https (cookies get Secure).
func (s *Service) Secure() bool { return strings.HasPrefix(s.opts.PublicURL, "https://") }

func (s *Service) provider(name string) (*provider, error) {
	p, ok := s.providers[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownProvider, name)
	}
	return p, nil
}

func (s *Service) clientCtx(ctx context.Context) context.Context {
	return gooidc.ClientContext(ctx, s.opts.HTTPClient)
}

// discover returns p's endpoints, fetching its discovery document the
// first time (and after a failure), or every time with fresh: Start asks
// afresh, so that a provider that went down is told at once rather than
// the browser being sent to it. ErrProviderDown when it cannot.
func (s *Service) discover(ctx context.Context, p *provider, fresh bool) (*gooidc.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.op != nil && !fresh {
		return p.op, nil
	}
	// Discovery outlives the request that asked for it: its keys are
	// fetched later with the context it was made with.
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	op, err := gooidc.NewProvider(s.clientCtx(dctx), p.cfg.Issuer)
	if err != nil {
		s.opts.Log.Warn("single sign-on provider unreachable", "provider", p.cfg.Name, "issuer", p.cfg.Issuer, "error", err.Error())
		return nil, fmt.Errorf("%w (%s: %v)", ErrProviderDown, p.cfg.Name, err)
	}
	if p.op == nil {
		// Kept: its key set caches the provider's signing keys.
		p.op = op
	}
	return p.op, nil
}

func (s *Service) oauth(p *provider, op *gooidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, Endpoint: op.Endpoint(),
		RedirectURL: s.RedirectURL(p.cfg.Name), Scopes: p.cfg.Scopes}
}

// flow is what Start keeps in Redis for Finish.
type flow struct {
	Provider string `json:"p"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
}

// Started is Start's answer: where to send the browser, and the state,
// which the caller also binds to the browser (pkg/api: a cookie).
type Started struct {
	URL   string
	State string
}

// Start begins a sign-in with provider name for a browser at clientIP
// ("" skips the limit). ErrUnknownProvider, ErrProviderDown,
// ErrRateLimited, ErrUnavailable.
func (s *Service) Start(ctx context.Context, name, clientIP string) (Started, error) {
	p, err := s.provider(name)
	if err != nil {
		return Started{}, err
	}
	if clientIP != "" {
		c := ratelimit.Counter{Pool: s.redis, Namespace: s.opts.Namespace}
		n, _, err := c.Hit(ctx, c.Key("sso-start", "ip", clientIP), s.opts.StartLimitEvery)
		if err != nil {
			return Started{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		if n > s.opts.StartLimit {
			return Started{}, ErrRateLimited
		}
	}
	op, err := s.discover(ctx, p, true)
	if err != nil {
		return Started{}, err
	}
	state, err := randomToken()
	if err != nil {
		return Started{}, err
	}
	nonce, err := randomToken()
	if err != nil {
		return Started{}, err
	}
	f := flow{Provider: name, Nonce: nonce, Verifier: oauth2.GenerateVerifier()}
	b, err := json.Marshal(f)
	if err != nil {
		return Started{}, err
	}
	if err := s.put(ctx, s.key("state", state), b, StateTTL); err != nil {
		return Started{}, err
	}
	u := s.oauth(p, op).AuthCodeURL(state, gooidc.Nonce(nonce), oauth2.S256ChallengeOption(f.Verifier))
	return Started{URL: u, State: state}, nil
}

// Callback is what the provider sent back to the redirect URI.
type Callback struct {
	State string
	Code  string
	// Error is the provider's error parameter (access_denied …), if any.
	Error string
}

// Finish completes a sign-in with provider name: it takes the state
// (once), exchanges the code, verifies the ID token and signs the person
// in (see the package comment). Errors: the package's sentinels.
func (s *Service) Finish(ctx context.Context, name string, cb Callback) (Result, error) {
	p, err := s.provider(name)
	if err != nil {
		return Result{}, err
	}
	if cb.State == "" {
		return Result{}, ErrState
	}
	raw, err := s.take(ctx, s.key("state", cb.State))
	if err != nil {
		return Result{}, err
	}
	var f flow
	if raw == nil || json.Unmarshal(raw, &f) != nil || f.Provider != name {
		return Result{}, ErrState
	}
	if cb.Error != "" {
		return Result{}, fmt.Errorf("%w: %s", ErrRefused, truncate(cb.Error, 100))
	}
	if cb.Code == "" {
		return Result{}, fmt.Errorf("%w: no code", ErrRefused)
	}
	op, err := s.discover(ctx, p, false)
	if err != nil {
		return Result{}, err
	}
	tok, err := s.oauth(p, op).Exchange(s.clientCtx(ctx), cb.Code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return Result{}, fmt.Errorf("%w: the code was refused (%s)", ErrRefused, truncate(re.ErrorCode, 100))
		}
		return Result{}, fmt.Errorf("%w (%s: %v)", ErrProviderDown, name, err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return Result{}, fmt.Errorf("%w: no ID token", ErrInvalidToken)
	}
	c, err := s.verify(ctx, p, op, rawID, f.Nonce)
	if err != nil {
		return Result{}, err
	}
	return s.signIn(ctx, p.cfg, c)
}

// Claims are what DocuVault reads of an ID token.
type Claims struct {
	Subject           string
	Email             string
	EmailVerified     bool
	PreferredUsername string
	Name              string
	Groups            []string // the provider's GroupsClaim; nil when absent
}

// verify checks rawID's signature, issuer, audience and expiry (go-oidc)
// and its nonce, and reads its claims. ErrInvalidToken.
func (s *Service) verify(ctx context.Context, p *provider, op *gooidc.Provider, rawID, nonce string) (Claims, error) {
	idt, err := op.Verifier(&gooidc.Config{ClientID: p.cfg.ClientID}).Verify(s.clientCtx(ctx), rawID)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return Claims{}, fmt.Errorf("%w: the nonce does not match", ErrInvalidToken)
	}
	var all map[string]any
	if err := idt.Claims(&all); err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	return readClaims(idt.Subject, all, p.cfg.GroupsClaim), nil
}

// readClaims reads the claims DocuVault uses out of an ID token's.
func readClaims(subject string, all map[string]any, groupsClaim string) Claims {
	str := func(k string) string { v, _ := all[k].(string); return strings.TrimSpace(v) }
	c := Claims{Subject: subject, Email: str("email"), PreferredUsername: str("preferred_username"), Name: str("name")}
	switch v := all["email_verified"].(type) {
	case bool:
		c.EmailVerified = v
	case string: // some providers send "true"
		c.EmailVerified = v == "true"
	}
	if groupsClaim != "" {
		switch v := all[groupsClaim].(type) {
		case []any:
			c.Groups = []string{}
			for _, g := range v {
				if s, ok := g.(string); ok {
					c.Groups = append(c.Groups, s)
				}
			}
		case string:
			c.Groups = []string{v}
		}
	}
	return c
}

// Handoff is what a one-time code stands for.
type Handoff struct {
	UserID   string `json:"u"`
	Provider string `json:"p"`
}

// NewHandoff returns a one-time code that TakeHandoff exchanges, once and
// within HandoffTTL, for h.
func (s *Service) NewHandoff(ctx context.Context, h Handoff) (string, error) {
	code, err := randomToken()
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(h)
	if err != nil {
		return "", err
	}
	if err := s.put(ctx, s.key("handoff", code), b, HandoffTTL); err != nil {
		return "", err
	}
	return code, nil
}

// TakeHandoff exchanges a one-time code. ErrHandoff, ErrUnavailable.
func (s *Service) TakeHandoff(ctx context.Context, code string) (Handoff, error) {
	if code == "" || len(code) > 100 {
		return Handoff{}, ErrHandoff
	}
	raw, err := s.take(ctx, s.key("handoff", code))
	if err != nil {
		return Handoff{}, err
	}
	var h Handoff
	if raw == nil || json.Unmarshal(raw, &h) != nil || h.UserID == "" {
		return Handoff{}, ErrHandoff
	}
	return h, nil
}

// key is a Redis key for a state or handoff token: only its hash, so that
// whoever reads Redis cannot finish someone's sign-in.
func (s *Service) key(kind, token string) string {
	sum := sha256.Sum256([]byte(token))
	return s.opts.Namespace + ":oidc:" + kind + ":" + hex.EncodeToString(sum[:])
}

func (s *Service) put(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	conn, err := s.redis.GetContext(ctx)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer conn.Close()
	if _, err := redis.DoContext(conn, ctx, "SET", key, val, "PX", ttl.Milliseconds()); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return nil
}

// take reads and deletes key at once (GETDEL): a value is taken once.
// nil when there is none.
func (s *Service) take(ctx context.Context, key string) ([]byte, error) {
	conn, err := s.redis.GetContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer conn.Close()
	b, err := redis.Bytes(redis.DoContext(conn, ctx, "GETDEL", key))
	if errors.Is(err, redis.ErrNil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return b, nil
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Status is a provider as `docuvault sso list` shows it.
type Status struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Issuer      string `json:"issuer"`
	RedirectURL string `json:"redirect_url"`
	AllowSignup bool   `json:"allow_signup"`
	Reachable   bool   `json:"reachable"`
	Error       string `json:"error,omitempty"`
	// MissingGroups are groups group_map names that do not exist.
	MissingGroups []string `json:"missing_groups,omitempty"`
}

// Check fetches each provider's discovery document afresh and reports.
func (s *Service) Check(ctx context.Context) ([]Status, error) {
	out := []Status{}
	for _, n := range s.order {
		p := s.providers[n]
		st := Status{Name: n, DisplayName: p.cfg.DisplayName, Issuer: p.cfg.Issuer, RedirectURL: s.RedirectURL(n), AllowSignup: p.cfg.AllowSignup}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := gooidc.NewProvider(s.clientCtx(cctx), p.cfg.Issuer)
		cancel()
		st.Reachable = err == nil
		if err != nil {
			st.Error = err.Error()
		}
		if s.db != nil && len(p.cfg.GroupMap) > 0 {
			missing, err := s.missingGroups(ctx, p.cfg)
			if err != nil {
				return nil, err
			}
			st.MissingGroups = missing
		}
		out = append(out, st)
	}
	return out, nil
}
