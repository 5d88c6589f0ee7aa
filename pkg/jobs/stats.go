package jobs

import (
	"fmt"

	"github.com/gocraft/work"
)

// QueueStats is the state of DocuVault's job queue: every job name's
// jobs (Names), thumbnails' also counted on their own.
type QueueStats struct {
	Queued int64 `json:"queued"` // waiting to run
	// QueuedFinishing is how many of Queued are FinishDocument jobs
	// (thumbnails and words for similar documents, after reading).
	QueuedFinishing int64 `json:"queued_finishing"`
	InProgress      int64 `json:"in_progress"` // running on some worker now
	Retrying        int64 `json:"retrying"`    // failed, waiting for a retry
	Scheduled       int64 `json:"scheduled"`   // waiting for a set time
	Dead            int64 `json:"dead"`        // failed for good
}

// Stats reads the queue's state through gocraft/work's client.
func Stats(c *work.Client) (QueueStats, error) {
	var st QueueStats
	queues, err := c.Queues()
	if err != nil {
		return st, fmt.Errorf("read queues: %w", err)
	}
	for _, q := range queues {
		if ours(q.JobName) {
			st.Queued += q.Count
		}
		if q.JobName == FinishDocument {
			st.QueuedFinishing = q.Count
		}
	}
	obs, err := c.WorkerObservations()
	if err != nil {
		return st, fmt.Errorf("read workers: %w", err)
	}
	for _, o := range obs {
		if o.IsBusy && ours(o.JobName) {
			st.InProgress++
		}
	}
	if _, st.Retrying, err = c.RetryJobs(1); err != nil {
		return st, fmt.Errorf("read retries: %w", err)
	}
	// The periodic jobs (the purge, the cloud and mail polls) sit in the
	// scheduled set ahead of their time: they are no work waiting, and a
	// drain must not wait for them. A page that holds other jobs ends the
	// count (work is waiting whatever follows); a page of periodic jobs
	// only is followed by the next.
	for page := uint(1); page <= 10; page++ {
		sched, n, err := c.ScheduledJobs(page)
		if err != nil {
			return st, fmt.Errorf("read scheduled jobs: %w", err)
		}
		if page == 1 {
			st.Scheduled = n
		}
		others := 0
		for _, j := range sched {
			if periodic(j.Name) {
				st.Scheduled--
			} else {
				others++
			}
		}
		if len(sched) == 0 || others > 0 {
			break
		}
	}
	if _, st.Dead, err = c.DeadJobs(1); err != nil {
		return st, fmt.Errorf("read dead jobs: %w", err)
	}
	return st, nil
}

// periodic reports whether name is a job the workers queue on a schedule.
func periodic(name string) bool {
	return name == PurgeTrash || name == CloudSyncDue || name == MailPoll
}

// ours reports whether name is one of DocuVault's job names.
func ours(name string) bool {
	for _, n := range Names() {
		if n == name {
			return true
		}
	}
	return false
}

// Waiting returns the document ids of jobs waiting for a retry or a set time.
func Waiting(c *work.Client) (map[string]bool, error) {
	ids := map[string]bool{}
	for page := uint(1); ; page++ {
		retries, _, err := c.RetryJobs(page)
		if err != nil {
			return nil, fmt.Errorf("read retries: %w", err)
		}
		for _, j := range retries {
			ids[j.ArgString(ArgDocumentID)] = true
		}
		if len(retries) == 0 {
			break
		}
	}
	for page := uint(1); ; page++ {
		sched, _, err := c.ScheduledJobs(page)
		if err != nil {
			return nil, fmt.Errorf("read scheduled jobs: %w", err)
		}
		for _, j := range sched {
			ids[j.ArgString(ArgDocumentID)] = true
		}
		if len(sched) == 0 {
			break
		}
	}
	return ids, nil
}

// DeadJob is a job given up on.
type DeadJob struct {
	ID         string `json:"job_id"`
	Name       string `json:"job_name"`
	DocumentID string `json:"document_id"`
	DiedAt     int64  `json:"died_at"`
	Fails      int64  `json:"fails"`
	LastError  string `json:"last_error"`
}

// Dead lists every dead job.
func Dead(c *work.Client) ([]DeadJob, error) {
	var out []DeadJob
	for page := uint(1); ; page++ {
		dead, _, err := c.DeadJobs(page)
		if err != nil {
			return nil, fmt.Errorf("read dead jobs: %w", err)
		}
		if len(dead) == 0 {
			return out, nil
		}
		for _, j := range dead {
			out = append(out, DeadJob{ID: j.ID, Name: j.Name, DocumentID: j.ArgString(ArgDocumentID), DiedAt: j.DiedAt, Fails: j.Fails, LastError: j.LastErr})
		}
	}
}

// RetryDead moves every dead job back to the queue and returns how many.
func RetryDead(c *work.Client) (int, error) {
	dead, err := Dead(c)
	if err != nil {
		return 0, err
	}
	if err := c.RetryAllDeadJobs(); err != nil {
		return 0, fmt.Errorf("retry dead jobs: %w", err)
	}
	return len(dead), nil
}
