package schema_test

import (
	"context"
	"database/sql"
	"errors"

	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	_ "github.com/lib/pq"

	"github.com/docuvault/docuvault/migrations"
	"github.com/docuvault/docuvault/pkg/schema"
	"github.com/docuvault/docuvault/tests/testenv"
)

func open(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// The seed's v1 schema: table → "column type nullability" in column order.
var wantColumns = map[string][]string{
	"users": {"id uuid NO", "handle character varying NO", "email character varying NO", "password_hash text NO",
		"totp_secret text YES", "totp_enabled boolean NO", "role character varying NO", "is_active boolean NO",
		"ai_provider text YES", "ai_model text YES", "default_storage_backend character varying NO", "created_at timestamp with time zone NO"},
	"quotas":         {"user_id uuid NO", "limit_bytes bigint NO", "used_bytes bigint NO"},
	"refresh_tokens": {"id uuid NO", "user_id uuid NO", "token_hash text NO", "expires_at timestamp with time zone NO", "revoked boolean NO", "created_at timestamp with time zone NO"},
	"folders":        {"id uuid NO", "user_id uuid NO", "parent_id uuid YES", "name text NO", "created_at timestamp with time zone NO"},
	"documents": {"id uuid NO", "user_id uuid YES", "folder_id uuid YES", "filename text NO", "object_key text NO", "content_type text NO",
		"size_bytes bigint NO", "storage_backend character varying NO", "extracted_text text YES", "status character varying NO",
		"created_at timestamp with time zone NO", "updated_at timestamp with time zone NO"},
	"topics":            {"id uuid NO", "user_id uuid YES", "name text NO", "description text NO", "color character varying NO"},
	"document_topics":   {"document_id uuid NO", "topic_id uuid NO"},
	"shares":            {"id uuid NO", "document_id uuid NO", "owner_id uuid NO", "recipient_id uuid NO", "permission character varying NO", "created_at timestamp with time zone NO"},
	"audit_log":         {"id integer NO", "user_id uuid YES", "actor_id uuid YES", "event_type text NO", "resource_id uuid YES", "ip_address inet YES", "metadata jsonb YES", "created_at timestamp with time zone NO"},
	"cloud_connections": {"id uuid NO", "user_id uuid NO", "provider character varying NO", "display_name text NO", "credentials_enc text NO", "status character varying NO", "connected_at timestamp with time zone NO"},
	"groups":            {"id uuid NO", "name text NO", "created_at timestamp with time zone NO"},
	"saved_views":       {"id uuid NO", "user_id uuid NO", "name text NO", "filter jsonb NO", "position integer NO", "created_at timestamp with time zone NO"},
	"ingest_errors": {"id uuid NO", "user_id uuid NO", "source text NO", "location text NO", "path text NO", "reason text NO",
		"attempts integer NO", "first_at timestamp with time zone NO", "last_at timestamp with time zone NO"},
	"cloud_items": {"connection_id uuid NO", "path text NO", "etag text NO", "size_bytes bigint NO", "mtime timestamp with time zone YES", "document_id uuid YES", "taken_at timestamp with time zone NO"},
	"watch_kept":  {"user_id uuid NO", "path text NO", "size_bytes bigint NO", "mtime timestamp with time zone NO", "document_id uuid YES", "taken_at timestamp with time zone NO"},
	"document_versions": {"id uuid NO", "document_id uuid NO", "number integer NO", "object_key text NO", "size_bytes bigint NO",
		"sha256 bytea NO", "content_type text NO", "filename text NO", "created_at timestamp with time zone NO", "created_by uuid YES"},
	"mail_accounts": {"id uuid NO", "user_id uuid NO", "name text NO", "host text NO", "port integer NO", "security text NO", "login text NO",
		"password_enc text NO", "status text NO", "last_error text NO", "failures integer NO", "last_poll_at timestamp with time zone YES",
		"next_poll_at timestamp with time zone NO", "created_at timestamp with time zone NO"},
	"mail_rules": {"id uuid NO", "account_id uuid NO", "position integer NO", "folder text NO", "from_filter text NO", "subject_filter text NO",
		"body_filter text NO", "mode text NO", "types ARRAY NO", "topic_ids ARRAY NO", "after text NO", "move_folder text NO", "created_at timestamp with time zone NO"},
	"mail_messages": {"account_id uuid NO", "folder text NO", "uid_validity bigint NO", "uid bigint NO", "outcome text NO", "document_id uuid YES", "at timestamp with time zone NO"},
	"group_members": {"group_id uuid NO", "user_id uuid NO", "created_at timestamp with time zone NO"},
	"group_shares": {"id uuid NO", "document_id uuid NO", "owner_id uuid NO", "group_id uuid NO", "permission character varying NO",
		"created_at timestamp with time zone NO"},
}

// The seed's foreign keys: "table.column -> table ON DELETE action".
var wantForeignKeys = []string{
	"api_tokens.user_id -> users CASCADE",
	"audit_log.actor_id -> users SET NULL", "audit_log.user_id -> users SET NULL",
	"cloud_connections.user_id -> users CASCADE",
	"document_objects.document_id -> documents CASCADE",
	"document_versions.created_by -> users SET NULL", "document_versions.document_id -> documents CASCADE",
	"document_terms.document_id -> documents CASCADE", "document_terms.user_id -> users CASCADE",
	"document_topics.document_id -> documents CASCADE", "document_topics.topic_id -> topics CASCADE",
	"documents.folder_id -> folders SET NULL", "documents.user_id -> users CASCADE",
	"folder_shares.folder_id -> folders CASCADE", "folder_shares.group_id -> groups CASCADE",
	"folder_shares.owner_id -> users CASCADE", "folder_shares.recipient_id -> users CASCADE",
	"folders.parent_id -> folders CASCADE", "folders.user_id -> users CASCADE",
	"group_members.group_id -> groups CASCADE", "group_members.user_id -> users CASCADE",
	"group_shares.document_id -> documents CASCADE", "group_shares.group_id -> groups CASCADE", "group_shares.owner_id -> users CASCADE",
	"password_resets.created_by -> users SET NULL", "password_resets.user_id -> users CASCADE",
	"quotas.user_id -> users CASCADE", "refresh_tokens.session_id -> sessions CASCADE", "refresh_tokens.user_id -> users CASCADE",
	"sessions.user_id -> users CASCADE",
	"saved_views.user_id -> users CASCADE",
	"ingest_errors.user_id -> users CASCADE",
	"notes.author_id -> users SET NULL", "notes.document_id -> documents CASCADE",
	"share_links.document_id -> documents CASCADE", "share_links.folder_id -> folders CASCADE", "share_links.owner_id -> users CASCADE",
	"watch_kept.document_id -> documents SET NULL", "watch_kept.user_id -> users CASCADE",
	"cloud_items.connection_id -> cloud_connections CASCADE", "cloud_items.document_id -> documents SET NULL",
	"mail_accounts.user_id -> users CASCADE", "mail_rules.account_id -> mail_accounts CASCADE",
	"mail_messages.account_id -> mail_accounts CASCADE", "mail_messages.document_id -> documents SET NULL",
	"shares.document_id -> documents CASCADE", "shares.owner_id -> users CASCADE", "shares.recipient_id -> users CASCADE",
	"topics.user_id -> users CASCADE",
	"totp_factors.user_id -> users CASCADE", "totp_recovery_codes.user_id -> users CASCADE", "totp_challenges.user_id -> users CASCADE",
	"oidc_identities.user_id -> users CASCADE",
}

var wantIndexes = []string{
	"ix_audit_event_created", "ix_audit_user_created", "ix_cloud_connections_user", "ix_documents_user_created",
	"ix_documents_user_folder", "ix_refresh_tokens_user_revoked", "ix_shares_recipient",
	"ix_documents_user_document_date", "ix_document_terms_user_term",
	"ix_saved_views_user_position", "saved_views_user_lower_name_key",
	"ix_ingest_errors_user_last", "ingest_errors_user_source_path_key", "cloud_connections_user_name_key",
	"ix_notes_document_created", "ix_documents_notes_search", "share_links_token_hash_key", "ix_share_links_owner_created",
	"ix_documents_trashed", "document_versions_document_id_number_key", "document_versions_object_key_key",
	"mail_accounts_user_lower_name_key", "ix_mail_accounts_next_poll", "ix_mail_rules_account",
	"folders_user_id_parent_id_name_key", "groups_name_key", "refresh_tokens_token_hash_key",
	"groups_lower_name_key", "ix_group_members_user", "group_shares_document_id_group_id_key", "ix_group_shares_group", "ix_group_shares_owner_created",
	"shares_document_id_recipient_id_key", "topics_user_id_name_key", "users_email_key", "users_handle_key",
}

func columns(t *testing.T, db *sql.DB) map[string][]string {
	t.Helper()
	rows, err := db.QueryContext(ctx(t), `SELECT table_name, column_name, data_type, is_nullable
		FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> $1
		ORDER BY table_name, ordinal_position`, schema.Table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string][]string{}
	for rows.Next() {
		var tbl, col, typ, null string
		if err := rows.Scan(&tbl, &col, &typ, &null); err != nil {
			t.Fatal(err)
		}
		got[tbl] = append(got[tbl], col+" "+typ+" "+null)
	}
	return got
}

func strs(t *testing.T, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(ctx(t), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func TestUpCreatesTheSeedSchema(t *testing.T) {
	tdb := testenv.NewDatabase(t)
	db := open(t, tdb.MigrateURL)
	m := schema.NewMigrator(db, migrations.FS())

	n, err := m.Up(ctx(t))
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	if n < 1 {
		t.Fatalf("Up applied %d migrations on an empty database", n)
	}
	got := columns(t, db)
	// The seed's eleven, document_objects (migration 0012),
	// document_terms (0015), saved_views (0023), api_tokens (0024),
	// ingest_errors and watch_kept (0026), mail_accounts, mail_rules and mail_messages (0027),
	// cloud_items (0028), document_versions (0029), notes (0030), share_links (0031),
	// sessions and password_resets (0032), group_members and group_shares (0033),
	// totp_factors, totp_recovery_codes, totp_challenges and totp_policy (0035),
	// oidc_identities (0036), folder_shares (0037).
	if len(got) != 37 {
		t.Errorf("got %d tables, want 37: %v", len(got), keys(got))
	}
	for tbl, want := range wantColumns {
		// Later migrations may add columns; the seed's come first, in order.
		if len(got[tbl]) < len(want) || strings.Join(got[tbl][:len(want)], ",") != strings.Join(want, ",") {
			t.Errorf("table %s:\n got  %v\n want %v", tbl, got[tbl], want)
		}
	}
	fks := strs(t, db, `SELECT tc.table_name || '.' || kcu.column_name || ' -> ' || ccu.table_name || ' ' || rc.delete_rule
		FROM information_schema.table_constraints tc
		JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name
		JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name
		JOIN information_schema.referential_constraints rc ON rc.constraint_name = tc.constraint_name
		WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = 'public'`)
	if strings.Join(fks, "\n") != strings.Join(sorted(wantForeignKeys), "\n") {
		t.Errorf("foreign keys:\n got  %v\n want %v", fks, sorted(wantForeignKeys))
	}
	idx := strs(t, db, `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' AND tablename <> $1`, schema.Table)
	for _, want := range wantIndexes {
		if !contains(idx, want) {
			t.Errorf("index %s missing; have %v", want, idx)
		}
	}
	var quotaDefault, colorDefault string
	if err := db.QueryRowContext(ctx(t), `SELECT column_default FROM information_schema.columns WHERE table_name='quotas' AND column_name='limit_bytes'`).Scan(&quotaDefault); err != nil {
		t.Fatal(err)
	}
	if quotaDefault != "104857600" {
		t.Errorf("quotas.limit_bytes default %q, want 104857600 (100 MB)", quotaDefault)
	}
	if err := db.QueryRowContext(ctx(t), `SELECT column_default FROM information_schema.columns WHERE table_name='topics' AND column_name='color'`).Scan(&colorDefault); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(colorDefault, "#6366f1") {
		t.Errorf("topics.color default %q", colorDefault)
	}
	if err := schema.CheckCurrent(ctx(t), db, migrations.FS()); err != nil {
		t.Errorf("CheckCurrent after Up: %v", err)
	}
	if n, err := m.Up(ctx(t)); err != nil || n != 0 {
		t.Errorf("second Up: applied %d, err %v; want 0, nil", n, err)
	}
}

func TestDownRemovesEverythingAndUpWorksAgain(t *testing.T) {
	tdb := testenv.NewDatabase(t)
	db := open(t, tdb.MigrateURL)
	m := schema.NewMigrator(db, migrations.FS())
	all, err := schema.Embedded(migrations.FS())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx(t)); err != nil {
		t.Fatal(err)
	}
	n, err := m.Down(ctx(t), len(all))
	if err != nil || n != len(all) {
		t.Fatalf("Down(%d) = %d, %v", len(all), n, err)
	}
	if got := columns(t, db); len(got) != 0 {
		t.Fatalf("after down, tables remain: %v", keys(got))
	}
	if err := schema.CheckCurrent(ctx(t), db, migrations.FS()); err == nil || !strings.Contains(err.Error(), "pending") {
		t.Errorf("CheckCurrent after down: %v, want pending", err)
	}
	if _, err := m.Up(ctx(t)); err != nil {
		t.Fatalf("Up after Down: %v", err)
	}
	if got := columns(t, db); len(got) != 37 {
		t.Fatalf("after up again: %d tables", len(got))
	}
	id, err := m.Redo(ctx(t))
	if err != nil || id != all[len(all)-1] {
		t.Fatalf("Redo = %q, %v; want %q", id, err, all[len(all)-1])
	}
	st, err := m.Status(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.AppliedAt == nil {
			t.Errorf("after redo, %s is pending", s.ID)
		}
	}
	if _, err := m.Down(ctx(t), 0); err == nil {
		t.Error("Down(0) succeeded")
	}
}

func TestConcurrentUpAppliesOnce(t *testing.T) {
	tdb := testenv.NewDatabase(t)
	all, _ := schema.Embedded(migrations.FS())
	var wg sync.WaitGroup
	applied := make([]int, 4)
	errs := make([]error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A pool of its own per runner, as four processes would have.
			db, err := sql.Open("postgres", tdb.MigrateURL)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			applied[i], errs[i] = schema.NewMigrator(db, migrations.FS()).Up(context.Background())
		}()
	}
	wg.Wait()
	total := 0
	for i := range 4 {
		if errs[i] != nil {
			t.Errorf("runner %d: %v", i, errs[i])
		}
		total += applied[i]
	}
	if total != len(all) {
		t.Errorf("the four runners applied %d migrations in all, want %d", total, len(all))
	}
	db := open(t, tdb.MigrateURL)
	var rows int
	if err := db.QueryRow("SELECT count(*) FROM " + schema.Table).Scan(&rows); err != nil || rows != len(all) {
		t.Errorf("%s has %d rows (%v), want %d", schema.Table, rows, err, len(all))
	}
}

func TestCheckCurrent(t *testing.T) {
	tdb := testenv.NewDatabase(t)
	db := open(t, tdb.MigrateURL)
	if err := schema.CheckCurrent(ctx(t), db, migrations.FS()); !errors.Is(err, schema.ErrNotMigrated) {
		t.Fatalf("fresh database: %v, want ErrNotMigrated", err)
	}
	// A binary with one migration more than the database has: pending.
	plus := withExtra(t, "9999_extra.sql", "-- +migrate Up\nCREATE TABLE extra (id int);\n-- +migrate Down\nDROP TABLE extra;\n")
	if _, err := schema.NewMigrator(db, migrations.FS()).Up(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if err := schema.CheckCurrent(ctx(t), db, plus); err == nil || !strings.Contains(err.Error(), "9999_extra.sql") {
		t.Errorf("binary ahead: %v", err)
	}
	// A database with a migration the binary lacks: the binary is too old.
	if _, err := schema.NewMigrator(db, plus).Up(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if err := schema.CheckCurrent(ctx(t), db, migrations.FS()); err == nil || !strings.Contains(err.Error(), "does not know") {
		t.Errorf("database ahead: %v", err)
	}
}

// withExtra returns the embedded migrations plus one more file.
func withExtra(t *testing.T, name, body string) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	ids, err := schema.Embedded(migrations.FS())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		b, err := fsReadFile(id)
		if err != nil {
			t.Fatal(err)
		}
		fsys[id] = &fstest.MapFile{Data: b}
	}
	fsys[name] = &fstest.MapFile{Data: []byte(body)}
	return fsys
}

func keys(m map[string][]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func sorted(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
