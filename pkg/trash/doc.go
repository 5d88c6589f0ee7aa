// Package trash is a document's way out: deleting a document moves it to
// its owner's trash (documents.trashed_at), where it keeps its objects,
// its quota, its topics and its shares (suspended: the recipients no
// longer see it) but is hidden from every list, search, count, folder and
// share; its owner restores it, deletes it for good, or empties the trash;
// and the worker's periodic purge (jobs.PurgeTrash) deletes for good what
// has been in the trash for longer than DOCUVAULT_TRASH_DAYS.
//
// Deleting for good is storage.Purge: objects before rows, safe to stop at
// any point (a purge that was stopped is finished by the next one).
package trash
