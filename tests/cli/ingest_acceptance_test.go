package cli

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/client"

	"github.com/docuvault/docuvault/tests/testenv"
)

// TestIngestAcceptance is issue 22's "done when": a scanner-like folder
// (`watch --once`), an IMAP mailbox (`mail add`, `mail rule add`, `mail
// poll` against this checkout's Dovecot) and a WebDAV folder (`cloud add`,
// `cloud sync` against the dev WebDAV server), each set up as the README
// shows, bring 100 mixed documents each (text, PDF, DOCX) into one user's
// vault; `worker --drain` reads and files them; every file is a document
// exactly once, under the topic its text is about, and found by a word
// of its own; nothing is listed as not taken; fsck is clean. A phone-app-
// like curl with a personal token uploads a PDF.
func TestIngestAcceptance(t *testing.T) {
	addr := testenv.Get(t, "DOCUVAULT_TEST_IMAP_ADDR")
	login, pass := testenv.Get(t, "DOCUVAULT_TEST_IMAP_USER"), testenv.Get(t, "DOCUVAULT_TEST_IMAP_PASSWORD")
	ca := testenv.Get(t, "DOCUVAULT_TEST_IMAP_CA")
	if addr == "" || login == "" {
		testenv.Unavailable(t, "DOCUVAULT_TEST_IMAP_ADDR is not set (Dovecot)")
	}
	const n = 100
	d := deployed(t)
	d.run(t, nil, "user", "add", "ann", "--email", "ann@example.org").check(t, 0, "", "")
	topics := []struct{ name, desc string }{
		{"Invoices", "invoices, bills, payments, amounts due, VAT, billing"},
		{"Recipes", "recipes, cooking, baking, ingredients, oven, kitchen"},
		{"Travel", "travel, trips, flights, hotels, itineraries, bookings, tickets"},
	}
	for _, tp := range topics {
		d.run(t, nil, "topic", "add", tp.name, "--description", tp.desc).check(t, 0, "", "")
	}
	// want: filename → the topic it is about and a word only it has.
	type doc struct{ topic, word string }
	want := map[string]doc{}
	mixed := func(src string, i int) (string, []byte) {
		word := fmt.Sprintf("%sx%03d", src, i)
		var text string
		switch i % 3 {
		case 0:
			text = "Invoice number " + word + ". Amount due: 120 EUR including VAT. Please pay this invoice by bank transfer within 30 days. Billing address and payment terms below."
		case 1:
			text = "Recipe " + word + ": apple cake. Ingredients: flour, sugar, butter, eggs and apples. Bake in the oven at 180 degrees for 40 minutes; cooking and baking notes from the kitchen."
		default:
			text = "Travel itinerary " + word + ": flight to Lisbon, hotel booking for three nights, train tickets and the boarding pass for the trip."
		}
		name := fmt.Sprintf("%s-%03d", src, i)
		var body []byte
		switch (i / 3) % 3 {
		case 0:
			name, body = name+".txt", []byte(text+"\n")
		case 1:
			name, body = name+".pdf", textPDF(text)
		default:
			name, body = name+".docx", textDOCX(t, text)
		}
		want[name] = doc{topics[i%3].name, word}
		return name, body
	}

	// 1. The scanner's folder.
	scans := t.TempDir()
	for i := range n {
		name, body := mixed("watch", i)
		writeFile(t, filepath.Join(scans, name), body)
	}
	d.run(t, nil, "watch", scans, "--once", "--settle", "200ms").check(t, 0, "", fmt.Sprintf("%d stored, 0 duplicates, 0 failed", n))
	if left, err := os.ReadDir(scans); err != nil || len(left) != 0 {
		t.Errorf("the scanner's folder after --after delete: %d files left (%v)", len(left), err)
	}

	// 2. The mailbox: one message per document, the document attached.
	c, err := client.Dial(addr)
	if err != nil {
		testenv.Unavailable(t, "Dovecot at %s: %v", addr, err)
	}
	c.Timeout = 30 * time.Second
	if err := c.Login(login, pass); err != nil {
		t.Fatal(err)
	}
	mailbox := testenv.RandomName("accept")
	if err := c.Create(mailbox); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, err := client.Dial(addr); err == nil && c.Login(login, pass) == nil {
			_ = c.Delete(mailbox)
			_ = c.Logout()
		}
	})
	for i := range n {
		name, body := mixed("mail", i)
		var b bytes.Buffer
		fmt.Fprintf(&b, "From: scanner@office.example\r\nSubject: Scan %d\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"+
			"--B\r\nContent-Type: text/plain\r\n\r\nscanned\r\n--B\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"%s\"\r\n"+
			"Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--B--\r\n", i, name, base64.StdEncoding.EncodeToString(body))
		if err := c.Append(mailbox, nil, time.Now(), &b); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Logout(); err != nil {
		t.Fatal(err)
	}
	host, port, _ := strings.Cut(addr, ":")
	tlsEnv := map[string]string{"SSL_CERT_FILE": ca}
	d.runIn(t, pass+"\n", nil, "mail", "add", "office", "--host", host, "--port", port, "--security", "starttls", "--login", login, "--password-stdin").
		check(t, 0, `added mail account "office"`, "")
	d.run(t, nil, "mail", "rule", "add", "office", "--folder", mailbox, "--from", "scanner@", "--after", "read").check(t, 0, "added rule 1", "")
	d.run(t, tlsEnv, "mail", "poll", "office").check(t, 0, fmt.Sprintf("office: %d message(s) taken: %d document(s) stored", n, n), "")
	d.run(t, tlsEnv, "mail", "poll", "office").check(t, 0, "office: 0 message(s) taken: 0 document(s) stored", "")

	// 3. The WebDAV folder.
	w := testenv.NewWebDAV(t)
	w.Mkcol(t, "Scans")
	for i := range n {
		name, body := mixed("dav", i)
		w.Put(t, "Scans/"+name, body)
	}
	d.runIn(t, w.Password+"\n", nil, "cloud", "add", "Nextcloud", "--provider", "webdav", "--url", w.Base, "--path", w.Dir+"/Scans",
		"--login", w.User, "--password-stdin").check(t, 0, `added cloud connection "Nextcloud" (webdav)`, "")
	d.run(t, nil, "cloud", "sync", "Nextcloud").check(t, 0, "", fmt.Sprintf("%d stored, 0 new versions, 0 duplicates, 0 unchanged", n))
	d.run(t, nil, "cloud", "sync", "Nextcloud").check(t, 0, "", fmt.Sprintf("0 stored, 0 new versions, 0 duplicates, %d unchanged", n))

	// 4. The phone app: a personal token and curl.
	token := strings.TrimSpace(d.run(t, nil, "token", "add", "phone", "--scope", "upload").stdout)
	s := d.serve(t, nil)
	phone := writeFile(t, filepath.Join(t.TempDir(), "phone-scan.pdf"), textPDF("Hotel booking confirmation and flight tickets for the trip to Porto."))
	if code, body := curl(t, "-H", "Authorization: Bearer "+token, "-F", "file=@"+phone, s.url+"/api/documents"); code != "201" {
		t.Fatalf("the phone app's upload: %s %s", code, body)
	}
	want["phone-scan.pdf"] = doc{"Travel", "porto"}

	d.run(t, nil, "worker", "--drain").check(t, 0, fmt.Sprintf("drained: %d processed, 0 failed", len(want)), "")

	// Every file once, read, under its topic.
	db := d.dep.AdminDB(t)
	var rows []struct {
		Filename string `db:"filename"`
		Status   string `db:"status"`
		Topics   string `db:"topics"`
	}
	if err := db.Select(&rows, `SELECT d.filename, d.status,
		COALESCE((SELECT string_agg(t.name, ',' ORDER BY t.name) FROM document_topics dt JOIN topics t ON t.id = dt.topic_id WHERE dt.document_id = d.id), '') AS topics
		FROM documents d ORDER BY d.filename`); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	misfiled := 0
	for _, r := range rows {
		seen[r.Filename]++
		w, ok := want[r.Filename]
		switch {
		case !ok:
			t.Errorf("a document no source had: %s", r.Filename)
		case r.Status != "classified":
			t.Errorf("%s: status %s, want classified", r.Filename, r.Status)
		case !strings.Contains(","+r.Topics+",", ","+w.topic+","):
			misfiled++
			t.Logf("%s: topics %q, want %s", r.Filename, r.Topics, w.topic)
		}
	}
	for name := range want {
		if seen[name] != 1 {
			t.Errorf("%s is %d documents, want 1", name, seen[name])
		}
	}
	if len(rows) != len(want) {
		t.Errorf("%d documents, want %d", len(rows), len(want))
	}
	// Short documents, each plainly about one topic: at most one in a
	// hundred may be filed elsewhere.
	if misfiled > len(want)/100 {
		t.Errorf("%d of %d documents not under their topic", misfiled, len(want))
	}
	// Found by a word only it has: a few from each source.
	for _, name := range []string{"watch-000.txt", "watch-004.pdf", "watch-008.docx", "mail-001.txt", "mail-005.pdf", "mail-007.docx",
		"dav-002.txt", "dav-003.pdf", "dav-099.txt", "phone-scan.pdf"} {
		res := d.searchJSON(t, want[name].word)
		if len(res.Hits) != 1 || res.Hits[0].Filename != name {
			t.Errorf("search %s: %d hits (%+v), want %s alone", want[name].word, len(res.Hits), res.Hits, name)
		}
	}
	// Accounted for: nothing listed as not taken, each message and file
	// remembered once.
	for q, wantN := range map[string]int{
		`SELECT count(*) FROM ingest_errors`:                             0,
		`SELECT count(*) FROM mail_messages WHERE outcome = 'taken'`:     n,
		`SELECT count(*) FROM cloud_items WHERE document_id IS NOT NULL`: n,
	} {
		var got int
		if err := db.Get(&got, q); err != nil || got != wantN {
			t.Errorf("%s = %d (%v), want %d", q, got, err, wantN)
		}
	}
	d.run(t, nil, "watch", "--status").check(t, 0, "", "")
	d.run(t, nil, "fsck").check(t, 0, "", "")
}

// textPDF is a one-page PDF whose page shows text (Helvetica), with a
// correct cross-reference table.
func textPDF(text string) []byte {
	esc := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`).Replace
	var content strings.Builder
	content.WriteString("BT /F1 11 Tf 50 780 Td 14 TL\n")
	line := ""
	for _, w := range strings.Fields(text) {
		if len(line)+len(w) > 80 {
			fmt.Fprintf(&content, "(%s) '\n", esc(line))
			line = ""
		}
		line = strings.TrimSpace(line + " " + w)
	}
	fmt.Fprintf(&content, "(%s) '\nET\n", esc(line))
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// textDOCX is a DOCX with one paragraph of text.
func textDOCX(t *testing.T, text string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` +
			`<w:body><w:p><w:r><w:t>` + text + `</w:t></w:r></w:p></w:body></w:document>`},
	} {
		f, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
