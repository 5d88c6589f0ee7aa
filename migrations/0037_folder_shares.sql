-- Folder shares (issue 24, item 4): a folder's owner gives one user or one
-- group access to the folder, to view or to edit (pkg/foldershares).
--
-- A share covers the documents in the folder and in every folder below it,
-- worked out when access is checked: pkg/shares.Grants walks the tree down
-- from each shared folder (WITH RECURSIVE over folders.parent_id) and joins
-- documents by folder_id, and group_members for group shares. Nothing is
-- copied per document, so moving a document into or out of a shared folder,
-- moving a subfolder, or leaving the group changes access at once.
--
-- Exactly one of recipient_id and group_id is set (CHECK). Deleting the
-- folder (and so its subfolders' shares too), the recipient, the group or
-- the owner deletes the share. One share per (folder, recipient) and per
-- (folder, group): delete it to change its permission.
--
-- Indexes: by folder (the unique keys lead with folder_id: the tree walk's
-- start and the owner's list), by recipient and by group (what a user
-- receives), by owner (what a user gave). The app role's privileges come
-- from docuvault grant's default privileges.

-- +migrate Up
CREATE TABLE folder_shares (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    folder_id    uuid NOT NULL REFERENCES folders (id) ON DELETE CASCADE,
    owner_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    recipient_id uuid REFERENCES users (id) ON DELETE CASCADE,
    group_id     uuid REFERENCES groups (id) ON DELETE CASCADE,
    permission   varchar NOT NULL DEFAULT 'view',
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT folder_shares_one_recipient_check CHECK ((recipient_id IS NULL) <> (group_id IS NULL)),
    CONSTRAINT folder_shares_permission_check CHECK (permission IN ('view', 'edit')),
    CONSTRAINT folder_shares_folder_id_recipient_id_key UNIQUE (folder_id, recipient_id),
    CONSTRAINT folder_shares_folder_id_group_id_key UNIQUE (folder_id, group_id)
);
CREATE INDEX ix_folder_shares_recipient ON folder_shares (recipient_id) WHERE recipient_id IS NOT NULL;
CREATE INDEX ix_folder_shares_group ON folder_shares (group_id) WHERE group_id IS NOT NULL;
CREATE INDEX ix_folder_shares_owner_created ON folder_shares (owner_id, created_at);

-- +migrate Down
DROP TABLE folder_shares;
