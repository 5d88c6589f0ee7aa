// Package exitcode defines DocuVault's process exit codes and the error type
// that carries one from a command to main, the one place that exits.
package exitcode

import (
	"context"
	"errors"
	"fmt"
)

// The exit codes of every docuvault command. They are documented in the README.
const (
	// OK: the command did all it was asked.
	OK = 0
	// Failure: the command could not do its work (bad configuration, a
	// service unreachable or refusing, a health check failed).
	Failure = 1
	// Partial: a command over many items finished; some items failed, and
	// some were done (all failed is Failure).
	Partial = 2
	// Usage: the command line itself is wrong (unknown flag or command,
	// wrong number of arguments, a flag value that does not parse).
	Usage = 64
	// Interrupted: SIGINT or SIGTERM stopped the command (128 + SIGINT).
	Interrupted = 130
)

// Error is an error that asks for a particular exit code.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// With wraps err so that the process exits with code.
func With(code int, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// Some is the error of a command over total items of which failed failed
// (failed > 0): Partial when some items were done, Failure when none was.
func Some(failed, total int, err error) error {
	if failed >= total {
		return With(Failure, err)
	}
	return With(Partial, err)
}

// Usagef returns a usage error (exit code Usage) with a formatted message.
func Usagef(format string, args ...any) error {
	return &Error{Code: Usage, Err: fmt.Errorf(format, args...)}
}

// Code returns the exit code for err: OK for nil, the code of the outermost
// *Error in its chain, else Failure.
func Code(err error) int {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if errors.Is(err, context.Canceled) {
		return Interrupted
	}
	return Failure
}
