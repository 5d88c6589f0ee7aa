package passwords

import (
	"errors"
	"strings"
	"testing"
)

func TestPolicy(t *testing.T) {
	acct := Account{Handle: "annabelle", Email: "anna.smith@example.org"}
	cases := []struct {
		pw   string
		want error
	}{
		{"short", ErrTooShort},
		{"ninechars", ErrTooShort},
		{strings.Repeat("x", MaxLen) + "yz", ErrTooLong},
		{"qwertyuiop", ErrCommon},
		{"Password123", ErrCommon},
		{"1q2w3e4r5t", ErrCommon},
		{"basketball!!", ErrCommon},
		{"aaaaaaaaaaaa", ErrCommon},
		{"abcabcabcabc", ErrCommon},
		{"0987654321", ErrCommon},
		{"Annabelle2024!", ErrPersonal},
		{"anna.smith@example.org", ErrPersonal},
		{"anna.smith99", ErrPersonal},
		{"annabelle-annabelle", ErrPersonal},
		{"qwertyuiopasdfghjk", ErrCommon},
		{"1234567890qwerty", ErrCommon},
		{"annabelle likes green tea", nil},
		{"correct horse battery staple", nil},
		{"Tax papers in the attic 7", nil},
		{"grünerApfel-kocht", nil},
	}
	for _, c := range cases {
		err := Default.Check(c.pw, acct)
		if c.want == nil {
			if err != nil {
				t.Errorf("Check(%q) = %v, want nil", c.pw, err)
			}
			continue
		}
		if !errors.Is(err, c.want) {
			t.Errorf("Check(%q) = %v, want %v", c.pw, err, c.want)
		}
	}
}

func TestMinLenConfigurable(t *testing.T) {
	p := Policy{MinLen: 16}
	if err := p.Check("fifteen chars ok", Account{}); err != nil {
		t.Fatalf("16 characters: %v", err)
	}
	if err := p.Check("fifteen chars o", Account{}); !errors.Is(err, ErrTooShort) {
		t.Fatalf("15 characters with MinLen 16: %v", err)
	}
	// Below the absolute minimum the default applies.
	if err := (Policy{MinLen: 4}).Check("short pw!", Account{}); !errors.Is(err, ErrTooShort) {
		t.Fatalf("MinLen 4 must not allow 9 characters: %v", err)
	}
}

func TestListShipped(t *testing.T) {
	if n := len(commonSet()); n < 5000 {
		t.Fatalf("%d common passwords shipped, want thousands", n)
	}
	for _, p := range []string{"123456", "password", "iloveyou", "dragon"} {
		if !Common(p) {
			t.Errorf("%q not on the list", p)
		}
	}
}
