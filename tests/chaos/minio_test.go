package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMinIOStoppedDuringUploads: MinIO is SIGKILLed during
// `docuvault upload --parallel 8` of 50 files, and again during 200 API
// uploads through serve. Each upload either succeeds or fails clearly
// (its line says error; the API answers 503); once MinIO is back, the same
// uploads retried succeed, and nothing is lost, orphaned or counted twice.
func TestMinIOStoppedDuringUploads(t *testing.T) {
	t.Parallel()
	v := newVault(t)
	l := newLedger()

	// ------------------------------------------------ docuvault upload --parallel 8
	// Every other file is over 256 KiB: both ways of storing (object first
	// for small files, row reserved first for large ones) are hit.
	paths, content := writeFiles(t, t.TempDir(), "cli", 50, 64<<10, 1<<20)
	cmd := exec.Command(bin.docuvault, append([]string{"upload", "--json", "--parallel", "8"}, paths...)...)
	cmd.Dir = t.TempDir()
	cmd.Env = v.appEnv()
	var (
		mu    sync.Mutex
		lines []uploadLine
	)
	// Each line is read as the upload prints it; Wait returns once all are.
	cmd.Stdout = lineWriter(func(b []byte) {
		var line uploadLine
		if err := json.Unmarshal(b, &line); err != nil {
			line = uploadLine{Status: "not JSON", Error: string(b)}
		}
		mu.Lock()
		lines = append(lines, line)
		mu.Unlock()
	})
	var stderr strings.Builder
	cmd.Stderr = &stderr
	up := startProcess(t, cmd)
	progress := func() (done, failed int) {
		mu.Lock()
		defer mu.Unlock()
		for _, l := range lines {
			if l.Status == "error" {
				failed++
			}
		}
		return len(lines), failed
	}
	waitFor(t, 2*time.Minute, "10 files uploaded", func() error {
		if done, _ := progress(); done < 10 && !up.exited() {
			return fmt.Errorf("%d done", done)
		}
		return nil
	})
	if up.exited() {
		t.Fatalf("the upload finished before MinIO could be stopped")
	}
	v.minio.kill()
	waitFor(t, 3*time.Minute, "uploads failing", func() error {
		if _, failed := progress(); failed < 3 && !up.exited() {
			return fmt.Errorf("%d failed", failed)
		}
		return nil
	})
	v.restartMinIO()
	select {
	case <-up.done:
	case <-time.After(3 * time.Minute):
		t.Fatalf("upload did not finish within 3 minutes of MinIO's return")
	}
	code := cmd.ProcessState.ExitCode()
	done, failed := progress()
	t.Logf("upload --parallel 8: exit %d, %d of %d failed", code, failed, done)
	if done != len(paths) || failed == 0 || code != 2 {
		t.Fatalf("upload: exit %d with %d results, %d failed; want exit 2 (some failed) and a result per file\nstderr: %s", code, done, failed, stderr.String())
	}
	var retry []string
	for _, line := range lines {
		switch line.Status {
		case "pending":
			l.add(t, line.ID, filepath.Base(line.Path), content[line.Path])
		case "error":
			// A clear failure names the object store, or (MinIO starting
			// again: "Server/IAM sub-system not initialized yet") asks to
			// try again.
			if !strings.Contains(line.Error, "object store") && !strings.Contains(line.Error, "MINIO") && !strings.Contains(line.Error, "try again") {
				t.Errorf("%s failed unclearly: %q", line.Path, line.Error)
			}
			retry = append(retry, line.Path)
			if len(retry) <= 3 {
				t.Logf("while MinIO was down: %s: %s", filepath.Base(line.Path), line.Error)
			}
		default:
			t.Errorf("%s: status %q", line.Path, line.Status)
		}
	}
	// The same command again: what was stored is a duplicate of itself,
	// what failed is stored now.
	r := v.cli("", append([]string{"upload", "--json", "--parallel", "8"}, paths...)...).want(t, 0)
	stored := 0
	for _, line := range parseUploadLines(t, r.stdout) {
		name := filepath.Base(line.Path)
		switch line.Status {
		case "duplicate":
			if _, ok := l.docs[line.DuplicateOf]; !ok {
				t.Errorf("%s is a duplicate of %s, which no successful upload stored", name, line.DuplicateOf)
			}
		case "pending":
			l.add(t, line.ID, name, content[line.Path])
			stored++
		default:
			t.Errorf("retry of %s: %s %s", name, line.Status, line.Error)
		}
	}
	if stored != len(retry) {
		t.Errorf("the retry stored %d files, want the %d that had failed", stored, len(retry))
	}

	// ------------------------------------------------ 200 uploads through serve
	s := v.serve()
	c := v.login(s)
	type apiResult struct {
		name string
		code int
		err  error
	}
	bodies := map[string][]byte{}
	var names []string
	for i := range 200 {
		name := fmt.Sprintf("api-%03d.txt", i)
		size := 16 << 10
		if i%2 == 1 {
			size = 300 << 10
		}
		bodies[name] = textDoc(textDocMarker(name), uint64(1000+i), size)
		names = append(names, name)
	}
	var (
		amu     sync.Mutex
		results []apiResult
	)
	apiProgress := func() (done, failed int) {
		amu.Lock()
		defer amu.Unlock()
		for _, r := range results {
			if r.code != http.StatusCreated {
				failed++
			}
		}
		return len(results), failed
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	next := make(chan string)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range next {
				code, ans, err := c.upload(ctx, name, bodies[name])
				if err == nil && code == http.StatusCreated {
					if len(ans.Documents) != 1 || len(ans.Results) != 1 || ans.Results[0].DuplicateOf != "" {
						err = fmt.Errorf("201 without one new document: %+v", ans)
					} else {
						l.add(t, ans.Documents[0].ID, name, bodies[name])
					}
				} else if err == nil && code != http.StatusServiceUnavailable {
					msg := ""
					if ans.Error != nil {
						msg = ans.Error.Code + ": " + ans.Error.Message
					}
					err = fmt.Errorf("status %d (%s), want 201 or 503", code, msg)
				}
				amu.Lock()
				results = append(results, apiResult{name, code, err})
				amu.Unlock()
			}
		}()
	}
	feedDone := make(chan struct{})
	go func() {
		defer close(feedDone)
		for _, n := range names {
			next <- n
		}
		close(next)
	}()
	waitFor(t, 3*time.Minute, "40 API uploads", func() error {
		if done, _ := apiProgress(); done < 40 {
			return fmt.Errorf("%d done", done)
		}
		return nil
	})
	v.minio.kill()
	waitFor(t, 3*time.Minute, "API uploads failing", func() error {
		select {
		case <-feedDone:
			return nil
		default:
		}
		if _, failed := apiProgress(); failed < 5 {
			return fmt.Errorf("%d failed", failed)
		}
		return nil
	})
	v.restartMinIO()
	wg.Wait()
	done, failed = apiProgress()
	t.Logf("API uploads: %d of %d failed while MinIO was down", failed, done)
	if failed == 0 {
		t.Errorf("no API upload failed while MinIO was down")
	}
	waitFor(t, time.Minute, "serve healthy again", func() error { return healthy(s.url) })
	for _, r := range results {
		if r.err != nil {
			t.Errorf("upload %s: %v", r.name, r.err)
			continue
		}
		if r.code == http.StatusCreated {
			continue
		}
		code, ans, err := c.upload(ctx, r.name, bodies[r.name])
		if err != nil || code != http.StatusCreated || len(ans.Documents) != 1 || ans.Results[0].DuplicateOf != "" {
			t.Errorf("retry of %s after MinIO's return: %d %+v %v", r.name, code, ans, err)
			continue
		}
		l.add(t, ans.Documents[0].ID, r.name, bodies[r.name])
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exited %d after SIGTERM", code)
	}
	if len(l.docs) != 250 {
		t.Errorf("%d documents stored in the end, want 250", len(l.docs))
	}
	v.repairLeftovers(t, l)
	v.verify(t, l, verifyOptions{})
}

// lineWriter is an io.Writer that calls fn with each complete line written
// to it, without its newline.
func lineWriter(fn func([]byte)) io.Writer { return &lineSplitter{fn: fn} }

type lineSplitter struct {
	fn  func([]byte)
	buf []byte
}

func (l *lineSplitter) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		if line := bytes.TrimSpace(l.buf[:i]); len(line) > 0 {
			l.fn(line)
		}
		l.buf = l.buf[i+1:]
	}
}
