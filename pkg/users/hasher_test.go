package users

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/docuvault/docuvault/pkg/passwords"
)

// owasp is OWASP's least argon2id cost, so these tests hash quickly.
var owasp = passwords.HashCost{Time: 2, MemoryKiB: 19456, Threads: 1}

func TestHasherHashesAndVerifiesAtItsCost(t *testing.T) {
	ctx := context.Background()
	for _, cost := range []passwords.HashCost{{}, owasp} {
		h := NewHasher(cost, 0)
		if h.Cost() != cost.OrDefault() {
			t.Errorf("NewHasher(%v).Cost() = %v", cost, h.Cost())
		}
		// The dummy an unknown name is checked against is at the cost, so
		// it takes as long as a real hash, and it is readable (a hash that
		// did not parse would be refused before any work).
		if want := "$" + cost.OrDefault().String() + "$"; !strings.Contains(h.dummy, want) {
			t.Errorf("dummy hash %q, want one at %s", h.dummy, want)
		}
		if _, _, _, err := parseHash(h.dummy); err != nil {
			t.Errorf("dummy hash %q does not parse: %v", h.dummy, err)
		}
	}

	h := NewHasher(owasp, 0)
	s, err := h.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if NeedsRehash(s, owasp) || !h.NeedsRehash(mustHash(t, passwords.HashCost{})) {
		t.Errorf("Hash made %q: not at the Hasher's cost", s)
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false} {
		if ok, err := h.Verify(ctx, s, pw); err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v; want %v, nil", pw, ok, err, want)
		}
	}
	// No hash: the dummy is verified, and nothing matches it.
	if ok, err := h.Verify(ctx, "", "anything"); ok || err != nil {
		t.Errorf(`Verify("", …) = %v, %v; want false, nil`, ok, err)
	}
	if _, err := h.Hash(ctx, "short"); err == nil {
		t.Error("Hash of a 5-character password: no error")
	}
	if _, err := h.Verify(ctx, "$argon2id$v=19$m=1,t=1,p=1$bad", "x"); !errors.Is(err, ErrBadHash) {
		t.Errorf("Verify of a broken hash: %v, want ErrBadHash", err)
	}
}

func mustHash(t *testing.T, cost passwords.HashCost) string {
	t.Helper()
	s, err := HashPassword("correct horse battery", cost)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A Hasher runs at most its bound at once; one waiting for a slot gives
// up with its context, without running.
func TestHasherBound(t *testing.T) {
	h := NewHasher(owasp, 2)
	release := make(chan struct{})
	started := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.Run(context.Background(), func() { started <- struct{}{}; <-release }); err != nil {
				t.Error(err)
			}
		}()
	}
	<-started
	<-started // both slots taken

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	if err := h.Run(ctx, func() { ran = true }); !errors.Is(err, context.Canceled) || ran {
		t.Errorf("Run with both slots taken and its context over: %v, ran %v; want context.Canceled, not run", err, ran)
	}
	if _, err := h.Verify(ctx, "", "anything"); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify with both slots taken and its context over: %v, want context.Canceled", err)
	}
	close(release)
	wg.Wait()

	// Many at once never exceed the bound.
	var now, most atomic.Int32
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = h.Run(context.Background(), func() {
				n := now.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				_, _ = HashPassword("correct horse battery", owasp)
				now.Add(-1)
			})
		}()
	}
	wg.Wait()
	if m := most.Load(); m < 1 || m > 2 {
		t.Errorf("%d ran at once under a bound of 2", m)
	}
}
