// Package apitokens keeps users' personal API tokens: long-lived bearer
// tokens ("dvt_…") that scripts and phone scan apps send instead of
// signing in.
//
// A token is 32 random bytes in base64url after the prefix "dvt_". It is
// shown once, by Create; only its SHA-256 is stored, and Authenticate
// finds a token by that hash, so no stored secret is ever compared. Each
// token has scopes: ScopeRead (list, get, download and search documents)
// and ScopeUpload (store documents). There is no broader scope on purpose:
// a token can never manage tokens, change a password, administer, or edit
// or delete documents, so a token leaked from a phone app can at worst
// read or add documents.
//
// Authenticate reads the token and its account on every request (no
// cache): a revoked token (Delete removes it) or a disabled account is
// refused at once. It writes last_used_at at most once per UseInterval per
// token.
//
// Every function that takes an owner's user id treats another user's
// token exactly like a missing one (ErrNotFound).
package apitokens
