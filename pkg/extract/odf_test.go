package extract

import (
	"errors"
	"testing"
)

const odfNS = `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" ` +
	`xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" ` +
	`xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" ` +
	`xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" ` +
	`xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" ` +
	`xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" ` +
	`xmlns:dc="http://purl.org/dc/elements/1.1/"`

func odtWith(t *testing.T, body string) []byte {
	t.Helper()
	return buildZip(t, true,
		zipEntry{"mimetype", ctODT},
		zipEntry{"content.xml", `<?xml version="1.0"?><office:document-content ` + odfNS + `>` +
			`<office:automatic-styles><text:p>style text is not content</text:p></office:automatic-styles>` +
			`<office:body><office:text>` + body + `</office:text></office:body></office:document-content>`},
	)
}

// TestODF: spaces, tabs, line breaks, cells, and what is left out.
func TestODF(t *testing.T) {
	body := `<text:h>Title</text:h><text:p>a<text:s text:c="3"/>b<text:tab/>c<text:line-break/>d<text:span> span</text:span></text:p>` +
		`<text:p>Seen<office:annotation><dc:creator>Rev</dc:creator><text:p>A comment</text:p></office:annotation> text</text:p>` +
		`<text:tracked-changes><text:changed-region><text:deletion><text:p>deleted</text:p></text:deletion></text:changed-region></text:tracked-changes>` +
		`<table:table table:name="T"><table:table-row><table:table-cell><text:p>c1</text:p><text:p>more</text:p></table:table-cell>` +
		`<table:table-cell table:number-columns-repeated="3"/><table:table-cell><text:p>c5</text:p></table:table-cell></table:table-row></table:table>` +
		`<text:p><draw:frame><svg:title>Alt title</svg:title><draw:text-box><text:p>In a frame</text:p></draw:text-box></draw:frame></text:p>` +
		`<text:p>End</text:p>`
	out, err := extractData(t, ctODT, "doc.odt", odtWith(t, body))
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	want := "Title\na   b\tc\nd span\nSeen text\nc1 more\t\tc5\nIn a frame\nEnd"
	if out.Text != want || out.Method != "odf" {
		t.Errorf("got %q by %q; want %q by odf", out.Text, out.Method, want)
	}
}

// TestODFBad: an encryption manifest is ErrEncrypted (built by hand here;
// encrypted.odt is LibreOffice's); damage is ErrCorrupt; no text is empty
// text.
func TestODFBad(t *testing.T) {
	manifest := `<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">` +
		`<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">` +
		`<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x">` +
		`<manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="x"/>` +
		`</manifest:encryption-data></manifest:file-entry></manifest:manifest>`
	odt := readFixture(t, "document.odt")
	tests := []struct {
		name   string
		data   []byte
		target error
	}{
		{"manifest with encryption data", buildZip(t, false, zipEntry{"mimetype", ctODT}, zipEntry{"content.xml", "\x8f\x01encrypted"}, zipEntry{"META-INF/manifest.xml", manifest}), ErrEncrypted},
		{"the fixture cut in half", odt[:len(odt)/2], ErrCorrupt},
		{"content.xml missing", buildZip(t, false, zipEntry{"mimetype", ctODT}), ErrCorrupt},
		{"content.xml not XML", buildZip(t, false, zipEntry{"content.xml", "<office:document-content><unclosed"}), ErrCorrupt},
		{"manifest not XML", buildZip(t, false, zipEntry{"content.xml", "<a/>"}, zipEntry{"META-INF/manifest.xml", "<<"}), ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extractData(t, ctODT, "bad.odt", tt.data)
			if !errors.Is(err, tt.target) {
				t.Fatalf("err = %v; want %v", err, tt.target)
			}
		})
	}
	t.Run("no text", func(t *testing.T) {
		out, err := extractData(t, ctODS, "empty.ods", odtWith(t, `<text:p/><text:p> </text:p>`))
		if err != nil || out.Text != "" {
			t.Fatalf("got %q, %v; want empty text", out.Text, err)
		}
	})
}
