package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/docuvault/docuvault/pkg/apitokens"
	"github.com/docuvault/docuvault/pkg/users"
)

// reqState is what the middleware and the route's endpoint learn about a
// request, shared through its context (the mux hands the handler a copy
// of the request, so fields of *http.Request would not come back out).
type reqState struct {
	id       string
	route    string
	clientIP string
	user     *users.User
	// session is the id of the session whose access token the request
	// came with ("" for an API token, or an access token from before
	// sessions were kept).
	session string
	// token is the personal API token the request came with, nil for a
	// session's access token (or none).
	token *apitokens.Token
	// bodyRead is set once the request body has been read to its end.
	bodyRead bool
}

type ctxKey struct{}

func state(ctx context.Context) *reqState {
	if st, ok := ctx.Value(ctxKey{}).(*reqState); ok {
		return st
	}
	return &reqState{}
}

// currentUser is the authenticated user of a route with access user or admin.
func currentUser(r *http.Request) users.User {
	if u := state(r.Context()).user; u != nil {
		return *u
	}
	return users.User{}
}

// statusWriter remembers the status and counts the bytes of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flush, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware wraps the mux: request id, security headers, CORS, panic
// recovery, access log and metrics, outermost first.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		st := &reqState{id: requestID(r), route: "unmatched", clientIP: s.clientIP(r)}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, st))
		sw := &statusWriter{ResponseWriter: w}
		h := sw.Header()
		h.Set("X-Request-ID", st.id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; sandbox")
		h.Set("Cache-Control", "no-store")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.d.Log.Error("panic", "request_id", st.id, "route", st.route, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					writeError(sw, errorf(http.StatusInternalServerError, "internal", "internal error"))
				}
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			s.metrics.observe(r.Method, st.route, status, elapsed)
			attrs := []slog.Attr{
				slog.String("request_id", st.id), slog.String("method", r.Method), slog.String("route", st.route),
				slog.String("path", logPath(r.URL.Path)), slog.Int("status", status), slog.Int64("bytes", sw.bytes),
				slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000), slog.String("client_ip", st.clientIP),
			}
			if st.user != nil {
				attrs = append(attrs, slog.String("user_id", st.user.ID))
			}
			if st.token != nil {
				attrs = append(attrs, slog.String("api_token_id", st.token.ID))
			}
			s.d.Log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
		}()
		if s.cors(sw, r) {
			return
		}
		next.ServeHTTP(sw, r)
	})
}

