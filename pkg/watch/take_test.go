package watch

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/ingest"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

// TestTakeVanishedOrChanged gives take files as a scan saw them that have
// since vanished or changed (issue 22's "a file that vanishes or changes
// while read"), against real PostgreSQL and MinIO: a vanished file is
// forgotten with nothing stored and no error; a file that grew or shrank
// since the scan is refused by the store (nothing stored, quota untouched),
// recorded as an ingest error, retried, and left where it is; a file
// rewritten at the same size while it was read is stored as it was read,
// left in place and reported, so its new content is taken once it settles.
func TestTakeVanishedOrChanged(t *testing.T) {
	ctx := context.Background()
	d := testenv.Deploy(t)
	db := d.AppDB(t)
	svc := storage.New(db, d.AppStore(t), nil, storage.Limits{})
	t.Cleanup(func() { _ = svc.Close() })
	u, err := users.Create(ctx, db, users.NewUser{Handle: "ann", Email: "ann@example.org", QuotaBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w := &watcher{d: Deps{DB: db, Storage: svc, Log: slog.Default()},
		o:       Options{Folders: []Folder{{Dir: dir, OwnerID: u.ID, After: AfterDelete}}},
		entries: map[string]*entry{}, errored: map[string]map[string]bool{u.ID: {}}, topics: map[string]map[string]string{}}
	stored := func() (docs int, used int64) {
		t.Helper()
		if err := db.Get(&docs, `SELECT count(*) FROM documents WHERE user_id = $1`, u.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.Get(&used, `SELECT used_bytes FROM quotas WHERE user_id = $1`, u.ID); err != nil {
			t.Fatal(err)
		}
		return docs, used
	}
	write := func(name, body string) (string, stamp) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return p, stamp{size: st.Size(), mtime: st.ModTime()}
	}

	// Vanished between the scan and the read.
	r := w.take(ctx, job{path: filepath.Join(dir, "scan0001.pdf"), st: stamp{size: 40, mtime: time.Now()}})
	if r.res.Status != "" || !r.settled || r.res.Error != "" {
		t.Fatalf("vanished: %+v", r)
	}

	// Grew, then shrank, after the scan.
	for _, tc := range []struct{ name, seen, now string }{
		{"grew.txt", "the first lines", "the first lines, and more that the scanner wrote after the scan"},
		{"shrank.txt", "a longer first version of the page", "short"},
	} {
		_, st := write(tc.name, tc.seen)
		p, _ := write(tc.name, tc.now)
		r := w.take(ctx, job{path: p, st: st})
		if r.res.Status != "error" || !r.retry || r.settled || !strings.Contains(r.res.Error, "changed while it was read") {
			t.Errorf("%s: %+v, want a retried error saying it changed", tc.name, r)
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: the file should stay: %v", tc.name, err)
		}
		if docs, used := stored(); docs != 0 || used != 0 {
			t.Errorf("%s: %d documents, %d bytes counted, want nothing stored", tc.name, docs, used)
		}
	}
	errs, err := ingest.List(ctx, db, u.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 2 {
		t.Errorf("ingest errors %+v, want the two changed files", errs)
	}

	// Rewritten at the same size while it was read: the time says so.
	p, st := write("same-size.txt", "version A of the letter")
	st.mtime = st.mtime.Add(-time.Hour) // as the scan saw it, before the rewrite
	r = w.take(ctx, job{path: p, st: st})
	if r.res.Status != "error" || !r.retry || r.settled || !strings.Contains(r.res.Error, "changed while it was read (document ") {
		t.Errorf("same size: %+v, want a retried error naming the document with the content before", r)
	}
	if _, err := os.Stat(p); err != nil {
		t.Errorf("same size: the file should stay for its new content: %v", err)
	}
	if docs, used := stored(); docs != 1 || used != st.size {
		t.Errorf("same size: %d documents, %d bytes counted, want the one read", docs, used)
	}
}
