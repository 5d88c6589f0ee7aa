-- Cloud connections (issue 22, item 3): the seed's cloud_connections get
-- what a sync needs, and cloud_items remembers what each connection took.
--
-- cloud_connections: endpoint (an S3 host:port, or a WebDAV URL), bucket
-- (S3 only), path (the S3 prefix or the WebDAV folder imported from),
-- region and secure (S3: TLS on or off), map_folders (the path's folders
-- become DocuVault folders). credentials_enc holds the sealed credentials
-- (pkg/secrets, purpose cloud_connections.credentials, the row id as
-- additional data): the S3 access and secret key, or the WebDAV login and
-- password. status is ACTIVE, or ERROR with last_error (one line) after a
-- sync that could not reach, or was refused by, the server; failures
-- counts such syncs in a row and next_try_at is when the periodic job tries
-- again (backoff). last_sync_at is the end of the last sync that worked.
--
-- cloud_items: one row per remote file a connection took, with the ETag,
-- size and modification time it had then; a file whose ETag, size or time
-- differs is new content and taken again (as a new document).
--
-- The app role's privileges come from docuvault grant's default privileges.

-- +migrate Up
ALTER TABLE cloud_connections
    ADD COLUMN endpoint     text NOT NULL DEFAULT '',
    ADD COLUMN bucket       text NOT NULL DEFAULT '',
    ADD COLUMN path         text NOT NULL DEFAULT '',
    ADD COLUMN region       text NOT NULL DEFAULT '',
    ADD COLUMN secure       boolean NOT NULL DEFAULT true,
    ADD COLUMN map_folders  boolean NOT NULL DEFAULT false,
    ADD COLUMN last_sync_at timestamptz,
    ADD COLUMN last_error   text,
    ADD COLUMN failures     integer NOT NULL DEFAULT 0,
    ADD COLUMN next_try_at  timestamptz,
    ADD CONSTRAINT cloud_connections_provider_check CHECK (provider IN ('s3', 'webdav')),
    ADD CONSTRAINT cloud_connections_status_check CHECK (status IN ('ACTIVE', 'ERROR'));
CREATE UNIQUE INDEX cloud_connections_user_name_key ON cloud_connections (user_id, lower(display_name));

CREATE TABLE cloud_items (
    connection_id uuid NOT NULL REFERENCES cloud_connections (id) ON DELETE CASCADE,
    path          text NOT NULL,
    etag          text NOT NULL DEFAULT '',
    size_bytes    bigint NOT NULL,
    mtime         timestamptz,
    document_id   uuid REFERENCES documents (id) ON DELETE SET NULL,
    taken_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connection_id, path)
);

-- +migrate Down
DROP TABLE cloud_items;
DROP INDEX cloud_connections_user_name_key;
ALTER TABLE cloud_connections
    DROP CONSTRAINT cloud_connections_status_check,
    DROP CONSTRAINT cloud_connections_provider_check,
    DROP COLUMN next_try_at,
    DROP COLUMN failures,
    DROP COLUMN last_error,
    DROP COLUMN last_sync_at,
    DROP COLUMN map_folders,
    DROP COLUMN secure,
    DROP COLUMN region,
    DROP COLUMN path,
    DROP COLUMN bucket,
    DROP COLUMN endpoint;
