package mailer_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"github.com/docuvault/docuvault/pkg/mailer"
	"github.com/docuvault/docuvault/pkg/mailer/mailertest"
)

func receive(t *testing.T, s *mailertest.Server) mailertest.Message {
	t.Helper()
	select {
	case m := <-s.Messages:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message arrived")
	}
	return mailertest.Message{}
}

// A message over STARTTLS with AUTH arrives whole: headers, a UTF-8 body
// that survives quoted-printable, the sign-in.
func TestSendStartTLS(t *testing.T) {
	srv := mailertest.Start(t, mailertest.Options{TLS: true, User: "dv", Password: "smtp secret"})
	m, err := mailer.New(mailer.Config{Host: srv.Host, Port: srv.Port, TLS: mailer.TLSStartTLS, User: "dv", Password: "smtp secret",
		From: "DocuVault <docuvault@example.org>", RootCAs: srv.CAs})
	if err != nil {
		t.Fatal(err)
	}
	long := "https://docs.example.org/reset/" + strings.Repeat("x", 90)
	text := "Hallo Jürgen,\n\n" + long + "\n"
	if err := m.Send(context.Background(), mailer.Message{To: "Jürgen <juergen@example.org>", Subject: "Passwort zurücksetzen", Text: text}); err != nil {
		t.Fatal(err)
	}
	got := receive(t, srv)
	if got.From != "docuvault@example.org" || len(got.To) != 1 || got.To[0] != "juergen@example.org" || got.Auth != "dv" {
		t.Fatalf("envelope %+v", got)
	}
	r, err := gomail.CreateReader(bytes.NewReader(got.Data))
	if err != nil {
		t.Fatal(err)
	}
	subj, _ := r.Header.Subject()
	date, derr := r.Header.Date()
	id, _ := r.Header.MessageID()
	ct, params, _ := r.Header.ContentType()
	if subj != "Passwort zurücksetzen" || derr != nil || time.Since(date) > time.Minute || !strings.HasSuffix(id, "@example.org") || ct != "text/plain" || params["charset"] != "utf-8" {
		t.Fatalf("subject %q date %v (%v) id %q type %s %v", subj, date, derr, id, ct, params)
	}
	p, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(p.Body)
	if strings.ReplaceAll(string(body), "\r\n", "\n") != text {
		t.Fatalf("body %q", body)
	}
}

// A certificate the client does not trust fails with ErrTLS, in one line
// that says so, and nothing is delivered.
func TestSendUntrustedCertificate(t *testing.T) {
	srv := mailertest.Start(t, mailertest.Options{TLS: true})
	m, err := mailer.New(mailer.Config{Host: srv.Host, Port: srv.Port, From: "docuvault@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	err = m.Send(context.Background(), mailer.Message{To: "ann@example.org", Subject: "s", Text: "t"})
	if !errors.Is(err, mailer.ErrTLS) || !strings.Contains(err.Error(), "certificate") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want ErrTLS about the certificate", err)
	}
	select {
	case got := <-srv.Messages:
		t.Fatalf("delivered: %+v", got)
	default:
	}
	// A server without STARTTLS, in starttls mode: refused, not sent in clear.
	plain := mailertest.Start(t, mailertest.Options{})
	m, _ = mailer.New(mailer.Config{Host: plain.Host, Port: plain.Port, From: "docuvault@example.org"})
	if err := m.Send(context.Background(), mailer.Message{To: "ann@example.org", Subject: "s", Text: "t"}); !errors.Is(err, mailer.ErrTLS) {
		t.Fatalf("no STARTTLS: %v", err)
	}
	// Wrong credentials: ErrRefused.
	authed := mailertest.Start(t, mailertest.Options{TLS: true, User: "dv", Password: "right"})
	m, _ = mailer.New(mailer.Config{Host: authed.Host, Port: authed.Port, From: "docuvault@example.org", RootCAs: authed.CAs, User: "dv", Password: "wrong"})
	if err := m.Send(context.Background(), mailer.Message{To: "ann@example.org", Subject: "s", Text: "t"}); !errors.Is(err, mailer.ErrRefused) {
		t.Fatalf("wrong password: %v", err)
	}
	// Nothing listening: ErrConnect.
	m, _ = mailer.New(mailer.Config{Host: "127.0.0.1", Port: 1, TLS: mailer.TLSNone, From: "docuvault@example.org"})
	if err := m.Send(context.Background(), mailer.Message{To: "ann@example.org", Subject: "s", Text: "t"}); !errors.Is(err, mailer.ErrConnect) {
		t.Fatalf("closed port: %v", err)
	}
}

// Plain SMTP works to loopback and is refused elsewhere; bad settings say
// what to fix.
func TestConfig(t *testing.T) {
	srv := mailertest.Start(t, mailertest.Options{})
	m, err := mailer.New(mailer.Config{Host: srv.Host, Port: srv.Port, TLS: mailer.TLSNone, From: "docuvault@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), mailer.Message{To: "ann@example.org", Subject: "s", Text: "t"}); err != nil {
		t.Fatal(err)
	}
	receive(t, srv)
	for _, c := range []struct {
		c    mailer.Config
		want string
	}{
		{mailer.Config{Host: "mail.example.org", Port: 25, TLS: mailer.TLSNone, From: "a@example.org"}, "only to a server on loopback"},
		{mailer.Config{Host: "mail.example.org", Port: 587, TLS: "ssl", From: "a@example.org"}, "not starttls, tls or none"},
		{mailer.Config{Host: "mail.example.org", Port: 0, From: "a@example.org"}, "port 0"},
		{mailer.Config{Host: "mail.example.org", Port: 587, From: "not an address"}, "sender address"},
	} {
		if _, err := mailer.New(c.c); !errors.Is(err, mailer.ErrConfig) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.c, err, c.want)
		}
	}
	for _, h := range []string{"localhost", "127.0.0.1", "::1", "127.0.0.2"} {
		if !mailer.Loopback(h) {
			t.Errorf("%s is loopback", h)
		}
	}
	if mailer.Loopback("10.0.0.1") {
		t.Error("10.0.0.1 is not loopback")
	}
}
