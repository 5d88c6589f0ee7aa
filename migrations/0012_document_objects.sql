-- One document, several objects (issue 18): the objects a document has
-- besides its original, made from it by the worker: a thumbnail of its
-- first page and a searchable copy (the PDF with its OCR'd pages as upright
-- images under an invisible text layer). Each lives under the document's
-- prefix ({user_id}/{document_id}/{uuid}{ext}, D-06), counts in the owner's
-- quota like the original, and goes with the document (pkg/storage deletes
-- the objects before their rows; the cascade is for rows only). At most one
-- of each kind per document: a new one replaces the old.
--
-- The app role gets its DML on this table from the default privileges that
-- `docuvault grant` set for tables the migrate role creates later.

-- +migrate Up
CREATE TABLE document_objects (
    id           uuid PRIMARY KEY,
    document_id  uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    kind         varchar(32) NOT NULL CHECK (kind IN ('thumbnail', 'searchable_pdf')),
    object_key   text NOT NULL UNIQUE,
    content_type text NOT NULL,
    size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
    sha256       bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT document_objects_document_id_kind_key UNIQUE (document_id, kind)
);

-- +migrate Down
DROP TABLE document_objects;
