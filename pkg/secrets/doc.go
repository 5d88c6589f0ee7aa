// Package secrets seals secrets DocuVault must keep at rest and use later
// (IMAP passwords, cloud connections' credentials, TOTP seeds): AES-256-GCM
// under a key derived from SECRET_KEY with HKDF-SHA256 and a purpose label,
// so that a value sealed for one purpose never opens as another.
//
// A sealed value is text, fit for a text column:
//
//	dv1:<key id>:<base64url of nonce and ciphertext>
//
// The key id (16 hex digits, derived from SECRET_KEY by HKDF with its own
// label, so it tells nothing about the key) says which SECRET_KEY sealed
// the value. A Keyring holds the current SECRET_KEY and any old ones: it
// seals with the current key and opens with whichever key the id names,
// so a new SECRET_KEY can be rolled in while the old one still opens what
// it sealed, and Rotate re-seals every stored value with the new one.
//
// The format, the key id and the purpose are bound into the GCM
// additional data, together with the caller's own (for a database column,
// the row's id): a value copied to another row, purpose or key id does
// not open.
//
// Nothing here logs, and no error message holds a plaintext, a key or a
// sealed value.
package secrets
