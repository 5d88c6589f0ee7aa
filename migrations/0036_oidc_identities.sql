-- Single sign-on with OpenID Connect (issue 24, item 3): the identities a
-- provider vouches for, linked to DocuVault accounts (pkg/oidc).
--
-- oidc_identities: one row per (provider, subject), the pair that names a
-- person at an OpenID provider for good (the ID token's iss is the
-- provider's configured issuer; "sub" never changes, unlike the e-mail
-- address). provider is the name the config file's oidc: list gives the
-- provider. An account has at most one identity per provider. email is
-- the address the provider last gave (for people reading the list, never
-- used to match again). Deleting the user deletes their identities.
--
-- The app role's privileges come from docuvault grant's default privileges.

-- +migrate Up
CREATE TABLE oidc_identities (
    provider      text NOT NULL CHECK (provider ~ '^[a-z0-9][a-z0-9_-]{0,31}$'),
    subject       text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email         text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_login_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, subject),
    UNIQUE (user_id, provider)
);

-- +migrate Down
DROP TABLE oidc_identities;
