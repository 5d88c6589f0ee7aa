package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/dustin/go-humanize"
	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Types are the event types DocuVault records, in the order the Activity
// page offers them.
var Types = []string{Upload, Download, Update, Delete, Trash, Restore, Purge, TrashEmpty, Version, Share, Unshare, FolderShare, FolderUnshare, TopicChange, FolderChange,
	ViewChange, NoteChange, LinkChange, LinkOpen, Login, LoginFailed, Logout, TokenReuse, TokenChange, CloudChange, UserAdmin, GroupChange, SSO, SettingsChange, SecretsRotate, Transfer}

var labels = map[string]string{
	Login:          "Signed in",
	LoginFailed:    "Sign-in failed",
	Logout:         "Signed out",
	TokenReuse:     "Sessions ended",
	Upload:         "Document uploaded",
	Download:       "Document downloaded",
	Update:         "Document changed",
	Delete:         "Document deleted",
	Trash:          "Document moved to trash",
	Restore:        "Document restored",
	Purge:          "Document purged from trash",
	TrashEmpty:     "Trash emptied",
	Version:        "Document version changed",
	Share:          "Document shared",
	Unshare:        "Sharing stopped",
	TopicChange:    "Topic changed",
	FolderChange:   "Folder changed",
	ViewChange:     "Saved view changed",
	TokenChange:    "API token changed",
	SecretsRotate:  "Secrets re-sealed",
	Transfer:       "Vault exported or imported",
	CloudChange:    "Cloud connection changed",
	UserAdmin:      "Account changed",
	SettingsChange: "Settings changed",
	NoteChange:     "Note changed",
	LinkChange:     "Share link changed",
	LinkOpen:       "Share link opened",
	GroupChange:    "Group changed",
	SSO:            "Single sign-on",
	FolderShare:    "Folder shared",
	FolderUnshare:  "Folder sharing stopped",
}

// Label is event type t in words ("Document uploaded"); a type it does not
// know reads as its words ("some_event": "Some event").
func Label(t string) string {
	if l, ok := labels[t]; ok {
		return l
	}
	w := strings.ReplaceAll(t, "_", " ")
	if w == "" {
		return ""
	}
	return strings.ToUpper(w[:1]) + w[1:]
}

// IsType reports whether t is one of Types.
func IsType(t string) bool {
	_, ok := labels[t]
	return ok
}

// describeAll fills in the label, summary, document and origin of each
// entry, reading the names of the topics and folders their details name
// by id. docNames and canOpen are the documents' current filenames (nil:
// gone) and whether the viewer may open them, per entry.
func describeAll(ctx context.Context, db *sqlx.DB, es []Entry, docNames []*string, canOpen []bool) error {
	metas := make([]map[string]any, len(es))
	var topicIDs, folderIDs []string
	for i := range es {
		metas[i] = decodeMeta(es[i].Metadata)
		m := metas[i]
		if ids, ok := m["topic_ids"].([]any); ok {
			for _, id := range ids {
				if s, ok := id.(string); ok && isUUID(s) {
					topicIDs = append(topicIDs, s)
				}
			}
		}
		for _, k := range []string{"folder_id", "parent_id"} {
			if s, ok := m[k].(string); ok && isUUID(s) {
				folderIDs = append(folderIDs, s)
			}
		}
	}
	topicNames, err := names(ctx, db, "topics", topicIDs)
	if err != nil {
		return err
	}
	folderNames, err := names(ctx, db, "folders", folderIDs)
	if err != nil {
		return err
	}
	for i := range es {
		e := &es[i]
		e.Label = Label(e.EventType)
		e.Summary = summary(e.EventType, metas[i], topicNames, folderNames)
		e.From = from(e)
		if e.ResourceID != nil && isDocumentEvent(e.EventType) {
			name, _ := metas[i]["filename"].(string)
			if name == "" && docNames[i] != nil {
				name = *docNames[i]
			}
			if name == "" {
				name = "a document"
			}
			e.Document = &DocumentRef{ID: *e.ResourceID, Filename: name, CanOpen: canOpen[i] && e.EventType != Delete}
		}
	}
	return nil
}

