package api

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/docuvault/docuvault/pkg/storage"
)

// The upload handler (uploadDocuments) cannot run without its services: a
// file part goes straight to storage.Service (PostgreSQL and the object
// store) and a topic or folder field is looked up in the database. So this
// fuzz target drives the part of it that reads the untrusted body: the
// request's multipart reader as the handler gets it, the filename as it is
// kept (storage.SanitizeFilename) and sent back (contentDisposition), and
// readField. Its properties are those the handler relies on:
//
//   - a body built by a client reads back exactly: every field, every
//     file's bytes, then NextPart's io.EOF after the closing boundary;
//   - a body cut anywhere before its closing boundary never ends cleanly
//     (issue 20's D6 stored such bodies as documents);
//   - on any body, a kept filename is valid UTF-8 without controls or path
//     separators, and its Content-Disposition parses back to it; a field
//     is at most maxFieldLen trimmed bytes, or a 400/422 *Error.
//
// NextPart's io.EOF alone does not prove the closing boundary came:
// mime/multipart returns it unwrapped also for a body that ends right after
// a boundary line or within a part's headers ("--b\r\n", then nothing).
// readUpload therefore also watches the body for the closing boundary
// (closeWatcher), as the handler must.
const fuzzBoundary = "xYzZY"

func FuzzUploadMultipart(f *testing.F) {
	f.Add("invoice.pdf", []byte("%PDF-1.4 ..."), "Bills", uint16(0), []byte(
		"--xYzZY\r\nContent-Disposition: form-data; name=\"topic\"\r\n\r\nBills\r\n"+
			"--xYzZY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--xYzZY--\r\n"))
	f.Add("../../etc/passwd", []byte("root:x:0:0"), " 7b1a1f9e-3b1a-4c55-9a8e-1c2d3e4f5a6b ", uint16(9), []byte(
		"--xYzZY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\ncut off"))
	f.Add("na\"me\\\r\n.txt", []byte("--xYzZY\r\n"), strings.Repeat("t", 1025), uint16(40), []byte(
		"--xYzZY\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''caf%C3%A9.txt\r\n\r\nx\r\n--xYzZY\r\n"))
	f.Add("日本語 \u202e.pdf", []byte{}, "", uint16(3), []byte("--xYzZY--"))
	f.Add("\xff\xfe", []byte("\r\n--xYzZY--\r\n"), "\x00", uint16(1), []byte("preamble\r\n--xYzZY \r\nContent-Disposition: form-data; name=file\r\n\r\n\r\n--xYzZY--"))
	f.Fuzz(func(t *testing.T, filename string, content []byte, field string, cut uint16, raw []byte) {
		body := clientBody(t, filename, content, field)
		if bytes.Count(body, []byte(fuzzBoundary)) != 3 || strings.ContainsFunc(filename, isCTL) {
			// The content holds the boundary (a client would have chosen
			// another one), or the filename bytes no header may hold (a
			// client escapes them; any body is tried below).
			return
		}

		// A client's body reads back exactly.
		got, clean := readUpload(t, body)
		if !clean {
			t.Fatalf("a client's body does not read cleanly: %q", body)
		}
		if len(got) != 2 || got[0].name != "topic" || got[1].name != "file" || !bytes.Equal(got[1].data, content) {
			t.Fatalf("a client's body reads back as %+v", got)
		}
		if want := strings.TrimSpace(field); len(field) <= maxFieldLen && (got[0].err != nil || got[0].value != want) {
			t.Fatalf("field %q reads back as %q, %v", field, got[0].value, got[0].err)
		}

		// Cut before the end of its closing boundary ("--xYzZY--", then
		// CRLF), it never ends cleanly.
		at := int(cut) % (len(body) - 2)
		if _, clean := readUpload(t, body[:at]); clean {
			t.Fatalf("the body cut at %d of %d bytes reads as complete: %q", at, len(body), body[:at])
		}

		// Any body.
		_, clean = readUpload(t, raw)
		if clean && !bytes.Contains(raw, []byte("--"+fuzzBoundary+"--")) {
			t.Fatalf("a body without a closing boundary reads as complete: %q", raw)
		}
		if bytes.Count(raw, []byte(fuzzBoundary)) == 3 && bytes.HasPrefix(raw, []byte("--"+fuzzBoundary+"\r\n")) {
			// A cut of a body that may be well formed.
			if _, clean := readUpload(t, raw[:int(cut)%len(raw)]); clean && !bytes.Contains(raw[:int(cut)%len(raw)], []byte("\r\n--"+fuzzBoundary+"--")) {
				t.Fatalf("%q cut at %d reads as complete", raw, int(cut)%len(raw))
			}
		}
	})
}

// isCTL reports a control character other than tab, which header values
// cannot hold.
func isCTL(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }

