package api

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"syscall"

	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/accounts"
	"github.com/docuvault/docuvault/pkg/apitokens"
	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/auth"
	"github.com/docuvault/docuvault/pkg/bulk"
	"github.com/docuvault/docuvault/pkg/catalog"
	"github.com/docuvault/docuvault/pkg/classify"
	"github.com/docuvault/docuvault/pkg/cloud"
	"github.com/docuvault/docuvault/pkg/folders"
	"github.com/docuvault/docuvault/pkg/foldershares"
	"github.com/docuvault/docuvault/pkg/groups"
	"github.com/docuvault/docuvault/pkg/mail"
	"github.com/docuvault/docuvault/pkg/notes"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/passwords"
	"github.com/docuvault/docuvault/pkg/search"
	"github.com/docuvault/docuvault/pkg/settings"
	"github.com/docuvault/docuvault/pkg/sharelinks"
	"github.com/docuvault/docuvault/pkg/shares"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/topics"
	"github.com/docuvault/docuvault/pkg/totp"
	"github.com/docuvault/docuvault/pkg/trash"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/pkg/views"
)

// Error is an error with its HTTP status and machine-readable code. Handlers
// return one for mistakes they find themselves; errors from the data
// packages are mapped by classify.
type Error struct {
	Status  int
	Code    string
	Message string
	// RetryAfter, when set, becomes the Retry-After header (seconds).
	RetryAfter int
}

func (e *Error) Error() string { return e.Message }

func errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// StatusClientClosed is the status (nginx's 499) of a request whose client
// went away before it was answered: nobody reads the answer, but the access
// log and the metrics say what happened without counting it as a 500.
const StatusClientClosed = 499

// errClientClosed answers a request whose client went away.
var errClientClosed = &Error{Status: StatusClientClosed, Code: "client_closed", Message: "the client closed the connection before the request was answered"}

