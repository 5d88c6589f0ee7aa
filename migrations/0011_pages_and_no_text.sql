-- Every page read (issue 18): how each page of a document was read (its
-- text layer, OCR with its confidence, both, or nothing), and a status for
-- a document in which no text was found, which no classifier acts on.

-- +migrate Up
ALTER TABLE documents ADD COLUMN pages jsonb;
ALTER TABLE documents ADD CONSTRAINT documents_pages_array CHECK (pages IS NULL OR jsonb_typeof(pages) = 'array');
ALTER TABLE documents DROP CONSTRAINT documents_status_check;
ALTER TABLE documents ADD CONSTRAINT documents_status_check
    CHECK (status IN ('uploading', 'pending', 'processing', 'classified', 'no_text', 'failed', 'skipped'));

-- +migrate Down
UPDATE documents SET status = 'classified' WHERE status = 'no_text';
ALTER TABLE documents DROP CONSTRAINT documents_status_check;
ALTER TABLE documents ADD CONSTRAINT documents_status_check
    CHECK (status IN ('uploading', 'pending', 'processing', 'classified', 'failed', 'skipped'));
ALTER TABLE documents DROP CONSTRAINT documents_pages_array;
ALTER TABLE documents DROP COLUMN pages;
