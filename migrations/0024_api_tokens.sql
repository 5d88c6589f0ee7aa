-- Personal API tokens (issue 22, item 5): a user's long-lived bearer
-- tokens for scripts and phone scan apps.
--
-- The token itself ("dvt_" and 43 characters of base64url: 32 random
-- bytes) is shown once, when it is made; only its SHA-256 is kept
-- (token_hash, unique: a request finds its token by the hash, so nothing
-- compares secrets byte by byte). scopes is what the token may do: 'read'
-- (list, get, download, search documents) and 'upload' (store documents).
-- A revoked token is deleted: the next request with it finds no row.
-- last_used_at is written at most once a minute per token (pkg/apitokens),
-- so a busy script does not write a row per request. expires_at NULL:
-- the token never expires. Names are unique per user in any case.
--
-- The app role's privileges come from docuvault grant's default privileges
-- (and its GRANT ... ON ALL TABLES when run again).

-- +migrate Up
CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    token_hash   bytea NOT NULL,
    scopes       text[] NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    expires_at   timestamptz,
    CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash),
    CONSTRAINT api_tokens_hash_length CHECK (length(token_hash) = 32),
    CONSTRAINT api_tokens_scopes_check CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'upload']::text[]),
    CONSTRAINT api_tokens_name_length CHECK (length(name) BETWEEN 1 AND 100)
);
CREATE UNIQUE INDEX api_tokens_user_lower_name_key ON api_tokens (user_id, lower(name));

-- +migrate Down
DROP TABLE api_tokens;
