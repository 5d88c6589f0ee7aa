// Package folders keeps each user's folders: a tree of names that documents
// are filed in, one tree per user.
//
// A folder's name is unique among its siblings (the top level counts as one
// parent), a folder belongs to exactly one user, and its parent is one of
// that user's folders. The tree never has a cycle: Update checks a move
// while holding a per-owner lock, so two moves that would each be fine
// alone cannot together make a loop.
//
// A Folder carries how many documents are in it (not in its subfolders);
// Resolve finds a folder by its path ("Taxes/2024") or id, Paths and
// Subtree work on a listed tree (the CLI's paths, what a delete takes).
//
// Every function takes the owner's user id and treats another user's
// folder exactly like a missing one (ErrNotFound), so callers never reveal
// whether someone else's folder exists.
package folders
