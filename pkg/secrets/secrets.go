package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Purposes: each is part of the key derivation, so a value sealed for one
// opens for no other.
const (
	PurposeCloudCredentials = "cloud_connections.credentials"
	PurposeIMAPPassword     = "imap.password"
	PurposeTOTPSeed         = "totp.seed"
)

// format starts every sealed value.
const format = "dv1"

// MinSecretLen is the shortest SECRET_KEY a Keyring takes (auth.CheckSecret
// says the same for the HTTP API).
const MinSecretLen = 32

// Sentinel errors.
var (
	// ErrUnknownKey: the value was sealed with a SECRET_KEY this Keyring
	// does not hold (give the old one, see NewKeyring).
	ErrUnknownKey = errors.New("sealed with a key this keyring does not hold")
	// ErrCorrupt: the value is not a sealed value, or does not open under
	// its key for this purpose and additional data (tampered, copied from
	// elsewhere, or sealed for another purpose).
	ErrCorrupt = errors.New("not a valid sealed value")
	// ErrWeakKey: a secret given to NewKeyring is too short.
	ErrWeakKey = errors.New("secret key too short")
)

// Keyring seals with the current SECRET_KEY and opens with any it holds.
// It is safe for concurrent use.
type Keyring struct {
	current string
	masters map[string][]byte // by key id
}

// NewKeyring returns a Keyring that seals with current and opens values
// sealed with current or any of old. Each must be at least MinSecretLen
// bytes; an old key equal to current is ignored.
func NewKeyring(current string, old ...string) (*Keyring, error) {
	k := &Keyring{masters: map[string][]byte{}}
	for i, s := range append([]string{current}, old...) {
		if len(s) < MinSecretLen {
			which := "SECRET_KEY"
			if i > 0 {
				which = fmt.Sprintf("old secret key %d", i)
			}
			return nil, fmt.Errorf("%w: %s is %d bytes, fewer than %d", ErrWeakKey, which, len(s), MinSecretLen)
		}
		id, err := keyID([]byte(s))
		if err != nil {
			return nil, err
		}
		if i == 0 {
			k.current = id
		}
		if _, ok := k.masters[id]; !ok {
			k.masters[id] = []byte(s)
		}
	}
	return k, nil
}

// CurrentID is the key id of the current SECRET_KEY: what Seal writes.
func (k *Keyring) CurrentID() string { return k.current }

// Holds reports whether k can open values sealed under key id.
func (k *Keyring) Holds(id string) bool { _, ok := k.masters[id]; return ok }

// keyID derives a key's id: 8 bytes of HKDF output under their own label,
// in hex. It identifies the key without revealing anything of it.
func keyID(master []byte) (string, error) {
	b, err := hkdf.Key(sha256.New, master, nil, "docuvault secrets v1 key id", 8)
	if err != nil {
		return "", fmt.Errorf("derive key id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// aead is the AES-256-GCM of master for purpose.
func aead(master []byte, purpose string) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, master, nil, "docuvault secrets v1 aes-256-gcm "+purpose, 32)
	if err != nil {
		return nil, fmt.Errorf("derive key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// additional is the GCM additional data: format, key id, purpose and the
// caller's own, each length-prefixed so no two combinations meet.
func additional(id, purpose string, ad []byte) []byte {
	var b []byte
	for _, part := range [][]byte{[]byte(format), []byte(id), []byte(purpose), ad} {
		b = fmt.Appendf(b, "%d:", len(part))
		b = append(b, part...)
	}
	return b
}

// Seal encrypts plaintext for purpose with the current key; ad (may be
// nil) must be given again to Open: for a database column, the row's id.
func (k *Keyring) Seal(purpose string, plaintext, ad []byte) (string, error) {
	if purpose == "" {
		return "", errors.New("seal: a purpose is required")
	}
	g, err := aead(k.masters[k.current], purpose)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, g.NonceSize(), g.NonceSize()+len(plaintext)+g.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	out := g.Seal(nonce, nonce, plaintext, additional(k.current, purpose, ad))
	return format + ":" + k.current + ":" + base64.RawURLEncoding.EncodeToString(out), nil
}

// KeyID returns the id of the key sealed sealed, without opening it;
// ErrCorrupt when sealed is not a sealed value.
func KeyID(sealed string) (string, error) {
	id, _, err := split(sealed)
	return id, err
}

func split(sealed string) (string, []byte, error) {
	parts := strings.Split(sealed, ":")
	if len(parts) != 3 || parts[0] != format || len(parts[1]) != 16 {
		return "", nil, fmt.Errorf("%w: not of the form %s:<key id>:<data>", ErrCorrupt, format)
	}
	if _, err := hex.DecodeString(parts[1]); err != nil {
		return "", nil, fmt.Errorf("%w: bad key id", ErrCorrupt)
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return "", nil, fmt.Errorf("%w: bad data", ErrCorrupt)
	}
	return parts[1], data, nil
}

// Open decrypts a value Seal made for purpose with ad. ErrUnknownKey: its
// key is not in k; ErrCorrupt: it is not a sealed value, or does not open
// for this purpose and ad.
func (k *Keyring) Open(purpose string, sealed string, ad []byte) ([]byte, error) {
	id, data, err := split(sealed)
	if err != nil {
		return nil, err
	}
	master, ok := k.masters[id]
	if !ok {
		return nil, fmt.Errorf("%w: key id %s", ErrUnknownKey, id)
	}
	g, err := aead(master, purpose)
	if err != nil {
		return nil, err
	}
	if len(data) < g.NonceSize()+g.Overhead() {
		return nil, fmt.Errorf("%w: too short", ErrCorrupt)
	}
	pt, err := g.Open(nil, data[:g.NonceSize()], data[g.NonceSize():], additional(id, purpose, ad))
	if err != nil {
		return nil, fmt.Errorf("%w: it does not open for %s under key %s", ErrCorrupt, purpose, id)
	}
	return pt, nil
}
