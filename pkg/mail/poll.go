package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"slices"

	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
	"github.com/emersion/go-imap/commands"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/docuvault/docuvault/pkg/audit"
	"github.com/docuvault/docuvault/pkg/ingest"
	"github.com/docuvault/docuvault/pkg/objectstore"
	"github.com/docuvault/docuvault/pkg/secrets"
	"github.com/docuvault/docuvault/pkg/storage"
)

// ErrAccount is wrapped by Poll's error when the account could not be
// polled at all (server unreachable, a TLS error, login refused): the
// account is in status ERROR with the reason in last_error.
var ErrAccount = errors.New("mail account cannot be polled")

// ErrStorage is wrapped by Poll's error when the object store became
// unavailable during the poll: the poll stops at the first attachment it
// could not store (recorded as a per-item error; its message is left for
// the next poll), rather than failing every message after it one by one.
// The account stays ACTIVE and due: the next poll tries again.
var ErrStorage = errors.New("the object store is unavailable")

// Poller polls IMAP accounts and stores what their rules take.
type Poller struct {
	DB      *sqlx.DB
	Storage *storage.Service
	Keyring *secrets.Keyring
	Log     *slog.Logger
	// RootCAs are the certificate authorities trusted for TLS; nil: the
	// system's.
	RootCAs *x509.CertPool
	// Timeout bounds the connection and each IMAP command (default 60 s).
	Timeout time.Duration
	// Interval is the time between two polls of an account (default 5 min).
	Interval time.Duration
	// MaxMessageBytes: a larger message is not fetched but recorded as an
	// error (default: twice the storage's upload limit, as base64, plus 1
	// MiB: room for an attachment over the limit, a per-item error, beside
	// others that are taken). It bounds the disk a spooled message uses.
	MaxMessageBytes int64
	// MaxInMemory: a message larger than this (default 16 MiB) is not held
	// in memory but fetched in chunks into a temporary file, and its
	// attachments are decoded into temporary files of their own, each
	// read at most up to the upload limit.
	MaxInMemory int64
	// AuditActor is the ActorLabel of each stored document's audit event.
	AuditActor string
}

// Summary is one poll's outcome.
type Summary struct {
	Account    string `json:"account"`
	Messages   int    `json:"messages"`   // messages taken
	Stored     int    `json:"stored"`     // documents stored
	Duplicates int    `json:"duplicates"` // documents whose content was there already
	Skipped    int    `json:"skipped"`    // messages no rule took
	Failed     int    `json:"failed"`     // messages or attachments not taken (see GET /api/ingest/errors)
	Error      string `json:"error,omitempty"`
}

func (p *Poller) defaults() {
	if p.Log == nil {
		p.Log = slog.Default()
	}
	if p.Timeout <= 0 {
		p.Timeout = 60 * time.Second
	}
	if p.Interval <= 0 {
		p.Interval = 5 * time.Minute
	}
	if p.MaxMessageBytes <= 0 {
		p.MaxMessageBytes = 1 << 30
		if p.Storage != nil && p.Storage.MaxSize() > 0 {
			p.MaxMessageBytes = 2*(p.Storage.MaxSize()/3*4) + 1<<20
		}
	}
	if p.MaxInMemory <= 0 {
		p.MaxInMemory = 16 << 20
	}
}

