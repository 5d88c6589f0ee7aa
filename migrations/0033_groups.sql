-- Groups (issue 24, item 4): the seed's groups table gets members, and a
-- document can be shared with a group (pkg/groups, pkg/shares).
--
-- group_members: who belongs to a group; removing a user or a group
-- removes their memberships. Looked up by user (what a user may reach
-- through groups) and by group (the primary key).
--
-- group_shares: a document's owner giving a group access to it, to view or
-- to edit. A separate table, not a nullable column of shares: direct shares
-- keep their NOT NULL recipient, and every access check reads both through
-- pkg/shares.Grants, which joins group_shares to group_members at query
-- time, so leaving a group ends its access at once. Deleting the group, the
-- document or the owner deletes the share.
--
-- Group names are unique in any letter case. The app role's privileges
-- come from docuvault grant's default privileges.

-- +migrate Up
CREATE UNIQUE INDEX groups_lower_name_key ON groups (lower(name));

CREATE TABLE group_members (
    group_id   uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX ix_group_members_user ON group_members (user_id);

CREATE TABLE group_shares (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    owner_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id    uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    permission  varchar NOT NULL DEFAULT 'view',
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT group_shares_document_id_group_id_key UNIQUE (document_id, group_id),
    CONSTRAINT group_shares_permission_check CHECK (permission IN ('view', 'edit'))
);
CREATE INDEX ix_group_shares_group ON group_shares (group_id);
CREATE INDEX ix_group_shares_owner_created ON group_shares (owner_id, created_at);

-- +migrate Down
DROP TABLE group_shares;
DROP TABLE group_members;
DROP INDEX groups_lower_name_key;
