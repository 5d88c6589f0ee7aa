// Package oidc is single sign-on with OpenID Connect: people sign in to
// DocuVault with an identity provider they already run (Dex, Keycloak,
// Authentik, Google, Entra ID …), configured in the config file's "oidc:"
// list.
//
// The flow is the authorization code flow with PKCE (S256): Start makes a
// random state, nonce and code verifier, keeps them in Redis for ten
// minutes under the state's hash, and returns the provider's authorization
// URL; Finish takes the state back (once: a replayed or unknown state is
// ErrState), exchanges the code with the verifier, verifies the ID token
// (signature against the provider's published keys, issuer, audience,
// expiry, and the nonce), and signs the person in:
//
//   - an identity (provider, subject) seen before signs in to its account;
//   - else an account whose e-mail address the provider vouches for
//     (email_verified) is linked to the identity;
//   - else, when the provider allows sign-up, an account is created (a
//     handle made from preferred_username or the e-mail address, no
//     password);
//   - never an account that is disabled (ErrDisabled).
//
// At every sign-in the provider's groups claim, when configured, sets the
// account's membership of the DocuVault groups it maps to (added and
// removed) and, with admin_groups, its role (never demoting the last
// active admin).
//
// Finish starts no session: the caller (pkg/api) starts one with pkg/auth
// and hands the web app a one-time code (NewHandoff/TakeHandoff, 60
// seconds, once), so that no token ever appears in a URL.
//
// A provider's discovery document is fetched when a sign-in starts (5
// seconds at most), never at startup: a provider that is down never stops
// DocuVault from starting nor affects password sign-in, and a person is
// told at once (ErrProviderDown) rather than sent to a dead page. The first
// answer is kept, with the signing keys its key set caches.
// Nothing here is per process beyond that discovery cache: state and
// handoffs live in Redis, identities in PostgreSQL (oidc_identities).
package oidc
