package extract

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	_ "github.com/emersion/go-message/charset" // the charsets mail uses (ISO-8859-x, Windows-125x, …)
	gomail "github.com/emersion/go-message/mail"
)

// ctEML is an e-mail message (an .eml file; pkg/mail stores whole
// messages as such).
const ctEML = "message/rfc822"

// extractEML reads an e-mail: its subject, sender, date, text body
// (text/plain, or text/html's text when it has no plain part) and the
// names of its attachments, one per line after "Attachments:".
func extractEML(ctx context.Context, in Input, lim Limits) (Output, error) {
	f, err := os.Open(in.Path)
	if err != nil {
		return Output{}, fmt.Errorf("open the spooled document: %w", err)
	}
	defer f.Close()
	r, err := gomail.CreateReader(bufio.NewReader(f))
	if r == nil {
		return Output{}, fmt.Errorf("%w: not a readable e-mail (%v)", ErrCorrupt, err)
	}
	out := newTextBuf(lim.MaxTextBytes)
	h := r.Header
	subject, err := h.Subject()
	if err != nil {
		subject = h.Get("Subject")
	}
	from := h.Get("From")
	if as, err := h.AddressList("From"); err == nil && len(as) > 0 {
		names := make([]string, 0, len(as))
		for _, a := range as {
			if a.Name != "" {
				names = append(names, a.Name+" <"+a.Address+">")
			} else {
				names = append(names, a.Address)
			}
		}
		from = strings.Join(names, ", ")
	}
	out.write("Subject: " + strings.TrimSpace(subject) + "\n")
	out.write("From: " + strings.TrimSpace(from) + "\n")
	if d, err := h.Date(); err == nil && !d.IsZero() {
		out.write("Date: " + d.Format("2006-01-02 15:04 -0700") + "\n")
	}
	out.write("\n")
	var plain, html strings.Builder
	var names []string
	note := ""
	for n := 0; ; n++ {
		if n%16 == 0 {
			if err := ctx.Err(); err != nil {
				return Output{}, err
			}
		}
		p, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && p == nil {
			note = "the e-mail's parts could not all be read: " + err.Error()
			break
		}
		switch ph := p.Header.(type) {
		case *gomail.InlineHeader:
			ct, _, _ := ph.ContentType()
			_, params, _ := ph.ContentDisposition()
			if params["filename"] != "" || !strings.HasPrefix(ct, "text/") {
				if params["filename"] != "" {
					names = append(names, params["filename"])
				}
				continue
			}
			b, err := io.ReadAll(io.LimitReader(p.Body, int64(2*lim.MaxTextBytes)))
			if err != nil {
				continue
			}
			if ct == "text/html" {
				hb := newTextBuf(lim.MaxTextBytes)
				if _, err := htmlText(ctx, strings.NewReader(string(b)), hb, max(2*lim.MaxTextBytes, 1<<20)); err == nil {
					html.WriteString(hb.String())
					html.WriteString("\n")
				}
			} else {
				plain.Write(b)
				plain.WriteString("\n")
			}
		case *gomail.AttachmentHeader:
			if name, _ := ph.Filename(); name != "" {
				names = append(names, name)
			} else {
				ct, _, _ := ph.ContentType()
				names = append(names, "("+ct+")")
			}
		}
	}
	body := plain.String()
	if strings.TrimSpace(body) == "" {
		body = html.String()
	}
	out.write(strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n")))
	if len(names) > 0 {
		out.write("\n\nAttachments:\n" + strings.Join(names, "\n"))
	}
	return Output{Text: out.String(), Method: "eml", Truncated: out.full(), Note: note}, nil
}
