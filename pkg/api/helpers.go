package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

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
	if e.ActorLabel == "" && st.token != nil {
		e.ActorLabel = st.token.Label()
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