// clientBody is the multipart body a client sends: a topic field, then
// one file.
func clientBody(t *testing.T, filename string, content []byte, field string) []byte {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.SetBoundary(fuzzBoundary); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteField("topic", field); err != nil {
		t.Fatal(err)
	}
	part, err := w.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := part.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type readPart struct {
	name, value string
	data        []byte
	err         error
}

// readUpload reads body as uploadDocuments does, checking each part, and
// reports whether it ended cleanly: every part read to its end, then
// NextPart's unwrapped io.EOF, and the closing boundary seen.
func readUpload(t *testing.T, body []byte) (parts []readPart, clean bool) {
	w := &closeWatcher{r: bytes.NewReader(body), close: []byte("\r\n--" + fuzzBoundary + "--"), tail: []byte("\r\n")}
	r := httptest.NewRequest(http.MethodPost, "/api/documents", w)
	r.Header.Set("Content-Type", "multipart/form-data; boundary="+fuzzBoundary)
	mr, err := r.MultipartReader()
	if err != nil {
		t.Fatalf("MultipartReader: %v", err)
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return parts, w.seen
		}
		if err != nil {
			return parts, false
		}
		if len(parts) > len(body)/len("--"+fuzzBoundary) {
			t.Fatalf("%d parts in a body of %d bytes", len(parts), len(body))
		}
		p := readPart{name: part.FormName()}
		switch p.name {
		case "file":
			checkFilename(t, part.FileName())
			p.data, err = io.ReadAll(part)
			if err != nil {
				return append(parts, p), false
			}
		default:
			p.value, p.err = readField(part)
			if p.err != nil {
				var e *Error
				if !errors.As(p.err, &e) || e.Status != http.StatusBadRequest && e.Status != http.StatusUnprocessableEntity {
					t.Fatalf("readField: %T %v, want a 400 or 422 *Error", p.err, p.err)
				}
				if e.Status == http.StatusBadRequest {
					return append(parts, p), false
				}
			} else if len(p.value) > maxFieldLen || p.value != strings.TrimSpace(p.value) {
				t.Fatalf("readField gave %q", p.value)
			}
			// What readField left of a long field, as the handler's Close does.
			if _, err := io.Copy(io.Discard, part); err != nil {
				return append(parts, p), false
			}
		}
		parts = append(parts, p)
	}
}

// checkFilename checks the filename a file part would be stored with and
// the Content-Disposition it would be downloaded with.
func checkFilename(t *testing.T, name string) {
	kept := storage.SanitizeFilename(name)
	if kept == "" || !utf8.ValidString(kept) || strings.ContainsAny(kept, `/\`) || strings.IndexFunc(kept, unicode.IsControl) >= 0 {
		t.Fatalf("filename %q is kept as %q", name, kept)
	}
	cd := contentDisposition(kept)
	if strings.ContainsAny(cd, "\r\n\x00") {
		t.Fatalf("Content-Disposition %q for %q", cd, kept)
	}
	disp, params, err := mime.ParseMediaType(cd)
	if err != nil || disp != "attachment" {
		t.Fatalf("Content-Disposition %q for %q: %q, %v", cd, kept, disp, err)
	}
	if cd != "attachment" && params["filename"] != kept {
		t.Fatalf("Content-Disposition %q for %q reads back as %q", cd, kept, params["filename"])
	}
}

// closeWatcher passes a body through and notes whether the closing
// boundary ("\r\n--b--", or "--b--" at the start of the body) went by.
// Part data cannot hold it (the multipart reader would end the part
// there), so seeing it is seeing the body's end.
type closeWatcher struct {
	r     io.Reader
	close []byte
	tail  []byte // the last len(close)-1 bytes read; the body starts as if after a line break
	seen  bool
}

func (c *closeWatcher) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if !c.seen && n > 0 {
		buf := append(c.tail, p[:n]...)
		c.seen = bytes.Contains(buf, c.close)
		c.tail = append([]byte(nil), buf[max(0, len(buf)-len(c.close)+1):]...)
	}
	return n, err
}

// TestMultipartEOFWithoutClosingBoundary pins the behaviour of
// mime/multipart that closeWatcher exists for: a body cut right after a
// boundary line, or within a part's headers, gives NextPart's unwrapped
// io.EOF, as a complete body does. A handler taking that io.EOF for the
// closing boundary stores the files before the cut as a complete upload.
func TestMultipartEOFWithoutClosingBoundary(t *testing.T) {
	first := "--" + fuzzBoundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello\r\n"
	for _, body := range []string{
		"--" + fuzzBoundary + "\r\n",
		first + "--" + fuzzBoundary + "\r\n",
		first + "--" + fuzzBoundary + "\r\nContent-Disposition: form-data; name=\"file\"",
	} {
		r := httptest.NewRequest(http.MethodPost, "/api/documents", strings.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary="+fuzzBoundary)
		mr, err := r.MultipartReader()
		if err != nil {
			t.Fatal(err)
		}
		var last error
		for last == nil {
			var p *multipart.Part
			if p, last = mr.NextPart(); last == nil {
				_, _ = io.Copy(io.Discard, p)
			}
		}
		if last != io.EOF {
			t.Logf("%q: NextPart now ends with %v, not io.EOF: closeWatcher may no longer be needed", body, last)
		}
		if _, clean := readUpload(t, []byte(body)); clean {
			t.Errorf("%q reads as complete", body)
		}
	}
}
