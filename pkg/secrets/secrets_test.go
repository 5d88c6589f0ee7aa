package secrets_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/secrets"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

var (
	oldKey = strings.Repeat("o", 40)
	newKey = strings.Repeat("n", 40)
)

func keyring(t *testing.T, current string, old ...string) *secrets.Keyring {
	t.Helper()
	k, err := secrets.NewKeyring(current, old...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k := keyring(t, oldKey)
	plain := []byte("imap password: hunter2")
	s1, err := k.Seal(secrets.PurposeIMAPPassword, plain, []byte("row-1"))
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := k.Seal(secrets.PurposeIMAPPassword, plain, []byte("row-1"))
	if s1 == s2 {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
	if strings.Contains(s1, "hunter2") || !strings.HasPrefix(s1, "dv1:"+k.CurrentID()+":") {
		t.Errorf("sealed %q", s1)
	}
	got, err := k.Open(secrets.PurposeIMAPPassword, s1, []byte("row-1"))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open: %q, %v", got, err)
	}
	// Another purpose, another row, a flipped byte, another key id: no.
	flipped := []byte(s1)
	flipped[len(flipped)-3] ^= 1
	if flipped[len(flipped)-3] == '-' || flipped[len(flipped)-3] == '_' {
		flipped[len(flipped)-3] = 'A'
	}
	other := keyring(t, newKey)
	for name, c := range map[string]struct {
		k       *secrets.Keyring
		purpose string
		sealed  string
		ad      string
		want    error
	}{
		"purpose":     {k, secrets.PurposeCloudCredentials, s1, "row-1", secrets.ErrCorrupt},
		"row":         {k, secrets.PurposeIMAPPassword, s1, "row-2", secrets.ErrCorrupt},
		"tampered":    {k, secrets.PurposeIMAPPassword, string(flipped), "row-1", secrets.ErrCorrupt},
		"not sealed":  {k, secrets.PurposeIMAPPassword, "hunter2", "row-1", secrets.ErrCorrupt},
		"key id":      {k, secrets.PurposeIMAPPassword, strings.Replace(s1, k.CurrentID(), other.CurrentID(), 1), "row-1", secrets.ErrUnknownKey},
		"unknown key": {other, secrets.PurposeIMAPPassword, s1, "row-1", secrets.ErrUnknownKey},
	} {
		_, err := c.k.Open(c.purpose, c.sealed, []byte(c.ad))
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
		if err != nil && (strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), oldKey)) {
			t.Errorf("%s: the error tells the secret: %v", name, err)
		}
	}
	// The new keyring with the old key opens old values and seals anew.
	both := keyring(t, newKey, oldKey)
	if got, err := both.Open(secrets.PurposeIMAPPassword, s1, []byte("row-1")); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open with the old key in the ring: %q, %v", got, err)
	}
	if s, _ := both.Seal(secrets.PurposeIMAPPassword, plain, nil); !strings.HasPrefix(s, "dv1:"+other.CurrentID()+":") {
		t.Errorf("sealed with %q, want the current key %s", s, other.CurrentID())
	}
	if _, err := secrets.NewKeyring("short"); !errors.Is(err, secrets.ErrWeakKey) {
		t.Errorf("short key: %v", err)
	}
	if _, err := secrets.NewKeyring(newKey, "short"); !errors.Is(err, secrets.ErrWeakKey) {
		t.Errorf("short old key: %v", err)
	}
}

// TestRotate: with the new SECRET_KEY and the old one in the ring, Rotate
// re-seals every cloud connection's credentials under the new key, leaves
// those it cannot open (named, not shown) and the current ones alone, and
// a second run has nothing to do; afterwards the new key alone opens them.
func TestRotate(t *testing.T) {
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	u, err := users.Create(ctx, db, users.NewUser{Handle: "ann", Email: "ann@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	old := keyring(t, oldKey)
	creds := map[string]string{}
	for i := range 450 { // more than one batch
		id := insertConnection(t, ctx, db, u.ID, "")
		plain := "access-key-" + id
		s, err := old.Seal(secrets.PurposeCloudCredentials, []byte(plain), []byte(id))
		if err != nil {
			t.Fatal(err)
		}
		if i == 7 {
			s = "plaintext-from-elsewhere" // cannot be opened: a failure, left alone
		}
		if _, err := db.ExecContext(ctx, `UPDATE cloud_connections SET credentials_enc = $1 WHERE id = $2`, s, id); err != nil {
			t.Fatal(err)
		}
		creds[id] = plain
	}
	empty := insertConnection(t, ctx, db, u.ID, "")
	delete(creds, empty)

	ring := keyring(t, newKey, oldKey)
	dry, err := secrets.Rotate(ctx, db, ring, secrets.Columns(), true)
	if err != nil || dry.Rotated != 449 {
		t.Fatalf("dry run: %+v, %v", dry, err)
	}
	if n := countUnder(t, db, ring.CurrentID()); n != 0 {
		t.Fatalf("the dry run wrote %d rows", n)
	}
	rep, err := secrets.Rotate(ctx, db, ring, secrets.Columns(), false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rotated != 449 || rep.Current != 0 || rep.Empty != 1 || len(rep.Failed) != 1 || !errors.Is(rep.Failed[0].Err, secrets.ErrCorrupt) {
		t.Fatalf("report %+v", rep)
	}
	if strings.Contains(rep.Failed[0].Err.Error(), "plaintext-from-elsewhere") {
		t.Errorf("the failure tells the value: %v", rep.Failed[0].Err)
	}
	again, err := secrets.Rotate(ctx, db, ring, secrets.Columns(), false)
	if err != nil || again.Rotated != 0 || again.Current != 449 || len(again.Failed) != 1 {
		t.Fatalf("second run: %+v, %v", again, err)
	}
	// The new key alone opens every value, each still bound to its row.
	newOnly := keyring(t, newKey)
	var rows []struct {
		ID    string `db:"id"`
		Value string `db:"credentials_enc"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT id::text AS id, credentials_enc FROM cloud_connections WHERE credentials_enc LIKE 'dv1:%'`); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 449 {
		t.Fatalf("%d sealed rows", len(rows))
	}
	for _, r := range rows {
		got, err := newOnly.Open(secrets.PurposeCloudCredentials, r.Value, []byte(r.ID))
		if err != nil || string(got) != creds[r.ID] {
			t.Fatalf("row %s: %q, %v", r.ID, got, err)
		}
	}
	// Nothing is left under the old key.
	if n := countUnder(t, db, old.CurrentID()); n != 0 {
		t.Errorf("%d rows still under the old key", n)
	}
}

func insertConnection(t *testing.T, ctx context.Context, db *sqlx.DB, userID, creds string) string {
	t.Helper()
	var id string
	if err := db.GetContext(ctx, &id, `INSERT INTO cloud_connections (user_id, provider, display_name, credentials_enc)
		VALUES ($1, 's3', 'bucket ' || gen_random_uuid(), $2) RETURNING id`, userID, creds); err != nil {
		t.Fatal(err)
	}
	return id
}

func countUnder(t *testing.T, db *sqlx.DB, keyID string) int {
	t.Helper()
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM cloud_connections WHERE credentials_enc LIKE $1`, "dv1:"+keyID+":%"); err != nil {
		t.Fatal(err)
	}
	return n
}
