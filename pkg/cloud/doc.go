// Package cloud imports documents from a user's cloud connections: an
// S3-compatible bucket and prefix (AWS S3, another MinIO, …) or a WebDAV
// folder (Nextcloud, ownCloud, any WebDAV server). The import is one way:
// each sync lists the files under the connection's path and stores the new
// and changed ones through pkg/storage exactly as `docuvault upload` does
// (type checks, quota, duplicates, extraction and classification follow).
// cloud_items remembers what each connection took (path, ETag, size,
// modification time, document), so a second sync takes nothing twice. A
// file whose ETag, size or time changed becomes a new version of the
// document the earlier sync made of it (storage.NewVersion: the document
// keeps its id, topics, folder, shares and notes; quota, text, thumbnail
// and classification follow the new content); content that is that
// document's current content already is nothing new. When that document
// is in the trash (it stays there, untouched) or was deleted for good, or
// when several files were taken as that one document (copies), the new
// content is a new document.
//
// Credentials are sealed with pkg/secrets (purpose
// cloud_connections.credentials, the row id as additional data) and never
// leave this package except to the provider's client.
//
// A sync that cannot list the path — wrong credentials, a server that
// answers 5xx, no answer within the timeout — puts the connection in
// status ERROR with the reason in one line (last_error); the periodic job
// tries it again with backoff. A file that cannot be taken (vanished
// between the listing and the read, a type not allowed, over quota) is a
// per-item error in pkg/ingest and is tried again at the next sync. One
// sync per connection runs at a time, across all processes (a PostgreSQL
// advisory lock).
package cloud
