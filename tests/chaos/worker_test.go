package chaos

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWorkerKilledMidBatch: 40 documents queued, a worker SIGKILLed while
// it has some in flight, another worker started: every document ends read,
// its text stored once, nothing stored twice, fsck clean.
func TestWorkerKilledMidBatch(t *testing.T) {
	t.Parallel()
	v := newVault(t)
	v.cli("", "topic", "add", "Finance", "--description", "invoice payment bank transfer tax").want(t, 0)
	// Big enough that reading one takes a while: the kill lands with
	// documents in flight.
	paths, content := writeFiles(t, t.TempDir(), "batch", 40, 200<<10, 500<<10)
	r := v.cli("", append([]string{"upload", "--json", "--parallel", "8"}, paths...)...).want(t, 0)
	l := newLedger()
	for _, line := range parseUploadLines(t, r.stdout) {
		if line.Status != "pending" {
			t.Fatalf("upload %s: status %s %s", line.Path, line.Status, line.Error)
		}
		l.add(t, line.ID, filepath.Base(line.Path), content[line.Path])
	}
	if len(l.docs) != 40 {
		t.Fatalf("%d documents stored, want 40", len(l.docs))
	}

	first := v.worker()
	var counts map[string]int
	waitFor(t, 2*time.Minute, "the first worker in the middle of the batch", func() error {
		if first.exited() {
			return &fatalError{fmt.Errorf("worker exited: %v", first.err)}
		}
		var err error
		if counts, err = v.statusCounts(); err != nil {
			return err
		}
		if read := counts["classified"] + counts["no_text"]; read < 4 || counts["processing"] == 0 {
			return fmt.Errorf("not yet: %v", counts)
		}
		return nil
	})
	first.kill()
	after, err := v.statusCounts()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("SIGKILLed the worker at %v; after: %v", counts, after)
	if after["processing"] == 0 {
		t.Fatalf("no document was in flight when the worker died: %v", after)
	}
	if read := after["classified"] + after["no_text"]; read == len(l.docs) {
		t.Fatalf("every document was read before the kill: %v", after)
	}

	// Its documents' heartbeat goes stale (no wait: see backdate); the next
	// worker's sweeper queues them again, and the queue has the rest.
	v.backdate(t)
	second := v.worker()
	v.waitAllRead(t, l, 3*time.Minute)
	if code := second.stop(t); code != 0 {
		t.Errorf("second worker exited %d after SIGTERM", code)
	}
	if !strings.Contains(second.logs.String(), "sweeper queued documents") {
		t.Errorf("the second worker's sweeper queued nothing")
	}
	r = v.cli("", "jobs", "--json").want(t, 0)
	if !strings.Contains(r.stdout, `"dead":0`) {
		t.Errorf("jobs after the batch: %s", r.stdout)
	}
	v.verify(t, l, verifyOptions{read: true})
}
