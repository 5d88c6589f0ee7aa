package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// pdftotextStderrMax bounds the diagnostics kept from pdftotext; the rest
// is read and dropped, since a damaged but readable PDF can make it warn
// for megabytes (one "Syntax Error" line per broken operator).
const pdftotextStderrMax = 64 << 10

// extractPDFPdftotext runs poppler's pdftotext at path on the document:
// plain mode (not -layout), which keeps reading order best, UTF-8, text to
// stdout. Stdout is kept up to lim.MaxTextBytes (then pdftotext is stopped
// and the text is marked Truncated); stderr is kept up to
// pdftotextStderrMax and the rest discarded, never cut off: a closed
// stderr pipe would kill pdftotext (SIGPIPE) over mere warnings.
//
// Failures map to sentinels from what pdftotext writes on stderr:
// "Incorrect password" → ErrEncrypted; permission errors (exit 3) →
// ErrEncrypted; any other failure (exit 1 "Syntax Error: Couldn't read xref
// table", "May not be a PDF file", a crash) → ErrCorrupt with pdftotext's
// first message as the reason.
func extractPDFPdftotext(ctx context.Context, path string, in Input, lim Limits) (Output, error) {
	stdout := &pdfCapWriter{max: lim.MaxTextBytes}
	stderr := &pdfCapWriter{max: pdftotextStderrMax, discard: true}
	cmd := toolCommand(ctx, lim, path, "-enc", "UTF-8", in.Path, "-")
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return Output{}, fmt.Errorf("pdftotext: %w", ctx.Err())
	}
	if stdout.over {
		// pdftotext was cut off by the closed pipe: the text is what we kept.
		return Output{Text: stdout.buf.String(), Method: "pdftotext", Truncated: true}, nil
	}
	if err != nil {
		if over := toolOverLimit("pdftotext", err, stderr.buf.String(), lim); over != nil {
			return Output{}, over
		}
		return Output{}, pdftotextError(err, stderr.buf.String())
	}
	return Output{Text: stdout.buf.String(), Method: "pdftotext"}, nil
}

// pdftotextError maps a failed run to a sentinel error with a short reason.
func pdftotextError(err error, stderr string) error {
	reason := pdftotextReason(stderr)
	if strings.Contains(stderr, "Incorrect password") {
		return fmt.Errorf("%w (pdftotext: %s)", ErrEncrypted, reason)
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if exit.ExitCode() == 3 {
			return fmt.Errorf("%w (pdftotext: the PDF's permissions forbid copying its text)", ErrEncrypted)
		}
		if reason == "" {
			reason = exit.String()
		}
		return fmt.Errorf("%w: pdftotext: %s", ErrCorrupt, reason)
	}
	// pdftotext could not be started at all.
	return fmt.Errorf("run pdftotext: %w", err)
}

// pdftotextReason picks the most telling line of pdftotext's stderr: the
// last "Syntax Error"/"Error" line (poppler ends with the fatal one), cut
// to a length fit for a failure reason.
func pdftotextReason(stderr string) string {
	var reason string
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if reason == "" || strings.Contains(line, "Error") {
			reason = line
		}
	}
	reason = strings.TrimPrefix(reason, "Command Line Error: ")
	reason = strings.TrimPrefix(reason, "Syntax Error: ")
	if len(reason) > 160 {
		reason = reason[:160] + "…"
	}
	return strings.ToValidUTF8(reason, "?")
}

// pdfCapWriter keeps the first max bytes written to it. Past max, a write
// fails, which closes the pipe and stops the writer process; or, with
// discard set, it succeeds and the bytes are dropped, so the writer runs
// on. Either way over records that bytes were not kept.
//
// It is also an io.ReaderFrom, so os/exec's copying goroutine reads the
// tool's output straight into buf instead of through a 32 KiB buffer of
// its own for each stream of each document.
type pdfCapWriter struct {
	buf     bytes.Buffer
	max     int
	discard bool
	over    bool
}

var errPDFCapReached = errors.New("output limit reached")

func (w *pdfCapWriter) Write(p []byte) (int, error) {
	room := w.max - w.buf.Len()
	if len(p) <= room {
		return w.buf.Write(p)
	}
	w.buf.Write(p[:max(room, 0)])
	w.over = true
	if w.discard {
		return len(p), nil
	}
	return max(room, 0), errPDFCapReached
}

// ReadFrom reads r to its end, keeping what fits; past max it stops with
// errPDFCapReached, as Write does, or with discard reads on to the end and
// drops the rest.
func (w *pdfCapWriter) ReadFrom(r io.Reader) (int64, error) {
	room := int64(max(w.max-w.buf.Len(), 0))
	// One byte beyond the room tells a full buffer from a longer output.
	n, err := w.buf.ReadFrom(io.LimitReader(r, room+1))
	if n <= room {
		return n, err
	}
	w.buf.Truncate(w.buf.Len() - int(n-room))
	w.over = true
	if !w.discard {
		return room, errPDFCapReached
	}
	if err != nil {
		return n, err
	}
	dropped, err := io.Copy(io.Discard, r)
	return n + dropped, err
}
