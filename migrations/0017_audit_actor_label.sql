-- Who acted, when no signed-in user did (issue 21).
--
-- actor_label names the actor of an event done outside the HTTP API: for a
-- command run through the CLI it is 'cli:' and the operating-system user
-- that ran it ('cli:root'); actor_id is then NULL (a CLI command acts as
-- nobody's account). Events from the HTTP API keep actor_label NULL and name
-- their actor in actor_id. The label is at most 200 characters and starts
-- with a kind and a colon ('cli:'), so later kinds of actor fit.
--
-- The Activity page filters by person (events concerning them or done by
-- them): actor_id gets the index user_id has.
--
-- docuvault_store_uploads takes p_actor_labels too, so a small upload from
-- the CLI is recorded by the statement that stores it, as one from the API
-- is. The app role may execute it as before (functions are executable by
-- PUBLIC).

-- +migrate Up
ALTER TABLE audit_log ADD COLUMN actor_label text
    CONSTRAINT audit_log_actor_label_check CHECK (actor_label ~ '^[a-z]+:.' AND length(actor_label) <= 200);
CREATE INDEX ix_audit_actor_created_id ON audit_log (actor_id, created_at, id) WHERE actor_id IS NOT NULL;

DROP FUNCTION docuvault_store_uploads(uuid[], uuid[], text[], text[], text[], bigint[], bytea[], text[], boolean[], uuid[], inet[], jsonb[]);
-- +migrate StatementBegin
CREATE FUNCTION docuvault_store_uploads(p_ids uuid[], p_users uuid[], p_filenames text[], p_object_keys text[],
    p_content_types text[], p_sizes bigint[], p_sha256s bytea[], p_statuses text[], p_allow_duplicates boolean[],
    p_actors uuid[], p_ips inet[], p_metadata jsonb[], p_actor_labels text[])
RETURNS TABLE (idx integer, outcome text, document_id uuid, created timestamptz, updated timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    dup uuid;
BEGIN
    FOR k IN 1 .. coalesce(array_length(p_ids, 1), 0) LOOP
        idx := k;
        document_id := NULL;
        created := NULL;
        updated := NULL;
        IF NOT p_allow_duplicates[k] THEN
            SELECT d.id INTO dup FROM documents d
            WHERE d.user_id = p_users[k] AND d.sha256 = p_sha256s[k] AND d.status <> 'uploading'
            ORDER BY d.created_at LIMIT 1;
            IF FOUND THEN
                outcome := 'duplicate';
                document_id := dup;
                RETURN NEXT;
                CONTINUE;
            END IF;
        END IF;
        UPDATE quotas q SET used_bytes = q.used_bytes + p_sizes[k]
        WHERE q.user_id = p_users[k] AND q.used_bytes + p_sizes[k] <= q.limit_bytes;
        IF NOT FOUND THEN
            outcome := 'no_room';
            RETURN NEXT;
            CONTINUE;
        END IF;
        INSERT INTO documents (id, user_id, filename, object_key, content_type, size_bytes, sha256, status)
        VALUES (p_ids[k], p_users[k], p_filenames[k], p_object_keys[k], p_content_types[k], p_sizes[k], p_sha256s[k], p_statuses[k])
        RETURNING documents.created_at, documents.updated_at INTO created, updated;
        IF p_actors[k] IS NOT NULL OR p_actor_labels[k] IS NOT NULL THEN
            INSERT INTO audit_log (user_id, actor_id, actor_label, event_type, resource_id, ip_address, metadata)
            VALUES (p_users[k], p_actors[k], p_actor_labels[k], 'upload', p_ids[k], p_ips[k], p_metadata[k]);
        END IF;
        outcome := 'stored';
        document_id := p_ids[k];
        RETURN NEXT;
    END LOOP;
END
$$;
-- +migrate StatementEnd

-- +migrate Down
DROP FUNCTION docuvault_store_uploads(uuid[], uuid[], text[], text[], text[], bigint[], bytea[], text[], boolean[], uuid[], inet[], jsonb[], text[]);
-- +migrate StatementBegin
CREATE FUNCTION docuvault_store_uploads(p_ids uuid[], p_users uuid[], p_filenames text[], p_object_keys text[],
    p_content_types text[], p_sizes bigint[], p_sha256s bytea[], p_statuses text[], p_allow_duplicates boolean[],
    p_actors uuid[], p_ips inet[], p_metadata jsonb[])
RETURNS TABLE (idx integer, outcome text, document_id uuid, created timestamptz, updated timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    dup uuid;
BEGIN
    FOR k IN 1 .. coalesce(array_length(p_ids, 1), 0) LOOP
        idx := k;
        document_id := NULL;
        created := NULL;
        updated := NULL;
        IF NOT p_allow_duplicates[k] THEN
            SELECT d.id INTO dup FROM documents d
            WHERE d.user_id = p_users[k] AND d.sha256 = p_sha256s[k] AND d.status <> 'uploading'
            ORDER BY d.created_at LIMIT 1;
            IF FOUND THEN
                outcome := 'duplicate';
                document_id := dup;
                RETURN NEXT;
                CONTINUE;
            END IF;
        END IF;
        UPDATE quotas q SET used_bytes = q.used_bytes + p_sizes[k]
        WHERE q.user_id = p_users[k] AND q.used_bytes + p_sizes[k] <= q.limit_bytes;
        IF NOT FOUND THEN
            outcome := 'no_room';
            RETURN NEXT;
            CONTINUE;
        END IF;
        INSERT INTO documents (id, user_id, filename, object_key, content_type, size_bytes, sha256, status)
        VALUES (p_ids[k], p_users[k], p_filenames[k], p_object_keys[k], p_content_types[k], p_sizes[k], p_sha256s[k], p_statuses[k])
        RETURNING documents.created_at, documents.updated_at INTO created, updated;
        IF p_actors[k] IS NOT NULL THEN
            INSERT INTO audit_log (user_id, actor_id, event_type, resource_id, ip_address, metadata)
            VALUES (p_users[k], p_actors[k], 'upload', p_ids[k], p_ips[k], p_metadata[k]);
        END IF;
        outcome := 'stored';
        document_id := p_ids[k];
        RETURN NEXT;
    END LOOP;
END
$$;
-- +migrate StatementEnd
DROP INDEX ix_audit_actor_created_id;
ALTER TABLE audit_log DROP COLUMN actor_label;
