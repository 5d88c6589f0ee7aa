// Package bulk applies one action to many of a user's documents at once
// (issue 23, item 4): add, remove or set topics, move to a folder, share,
// reclassify, trash. The documents are named by id (at most MaxDocuments)
// or by a filter, the one the documents list and search take; the action
// is applied in one transaction with set-based statements (arrays, not a
// statement per document), all or nothing, and audited once per document
// changed in that same transaction.
package bulk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/folders"
	"github.com/docuvault/docuvault/pkg/search"
	"github.com/docuvault/docuvault/pkg/shares"
	"github.com/docuvault/docuvault/pkg/trash"
	"github.com/docuvault/docuvault/pkg/usertext"
)

// MaxDocuments is the most documents one request may change: more ids,
// or a filter matching more, is refused (ErrTooMany) rather than applied
// to a part.
const MaxDocuments = 1000

// Sentinel errors. Every error for a caller's mistake is an *Error that
// unwraps to one of them.
var (
	// ErrInvalid: the request cannot be applied as written (no action, an
	// unknown topic, folder or recipient, a bad filter).
	ErrInvalid = errors.New("invalid bulk request")
	// ErrTooMany: more than MaxDocuments ids, or a filter matching more.
	// It unwraps to ErrInvalid as well.
	ErrTooMany = fmt.Errorf("%w: too many documents", ErrInvalid)
	// ErrNotFound: a document named is absent, not the user's, or not a
	// document id; the cases are never told apart. Nothing was changed.
	ErrNotFound = errors.New("document not found")
)

