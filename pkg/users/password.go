package users

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/docuvault/docuvault/pkg/passwords"
)

// The length of a hash's key and salt, in bytes; its cost is a
// passwords.HashCost.
const (
	argonKeyLen = 32
	saltLen     = 16
)

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 8

// HashPassword returns the argon2id hash of password at cost (the zero
// cost is passwords.DefaultHashCost) in the PHC string format:
// $argon2id$v=19$m=65536,t=3,p=4$salt$hash.
func HashPassword(password string, cost passwords.HashCost) (string, error) {
	if utf8.RuneCountInString(password) < MinPasswordLen {
		return "", fmt.Errorf("password too short: use at least %d characters", MinPasswordLen)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	cost = cost.OrDefault()
	key := argon2.IDKey([]byte(password), salt, cost.Time, cost.MemoryKiB, cost.Threads, argonKeyLen)
	return phc(cost, salt, key), nil
}

func phc(cost passwords.HashCost, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$%s$%s$%s", argon2.Version, cost, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// DummyHash is a hash at cost that no password matches (its key is not
// any password's), to verify against when there is no account or link: a
// guess at an unknown name then takes as long as one at a known name.
func DummyHash(cost passwords.HashCost) string {
	return phc(cost.OrDefault(), []byte("somesaltsomesalt"), make([]byte, argonKeyLen))
}

// ErrBadHash is returned by VerifyPassword for a hash it cannot read.
var ErrBadHash = errors.New("unreadable password hash")

// VerifyPassword reports whether password matches hash, in constant time.
// An account without a password ("!") matches nothing.
func VerifyPassword(hash, password string) (bool, error) {
	if hash == lockedHash {
		return false, nil
	}
	cost, salt, want, err := parseHash(hash)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, cost.Time, cost.MemoryKiB, cost.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether hash, a password's argon2id hash, was made
// at a cost other than cost (the zero cost is the default): signing in
// with the right password is then the moment to store it at cost. An
// account without a password or an unreadable hash needs none.
func NeedsRehash(hash string, cost passwords.HashCost) bool {
	had, _, _, err := parseHash(hash)
	return err == nil && had != cost.OrDefault()
}

// parseHash reads a PHC argon2id string (phc's format): its cost, salt and
// key, or ErrBadHash.
func parseHash(hash string) (cost passwords.HashCost, salt, key []byte, err error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return cost, nil, nil, ErrBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return cost, nil, nil, ErrBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &cost.MemoryKiB, &cost.Time, &cost.Threads); err != nil {
		return cost, nil, nil, ErrBadHash
	}
	b64 := base64.RawStdEncoding
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return cost, nil, nil, ErrBadHash
	}
	if key, err = b64.DecodeString(parts[5]); err != nil {
		return cost, nil, nil, ErrBadHash
	}
	return cost, salt, key, nil
}
