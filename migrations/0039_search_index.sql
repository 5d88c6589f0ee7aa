-- search_index: what a search reads of every searchable document (not
-- uploading, not in the trash), in parts by creation time, so that the
-- newest matches of a query are found by reading the newest parts first
-- and stopping (pkg/search, walk.go). In one GIN index over a million
-- documents, PostgreSQL finds a phrase's or a topic's matches in no order,
-- so finding the newest 1,000 read every match's row; here a part of
-- 20,000 documents that has none costs a fraction of a millisecond
-- (docs/benchmarks.md, issue 20).
--
-- Kept by triggers, in the same transaction as the change:
-- documents' row trigger writes a document's row when it becomes
-- searchable (a document without an owner never is) or its words, notes, owner, type or dates change, and removes
-- it when it is trashed, uploading again or deleted; document_topics'
-- statement triggers rewrite the topics of the documents a statement
-- filed or unfiled (topics, sorted, so a topic filter is an index
-- condition).
--
-- Parts: search_index_head (the DEFAULT partition) holds the newest
-- documents. docuvault_search_index_cut(rows) moves the head's oldest
-- documents into a new range partition of `rows` documents while the head
-- holds more than that, and records it in search_index_parts (the ranges
-- pkg/search walks). It runs as its owner (SECURITY DEFINER, the migrate
-- role): the app's role is DML-only and cannot create tables, and only
-- this function creates them. The worker calls it as it sweeps; a
-- document created earlier than the newest part (none today: created_at
-- is the upload time) goes into the part of its time, which then holds
-- more than `rows`.

-- +migrate Up
CREATE TABLE search_index (
    document_id   uuid        NOT NULL,
    user_id       uuid        NOT NULL,
    created_at    timestamptz NOT NULL,
    search_config text        NOT NULL,
    content_type  text        NOT NULL,
    search_vector tsvector    NOT NULL,
    notes_vector  tsvector,
    topics        uuid[]      NOT NULL DEFAULT '{}'
) PARTITION BY RANGE (created_at);
-- Stored in the row (compressed) where it fits: reading a candidate's
-- vector for a phrase costs no TOAST lookup.
ALTER TABLE search_index ALTER COLUMN search_vector SET STORAGE MAIN;
CREATE TABLE search_index_head PARTITION OF search_index DEFAULT;

CREATE TABLE search_index_parts (
    name  text        PRIMARY KEY,
    lower timestamptz NOT NULL,
    upper timestamptz NOT NULL UNIQUE,
    CHECK (lower < upper)
);

-- +migrate StatementBegin
CREATE FUNCTION docuvault_search_index_topics(doc uuid) RETURNS uuid[]
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(array_agg(topic_id ORDER BY topic_id), '{}') FROM document_topics WHERE document_id = doc
$$;
-- +migrate StatementEnd

-- +migrate StatementBegin
CREATE FUNCTION docuvault_search_index_document() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND (OLD.status = 'uploading') = (NEW.status = 'uploading')
        AND (OLD.trashed_at IS NULL) = (NEW.trashed_at IS NULL)
        AND OLD.user_id IS NOT DISTINCT FROM NEW.user_id AND OLD.created_at = NEW.created_at
        AND OLD.search_config = NEW.search_config AND OLD.content_type = NEW.content_type
        AND OLD.search_vector IS NOT DISTINCT FROM NEW.search_vector
        AND OLD.notes_vector IS NOT DISTINCT FROM NEW.notes_vector THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM search_index WHERE document_id = OLD.id AND created_at = OLD.created_at;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status <> 'uploading' AND NEW.trashed_at IS NULL
        AND NEW.search_vector IS NOT NULL AND NEW.user_id IS NOT NULL THEN
        INSERT INTO search_index (document_id, user_id, created_at, search_config, content_type,
            search_vector, notes_vector, topics)
        VALUES (NEW.id, NEW.user_id, NEW.created_at, NEW.search_config, NEW.content_type,
            NEW.search_vector, NEW.notes_vector, docuvault_search_index_topics(NEW.id));
    END IF;
    RETURN NULL;
