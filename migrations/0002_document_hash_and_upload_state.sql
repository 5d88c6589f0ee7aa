-- Documents in: the content hash (to find an owner's duplicates), the
-- 'uploading' state that makes quota exact at every commit, keyset
-- pagination, and the invariants quota relies on.
--
-- A document row is inserted, with its bytes reserved in quotas in the same
-- transaction, before its object is written (status 'uploading'); it becomes
-- 'pending' when the object is stored. So quotas.used_bytes always equals the
-- sum of the owner's documents' size_bytes, and an object never exists
-- without its row. Listing hides 'uploading' rows; fsck removes stale ones.

-- +migrate Up
ALTER TABLE documents ADD COLUMN sha256 bytea;
ALTER TABLE documents ADD CONSTRAINT documents_sha256_len CHECK (sha256 IS NULL OR length(sha256) = 32);
ALTER TABLE documents ADD CONSTRAINT documents_size_nonneg CHECK (size_bytes >= 0);
ALTER TABLE documents ADD CONSTRAINT documents_status_check
    CHECK (status IN ('uploading', 'pending', 'processing', 'classified', 'failed', 'skipped'));
ALTER TABLE documents ADD CONSTRAINT documents_object_key_key UNIQUE (object_key);
CREATE INDEX ix_documents_user_sha256 ON documents (user_id, sha256) WHERE sha256 IS NOT NULL;
-- Newest first, ties broken by id: the list's keyset.
CREATE INDEX ix_documents_user_created_id ON documents (user_id, created_at DESC, id DESC);
CREATE INDEX ix_documents_status_updated ON documents (status, updated_at) WHERE status IN ('uploading', 'pending', 'processing');

ALTER TABLE quotas ADD CONSTRAINT quotas_used_nonneg CHECK (used_bytes >= 0);
ALTER TABLE quotas ADD CONSTRAINT quotas_limit_nonneg CHECK (limit_bytes >= 0);

-- +migrate Down
ALTER TABLE quotas DROP CONSTRAINT quotas_limit_nonneg;
ALTER TABLE quotas DROP CONSTRAINT quotas_used_nonneg;
DROP INDEX ix_documents_status_updated;
DROP INDEX ix_documents_user_created_id;
DROP INDEX ix_documents_user_sha256;
ALTER TABLE documents DROP CONSTRAINT documents_object_key_key;
ALTER TABLE documents DROP CONSTRAINT documents_status_check;
ALTER TABLE documents DROP CONSTRAINT documents_size_nonneg;
ALTER TABLE documents DROP CONSTRAINT documents_sha256_len;
ALTER TABLE documents DROP COLUMN sha256;