// errorBody is the one JSON shape of every error.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// classifyError maps any error to what the client is told: the one place
// that decides statuses. Errors it does not know are 500s whose message
// says nothing of the cause (it is logged instead).
func classifyError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var rl *auth.RateLimitError
	if errors.As(err, &rl) {
		secs := int(rl.RetryAfter.Seconds() + 0.999)
		return &Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: rl.Error(), RetryAfter: max(secs, 1)}
	}
	var linkRL *sharelinks.RateLimitError
	if errors.As(err, &linkRL) {
		secs := int(linkRL.RetryAfter.Seconds() + 0.999)
		return &Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: linkRL.Error(), RetryAfter: max(secs, 1)}
	}
	var typeErr *storage.TypeNotAllowedError
	if errors.As(err, &typeErr) {
		return &Error{Status: http.StatusUnsupportedMediaType, Code: "type_not_allowed", Message: typeErr.Error()}
	}
	var maxBytes *http.MaxBytesError
	if errors.As(err, &maxBytes) {
		return errorf(http.StatusRequestEntityTooLarge, "too_large", "the request body is over %d bytes", maxBytes.Limit)
	}
	type rule struct {
		target error
		status int
		code   string
		detail bool // the error's own message is safe and useful to show
	}
	for _, r := range []rule{
		{auth.ErrInvalidCredentials, http.StatusUnauthorized, "invalid_credentials", false},
		{auth.ErrTokenReused, http.StatusUnauthorized, "token_reused", true},
		{auth.ErrInvalidToken, http.StatusUnauthorized, "invalid_token", false},
		{auth.ErrInactive, http.StatusForbidden, "account_disabled", true},
		{auth.ErrUnavailable, http.StatusServiceUnavailable, "unavailable", false},
		{auth.ErrInvalidRole, http.StatusUnprocessableEntity, "invalid_field", true},

		{apitokens.ErrUnauthenticated, http.StatusUnauthorized, "invalid_token", true},
		{apitokens.ErrInactive, http.StatusForbidden, "account_disabled", true},
		{apitokens.ErrNotFound, http.StatusNotFound, "not_found", true},
		{apitokens.ErrConflict, http.StatusConflict, "conflict", true},
		{apitokens.ErrInvalid, http.StatusUnprocessableEntity, "invalid_field", true},

		{cloud.ErrNotFound, http.StatusNotFound, "not_found", true},
		{cloud.ErrConflict, http.StatusConflict, "conflict", true},
		{cloud.ErrInvalid, http.StatusUnprocessableEntity, "invalid_field", true},

		{storage.ErrEmpty, http.StatusUnprocessableEntity, "empty_file", true},
		{storage.ErrTooLarge, http.StatusRequestEntityTooLarge, "too_large", true},
		{storage.ErrOverQuota, http.StatusRequestEntityTooLarge, "over_quota", true},
		{storage.ErrNotFound, http.StatusNotFound, "not_found", false},
		{storage.ErrUnknownOwner, http.StatusNotFound, "not_found", false},
		{storage.ErrNoVersion, http.StatusNotFound, "not_found", true},
		{storage.ErrSameContent, http.StatusConflict, "same_content", true},

		{catalog.ErrNotFound, http.StatusNotFound, "not_found", false},

		{trash.ErrNotFound, http.StatusNotFound, "not_found", false},
		{trash.ErrNoDocument, http.StatusNotFound, "not_found", false},
		{catalog.ErrBusy, http.StatusConflict, "busy", true},
		{catalog.ErrInvalid, http.StatusUnprocessableEntity, "invalid_field", true},

		{topics.ErrUnknownTopic, http.StatusUnprocessableEntity, "unknown_topic", true},
		{topics.ErrNotFound, http.StatusNotFound, "not_found", false},
		{topics.ErrExists, http.StatusConflict, "conflict", true},
		{topics.ErrInvalid, http.StatusUnprocessableEntity, "invalid_field", true},
		{classify.ErrBadRule, http.StatusUnprocessableEntity, "invalid_field", true},

		{folders.ErrNotFound, http.StatusNotFound, "not_found", true},
		{folders.ErrConflict, http.StatusConflict, "conflict", true},
		{folders.ErrCycle, http.StatusUnprocessableEntity, "cycle", true},
		{folders.ErrInvalid, http.StatusUnprocessableEntity, "invalid_field", true},

		{views.ErrNotFound, http.StatusNotFound, "not_found", true},
		{views.ErrConflict, http.StatusConflict, "conflict", true},
		{views.ErrInvalid, http.StatusUnprocessableEntity, "invalid_field", true},

		{mail.ErrNotFound, http.StatusNotFound, "not_found", true},
		{mail.ErrConflict, http.StatusConflict, "conflict", true},
		{mail.ErrInvalid, http.StatusUnprocessableEntity, "invalid_field", true},
		{mail.ErrBusy, http.StatusConflict, "busy", true},

		{shares.ErrNotFound, http.StatusNotFound, "not_found", false},
		{shares.ErrConflict, http.StatusConflict, "conflict", true},
		{shares.ErrInvalid, http.StatusUnprocessableEntity, "invalid_field", true},

		{groups.ErrNotFound, http.StatusNotFound, "not_found", true},
		{groups.ErrConflict, http.StatusConflict, "conflict", true},
		{groups.ErrInvalid, http.StatusUnprocessableEntity, "invalid_field", true},
		{groups.ErrNotMember, http.StatusForbidden, "not_member", true},

		{foldershares.ErrNotFound, http.StatusNotFound, "not_found", true},
		{foldershares.ErrConflict, http.StatusConflict, "conflict", true},
		{foldershares.ErrInvalid, http.StatusUnprocessableEntity, "invalid_field", true},
		{foldershares.ErrNotMember, http.StatusForbidden, "not_member", true},

		{bulk.ErrNotFound, http.StatusNotFound, "not_found", true},
		{bulk.ErrTooMany, http.StatusBadRequest, "too_many", true},
		{bulk.ErrInvalid, http.StatusBadRequest, "invalid_request", true},
		{notes.ErrNotFound, http.StatusNotFound, "not_found", false},
		{notes.ErrForbidden, http.StatusForbidden, "forbidden", true},
		{notes.ErrInvalid, http.StatusBadRequest, "invalid_note", true},

		// A share link's every failure (unknown, revoked, expired,
		// exhausted, wrong password, a document it does not reach) is this
		// one 404, with the one message.
		{sharelinks.ErrNotFound, http.StatusNotFound, "not_found", true},
		{sharelinks.ErrLocked, http.StatusForbidden, "password_required", true},
		{sharelinks.ErrInvalid, http.StatusUnprocessableEntity, "invalid_field", true},
		{sharelinks.ErrUnavailable, http.StatusServiceUnavailable, "unavailable", false},

		{audit.ErrInvalid, http.StatusUnprocessableEntity, "invalid_field", true},

		{search.ErrInvalid, http.StatusBadRequest, "invalid_query", true},

		{auth.ErrNoSession, http.StatusNotFound, "not_found", true},
		{accounts.ErrWrongPassword, http.StatusForbidden, "wrong_password", true},
		{accounts.ErrResetInvalid, http.StatusNotFound, "reset_invalid", true},
		{accounts.ErrResetUsed, http.StatusGone, "reset_used", true},
		{accounts.ErrResetExpired, http.StatusGone, "reset_expired", true},
		{accounts.ErrLastAdmin, http.StatusConflict, "last_admin", true},
		{passwords.ErrTooShort, http.StatusUnprocessableEntity, "weak_password", true},
		{passwords.ErrTooLong, http.StatusUnprocessableEntity, "weak_password", true},
		{passwords.ErrCommon, http.StatusUnprocessableEntity, "weak_password", true},
		{passwords.ErrPersonal, http.StatusUnprocessableEntity, "weak_password", true},

		{totp.ErrInvalidCode, http.StatusUnauthorized, "invalid_code", true},
		{totp.ErrReplayed, http.StatusUnauthorized, "code_replayed", true},
		{totp.ErrInvalidRecovery, http.StatusUnauthorized, "invalid_recovery_code", true},
		{totp.ErrNoChallenge, http.StatusUnauthorized, "challenge_invalid", true},
		{totp.ErrNotEnrolled, http.StatusConflict, "totp_not_enrolled", true},
		{totp.ErrAlreadyEnabled, http.StatusConflict, "totp_enabled", true},
		{totp.ErrNoKeyring, http.StatusServiceUnavailable, "unavailable", true},
		{totp.ErrInvalidPolicy, http.StatusUnprocessableEntity, "invalid_field", true},

		{users.ErrNotFound, http.StatusNotFound, "not_found", false},
		{users.ErrExists, http.StatusConflict, "conflict", true},

		{settings.ErrInvalid, http.StatusUnprocessableEntity, "invalid_field", true},
		{settings.ErrNotFound, http.StatusNotFound, "not_found", false},

		{objectstore.ErrUnavailable, http.StatusServiceUnavailable, "unavailable", false},
		{context.DeadlineExceeded, http.StatusServiceUnavailable, "unavailable", false},
	} {
		if errors.Is(err, r.target) {
			msg := r.target.Error()
			if r.detail {
				msg = err.Error()
			}
			return &Error{Status: r.status, Code: r.code, Message: msg}
		}
	}
	if errors.Is(err, context.Canceled) {
		// The request's context ends early only when its client went away.
		return errClientClosed
	}
	if dbUnavailable(err) {
		return errorf(http.StatusServiceUnavailable, "unavailable", "the database is unavailable; try again shortly")
	}
	return errorf(http.StatusInternalServerError, "internal", "internal error")
}

// dbUnavailable reports whether err says that PostgreSQL could not be
// reached or dropped the connection (as opposed to refusing a statement):
// connection refused or reset, a dial or read timeout, database/sql's and
// lib/pq's bad connection, or a server shutting down or not yet accepting
// connections. Errors of the client's own connection never get here: the
// upload body turns them into their own *Error first, and the object store
// and Redis convert theirs to their ErrUnavailable.
func dbUnavailable(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
		return true
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code {
		case "57P01", "57P02", "57P03", "53300": // admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
			return true
		}
		return pqErr.Code.Class() == "08" // connection_exception
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	return errors.As(err, &opErr) || errors.As(err, &dnsErr)
}

// writeError answers err in the one JSON error shape.
func writeError(w http.ResponseWriter, e *Error) {
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="docuvault"`)
	}
	var body errorBody
	body.Error.Code, body.Error.Message = e.Code, e.Message
	writeJSON(w, e.Status, body)
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
