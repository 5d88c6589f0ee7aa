// Package views keeps each user's saved views: a filter of the documents
// list with a name, pinned to the web app's sidebar and applied by
// "doc list --view".
//
// A view's name is unique among its owner's views whatever its case; its
// filter holds only the documents list's filter keys (status, topic,
// folder, content_type, date_from, date_to, sort), each checked when the
// view is saved: a topic or folder must then be one of the owner's. One
// deleted later leaves the view in place: List and Get drop it from the
// filter they return and say so in the view's Note.
//
// Every function takes the owner's user id and treats another user's view
// exactly like a missing one (ErrNotFound).
package views
