-- Full-text search (issue 7): the database keeps each document's search
-- vector current itself, so there is no second index to sync or rebuild.
--
-- search_config: the text search configuration of the document's language
-- (english, german, … or simple), chosen by the worker from the extracted
-- text (pkg/search.Config). It is text, not regconfig: pg_upgrade refuses
-- clusters whose tables have regconfig columns (their OIDs are not kept),
-- and the CHECK keeps it to built-in configurations, which
-- docuvault_search_vector names schema-qualified.
--
-- search_vector: a STORED generated column, recomputed by PostgreSQL when
-- filename, extracted_text or search_config change (PostgreSQL 13+ leaves it
-- alone on other updates, such as the worker's heartbeat). The filename has
-- weight A, both as the parser reads it ("invoice_2024.pdf" is one "file"
-- token) and with its punctuation made spaces (invoice, 2024, pdf); the
-- extracted text has weight B.
--
-- A tsvector holds at most 1 MB: the text's first 1,000,000 characters go
-- in, and when that is still too big (many distinct words: word lists, hex
-- dumps, OCR noise) half as many, and so on, so that saving a long text
-- never fails. Positions past 16,383 are clamped by PostgreSQL anyway.
--
-- pg_trgm: typo-tolerant filename matches. It is a trusted extension
-- (PostgreSQL 13+), so the migrate role, which owns the database
-- (scripts/postgres/initdb.d/01-docuvault-roles.sh), may create it. Down
-- leaves it installed: it may predate this migration (a DBA may have
-- created it) and is harmless.

-- +migrate Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE documents ADD COLUMN search_config text NOT NULL DEFAULT 'simple';
ALTER TABLE documents ADD CONSTRAINT documents_search_config_check CHECK (search_config IN (
    'simple', 'arabic', 'armenian', 'basque', 'catalan', 'danish', 'dutch', 'english', 'finnish',
    'french', 'german', 'greek', 'hindi', 'hungarian', 'indonesian', 'irish', 'italian',
    'lithuanian', 'nepali', 'norwegian', 'portuguese', 'romanian', 'russian', 'serbian',
    'spanish', 'swedish', 'tamil', 'turkish', 'yiddish'));

-- +migrate StatementBegin
CREATE FUNCTION docuvault_search_vector(config text, filename text, body text) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    cfg regconfig := ('pg_catalog.' || config)::regconfig;
    -- The name as the parser sees it ("invoice.pdf", a file token) and
    -- with its punctuation made spaces (invoice, pdf).
    name tsvector := setweight(to_tsvector(cfg, coalesce(filename, '') || ' '
        || regexp_replace(coalesce(filename, ''), '[-_.,;:+()/\\\[\]{}~#]+', ' ', 'g')), 'A');
    n integer := 1000000;
BEGIN
    LOOP
        BEGIN
            RETURN name || setweight(to_tsvector(cfg, substr(coalesce(body, ''), 1, n)), 'B');
        EXCEPTION WHEN program_limit_exceeded THEN
            -- "string is too long for tsvector": index less of the text.
            n := n / 2;
        END;
    END LOOP;
END
$$;
-- +migrate StatementEnd

ALTER TABLE documents ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (docuvault_search_vector(search_config, filename, extracted_text)) STORED;
CREATE INDEX ix_documents_search ON documents USING gin (search_vector);
CREATE INDEX ix_documents_filename_trgm ON documents USING gin (filename gin_trgm_ops);

-- +migrate Down
DROP INDEX ix_documents_filename_trgm;
DROP INDEX ix_documents_search;
ALTER TABLE documents DROP COLUMN search_vector;
DROP FUNCTION docuvault_search_vector(text, text, text);
ALTER TABLE documents DROP CONSTRAINT documents_search_config_check;
ALTER TABLE documents DROP COLUMN search_config;
