package extract

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Content types of the formats read by this file and odf.go.
const (
	ctDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	ctXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	ctPPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	ctODT  = "application/vnd.oasis.opendocument.text"
	ctODS  = "application/vnd.oasis.opendocument.spreadsheet"
	ctODP  = "application/vnd.oasis.opendocument.presentation"
)

// relationship is one entry of an OOXML .rels part, its target resolved
// to an archive path.
type relationship struct {
	id, typ, target string
}

// openOOXML opens an OOXML package. A password-protected Office document
// is not a zip but an OLE compound file holding an "EncryptedPackage"
// stream: ErrEncrypted. Any other OLE file is a legacy binary Office
// document: ErrCorrupt.
func openOOXML(ctx context.Context, p string, lim Limits) (*zipArchive, error) {
	enc, ole, err := sniffOLE(ctx, p)
	switch {
	case err != nil:
		return nil, err
	case enc:
		return nil, fmt.Errorf("%w: the Office document is password-protected", ErrEncrypted)
	case ole:
		return nil, fmt.Errorf("%w: a legacy binary Office file (OLE2), not an Office Open XML package", ErrCorrupt)
	}
	return openZip(p, lim)
}

// sniffOLE reports whether the file is an OLE compound file and whether it
// names an "EncryptedPackage" stream (the name is stored in UTF-16LE in a
// directory sector, which may be anywhere: the whole file is scanned).
func sniffOLE(ctx context.Context, p string) (encrypted, ole bool, err error) {
	f, err := os.Open(p)
	if err != nil {
		return false, false, fmt.Errorf("open the spooled document: %w", err)
	}
	defer f.Close()
	magic := make([]byte, 8)
	if _, err := io.ReadFull(f, magic); err != nil || !bytes.Equal(magic, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}) {
		return false, false, nil
	}
	found, err := containsUTF16(ctx, f, "EncryptedPackage")
	return found, true, err
}

// containsUTF16 scans r for s encoded in UTF-16LE, in bounded memory.
func containsUTF16(ctx context.Context, r io.Reader, s string) (bool, error) {
	var needle []byte
	for _, c := range []byte(s) {
		needle = append(needle, c, 0)
	}
	buf := make([]byte, 64<<10)
	keep := 0
	for {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		n, err := r.Read(buf[keep:])
		total := keep + n
		if bytes.Contains(buf[:total], needle) {
			return true, nil
		}
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("read the spooled document: %w", err)
		}
		// Keep the tail that may be the start of a match across reads.
		keep = min(total, len(needle)-1)
		copy(buf, buf[total-keep:total])
	}
}

// readRels reads the relationships of part (its _rels/NAME.rels), with
// internal targets resolved against the part's folder. A missing
// relationships part is no relationship.
func readRels(ctx context.Context, a *zipArchive, part string) ([]relationship, error) {
	dir, base := path.Split(part)
	name := dir + "_rels/" + base + ".rels"
	if !a.has(name) {
		return nil, nil
	}
	var rels []relationship
	err := walkXML(ctx, a, name, func(tok xml.Token) error {
		e, ok := tok.(xml.StartElement)
		if !ok || e.Name.Local != "Relationship" || attr(e, "TargetMode") == "External" {
			return nil
		}
		rels = append(rels, relationship{id: attr(e, "Id"), typ: attr(e, "Type"), target: resolvePart(dir, attr(e, "Target"))})
		if len(rels) > a.lim.MaxZipEntries {
			return fmt.Errorf("%w: %s lists more relationships than the archive has entries", ErrCorrupt, name)
		}
		return nil
	})
	return rels, err
}

// resolvePart resolves a relationship target: absolute from the package
// root, else relative to dir.
func resolvePart(dir, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Clean("/"+dir+target), "/")
}

// relOfType returns the first relationship whose type ends in /suffix.
func relOfType(rels []relationship, suffix string) (relationship, bool) {
	for _, r := range rels {
		if strings.HasSuffix(r.typ, "/"+suffix) {
			return r, true
		}
	}
	return relationship{}, false
}

// mainPart returns the package's main part (the officeDocument
// relationship of _rels/.rels), else fallback.
func mainPart(ctx context.Context, a *zipArchive, fallback string) (string, error) {
	rels, err := readRels(ctx, a, "")
	if err != nil {
		return "", err
	}
	if r, ok := relOfType(rels, "officeDocument"); ok && a.has(r.target) {
		return r.target, nil
	}
	if !a.has(fallback) {
		return "", fmt.Errorf("%w: %s is missing", ErrCorrupt, fallback)
	}
	return fallback, nil
}

// relID returns the r:id attribute (the relationships namespace's id, not
// the plain id).
func relID(e xml.StartElement) string {
	for _, a := range e.Attr {
		if a.Name.Local == "id" && a.Name.Space != "" {
			return a.Value
		}
	}
	return ""
}

// numberedParts returns the entries named prefix+N+suffix in numeric order
// of N (slide10 after slide9, not after slide1).
func numberedParts(a *zipArchive, prefix, suffix string) []string {
	type part struct {
		name string
		n    int
	}
	var parts []part
	for _, name := range a.names() {
		num, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		num, ok = strings.CutSuffix(num, suffix)
		if n, err := strconv.Atoi(num); ok && err == nil && n >= 0 {
			parts = append(parts, part{name, n})
		}
	}
	sort.SliceStable(parts, func(i, j int) bool { return parts[i].n < parts[j].n })
	names := make([]string, len(parts))
	for i, p := range parts {
		names[i] = p.name
	}
	return names
}

// ooxmlOutput finishes an OOXML extraction.
func ooxmlOutput(out *textBuf) Output {
	return Output{Text: out.String(), Method: "ooxml", Truncated: out.full()}
}
