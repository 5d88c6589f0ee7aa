package users

import (
	"context"
	"runtime/debug"

	"github.com/docuvault/docuvault/pkg/passwords"
)

// DefaultConcurrentHashes is how many argon2id runs a Hasher from
// NewHasher(cost, 0) lets run at once.
const DefaultConcurrentHashes = 2

// Hasher runs a server's argon2id work — hashing new passwords and
// verifying given ones, for sign-ins and share links alike — at one cost
// and a few at a time: each run takes the cost's memory (64 MiB at the
// default), so a burst of sign-ins must not multiply it. When the last run
// ends it gives that memory back to the operating system: sign-ins are
// rare and rate-limited, and without this one would keep serve's RSS that
// much higher until the runtime's scavenger gets round to it.
//
// A Hasher is safe for concurrent use. Share one between the services of a
// process, so the bound is the process's.
type Hasher struct {
	cost  passwords.HashCost
	dummy string
	slots chan struct{}
}

// NewHasher returns a Hasher at cost (zero: passwords.DefaultHashCost)
// that runs at most concurrent hashes at once (0 or less:
// DefaultConcurrentHashes).
func NewHasher(cost passwords.HashCost, concurrent int) *Hasher {
	if concurrent <= 0 {
		concurrent = DefaultConcurrentHashes
	}
	cost = cost.OrDefault()
	return &Hasher{cost: cost, dummy: DummyHash(cost), slots: make(chan struct{}, concurrent)}
}

// Cost is the cost of the hashes h makes.
func (h *Hasher) Cost() passwords.HashCost { return h.cost }

// Hash is HashPassword at h's cost, run in one of h's slots. It fails with
// ctx's error if ctx ends while it waits for one.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	var s string
	var err error
	if rerr := h.Run(ctx, func() { s, err = HashPassword(password, h.cost) }); rerr != nil {
		return "", rerr
	}
	return s, err
}

// Verify is VerifyPassword run in one of h's slots. An empty hash (no
// account, no link) is checked against a dummy hash at h's cost and never
// matches: an unknown name takes as long to refuse as a wrong password.
func (h *Hasher) Verify(ctx context.Context, hash, password string) (bool, error) {
	dummy := hash == ""
	if dummy {
		hash = h.dummy
	}
	var ok bool
	var err error
	if rerr := h.Run(ctx, func() { ok, err = VerifyPassword(hash, password) }); rerr != nil {
		return false, rerr
	}
	return ok && !dummy, err
}

// NeedsRehash reports whether hash was made at another cost than h's.
func (h *Hasher) NeedsRehash(hash string) bool { return NeedsRehash(hash, h.cost) }

// Run runs f, an argon2id hash or verification (or a check that makes
// one), in one of h's slots, waiting for one or for ctx to end (its error
// is returned and f is not run).
func (h *Hasher) Run(ctx context.Context, f func()) error {
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	f()
	<-h.slots
	if len(h.slots) == 0 {
		debug.FreeOSMemory()
	}
	return nil
}
