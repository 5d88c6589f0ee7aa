// Package shares lets a document's owner give another user access to it,
// to view or to edit, and answers what access a user has to a document.
//
// Only the owner shares: a recipient, even with edit access, cannot share
// the document further, and sees "not found" when trying. Either side may
// end a share. Documents still uploading (status 'uploading') are treated
// as absent everywhere, as the storage package does.
//
// Access reads every way of reaching a document through one subquery,
// Grants: direct shares, group shares (pkg/groups) and folder shares
// (pkg/foldershares, the shared folder's subtree walked at query time).
//
// A document that is not the caller's, does not exist, or is named by
// something that is not a UUID gets one and the same answer (ErrNotFound,
// or None from Access), so nobody learns whether another user's document
// exists.
package shares
