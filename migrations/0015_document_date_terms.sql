-- A document's own date and the words that say what it is about (issue 19).
--
-- documents.document_date: the date the document carries (a letter's, an
-- invoice's issue date: pkg/docdate), read by the worker from its text;
-- NULL when it has none, or was read before this migration (reclassify it:
-- docs/operations.md). Not the upload date (created_at).
--
-- document_terms: each document's heaviest words, at most 64, as the
-- builtin classifier weighs them (tf-idf over the owner's documents:
-- pkg/classify's Terms), L2-normalised, so that the similarity of two
-- documents is the sum of the products of their shared words' weights.
-- Stored as rows, not a JSON column, so that "documents like this one" is
-- an index lookup of its 64 words in the owner's (user_id, term) postings
-- rather than a scan of every document's words. Written by the worker in
-- the statement that saves the text; removed with the document.

-- +migrate Up
ALTER TABLE documents ADD COLUMN document_date date;
CREATE INDEX ix_documents_user_document_date ON documents (user_id, document_date);
CREATE TABLE document_terms (
    document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    term        text NOT NULL,
    weight      real NOT NULL,
    PRIMARY KEY (document_id, term)
);
CREATE INDEX ix_document_terms_user_term ON document_terms (user_id, term) INCLUDE (document_id, weight);

-- +migrate Down
DROP TABLE document_terms;
DROP INDEX ix_documents_user_document_date;
ALTER TABLE documents DROP COLUMN document_date;
