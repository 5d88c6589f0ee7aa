// Package mail takes documents in from e-mail: a user's IMAP accounts
// (password sealed with pkg/secrets, purpose imap.password) and the rules
// that say what to take from which folder: the attachments (those of the
// types wanted) or the whole message as an .eml document, from messages
// whose sender, subject and body contain what the rule says, with topics
// to assign and what to do with the message afterwards (mark it read,
// flag, move or delete it).
//
// Documents are stored through pkg/storage exactly as an upload is (quota,
// duplicates, the worker's extraction and classification). Each message
// looked at is remembered by (account, folder, UIDVALIDITY, UID), only
// after its documents' rows commit, so a message is never taken twice: a
// crash between the commit and the record finds the content stored on the
// next poll (a duplicate). Per-message failures go to pkg/ingest (source
// imap); an account that cannot be polled (unreachable, a TLS error, the
// login refused) is in status ERROR with the reason, polled again after a
// backoff. One poll of an account runs at a time across every process (a
// PostgreSQL advisory lock).
package mail
