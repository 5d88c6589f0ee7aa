-- The HTTP API: refresh-token rotation with reuse detection, and the
-- indexes its document listing filters need.
--
-- A refresh token is used once: refreshing revokes it and records the token
-- that replaced it (replaced_by). A token presented again after it was
-- replaced is a stolen copy or a replay, and revokes every token of its
-- user. A token revoked by logout has revoked_at but no replaced_by.

-- +migrate Up
ALTER TABLE refresh_tokens ADD COLUMN replaced_by uuid;
ALTER TABLE refresh_tokens ADD COLUMN revoked_at timestamptz;
CREATE INDEX ix_refresh_tokens_expires ON refresh_tokens (expires_at);
-- GET /api/documents?topic=…: documents of a topic.
CREATE INDEX IF NOT EXISTS ix_document_topics_topic ON document_topics (topic_id, document_id);
-- GET /api/documents?sort=filename: the keyset of that order.
CREATE INDEX ix_documents_user_filename_id ON documents (user_id, filename, id);

-- +migrate Down
DROP INDEX ix_documents_user_filename_id;
DROP INDEX IF EXISTS ix_document_topics_topic;
DROP INDEX ix_refresh_tokens_expires;
ALTER TABLE refresh_tokens DROP COLUMN revoked_at;
ALTER TABLE refresh_tokens DROP COLUMN replaced_by;