// Error is a caller's mistake: Err is one of the sentinels (errors.Is
// works), Field names the input at fault, and the message says what to fix.
type Error struct {
	Err   error
	Field string
	Msg   string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

func invalid(field, format string, args ...any) error {
	return &Error{Err: ErrInvalid, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Actions.
const (
	AddTopics    = "add_topics"
	RemoveTopics = "remove_topics"
	SetTopics    = "set_topics"
	Move         = "move"
	Share        = "share"
	Reclassify   = "reclassify"
	Trash        = "trash"
)

// Actions lists every action, in the order help texts show them.
var Actions = []string{AddTopics, RemoveTopics, SetTopics, Move, Share, Reclassify, Trash}

// FilterKeys are the filter's fields: the documents list's query
// parameters (GET /api/documents) that narrow which documents it shows.
// "q" is a full-text search, as in the list.
var FilterKeys = []string{"q", "status", "topic", "folder", "content_type", "created_after", "created_before", "date_from", "date_to", "unfiled"}

// Request is one bulk edit: the documents (IDs or Filter, exactly one) and
// the action with its argument.
type Request struct {
	// IDs are document ids, 1 to MaxDocuments; duplicates count once.
	IDs []string `json:"ids,omitempty"`
	// Filter selects the user's own documents as the documents list does
	// with the same parameters (FilterKeys; values are strings, unfiled
	// may be a boolean). It must match at most MaxDocuments.
	Filter map[string]any `json:"filter,omitempty"`
	// Action is one of Actions.
	Action string `json:"action"`
	// Topics are the owner's topics, by id or name, for add_topics,
	// remove_topics and set_topics (an empty set_topics clears them).
	Topics []string `json:"topics,omitempty"`
	// Folder is the owner's folder, by id or path ("Taxes/2024"), for
	// move; "" or "/" is the top level.
	Folder *string `json:"folder,omitempty"`
	// Recipient (a user's handle) and Permission (view or edit, default
	// view) are for share.
	Recipient  string `json:"recipient,omitempty"`
	Permission string `json:"permission,omitempty"`
	// DryRun answers what would be matched and changed, changing nothing.
	DryRun bool `json:"dry_run,omitempty"`
}

// Result is what a bulk edit did: Matched documents were named or
// matched, Changed of them were changed (a document that already had the
// topic, was in the folder, ... is matched but not changed).
type Result struct {
	Action  string `json:"action"`
	Matched int    `json:"matched"`
	Changed int    `json:"changed"`
	DryRun  bool   `json:"dry_run"`
	// Queued is how many reclassified documents were queued for the
	// worker (the others are queued by its sweeper); reclassify only.
	Queued *int `json:"queued,omitempty"`
}

// Enqueuer queues a document for extraction and classification.
type Enqueuer interface {
	EnqueueExtract(ctx context.Context, documentID string) error
}

// Service applies bulk edits.
type Service struct {
	DB *sqlx.DB
	// Jobs queues reclassified documents; nil leaves them to the worker's
	// sweeper, which queues pending documents.
	Jobs Enqueuer
	Log  *slog.Logger
}

// Apply applies req to owner's documents. who carries the audit events'
// actor (ActorID, ActorLabel, IP); Apply sets the rest. Errors for the
// caller's mistakes are *Error (ErrInvalid, ErrTooMany, ErrNotFound);
// nothing is changed when Apply returns an error.
func (s *Service) Apply(ctx context.Context, owner string, req Request, who audit.Event) (Result, error) {
	if !slices.Contains(Actions, req.Action) {
		if req.Action == "" {
			return Result{}, invalid("action", "no action: give one of %s", strings.Join(Actions, ", "))
		}
		return Result{}, invalid("action", "unknown action %q: use one of %s", req.Action, strings.Join(Actions, ", "))
	}
	if err := checkArgs(req); err != nil {
		return Result{}, err
	}
	ids, err := s.resolve(ctx, owner, req)
	if err != nil {
		return Result{}, err
	}
	res := Result{Action: req.Action, Matched: len(ids), DryRun: req.DryRun}
	var changed []string
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return Result{}, fmt.Errorf("bulk %s: %w", req.Action, err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := lockOwned(ctx, tx, owner, ids); err != nil {
		return Result{}, err
	}
	meta := map[string]any{"bulk": true, "action": req.Action, "documents": len(ids)}
	typ := audit.Update
	switch req.Action {
	case AddTopics, RemoveTopics, SetTopics:
		topicIDs, err := topicIDs(ctx, tx, owner, req.Topics)
		if err != nil {
			return Result{}, err
		}
		meta["topic_ids"] = topicIDs
		changed, err = changeTopics(ctx, tx, req.Action, ids, topicIDs)
		if err != nil {
			return Result{}, err
		}
	case Move:
		folderID, err := folderID(ctx, tx, owner, *req.Folder)
		if err != nil {
			return Result{}, err
		}
		meta["folder_id"] = folderID
		if err := tx.SelectContext(ctx, &changed, `UPDATE documents SET folder_id = $2, updated_at = now()
			WHERE id = ANY($1::uuid[]) AND folder_id IS DISTINCT FROM $2::uuid RETURNING id`, pq.Array(ids), folderID); err != nil {
			return Result{}, fmt.Errorf("bulk move: %w", err)
		}
	case Share:
		typ = audit.Share
		recipient, err := recipientID(ctx, tx, owner, req.Recipient)
		if err != nil {
			return Result{}, err
		}
		perm := permission(req)
		meta["recipient"], meta["permission"] = strings.TrimSpace(req.Recipient), perm
		// An existing share of the document with the recipient gets the
		// permission asked for.
		if err := tx.SelectContext(ctx, &changed, `INSERT INTO shares (document_id, owner_id, recipient_id, permission)
			SELECT d, $2, $3, $4 FROM unnest($1::uuid[]) AS d
			ON CONFLICT (document_id, recipient_id) DO UPDATE SET permission = EXCLUDED.permission
			WHERE shares.permission <> EXCLUDED.permission
			RETURNING document_id`, pq.Array(ids), owner, recipient, perm); err != nil {
			return Result{}, fmt.Errorf("bulk share: %w", err)
		}
	case Trash:
		// As DELETE /api/documents/{id}: to the owner's trash (trash.Move),
		// in this transaction like the other actions.
		typ = audit.Trash
		items, err := trash.Move(ctx, tx, owner, ids)
		if err != nil {
			return Result{}, fmt.Errorf("bulk trash: %w", err)
		}
		for _, it := range items {
			changed = append(changed, it.ID)
		}
	case Reclassify:
		// As POST /api/documents/{id}/reclassify (catalog.MarkPending) for
		// each: back to pending for the worker's extract_and_classify. A
		// document being processed now is left as it is (it is being
		// classified already): matched, not changed.
		if err := tx.SelectContext(ctx, &changed, `UPDATE documents SET status = 'pending', failure_reason = NULL, updated_at = now()
			WHERE id = ANY($1::uuid[]) AND status <> 'processing' RETURNING id`, pq.Array(ids)); err != nil {
			return Result{}, fmt.Errorf("bulk reclassify: %w", err)
		}
	}
	res.Changed = len(changed)
	if req.DryRun {
		return res, nil // rolled back
	}
	if err := recordAll(ctx, tx, who, owner, typ, meta, changed); err != nil {
		return Result{}, err
	}
	if err := tx.Commit(); err != nil {
		return Result{}, fmt.Errorf("bulk %s: %w", req.Action, err)
	}
	if req.Action == Reclassify {
		res.Queued = new(int)
		*res.Queued = s.enqueue(ctx, changed)
	}
	return res, nil
}

// checkArgs checks that req has what its action needs, and nothing of
// another action's.
func checkArgs(req Request) error {
	topicAction := req.Action == AddTopics || req.Action == RemoveTopics || req.Action == SetTopics
	switch {
	case topicAction && len(req.Topics) == 0 && req.Action != SetTopics:
		return invalid("topics", "%s needs topics: give topic names or ids", req.Action)
	case !topicAction && len(req.Topics) > 0:
		return invalid("topics", "topics are for add_topics, remove_topics and set_topics, not %s", req.Action)
	case req.Action == Move && req.Folder == nil:
		return invalid("folder", "move needs a folder: its path or id (\"\" for the top level)")
	case req.Action != Move && req.Folder != nil:
		return invalid("folder", "folder is for move, not %s", req.Action)
	case req.Action == Share && strings.TrimSpace(req.Recipient) == "":
		return invalid("recipient", "share needs a recipient: the handle of the person to share with")
	case req.Action != Share && (req.Recipient != "" || req.Permission != ""):
		return invalid("recipient", "recipient and permission are for share, not %s", req.Action)
	case req.Action == Share && req.Permission != "" && req.Permission != shares.PermView && req.Permission != shares.PermEdit:
		return invalid("permission", "permission %q: use %q or %q", req.Permission, shares.PermView, shares.PermEdit)
	}
	return nil
}

func permission(req Request) string {
	if req.Permission == "" {
		return shares.PermView
	}
	return req.Permission
}

// resolve returns the ids req names, deduplicated, in the order given (or,
// for a filter, newest first), checked for their number and form; whether
// they are owner's is checked under lock by lockOwned.
func (s *Service) resolve(ctx context.Context, owner string, req Request) ([]string, error) {
	switch {
	case req.IDs != nil && req.Filter != nil:
		return nil, invalid("ids", "give ids or a filter, not both")
	case req.IDs != nil:
		return checkIDs(req.IDs)
	case req.Filter != nil:
		return s.match(ctx, owner, req.Filter)
	}
	return nil, invalid("ids", "no documents: give ids (at most %d) or a filter", MaxDocuments)
}

func checkIDs(raw []string) ([]string, error) {
	if len(raw) == 0 {
		return nil, invalid("ids", "no documents: ids is empty")
	}
	if len(raw) > MaxDocuments {
		return nil, &Error{Err: ErrTooMany, Field: "ids",
			Msg: fmt.Sprintf("%d ids: at most %d documents in one request; send them in parts", len(raw), MaxDocuments)}
	}
	seen := make(map[string]bool, len(raw))
	ids := make([]string, 0, len(raw))
	for i, r := range raw {
		u, err := uuid.Parse(strings.TrimSpace(r))
		if err != nil {
			return nil, notYours(i, len(raw), r)
		}
		if id := u.String(); !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// notYours is the answer for the i-th (from 0) of n documents: one that is
// not the user's reads as one that does not exist.
func notYours(i, n int, id string) error {
	if len(id) > 64 || usertext.CheckLine("id", id) != nil {
		id = "?"
	}
	return &Error{Err: ErrNotFound, Field: "ids",
		Msg: fmt.Sprintf("document %d of %d (id %s) is not yours or does not exist: nothing was changed", i+1, n, id)}
}

// lockOwned locks ids' rows, checking that each is owner's (and not still
// uploading); the first that is not is ErrNotFound. Rows are locked in id
// order, so two bulk edits over the same documents cannot deadlock.
func lockOwned(ctx context.Context, tx *sqlx.Tx, owner string, ids []string) error {
	var found []string
	if err := tx.SelectContext(ctx, &found, `SELECT id FROM documents
		WHERE id = ANY($1::uuid[]) AND user_id = $2 AND status <> 'uploading' AND trashed_at IS NULL
		ORDER BY id FOR UPDATE`, pq.Array(ids), owner); err != nil {
		return fmt.Errorf("bulk: find documents: %w", err)
	}
	if len(found) == len(ids) {
		return nil
	}
	have := make(map[string]bool, len(found))
	for _, id := range found {
		have[id] = true
	}
	for i, id := range ids {
		if !have[id] {
			return notYours(i, len(ids), id)
		}
	}
	return nil
}

// match returns the ids of owner's documents that filter selects, newest
// first: the documents list's filters (catalog.Filter) over owner's own
// documents, and with "q" the documents a search with them finds that are
// owner's. More than MaxDocuments is ErrTooMany.
func (s *Service) match(ctx context.Context, owner string, filter map[string]any) ([]string, error) {
	v := url.Values{}
	for k, val := range filter {
		if !slices.Contains(FilterKeys, k) {
			return nil, invalid("filter", "filter %q: use %s (a bulk edit changes only your own documents)", k, strings.Join(FilterKeys, ", "))
		}
		switch x := val.(type) {
		case string:
			if x != "" {
				v.Set(k, x)
			}
		case bool:
			v.Set(k, fmt.Sprint(x))
		case nil:
		default:
			return nil, invalid("filter", "filter %q must be a string", k)
		}
	}
	filt, err := search.ParseFilter(v)
	if err == nil {
		err = filt.Validate()
	}
	if err != nil {
		return nil, &Error{Err: ErrInvalid, Field: "filter", Msg: "filter: " + err.Error()}
	}
	var ids []string
	if strings.TrimSpace(v.Get("q")) == "" {
		args := []any{owner}
		arg := func(v any) string {
			args = append(args, v)
			return fmt.Sprintf("$%d", len(args))
		}
		where := append([]string{"d.user_id = $1", "d.status <> 'uploading'"}, filt.Conditions(arg)...)
		query := `SELECT d.id FROM documents d WHERE ` + strings.Join(where, " AND ") +
			fmt.Sprintf(` ORDER BY d.created_at DESC, d.id DESC LIMIT %d`, MaxDocuments+1)
		if err := s.DB.SelectContext(ctx, &ids, query, args...); err != nil {
			return nil, fmt.Errorf("bulk: match the filter: %w", err)
		}
	} else {
		// The search's own hits, page by page: the same documents as the
		// list shows for the query (search ranks at most its RankLimit
		// newest matches), those of them that are owner's.
		q, err := search.ParseQuery(owner, v)
		if err != nil {
			return nil, &Error{Err: ErrInvalid, Field: "filter", Msg: "filter: " + err.Error()}
		}
		q.Limit = search.MaxLimit
		for {
			res, err := search.Search(ctx, s.DB, q)
			if err != nil {
				var se *search.Error
				if errors.As(err, &se) {
					return nil, &Error{Err: ErrInvalid, Field: "filter", Msg: "filter: " + err.Error()}
				}
				return nil, fmt.Errorf("bulk: match the filter: %w", err)
			}
			for _, h := range res.Hits {
				if h.OwnerID == owner {
					ids = append(ids, h.ID)
				}
			}
			if res.Next == "" || len(ids) > MaxDocuments {
				break
			}
			q.Cursor = res.Next
		}
	}
	if len(ids) > MaxDocuments {
		return nil, &Error{Err: ErrTooMany, Field: "filter",
			Msg: fmt.Sprintf("the filter matches more than %d documents: narrow it (a topic, folder, dates or a search) or send ids in parts", MaxDocuments)}
	}
	if len(ids) == 0 {
		ids = []string{}
	}
	return ids, nil
}

// topicIDs resolves refs (ids or names of owner's topics) to ids, in
// order, without duplicates; the unknown ones are ErrInvalid, named.
func topicIDs(ctx context.Context, tx *sqlx.Tx, owner string, refs []string) ([]string, error) {
	var rows []struct {
		ID   string `db:"id"`
		Name string `db:"name"`
	}
	var valid []string
	for _, r := range refs {
		if usertext.CheckLine("topic", r) == nil {
			valid = append(valid, strings.TrimSpace(r))
		}
	}
	if err := tx.SelectContext(ctx, &rows, `SELECT id, name FROM topics WHERE user_id = $1
		AND (id::text = ANY($2) OR name = ANY($2)) FOR SHARE`, owner, pq.Array(valid)); err != nil {
		return nil, fmt.Errorf("bulk: find topics: %w", err)
	}
	byRef := map[string]string{}
	for _, r := range rows {
		byRef[r.ID] = r.ID
		if _, ok := byRef[r.Name]; !ok {
			byRef[r.Name] = r.ID
		}
	}
	var ids, unknown []string
	for _, r := range refs {
		ref := strings.TrimSpace(r)
		if u, err := uuid.Parse(ref); err == nil {
			ref = u.String()
		}
		id, ok := byRef[ref]
		if !ok {
			unknown = append(unknown, fmt.Sprintf("%q", r))
			continue
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(unknown) > 0 {
		return nil, invalid("topics", "no topic %s: give the names or ids of your topics (see `docuvault topic list`); nothing was changed", strings.Join(unknown, ", "))
	}
	if ids == nil {
		ids = []string{}
	}
	return ids, nil
}

// changeTopics adds, removes or sets topicIDs on ids, returning the
// documents changed. Topics added or kept by a person are stored as theirs
// ('manual', no score or evidence), which the classifier never replaces: a
// topic the classifier had assigned becomes the person's, a change too.
func changeTopics(ctx context.Context, tx *sqlx.Tx, action string, ids, topicIDs []string) ([]string, error) {
	var changed []string
	docs, topics := pq.Array(ids), pq.Array(topicIDs)
	if action == RemoveTopics || action == SetTopics {
		cond := "topic_id = ANY($2::uuid[])"
		if action == SetTopics {
			cond = "topic_id <> ALL($2::uuid[])"
		}
		if err := tx.SelectContext(ctx, &changed, `WITH del AS (
				DELETE FROM document_topics WHERE document_id = ANY($1::uuid[]) AND `+cond+` RETURNING document_id)
			SELECT DISTINCT document_id FROM del`,
			docs, topics); err != nil {
			return nil, fmt.Errorf("bulk: remove topics: %w", err)
		}
	}
	if action == AddTopics || action == SetTopics {
		var added []string
		if err := tx.SelectContext(ctx, &added, `WITH ins AS (
				INSERT INTO document_topics (document_id, topic_id, source, score, evidence, by_rule)
				SELECT d, t, 'manual', NULL, NULL, false FROM unnest($1::uuid[]) AS d CROSS JOIN unnest($2::uuid[]) AS t
				ON CONFLICT (document_id, topic_id) DO UPDATE SET source = 'manual', score = NULL, evidence = NULL, by_rule = false
				WHERE document_topics.source <> 'manual'
				RETURNING document_id)
			SELECT DISTINCT document_id FROM ins`, docs, topics); err != nil {
			return nil, fmt.Errorf("bulk: add topics: %w", err)
		}
		changed = union(changed, added)
	}
	if len(changed) > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET updated_at = now() WHERE id = ANY($1::uuid[])`, pq.Array(changed)); err != nil {
			return nil, fmt.Errorf("bulk: topics: %w", err)
		}
	}
	return changed, nil
}

func union(a, b []string) []string {
	seen := make(map[string]bool, len(a)+len(b))
	out := make([]string, 0, len(a)+len(b))
	for _, s := range append(a, b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// folderID resolves ref (an id or a path of owner's folders; "" or "/"
// for the top level) and locks it against deletion; nil is the top level.
func folderID(ctx context.Context, tx *sqlx.Tx, owner, ref string) (*string, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" || ref == "/" {
		return nil, nil
	}
	type folder struct {
		ID       string  `db:"id"`
		ParentID *string `db:"parent_id"`
		Name     string  `db:"name"`
	}
	var all []folder
	if err := tx.SelectContext(ctx, &all, `SELECT id, parent_id, name FROM folders WHERE user_id = $1 FOR SHARE`, owner); err != nil {
		return nil, fmt.Errorf("bulk: find folder: %w", err)
	}
	if u, err := uuid.Parse(ref); err == nil {
		for _, f := range all {
			if f.ID == u.String() {
				return &f.ID, nil
			}
		}
	}
	// A path from the top level, as folders.Resolve reads it.
	var parent *string
	var found *folder
	for _, name := range strings.Split(strings.Trim(ref, "/"), "/") {
		found = nil
		clean, err := folders.CleanName(name)
		if err != nil {
			return nil, invalid("folder", "no folder %q: give a folder's path (as \"folder list\" shows it) or its id; nothing was changed", ref)
		}
		for i, f := range all {
			if f.Name == clean && ((f.ParentID == nil && parent == nil) || (f.ParentID != nil && parent != nil && *f.ParentID == *parent)) {
				found = &all[i]
				break
			}
		}
		if found == nil {
			return nil, invalid("folder", "no folder %q: give a folder's path (as \"folder list\" shows it) or its id; nothing was changed", ref)
		}
		parent = &found.ID
	}
	return &found.ID, nil
}

// recipientID is the id of the active user with handle, who is not owner.
func recipientID(ctx context.Context, tx *sqlx.Tx, owner, handle string) (string, error) {
	handle = strings.TrimSpace(handle)
	if err := usertext.CheckLine("recipient", handle); err != nil {
		return "", invalid("recipient", "%s: give the handle of the person to share with", err)
	}
	var id string
	err := tx.GetContext(ctx, &id, `SELECT id FROM users WHERE lower(handle) = lower($1) AND is_active FOR SHARE`, handle)
	if errors.Is(err, sql.ErrNoRows) {
		return "", invalid("recipient", "no active user with handle %q: check the recipient's handle; nothing was changed", handle)
	}
	if err != nil {
		return "", fmt.Errorf("bulk: find recipient: %w", err)
	}
	if id == owner {
		return "", invalid("recipient", "you cannot share documents with yourself: name another user")
	}
	return id, nil
}

// recordAll writes one audit event per document of ids, in one statement
// of tx: e's actor, and typ, the owner, meta and the document.
func recordAll(ctx context.Context, tx *sqlx.Tx, e audit.Event, owner, typ string, meta map[string]any, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	e.UserID, e.Type, e.Metadata, e.ResourceID = owner, typ, meta, ""
	row, err := audit.Columns(e)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (user_id, actor_id, actor_label, event_type, resource_id, ip_address, metadata)
		SELECT $1, $2, $3, $4, d, $5, $6 FROM unnest($7::uuid[]) AS d`,
		row.UserID, row.ActorID, row.ActorLabel, row.Type, row.IP, row.Metadata, pq.Array(ids))
	if err != nil {
		return fmt.Errorf("bulk: record %s events: %w", typ, err)
	}
	return nil
}

// enqueue queues ids for the worker after commit, returning how many were
// queued; the rest are pending, and the worker's sweeper queues them.
func (s *Service) enqueue(ctx context.Context, ids []string) int {
	if s.Jobs == nil {
		return 0
	}
	n := 0
	for _, id := range ids {
		if err := s.Jobs.EnqueueExtract(ctx, id); err != nil {
			s.log().Warn("bulk reclassify: not queued; the worker's sweeper will queue them", "document_id", id, "error", err.Error())
			break // Redis is away: the sweeper queues the rest too
		}
		n++
	}
	return n
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}
