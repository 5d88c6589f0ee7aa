package accounts

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/docuvault/docuvault/pkg/users"
)

// ExportFormat names the shape of Export's answer; it changes when a
// field changes meaning.
const ExportFormat = "docuvault-account-export/1"

// Data is everything DocuVault keeps about one account, for the person
// it belongs to (GET /api/me/export, `docuvault user export`): the profile
// (no password hash), topics with their descriptions and rules, folders,
// saved views, documents' metadata (not their bytes nor extracted text),
// shares given and received, API tokens' and sessions' metadata (never a
// token or its hash), linked single sign-on identities, and audit events about the account or done by it.
// Each list is JSON as PostgreSQL gives the rows, so a column added later
// shows up without a change here (secrets are left out by name).
type Data struct {
	Format     string          `json:"format"`
	ExportedAt time.Time       `json:"exported_at"`
	Profile    users.User      `json:"profile"`
	Topics     json.RawMessage `json:"topics"`
	Folders    json.RawMessage `json:"folders"`
	Views      json.RawMessage `json:"saved_views"`
	Documents  json.RawMessage `json:"documents"`
	Shares     json.RawMessage `json:"shares"`
	APITokens  json.RawMessage `json:"api_tokens"`
	Sessions   json.RawMessage `json:"sessions"`
	// SSO are the single sign-on identities linked to the account.
	SSO   json.RawMessage `json:"sso_identities"`
	Audit json.RawMessage `json:"audit_events"`
}

// exportQueries are Export's lists: each a SELECT of one jsonb array,
// with $1 the account's id.
var exportQueries = []struct {
	name  string
	query string
}{
	{"topics", `SELECT COALESCE(jsonb_agg(to_jsonb(t) - 'user_id' ORDER BY t.name), '[]') FROM topics t WHERE t.user_id = $1`},
	{"folders", `SELECT COALESCE(jsonb_agg(to_jsonb(f) - 'user_id' ORDER BY f.created_at, f.id), '[]') FROM folders f WHERE f.user_id = $1`},
	{"saved_views", `SELECT COALESCE(jsonb_agg(to_jsonb(v) - 'user_id' ORDER BY v.position, v.id), '[]') FROM saved_views v WHERE v.user_id = $1`},
	{"documents", `SELECT COALESCE(jsonb_agg((to_jsonb(d) - 'user_id' - 'extracted_text' - 'search_vector' - 'pages' - 'sha256')
		|| jsonb_build_object('sha256', encode(d.sha256, 'hex'),
			'topic_ids', (SELECT COALESCE(jsonb_agg(dt.topic_id), '[]') FROM document_topics dt WHERE dt.document_id = d.id))
		ORDER BY d.created_at, d.id), '[]') FROM documents d WHERE d.user_id = $1`},
	{"shares", `SELECT COALESCE(jsonb_agg(to_jsonb(s) ORDER BY s.created_at, s.id), '[]') FROM shares s WHERE s.owner_id = $1 OR s.recipient_id = $1`},
	{"api_tokens", `SELECT COALESCE(jsonb_agg(to_jsonb(a) - 'user_id' - 'token_hash' ORDER BY a.created_at, a.id), '[]') FROM api_tokens a WHERE a.user_id = $1`},
	{"sessions", `SELECT COALESCE(jsonb_agg(to_jsonb(s) - 'user_id' ORDER BY s.created_at, s.id), '[]') FROM sessions s WHERE s.user_id = $1`},
	{"sso_identities", `SELECT COALESCE(jsonb_agg(to_jsonb(i) - 'user_id' ORDER BY i.provider), '[]') FROM oidc_identities i WHERE i.user_id = $1`},
	{"audit_events", `SELECT COALESCE(jsonb_agg(to_jsonb(e) ORDER BY e.id), '[]') FROM audit_log e WHERE e.user_id = $1 OR e.actor_id = $1`},
}

// Export reads everything about userID (users.ErrNotFound when there is no
// such account), in one read-only transaction so the lists agree.
func Export(ctx context.Context, db *sqlx.DB, userID string) (Data, error) {
	u, err := users.Get(ctx, db, userID)
	if err != nil {
		return Data{}, err
	}
	out := Data{Format: ExportFormat, ExportedAt: time.Now().UTC(), Profile: u}
	dest := map[string]*json.RawMessage{"topics": &out.Topics, "folders": &out.Folders, "saved_views": &out.Views,
		"documents": &out.Documents, "shares": &out.Shares, "api_tokens": &out.APITokens, "sessions": &out.Sessions, "sso_identities": &out.SSO, "audit_events": &out.Audit}
	tx, err := db.BeginTxx(ctx, &sqlTxOptions)
	if err != nil {
		return Data{}, fmt.Errorf("export: %w", err)
	}
	defer tx.Rollback()
	for _, q := range exportQueries {
		var b []byte
		if err := tx.GetContext(ctx, &b, q.query, userID); err != nil {
			return Data{}, fmt.Errorf("export %s: %w", q.name, err)
		}
		*dest[q.name] = json.RawMessage(b)
	}
	return out, nil
}

var sqlTxOptions = sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
