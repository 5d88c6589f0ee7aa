package passwords

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// HashCost is argon2id's cost for the password hashes DocuVault writes
// (DOCUVAULT_PASSWORD_HASH_COST): passes over MemoryKiB of memory, in
// Threads lanes. A hash carries the cost it was made with and verifies at
// it; pkg/auth stores a password again at the configured cost when its
// owner signs in. The zero HashCost is the default.
type HashCost struct {
	Time      uint32 // passes (t)
	MemoryKiB uint32 // m
	Threads   uint8  // lanes (p)
}

// DefaultHashCost is RFC 9106's second recommended option:
// m=65536,t=3,p=4 (64 MiB, three passes, four lanes).
func DefaultHashCost() HashCost { return HashCost{Time: 3, MemoryKiB: 64 * 1024, Threads: 4} }

// The least and most a configuration may set. The floor is OWASP's
// argon2id minimum (19 MiB and two passes); the ceilings keep one login
// from taking the server's memory (serve runs at most a few at once).
const (
	MinHashMemoryKiB = 19 * 1024
	MaxHashMemoryKiB = 1024 * 1024
	MinHashTime      = 2
	MaxHashTime      = 20
	MaxHashThreads   = 16
)

// ErrHashCost is wrapped by ParseHashCost's errors.
var ErrHashCost = errors.New("invalid password hash cost")

// OrDefault is c, or DefaultHashCost for the zero HashCost.
func (c HashCost) OrDefault() HashCost {
	if c == (HashCost{}) {
		return DefaultHashCost()
	}
	return c
}

// String is c as ParseHashCost reads it and as a hash's PHC string carries
// it: m=65536,t=3,p=4.
func (c HashCost) String() string {
	c = c.OrDefault()
	return fmt.Sprintf("m=%d,t=%d,p=%d", c.MemoryKiB, c.Time, c.Threads)
}

// ParseHashCost reads "m=KiB,t=passes,p=lanes" (any order, each once, all
// three), or "default". A cost below OWASP's minimum (m=19456,t=2) or
// above the ceilings is an error wrapping ErrHashCost that says the range.
func ParseHashCost(s string) (HashCost, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "default" {
		return DefaultHashCost(), nil
	}
	var c HashCost
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || seen[k] {
			return HashCost{}, fmt.Errorf("%w: %q is not like m=65536,t=3,p=4", ErrHashCost, s)
		}
		seen[k] = true
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
		if err != nil {
			return HashCost{}, fmt.Errorf("%w: %s=%s is not a whole number", ErrHashCost, k, v)
		}
		switch k {
		case "m":
			if n < MinHashMemoryKiB || n > MaxHashMemoryKiB {
				return HashCost{}, fmt.Errorf("%w: m (memory, KiB) must be from %d to %d", ErrHashCost, MinHashMemoryKiB, MaxHashMemoryKiB)
			}
			c.MemoryKiB = uint32(n)
		case "t":
			if n < MinHashTime || n > MaxHashTime {
				return HashCost{}, fmt.Errorf("%w: t (passes) must be from %d to %d", ErrHashCost, MinHashTime, MaxHashTime)
			}
			c.Time = uint32(n)
		case "p":
			if n < 1 || n > MaxHashThreads {
				return HashCost{}, fmt.Errorf("%w: p (lanes) must be from 1 to %d", ErrHashCost, MaxHashThreads)
			}
			c.Threads = uint8(n)
		default:
			return HashCost{}, fmt.Errorf("%w: %q is not like m=65536,t=3,p=4", ErrHashCost, s)
		}
	}
	if len(seen) != 3 {
		return HashCost{}, fmt.Errorf("%w: %q is not like m=65536,t=3,p=4 (give all three)", ErrHashCost, s)
	}
	return c, nil
}
