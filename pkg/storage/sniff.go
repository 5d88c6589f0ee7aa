package storage

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// SniffLen is how much of the content is read to tell its type.
const SniffLen = 3072

// DefaultAllowedTypes is the default allow-list: documents and scans.
var defaultAllowedTypes = []string{
	"application/pdf",
	"text/plain", "text/markdown", "text/csv", "text/html", "text/rtf",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"application/vnd.oasis.opendocument.text",
	"application/vnd.oasis.opendocument.spreadsheet",
	"application/vnd.oasis.opendocument.presentation",
	"image/png", "image/jpeg", "image/tiff", "image/webp",
}

// DefaultAllowedTypes returns the default allow-list of content types.
func DefaultAllowedTypes() []string { return append([]string(nil), defaultAllowedTypes...) }

// extensions for object keys, by content type.
var extensions = map[string]string{
	"application/pdf": ".pdf", "text/plain": ".txt", "text/markdown": ".md", "text/csv": ".csv",
	"text/html": ".html", "text/rtf": ".rtf",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   ".docx",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         ".xlsx",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
	"application/vnd.oasis.opendocument.text":                                   ".odt",
	"application/vnd.oasis.opendocument.spreadsheet":                            ".ods",
	"application/vnd.oasis.opendocument.presentation":                           ".odp",
	"image/png": ".png", "image/jpeg": ".jpg", "image/tiff": ".tiff", "image/webp": ".webp",
}

// Sniff tells the content type of a document from its first bytes (never
// from its name). The one use of the name: plain text whose name ends in
// .md or .markdown is text/markdown, since Markdown has no signature and
// the two are equally harmless. It returns the type without parameters and
// the extension for the object key.
func Sniff(head []byte, filename string) (contentType, ext string) {
	m := mimetype.Detect(head)
	ct := m.String()
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if ct == "text/plain" {
		switch strings.ToLower(filepath.Ext(filename)) {
		case ".md", ".markdown":
			ct = "text/markdown"
		}
	}
	if e, ok := extensions[ct]; ok {
		return ct, e
	}
	e := m.Extension()
	if e == "" {
		e = ".bin"
	}
	return ct, e
}

// TypeNotAllowedError is returned for content whose sniffed type is not on
// the allow-list.
type TypeNotAllowedError struct {
	ContentType string
}

func (e *TypeNotAllowedError) Error() string {
	return fmt.Sprintf("type not allowed: the content is %s, which is not on the allow-list (DOCUVAULT_ALLOWED_TYPES)", e.ContentType)
}
