package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/transfer"
)

// killWhen starts docuvault args, waits until progress (a fact the test
// sees in the file system or the bucket) shows it is half-way, and kills it
// with SIGKILL. It fails the test when the command ended first.
func (d *deployment) killWhen(t *testing.T, what string, progress func() bool, args ...string) {
	t.Helper()
	cmd, out, errb := d.watchCmd(t, false, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(2 * time.Minute)
	for !progress() {
		select {
		case err := <-done:
			t.Fatalf("docuvault %s ended (%v) before %s; stdout %s stderr %s", strings.Join(args, " "), err, what, out, errb)
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("docuvault %s: no sign of %s in 2 minutes", strings.Join(args, " "), what)
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; exitCode(err) != -1 {
		t.Fatalf("docuvault %s was not killed (%v): stdout %s stderr %s", strings.Join(args, " "), err, out, errb)
	}
	t.Logf("killed docuvault %s after %s", strings.Join(args, " "), what)
}

// strippedManifest is a manifest without its time and the audit log's file
// and count (each export and import adds an event).
func strippedManifest(t *testing.T, b []byte) transfer.Manifest {
	t.Helper()
	m := readManifest(t, bytes.NewReader(b))
	m.Created = time.Time{}
	delete(m.Counts, "audit")
	var files []transfer.FileSum
	for _, f := range m.Files {
		if f.Path != "data/audit.jsonl" {
			files = append(files, f)
		}
	}
	m.Files = files
	return m
}

// TestExportImportSurviveKill kills `docuvault export` (to a tar and to a
// directory) and `docuvault import` with SIGKILL half-way, on a sign of
// progress, and runs each again: the second run finishes; the import has
// no duplicate rows, every object in the bucket byte-identical to the
// export's, quotas as in the source, fsck clean, and an export of the
// result has the same manifest. A tar with one changed byte is refused,
// naming the file, with nothing imported.
func TestExportImportSurviveKill(t *testing.T) {
	src := exportSource(t)
	// Enough objects that the kill lands half-way.
	many := t.TempDir()
	for i := range 240 {
		body := fmt.Appendf(nil, "receipt %d\n%s", i, strings.Repeat(fmt.Sprintf("line %d of a receipt\n", i), 800))
		writeFile(t, filepath.Join(many, fmt.Sprintf("r%03d.txt", i)), body)
	}
	src.run(t, map[string]string{"DOCUVAULT_USER": "ann"}, "upload", "--no-classify", "--recursive", many).check(t, 0, "", "")
	tmp := t.TempDir()
	size := func(p string) int64 {
		st, err := os.Stat(p)
		if err != nil {
			return 0
		}
		return st.Size()
	}

	// Export to a tar, killed once bytes reach the file: no vault.tar.
	tarPath := filepath.Join(tmp, "vault.tar")
	src.killWhen(t, "the tar growing", func() bool { return size(tarPath+".partial") > 0 }, "export", tarPath)
	if _, err := os.Stat(tarPath); !os.IsNotExist(err) {
		t.Fatalf("a killed export left %s (%v)", tarPath, err)
	}
	src.run(t, nil, "export", tarPath).check(t, 0, "exported 2 user(s), 242 document(s), 1 version(s), 243 object(s)", "")
	if _, err := os.Stat(tarPath + ".partial"); !os.IsNotExist(err) {
		t.Errorf("the finished export left %s.partial (%v)", tarPath, err)
	}
	first := tarFiles(t, tarPath)

	// Export to a directory, killed once objects are written: not an
	// export (import refuses it), and the same command finishes it.
	dir := filepath.Join(tmp, "vault")
	src.killWhen(t, "objects in the directory", func() bool {
		e, _ := os.ReadDir(filepath.Join(dir, "objects"))
		return len(e) > 0
	}, "export", dir)
	if _, err := os.Stat(filepath.Join(dir, transfer.UnfinishedMarker)); err != nil {
		t.Errorf("a killed export directory has no %s: %v", transfer.UnfinishedMarker, err)
	}
	src.run(t, nil, "import", dir).check(t, 1, "", "manifest.json: missing")
	src.run(t, nil, "export", dir).check(t, 0, "243 object(s)", "")
	second := dirFiles(t, dir)
	if _, ok := second[transfer.UnfinishedMarker]; ok {
		t.Errorf("the finished export directory still holds %s", transfer.UnfinishedMarker)
	}
	if m1, m2 := strippedManifest(t, first[transfer.ManifestPath]), strippedManifest(t, second[transfer.ManifestPath]); !reflect.DeepEqual(m1, m2) {
		t.Errorf("the tar's and the directory's manifests differ:\n%+v\n%+v", m1, m2)
	}

	// Import, killed once objects reach the bucket (one at a time, so that
	// the kill lands half-way): nothing committed; the same command
	// finishes the job.
	dst := deployed(t)
	store := dst.dep.AppStore(t)
	ctx := context.Background()
	objects := func() map[string]string {
		got := map[string]string{}
		err := store.List(ctx, "", func(i objectstore.Info) error {
			rc, err := store.Get(ctx, i.Key)
			if err != nil {
				return err
			}
			defer rc.Close()
			h := sha256.New()
			if _, err := io.Copy(h, rc); err != nil {
				return err
			}
			got["objects/"+i.Key] = hex.EncodeToString(h.Sum(nil))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := dst.dep.AdminDB(t).Get(&n, q); err != nil {
			t.Fatal(err)
		}
		return n
	}
	dst.run(t, nil, "import", tarPath, "--parallel", "0").check(t, 64, "", "--parallel must be between 1 and 256")
	stored := 0
	dst.killWhen(t, "objects in the bucket", func() bool {
		stored = 0
		_ = store.List(ctx, "", func(objectstore.Info) error { stored++; return nil })
		return stored >= 5
	}, "import", tarPath, "--parallel", "1")
	if u, d := count(`SELECT count(*) FROM users`), count(`SELECT count(*) FROM documents`); u != 0 || d != 0 {
		t.Errorf("a killed import committed %d users and %d documents", u, d)
	}
	r := dst.run(t, nil, "import", tarPath)
	r.check(t, 0, "imported 2 user(s), 242 document(s), 1 version(s), 1 note(s)", "")
	var kept int
	if _, err := fmt.Sscanf(r.stdout[strings.Index(r.stdout, "stored, ")+len("stored, "):], "%d already there", &kept); err != nil || kept < stored {
		t.Errorf("the second import kept %d objects (%v), want at least the %d the killed one stored: %s", kept, err, stored, r.stdout)
	}
	dst.run(t, nil, "fsck", "--grace", "0").check(t, 0, "nothing to repair", "")

	// No duplicates: each kind has as many rows as the export has lines;
	// the audit log the export's events and the import's own.
	for _, k := range []struct{ file, table string }{
		{"users", "users"}, {"documents", "documents"}, {"document_versions", "document_versions"},
		{"document_objects", "document_objects"}, {"document_topics", "document_topics"}, {"notes", "notes"},
		{"shares", "shares"}, {"topics", "topics"}, {"groups", "groups"}, {"group_shares", "group_shares"},
	} {
		if n, want := count(`SELECT count(*) FROM `+k.table), len(lines(first["data/"+k.file+".jsonl"])); n != want {
			t.Errorf("%s: %d rows, the export has %d", k.table, n, want)
		}
	}
	if n, want := count(`SELECT count(*) FROM audit_log`), len(lines(first["data/audit.jsonl"]))+1; n != want {
		t.Errorf("audit_log: %d events, want the export's and the import's: %d", n, want)
	}
	// Every object, byte-identical, and nothing else.
	want := map[string]string{}
	for p, b := range first {
		if strings.HasPrefix(p, "objects/") {
			sum := sha256.Sum256(b)
			want[p] = hex.EncodeToString(sum[:])
		}
	}
	if got := objects(); !reflect.DeepEqual(got, want) {
		t.Errorf("the bucket after the import: %d objects, the export has %d (or their bytes differ)", len(got), len(want))
	}
	// Quotas as in the source.
	quotas := func(d *deployment) map[string]int64 {
		var rows []struct {
			Handle string `db:"handle"`
			Used   int64  `db:"used_bytes"`
		}
		if err := d.dep.AdminDB(t).Select(&rows, `SELECT u.handle, q.used_bytes FROM quotas q JOIN users u ON u.id = q.user_id`); err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, r := range rows {
			out[r.Handle] = r.Used
		}
		return out
	}
	if q1, q2 := quotas(src), quotas(dst); !reflect.DeepEqual(q1, q2) || q1["ann"] == 0 {
		t.Errorf("quotas: source %v, after the import %v", q1, q2)
	}
	// An export of the result: the same manifest.
	again := filepath.Join(tmp, "again.tar")
	dst.run(t, nil, "export", again).check(t, 0, "243 object(s)", "")
	if m1, m2 := strippedManifest(t, first[transfer.ManifestPath]), strippedManifest(t, tarFiles(t, again)[transfer.ManifestPath]); !reflect.DeepEqual(m1, m2) {
		t.Errorf("the manifest after kill and import differs:\n%+v\n%+v", m1, m2)
	}

	// A tar with one byte changed in an object: refused, naming the
	// object, nothing imported.
	raw, err := os.ReadFile(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	victim := "line 117 of a receipt"
	at := bytes.Index(raw, []byte(victim))
	if at < 0 {
		t.Fatal("the receipt is not in the tar")
	}
	raw[at] = 'L'
	bad := filepath.Join(tmp, "changed.tar")
	if err := os.WriteFile(bad, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	var victimPath string
	for p, b := range first {
		if strings.HasPrefix(p, "objects/") && bytes.Contains(b, []byte(victim)) {
			victimPath = p
		}
	}
	fresh := deployed(t)
	fresh.run(t, nil, "import", bad).check(t, 1, "", victimPath+": ")
	fstore := fresh.dep.AppStore(t)
	n := 0
	if err := fstore.List(ctx, "", func(objectstore.Info) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	var users int
	if err := fresh.dep.AdminDB(t).Get(&users, `SELECT count(*) FROM users`); err != nil {
		t.Fatal(err)
	}
	if n != 0 || users != 0 {
		t.Errorf("a changed tar left %d objects and %d users", n, users)
	}
}