// requestID is the client's X-Request-ID when it looks like one, else a new one.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-ID"); id != "" && len(id) <= 64 && !strings.ContainsFunc(id, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')
	}) {
		return id
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// cors answers CORS for the configured origins only; it reports whether it
// answered the request itself (a preflight).
func (s *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	w.Header().Add("Vary", "Origin")
	preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
	if origin == "" || !slices.Contains(s.d.CORSOrigins, origin) {
		if preflight {
			writeError(w, errorf(http.StatusForbidden, "cors_refused", "origin %q may not call this API (DOCUVAULT_CORS_ORIGINS)", origin))
			return true
		}
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Expose-Headers", "Retry-After, X-Request-ID, Content-Disposition, Content-Range, Accept-Ranges, Location")
	if preflight {
		h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Range, X-Request-ID")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

// clientIP is the address of the client: the peer, or — when the peer is
// a trusted proxy — the nearest address in X-Forwarded-For that is not one.
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !s.trusted(peer) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !s.trusted(a) {
			return a.String()
		}
		peer = a
	}
	return peer.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.d.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// endpoint turns a route into a handler: it names the route for logs and
// metrics, checks access, and writes the handler's error.
func (s *Server) endpoint(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := state(r.Context())
		st.route = rt.pattern
		// Bounded bodies: the whole request within 30s, the answer within
		// 2m. Streaming routes (uploads, downloads) extend their deadlines
		// as they progress; they start from none for writing, since
		// net/http leaves a write deadline of an earlier request on the
		// connection in place, and from the idle timeout for reading a
		// body, so that a client sending nothing (before or after being
		// refused) cannot hold the connection.
		rc := http.NewResponseController(w)
		if rt.streaming {
			_ = rc.SetWriteDeadline(time.Time{})
			if hasBody(r) {
				_ = rc.SetReadDeadline(time.Now().Add(s.d.UploadIdleTimeout))
			}
		} else {
			_ = rc.SetReadDeadline(time.Now().Add(30 * time.Second))
			_ = rc.SetWriteDeadline(time.Now().Add(2 * time.Minute))
		}
		// Access is checked before anything reads the body.
		err := s.authorize(r, rt)
		if err == nil {
			err = rt.h(w, r)
		}
		if err == nil {
			return
		}
		e := classifyError(err)
		if e.Status >= 500 && r.Context().Err() != nil {
			// Whatever failed, the client had gone: its context ends
			// early only then (lib/pq, for one, says "canceling
			// statement due to user request" rather than context.Canceled).
			e = errClientClosed
		}
		switch {
		case e.Status == StatusClientClosed:
			s.d.Log.Debug("client went away", "request_id", st.id, "route", rt.pattern, "error", err.Error())
		case e.Status >= 500:
			s.d.Log.Error("request failed", "request_id", st.id, "route", rt.pattern, "error", err.Error())
		}
		if sw, ok := w.(*statusWriter); ok && sw.status != 0 {
			return // the response has begun: nothing more can be said
		}
		unread := rt.streaming && closeIfUnread(w, r)
		writeError(w, e)
		if unread {
			endUnread(rc)
		}
	})
}

// hasBody reports whether r comes with a body (of known length or chunked).
func hasBody(r *http.Request) bool {
	return r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody
}

// closeIfUnread makes the answer to r close the connection when r's body
// has not been read to its end. Otherwise net/http, to keep the connection,
// would read what is left of the body (up to 256 KiB) before sending the
// answer: a refused client dripping its body would wait for it as long as
// it kept dripping.
// It reports whether it did; the caller then calls endUnread after
// writing the answer.
func closeIfUnread(w http.ResponseWriter, r *http.Request) bool {
	if hasBody(r) && !state(r.Context()).bodyRead {
		w.Header().Set("Connection", "close")
		return true
	}
	return false
}

// authorize checks the bearer token for routes that need one: a
// session's access token, or a personal API token (apitokens.Prefix) on
// the routes its scopes allow (tokenScope).
func (s *Server) authorize(r *http.Request, rt route) error {
	if rt.access == public {
		return nil
	}
	h := r.Header.Get("Authorization")
	if h == "" && ticketable(rt) && r.URL.Query().Has("ticket") {
		return s.authorizeTicket(r, rt)
	}
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return errorf(http.StatusUnauthorized, "unauthenticated", "sign in: send Authorization: Bearer <access_token>")
	}
	if strings.HasPrefix(token, apitokens.Prefix) {
		return s.authorizeAPIToken(r, rt, token)
	}
	u, sid, err := s.d.Auth.AuthenticateSession(r.Context(), token)
	if err != nil {
		return err
	}
	return s.admit(r, rt, u, sid)
}

// admit lets u, authenticated in session sid, make request r on rt: an
// admin route only for an administrator, and the two-factor policy.
func (s *Server) admit(r *http.Request, rt route, u users.User, sid string) error {
	state(r.Context()).user = &u
	state(r.Context()).session = sid
	if rt.access == admin && u.Role != "admin" {
		return errorf(http.StatusForbidden, "forbidden", "only administrators may do this")
	}
	return s.enforceTOTP(r, rt, u.ID, u.Role)
}

// unreadGrace is how long net/http may go on reading an unwanted body after
// the answer (it tries, to keep the connection) before the connection is
// closed: long enough for the client to read the answer before a close
// with its bytes unread resets the connection, short enough that a
// refused client dripping its body holds nothing.
const unreadGrace = time.Second

// endUnread bounds what is read of a body after its answer (see closeIfUnread).
func endUnread(rc *http.ResponseController) { _ = rc.SetReadDeadline(time.Now().Add(unreadGrace)) }

// logPath is a request's path as the access log keeps it: the web app's
// password reset page (/reset/TOKEN) without its one-time token, which
// would let anyone who reads the log set the person's password.
func logPath(p string) string {
	if strings.HasPrefix(p, "/reset/") {
		return "/reset/…"
	}
	return p
}
