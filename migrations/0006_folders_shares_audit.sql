-- Folders, shares and the audit trail as the HTTP API uses them.
--
-- folders: v1's UNIQUE (user_id, parent_id, name) lets a user have two top
-- level folders with one name, because NULL parent_ids are distinct; a
-- partial unique index closes that. Deleting a folder cascades to its
-- subfolders (parent_id) and sets its documents' folder_id to NULL: both
-- foreign-key actions look rows up by the referencing column, so each gets
-- an index (without them, deleting one folder scans every document).
--
-- shares: only 'view' and 'edit' exist, and nobody shares with themselves.
-- (document_id, recipient_id) is already unique, which serves lookups by
-- document; what a user has given is looked up by owner.
--
-- audit_log: listed newest first with keyset pagination on (created_at, id),
-- for one user or for everyone.

-- +migrate Up
CREATE UNIQUE INDEX folders_user_id_root_name_key ON folders (user_id, name) WHERE parent_id IS NULL;
CREATE INDEX ix_folders_parent ON folders (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX ix_documents_folder ON documents (folder_id) WHERE folder_id IS NOT NULL;

ALTER TABLE shares ADD CONSTRAINT shares_permission_check CHECK (permission IN ('view', 'edit'));
ALTER TABLE shares ADD CONSTRAINT shares_not_self CHECK (owner_id <> recipient_id);
CREATE INDEX ix_shares_owner_created ON shares (owner_id, created_at);

CREATE INDEX ix_audit_created_id ON audit_log (created_at, id);
CREATE INDEX ix_audit_user_created_id ON audit_log (user_id, created_at, id);

-- +migrate Down
DROP INDEX ix_audit_user_created_id;
DROP INDEX ix_audit_created_id;
DROP INDEX ix_shares_owner_created;
ALTER TABLE shares DROP CONSTRAINT shares_not_self;
ALTER TABLE shares DROP CONSTRAINT shares_permission_check;
DROP INDEX ix_documents_folder;
DROP INDEX ix_folders_parent;
DROP INDEX folders_user_id_root_name_key;
