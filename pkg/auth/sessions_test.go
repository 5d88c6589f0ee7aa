package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// Two tabs of one browser refresh with the same token at the same moment:
// inside the grace window every one of them gets a working pair in the same
// session, and nothing is revoked. The same token once the window has
// passed is a real reuse: every session ends.
func TestRefreshGraceWindowVersusRealReuse(t *testing.T) {
	f := newFixture(t, Options{AccountTTL: -1})
	ctx := context.Background()
	_, other, err := f.s.Login(ctx, LoginAttempt{Identifier: "ann", Password: "correct horse", UserAgent: "other"})
	if err != nil {
		t.Fatal(err)
	}
	_, tok, err := f.s.Login(ctx, LoginAttempt{Identifier: "ann", Password: "correct horse", UserAgent: "tabs", ClientIP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	_, sid, err := f.s.AuthenticateSession(ctx, tok.AccessToken)
	if err != nil || sid == "" {
		t.Fatalf("AuthenticateSession = %q, %v", sid, err)
	}

	const tabs = 4
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		got   [tabs]Tokens
		errs  [tabs]error
	)
	for i := range tabs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, got[i], errs[i] = f.s.RefreshSession(ctx, tok.RefreshToken, SessionInfo{UserAgent: "tabs"})
		}()
	}
	close(start)
	wg.Wait()
	for i := range tabs {
		if errs[i] != nil {
			t.Fatalf("tab %d: %v (two tabs refreshing at once counted as reuse)", i, errs[i])
		}
		_, s, err := f.s.AuthenticateSession(ctx, got[i].AccessToken)
		if err != nil || s != sid {
			t.Fatalf("tab %d's access token: session %q, %v; want %q", i, s, err, sid)
		}
	}
	var rotated int
	if err := f.db.Get(&rotated, `SELECT count(*) FROM refresh_tokens WHERE token_hash = $1 AND replaced_by IS NOT NULL`, hashToken(tok.RefreshToken)); err != nil || rotated != 1 {
		t.Fatalf("the token was rotated %d times, %v", rotated, err)
	}
	if _, _, err := f.s.Refresh(ctx, other.RefreshToken); err != nil {
		t.Fatalf("the other session was ended by the tabs: %v", err)
	}
	// Each tab goes on with its own new token.
	for i := range tabs {
		if _, _, err := f.s.Refresh(ctx, got[i].RefreshToken); err != nil {
			t.Fatalf("tab %d refreshing again: %v", i, err)
		}
	}

	// The window has passed (moved back rather than waited for): the first
	// token once more is a stolen copy.
	if _, err := f.db.Exec(`UPDATE refresh_tokens SET revoked_at = now() - interval '1 minute' WHERE token_hash = $1`, hashToken(tok.RefreshToken)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.Refresh(ctx, tok.RefreshToken); !errors.Is(err, ErrTokenReused) {
		t.Fatalf("reuse after the grace window: %v", err)
	}
	if _, err := f.s.Authenticate(ctx, got[0].AccessToken); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("after a real reuse the session's access token still works: %v", err)
	}
	if n := f.liveTokens(t); n != 0 {
		t.Fatalf("%d refresh tokens live after a real reuse", n)
	}
	ss, err := f.s.Sessions(ctx, f.ann.ID, "")
	if err != nil || len(ss) != 0 {
		t.Fatalf("sessions after a real reuse: %+v, %v", ss, err)
	}
}

// Ending one session refuses its access and refresh tokens at once and
// leaves the others; ending the others keeps the caller's.
func TestEndSessions(t *testing.T) {
	f := newFixture(t, Options{AccountTTL: -1})
	ctx := context.Background()
	login := func(ua string) (Tokens, string) {
		t.Helper()
		_, tok, err := f.s.Login(ctx, LoginAttempt{Identifier: "ann", Password: "correct horse", UserAgent: ua, ClientIP: "192.0.2.9"})
		if err != nil {
			t.Fatal(err)
		}
		_, sid, err := f.s.AuthenticateSession(ctx, tok.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		return tok, sid
	}
	a, aid := login("Firefox\x00\n")
	b, bid := login("Chromium")
	c, _ := login("curl")
	ss, err := f.s.Sessions(ctx, f.ann.ID, aid)
	if err != nil || len(ss) != 3 {
		t.Fatalf("Sessions = %+v, %v", ss, err)
	}
	for _, s := range ss {
		if s.Current != (s.ID == aid) || s.ClientIP != "192.0.2.9" {
			t.Errorf("session %+v", s)
		}
		if s.ID == aid && s.UserAgent != "Firefox" {
			t.Errorf("user agent kept as %q", s.UserAgent)
		}
	}
	if err := f.s.EndSession(ctx, f.ann.ID, bid); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Authenticate(ctx, b.AccessToken); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("ended session's access token: %v", err)
	}
	if _, _, err := f.s.Refresh(ctx, b.RefreshToken); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("ended session's refresh token: %v", err)
	}
	if err := f.s.EndSession(ctx, f.ann.ID, bid); !errors.Is(err, ErrNoSession) {
		t.Fatalf("ending it twice: %v", err)
	}
	if err := f.s.EndSession(ctx, "00000000-0000-0000-0000-000000000001", aid); !errors.Is(err, ErrNoSession) {
		t.Fatalf("ending another account's session: %v", err)
	}
	if _, err := f.s.Authenticate(ctx, a.AccessToken); err != nil {
		t.Fatalf("the other sessions went too: %v", err)
	}
	n, err := f.s.EndOtherSessions(ctx, f.ann.ID, aid)
	if err != nil || n != 1 {
		t.Fatalf("EndOtherSessions = %d, %v", n, err)
	}
	if _, err := f.s.Authenticate(ctx, c.AccessToken); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("another session survived: %v", err)
	}
	if _, err := f.s.Authenticate(ctx, a.AccessToken); err != nil {
		t.Fatalf("the caller's session ended: %v", err)
	}
	if _, _, err := f.s.Refresh(ctx, a.RefreshToken); err != nil {
		t.Fatalf("the caller's refresh token: %v", err)
	}
	// Logout ends the session it names.
	_, d, _ := f.s.Refresh(ctx, a.RefreshToken) // a's token is spent: within grace, another pair
	if err := f.s.Logout(ctx, f.ann.ID, d.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Authenticate(ctx, a.AccessToken); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("access token after its session's logout: %v", err)
	}
}
