-- Documents read: why a document failed, which extractor read it and what a
-- person should know about that, and where each topic assignment came from
-- (the uploader or a person: 'manual'; the classifier: 'auto', with its score).

-- +migrate Up
ALTER TABLE documents ADD COLUMN failure_reason text;
ALTER TABLE documents ADD COLUMN extractor text;
ALTER TABLE documents ADD COLUMN extraction_note text;
ALTER TABLE document_topics ADD COLUMN source varchar NOT NULL DEFAULT 'manual';
ALTER TABLE document_topics ADD CONSTRAINT document_topics_source_check CHECK (source IN ('auto', 'manual'));
ALTER TABLE document_topics ADD COLUMN score real;

-- +migrate Down
ALTER TABLE document_topics DROP COLUMN score;
ALTER TABLE document_topics DROP CONSTRAINT document_topics_source_check;
ALTER TABLE document_topics DROP COLUMN source;
ALTER TABLE documents DROP COLUMN extraction_note;
ALTER TABLE documents DROP COLUMN extractor;
ALTER TABLE documents DROP COLUMN failure_reason;