END
$$;
-- +migrate StatementEnd

CREATE TRIGGER search_index_document AFTER INSERT OR UPDATE OR DELETE ON documents
    FOR EACH ROW EXECUTE FUNCTION docuvault_search_index_document();

-- +migrate StatementBegin
CREATE FUNCTION docuvault_search_index_filing() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE search_index s SET topics = docuvault_search_index_topics(s.document_id)
        FROM (SELECT DISTINCT n.document_id, d.created_at FROM new_rows n JOIN documents d ON d.id = n.document_id) c
        WHERE s.document_id = c.document_id AND s.created_at = c.created_at;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE search_index s SET topics = docuvault_search_index_topics(s.document_id)
        FROM (SELECT DISTINCT o.document_id, d.created_at FROM old_rows o JOIN documents d ON d.id = o.document_id) c
        WHERE s.document_id = c.document_id AND s.created_at = c.created_at;
    ELSE
        UPDATE search_index s SET topics = docuvault_search_index_topics(s.document_id)
        FROM (SELECT DISTINCT x.document_id, d.created_at
              FROM (SELECT document_id FROM old_rows UNION SELECT document_id FROM new_rows) x
              JOIN documents d ON d.id = x.document_id) c
        WHERE s.document_id = c.document_id AND s.created_at = c.created_at;
    END IF;
    RETURN NULL;
END
$$;
-- +migrate StatementEnd

CREATE TRIGGER search_index_filed AFTER INSERT ON document_topics
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION docuvault_search_index_filing();
CREATE TRIGGER search_index_unfiled AFTER DELETE ON document_topics
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION docuvault_search_index_filing();
CREATE TRIGGER search_index_refiled AFTER UPDATE ON document_topics
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION docuvault_search_index_filing();

