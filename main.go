// Command docuvault is the DocuVault document vault: one binary for the
// server, the worker, the deploy steps and the command line.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/docuvault/docuvault/cmd"
	"github.com/docuvault/docuvault/pkg/exitcode"
)

func main() {
	// SIGINT and SIGTERM cancel the root context; every command stops cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cmd.Execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		// One line that says what to fix; no stack trace.
		msg := strings.ReplaceAll(err.Error(), "\n", "; ")
		fmt.Fprintf(os.Stderr, "docuvault: %s\n", msg)
	}
	os.Exit(exitcode.Code(err))
}
