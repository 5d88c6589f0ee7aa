// Package jobs is DocuVault's background work on gocraft/work (v0.5.1) over
// redigo: the job names, their arguments, the enqueuer that the storage
// package uses after a document is committed, and the queue's state for
// `docuvault jobs` (Stats, and the dead set kept free of obsolete jobs:
// Obsolete, PruneDead).
//
// Every process that shares the Redis namespace must register every job
// name (gocraft/work #117); the names live here so they cannot drift.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gocraft/work"
	"github.com/gomodule/redigo/redis"
)

// Job names.
const (
	// ExtractAndClassify extracts a document's text and files it under its
	// owner's topics. Argument: ArgDocumentID.
	ExtractAndClassify = "extract_and_classify"
	// FinishDocument makes what a read document has beside its text and
	// topics — its thumbnail and its words for similar documents — once
	// those are saved: a later, lower-priority job, so that a batch's text
	// and topics are not held up by them. Argument: ArgDocumentID.
	FinishDocument = "finish_document"
	// PurgeTrash deletes for good what has been in the trash longer than
	// DOCUVAULT_TRASH_DAYS (package trash). No arguments; the worker
	// enqueues it periodically, and `docuvault trash purge` does its work
	// from cron.
	PurgeTrash = "purge_trash"
	// MailPoll polls the IMAP accounts whose next poll is due (pkg/mail):
	// a periodic job, queued once a minute by every worker (gocraft/work
	// queues each minute's once), each account under a lock so that one
	// poll of it runs at a time. No arguments.
	MailPoll = "mail_poll"
	// ArgDocumentID is the document's id (a UUID string).
	ArgDocumentID = "document_id"
	// CloudSyncDue is the worker's periodic job: it enqueues CloudSync for
	// each cloud connection that is due (pkg/cloud.Due). No argument.
	CloudSyncDue = "cloud_sync_due"
	// CloudSync imports a cloud connection's new and changed files.
	// Argument: ArgConnectionID. One runs per connection at a time, across
	// workers (pkg/cloud.Sync's advisory lock; a second is a no-op).
	CloudSync = "cloud_sync"
	// ArgConnectionID is the cloud connection's id (a UUID string).
	ArgConnectionID = "connection_id"
)

// Names is every job name, for registration by every worker.
func Names() []string {
	return []string{ExtractAndClassify, FinishDocument, CloudSyncDue, CloudSync, PurgeTrash}
}

// ErrRedisDown is returned, wrapped, while the enqueuer is backing off after
// a failure to reach Redis.
var ErrRedisDown = errors.New("redis unavailable")

// Enqueuer enqueues DocuVault's jobs. After a failure to reach Redis it
// fails fast for a while instead of waiting on every call, so a batch
// upload during a Redis outage is not slowed down: its documents stay
// 'pending' and the worker's sweeper enqueues them later.
type Enqueuer struct {
	enq     *work.Enqueuer
	backoff time.Duration

	mu        sync.Mutex
	downUntil time.Time
	lastErr   error
}

// NewEnqueuer returns an Enqueuer on pool in namespace.
func NewEnqueuer(namespace string, pool *redis.Pool) *Enqueuer {
	return &Enqueuer{enq: work.NewEnqueuer(namespace, pool), backoff: 30 * time.Second}
}

// EnqueueExtract enqueues ExtractAndClassify for documentID, unless the same
// job is already waiting. ctx only bounds the wait for a backoff decision:
// gocraft/work's calls take no context (its pool's dial timeout bounds them).
func (e *Enqueuer) EnqueueExtract(ctx context.Context, documentID string) error {
	return e.enqueue(ctx, ExtractAndClassify, documentID)
}

// EnqueueFinish enqueues FinishDocument for documentID, unless the same
// job is already waiting.
func (e *Enqueuer) EnqueueFinish(ctx context.Context, documentID string) error {
	return e.enqueue(ctx, FinishDocument, documentID)
}

// EnqueueCloudSync enqueues CloudSync for connectionID ("sync now"),
// unless one is already waiting.
func (e *Enqueuer) EnqueueCloudSync(ctx context.Context, connectionID string) error {
	return e.enqueueArg(ctx, CloudSync, ArgConnectionID, connectionID)
}

func (e *Enqueuer) enqueue(ctx context.Context, name, documentID string) error {
	return e.enqueueArg(ctx, name, ArgDocumentID, documentID)
}

func (e *Enqueuer) enqueueArg(ctx context.Context, name, arg, value string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e.mu.Lock()
	if time.Now().Before(e.downUntil) {
		err := e.lastErr
		e.mu.Unlock()
		return fmt.Errorf("%w: %v", ErrRedisDown, err)
	}
	e.mu.Unlock()
	_, err := e.enq.EnqueueUnique(name, work.Q{arg: value})
	if err != nil {
		e.mu.Lock()
		e.downUntil, e.lastErr = time.Now().Add(e.backoff), err
		e.mu.Unlock()
		return fmt.Errorf("%w: enqueue %s: %v", ErrRedisDown, name, err)
	}
	return nil
}
