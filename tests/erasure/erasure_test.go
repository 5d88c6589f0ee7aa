// Package erasure runs DocuVault's storage on an erasure-coded MinIO: one
// MinIO process over four drives (directories), the layout a small
// production set-up uses, started by the test itself on a loopback port so
// that a drive can be destroyed without touching the shared dev services.
package erasure

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/jobs"
	"github.com/docuvault/docuvault/pkg/redisconn"
	"github.com/docuvault/docuvault/pkg/storage"
	"github.com/docuvault/docuvault/pkg/users"
	"github.com/docuvault/docuvault/tests/testenv"
)

// startErasureMinIO starts MinIO over four drives under dir and returns its
// address once it says the erasure set is healthy.
func startErasureMinIO(t *testing.T, dir, user, password string) string {
	t.Helper()
	bin := testenv.Get(t, "DOCUVAULT_TEST_MINIO_BIN")
	if bin == "" {
		testenv.Unavailable(t, "no MinIO binary (DOCUVAULT_TEST_MINIO_BIN; run scripts/services.sh up)")
	}
	if _, err := os.Stat(bin); err != nil {
		testenv.Unavailable(t, "MinIO binary: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	for i := 1; i <= 4; i++ {
		if err := os.MkdirAll(filepath.Join(dir, fmt.Sprint("d", i)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "server", "--quiet", "--address", addr, filepath.Join(dir, "d{1...4}"))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "MINIO_ROOT_USER=" + user, "MINIO_ROOT_PASSWORD=" + password,
		"MINIO_BROWSER=off", "MINIO_CI_CD=1"} // CI_CD: drives on one filesystem are allowed
	var logs testenv.SyncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start MinIO: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})
	// Ready when the cluster health check answers 200: every erasure set
	// has its write quorum.
	client := &http.Client{Timeout: 2 * time.Second}
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		select {
		case err := <-exited:
			t.Fatalf("MinIO exited: %v\n%s", err, logs.String())
		default:
		}
		res, err := client.Get("http://" + addr + "/minio/health/cluster")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return addr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("MinIO on four drives not ready after 90 s: %v\n%s", err, logs.String())
		}
	}
}

// text is n bytes of words, different for each seed.
func text(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	words := []string{"invoice", "bank", "statement", "tax", "doctor", "insurance", "contract", "lease", "receipt", "meeting"}
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString(words[r.IntN(len(words))])
		b.WriteString(fmt.Sprint(r.IntN(1000)))
		b.WriteByte(' ')
	}
	return b.Bytes()[:n]
}

// TestErasureCodedMinIOSurvivesALostDrive: documents stored on MinIO over
// four drives (two data and two parity shards per object) are still
// downloaded byte-identical after one drive's contents are destroyed, new
// uploads go on, and fsck finds nothing wrong.
func TestErasureCodedMinIOSurvivesALostDrive(t *testing.T) {
	dir := t.TempDir()
	m := testenv.MinIO{RootUser: "erasure-root", RootPassword: testenv.RandomName("pw-"), Bucket: testenv.RandomName("dvtest-")}
	m.Endpoint = startErasureMinIO(t, dir, m.RootUser, m.RootPassword)
	d := testenv.DeployOn(t, m)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	db := d.AppDB(t)
	pool, err := redisconn.NewPool(d.RedisURL, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	svc := storage.New(db, d.AppStore(t), jobs.NewEnqueuer(d.Namespace, pool), storage.Limits{})
	ann, err := users.Create(ctx, db, users.NewUser{Handle: "ann", Email: "ann@example.org"})
	if err != nil {
		t.Fatal(err)
	}

	sums := map[string][32]byte{}
	upload := func(i int) {
		t.Helper()
		size := []int{900, 100 << 10, 1 << 20, 6 << 20}[i%4]
		b := text(uint64(i), size)
		res, err := svc.Upload(ctx, storage.UploadInput{OwnerID: ann.ID, Filename: fmt.Sprintf("doc-%02d.txt", i), Body: bytes.NewReader(b), Size: int64(len(b))})
		if err != nil {
			t.Fatalf("upload %d (%d bytes): %v", i, size, err)
		}
		sums[res.Document.ID] = sha256.Sum256(b)
	}
	checkAll := func(when string) {
		t.Helper()
		for id, want := range sums {
			rc, _, err := svc.Open(ctx, ann.ID, id)
			if err != nil {
				t.Fatalf("%s: open %s: %v", when, id, err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatalf("%s: read %s: %v", when, id, err)
			}
			if sha256.Sum256(b) != want {
				t.Fatalf("%s: %s is not byte-identical (%d bytes)", when, id, len(b))
			}
		}
	}
	for i := range 16 {
		upload(i)
	}
	checkAll("on four drives")

	// The objects are spread over the four drives: each holds a shard of
	// every object (xl.meta under the bucket's directory).
	for i := 1; i <= 4; i++ {
		n := 0
		_ = filepath.WalkDir(filepath.Join(dir, fmt.Sprint("d", i), m.Bucket), func(p string, e os.DirEntry, err error) error {
			if err == nil && e.Name() == "xl.meta" {
				n++
			}
			return nil
		})
		if n != len(sums) {
			t.Fatalf("drive %d holds %d object shards, want %d (one per object)", i, n, len(sums))
		}
	}

	// Drive 2 dies: everything on it is gone (a replaced disk is empty).
	lost := filepath.Join(dir, "d2")
	entries, err := os.ReadDir(lost)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(lost, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	checkAll("with drive 2 wiped")
	for i := 16; i < 24; i++ {
		upload(i)
	}
	checkAll("after uploads with drive 2 wiped")

	rep, err := svc.Fsck(ctx, storage.FsckOptions{})
	if err != nil {
		t.Fatalf("fsck: %v", err)
	}
	if rep.Problems() != 0 {
		t.Errorf("fsck found %d problems: %+v", rep.Problems(), rep)
	}
	var used int64
	if err := db.GetContext(ctx, &used, `SELECT used_bytes FROM quotas WHERE user_id = $1`, ann.ID); err != nil {
		t.Fatal(err)
	}
	var want int64
	for i := range 24 {
		want += int64([]int{900, 100 << 10, 1 << 20, 6 << 20}[i%4])
	}
	if used != want {
		t.Errorf("quota used %d, want %d", used, want)
	}
}
