-- Accounts (issue 24, items 1 and 5): sessions a person can see and end,
-- and one-time password reset links.
--
-- A session is one sign-in: its refresh tokens (one per rotation) point at
-- it (refresh_tokens.session_id) and every access token carries its id
-- ("sid"), so ending a session refuses its access tokens at once, not when
-- they expire. user_agent and client_ip are what the sign-in (and later
-- the last refresh) came with, cut to 300 and 64 characters; last_used_at
-- moves with every refresh. ended_at is set by logout, "end this session"
-- and by anything that ends every session (then the row stays, for the
-- audit trail, until the account goes). expires_at follows the newest
-- refresh token's. Refresh tokens issued before this migration have no
-- session: they keep working, and their next refresh starts one.
--
-- password_resets: a reset link made by an administrator is shown once;
-- only its SHA-256 is kept (token_hash). It works until expires_at, once
-- (used_at). created_by is the administrator (NULL once that account goes).
--
-- The app role's privileges come from docuvault grant's default privileges.

-- +migrate Up
CREATE TABLE sessions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_agent   text NOT NULL DEFAULT '',
    client_ip    text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    ended_at     timestamptz,
    CONSTRAINT sessions_user_agent_length CHECK (length(user_agent) <= 300),
    CONSTRAINT sessions_client_ip_length CHECK (length(client_ip) <= 64)
);
CREATE INDEX ix_sessions_user ON sessions (user_id, created_at);
ALTER TABLE refresh_tokens ADD COLUMN session_id uuid REFERENCES sessions (id) ON DELETE CASCADE;
CREATE INDEX ix_refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE password_resets (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    CONSTRAINT password_resets_token_hash_key UNIQUE (token_hash),
    CONSTRAINT password_resets_hash_length CHECK (length(token_hash) = 32)
);
CREATE INDEX ix_password_resets_user ON password_resets (user_id);

-- +migrate Down
DROP TABLE password_resets;
DROP INDEX ix_refresh_tokens_session;
ALTER TABLE refresh_tokens DROP COLUMN session_id;
DROP TABLE sessions;
