//go:build unix

package extract

import (
	"os/exec"
	"syscall"
)

// killedBy says what a tool's death by signal means under its limits:
// "cpu" (SIGXCPU, or SIGKILL past the hard limit), "memory" (an abort or a
// segmentation fault: an allocation that failed without a message), or "".
func killedBy(exit *exec.ExitError) string {
	ws, ok := exit.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return ""
	}
	switch ws.Signal() {
	case syscall.SIGXCPU, syscall.SIGKILL:
		return "cpu"
	case syscall.SIGABRT, syscall.SIGSEGV:
		return "memory"
	}
	return ""
}
