package watch_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/ingest"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/pkg/watch"
	"github.com/docuvault/docuvault/tests/testenv"
)

func TestIgnored(t *testing.T) {
	for name, want := range map[string]bool{
		".DS_Store": true, ".~lock.report.odt#": true, "~$letter.docx": true, "scan.pdf.part": true,
		"x.crdownload": true, "a.TMP": true, "notes.txt~": true, ".hidden": true, "x.swp": true,
		"scan.pdf": false, "Invoice 2024.PDF": false, "part.pdf": false, "a~b.txt": false, "tmp.txt": false,
	} {
		if got := watch.Ignored(name); got != want {
			t.Errorf("Ignored(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestParseAfter(t *testing.T) {
	for in, want := range map[string][2]string{"delete": {"delete", ""}, "keep": {"keep", ""}, "move:/srv/done": {"move", "/srv/done"}} {
		a, d, err := watch.ParseAfter(in)
		if err != nil || a != want[0] || d != want[1] {
			t.Errorf("ParseAfter(%q) = %q, %q, %v", in, a, d, err)
		}
	}
	for _, in := range []string{"", "move:", "shred", "Delete"} {
		if _, _, err := watch.ParseAfter(in); !errors.Is(err, watch.ErrBadFolder) {
			t.Errorf("ParseAfter(%q): %v, want ErrBadFolder", in, err)
		}
	}
}

type fixture struct {
	deps  watch.Deps
	owner string
}

func setup(t *testing.T) fixture {
	t.Helper()
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	svc := storage.New(db, d.AppStore(t), nil, storage.Limits{})
	t.Cleanup(func() { _ = svc.Close() })
	u, err := users.Create(context.Background(), db, users.NewUser{Handle: "ann", Email: "ann@example.org", QuotaBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{deps: watch.Deps{DB: db, Storage: svc}, owner: u.ID}
}

func (f fixture) count(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.deps.DB.Get(&n, `SELECT count(*) FROM documents WHERE user_id = $1 AND status <> 'uploading'`, f.owner); err != nil {
		t.Fatal(err)
	}
	return n
}

// A long-running Run takes files dropped while it runs (in subfolders
// too), leaves ignored ones, records a bad one, and on cancel returns
// what it did.
func TestRunLongRunning(t *testing.T) {
	f := setup(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu      sync.Mutex
		results []watch.Result
	)
	done := make(chan struct{})
	var sum watch.Summary
	var runErr error
	go func() {
		defer close(done)
		sum, runErr = watch.Run(ctx, f.deps, watch.Options{
			Folders: []watch.Folder{{Dir: dir, OwnerID: f.owner, After: watch.AfterDelete}},
			Settle:  200 * time.Millisecond, Rescan: 300 * time.Millisecond, Parallel: 4,
		}, func(r watch.Result) { mu.Lock(); results = append(results, r); mu.Unlock() })
	}()
	const n = 20
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("sub%d", i%3), fmt.Sprintf("f%02d.txt", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(fmt.Sprintf("dropped file number %d\n", i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bad := filepath.Join(dir, "tool.bin")
	if err := os.WriteFile(bad, append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 100)...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".DS_Store"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for f.count(t) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d documents stored", f.count(t), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for {
		errs, err := ingest.List(ctx, f.deps.DB, f.owner, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(errs) == 1 && errs[0].Path == bad {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ingest errors %+v, want the one of %s", errs, bad)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	<-done
	if runErr != nil {
		t.Fatalf("Run: %v", runErr)
	}
	if sum.Stored != n || sum.Failed < 1 || sum.Duplicates != 0 {
		t.Errorf("summary %+v", sum)
	}
	if _, err := os.Stat(filepath.Join(dir, ".DS_Store")); err != nil {
		t.Errorf(".DS_Store: %v", err)
	}
	if _, err := os.Stat(bad); err != nil {
		t.Errorf("the bad file should stay: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "sub0", "f00.txt")); !os.IsNotExist(err) {
		t.Errorf("a stored file should be gone: %v", err)
	}
}

// A watch folder that goes away while the watcher runs (removed, a share
// unmounted) is a listed error, not the end of the watcher; once it is
// back, files dropped into it are taken and the error goes.
func TestFolderGoneAndBack(t *testing.T) {
	f := setup(t)
	dir := filepath.Join(t.TempDir(), "share")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := watch.Run(ctx, f.deps, watch.Options{
			Folders: []watch.Folder{{Dir: dir, OwnerID: f.owner, After: watch.AfterDelete}},
			Settle:  100 * time.Millisecond, Rescan: 200 * time.Millisecond, Parallel: 2,
		}, nil)
		done <- err
	}()
	wait := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			select {
			case err := <-done:
				t.Fatalf("the watcher ended (%v) while waiting for %s", err, what)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 30s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	reason := func() string {
		errs, err := ingest.List(ctx, f.deps.DB, f.owner, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range errs {
			if e.Path == dir {
				return e.Reason
			}
		}
		return ""
	}
	if err := os.WriteFile(filepath.Join(dir, "first.txt"), []byte("before it went\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wait("the first file", func() bool { return f.count(t) == 1 })
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	wait("the folder's error", func() bool { return strings.Contains(reason(), "the watch folder cannot be read: no such directory") })
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "second.txt"), []byte("after it came back\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wait("the file dropped once it was back", func() bool { return f.count(t) == 2 })
	wait("the folder's error cleared", func() bool { return reason() == "" })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// Two kept files of the same content are one document (the second a
// duplicate); one of them edited becomes a new document, not a version of
// the one the other still is.
func TestKeptCopyEdited(t *testing.T) {
	f := setup(t)
	dir := t.TempDir()
	for _, n := range []string{"a.txt", "copy of a.txt"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("the same letter\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o := watch.Options{Folders: []watch.Folder{{Dir: dir, OwnerID: f.owner, After: watch.AfterKeep}}, Settle: 100 * time.Millisecond, Parallel: 1, Once: true}
	sum, err := watch.Run(context.Background(), f.deps, o, nil)
	if err != nil || sum != (watch.Summary{Stored: 1, Duplicates: 1}) {
		t.Fatalf("first run: %+v, %v", sum, err)
	}
	p := filepath.Join(dir, "copy of a.txt")
	if err := os.WriteFile(p, []byte("the same letter, annotated\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour)
	if err := os.Chtimes(p, past, past); err != nil {
		t.Fatal(err)
	}
	sum, err = watch.Run(context.Background(), f.deps, o, nil)
	if err != nil || sum != (watch.Summary{Stored: 1}) {
		t.Fatalf("after editing the copy: %+v, %v (want a new document)", sum, err)
	}
	var versions int
	if err := f.deps.DB.Get(&versions, `SELECT count(*) FROM document_versions`); err != nil || versions != 0 {
		t.Fatalf("%d versions (%v), want none", versions, err)
	}
}

// Once with keep: the second run reads nothing again; the folder gone is
// a usage error before anything starts.
func TestRunOnceKeep(t *testing.T) {
	f := setup(t)
	dir := t.TempDir()
	for i := range 5 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("k%d.txt", i)), []byte(fmt.Sprintf("kept %d\n", i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o := watch.Options{Folders: []watch.Folder{{Dir: dir, OwnerID: f.owner, After: watch.AfterKeep}}, Settle: 100 * time.Millisecond, Parallel: 2, Once: true}
	sum, err := watch.Run(context.Background(), f.deps, o, nil)
	if err != nil || sum.Stored != 5 {
		t.Fatalf("first run: %+v, %v", sum, err)
	}
	sum, err = watch.Run(context.Background(), f.deps, o, nil)
	if err != nil || sum != (watch.Summary{}) {
		t.Errorf("second run: %+v, %v (want nothing taken)", sum, err)
	}
	if n := f.count(t); n != 5 {
		t.Errorf("%d documents, want 5", n)
	}
	// A kept file edited in place: a new version of its document; then
	// nothing again.
	k0 := filepath.Join(dir, "k0.txt")
	if err := os.WriteFile(k0, []byte("kept 0, edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(-time.Hour) // a time of its own even on a coarse clock
	if err := os.Chtimes(k0, later, later); err != nil {
		t.Fatal(err)
	}
	var got []watch.Result
	sum, err = watch.Run(context.Background(), f.deps, o, func(r watch.Result) { got = append(got, r) })
	if err != nil || sum != (watch.Summary{Versions: 1}) || len(got) != 1 || got[0].Status != "version" {
		t.Fatalf("after an edit: %+v, %v, %+v (want one new version)", sum, err, got)
	}
	vs, err := f.deps.Storage.Versions(context.Background(), f.owner, got[0].ID)
	if err != nil || len(vs) != 1 || vs[0].SizeBytes != int64(len("kept 0\n")) {
		t.Fatalf("versions of the edited file's document: %+v, %v", vs, err)
	}
	if sum, err = watch.Run(context.Background(), f.deps, o, nil); err != nil || sum != (watch.Summary{}) {
		t.Errorf("after the version: %+v, %v (want nothing taken)", sum, err)
	}
	if n := f.count(t); n != 5 {
		t.Errorf("%d documents, want 5", n)
	}
	o.Folders[0].Dir = filepath.Join(dir, "gone")
	if _, err := watch.Run(context.Background(), f.deps, o, nil); !errors.Is(err, watch.ErrBadFolder) {
		t.Errorf("a missing folder: %v, want ErrBadFolder", err)
	}
}
