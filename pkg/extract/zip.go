package extract

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
)

// ratioFloor is the declared size up to which an entry's compression ratio
// is not checked: an entry cannot expand past its declared size (the zip
// reader fails it), so a small one is harmless however well it compresses.
const ratioFloor = 1 << 20

// zipArchive is an archive opened within the zip-bomb limits. Every byte
// read from its entries counts against one budget of uncompressed bytes.
type zipArchive struct {
	f     *os.File
	zr    *zip.Reader
	files map[string]*zip.File
	lim   Limits
	left  int64 // uncompressed bytes that may still be read
	// elements counts the XML elements walkXML has read from the
	// archive's parts, for Limits.MaxXMLElements.
	elements int64
}

// openZip opens the archive at path. It refuses, with ErrTooBig, an
// archive with more than Limits.MaxZipEntries entries (its central
// directory is read only within a budget that such a count fits in, so a
// lying entry count cannot make it allocate much), and with ErrCorrupt a
// file that is not a zip archive. The caller closes it.
func openZip(path string, lim Limits) (*zipArchive, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open the spooled document: %w", err)
	}
	a, err := newZipArchive(f, lim)
	if err != nil {
		f.Close()
		return nil, err
	}
	return a, nil
}

func newZipArchive(f *os.File, lim Limits) (*zipArchive, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat the spooled document: %w", err)
	}
	dir := &budgetReaderAt{r: f, left: int64(lim.MaxZipEntries)*512 + 256<<10}
	zr, err := zip.NewReader(dir, st.Size())
	switch {
	case dir.exceeded:
		return nil, fmt.Errorf("%w: the archive's directory lists more than %d entries", ErrTooBig, lim.MaxZipEntries)
	case err != nil && !errors.Is(err, zip.ErrInsecurePath):
		return nil, fmt.Errorf("%w: not a readable zip archive (%v)", ErrCorrupt, err)
	case len(zr.File) > lim.MaxZipEntries:
		return nil, fmt.Errorf("%w: the archive has %d entries (limit %d)", ErrTooBig, len(zr.File), lim.MaxZipEntries)
	}
	dir.left = math.MaxInt64 // the directory is read; entries are bounded by the archive's budget
	if lim.MaxXMLElements <= 0 {
		lim.MaxXMLElements = DefaultLimits().MaxXMLElements
	}
	a := &zipArchive{f: f, zr: zr, files: make(map[string]*zip.File, len(zr.File)), lim: lim, left: lim.MaxZipUncompressed}
	for _, zf := range zr.File {
		if _, dup := a.files[zf.Name]; !dup {
			a.files[zf.Name] = zf
		}
	}
	return a, nil
}

// Close closes the archive's file.
func (a *zipArchive) Close() error { return a.f.Close() }

// has reports whether the archive has an entry called name.
func (a *zipArchive) has(name string) bool {
	_, ok := a.files[name]
	return ok
}

// names returns the entries' names in the archive's order.
func (a *zipArchive) names() []string {
	names := make([]string, 0, len(a.zr.File))
	for _, zf := range a.zr.File {
		names = append(names, zf.Name)
	}
	return names
}

// open returns the content of the entry called name, read within the
// archive's budget: reading past Limits.MaxZipUncompressed (all entries
// together) fails with ErrTooBig, and so does opening an entry whose
// declared size is more than Limits.MaxZipRatio times its compressed size.
// A missing entry is an error wrapping fs.ErrNotExist; an unreadable one
// wraps ErrCorrupt, and a zip-encrypted one ErrEncrypted.
func (a *zipArchive) open(name string) (io.ReadCloser, error) {
	zf, ok := a.files[name]
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	if zf.Flags&0x1 != 0 {
		return nil, fmt.Errorf("%w: %s is encrypted in the archive", ErrEncrypted, name)
	}
	if u, c := zf.UncompressedSize64, zf.CompressedSize64; u > ratioFloor && (c == 0 || u/c > uint64(a.lim.MaxZipRatio)) {
		return nil, fmt.Errorf("%w: %s expands from %d bytes to %d (more than %d times)", ErrTooBig, name, c, u, a.lim.MaxZipRatio)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %s cannot be read (%v)", ErrCorrupt, name, err)
	}
	return &zipEntryReader{rc: rc, a: a, name: name}, nil
}

// zipEntryReader reads one entry, counting its bytes against the archive's
// budget. It never trusts the declared sizes: the budget counts the bytes
// that come out of the decompressor.
type zipEntryReader struct {
	rc   io.ReadCloser
	a    *zipArchive
	name string
}

func (r *zipEntryReader) Read(p []byte) (int, error) {
	if r.a.left < 0 {
		return 0, r.tooBig()
	}
	if int64(len(p)) > r.a.left+1 {
		p = p[:r.a.left+1]
	}
	n, err := r.rc.Read(p)
	r.a.left -= int64(n)
	switch {
	case r.a.left < 0:
		return n, r.tooBig()
	case err != nil && !errors.Is(err, io.EOF):
		return n, fmt.Errorf("%w: %s cannot be read (%v)", ErrCorrupt, r.name, err)
	}
	return n, err
}

func (r *zipEntryReader) tooBig() error {
	return fmt.Errorf("%w: more than %d MiB uncompressed (at %s)", ErrTooBig, r.a.lim.MaxZipUncompressed>>20, r.name)
}

func (r *zipEntryReader) Close() error { return r.rc.Close() }

// budgetReaderAt fails once more than left bytes were read: it bounds what
// the zip reader reads (and so allocates) for the central directory.
type budgetReaderAt struct {
	r        io.ReaderAt
	left     int64
	exceeded bool
}

func (b *budgetReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if int64(len(p)) > b.left {
		b.exceeded = true
		return 0, errors.New("the archive's directory is too large")
	}
	b.left -= int64(len(p))
	return b.r.ReadAt(p, off)
}
