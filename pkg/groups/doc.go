// Package groups keeps groups of users (a household, a small office) and
// documents shared with a group.
//
// Admins create, rename and delete groups and set their members. A
// document's owner shares it with a group, to view or to edit, and every
// member reaches it as if it were shared with them directly: every access
// check reads pkg/shares.Grants, which joins group_shares to group_members
// at query time, so adding or removing a member, or deleting the group,
// takes effect at once, with nothing cached.
//
// Policy: an owner may share with a group only when they belong to it, or
// are an admin (ErrNotMember otherwise). A group share stays when its owner
// later leaves the group; the owner or an admin ends it.
//
// As in pkg/shares, a document that is not the caller's, does not exist,
// or is named by something that is not a UUID gets one answer
// (ErrNotFound).
package groups