func isDocumentEvent(t string) bool {
	for _, d := range documentEvents {
		if d == t {
			return true
		}
	}
	return false
}

func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil
}

// names reads the names of the rows of table (topics or folders) with ids.
func names(ctx context.Context, db *sqlx.DB, table string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT id::text, name FROM `+table+` WHERE id = ANY($1::uuid[])`, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("read the names of %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("read the names of %s: %w", table, err)
		}
		out[id] = name
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the names of %s: %w", table, err)
	}
	return out, nil
}

func decodeMeta(raw json.RawMessage) map[string]any {
	m := map[string]any{}
	if len(raw) == 0 {
		return m
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	_ = d.Decode(&m) // the column is jsonb: an object, or nothing to say
	return m
}

// from says where an event came from: the CLI, this machine, or an address.
func from(e *Entry) string {
	if e.Actor.Kind == "cli" && e.IP == nil {
		return "command line"
	}
	if e.IP == nil {
		return ""
	}
	if a, err := netip.ParseAddr(*e.IP); err == nil && a.IsLoopback() {
		return "this machine (" + *e.IP + ")"
	}
	return *e.IP
}

// summary is an event's details in words.
func summary(t string, m map[string]any, topicNames, folderNames map[string]string) string {
	str := func(k string) string { s, _ := m[k].(string); return s }
	b := func(k string) (bool, bool) { v, ok := m[k].(bool); return v, ok }
	size := func(k string) string {
		if n, ok := m[k].(json.Number); ok {
			if v, err := n.Int64(); err == nil && v >= 0 {
				return humanize.IBytes(uint64(v))
			}
		}
		return ""
	}
	var parts []string
	add := func(format string, args ...any) { parts = append(parts, fmt.Sprintf(format, args...)) }
	switch t {
	case Login:
		if str("method") == "sso" {
			add("With single sign-on (%s)", str("provider"))
		}
	case LoginFailed:
		switch str("reason") {
		case "invalid_credentials":
			add("Wrong handle or password")
		case "rate_limited":
			add("Too many attempts: refused for a while")
		case "account_disabled":
			add("The account is disabled")
		case "unavailable":
			add("Signing in was unavailable")
		case "sso":
			add("Single sign-on (%s) refused: %s", str("provider"), strings.ReplaceAll(str("detail"), "_", " "))
		}
		if known, ok := b("known_account"); ok && !known {
			add("no account has that handle")
		}
	case Logout:
		others, _ := b("others")
		switch all, _ := b("all"); {
		case all:
			add("Signed out everywhere")
		case others:
			add("Signed out every other session")
		case str("session") != "":
			if cur, _ := b("current"); cur {
				add("Signed out of this session")
			} else {
				add("Signed out another session")
			}
		default:
			add("Signed out of this session")
		}
	case TokenReuse:
		add("A used sign-in token came back: every session was ended")
	case Upload:
		if s := size("size_bytes"); s != "" {
			add("%s", s)
		}
	case Download:
		if str("variant") == "searchable" {
			add("the searchable PDF")
		}
		if s := size("bytes"); s != "" {
			add("%s sent", s)
		}
	case Update:
		if str("action") == "reclassify" {
			add("Sent to be classified again")
		}
		if nf := str("filename"); nf != "" {
			if old := str("old_filename"); old != "" && old != nf {
				add("Renamed from %s to %s", quote(old), quote(nf))
			} else {
				add("Renamed to %s", quote(nf))
			}
		}
		if v, ok := m["folder_id"]; ok {
			if id, _ := v.(string); id != "" {
				add("Moved to folder %s", nameOr(folderNames, id, "a folder since deleted"))
			} else {
				add("Taken out of its folder")
			}
		}
		if v, ok := m["topic_ids"]; ok {
			ids, _ := v.([]any)
			var ns []string
			for _, id := range ids {
				s, _ := id.(string)
				ns = append(ns, nameOr(topicNames, s, "a topic since deleted"))
			}
			// A bulk edit (pkg/bulk) adds or removes some topics, or sets them.
			switch {
			case str("action") == "add_topics":
				add("Topics added: %s", strings.Join(ns, ", "))
			case str("action") == "remove_topics":
				add("Topics removed: %s", strings.Join(ns, ", "))
			case len(ids) == 0:
				add("Topics cleared")
			default:
				add("Topics set to %s", strings.Join(ns, ", "))
			}
		}
	case Delete:
		if s := size("size_bytes"); s != "" {
			add("%s freed", s)
		}
	case Trash:
		add("Restorable from the trash until it is purged")
	case Restore:
		if v := m["version"]; v != nil {
			add("Version %v made current again", v)
		} else if str("reason") == "uploaded again" {
			add("Its content was uploaded again")
		}
	case Purge:
		if s := size("size_bytes"); s != "" {
			add("%s freed", s)
		}
	case TrashEmpty:
		if n := m["documents"]; n != nil {
			add("%v documents deleted for good", n)
		}
		if s := size("bytes_freed"); s != "" {
			add("%s freed", s)
		}
	case Version:
		if str("action") == "delete" {
			add("Version %v deleted", m["version"])
		} else {
			add("New version uploaded")
		}
	case Share:
		perm := "can view"
		if str("permission") == "edit" {
			perm = "can edit"
		}
		if r := str("recipient"); r != "" {
			add("With %s (%s)", r, perm)
		}
		if g := str("group"); g != "" {
			add("With group %s (%s)", quote(g), perm)
		}
	case Unshare:
		if r := str("recipient"); r != "" {
			add("No longer shared with %s", r)
		}
		if g := str("group"); g != "" {
			add("No longer shared with group %s", quote(g))
		}
	case SSO:
		switch p := str("provider"); str("action") {
		case "signup":
			add("Account %s made at the first sign-in with %s", str("handle"), p)
		case "link":
			add("Identity at %s linked by its verified e-mail address", p)
		case "unlink":
			add("Identity at %s of %s unlinked", p, str("handle"))
		case "role":
			add("Role set to %s by the groups at %s", str("role"), p)
		case "groups":
			if a := strList(m["added"]); a != "" {
				add("Joined %s (groups at %s)", a, p)
			}
			if r := strList(m["removed"]); r != "" {
				add("Left %s (groups at %s)", r, p)
			}
		}
	case FolderShare:
		perm := "can view"
		if str("permission") == "edit" {
			perm = "can edit"
		}
		if r := str("recipient"); r != "" {
			add("Folder %s with %s (%s)", quote(str("folder")), r, perm)
		}
		if g := str("group"); g != "" {
			add("Folder %s with group %s (%s)", quote(str("folder")), quote(g), perm)
		}
	case FolderUnshare:
		if r := str("recipient"); r != "" {
			add("Folder %s no longer shared with %s", quote(str("folder")), r)
		}
		if g := str("group"); g != "" {
			add("Folder %s no longer shared with group %s", quote(str("folder")), quote(g))
		}
	case GroupChange:
		switch str("action") {
		case "create":
			add("Group %s created", quote(str("group")))
		case "rename":
			add("Group %s renamed to %s", quote(str("old_name")), quote(str("group")))
		case "delete":
			add("Group %s deleted", quote(str("group")))
		default:
			add("Members of group %s changed", quote(str("group")))
		}
	case NoteChange:
		switch str("action") {
		case "create":
			add("Note added")
		case "delete":
			add("Note deleted")
		default:
			add("Note edited")
		}
		if n, ok := m["length"].(json.Number); ok {
			add("%s characters", n)
		}
	case LinkChange:
		if str("action") == "revoke" {
			add("Share link revoked")
		} else {
			add("Share link created")
		}
	case LinkOpen:
		add("Opened through a share link")
	case TokenChange:
		if str("action") == "revoke" {
			add("Revoked API token %s", quote(str("name")))
		} else {
			add("Created API token %s", quote(str("name")))
		}
	case CloudChange:
		if str("action") == "delete" {
			add("Removed cloud connection %s", quote(str("name")))
		} else {
			add("Added cloud connection %s", quote(str("name")))
		}
		if p := str("provider"); p != "" {
			add("%s", p)
		}
	case TopicChange, FolderChange, ViewChange:
		what := "topic"
		switch t {
		case FolderChange:
			what = "folder"
		case ViewChange:
			what = "saved view"
		}
		name := str("name")
		switch str("action") {
		case "create":
			add("Created %s %s", what, quote(name))
		case "delete":
			add("Deleted %s %s", what, quote(name))
		default:
			if old := str("old_name"); old != "" && old != name {
				add("Renamed %s %s to %s", what, quote(old), quote(name))
			} else {
				add("Changed %s %s", what, quote(name))
			}
		}
		if auto, ok := b("auto_assign"); ok {
			if auto {
				add("assigned automatically")
			} else {
				add("never assigned automatically")
			}
		}
		if v, ok := m["parent_id"]; ok {
			if id, _ := v.(string); id != "" {
				add("moved into %s", nameOr(folderNames, id, "a folder since deleted"))
			} else {
				add("moved to the top level")
			}
		}
	case UserAdmin:
		h := str("handle")
		switch str("action") {
		case "set_password":
			add("Set the password of %s", h)
		case "change_password":
			add("Changed their password")
		case "reset_link":
			if sent, _ := b("sent"); sent {
				add("Sent a password reset link to %s by e-mail", h)
			} else {
				add("Made a password reset link for %s", h)
			}
		case "forgot_password":
			add("Asked for a password reset link by e-mail (%s)", str("outcome"))
		case "reset_password":
			add("Set a new password with a reset link")
		case "totp_recovery_regenerate":
			add("Made new two-factor recovery codes")
		case "delete":
			add("Deleted account %s", h)
		case "export":
			add("Downloaded the account's data")
		}
		if str("action") == "create" {
			role := "a user"
			if str("role") == "admin" {
				role = "an administrator"
			}
			add("Created account %s (%s)", h, role)
		}
		if active, ok := b("is_active"); ok {
			if active {
				add("Enabled %s", h)
			} else {
				add("Disabled %s", h)
			}
		}
		if str("action") != "create" {
			switch str("role") {
			case "admin":
				add("Made %s an administrator", h)
			case "user":
				add("Made %s a user", h)
			}
		}
		if s := size("quota_bytes"); s != "" {
			add("Quota of %s set to %s", h, s)
		}
		if len(parts) == 0 && h != "" {
			add("Changed account %s", h)
		}
	case SettingsChange:
		if p := str("ai_provider"); p != "" {
			add("AI provider %s", p)
		}
		if mo := str("ai_model"); mo != "" {
			add("model %s", mo)
		}
	default:
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			add("%s %v", strings.ReplaceAll(k, "_", " "), m[k])
		}
	}
	if len(parts) == 0 {
		return ""
	}
	if bulk, _ := b("bulk"); bulk {
		if n, ok := m["documents"].(json.Number); ok {
			add("in a bulk edit of %s documents", n)
		} else {
			add("in a bulk edit")
		}
	}
	s := strings.Join(parts, "; ")
	return strings.ToUpper(s[:1]) + s[1:]
}

func nameOr(names map[string]string, id, gone string) string {
	if n, ok := names[id]; ok {
		return quote(n)
	}
	return gone
}

// quote puts a name in quotation marks.
func quote(s string) string { return "“" + s + "”" }

// strList is a JSON list of strings as quoted names, "" when empty.
func strList(v any) string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, quote(s))
		}
	}
	return strings.Join(out, ", ")
}
