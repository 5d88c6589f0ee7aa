// Package passwords is DocuVault's password policy: a minimum length
// (DOCUVAULT_PASSWORD_MIN_LENGTH, 10 by default) and a refusal of the
// passwords people choose most often, of the account's own handle or
// e-mail address, and of one character or a keyboard run repeated.
//
// The list of common passwords is shipped in the binary (common.txt, the
// 10,000 most frequent of the 30,000 in zxcvbn's passwords.txt, MIT
// licence, which counts Mark Burnett's public-domain corpus of 10 million
// passwords), lower case; a password is compared with it in lower case,
// and also with its trailing digits and punctuation removed, so
// "Password2024!" is as refused as "password".
package passwords

import (
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors; each is wrapped in a message that says what to do.
var (
	// ErrTooShort: fewer characters than the policy's minimum.
	ErrTooShort = errors.New("password too short")
	// ErrTooLong: more than MaxLen bytes (argon2id hashes any length, but
	// a request need not carry megabytes to be refused).
	ErrTooLong = errors.New("password too long")
	// ErrCommon: one of the most common passwords, or a simple pattern.
	ErrCommon = errors.New("password too common")
	// ErrPersonal: the account's handle or e-mail address, or close to it.
	ErrPersonal = errors.New("password too close to the account's name")
)

// DefaultMinLen is the minimum length when none is configured; AbsoluteMinLen
// is the least a configuration may set.
const (
	DefaultMinLen  = 10
	AbsoluteMinLen = 8
	MaxLen         = 1024
)

// Policy says which passwords are accepted, and what new hashes cost.
type Policy struct {
	MinLen int      // characters (runes); below AbsoluteMinLen counts as DefaultMinLen
	Hash   HashCost // argon2id's cost for new hashes; zero is DefaultHashCost
}

// Default is the policy with the default minimum length.
var Default = Policy{MinLen: DefaultMinLen}

//go:embed common.txt
var commonText string

var (
	commonOnce sync.Once
	common     map[string]struct{}
)

func commonSet() map[string]struct{} {
	commonOnce.Do(func() {
		lines := strings.Split(commonText, "\n")
		common = make(map[string]struct{}, len(lines))
		for _, l := range lines {
			if l = strings.TrimSpace(l); l != "" {
				common[l] = struct{}{}
			}
		}
	})
	return common
}

// Common reports whether p (in any letter case) is on the shipped list.
func Common(p string) bool {
	_, ok := commonSet()[strings.ToLower(p)]
	return ok
}

// Account is what a password must not resemble.
type Account struct {
	Handle string
	Email  string
}

func (p Policy) minLen() int {
	if p.MinLen < AbsoluteMinLen {
		return DefaultMinLen
	}
	return p.MinLen
}

// Check says why password is refused for acct, as an error wrapping
// ErrTooShort, ErrTooLong, ErrCommon or ErrPersonal, or nil.
func (p Policy) Check(password string, acct Account) error {
	n := utf8.RuneCountInString(password)
	if min := p.minLen(); n < min {
		return fmt.Errorf("%w: use at least %d characters (a few unrelated words make a good one)", ErrTooShort, min)
	}
	if len(password) > MaxLen {
		return fmt.Errorf("%w: use at most %d bytes", ErrTooLong, MaxLen)
	}
	lower := strings.ToLower(password)
	core := strings.TrimRightFunc(lower, func(r rune) bool { return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || r == ' ' })
	core = strings.TrimLeftFunc(core, func(r rune) bool { return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || r == ' ' })
	for _, name := range personal(acct) {
		if len(name) >= 3 && strings.Contains(lower, name) && letters(strings.ReplaceAll(lower, name, "")) < 4 {
			return fmt.Errorf("%w: do not build it on your handle or e-mail address", ErrPersonal)
		}
	}
	if Common(lower) || (core != "" && Common(core)) {
		return fmt.Errorf("%w: it is on the list of the most used passwords; choose another one", ErrCommon)
	}
	if simple(lower) {
		return fmt.Errorf("%w: it is one character or a keyboard run repeated; choose another one", ErrCommon)
	}
	return nil
}

// personal returns the lower-case names a password must not be built on.
func personal(a Account) []string {
	var out []string
	if h := strings.ToLower(strings.TrimSpace(a.Handle)); h != "" {
		out = append(out, h)
	}
	if e := strings.ToLower(strings.TrimSpace(a.Email)); e != "" {
		out = append(out, e)
		if local, _, ok := strings.Cut(e, "@"); ok && local != "" {
			out = append(out, local)
		}
	}
	return out
}

// letters counts the letters of s.
func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// runs are keyboard and alphabet sequences whose repetition is no secret.
var runs = []string{"0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertzuiop", "azertyuiop"}

// simple reports a password made of one short unit repeated (aaaaaaaaaa,
// abcabcabcabc) or a part of a keyboard or alphabet run (in either direction).
func simple(p string) bool {
	rs := []rune(p)
	for unit := 1; unit <= 4 && unit < len(rs); unit++ {
		if len(rs)%unit != 0 && unit > 1 {
			continue
		}
		same := true
		for i := unit; i < len(rs); i++ {
			if rs[i] != rs[i%unit] {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	// Pieces of keyboard or alphabet runs, one after another
	// (qwertyuiopasdfgh, 1234567890qwerty), each at least 3 long.
	for i := 0; i < len(rs); {
		best := 0
		for _, r := range runs {
			for _, seq := range []string{r + r, reverse(r + r)} {
				sr := []rune(seq)
				for j := range sr {
					k := 0
					for i+k < len(rs) && j+k < len(sr) && rs[i+k] == sr[j+k] {
						k++
					}
					best = max(best, k)
				}
			}
		}
		if best < 3 {
			return false
		}
		i += best
	}
	return true
}

func reverse(s string) string {
	rs := []rune(s)
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	return string(rs)
}
