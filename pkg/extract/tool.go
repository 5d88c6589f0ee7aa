package extract

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// toolCommand is the command that runs program with args under lim's
// memory and CPU limits (prlimit, when installed: util-linux, which
// scripts/services.sh installs; without it the program runs unbounded but
// still under ctx).
func toolCommand(ctx context.Context, lim Limits, program string, args ...string) *exec.Cmd {
	argv := append([]string{program}, args...)
	if pl, err := exec.LookPath("prlimit"); err == nil {
		cpu := max(int64(lim.ToolCPU/time.Second), 1)
		argv = append([]string{pl, "--as=" + strconv.FormatInt(lim.ToolMemory, 10), "--cpu=" + strconv.FormatInt(cpu, 10), "--"}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// toolOverLimit reports, for a tool that failed with err and wrote stderr,
// whether it was stopped by lim's limits (out of address space, or killed
// for its CPU time), and if so returns ErrTooBig saying which.
func toolOverLimit(name string, err error, stderr string, lim Limits) error {
	memory := fmt.Errorf("%w: %s needed more than %d MiB", ErrTooBig, name, lim.ToolMemory>>20)
	for _, s := range []string{"bad_alloc", "Out of memory", "out of memory", "Cannot allocate", "cannot allocate", "failed to map segment"} {
		if strings.Contains(stderr, s) {
			return memory
		}
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return nil
	}
	switch killedBy(exit) {
	case "cpu":
		return fmt.Errorf("%w: %s took more than %s of CPU", ErrTooBig, name, lim.ToolCPU)
	case "memory":
		// A failed allocation that the tool did not report as one.
		return memory
	}
	return nil
}
