-- A user's language (en or de): the language of the e-mails DocuVault
-- sends them (a password reset link), saved by the web app when they
-- choose a language while signed in (pkg/settings.SetLanguage). NULL: not
-- chosen; a "forgot password" mail then follows the language of the page
-- that asked for it, and other mails are in English.

-- +migrate Up
ALTER TABLE users ADD COLUMN language text CONSTRAINT users_language_check CHECK (language IN ('en', 'de'));

-- +migrate Down
ALTER TABLE users DROP COLUMN language;
