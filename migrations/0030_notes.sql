-- Notes on documents (issue 23, item 3): what people write about a
-- document — its owner, and recipients of an edit share (pkg/notes).
--
-- author_id is SET NULL when the author's account is deleted: the note
-- stays on the document (its owner may delete it). body is 1 to 10,000
-- characters (pkg/notes.MaxLength checks it first, with a clear message).
--
-- Search: documents.notes_text is every note of the document, oldest first,
-- one per line, written by pkg/notes in the transaction that changes a note
-- (with the document's row locked, so that two writers never lose each
-- other's note). notes_vector is its tsvector in the document's own text
-- search configuration, a STORED generated column like search_vector (so a
-- new search_config from the worker recomputes it), NULL when the document
-- has no notes, with weight C (the filename is A, the text B). It has its
-- own GIN index: pkg/search finds documents whose search_vector matches, or
-- whose notes have one of the query's words and whose search_vector ||
-- notes_vector matches (so a query may have words in both); search_vector,
-- which holds the document's whole text, is not recomputed when a note
-- changes.
-- docuvault_notes_vector indexes less of the text when it would be over a
-- tsvector's 1 MB, as docuvault_search_vector does.

-- +migrate Up
CREATE TABLE notes (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    document_id uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    author_id   uuid REFERENCES users (id) ON DELETE SET NULL,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notes_body_length CHECK (char_length(body) BETWEEN 1 AND 10000)
);
CREATE INDEX ix_notes_document_created ON notes (document_id, created_at, id);
CREATE INDEX ix_notes_author ON notes (author_id);

-- +migrate StatementBegin
CREATE FUNCTION docuvault_notes_vector(config text, body text) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    cfg regconfig := ('pg_catalog.' || config)::regconfig;
    n integer := 1000000;
BEGIN
    IF body IS NULL THEN
        RETURN NULL;
    END IF;
    LOOP
        BEGIN
            RETURN setweight(to_tsvector(cfg, substr(body, 1, n)), 'C');
        EXCEPTION WHEN program_limit_exceeded THEN
            n := n / 2;
        END;
    END LOOP;
END
$$;
-- +migrate StatementEnd

ALTER TABLE documents ADD COLUMN notes_text text;
ALTER TABLE documents ADD COLUMN notes_vector tsvector
    GENERATED ALWAYS AS (docuvault_notes_vector(search_config, notes_text)) STORED;
CREATE INDEX ix_documents_notes_search ON documents USING gin (notes_vector);

-- +migrate Down
DROP INDEX ix_documents_notes_search;
ALTER TABLE documents DROP COLUMN notes_vector;
ALTER TABLE documents DROP COLUMN notes_text;
DROP FUNCTION docuvault_notes_vector(text, text);
DROP TABLE notes;
