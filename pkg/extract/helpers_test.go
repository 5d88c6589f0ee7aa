package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// extractData writes data to a file named filename and extracts it as
// contentType with a default Extractor.
func extractData(t *testing.T, contentType, filename string, data []byte) (Output, error) {
	t.Helper()
	return extractDataWith(t, New(Options{}), contentType, filename, data)
}

// extractDataWith is extractData with the given Extractor.
func extractDataWith(t *testing.T, e *Extractor, contentType, filename string, data []byte) (Output, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), filename)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return e.Extract(context.Background(), Input{Path: p, ContentType: contentType, Filename: filename})
}

// extractFixture extracts testdata/name as contentType.
func extractFixture(t *testing.T, e *Extractor, contentType, name string) (Output, error) {
	t.Helper()
	p := filepath.Join("testdata", name)
	st, err := os.Stat(p)
	if err != nil {
		t.Fatalf("fixture %s: %v (rebuild with scripts/make-extract-fixtures.sh)", name, err)
	}
	return e.Extract(context.Background(), Input{Path: p, Size: st.Size(), ContentType: contentType, Filename: name})
}

// readFixture returns the bytes of testdata/name.
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("fixture %s: %v (rebuild with scripts/make-extract-fixtures.sh)", name, err)
	}
	return b
}

// assertInOrder fails unless every word occurs in text, each after the
// previous one.
func assertInOrder(t *testing.T, text string, words ...string) {
	t.Helper()
	at := 0
	for _, w := range words {
		i := strings.Index(text[at:], w)
		if i < 0 {
			if strings.Contains(text, w) {
				t.Fatalf("%q is in the text but not after %q; text:\n%s", w, text[:at], text)
			}
			t.Fatalf("%q is missing from the text:\n%s", w, text)
		}
		at += i + len(w)
	}
}

// requireTool returns the path of an external tool, or skips the test when
// it is missing — unless DOCUVAULT_TEST_REQUIRE_SERVICES=1 (CI, where
// scripts/services.sh installs it), where a missing tool fails.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("DOCUVAULT_TEST_REQUIRE_SERVICES") == "1" {
		t.Fatalf("%s is not on PATH and DOCUVAULT_TEST_REQUIRE_SERVICES=1: %v", name, err)
	}
	t.Skipf("%s is not on PATH: %v", name, err)
	return ""
}

// zipEntry is one entry of a test archive.
type zipEntry struct {
	name string
	body string
}

// buildZip returns a zip archive of the entries, deflated (or stored).
func buildZip(t testing.TB, stored bool, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	method := zip.Deflate
	if stored {
		method = zip.Store
	}
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const (
	wNS          = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`
	contentTypes = `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`
)

// docxWith returns a minimal DOCX whose body is the given WordprocessingML.
func docxWith(t testing.TB, body string) []byte {
	t.Helper()
	return buildZip(t, false,
		zipEntry{"[Content_Types].xml", contentTypes},
		zipEntry{"word/document.xml", `<?xml version="1.0"?><w:document ` + wNS + `><w:body>` + body + `</w:body></w:document>`},
	)
}
