package api

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/audit"
)

// MaxJSONBody is the largest JSON request body accepted.
const MaxJSONBody = 1 << 20

// decodeJSON reads the request's JSON body into v: 415 when it is not
// JSON, 413 when over MaxJSONBody, 400 when malformed or with unknown
// fields.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return errorf(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json")
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return errorf(http.StatusBadRequest, "malformed", "the request body is empty: send a JSON object")
		}
		return errorf(http.StatusBadRequest, "malformed", "the request body is not valid JSON for this request: %s", jsonProblem(err))
	}
	if dec.More() {
		return errorf(http.StatusBadRequest, "malformed", "the request body holds more than one JSON value")
	}
	return nil
}

// jsonProblem describes a decoding error without echoing the input.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q must be %s", typ.Field, typ.Type.String())
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	return "unreadable"
}

// pathID is the {id} of the path. A value that is not a UUID cannot name
// anything: 404, as for an id that does not exist.
func pathID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	u, err := uuid.Parse(id)
	if err != nil {
		return "", errorf(http.StatusNotFound, "not_found", "not found: %q is not an id", id)
	}
	return u.String(), nil
}

// Optional is a JSON field that tells "absent" from "null": Set is true
// when the field was in the body, Value is nil when it was null.
type Optional[T any] struct {
	Set   bool
	Value *T
}

// UnmarshalJSON implements json.Unmarshaler.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	o.Value = &v
	return nil
}

// record writes an audit event for the request's user; a failure is logged
// (the change it describes has happened and is not undone).
func (s *Server) record(r *http.Request, e audit.Event) { s.recordCtx(r.Context(), e) }

func (s *Server) recordCtx(ctx context.Context, e audit.Event) {
	st := state(ctx)
	if e.ActorID == "" && st.user != nil {
		e.ActorID = st.user.ID
	}
	if e.UserID == "" {
		e.UserID = e.ActorID
	}
	e.IP = st.clientIP
	// The change happened: record it even if the client has gone away.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := audit.Record(ctx, s.prepared, e); err != nil {
		s.d.Log.Error("audit record failed", "request_id", st.id, "event", e.Type, "error", err.Error())
	}
}

// newBytesReader is a reader of b that is also an io.ReaderAt, so storage
// sends it to the object store in one request of known size.
func newBytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// preparedExecer runs each statement text it is given as a prepared
// statement, prepared on first use and kept: for the few fixed statements
// every request runs (the audit row), PostgreSQL then plans once per
// connection instead of on every execution.
type preparedExecer struct {
	db    *sqlx.DB
	mu    sync.Mutex
	stmts map[string]*sqlx.Stmt
}

var _ sqlx.ExecerContext = (*preparedExecer)(nil)

func (p *preparedExecer) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	p.mu.Lock()
	st, ok := p.stmts[query]
	if !ok {
		if len(p.stmts) >= 64 { // not a fixed statement after all: do not keep it
			p.mu.Unlock()
			return p.db.ExecContext(ctx, query, args...)
		}
		var err error
		if st, err = p.db.PreparexContext(ctx, query); err != nil {
			p.mu.Unlock()
			return nil, err
		}
		p.stmts[query] = st
	}
	p.mu.Unlock()
	return st.ExecContext(ctx, args...)
}

func (p *preparedExecer) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for q, st := range p.stmts {
		errs = append(errs, st.Close())
		delete(p.stmts, q)
	}
	return errors.Join(errs...)
}
