package mail

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/emersion/go-message/charset" // decodes the charsets mail uses (ISO-8859-x, Windows-125x, …)
	gomail "github.com/emersion/go-message/mail"
	"golang.org/x/net/html"
)

// message is what a rule looks at in one e-mail.
type message struct {
	From        string // the From header as given (names and addresses)
	Subject     string
	Date        time.Time
	Text        string // the text body (text/plain, or text/html stripped)
	Attachments []attachment
}

type attachment struct {
	Name        string
	ContentType string
	Data        []byte   // in memory; or
	File        *os.File // spooled (see keeper): its first Kept bytes
	Kept        int64
	Size        int64 // the decoded content's whole length
}

// body is the attachment's content for an upload: over the upload limit,
// only its start (Size says the rest is there, and the upload is refused
// before it reads).
func (a attachment) body() io.Reader {
	if a.File != nil {
		return io.NewSectionReader(a.File, 0, a.Kept)
	}
	return bytes.NewReader(a.Data)
}

// keeper stores an attachment's decoded content somewhere other than in
// memory (nil: in memory).
type keeper func(name, contentType string, body io.Reader) (attachment, error)

// inMemory reads the attachment whole.
func inMemory(name, contentType string, body io.Reader) (attachment, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return attachment{}, fmt.Errorf("attachment %q cannot be read: %w", name, err)
	}
	return attachment{Name: name, ContentType: contentType, Data: data, Size: int64(len(data))}, nil
}

// maxBodyText bounds the body text a filter looks at.
const maxBodyText = 1 << 20

// parse reads a whole message, its attachments kept by keep (nil: in
// memory). A message that cannot be parsed as MIME is still one whose
// headers and text may be read: what was read is returned with the error.
func parse(raw io.Reader, keep keeper) (message, error) {
	if keep == nil {
		keep = inMemory
	}
	var m message
	r, err := gomail.CreateReader(raw)
	if err != nil && r == nil {
		return m, fmt.Errorf("not a readable e-mail: %w", err)
	}
	h := r.Header
	if s, err := h.Subject(); err == nil {
		m.Subject = s
	} else {
		m.Subject = h.Get("Subject")
	}
	if as, err := h.AddressList("From"); err == nil && len(as) > 0 {
		parts := make([]string, 0, len(as))
		for _, a := range as {
			parts = append(parts, a.String())
		}
		m.From = strings.Join(parts, ", ")
	} else {
		m.From = h.Get("From")
	}
	m.Date, _ = h.Date()
	var plain, htmlText strings.Builder
	n := 0
	for {
		p, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && p == nil {
			return m, fmt.Errorf("a part of the e-mail cannot be read: %w", err)
		}
		n++
		switch ph := p.Header.(type) {
		case *gomail.InlineHeader:
			ct, _, _ := ph.ContentType()
			_, params, _ := ph.ContentDisposition()
			if name := params["filename"]; name != "" || !strings.HasPrefix(ct, "text/") {
				// An inline image or file with a name: an attachment too.
				if name == "" {
					name, _, _ = ph.ContentType()
				}
				at, err := keep(attachmentName(params["filename"], ct, n), ct, p.Body)
				if err != nil {
					return m, err
				}
				m.Attachments = append(m.Attachments, at)
				continue
			}
			b, err := io.ReadAll(io.LimitReader(p.Body, maxBodyText))
			if err != nil {
				continue // an undecodable body: the filters see less, nothing is lost
			}
			switch ct {
			case "text/html":
				htmlText.WriteString(stripHTML(b))
				htmlText.WriteByte('\n')
			default:
				plain.Write(b)
				plain.WriteByte('\n')
			}
		case *gomail.AttachmentHeader:
			ct, _, _ := ph.ContentType()
			name, _ := ph.Filename()
			at, err := keep(attachmentName(name, ct, n), ct, p.Body)
			if err != nil {
				return m, err
			}
			m.Attachments = append(m.Attachments, at)
		}
	}
	m.Text = plain.String()
	if strings.TrimSpace(m.Text) == "" {
		m.Text = htmlText.String()
	}
	return m, nil
}

// attachmentName is the attachment's own file name, or one made from its
// type when it has none.
func attachmentName(name, contentType string, n int) string {
	name = strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, `\`, "/")))
	if name != "" && name != "." && name != "/" {
		return name
	}
	ext := ".bin"
	if exts, _ := mime.ExtensionsByType(contentType); len(exts) > 0 {
		ext = exts[0]
	}
	switch contentType {
	case "application/pdf":
		ext = ".pdf"
	case "image/jpeg":
		ext = ".jpg"
	case "message/rfc822":
		ext = ".eml"
	}
	return fmt.Sprintf("attachment-%d%s", n, ext)
}

// stripHTML returns an HTML body's text.
func stripHTML(b []byte) string {
	z := html.NewTokenizer(bytes.NewReader(b))
	var out strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out.String()
		case html.StartTagToken:
			name, _ := z.TagName()
			if s := string(name); s == "script" || s == "style" || s == "head" {
				skip++
			}
			out.WriteByte(' ')
		case html.EndTagToken:
			name, _ := z.TagName()
			if s := string(name); (s == "script" || s == "style" || s == "head") && skip > 0 {
				skip--
			}
			out.WriteByte(' ')
		case html.TextToken:
			if skip == 0 {
				out.Write(z.Text())
			}
		}
	}
}

func containsFold(s, sub string) bool {
	return sub == "" || strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// matches says whether the rule's filters all match m.
func (r Rule) matches(m message) bool {
	return containsFold(m.From, r.From) && containsFold(m.Subject, r.Subject) && containsFold(m.Text, r.Body)
}

// typeAliases are extensions that name the same type.
var typeAliases = map[string]string{"jpeg": "jpg", "tif": "tiff", "htm": "html"}

func canonType(t string) string {
	if a, ok := typeAliases[t]; ok {
		return a
	}
	return t
}

// wants says whether an attachment passes the rule's type filter: its
// extension or its content type's subtype is one of Types (none: all).
func (r Rule) wants(a attachment) bool {
	if len(r.Types) == 0 {
		return true
	}
	ext := canonType(strings.ToLower(strings.TrimPrefix(filepath.Ext(a.Name), ".")))
	sub := ""
	if _, s, ok := strings.Cut(strings.ToLower(a.ContentType), "/"); ok {
		sub = canonType(s)
	}
	for _, t := range r.Types {
		t = canonType(t)
		if t == ext || t == sub {
			return true
		}
	}
	return false
}

// emlName is the file name of a whole message stored as a document: its
// subject, made safe, and .eml.
func emlName(m message) string {
	s := strings.Map(func(r rune) rune {
		switch {
		case r < ' ', strings.ContainsRune(`/\:*?"<>|`, r):
			return '_'
		}
		return r
	}, strings.TrimSpace(m.Subject))
	if r := []rune(s); len(r) > 100 {
		s = string(r[:100])
	}
	if s == "" {
		s = "message"
	}
	return s + ".eml"
}
