package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/tests/testenv"
)

// watchCmd is the docuvault command line args as d.run would run it, for
// a test that starts, signals or kills it itself. With unprivileged, a root
// test process drops the capabilities that let root read any file (setpriv),
// so that a file of mode 000 is unreadable to it as to anyone.
func (d *deployment) watchCmd(t *testing.T, unprivileged bool, args ...string) (*exec.Cmd, *testenv.SyncBuffer, *testenv.SyncBuffer) {
	t.Helper()
	name := binary(t)
	if unprivileged && os.Geteuid() == 0 {
		sp, err := exec.LookPath("setpriv")
		if err != nil {
			t.Fatalf("setpriv (util-linux) is needed to test an unreadable file as root: %v", err)
		}
		args = append([]string{"--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search", "--", name}, args...)
		name = sp
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + cmd.Dir}
	for k, v := range d.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb testenv.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	return cmd, &out, &errb
}

func runToEnd(t *testing.T, cmd *exec.Cmd, out, errb *testenv.SyncBuffer) result {
	t.Helper()
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", cmd.Args, err)
	}
	return result{out.String(), errb.String(), code}
}

// waitFor polls cond (a database or file-system fact) until it holds.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, de os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !de.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestWatchOnce: files dropped into a watch folder become documents with
// the topics and folder asked for; hidden and temporary files are left
// alone; an unreadable file is a listed error while the others go on; a
// file is moved only once stored; --once exits 0 when all were taken.
func TestWatchOnce(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	d.run(t, nil, "topic", "add", "Inbox").check(t, 0, "", "")
	d.run(t, nil, "folder", "add", "Scans").check(t, 0, "", "")
	in, done := t.TempDir(), filepath.Join(t.TempDir(), "done")
	writeFile(t, filepath.Join(in, "a.pdf"), pdfBytes("watch a"))
	writeFile(t, filepath.Join(in, "b.txt"), []byte("watched text b\n"))
	writeFile(t, filepath.Join(in, "Finance", "2024", "tax.txt"), []byte("tax return 2024\n"))
	ignored := []string{".DS_Store", ".~lock.report.odt#", "report.pdf.part", "~$letter.docx", "download.crdownload", ".hidden/inside.txt"}
	for _, n := range ignored {
		writeFile(t, filepath.Join(in, n), []byte("not a document "+n))
	}
	secret := writeFile(t, filepath.Join(in, "secret.txt"), []byte("nobody may read this\n"))
	if err := os.Chmod(secret, 0); err != nil {
		t.Fatal(err)
	}

	cmd, out, errb := d.watchCmd(t, true, "watch", in, "--once", "--settle", "300ms", "--topic", "Inbox", "--folder", "Scans",
		"--subdirs-as-topics", "--after", "move:"+done)
	r := runToEnd(t, cmd, out, errb)
	r.check(t, 2, "stored     "+filepath.Join(in, "a.pdf"), "3 stored, 0 duplicates, 1 failed")
	if !strings.Contains(r.stdout, "FAILED     "+secret+": permission denied") {
		t.Errorf("no permission error for secret.txt:\n%s", r.stdout)
	}
	db := d.dep.AdminDB(t)
	var docs []struct {
		Filename string  `db:"filename"`
		Folder   *string `db:"folder"`
		Topics   string  `db:"topics"`
	}
	if err := db.Select(&docs, `SELECT d.filename, f.name AS folder,
		COALESCE((SELECT string_agg(t.name, ',' ORDER BY t.name) FROM document_topics dt JOIN topics t ON t.id = dt.topic_id WHERE dt.document_id = d.id), '') AS topics
		FROM documents d LEFT JOIN folders f ON f.id = d.folder_id ORDER BY d.filename`); err != nil {
		t.Fatal(err)
	}
	want := "a.pdf Scans Inbox|b.txt Scans Inbox|tax.txt Scans 2024,Finance,Inbox"
	var got []string
	for _, x := range docs {
		f := "-"
		if x.Folder != nil {
			f = *x.Folder
		}
		got = append(got, x.Filename+" "+f+" "+x.Topics)
	}
	if strings.Join(got, "|") != want {
		t.Errorf("documents %q, want %q", strings.Join(got, "|"), want)
	}
	// Moved (with their path below the folder) only the stored ones; the
	// ignored and the failed stay.
	if g, w := strings.Join(listDir(t, done), ","), "Finance/2024/tax.txt,a.pdf,b.txt"; g != w {
		t.Errorf("moved %s, want %s", g, w)
	}
	left := strings.Join(listDir(t, in), ",")
	for _, n := range append(ignored, "secret.txt") {
		if !strings.Contains(left, n) {
			t.Errorf("%s is no longer in the watch folder: %s", n, left)
		}
	}
	// The error is listed, with its reason.
	d.run(t, nil, "watch", "--status").check(t, 0, secret, "")
	d.run(t, nil, "watch", "--status", "--json").check(t, 0, `"reason":"permission denied: DocuVault cannot read it"`, "")

	// Readable now: the next run takes it and its error goes.
	if err := os.Chmod(secret, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, out, errb = d.watchCmd(t, true, "watch", in, "--once", "--settle", "300ms", "--after", "move:"+done)
	runToEnd(t, cmd, out, errb).check(t, 0, "stored     "+secret, "1 stored, 0 duplicates, 0 failed")
	d.run(t, nil, "watch", "--status").check(t, 0, "no files waiting with an error for ann", "")
	if n := d.consistent(t); n != 4 {
		t.Errorf("%d documents, want 4", n)
	}

	// --after keep: taken once; a second run reads nothing again; a
	// changed file becomes a new version of its document.
	keep := t.TempDir()
	k := writeFile(t, filepath.Join(keep, "kept.txt"), []byte("kept content one\n"))
	d.run(t, nil, "watch", keep, "--once", "--settle", "200ms", "--after", "keep").check(t, 0, "stored     "+k, "1 stored")
	r = d.run(t, nil, "watch", keep, "--once", "--settle", "200ms", "--after", "keep")
	r.check(t, 0, "", "0 stored, 0 duplicates, 0 failed")
	if r.stdout != "" {
		t.Errorf("a kept file was taken again: %s", r.stdout)
	}
	// Edited in place: a new version of its document, not a second one.
	writeFile(t, k, []byte("kept content two, longer\n"))
	d.run(t, nil, "watch", keep, "--once", "--settle", "200ms", "--after", "keep").check(t, 0, "version    "+k, "0 stored, 0 duplicates, 0 failed, 1 new versions of kept files")
	if _, err := os.Stat(k); err != nil {
		t.Errorf("--after keep removed the file: %v", err)
	}

	// Bad command lines: nothing starts.
	d.run(t, nil, "watch", in, "--once", "--after", "shred").check(t, 64, "", "--after must be delete, keep or move:DIR")
	d.run(t, nil, "watch", filepath.Join(in, "missing"), "--once").check(t, 64, "", "is not a directory")
	d.run(t, nil, "watch", in, "--once", "--folder", "Nope").check(t, 64, "", `folder "Nope" is not one of ann's folders`)
	d.run(t, nil, "watch", in, "--once", "--topic", "Nope").check(t, 64, "", "no such topic")
	d.run(t, nil, "watch", "--once").check(t, 64, "", "name a directory")
	d.run(t, nil, "fsck").check(t, 0, "nothing to repair", "")
}

// TestWatchWaitsForFilesToSettle: a long-running watcher takes a dropped
// file at once but not one still being written, until it stops changing,
// and deletes each only after its document is stored; SIGTERM ends it
// with exit 0.
func TestWatchWaitsForFilesToSettle(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	in := t.TempDir()
	cmd, out, errb := d.watchCmd(t, false, "watch", in, "--settle", "2s", "--rescan", "1h")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	db := d.dep.AdminDB(t)
	count := func(name string) int {
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM documents WHERE filename = $1 AND status <> 'uploading'`, name); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// A file written slowly, a line every 600 ms (well within the settle
	// interval), while others are dropped whole (and their events make the
	// watcher look at the folder often, also between two of its writes).
	slow, err := os.Create(filepath.Join(in, "slow.txt"))
	if err != nil {
		t.Fatal(err)
	}
	stopWriting := make(chan struct{})
	written := make(chan int64, 1)
	go func() {
		var n int64
		for i := 0; ; i++ {
			select {
			case <-stopWriting:
				_ = slow.Close()
				written <- n
				return
			case <-time.After(600 * time.Millisecond):
				m, _ := fmt.Fprintf(slow, "line %d of a scan still arriving\n", i)
				n += int64(m)
			}
		}
	}()
	// The event-driven path: no rescan for an hour, so only events find it.
	var quick string
	for i := range 4 {
		quick = writeFile(t, filepath.Join(in, fmt.Sprintf("quick%d.txt", i)), []byte(fmt.Sprintf("dropped whole %d\n", i)))
		time.Sleep(450 * time.Millisecond) // drops spread over the slow file's writes
	}
	waitFor(t, "the last quick file stored", 30*time.Second, func() bool { return count(filepath.Base(quick)) == 1 })
	waitFor(t, "it deleted after its row", 10*time.Second, func() bool { _, err := os.Stat(quick); return os.IsNotExist(err) })
	// The quick files took at least one settle interval; slow.txt has
	// changed all that time: it must not have been taken.
	if n := count("slow.txt"); n != 0 {
		t.Fatalf("slow.txt taken while still being written (%d rows)", n)
	}
	close(stopWriting)
	size := <-written
	waitFor(t, "slow.txt stored once settled", 30*time.Second, func() bool { return count("slow.txt") == 1 })
	var stored int64
	if err := db.Get(&stored, `SELECT size_bytes FROM documents WHERE filename = 'slow.txt'`); err != nil || stored != size {
		t.Errorf("slow.txt stored with %d bytes (%v), want all %d", stored, err, size)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("watch after SIGTERM: %v\n%s", err, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("watch did not stop on SIGTERM")
	}
	if !strings.Contains(out.String(), "stored     "+filepath.Join(in, "slow.txt")) {
		t.Errorf("stdout: %s", out.String())
	}
}

// TestWatchKilledMidBatchLosesNothing: kill -9 the watcher while it is
// storing a batch, run it again: every file is a document exactly once,
// none is left in the folder, and fsck finds nothing to repair.
func TestWatchKilledMidBatchLosesNothing(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org", "--quota", "1GiB").check(t, 0, "", "")
	in := t.TempDir()
	const files = 300
	for i := range files {
		body := bytes.Repeat([]byte(fmt.Sprintf("document %04d of the batch; ", i)), 1+i%200)
		writeFile(t, filepath.Join(in, fmt.Sprintf("sub%d", i%3), fmt.Sprintf("f%04d.txt", i)), body)
	}
	db := d.dep.AdminDB(t)
	count := func() int {
		var n int
		if err := db.Get(&n, `SELECT count(*) FROM documents WHERE status <> 'uploading'`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	cmd, out, errb := d.watchCmd(t, false, "watch", in, "--once", "--settle", "200ms", "--parallel", "4")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "part of the batch stored", 60*time.Second, func() bool { return count() >= 40 })
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	first := count()
	if first >= files {
		t.Fatalf("the batch finished before the kill (%d documents): the test proves nothing", first)
	}
	t.Logf("killed after %d of %d documents", first, files)

	cmd, out, errb = d.watchCmd(t, false, "watch", in, "--once", "--settle", "200ms", "--parallel", "4")
	r := runToEnd(t, cmd, out, errb)
	r.check(t, 0, "", "0 failed")
	var n, distinct int
	if err := db.Get(&n, `SELECT count(*) FROM documents`); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&distinct, `SELECT count(DISTINCT filename) FROM documents`); err != nil {
		t.Fatal(err)
	}
	if n != files || distinct != files {
		t.Errorf("%d documents, %d distinct names, want %d each", n, distinct, files)
	}
	if left := listDir(t, in); len(left) != 0 {
		t.Errorf("files left in the watch folder: %v", left)
	}
	// Every row has its object and quota is their sum. The kill may have
	// left an object without a row (stored, not yet committed: at most one
	// per upload in flight), which fsck leaves alone within its grace
	// period and removes after it.
	var keys []string
	if err := db.Select(&keys, `SELECT object_key FROM documents`); err != nil {
		t.Fatal(err)
	}
	objects := map[string]bool{}
	if err := d.dep.AppStore(t).List(context.Background(), "", func(i objectstore.Info) error { objects[i.Key] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if !objects[k] {
			t.Errorf("row without its object: %s", k)
		}
	}
	if orphans := len(objects) - len(keys); orphans < 0 || orphans > 4 {
		t.Errorf("%d objects without a row, want at most the 4 in flight", orphans)
	}
	var drift int
	if err := db.Get(&drift, `SELECT count(*) FROM quotas q WHERE used_bytes <> COALESCE((SELECT sum(size_bytes) FROM documents d WHERE d.user_id = q.user_id), 0)`); err != nil || drift != 0 {
		t.Errorf("quota drift in %d quotas (%v)", drift, err)
	}
	d.run(t, nil, "fsck").check(t, 0, "nothing to repair", "")
	d.run(t, nil, "fsck", "--grace", "0", "--repair").check(t, 0, "", "")
	d.consistent(t)
}

// TestWatchFoldersFromTheConfigFile: `docuvault watch` without a directory
// runs the config file's watch: list, each folder for its own user.
func TestWatchFoldersFromTheConfigFile(t *testing.T) {
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	d.run(t, nil, "user", "add", "bob", "--email", "bob@example.org").check(t, 0, "", "")
	d.run(t, nil, "topic", "add", "Inbox", "--user", "bob").check(t, 0, "", "")
	annDir, bobDir := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(annDir, "ann1.txt"), []byte("ann's first scan\n"))
	writeFile(t, filepath.Join(annDir, "ann2.txt"), []byte("ann's second scan\n"))
	writeFile(t, filepath.Join(bobDir, "bob1.txt"), []byte("bob's only scan\n"))
	cfg := writeFile(t, filepath.Join(t.TempDir(), "docuvault.yaml"), []byte(fmt.Sprintf(
		"watch_settle: 200ms\nwatch:\n  - dir: %s\n    user: ann\n  - dir: %s\n    user: bob\n    topics: [Inbox]\n    after: keep\n", annDir, bobDir)))
	d.run(t, nil, "--config", cfg, "watch", "--once").check(t, 0, "stored     "+filepath.Join(bobDir, "bob1.txt"), "3 stored, 0 duplicates, 0 failed")
	db := d.dep.AdminDB(t)
	var got []string
	if err := db.Select(&got, `SELECT u.handle || ':' || d.filename || ':' || COALESCE((SELECT string_agg(t.name, ',') FROM document_topics dt JOIN topics t ON t.id = dt.topic_id WHERE dt.document_id = d.id), '')
		FROM documents d JOIN users u ON u.id = d.user_id ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if g, w := strings.Join(got, " "), "ann:ann1.txt: ann:ann2.txt: bob:bob1.txt:Inbox"; g != w {
		t.Errorf("documents %q, want %q", g, w)
	}
	if left := listDir(t, annDir); len(left) != 0 {
		t.Errorf("ann's folder (after: delete, the default) still has %v", left)
	}
	if left := listDir(t, bobDir); len(left) != 1 {
		t.Errorf("bob's folder (after: keep) has %v", left)
	}
	bad := writeFile(t, filepath.Join(t.TempDir(), "bad.yaml"), []byte("watch:\n  - dir: /srv/x\n"))
	d.run(t, nil, "--config", bad, "watch", "--once").check(t, 1, "", "watch[0]: each watch folder needs dir and user")
}
