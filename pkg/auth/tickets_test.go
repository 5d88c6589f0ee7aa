package auth

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// A download ticket is good for the one GET it was issued for, in the
// session it was issued in, while that session goes on; it is not an
// access token, and an access token is not a ticket.
func TestDownloadTickets(t *testing.T) {
	f := newFixture(t, Options{AccountTTL: -1})
	ctx := context.Background()
	_, tok, err := f.s.Login(ctx, LoginAttempt{Identifier: "ann", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	_, sid, err := f.s.AuthenticateSession(ctx, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/documents/6f1c1f4e-5b7a-4d1e-9d35-0c7f0e7f2a11/content"
	searchable := url.Values{"variant": {"searchable"}}
	ticket, exp, err := f.s.IssueTicket(ctx, f.ann.ID, sid, path, searchable)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(exp); d < TicketTTL-5*time.Second || d > TicketTTL+time.Second {
		t.Errorf("ticket expires in %v, want about %v", d, TicketTTL)
	}
	// The same path and query, whatever the order, and the ticket itself
	// among the parameters.
	withTicket := url.Values{"ticket": {ticket}, "variant": {"searchable"}}
	u, s, err := f.s.AuthenticateTicket(ctx, ticket, path, withTicket)
	if err != nil || u.ID != f.ann.ID || s != sid {
		t.Fatalf("AuthenticateTicket = %q, %q, %v; want ann in session %s", u.ID, s, err, sid)
	}
	for name, c := range map[string]struct {
		path  string
		query url.Values
	}{
		"another query":    {path, url.Values{"ticket": {ticket}}},
		"another document": {"/api/documents/00000000-0000-0000-0000-000000000000/content", withTicket},
		"another route":    {"/api/export", withTicket},
	} {
		if _, _, err := f.s.AuthenticateTicket(ctx, ticket, c.path, c.query); !errors.Is(err, ErrTicketPath) {
			t.Errorf("%s: %v, want ErrTicketPath", name, err)
		}
	}
	// Not an access token, and an access token is not a ticket.
	if _, err := f.s.Authenticate(ctx, ticket); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("the ticket as an access token: %v, want ErrInvalidToken", err)
	}
	if _, _, err := f.s.AuthenticateTicket(ctx, tok.AccessToken, path, searchable); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("an access token as a ticket: %v, want ErrInvalidToken", err)
	}
	// Expired: signed as IssueTicket does, an hour ago.
	old := ticketClaims{RegisteredClaims: jwt.RegisteredClaims{Issuer: issuer, Subject: f.ann.ID,
		Audience: jwt.ClaimStrings{ticketAudience}, ExpiresAt: jwt.NewNumericDate(time.Now().Add(-time.Hour))},
		Session: sid, Path: ticketTarget(path, searchable)}
	expired, err := jwt.NewWithClaims(jwt.SigningMethodHS256, old).SignedString(f.s.key)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.AuthenticateTicket(ctx, expired, path, searchable); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("an expired ticket: %v, want ErrInvalidToken", err)
	}
	// No ticket without a session (a personal API token has none).
	if _, _, err := f.s.IssueTicket(ctx, f.ann.ID, "", path, nil); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("a ticket without a session: %v, want ErrInvalidToken", err)
	}
	// Signing out of that session ends its tickets, as it ends its access tokens.
	if err := f.s.Logout(ctx, f.ann.ID, tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.AuthenticateTicket(ctx, ticket, path, searchable); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("the ticket after signing out: %v, want ErrInvalidToken", err)
	}
	if _, _, err := f.s.IssueTicket(ctx, f.ann.ID, sid, path, nil); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("a ticket for an ended session: %v, want ErrInvalidToken", err)
	}
}
