// Package bulkupload uploads many files — paths, directories, several at
// once — through the storage package, reporting each file's result and the
// bytes sent as it goes. It is what `docuvault upload` runs.
package bulkupload

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/storage"
)

// Options is one bulk upload.
type Options struct {
	Paths           []string
	Recursive       bool
	Parallel        int // uploads in flight, 1..64
	OwnerID         string
	TopicIDs        []string
	AllowDuplicates bool
	NoClassify      bool
	// AuditActor, if set, is the ActorLabel of each stored upload's audit
	// event (audit.CLIActor() for the CLI); "" records none.
	AuditActor string
}

// Result is one file's outcome, as `upload --json` prints it.
type Result struct {
	Path        string `json:"path"`
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	SizeBytes   int64  `json:"size_bytes"`
	ContentType string `json:"content_type"`
	ObjectKey   string `json:"object_key"`
	Status      string `json:"status"` // the document's status, "duplicate", "restored" (from the trash), or "error"
	DuplicateOf string `json:"duplicate_of"`
	Error       string `json:"error"`
	// NotQueued is set when the document was stored but its job could not
	// be queued (Redis down): the worker's sweeper will queue it.
	NotQueued error `json:"-"`
	// NotAudited is set when the document was stored but its audit event
	// could not be recorded.
	NotAudited error `json:"-"`
}

// Observer hears about a bulk upload as it goes. Calls may come from
// several goroutines at once.
type Observer interface {
	Planned(files int, bytes int64) // once, before the first upload
	Sent(bytes int64)               // bytes read from a file
	Done(Result)                    // each file, once
}

// Summary counts the outcomes.
type Summary struct {
	Stored, Duplicates, Failed int
}

// file is one planned upload, or a path that failed before planning.
type file struct {
	path string
	size int64
	err  error
}

// Run uploads every file named by o.Paths. It returns an error only when
// nothing could start or ctx was cancelled; per-file failures are results.
func Run(ctx context.Context, svc *storage.Service, o Options, obs Observer) (Summary, error) {
	if o.Parallel < 1 || o.Parallel > 64 {
		return Summary{}, fmt.Errorf("--parallel must be 1 to 64, not %d", o.Parallel)
	}
	if len(o.Paths) == 0 {
		return Summary{}, errors.New("no paths given")
	}
	files := plan(o.Paths, o.Recursive)
	var total int64
	for _, f := range files {
		total += f.size
	}
	obs.Planned(len(files), total)

	var (
		sum  Summary
		mu   sync.Mutex
		wg   sync.WaitGroup
		work = make(chan file)
	)
	for range o.Parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range work {
				r := uploadOne(ctx, svc, o, f, obs)
				mu.Lock()
				switch {
				case r.Error != "":
					sum.Failed++
				case r.DuplicateOf != "":
					sum.Duplicates++
				default:
					sum.Stored++
				}
				mu.Unlock()
				obs.Done(r)
			}
		}()
	}
feed:
	for _, f := range files {
		select {
		case work <- f:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	return sum, nil
}

// plan expands paths into files, in a stable order; paths that cannot be
// uploaded become failed entries.
func plan(paths []string, recursive bool) []file {
	var out []file
	for _, p := range paths {
		st, err := os.Stat(p)
		switch {
		case err != nil:
			out = append(out, file{path: p, err: describePathError(err)})
		case st.IsDir() && !recursive:
			out = append(out, file{path: p, err: errors.New("is a directory: pass --recursive to upload what is in it")})
		case st.IsDir():
			var found []file
			walkErr := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					found = append(found, file{path: path, err: describePathError(err)})
					if d != nil && d.IsDir() {
						return fs.SkipDir
					}
					return nil
				}
				if d.IsDir() {
					return nil
				}
				st, err := os.Stat(path) // follows a symlink to a file
				if err != nil {
					found = append(found, file{path: path, err: describePathError(err)})
					return nil
				}
				if st.Mode().IsRegular() {
					found = append(found, file{path: path, size: st.Size()})
				}
				return nil
			})
			if walkErr != nil {
				found = append(found, file{path: p, err: walkErr})
			}
			sort.Slice(found, func(i, j int) bool { return found[i].path < found[j].path })
			out = append(out, found...)
		case !st.Mode().IsRegular():
			out = append(out, file{path: p, err: errors.New("not a regular file")})
		default:
			out = append(out, file{path: p, size: st.Size()})
		}
	}
	return out
}

func describePathError(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errors.New("no such file or directory")
	case errors.Is(err, fs.ErrPermission):
		return errors.New("permission denied: cannot read it")
	}
	return err
}

func uploadOne(ctx context.Context, svc *storage.Service, o Options, f file, obs Observer) Result {
	r := Result{Path: f.path, Filename: filepath.Base(f.path), Status: "error"}
	if f.err != nil {
		r.Error = f.err.Error()
		return r
	}
	if err := ctx.Err(); err != nil {
		r.Error = "interrupted"
		return r
	}
	fh, err := os.Open(f.path)
	if err != nil {
		r.Error = describePathError(err).Error()
		return r
	}
	defer fh.Close()
	var ev *audit.Event
	if o.AuditActor != "" {
		ev = &audit.Event{ActorLabel: o.AuditActor}
	}
	res, err := svc.Upload(ctx, storage.UploadInput{
		Audit:           ev,
		OwnerID:         o.OwnerID,
		Filename:        filepath.Base(f.path),
		Body:            fh,
		Progress:        obs.Sent,
		Size:            f.size,
		TopicIDs:        o.TopicIDs,
		AllowDuplicates: o.AllowDuplicates,
		NoClassify:      o.NoClassify,
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			r.Error = "interrupted: nothing of this file was kept"
		} else {
			r.Error = err.Error()
		}
		return r
	}
	d := res.Document
	r.ID, r.Filename, r.SizeBytes, r.ContentType, r.ObjectKey, r.Status = d.ID, d.Filename, d.SizeBytes, d.ContentType, d.ObjectKey, d.Status
	if res.DuplicateOf != "" {
		r.Status, r.DuplicateOf = "duplicate", res.DuplicateOf
	}
	if res.Restored {
		r.Status = "restored"
	}
	r.NotQueued, r.NotAudited = res.EnqueueErr, res.AuditErr
	return r
}
