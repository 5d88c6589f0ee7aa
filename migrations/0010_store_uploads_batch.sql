-- docuvault_store_uploads: the statements of several small uploads (their
-- objects already written, sizes and SHA-256 known) as one, so concurrent
-- uploads share one round trip and one commit. Row k of the arrays is one
-- upload; each is on its own: the duplicate check, its bytes in its owner's
-- quota, its final row and, when p_actors[k] is not NULL, its 'upload' audit
-- row. It answers one row per upload, in order: outcome 'stored' (with the
-- new row's timestamps), 'duplicate' (with the owner's document of the same
-- content; nothing inserted) or 'no_room' (the quota is full, or the owner
-- has no quota row; nothing inserted). A refusal does not stop the others.
-- The caller sorts the uploads by owner, so that concurrent batches lock
-- the owners' quota rows in one order.
--
-- It replaces docuvault_store_upload (0009), the statement of one small
-- upload, which nothing calls any more.

-- +migrate Up
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

DROP FUNCTION docuvault_store_upload(uuid, uuid, text, text, text, bigint, bytea, text, boolean);

-- +migrate Down
-- +migrate StatementBegin
CREATE FUNCTION docuvault_store_upload(p_id uuid, p_user uuid, p_filename text, p_object_key text,
    p_content_type text, p_size bigint, p_sha256 bytea, p_status text, p_allow_duplicates boolean)
RETURNS SETOF documents
LANGUAGE plpgsql AS $$
DECLARE
    doc documents;
BEGIN
    IF NOT p_allow_duplicates THEN
        SELECT * INTO doc FROM documents
        WHERE user_id = p_user AND sha256 = p_sha256 AND status <> 'uploading'
        ORDER BY created_at LIMIT 1;
        IF FOUND THEN
            RETURN NEXT doc;
            RETURN;
        END IF;
    END IF;
    INSERT INTO documents (id, user_id, filename, object_key, content_type, size_bytes, sha256, status)
    VALUES (p_id, p_user, p_filename, p_object_key, p_content_type, p_size, p_sha256, p_status)
    RETURNING * INTO doc;
    UPDATE quotas SET used_bytes = used_bytes + p_size
    WHERE user_id = p_user AND used_bytes + p_size <= limit_bytes;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no room in the quota of user %', p_user USING ERRCODE = 'DVQ01';
    END IF;
    RETURN NEXT doc;
END
$$;
-- +migrate StatementEnd

DROP FUNCTION docuvault_store_uploads(uuid[], uuid[], text[], text[], text[], bigint[], bytea[], text[], boolean[], uuid[], inet[], jsonb[]);
