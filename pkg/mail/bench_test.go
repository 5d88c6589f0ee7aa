package mail_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/mail"
)

// TestBenchPoll is scripts/bench-mail.sh's measurement, not part of the
// suite: with DOCUVAULT_BENCH_MAIL=N it puts N messages, each with a PDF
// and a text attachment of about 20 KB, in a folder of this checkout's
// Dovecot, polls them in once and prints messages per second.
func TestBenchPoll(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("DOCUVAULT_BENCH_MAIL"))
	if n <= 0 {
		t.Skip("set DOCUVAULT_BENCH_MAIL=N (scripts/bench-mail.sh)")
	}
	f := setup(t)
	folder := f.srv.folder(t, f.c)
	pad := make([]byte, 20<<10)
	for i := range pad {
		pad[i] = 'a' + byte(i%26)
	}
	start := time.Now()
	for i := range n {
		body := fmt.Sprintf("%%PDF-1.4\n%% bench %d\n%s\n%%%%EOF\n", i, pad)
		appendMsg(t, f.c, folder, msg("scanner@example.org", fmt.Sprintf("Scan %d", i), "bench",
			att{name: fmt.Sprintf("scan-%04d.pdf", i), ctype: "application/pdf", data: body},
			att{name: fmt.Sprintf("notes-%04d.txt", i), ctype: "text/plain", data: fmt.Sprintf("notes %d\n%s", i, pad[:2000])}))
	}
	t.Logf("appended %d messages in %.1fs", n, time.Since(start).Seconds())
	a := f.account(t, mail.NewRule{Folder: folder, Mode: mail.ModeAttachments, After: "read"})
	start = time.Now()
	s := f.poll(t, a)
	d := time.Since(start)
	if s.Messages != n || s.Stored != 2*n {
		t.Fatalf("poll: %+v, want %d messages and %d documents", s, n, 2*n)
	}
	fmt.Printf("bench-mail: %d messages (%d attachments) polled in %.2fs: %.1f messages/s, %.1f documents/s\n",
		n, 2*n, d.Seconds(), float64(n)/d.Seconds(), float64(2*n)/d.Seconds())
}
