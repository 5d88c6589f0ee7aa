package totp_test

import (
	"encoding/base32"
	"testing"
	"time"

	libtotp "github.com/pquerna/otp/totp"

	"github.com/docuvault/docuvault/pkg/totp"
)

// RFC 6238 appendix B's SHA-1 vectors (secret "12345678901234567890"),
// made through the configuration DocuVault checks codes with: the
// 6-digit codes are the vectors' last six digits.
func TestRFC6238Vectors(t *testing.T) {
	secret := base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))
	for _, v := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"},
		{1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	} {
		got, err := libtotp.GenerateCodeCustom(secret, time.Unix(v.unix, 0).UTC(), totp.ValidateOpts)
		if err != nil {
			t.Fatal(err)
		}
		if got != v.want[2:] {
			t.Errorf("T=%d: code %s, want %s", v.unix, got, v.want[2:])
		}
	}
	if totp.ValidateOpts.Period != 30 || totp.ValidateOpts.Digits.Length() != 6 {
		t.Errorf("ValidateOpts %+v: want 30 s, 6 digits", totp.ValidateOpts)
	}
}
