// Package mailer sends DocuVault's own e-mail (password reset links)
// through an SMTP server: STARTTLS on the submission port (587) by
// default, implicit TLS (465), or plain SMTP, which is allowed only to a
// server on the loopback interface (a local relay). The server's
// certificate is always verified. Credentials, when set, are sent with
// AUTH PLAIN, and only over TLS (or to loopback).
//
// A message is one text/plain part (UTF-8, quoted-printable) with Date,
// Message-ID, From, To and Subject; its body is never logged.
//
// It is built on the standard library's net/smtp and the go-message
// module DocuVault already uses for IMAP: no other dependency.
package mailer

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"strconv"
	"strings"
	"time"

	gomail "github.com/emersion/go-message/mail"
)

// TLS modes.
const (
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
	TLSNone     = "none"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrConfig: the settings cannot work (named in the message).
	ErrConfig = errors.New("invalid SMTP settings")
	// ErrTLS: the TLS handshake failed or the server offers no STARTTLS;
	// most often its certificate is not trusted or names another host.
	ErrTLS = errors.New("SMTP TLS failed")
	// ErrConnect: the server could not be reached.
	ErrConnect = errors.New("SMTP server unreachable")
	// ErrRefused: the server refused the sign-in, the sender, the
	// recipient or the message.
	ErrRefused = errors.New("SMTP server refused the message")
)

// Config is where and how mail is sent.
type Config struct {
	Host     string
	Port     int
	TLS      string // starttls (default), tls or none (loopback only)
	User     string // "" for no AUTH
	Password string
	From     string // the sender address, e.g. "DocuVault <docuvault@example.org>"
	// RootCAs verifies the server's certificate; nil means the system's.
	RootCAs *x509.CertPool
	// Timeout bounds one whole send; 0 means 30 seconds.
	Timeout time.Duration
}

// Loopback reports whether host names the loopback interface.
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Check says what is wrong with c, as an error wrapping ErrConfig.
func (c Config) Check() error {
	if c.Host == "" {
		return fmt.Errorf("%w: no host", ErrConfig)
	}
	if c.Port < 1 || c.Port > 65535 {
		return fmt.Errorf("%w: port %d is not 1-65535", ErrConfig, c.Port)
	}
	switch c.TLS {
	case "", TLSStartTLS, TLSImplicit:
	case TLSNone:
		if !Loopback(c.Host) {
			return fmt.Errorf("%w: TLS mode none sends the password and the reset links in clear text, so it is allowed only to a server on loopback (127.0.0.1, ::1, localhost), not %s: use starttls or tls", ErrConfig, c.Host)
		}
	default:
		return fmt.Errorf("%w: TLS mode %q is not starttls, tls or none", ErrConfig, c.TLS)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("%w: the sender address %q is not an e-mail address like docuvault@example.org", ErrConfig, c.From)
	}
	if c.Password != "" && c.User == "" {
		return fmt.Errorf("%w: a password without a user name", ErrConfig)
	}
	return nil
}

// Message is one e-mail to one recipient.
type Message struct {
	To      string
	Subject string
	Text    string
}

// Mailer sends messages with one Config. It keeps no connection: each
// Send dials anew (reset links are rare).
type Mailer struct {
	c Config
}

// New checks c and returns a Mailer.
func New(c Config) (*Mailer, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	return &Mailer{c: c}, nil
}

// Addr is the server's host:port.
func (m *Mailer) Addr() string { return net.JoinHostPort(m.c.Host, strconv.Itoa(m.c.Port)) }

// Compose returns msg as the bytes of an RFC 5322 message from m's sender.
func (m *Mailer) Compose(msg Message, now time.Time) ([]byte, error) {
	from, err := mail.ParseAddress(m.c.From)
	if err != nil {
		return nil, fmt.Errorf("%w: sender %q", ErrConfig, m.c.From)
	}
	to, err := mail.ParseAddress(msg.To)
	if err != nil {
		return nil, fmt.Errorf("recipient %q is not an e-mail address: %w", msg.To, err)
	}
	var h gomail.Header
	h.SetDate(now)
	h.SetAddressList("From", []*gomail.Address{{Name: from.Name, Address: from.Address}})
	h.SetAddressList("To", []*gomail.Address{{Name: to.Name, Address: to.Address}})
	h.SetSubject(msg.Subject)
	_, domain, _ := strings.Cut(from.Address, "@")
	if err := h.GenerateMessageIDWithHostname(domain); err != nil {
		return nil, fmt.Errorf("message id: %w", err)
	}
	h.Set("MIME-Version", "1.0")
	h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	h.Set("Auto-Submitted", "auto-generated")
	var buf bytes.Buffer
	w, err := gomail.CreateSingleInlineWriter(&buf, h)
	if err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	text := strings.ReplaceAll(strings.ReplaceAll(msg.Text, "\r\n", "\n"), "\n", "\r\n")
	if _, err := w.Write([]byte(text)); err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	return buf.Bytes(), nil
}

// Send delivers msg to the server. Its errors wrap ErrConnect, ErrTLS or
// ErrRefused and say in one line what failed; they never hold the body.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	body, err := m.Compose(msg, time.Now())
	if err != nil {
		return err
	}
	to, _ := mail.ParseAddress(msg.To)
	from, _ := mail.ParseAddress(m.c.From)
	ctx, cancel := context.WithTimeout(ctx, m.c.Timeout)
	defer cancel()
	addr := m.Addr()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("%w: connect to %s: %v", ErrConnect, addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	// Closing the connection when ctx ends unblocks a server that stalls.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	tlsConf := &tls.Config{ServerName: m.c.Host, RootCAs: m.c.RootCAs, MinVersion: tls.VersionTLS12}
	if m.c.TLS == TLSImplicit {
		tc := tls.Client(conn, tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("%w: TLS with %s: %v", ErrTLS, addr, err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, m.c.Host)
	if err != nil {
		return fmt.Errorf("%w: greeting of %s: %v", ErrConnect, addr, err)
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return fmt.Errorf("%w: EHLO at %s: %v", ErrRefused, addr, err)
	}
	if m.c.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("%w: %s offers no STARTTLS: use tls (port 465) if it speaks TLS from the start", ErrTLS, addr)
		}
		if err := c.StartTLS(tlsConf); err != nil {
			return fmt.Errorf("%w: STARTTLS with %s: %v", ErrTLS, addr, err)
		}
	}
	if m.c.User != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return fmt.Errorf("%w: %s offers no AUTH, but a user is set", ErrRefused, addr)
		}
		if err := c.Auth(smtp.PlainAuth("", m.c.User, m.c.Password, m.c.Host)); err != nil {
			return fmt.Errorf("%w: sign-in as %s at %s: %v", ErrRefused, m.c.User, addr, err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("%w: sender %s at %s: %v", ErrRefused, from.Address, addr, err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return fmt.Errorf("%w: recipient at %s: %v", ErrRefused, addr, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("%w: DATA at %s: %v", ErrRefused, addr, err)
	}
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("%w: send message to %s: %v", ErrRefused, addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("%w: message at %s: %v", ErrRefused, addr, err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("%w: QUIT at %s: %v", ErrRefused, addr, err)
	}
	return nil
}
