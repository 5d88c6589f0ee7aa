package auth

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/docuvault/docuvault/pkg/users"
)

// Download tickets let a browser download a file the way it downloads any
// link — streamed to disk by the browser itself — where the API otherwise
// wants an Authorization header, which a link cannot send. A ticket is a
// token for one GET of one path and query, for a short while
// (TicketTTL), signed like an access token but for another audience, so
// that neither can stand in for the other. It carries the session and the
// token generation it was issued in: signing out, ending that session or
// disabling the account ends it at once, as it ends the session's access
// tokens.
const (
	ticketAudience = "docuvault-download"
	// TicketTTL is how long a download ticket can be used: long enough to
	// start the download it was asked for, no longer.
	TicketTTL = time.Minute
)

// ErrTicketPath is a ticket used for another path or query than the one
// it was issued for (also an ErrInvalidToken).
var ErrTicketPath = fmt.Errorf("%w: the ticket is for another download", ErrInvalidToken)

type ticketClaims struct {
	jwt.RegisteredClaims
	Generation int64  `json:"gen"`
	Session    string `json:"sid"`
	Path       string `json:"path"`
}

// IssueTicket returns a download ticket for user u in session sid (the
// session of the access token that asks for it) for one GET of path with
// query (without its "ticket" parameter), and when it expires. A caller
// with no session (a personal API token) gets no ticket: it can send its
// token with the download itself.
func (s *Service) IssueTicket(ctx context.Context, userID, sid, path string, query url.Values) (string, time.Time, error) {
	if sid == "" {
		return "", time.Time{}, fmt.Errorf("%w: only a signed-in session gets download tickets", ErrInvalidToken)
	}
	// The ticket carries the account's generation now: the asking access
	// token was checked against it a moment ago.
	a, err := s.liveAccount(ctx, userID, sid, math.MaxInt64)
	if err != nil {
		return "", time.Time{}, err
	}
	now := time.Now()
	exp := now.Add(TicketTTL)
	claims := ticketClaims{RegisteredClaims: registered(userID, ticketAudience, now, TicketTTL),
		Generation: a.Generation, Session: sid, Path: ticketTarget(path, query)}
	t, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign ticket: %w", err)
	}
	return t, exp.Truncate(time.Second), nil
}

// AuthenticateTicket checks a download ticket for a GET of path with query
// (its "ticket" parameter is left out) and returns its user and session,
// as AuthenticateSession does for an access token: the account active,
// the session going, no sign-out everywhere since. Any failure is
// ErrInvalidToken (ErrTicketPath for another path) or ErrInactive.
func (s *Service) AuthenticateTicket(ctx context.Context, ticket, path string, query url.Values) (users.User, string, error) {
	var c ticketClaims
	if err := s.verify(ticket, &c, ticketAudience); err != nil {
		return users.User{}, "", err
	}
	if _, err := uuid.Parse(c.Session); err != nil {
		return users.User{}, "", fmt.Errorf("%w: bad session", ErrInvalidToken)
	}
	if c.Path != ticketTarget(path, query) {
		return users.User{}, "", ErrTicketPath
	}
	a, err := s.liveAccount(ctx, c.Subject, c.Session, c.Generation)
	return a.User, c.Session, err
}

// ticketTarget is what a ticket is for: path, and query without its
// "ticket" parameter, in one canonical form (url.Values.Encode sorts the
// keys).
func ticketTarget(path string, query url.Values) string {
	q := url.Values{}
	for k, v := range query {
		if k != "ticket" {
			q[k] = v
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
