-- Documents understood: which classifier filed a document (builtin or
-- openai) and what a person should know about it (an LLM that failed and
-- the builtin classifier that stood in, topics it named that do not exist).
-- users.ai_provider and users.ai_model (v1) choose the classifier per user.

-- +migrate Up
ALTER TABLE documents ADD COLUMN classifier text;
ALTER TABLE documents ADD COLUMN classification_note text;
ALTER TABLE users ADD CONSTRAINT users_ai_provider_check CHECK (ai_provider IS NULL OR ai_provider IN ('builtin', 'openai'));
-- The builtin classifier learns from what people filed.
CREATE INDEX ix_document_topics_manual ON document_topics (topic_id) WHERE source = 'manual';

-- +migrate Down
DROP INDEX ix_document_topics_manual;
ALTER TABLE users DROP CONSTRAINT users_ai_provider_check;
ALTER TABLE documents DROP COLUMN classification_note;
ALTER TABLE documents DROP COLUMN classifier;
