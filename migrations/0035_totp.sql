-- Two-factor sign-in (issue 24, item 2): TOTP (RFC 6238) with recovery codes.
--
-- totp_factors: one per account that started enrolling. seed_enc is the
-- shared secret sealed with pkg/secrets (purpose totp.seed, the row's
-- user_id as additional data; listed in secrets.Columns so that a key
-- rotation re-seals it). enabled turns true when the person confirms with
-- a code; until then the row is only a pending enrolment. last_step is
-- the time step (unix seconds / 30) of the last code accepted: a code of
-- that step or an earlier one is refused, so each code works once.
--
-- totp_recovery_codes: ten per enrolment, shown once; only their SHA-256
-- is kept. Each works once (used_at).
--
-- totp_challenges: the step between a correct password and the code. The
-- client holds a random token; only its SHA-256 is kept. It works for
-- five minutes (expires_at) and once (used_at).
--
-- totp_policy: one row, the administrator's choice of who must have a
-- second factor: off, admins or everyone.
--
-- The app role's privileges come from docuvault grant's default privileges.

-- +migrate Up
CREATE TABLE totp_factors (
    user_id    uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    seed_enc   text NOT NULL,
    enabled    boolean NOT NULL DEFAULT false,
    last_step  bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    enabled_at timestamptz
);

CREATE TABLE totp_recovery_codes (
    id        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    used_at   timestamptz,
    CONSTRAINT totp_recovery_codes_user_hash_key UNIQUE (user_id, code_hash),
    CONSTRAINT totp_recovery_codes_hash_length CHECK (length(code_hash) = 32)
);

CREATE TABLE totp_challenges (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    CONSTRAINT totp_challenges_token_hash_key UNIQUE (token_hash),
    CONSTRAINT totp_challenges_hash_length CHECK (length(token_hash) = 32)
);
CREATE INDEX ix_totp_challenges_user ON totp_challenges (user_id);

CREATE TABLE totp_policy (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    required text NOT NULL DEFAULT 'off' CHECK (required IN ('off', 'admins', 'everyone')),
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO totp_policy DEFAULT VALUES;

-- +migrate Down
DROP TABLE totp_policy;
DROP TABLE totp_challenges;
DROP TABLE totp_recovery_codes;
DROP TABLE totp_factors;
