// Package sharelinks keeps public share links: a URL (/s/TOKEN) that gives
// people without an account read-only access to one document, or to the
// documents directly in one folder (not its subfolders), of the link's
// owner. A link may expire, need a password (argon2id, as account
// passwords: pkg/users), allow a number of downloads, and be revoked.
//
// The token is 32 random bytes in base64url, shown once by Create; only
// its SHA-256 is stored. Every use of a link reads it again: a revoked,
// expired or exhausted link, one whose owner's account is disabled, a
// wrong or unknown token, and a wrong password all answer ErrNotFound, so
// nobody learns which. Failed unlocks
// are rate-limited per client address and per token (Redis); a request
// over a limit gets a *RateLimitError, whether or not the token exists.
//
// A right password buys an access value (Service.Unlock): an HMAC, under
// a key derived from SECRET_KEY, of the link's id and an expiry
// (AccessTTL, never past the link's own expiry). The API sets it as a
// cookie scoped to the link's path.
//
// A link never reaches anything but its own document, or the documents
// its owner has in its folder at the time of the request: Document checks
// ownership, folder and visibility (shares.Visible: not uploading, and
// whatever else the lead adds there, such as trash) on every call.
package sharelinks
