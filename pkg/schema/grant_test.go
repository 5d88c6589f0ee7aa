package schema_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/migrations"
	"github.com/docuvault/docuvault/pkg/schema"
	"github.com/docuvault/docuvault/tests/testenv"
)

func TestGrantGivesDMLOnlyAndIsIdempotent(t *testing.T) {
	tdb := testenv.NewDatabase(t)
	mig := open(t, tdb.MigrateURL)
	if _, err := schema.NewMigrator(mig, migrations.FS()).Up(ctx(t)); err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // idempotent: the second run changes nothing and does not fail
		if err := schema.Grant(ctx(t), mig, "docuvault_app"); err != nil {
			t.Fatalf("Grant run %d: %v", i+1, err)
		}
	}
	app := open(t, tdb.AppURL)

	// Write and read every table, in foreign-key order.
	writes := []string{
		`INSERT INTO users (id, handle, email, password_hash) VALUES ('00000000-0000-0000-0000-000000000001', 'ann', 'ann@example.org', 'x')`,
		`INSERT INTO users (id, handle, email, password_hash) VALUES ('00000000-0000-0000-0000-000000000002', 'bob', 'bob@example.org', 'x')`,
		`INSERT INTO quotas (user_id) VALUES ('00000000-0000-0000-0000-000000000001')`,
		`INSERT INTO refresh_tokens (user_id, token_hash, expires_at) VALUES ('00000000-0000-0000-0000-000000000001', 'h', now())`,
		`INSERT INTO folders (id, user_id, name) VALUES ('00000000-0000-0000-0000-0000000000f1', '00000000-0000-0000-0000-000000000001', 'Taxes')`,
		`INSERT INTO documents (id, user_id, folder_id, filename, object_key, content_type) VALUES ('00000000-0000-0000-0000-0000000000d1', '00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000f1', 'a.pdf', 'k', 'application/pdf')`,
		`INSERT INTO topics (id, user_id, name) VALUES ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-000000000001', 'Finance')`,
		`INSERT INTO document_topics VALUES ('00000000-0000-0000-0000-0000000000d1', '00000000-0000-0000-0000-0000000000a1')`,
		`INSERT INTO shares (document_id, owner_id, recipient_id) VALUES ('00000000-0000-0000-0000-0000000000d1', '00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000002')`,
		`INSERT INTO audit_log (user_id, event_type, ip_address, metadata) VALUES ('00000000-0000-0000-0000-000000000001', 'upload', '127.0.0.1', '{"a":1}')`,
		`INSERT INTO cloud_connections (id, user_id, provider, display_name, credentials_enc) VALUES ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-000000000001', 'webdav', 'NAS', 'enc')`,
		`INSERT INTO cloud_items (connection_id, path, etag, size_bytes, document_id) VALUES ('00000000-0000-0000-0000-0000000000c1', 'a.pdf', 'e', 10, '00000000-0000-0000-0000-0000000000d1')`,
		`INSERT INTO groups (id, name) VALUES ('00000000-0000-0000-0000-0000000000b1', 'family')`,
		`INSERT INTO group_members (group_id, user_id) VALUES ('00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-000000000002')`,
		`INSERT INTO group_shares (document_id, owner_id, group_id) VALUES ('00000000-0000-0000-0000-0000000000d1', '00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000b1')`,
		`INSERT INTO saved_views (user_id, name, filter) VALUES ('00000000-0000-0000-0000-000000000001', 'Failed', '{"status":"failed"}')`,
		`INSERT INTO ingest_errors (user_id, source, location, path, reason) VALUES ('00000000-0000-0000-0000-000000000001', 'watch', '/srv/in', '/srv/in/a.pdf', 'permission denied')`,
		`INSERT INTO watch_kept (user_id, path, size_bytes, mtime, document_id) VALUES ('00000000-0000-0000-0000-000000000001', '/srv/in/b.pdf', 10, now(), '00000000-0000-0000-0000-0000000000d1')`,
		`INSERT INTO document_versions (document_id, number, object_key, size_bytes, sha256, content_type, filename) VALUES ('00000000-0000-0000-0000-0000000000d1', 1, 'k1', 1, '\x00', 'application/pdf', 'a.pdf')`,
		`INSERT INTO mail_accounts (id, user_id, name, host, port, security, login, password_enc) VALUES ('00000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-000000000001', 'Home', 'imap.example.org', 993, 'tls', 'ann', 'enc')`,
		`INSERT INTO mail_rules (account_id, position, folder, mode) VALUES ('00000000-0000-0000-0000-0000000000e1', 1, 'INBOX', 'attachments')`,
		`INSERT INTO mail_messages (account_id, folder, uid_validity, uid, outcome, document_id) VALUES ('00000000-0000-0000-0000-0000000000e1', 'INBOX', 1, 1, 'taken', '00000000-0000-0000-0000-0000000000d1')`,
	}
	for _, s := range writes {
		if _, err := app.Exec(s); err != nil {
			t.Errorf("app role: %s: %v", s[:40], err)
		}
	}
	for tbl := range wantColumns {
		var n int
		if err := app.QueryRow("SELECT count(*) FROM " + tbl).Scan(&n); err != nil || n == 0 {
			t.Errorf("app role: SELECT from %s: %d rows, %v", tbl, n, err)
		}
		if _, err := app.Exec("UPDATE " + tbl + " SET " + strings.Fields(wantColumns[tbl][0])[0] + " = " + strings.Fields(wantColumns[tbl][0])[0]); err != nil {
			t.Errorf("app role: UPDATE %s: %v", tbl, err)
		}
	}
	for _, tbl := range []string{"document_topics", "shares", "group_shares", "group_members", "cloud_items", "documents", "groups", "audit_log", "saved_views", "ingest_errors", "watch_kept", "document_versions", "mail_messages", "mail_rules", "mail_accounts"} {
		if _, err := app.Exec("DELETE FROM " + tbl); err != nil {
			t.Errorf("app role: DELETE FROM %s: %v", tbl, err)
		}
	}

	// DDL and TRUNCATE are refused.
	for _, s := range []string{
		"CREATE TABLE evil (id int)",
		"DROP TABLE users",
		"ALTER TABLE users ADD COLUMN evil int",
		"TRUNCATE users CASCADE",
		"CREATE INDEX evil ON users (email)",
		"INSERT INTO " + schema.Table + " (id, applied_at) VALUES ('9999_evil.sql', now())",
		"DELETE FROM " + schema.Table,
		"INSERT INTO search_index_parts (name, lower, upper) VALUES ('evil', '-infinity', now())",
		"DELETE FROM search_index_parts",
	} {
		_, err := app.Exec(s)
		if code := testenv.ErrCode(err); code != "42501" {
			t.Errorf("app role: %q: got %v (code %q), want permission denied (42501)", s, err, code)
		}
	}
	// The app may read the migrations table (health does).
	if err := schema.CheckCurrent(ctx(t), app, migrations.FS()); err != nil {
		t.Errorf("CheckCurrent as the app role: %v", err)
	}

	// Default privileges: a table a later migration creates is usable at once.
	later := withExtra(t, "9000_later.sql", "-- +migrate Up\nCREATE TABLE later (id serial PRIMARY KEY, v text);\n-- +migrate Down\nDROP TABLE later;\n")
	if _, err := schema.NewMigrator(mig, later).Up(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Exec("INSERT INTO later (v) VALUES ('x')"); err != nil {
		t.Errorf("app role on a table created after grant: %v", err)
	}
	if _, err := app.Exec("DROP TABLE later"); testenv.ErrCode(err) != "42501" {
		t.Errorf("app role dropped a later table: %v", err)
	}
}

func TestGrantUnknownRole(t *testing.T) {
	tdb := testenv.NewDatabase(t)
	mig := open(t, tdb.MigrateURL)
	var notFound *schema.ErrRoleNotFound
	if err := schema.Grant(ctx(t), mig, "no_such_role"); !errors.As(err, &notFound) {
		t.Errorf("unknown role: %v, want ErrRoleNotFound", err)
	}
	if err := schema.Grant(ctx(t), mig, `x"; DROP TABLE users; --`); err == nil || !strings.Contains(err.Error(), "not a valid role name") {
		t.Errorf("hostile role name: %v", err)
	}
}
