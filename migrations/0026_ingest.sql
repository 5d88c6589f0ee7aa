-- Watch folders (issue 22, item 1): what a source could not take in, and
-- the files a watch folder took but was told to keep.
--
-- ingest_errors: one row per user and path that failed (unreadable,
-- vanished, too large, a type not allowed, over quota, ...), with the
-- reason a person reads in `docuvault watch --status`, GET
-- /api/ingest/errors and the web app. The row goes when the path is taken
-- later; attempts counts the tries. source says which kind of source
-- ('watch' for now; e-mail and cloud connections to come) and location
-- which one of them (the watch folder).
--
-- watch_kept: a file a watch folder with --after keep took, by path, size
-- and modification time, so that it is not read again; a file whose size
-- or time changes is new content and taken again.
--
-- The app role's privileges come from docuvault grant's default privileges.

-- +migrate Up
CREATE TABLE ingest_errors (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source      text NOT NULL,
    location    text NOT NULL,
    path        text NOT NULL,
    reason      text NOT NULL,
    attempts    integer NOT NULL DEFAULT 1,
    first_at    timestamptz NOT NULL DEFAULT now(),
    last_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ingest_errors_source_check CHECK (source IN ('watch', 'imap', 'cloud'))
);
CREATE UNIQUE INDEX ingest_errors_user_source_path_key ON ingest_errors (user_id, source, path);
CREATE INDEX ix_ingest_errors_user_last ON ingest_errors (user_id, last_at DESC);

CREATE TABLE watch_kept (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    path        text NOT NULL,
    size_bytes  bigint NOT NULL,
    mtime       timestamptz NOT NULL,
    document_id uuid REFERENCES documents (id) ON DELETE SET NULL,
    taken_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, path)
);

-- +migrate Down
DROP TABLE watch_kept;
DROP TABLE ingest_errors;
