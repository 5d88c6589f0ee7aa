-- E-mail ingestion (issue 22, item 2): a user's IMAP accounts, the rules
-- that say what to take from which folder, and what was taken.
--
-- mail_accounts: one IMAP account of one user. password_enc is the
-- password sealed with pkg/secrets (purpose imap.password, the row's id as
-- additional data; listed in secrets.Columns() so `docuvault secrets
-- rotate` re-seals it); it is never returned. security is tls (implicit),
-- starttls or none (refused by pkg/mail unless the host is a loopback
-- address). status is ACTIVE or ERROR; last_error says why a poll failed
-- (a wrong password, a TLS error), failures counts the polls failed in a
-- row and next_poll_at is when the worker polls it next (backoff).
--
-- mail_rules: what one account's poll takes: the folder, filters on the
-- sender, subject and body (case-insensitive substrings; '' matches all),
-- mode attachments (each attachment a document, types filtering them by
-- extension or subtype) or message (the whole message as an .eml
-- document), the topics every document gets, and what is done with the
-- message on the server afterwards (none, read, flag, delete, move to
-- move_folder). Rules of one folder are tried in position order; the first
-- that takes a message takes it.
--
-- mail_messages: each message of a folder looked at, by (account, folder,
-- UIDVALIDITY, UID): taken (its documents committed; document_id the
-- first) or skipped (no rule matched; forgotten when the account's rules
-- change). A message is recorded only after its documents' rows commit; a
-- crash before that finds their content stored on the next poll
-- (duplicates), so nothing is stored twice.
--
-- The app role's privileges come from docuvault grant's default privileges.

-- +migrate Up
CREATE TABLE mail_accounts (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    host         text NOT NULL,
    port         integer NOT NULL,
    security     text NOT NULL,
    login        text NOT NULL,
    password_enc text NOT NULL,
    status       text NOT NULL DEFAULT 'ACTIVE',
    last_error   text NOT NULL DEFAULT '',
    failures     integer NOT NULL DEFAULT 0,
    last_poll_at timestamptz,
    next_poll_at timestamptz NOT NULL DEFAULT now(),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT mail_accounts_security_check CHECK (security IN ('tls', 'starttls', 'none')),
    CONSTRAINT mail_accounts_status_check CHECK (status IN ('ACTIVE', 'ERROR')),
    CONSTRAINT mail_accounts_port_check CHECK (port BETWEEN 1 AND 65535),
    CONSTRAINT mail_accounts_name_length CHECK (length(name) BETWEEN 1 AND 100)
);
CREATE UNIQUE INDEX mail_accounts_user_lower_name_key ON mail_accounts (user_id, lower(name));
CREATE INDEX ix_mail_accounts_next_poll ON mail_accounts (next_poll_at);

CREATE TABLE mail_rules (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id     uuid NOT NULL REFERENCES mail_accounts (id) ON DELETE CASCADE,
    position       integer NOT NULL,
    folder         text NOT NULL,
    from_filter    text NOT NULL DEFAULT '',
    subject_filter text NOT NULL DEFAULT '',
    body_filter    text NOT NULL DEFAULT '',
    mode           text NOT NULL,
    types          text[] NOT NULL DEFAULT '{}',
    topic_ids      uuid[] NOT NULL DEFAULT '{}',
    after          text NOT NULL DEFAULT 'none',
    move_folder    text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT mail_rules_mode_check CHECK (mode IN ('attachments', 'message')),
    CONSTRAINT mail_rules_after_check CHECK (after IN ('none', 'read', 'flag', 'delete', 'move')),
    CONSTRAINT mail_rules_move_check CHECK ((after = 'move') = (move_folder <> ''))
);
CREATE INDEX ix_mail_rules_account ON mail_rules (account_id, position);

CREATE TABLE mail_messages (
    account_id   uuid NOT NULL REFERENCES mail_accounts (id) ON DELETE CASCADE,
    folder       text NOT NULL,
    uid_validity bigint NOT NULL,
    uid          bigint NOT NULL,
    outcome      text NOT NULL,
    document_id  uuid REFERENCES documents (id) ON DELETE SET NULL,
    at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, folder, uid_validity, uid),
    CONSTRAINT mail_messages_outcome_check CHECK (outcome IN ('taken', 'skipped'))
);

-- +migrate Down
DROP TABLE mail_messages;
DROP TABLE mail_rules;
DROP TABLE mail_accounts;
