//go:build !unix

package extract

import "os/exec"

// killedBy: prlimit is Linux's; elsewhere tools run without limits.
func killedBy(*exec.ExitError) string { return "" }
