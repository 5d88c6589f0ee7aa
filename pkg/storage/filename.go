package storage

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxFilenameBytes caps a stored filename (most filesystems' limit).
const MaxFilenameBytes = 255

// SanitizeFilename makes a user's filename safe to keep and show: invalid
// UTF-8 repaired, control and format characters removed, any directory
// part dropped (both / and \), surrounding space trimmed, length capped at
// MaxFilenameBytes on a character boundary keeping the extension. It never
// returns "", ".", or "..". The result is only ever stored in
// documents.filename: object keys never contain it.
func SanitizeFilename(name string) string {
	name = strings.ToValidUTF8(name, "\uFFFD")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." {
		return "unnamed"
	}
	if len(name) <= MaxFilenameBytes {
		return name
	}
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 16 {
		ext = name[i:]
	}
	stem := name[:len(name)-len(ext)]
	limit := MaxFilenameBytes - len(ext)
	for len(stem) > limit {
		_, size := utf8.DecodeLastRuneInString(stem)
		stem = stem[:len(stem)-size]
	}
	// The cut may end the stem in space; a stem that was all cut goes.
	if stem = strings.TrimSpace(stem); stem == "" {
		stem = "unnamed"
	}
	return stem + ext
}
