// Package foldershares keeps folder shares: a folder's owner giving one
// user, or one group, access to the folder, to view or to edit.
//
// A folder share covers the documents in the folder and in every folder
// below it, at the moment access is checked: pkg/shares.Grants walks the
// folder tree down from each shared folder in SQL (WITH RECURSIVE) and
// joins the documents filed there, and the members of a shared group, at
// query time. So every check that reads Grants — opening, downloading,
// listing "shared with me", search, notes, share links — follows folder
// shares with nothing copied per document: a document moved into a shared
// folder (or a subfolder) is shared at once, one moved out is not, and a
// member who leaves the group loses access at once. Deleting the folder
// (its subfolders' shares go with them), the group, the recipient or the
// owner deletes the share.
//
// As with document shares, only the owner's own documents are reached (a
// document's user_id must be the share's owner). An edit recipient may do
// what an edit document share allows — rename, retag, move the document
// between the owner's folders — but never file it in their own folders,
// and never upload into the owner's folder (uploads file only into the
// uploader's own folders).
//
// Policy, shared with document group shares (pkg/groups): an owner shares
// a folder with a group only when they belong to it, or are an admin
// (ErrNotMember otherwise).
//
// A folder that is not the caller's, does not exist, or is named by
// something that is not a UUID gets one answer (ErrNotFound).
package foldershares
