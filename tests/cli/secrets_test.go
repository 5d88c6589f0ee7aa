package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/pkg/secrets"
)

// TestSecretsRotate: after a new SECRET_KEY, `docuvault secrets rotate`
// with the old key from DOCUVAULT_OLD_SECRET_KEY (or a file) re-seals the
// cloud connections' credentials under the new one; neither key is taken
// on the command line or shown by config show, the output or the audit log.
func TestSecretsRotate(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	oldKey, newKey := d.env["SECRET_KEY"], strings.Repeat("N", 48)
	old, err := secrets.NewKeyring(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	db := d.dep.AdminDB(t)
	ids := make([]string, 3)
	for i := range ids {
		if err := db.Get(&ids[i], `INSERT INTO cloud_connections (user_id, provider, display_name, credentials_enc)
			SELECT id, 'webdav', 'nextcloud-' || $1, '' FROM users WHERE handle = 'ann' RETURNING id`, i); err != nil {
			t.Fatal(err)
		}
		s, err := old.Seal(secrets.PurposeCloudCredentials, []byte("app-password-"+ids[i]), []byte(ids[i]))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE cloud_connections SET credentials_enc = $1 WHERE id = $2`, s, ids[i]); err != nil {
			t.Fatal(err)
		}
	}
	withNew := map[string]string{"SECRET_KEY": newKey}

	// No old key: a usage error, nothing changed; a key as an argument is no flag.
	d.run(t, withNew, "secrets", "rotate").check(t, 64, "", "DOCUVAULT_OLD_SECRET_KEY")
	d.run(t, withNew, "secrets", "rotate", "--old-secret-key", oldKey).check(t, 64, "", "unknown flag")
	d.run(t, withNew, "secrets", "rotate", "--dry-run").check(t, 1, "would re-seal 0 secrets", "3 secrets could not be opened")

	// config show redacts the old key.
	r := d.run(t, map[string]string{"SECRET_KEY": newKey, "DOCUVAULT_OLD_SECRET_KEY": oldKey}, "config", "show")
	r.check(t, 0, "DOCUVAULT_OLD_SECRET_KEY", "")
	if strings.Contains(r.stdout, oldKey) || strings.Contains(r.stdout, newKey) {
		t.Errorf("config show shows a secret key:\n%s", r.stdout)
	}

	// The old key from a file: the dry run counts, the run re-seals.
	keyFile := filepath.Join(t.TempDir(), "old-key")
	if err := os.WriteFile(keyFile, []byte("# before the rollover\n"+oldKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.run(t, withNew, "secrets", "rotate", "--old-secret-key-file", keyFile, "--dry-run").check(t, 0, "would re-seal 3 secrets", "")
	r = d.run(t, map[string]string{"SECRET_KEY": newKey, "DOCUVAULT_OLD_SECRET_KEY": oldKey}, "secrets", "rotate")
	r.check(t, 0, "re-sealed 3 secrets", "")
	if strings.Contains(r.stdout+r.stderr, oldKey) || strings.Contains(r.stdout+r.stderr, "app-password") {
		t.Errorf("rotate printed a secret:\n%s%s", r.stdout, r.stderr)
	}
	d.run(t, withNew, "secrets", "rotate", "--dry-run").check(t, 0, "would re-seal 0 secrets under key", "")

	newOnly, err := secrets.NewKeyring(newKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		var s string
		if err := db.Get(&s, `SELECT credentials_enc FROM cloud_connections WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		got, err := newOnly.Open(secrets.PurposeCloudCredentials, s, []byte(id))
		if err != nil || string(got) != "app-password-"+id {
			t.Errorf("%s: %q, %v", id, got, err)
		}
	}
	var meta string
	if err := db.Get(&meta, `SELECT metadata::text FROM audit_log WHERE event_type = 'secrets_rotate' AND actor_label LIKE 'cli:%'`); err != nil {
		t.Fatalf("no audit event of the rotation: %v", err)
	}
	if !strings.Contains(meta, `"rotated": 3`) || strings.Contains(meta, oldKey) || strings.Contains(meta, newKey) {
		t.Errorf("audit metadata %s", meta)
	}
}
