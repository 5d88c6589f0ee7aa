-- Trash and versions (issue 23, items 1 and 2).
--
-- documents.trashed_at: set when its owner deletes a document. A trashed
-- document keeps its row, objects and quota, but is hidden from lists,
-- search, counts, folders and shares (its shares stay, suspended) until it
-- is restored or purged. documents.purging: set (and committed) before a
-- purge deletes the document's objects, so a purge killed between its
-- object deletes and its row delete leaves a row fsck knows is on its way
-- out (not a row without its object) and the next purge finishes.
--
-- document_versions: the older contents of a document. The current one is
-- the documents row itself; each earlier one keeps its own object under
-- the document's prefix ({user_id}/{document_id}/{uuid}{ext}), counted in
-- quota like the current. number counts up from 1 per document.
--
-- The app role's privileges come from docuvault grant's default privileges.

-- +migrate Up
ALTER TABLE documents ADD COLUMN trashed_at timestamptz;
ALTER TABLE documents ADD COLUMN purging boolean NOT NULL DEFAULT false;
CREATE INDEX ix_documents_trashed ON documents (user_id, trashed_at) WHERE trashed_at IS NOT NULL;

CREATE TABLE document_versions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    document_id  uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    number       integer NOT NULL,
    object_key   text NOT NULL UNIQUE,
    size_bytes   bigint NOT NULL,
    sha256       bytea NOT NULL,
    content_type text NOT NULL,
    filename     text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT document_versions_document_id_number_key UNIQUE (document_id, number)
);

-- +migrate Down
DROP TABLE document_versions;
DROP INDEX ix_documents_trashed;
ALTER TABLE documents DROP COLUMN purging;
ALTER TABLE documents DROP COLUMN trashed_at;
