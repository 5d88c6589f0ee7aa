package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Dex is an OpenID Connect provider (Dex, built by `scripts/services.sh
// tools`) running on loopback for one test, with an in-memory store, one
// client and two ways to sign in: the local password database (a real
// login form; e-mail addresses are verified) and Dex's mockCallback
// connector (id "mock": signs in at once as DexMockEmail, e-mail verified,
// groups ["authors"] when the groups scope is asked for).
type Dex struct {
	Issuer       string // http://127.0.0.1:PORT/dex
	ClientID     string
	ClientSecret string
	Log          *SyncBuffer // Dex's output
	cmd          *exec.Cmd
}

// DexMockEmail and DexMockGroup are what Dex's mockCallback connector
// (connector_id=mock) vouches for.
const (
	DexMockEmail = "kilgore@kilgore.trout"
	DexMockGroup = "authors"
)

// DexUser is an account of Dex's password database.
type DexUser struct {
	Email    string
	Username string
	Password string
}

// DexOptions configure StartDex.
type DexOptions struct {
	RedirectURIs []string // the client's, exactly
	Users        []DexUser
}

// StartDex starts Dex on a free loopback port and waits until its
// discovery document answers; it stops when the test ends. Without Dex
// (DOCUVAULT_TEST_DEX) the test is skipped, or fails when services are
// required.
func StartDex(t testing.TB, o DexOptions) *Dex {
	t.Helper()
	bin := Get(t, "DOCUVAULT_TEST_DEX")
	if bin == "" {
		Unavailable(t, "DOCUVAULT_TEST_DEX is not set (scripts/services.sh tools builds Dex)")
	}
	if _, err := os.Stat(bin); err != nil {
		Unavailable(t, "Dex at %s: %v (scripts/services.sh tools builds it)", bin, err)
	}
	port := FreePort(t)
	d := &Dex{Issuer: fmt.Sprintf("http://127.0.0.1:%d/dex", port), ClientID: "docuvault", ClientSecret: RandomName("dex-secret-"), Log: &SyncBuffer{}}
	var passwords []map[string]string
	for i, u := range o.Users {
		hash, err := bcrypt.GenerateFromPassword([]byte(u.Password), 10) // Dex refuses a cost under 10
		if err != nil {
			t.Fatal(err)
		}
		passwords = append(passwords, map[string]string{"email": u.Email, "hash": string(hash), "username": u.Username, "userID": "user-" + strconv.Itoa(i+1)})
	}
	// Dex reads YAML, of which JSON is a subset.
	cfg := map[string]any{
		"issuer":  d.Issuer,
		"storage": map[string]any{"type": "memory"},
		"web":     map[string]any{"http": fmt.Sprintf("127.0.0.1:%d", port)},
		"logger":  map[string]any{"level": "warn"},
		"oauth2":  map[string]any{"skipApprovalScreen": true},
		"staticClients": []map[string]any{{
			"id": d.ClientID, "secret": d.ClientSecret, "name": "DocuVault", "redirectURIs": o.RedirectURIs,
		}},
		"enablePasswordDB": true,
		"staticPasswords":  passwords,
		"connectors":       []map[string]any{{"type": "mockCallback", "id": "mock", "name": "Example"}},
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dex.yaml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	d.cmd = exec.Command(bin, "serve", path)
	d.cmd.Stdout, d.cmd.Stderr = d.Log, d.Log
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("start dex: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = d.cmd.Process.Kill()
		<-exited
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if d.discoveryAnswers(ctx) {
			return d
		}
		select {
		case <-exited:
			t.Fatalf("dex exited before it answered:\n%s", d.Log.String())
		case <-ctx.Done():
			t.Fatalf("dex did not answer at %s within 30s:\n%s", d.Issuer, d.Log.String())
		case <-tick.C:
		}
	}
}

// Stop stops Dex (a provider that is down).
func (d *Dex) Stop(t testing.TB) {
	t.Helper()
	if err := d.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
}

func (d *Dex) discoveryAnswers(ctx context.Context) bool {
	req, err := http.NewRequestWithContext(ctx, "GET", d.Issuer+"/.well-known/openid-configuration", nil)
	if err != nil {
		return false
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer res.Body.Close()
	var doc struct {
		Issuer string `json:"issuer"`
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	return res.StatusCode == http.StatusOK && json.Unmarshal(buf.Bytes(), &doc) == nil && doc.Issuer == d.Issuer
}

// FreePort returns a loopback TCP port nothing listens on (at the moment
// of asking).
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