-- A part is named by its upper bound (unique): search_index_20261204_231512_123456.
-- +migrate StatementBegin
CREATE FUNCTION docuvault_search_index_part_name(upper timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT 'search_index_' || to_char(upper AT TIME ZONE 'UTC', 'YYYYMMDD_HH24MISS_US')
$$;
-- +migrate StatementEnd

-- +migrate StatementBegin
CREATE FUNCTION docuvault_search_index_cut(part_rows integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    made integer := 0;
    lo timestamptz;
    hi timestamptz;
    part text;
BEGIN
    IF part_rows IS NULL OR part_rows < 1 THEN
        RAISE EXCEPTION 'part_rows must be at least 1, not %', part_rows USING ERRCODE = '22023';
    END IF;
    -- Cheap when there is nothing to cut: no lock taken.
    IF (SELECT count(*) FROM (SELECT 1 FROM search_index_head LIMIT part_rows + 1) x) <= part_rows THEN
        RETURN 0;
    END IF;
    -- No document enters or leaves the head while it is cut (reads go on).
    LOCK TABLE search_index_head IN EXCLUSIVE MODE;
    LOOP
        -- The part ends before the (part_rows+1)-th oldest document of the
        -- head, or after the run of documents created at that same time.
        SELECT created_at INTO hi FROM search_index_head ORDER BY created_at OFFSET part_rows LIMIT 1;
        EXIT WHEN hi IS NULL;
        IF NOT EXISTS (SELECT 1 FROM search_index_head WHERE created_at < hi) THEN
            SELECT min(created_at) INTO hi FROM search_index_head WHERE created_at > hi;
            EXIT WHEN hi IS NULL;
        END IF;
        SELECT COALESCE(max(upper), '-infinity') INTO lo FROM search_index_parts;
        part := docuvault_search_index_part_name(hi);
        EXECUTE format('CREATE TABLE %I (LIKE search_index INCLUDING DEFAULTS INCLUDING STORAGE)', part);
        EXECUTE format('INSERT INTO %I SELECT * FROM search_index_head WHERE created_at < %L', part, hi);
        DELETE FROM search_index_head WHERE created_at < hi;
        -- The constraint lets ATTACH skip checking every row again.
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (created_at >= %L AND created_at < %L)',
            part, part || '_range', lo, hi);
        EXECUTE format('ALTER TABLE search_index ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', part, part || '_range');
        INSERT INTO search_index_parts (name, lower, upper) VALUES (part, lo, hi);
        -- Statistics at once: without them PostgreSQL may read a part
        -- through (user_id, created_at) instead of its words' index.
        EXECUTE format('ANALYZE %I', part);
        made := made + 1;
    END LOOP;
    IF made > 0 THEN
        ANALYZE search_index_head;
    END IF;
    RETURN made;
END
$$;
-- +migrate StatementEnd

-- The parts of the documents already there are made first, empty (every
-- 20,000th searchable document by date starts the next), so that each row
-- is written once, into its part, rather than into the head and moved.
-- +migrate StatementBegin
DO $$
DECLARE
    lo timestamptz := '-infinity';
    hi timestamptz;
    part text;
BEGIN
    FOR hi IN SELECT x.created_at FROM (
            SELECT d.created_at, row_number() OVER (ORDER BY d.created_at) AS n FROM documents d
            WHERE d.status <> 'uploading' AND d.trashed_at IS NULL AND d.search_vector IS NOT NULL AND d.user_id IS NOT NULL) x
        WHERE x.n % 20000 = 1 AND x.n > 1 ORDER BY x.created_at LOOP
        CONTINUE WHEN hi <= lo; -- a run of documents created at one time
        part := docuvault_search_index_part_name(hi);
        EXECUTE format('CREATE TABLE %I PARTITION OF search_index FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
        INSERT INTO search_index_parts (name, lower, upper) VALUES (part, lo, hi);
        lo := hi;
    END LOOP;
END
$$;
-- +migrate StatementEnd
INSERT INTO search_index (document_id, user_id, created_at, search_config, content_type, search_vector, notes_vector, topics)
SELECT d.id, d.user_id, d.created_at, d.search_config, d.content_type, d.search_vector, d.notes_vector,
    docuvault_search_index_topics(d.id)
FROM documents d
WHERE d.status <> 'uploading' AND d.trashed_at IS NULL AND d.search_vector IS NOT NULL AND d.user_id IS NOT NULL
ORDER BY d.created_at;
SELECT docuvault_search_index_cut(20000); -- nothing to do: the head has at most 20,000
-- Built after the rows are in (faster than row by row); on every part.
CREATE INDEX ix_search_index_words ON search_index USING gin (search_vector);
CREATE INDEX ix_search_index_notes ON search_index USING gin (notes_vector);
CREATE INDEX ix_search_index_topics ON search_index USING gin (topics);
CREATE INDEX ix_search_index_document ON search_index (document_id);
-- In a vault of many users, a user's own rows of a part, for PostgreSQL to
-- AND with the words' matches when they are a small share of the part.
CREATE INDEX ix_search_index_user ON search_index (user_id, created_at);
-- Statistics now, not at autovacuum's next round: see the cut above.
ANALYZE search_index;

-- +migrate Down
DROP TRIGGER search_index_refiled ON document_topics;
DROP TRIGGER search_index_unfiled ON document_topics;
DROP TRIGGER search_index_filed ON document_topics;
DROP TRIGGER search_index_document ON documents;
DROP FUNCTION docuvault_search_index_cut(integer);
DROP FUNCTION docuvault_search_index_part_name(timestamptz);
DROP FUNCTION docuvault_search_index_filing();
DROP FUNCTION docuvault_search_index_document();
DROP FUNCTION docuvault_search_index_topics(uuid);
DROP TABLE search_index_parts;
DROP TABLE search_index;
