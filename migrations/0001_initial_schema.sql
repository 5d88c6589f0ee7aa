-- The whole v1 schema of the seed (decisions D-01, D-02, D-03): every table the
-- first phases need, with the seed's columns, defaults, keys, foreign keys and
-- indexes. Later migrations add columns and constraints, not these tables.
-- Python-side defaults of the seed (uuid4, booleans, 'pending', …) are server
-- defaults here, so every writer gets them.

-- +migrate Up
CREATE TABLE users (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    handle                  varchar NOT NULL,
    email                   varchar NOT NULL,
    password_hash           text NOT NULL,
    totp_secret             text,
    totp_enabled            boolean NOT NULL DEFAULT false,
    role                    varchar NOT NULL DEFAULT 'user',
    is_active               boolean NOT NULL DEFAULT true,
    ai_provider             text,
    ai_model                text,
    default_storage_backend varchar NOT NULL DEFAULT 'minio',
    created_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_handle_key UNIQUE (handle),
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE quotas (
    user_id     uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    limit_bytes bigint NOT NULL DEFAULT 104857600,
    used_bytes  bigint NOT NULL DEFAULT 0
);

CREATE TABLE refresh_tokens (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash text NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked    boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX ix_refresh_tokens_user_revoked ON refresh_tokens (user_id, revoked);

CREATE TABLE folders (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    parent_id  uuid REFERENCES folders (id) ON DELETE CASCADE,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT folders_user_id_parent_id_name_key UNIQUE (user_id, parent_id, name)
);

-- documents.user_id stays nullable (D-03); a later phase adds NOT NULL.
CREATE TABLE documents (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid REFERENCES users (id) ON DELETE CASCADE,
    folder_id       uuid REFERENCES folders (id) ON DELETE SET NULL,
    filename        text NOT NULL,
    object_key      text NOT NULL,
    content_type    text NOT NULL,
    size_bytes      bigint NOT NULL DEFAULT 0,
    storage_backend varchar NOT NULL DEFAULT 'minio',
    extracted_text  text,
    status          varchar NOT NULL DEFAULT 'pending',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_documents_user_folder ON documents (user_id, folder_id);
CREATE INDEX ix_documents_user_created ON documents (user_id, created_at);

CREATE TABLE topics (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    color       varchar(7) NOT NULL DEFAULT '#6366f1',
    CONSTRAINT topics_user_id_name_key UNIQUE (user_id, name)
);

CREATE TABLE document_topics (
    document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    topic_id    uuid NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    PRIMARY KEY (document_id, topic_id)
);

CREATE TABLE shares (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    document_id  uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    owner_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    recipient_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    permission   varchar NOT NULL DEFAULT 'view',
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT shares_document_id_recipient_id_key UNIQUE (document_id, recipient_id)
);
CREATE INDEX ix_shares_recipient ON shares (recipient_id);

CREATE TABLE audit_log (
    id          serial PRIMARY KEY,
    user_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    actor_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    event_type  text NOT NULL,
    resource_id uuid,
    ip_address  inet,
    metadata    jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_audit_user_created ON audit_log (user_id, created_at);
CREATE INDEX ix_audit_event_created ON audit_log (event_type, created_at);

CREATE TABLE cloud_connections (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider        varchar NOT NULL,
    display_name    text NOT NULL,
    credentials_enc text NOT NULL,
    status          varchar NOT NULL DEFAULT 'ACTIVE',
    connected_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_cloud_connections_user ON cloud_connections (user_id);

-- v2 stub (D-02): empty, with its final columns.
CREATE TABLE groups (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT groups_name_key UNIQUE (name)
);

-- +migrate Down
DROP TABLE groups;
DROP TABLE cloud_connections;
DROP TABLE audit_log;
DROP TABLE shares;
DROP TABLE document_topics;
DROP TABLE topics;
DROP TABLE documents;
DROP TABLE folders;
DROP TABLE refresh_tokens;
DROP TABLE quotas;
DROP TABLE users;
