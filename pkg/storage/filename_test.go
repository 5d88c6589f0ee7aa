package storage

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitizeFilename(t *testing.T) {
	long := strings.Repeat("é", 200) + ".pdf"
	for in, want := range map[string]string{
		"Invoice 2025.pdf":     "Invoice 2025.pdf",
		"../../etc/passwd":     "passwd",
		`C:\Users\ann\tax.pdf`: "tax.pdf",
		"a\x00b\x07c\r\n.txt":  "abc.txt",
		"  spaced  ":           "spaced",
		"bad\xffutf8.txt":      "bad\uFFFDutf8.txt",
		"rtl\u202etxt.exe":     "rtltxt.exe",
		"":                     "unnamed",
		"..":                   "unnamed",
		"dir/":                 "unnamed",
		"日本語の書類.docx":          "日本語の書類.docx",
		long:                   strings.Repeat("é", 125) + ".pdf",
	} {
		if got := SanitizeFilename(in); got != want {
			t.Errorf("SanitizeFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSanitizeFilename(f *testing.F) {
	for _, s := range []string{"a.pdf", "../x", "a\x00b", "\xff\xfe", strings.Repeat("ü", 300) + ".txt", `\\server\share\f.doc`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := SanitizeFilename(in)
		if got == "" || got == "." || got == ".." || len(got) > MaxFilenameBytes || !utf8.ValidString(got) || strings.ContainsAny(got, "/\\\x00\n\r") {
			t.Fatalf("SanitizeFilename(%q) = %q", in, got)
		}
		if SanitizeFilename(got) != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, got, SanitizeFilename(got))
		}
	})
}

func FuzzSniff(f *testing.F) {
	for _, s := range []string{"%PDF-1.4", "hello", "PK\x03\x04", "\x89PNG\r\n\x1a\n", "{\\rtf1"} {
		f.Add([]byte(s), "x.md")
	}
	f.Fuzz(func(t *testing.T, head []byte, name string) {
		ct, ext := Sniff(head, name)
		if ct == "" || ext == "" || ext[0] != '.' || strings.ContainsAny(ext, "/\\") {
			t.Fatalf("Sniff(%q, %q) = %q, %q", head, name, ct, ext)
		}
	})
}