// backoff is the wait after failures polls failed in a row.
func backoff(failures int) time.Duration {
	d := time.Minute
	for i := 1; i < failures && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// PollDue polls every account whose next poll is due and that has rules;
// accounts being polled elsewhere are left to that poll. Errors of one
// account are in its Summary; the error is for the listing only.
func (p *Poller) PollDue(ctx context.Context) ([]Summary, error) {
	p.defaults()
	var due []Account
	if err := p.DB.SelectContext(ctx, &due, `SELECT `+accountColumns+` FROM mail_accounts a
		WHERE next_poll_at <= now() AND EXISTS (SELECT 1 FROM mail_rules r WHERE r.account_id = a.id)
		ORDER BY next_poll_at LIMIT 1000`); err != nil {
		return nil, fmt.Errorf("list the mail accounts due: %w", err)
	}
	var out []Summary
	for _, a := range due {
		if ctx.Err() != nil {
			break
		}
		s, err := p.Poll(ctx, a)
		if errors.Is(err, ErrBusy) {
			continue
		}
		if err != nil && !errors.Is(err, ErrAccount) {
			p.Log.Warn("mail: poll failed", "account_id", a.ID, "error", err.Error())
			s.Error = err.Error()
		}
		out = append(out, s)
	}
	return out, nil
}

// Poll polls one account now: every rule's folder, taking what its rules
// say. Only one poll of an account runs at a time across every process
// (a PostgreSQL advisory lock): ErrBusy when another holds it.
func (p *Poller) Poll(ctx context.Context, a Account) (Summary, error) {
	p.defaults()
	sum := Summary{Account: a.Name}
	conn, err := p.DB.Connx(ctx)
	if err != nil {
		return sum, fmt.Errorf("poll %s: %w", a.Name, err)
	}
	defer conn.Close()
	var locked bool
	if err := conn.GetContext(ctx, &locked, `SELECT pg_try_advisory_lock(hashtextextended('docuvault.mail:' || $1, 0))`, a.ID); err != nil {
		return sum, fmt.Errorf("poll %s: %w", a.Name, err)
	}
	if !locked {
		return sum, fmt.Errorf("%w: %s", ErrBusy, a.Name)
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtextextended('docuvault.mail:' || $1, 0))`, a.ID)
	}()

	rs, err := rules(ctx, p.DB, a.ID)
	if err != nil {
		return sum, err
	}
	pw, err := password(ctx, p.DB, p.Keyring, a.ID)
	if err != nil {
		return sum, p.accountFailed(ctx, a, &sum, err.Error())
	}
	c, err := p.connect(a, pw)
	if err != nil {
		return sum, p.accountFailed(ctx, a, &sum, err.Error())
	}
	stop := context.AfterFunc(ctx, func() { _ = c.Terminate() })
	defer func() {
		stop()
		_ = c.Logout()
	}()

	var folders []string
	byFolder := map[string][]Rule{}
	for _, r := range rs {
		if _, ok := byFolder[r.Folder]; !ok {
			folders = append(folders, r.Folder)
		}
		byFolder[r.Folder] = append(byFolder[r.Folder], r)
	}
	topics, err := p.liveTopics(ctx, a.UserID, rs)
	if err != nil {
		return sum, err
	}
	for _, f := range folders {
		if err := p.pollFolder(ctx, c, a, f, byFolder[f], topics, &sum); err != nil {
			if ctx.Err() != nil {
				return sum, ctx.Err()
			}
			if errors.Is(err, ErrStorage) {
				sum.Error = oneLine(err)
				return sum, fmt.Errorf("poll %s: %w", a.Name, err)
			}
			if c.State() == imap.LogoutState {
				return sum, p.accountFailed(ctx, a, &sum, "the connection was lost: "+err.Error())
			}
			sum.Failed++
			p.record(ctx, a, folderURL(a, f), fmt.Sprintf("folder %q cannot be read: %v", f, oneLine(err)))
			continue
		}
		_ = ingest.Clear(ctx, p.DB, a.UserID, ingest.SourceMail, folderURL(a, f))
	}
	if _, err := p.DB.ExecContext(ctx, `UPDATE mail_accounts SET status = 'ACTIVE', last_error = '', failures = 0,
		last_poll_at = now(), next_poll_at = now() + $2 * interval '1 second' WHERE id = $1`, a.ID, int64(p.Interval/time.Second)); err != nil {
		return sum, fmt.Errorf("poll %s: record the poll: %w", a.Name, err)
	}
	return sum, nil
}

// accountFailed puts the account in ERROR with reason, to be tried again
// after a backoff.
func (p *Poller) accountFailed(ctx context.Context, a Account, sum *Summary, reason string) error {
	reason = oneLine(errors.New(reason))
	sum.Error = reason
	p.Log.Warn("mail: account cannot be polled", "account_id", a.ID, "account", a.Name, "reason", reason)
	if _, err := p.DB.ExecContext(context.WithoutCancel(ctx), `UPDATE mail_accounts SET status = 'ERROR', last_error = $2, failures = failures + 1,
		last_poll_at = now(), next_poll_at = now() + $3 * interval '1 second' WHERE id = $1`,
		a.ID, reason, int64(backoff(a.Failures+1)/time.Second)); err != nil {
		p.Log.Error("mail: could not record the account's error", "account_id", a.ID, "error", err.Error())
	}
	return fmt.Errorf("%w: %s: %s", ErrAccount, a.Name, reason)
}

func oneLine(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if r := []rune(s); len(r) > 500 {
		s = string(r[:500])
	}
	return s
}

// connect dials, secures and logs in, saying in one line what failed.
func (p *Poller) connect(a Account, pw string) (*client.Client, error) {
	addr := net.JoinHostPort(a.Host, strconv.Itoa(a.Port))
	if a.Security == SecurityNone && !isLoopback(a.Host) {
		return nil, fmt.Errorf("security none is only allowed to a loopback address: set tls or starttls")
	}
	tc := &tls.Config{ServerName: a.Host, RootCAs: p.RootCAs, MinVersion: tls.VersionTLS12}
	d := &net.Dialer{Timeout: p.Timeout}
	var c *client.Client
	var err error
	if a.Security == SecurityTLS {
		c, err = client.DialWithDialerTLS(d, addr, tc)
	} else {
		c, err = client.DialWithDialer(d, addr)
	}
	if err != nil {
		return nil, describeDial(addr, err)
	}
	c.Timeout = p.Timeout
	if a.Security == SecuritySTARTTLS {
		ok, err := c.SupportStartTLS()
		if err != nil {
			_ = c.Terminate()
			return nil, describeDial(addr, err)
		}
		if !ok {
			_ = c.Terminate()
			return nil, fmt.Errorf("%s does not offer STARTTLS: set security tls (port 993), or ask its administrator", addr)
		}
		if err := c.StartTLS(tc); err != nil {
			_ = c.Terminate()
			return nil, describeDial(addr, err)
		}
	}
	if err := c.Login(a.Login, pw); err != nil {
		_ = c.Terminate()
		return nil, fmt.Errorf("login refused by %s: wrong login or password? (the server said: %s)", addr, oneLine(err))
	}
	return c, nil
}

func describeDial(addr string, err error) error {
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var re tls.RecordHeaderError
	var ne net.Error
	switch {
	case errors.As(err, &ua):
		return fmt.Errorf("TLS error: the certificate of %s is not signed by a trusted authority (self-signed?): %s", addr, oneLine(err))
	case errors.As(err, &hn):
		return fmt.Errorf("TLS error: the certificate of %s is not for that host name: %s", addr, oneLine(err))
	case errors.As(err, &ci):
		return fmt.Errorf("TLS error: the certificate of %s is invalid (expired?): %s", addr, oneLine(err))
	case errors.As(err, &re):
		return fmt.Errorf("TLS error: %s does not speak TLS on that port (try security starttls, or port 993): %s", addr, oneLine(err))
	case strings.Contains(err.Error(), "tls:"):
		return fmt.Errorf("TLS error with %s: %s", addr, oneLine(err))
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("%s did not answer in time: check host and port", addr)
	}
	return fmt.Errorf("cannot connect to %s: %s", addr, oneLine(err))
}

// liveTopics returns, of the rules' topics, those that still exist.
func (p *Poller) liveTopics(ctx context.Context, owner string, rs []Rule) (map[string]bool, error) {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.TopicIDs...)
	}
	live := map[string]bool{}
	if len(ids) == 0 {
		return live, nil
	}
	var got []string
	if err := p.DB.SelectContext(ctx, &got, `SELECT id::text FROM topics WHERE id = ANY($1::uuid[]) AND (user_id = $2 OR user_id IS NULL)`, pq.Array(ids), owner); err != nil {
		return nil, fmt.Errorf("the rules' topics: %w", err)
	}
	for _, id := range got {
		live[id] = true
	}
	return live, nil
}

func folderURL(a Account, folder string) string {
	return fmt.Sprintf("imap://%s@%s/%s", url.PathEscape(a.Login), net.JoinHostPort(a.Host, strconv.Itoa(a.Port)), url.PathEscape(folder))
}

func messageURL(a Account, folder string, validity, uid uint32) string {
	return fmt.Sprintf("%s;UIDVALIDITY=%d/;UID=%d", folderURL(a, folder), validity, uid)
}

func (p *Poller) record(ctx context.Context, a Account, path, reason string) {
	p.Log.Warn("mail: not taken", "account", a.Name, "path", path, "reason", reason)
	if err := ingest.Record(context.WithoutCancel(ctx), p.DB, a.UserID, ingest.SourceMail, a.Name, path, reason); err != nil {
		p.Log.Error("mail: could not record an error", "path", path, "error", err.Error())
	}
}

// fetchBudget bounds the bytes of the messages fetched at once.
const fetchBudget = 32 << 20

// pollFolder takes what the folder's rules want of the messages not yet
// looked at.
func (p *Poller) pollFolder(ctx context.Context, c *client.Client, a Account, folder string, rs []Rule, topics map[string]bool, sum *Summary) error {
	st, err := c.Select(folder, false)
	if err != nil {
		return err
	}
	v := st.UidValidity
	// A new UIDVALIDITY: the UIDs remembered name nothing any more. The
	// messages are looked at again; content already stored is a duplicate.
	if _, err := p.DB.ExecContext(ctx, `DELETE FROM mail_messages WHERE account_id = $1 AND folder = $2 AND uid_validity <> $3`, a.ID, folder, int64(v)); err != nil {
		return fmt.Errorf("forget the old UIDVALIDITY: %w", err)
	}
	if st.Messages == 0 {
		return nil
	}
	crit := imap.NewSearchCriteria()
	crit.WithoutFlags = []string{imap.DeletedFlag}
	uids, err := c.UidSearch(crit)
	if err != nil {
		return err
	}
	var known []int64
	if err := p.DB.SelectContext(ctx, &known, `SELECT uid FROM mail_messages WHERE account_id = $1 AND folder = $2 AND uid_validity = $3`, a.ID, folder, int64(v)); err != nil {
		return fmt.Errorf("the messages looked at: %w", err)
	}
	seen := make(map[uint32]bool, len(known))
	for _, u := range known {
		seen[uint32(u)] = true
	}
	var todo []uint32
	for _, u := range uids {
		if !seen[u] {
			todo = append(todo, u)
		}
	}
	slices.Sort(todo)
	for len(todo) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		head := todo[:min(len(todo), 100)]
		todo = todo[len(head):]
		sizes, err := fetchSizes(c, head)
		if err != nil {
			return err
		}
		var batch []uint32
		var bytes int64
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			bodies, err := fetchBodies(c, batch)
			if err != nil {
				return err
			}
			for _, u := range batch {
				raw, ok := bodies[u]
				if !ok {
					continue // expunged meanwhile
				}
				if err := p.take(ctx, c, a, folder, v, u, &source{raw: raw, size: int64(len(raw))}, rs, topics, sum); err != nil {
					return err
				}
			}
			batch, bytes = batch[:0], 0
			return nil
		}
		for _, u := range head {
			size, ok := sizes[u]
			if !ok {
				continue
			}
			if size > p.MaxMessageBytes {
				sum.Failed++
				p.record(ctx, a, messageURL(a, folder, v, u), fmt.Sprintf("message of %d MB is over the %d MB a message may have (DOCUVAULT_MAX_UPLOAD_SIZE): not taken", size>>20, p.MaxMessageBytes>>20))
				continue
			}
			if size > p.MaxInMemory {
				// Fetched alone, in chunks, into a file.
				if err := flush(); err != nil {
					return err
				}
				src, err := p.spool(c, u, size)
				if err != nil {
					src.close()
					if c.State() == imap.LogoutState || ctx.Err() != nil {
						return err
					}
					sum.Failed++
					p.record(ctx, a, messageURL(a, folder, v, u), "the message could not be fetched: "+oneLine(err)+" (tried again on the next poll)")
					continue
				}
				if src.size > 0 {
					err = p.take(ctx, c, a, folder, v, u, src, rs, topics, sum)
				}
				src.close()
				if err != nil {
					return err
				}
				continue
			}
			if bytes+size > fetchBudget && len(batch) > 0 {
				if err := flush(); err != nil {
					return err
				}
			}
			batch = append(batch, u)
			bytes += size
		}
		if err := flush(); err != nil {
			return err
		}
	}
	return nil
}

func seqSet(uids []uint32) *imap.SeqSet {
	s := new(imap.SeqSet)
	s.AddNum(uids...)
	return s
}

func fetchSizes(c *client.Client, uids []uint32) (map[uint32]int64, error) {
	ch := make(chan *imap.Message, 16)
	done := make(chan error, 1)
	go func() { done <- c.UidFetch(seqSet(uids), []imap.FetchItem{imap.FetchUid, imap.FetchRFC822Size}, ch) }()
	out := map[uint32]int64{}
	for m := range ch {
		out[m.Uid] = int64(m.Size)
	}
	return out, <-done
}

var bodySection = &imap.BodySectionName{Peek: true}

func fetchBodies(c *client.Client, uids []uint32) (map[uint32][]byte, error) {
	ch := make(chan *imap.Message, 16)
	done := make(chan error, 1)
	go func() {
		done <- c.UidFetch(seqSet(uids), []imap.FetchItem{imap.FetchUid, bodySection.FetchItem()}, ch)
	}()
	out := map[uint32][]byte{}
	for m := range ch {
		if r := m.GetBody(bodySection); r != nil {
			b, err := io.ReadAll(r)
			if err == nil {
				out[m.Uid] = b
			}
		}
	}
	return out, <-done
}

type upload struct {
	name string
	body io.Reader
	size int64 // the whole content's, also when body holds only its start (over the limit)
}

// source is one message's raw bytes: in memory, or spooled to a file.
type source struct {
	raw  []byte
	file *os.File
	size int64 // 0: expunged meanwhile
	// atts are the files of a spooled message's attachments.
	atts []*os.File
}

func (s *source) reader() io.Reader {
	if s.file != nil {
		return io.NewSectionReader(s.file, 0, s.size)
	}
	return bytes.NewReader(s.raw)
}

func (s *source) close() {
	for _, f := range append(s.atts, s.file) {
		if f != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}
}

// spoolAttachment is the keeper of a spooled message: each attachment is
// decoded into a temporary file (closed and removed with src), at most up
// to the upload limit and one byte more; the rest of one over the limit is
// only counted, so that its upload is refused with its real size.
func (p *Poller) spoolAttachment(src *source) keeper {
	limit := int64(1 << 30)
	if p.Storage != nil {
		limit = p.Storage.MaxSize()
	}
	return func(name, contentType string, body io.Reader) (attachment, error) {
		f, err := os.CreateTemp("", "docuvault-mail-att-*")
		if err != nil {
			return attachment{}, fmt.Errorf("attachment %q: spool: %w", name, err)
		}
		src.atts = append(src.atts, f)
		kept, err := io.Copy(f, io.LimitReader(body, limit+1))
		if err != nil {
			return attachment{}, fmt.Errorf("attachment %q cannot be read: %w", name, err)
		}
		rest, err := io.Copy(io.Discard, body)
		if err != nil {
			return attachment{}, fmt.Errorf("attachment %q cannot be read: %w", name, err)
		}
		return attachment{Name: name, ContentType: contentType, File: f, Kept: kept, Size: kept + rest}, nil
	}
}

// spoolChunk is how much of a large message one FETCH asks for (at most
// half of MaxInMemory).
const spoolChunk = 4 << 20

// spool fetches message uid (size bytes, as the server said) into a
// temporary file, spoolChunk bytes at a time (BODY.PEEK[]<offset.length>):
// go-imap holds a fetched literal in memory, so a large message is never
// asked for whole. The source's size is 0 when the message was expunged
// meanwhile. The caller closes the source, also on error.
func (p *Poller) spool(c *client.Client, uid uint32, size int64) (*source, error) {
	f, err := os.CreateTemp("", "docuvault-mail-*.eml")
	if err != nil {
		return &source{}, fmt.Errorf("spool a large message: %w", err)
	}
	src := &source{file: f}
	chunk := int64(min(spoolChunk, max(p.MaxInMemory/2, 64<<10)))
	for off := int64(0); ; off += chunk {
		sec := &imap.BodySectionName{Peek: true, Partial: []int{int(off), int(chunk)}}
		ch := make(chan *imap.Message, 1)
		done := make(chan error, 1)
		go func() {
			done <- c.UidFetch(seqSet([]uint32{uid}), []imap.FetchItem{imap.FetchUid, sec.FetchItem()}, ch)
		}()
		var n int64
		got := false
		var cerr error
		for m := range ch {
			if r := m.GetBody(sec); r != nil && cerr == nil {
				got = true
				n, cerr = io.Copy(f, r)
			}
		}
		if err := <-done; err != nil {
			return src, err
		}
		if cerr != nil {
			return src, fmt.Errorf("spool a large message: %w", cerr)
		}
		if !got {
			if off == 0 {
				return src, nil // expunged meanwhile
			}
			break
		}
		src.size += n
		if n < chunk || src.size >= size {
			break
		}
	}
	return src, nil
}

// take stores what the first rule that wants the message takes of it,
// records it taken, and then does the rule's after-action. Its error wraps
// ErrStorage when the object store is unavailable (the poll stops);
// everything else is recorded.
func (p *Poller) take(ctx context.Context, c *client.Client, a Account, folder string, v, uid uint32, src *source, rs []Rule, topics map[string]bool, sum *Summary) error {
	msgURL := messageURL(a, folder, v, uid)
	var keep keeper // in memory
	if src.file != nil {
		keep = p.spoolAttachment(src)
	}
	m, perr := parse(src.reader(), keep)
	var rule *Rule
	var ups []upload
	for i := range rs {
		r := rs[i]
		if !r.matches(m) {
			continue
		}
		if r.Mode == ModeMessage {
			rule, ups = &r, []upload{{name: emlName(m), body: src.reader(), size: src.size}}
			break
		}
		var picked []upload
		for _, at := range m.Attachments {
			if r.wants(at) {
				picked = append(picked, upload{name: at.Name, body: at.body(), size: at.Size})
			}
		}
		if len(picked) > 0 {
			rule, ups = &r, picked
			break
		}
	}
	if rule == nil {
		if perr != nil {
			// Unreadable and no rule took it whole: said, and looked at again
			// when the rules change.
			p.record(ctx, a, msgURL, "the message cannot be read: "+oneLine(perr))
		}
		p.remember(ctx, a, folder, v, uid, "skipped", nil)
		sum.Skipped++
		return nil
	}
	var tids []string
	for _, id := range rule.TopicIDs {
		if topics[id] {
			tids = append(tids, id)
		}
	}
	var ev *audit.Event
	if p.AuditActor != "" {
		ev = &audit.Event{ActorLabel: p.AuditActor}
	}
	var first *string
	retry := false
	var stored, dups int
	for i, u := range ups {
		upURL := msgURL
		if rule.Mode == ModeAttachments {
			upURL = fmt.Sprintf("%s/;SECTION=%d (%s)", msgURL, i+1, u.name)
		}
		res, err := p.Storage.Upload(ctx, storage.UploadInput{
			Audit: ev, OwnerID: a.UserID, Filename: u.name, Body: u.body, Size: u.size, TopicIDs: tids,
		})
		if err != nil {
			var tna *storage.TypeNotAllowedError
			sum.Failed++
			switch {
			case errors.As(err, &tna), errors.Is(err, storage.ErrTooLarge), errors.Is(err, storage.ErrEmpty):
				// The same content fails again: said, and the message taken.
				p.record(ctx, a, upURL, fmt.Sprintf("%s: %s", u.name, oneLine(err)))
			default:
				// Worth another try (quota, storage down): the message is
				// not recorded, so the next poll takes it again; what was
				// stored of it is then a duplicate.
				p.record(ctx, a, upURL, fmt.Sprintf("%s: %s (tried again on the next poll)", u.name, oneLine(err)))
				retry = true
				if errors.Is(err, objectstore.ErrUnavailable) {
					sum.Stored += stored
					sum.Duplicates += dups
					return fmt.Errorf("%w: %s", ErrStorage, oneLine(err))
				}
			}
			continue
		}
		_ = ingest.Clear(ctx, p.DB, a.UserID, ingest.SourceMail, upURL)
		if first == nil {
			id := res.Document.ID
			first = &id
		}
		if res.DuplicateOf != "" {
			dups++
		} else {
			stored++
		}
	}
	sum.Stored += stored
	sum.Duplicates += dups
	if retry || ctx.Err() != nil {
		return nil
	}
	if !p.remember(ctx, a, folder, v, uid, "taken", first) {
		return nil
	}
	sum.Messages++
	_ = ingest.Clear(ctx, p.DB, a.UserID, ingest.SourceMail, msgURL)
	if err := after(c, *rule, uid); err != nil {
		if c.State() == imap.LogoutState {
			return nil
		}
		what := "document"
		if first != nil {
			what = "document " + *first
		}
		p.record(ctx, a, msgURL, fmt.Sprintf("taken (%s), but %s", what, oneLine(err)))
	}
	return nil
}

// remember records a message looked at; false when it could not be (the
// next poll looks at it again, its content then a duplicate).
func (p *Poller) remember(ctx context.Context, a Account, folder string, v, uid uint32, outcome string, docID *string) bool {
	_, err := p.DB.ExecContext(context.WithoutCancel(ctx), `INSERT INTO mail_messages (account_id, folder, uid_validity, uid, outcome, document_id)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, folder, uid_validity, uid) DO UPDATE SET outcome = EXCLUDED.outcome,
		document_id = EXCLUDED.document_id, at = now()`, a.ID, folder, int64(v), int64(uid), outcome, docID)
	if err != nil {
		p.Log.Warn("mail: could not remember a message; looked at again on the next poll", "account", a.Name, "uid", uid, "error", err.Error())
		return false
	}
	return true
}

// uidExpunge is UID EXPUNGE (RFC 4315): only the message given is
// expunged, not others marked \Deleted.
type uidExpunge struct{ set *imap.SeqSet }

func (u uidExpunge) Command() *imap.Command {
	return &imap.Command{Name: "EXPUNGE", Arguments: []interface{}{u.set}}
}

func run(c *client.Client, cmd imap.Commander) error {
	st, err := c.Execute(cmd, nil)
	if err != nil {
		return err
	}
	return st.Err()
}

// after does the rule's after-action on message uid.
func after(c *client.Client, r Rule, uid uint32) error {
	set := seqSet([]uint32{uid})
	switch r.After {
	case AfterRead:
		if err := c.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), []interface{}{imap.SeenFlag}, nil); err != nil {
			return fmt.Errorf("could not mark it read: %w", err)
		}
	case AfterFlag:
		if err := c.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), []interface{}{imap.FlaggedFlag}, nil); err != nil {
			return fmt.Errorf("could not flag it: %w", err)
		}
	case AfterDelete:
		if err := deleteMessage(c, set); err != nil {
			return fmt.Errorf("could not delete it: %w", err)
		}
	case AfterMove:
		move := func() error {
			if ok, _ := c.Support("MOVE"); ok {
				return run(c, &commands.Uid{Cmd: &commands.Move{SeqSet: set, Mailbox: r.MoveFolder}})
			}
			if err := c.UidCopy(set, r.MoveFolder); err != nil {
				return err
			}
			return deleteMessage(c, set)
		}
		if err := move(); err != nil {
			if c.State() == imap.LogoutState {
				return err
			}
			// The folder may not exist yet: made, and tried once more.
			if cerr := c.Create(r.MoveFolder); cerr != nil {
				return fmt.Errorf("could not move it to %q: %w", r.MoveFolder, err)
			}
			if err := move(); err != nil {
				return fmt.Errorf("could not move it to %q: %w", r.MoveFolder, err)
			}
		}
	}
	return nil
}

func deleteMessage(c *client.Client, set *imap.SeqSet) error {
	if err := c.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), []interface{}{imap.DeletedFlag}, nil); err != nil {
		return err
	}
	if ok, _ := c.Support("UIDPLUS"); ok {
		return run(c, &commands.Uid{Cmd: uidExpunge{set: set}})
	}
	return c.Expunge(nil)
}
