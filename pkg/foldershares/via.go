package foldershares

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Way is one way a user reaches another's document: shared directly
// (Kind "document", Group nil), with a group they belong to (Kind
// "document", Group set), or through a shared folder the document is in or
// below (Kind "folder", Folder set; Group set when the folder is shared
// with a group).
type Way struct {
	Kind       string  `db:"kind" json:"kind"`
	Permission string  `db:"permission" json:"permission"`
	Group      *string `db:"group_name" json:"group,omitempty"`
	Folder     *string `db:"folder_name" json:"folder,omitempty"`
	FolderID   *string `db:"folder_id" json:"folder_id,omitempty"`
}

// Via lists the ways userID reaches documentID through shares (none for
// the owner or anyone else), edit first. It is what the document page
// shows a recipient ("shared with you through folder Taxes, with group
// Household"); access itself is decided by pkg/shares.Access.
func Via(ctx context.Context, db sqlx.QueryerContext, userID, documentID string) ([]Way, error) {
	ws := []Way{}
	docID, ok := parseID(documentID)
	if !ok {
		return ws, nil
	}
	if _, ok := parseID(userID); !ok {
		return ws, nil
	}
	// The folders above the document's, climbed from it (depth bounds the
	// climb should the tree ever be corrupt), and the shares on each.
	err := sqlx.SelectContext(ctx, db, &ws, `WITH RECURSIVE doc AS (
			SELECT id, user_id, folder_id FROM documents WHERE id = $1 AND user_id <> $2
		), up (folder_id, depth) AS (
			SELECT folder_id, 0 FROM doc WHERE folder_id IS NOT NULL
			UNION ALL
			SELECT f.parent_id, up.depth + 1 FROM folders f JOIN up ON f.id = up.folder_id
			WHERE f.parent_id IS NOT NULL AND up.depth < 1000
		)
		SELECT * FROM (
			SELECT 'document' AS kind, sh.permission, NULL::text AS group_name, NULL::text AS folder_name, NULL::uuid AS folder_id
				FROM shares sh JOIN doc ON sh.document_id = doc.id AND sh.owner_id = doc.user_id
				WHERE sh.recipient_id = $2
			UNION ALL
			SELECT 'document', gs.permission, g.name, NULL, NULL
				FROM group_shares gs JOIN doc ON gs.document_id = doc.id AND gs.owner_id = doc.user_id
				JOIN groups g ON g.id = gs.group_id
				WHERE EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = gs.group_id AND m.user_id = $2)
			UNION ALL
			SELECT 'folder', fs.permission, g.name, f.name, f.id
				FROM up JOIN folder_shares fs ON fs.folder_id = up.folder_id
				JOIN doc ON fs.owner_id = doc.user_id
				JOIN folders f ON f.id = fs.folder_id
				LEFT JOIN groups g ON g.id = fs.group_id
				WHERE fs.recipient_id = $2
					OR EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = fs.group_id AND m.user_id = $2)
		) w ORDER BY permission, kind, folder_name, group_name`, docID, userID)
	if err != nil {
		return nil, fmt.Errorf("how a document is shared: %w", err)
	}
	return ws, nil
}
