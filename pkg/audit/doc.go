// Package audit writes and reads DocuVault's audit trail (the audit_log
// table): who did what to which resource, from where, and when.
//
// An event names the user it concerns (UserID), the user who acted
// (ActorID: the same user, or an admin acting on them) or, when no account
// acted, who did (ActorLabel: CLIActor(), "cli:" and the OS user, for a
// command run through the CLI), its type (one of the constants here), the
// resource (a document, folder, share, topic or user id), the client's IP
// address, and a small JSON object of details.
//
// List reads events for people too: who acted and whom it concerns by
// handle, the event and its details in words (ids of topics and folders
// as names), and whether the reader may open the document it is about.
//
// The trail must never hold a secret or a document's text. Record refuses
// metadata with a key that names one (password, token, secret, text, …)
// and metadata over MaxMetadataBytes; it cannot judge values, so callers
// put ids, names and sizes there, never credentials or content.
//
// Record takes any sqlx.ExecerContext, so an event can be written in the
// same transaction as the change it records and vanish with it on rollback.
package audit
