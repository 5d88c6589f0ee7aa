-- Public share links (issue 23, item 5): a link to one document, or to the
-- documents of one folder (not its subfolders), for people without an
-- account (pkg/sharelinks).
--
-- The link's token (32 random bytes, base64url) is shown once, when it is
-- made; only its SHA-256 is kept (token_hash, unique: a request finds its
-- link by the hash). password_hash is an argon2id hash in the PHC format
-- (pkg/users.HashPassword), NULL for a link without a password.
-- expires_at NULL: never expires. max_downloads NULL: no limit; downloads
-- counts them, and is raised only by one UPDATE ... WHERE downloads <
-- max_downloads, so concurrent downloads never pass the limit (the CHECK
-- says so too). A revoked link keeps its row (revoked_at set) for the
-- owner's list and the audit log; it gives access to nothing.
--
-- A link is to exactly one of a document and a folder; deleting either
-- deletes its links. The app role's privileges come from docuvault grant's
-- default privileges.

-- +migrate Up
CREATE TABLE share_links (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    document_id   uuid REFERENCES documents (id) ON DELETE CASCADE,
    folder_id     uuid REFERENCES folders (id) ON DELETE CASCADE,
    token_hash    bytea NOT NULL,
    password_hash text,
    expires_at    timestamptz,
    max_downloads integer,
    downloads     integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    CONSTRAINT share_links_token_hash_key UNIQUE (token_hash),
    CONSTRAINT share_links_hash_length CHECK (length(token_hash) = 32),
    CONSTRAINT share_links_target CHECK ((document_id IS NULL) <> (folder_id IS NULL)),
    CONSTRAINT share_links_max_downloads CHECK (max_downloads IS NULL OR max_downloads > 0),
    CONSTRAINT share_links_downloads CHECK (downloads >= 0 AND (max_downloads IS NULL OR downloads <= max_downloads))
);
CREATE INDEX ix_share_links_owner_created ON share_links (owner_id, created_at);
CREATE INDEX ix_share_links_document ON share_links (document_id);
CREATE INDEX ix_share_links_folder ON share_links (folder_id);

-- +migrate Down
DROP TABLE share_links;
