package ocr

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// capBuffer keeps the first max bytes written to it and accepts (drops)
// the rest, so a chatty program is never stopped by a full pipe.
type capBuffer struct {
	b   []byte
	max int
}

func (w *capBuffer) Write(p []byte) (int, error) {
	if room := w.max - len(w.b); room > 0 {
		w.b = append(w.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// run runs one external program under the Engine's limits: its address
// space and CPU seconds capped by prlimit (when installed), one OpenMP
// thread, killed with ctx. It returns stdout; a failure's error is the
// program's most telling stderr line. A run that hit the memory limit is
// errTooBig.
func (e *Engine) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	bin, err := e.look(name)
	if err != nil {
		return nil, err
	}
	argv := append([]string{bin}, args...)
	if e.prlimit != "" {
		lim := []string{e.prlimit, "--as=" + strconv.FormatInt(e.opts.MaxMemory, 10)}
		if e.opts.MaxCPU > 0 {
			lim = append(lim, "--cpu="+strconv.Itoa(int(e.opts.MaxCPU/time.Second)))
		}
		argv = append(append(lim, "--"), argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	cmd.WaitDelay = 5 * time.Second
	stdout := &capBuffer{max: 64 << 20}
	stderr := &capBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err = cmd.Run()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	// pdftoppm says "Out of memory" and exits 0 with an empty image.
	if msg := string(stderr.b); outOfMemory(err, msg) {
		return nil, fmt.Errorf("%w (%s needed more than %d MiB)", ErrTooBig, name, e.opts.MaxMemory>>20)
	} else if err != nil {
		return nil, fmt.Errorf("%s: %s", name, reason(msg, err))
	}
	return stdout.b, nil
}

// outOfMemory tells a run stopped by its address-space limit: allocation
// failures end in SIGABRT/SIGSEGV or a message, and the CPU limit in
// SIGXCPU. err may be nil: some programs report it and exit 0.
func outOfMemory(err error, stderr string) bool {
	for _, s := range []string{"std::bad_alloc", "Out of memory", "out of memory", "Cannot allocate memory", "cannot allocate memory", "Failed to allocate", "failed to map segment"} {
		if strings.Contains(stderr, s) {
			return true
		}
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if st := exit.String(); strings.Contains(st, "CPU time limit") || strings.Contains(st, "aborted") {
			return true
		}
	}
	return false
}

// reason picks the line of stderr that says what went wrong.
func reason(stderr string, err error) string {
	var first string
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "Estimating resolution") || strings.HasPrefix(line, "Warning") {
			continue
		}
		if strings.Contains(line, "rror") {
			first = line
			break
		}
		if first == "" {
			first = line
		}
	}
	if first == "" {
		return err.Error()
	}
	if len(first) > 200 {
		first = first[:200] + "…"
	}
	return strings.ToValidUTF8(first, "?")
}
