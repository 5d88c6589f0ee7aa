package extract

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// repeatedDeflate returns a raw deflate stream of prefix followed by
// pattern repeated to about size bytes, with its CRC-32 and exact length,
// without compressing size bytes: one compressed chunk of the pattern is
// repeated (its back-references only reach into the same periodic data).
func repeatedDeflate(t *testing.T, prefix, pattern []byte, size int64) (stream []byte, crc uint32, n int64) {
	t.Helper()
	chunk := bytes.Repeat(pattern, (1<<20)/len(pattern))
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	part := func(data []byte) []byte {
		buf.Reset()
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		return bytes.Clone(buf.Bytes())
	}
	first := part(append(bytes.Clone(prefix), chunk...))
	next := part(chunk)
	buf.Reset()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	last := bytes.Clone(buf.Bytes())

	count := int(size / int64(len(chunk)))
	stream = append(stream, first...)
	crc = crc32.Update(crc32.ChecksumIEEE(prefix), crc32.IEEETable, chunk)
	for i := 1; i < count; i++ {
		stream = append(stream, next...)
		crc = crc32.Update(crc, crc32.IEEETable, chunk)
	}
	stream = append(stream, last...)
	return stream, crc, int64(len(prefix)) + int64(count)*int64(len(chunk))
}

// writeBomb writes a DOCX-looking zip whose word/document.xml is the given
// raw deflate stream, declared as uncompressed bytes long.
func writeBomb(t *testing.T, stream []byte, crc uint32, uncompressed uint64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bomb.docx")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	w, err := zw.Create("[Content_Types].xml")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, contentTypes)
	raw, err := zw.CreateRaw(&zip.FileHeader{
		Name: "word/document.xml", Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(len(stream)), UncompressedSize64: uncompressed,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Write(stream); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// extractMeasured extracts path as a DOCX and returns the error, the time
// it took and the peak growth of the heap meanwhile (sampled every
// millisecond).
func extractMeasured(t *testing.T, e *Extractor, path string) (error, time.Duration, uint64) {
	t.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	_, err := e.Extract(context.Background(), Input{Path: path, ContentType: ctDOCX, Filename: "bomb.docx"})
	took := time.Since(start)
	close(done)
	<-sampled
	return err, took, peak - min(base, peak)
}

// TestZipBombs: archives that expand past the limits are refused quickly
// and in little memory.
func TestZipBombs(t *testing.T) {
	docPrefix := []byte(`<?xml version="1.0"?><w:document ` + wNS + `><w:body>`)
	zeros, zerosCRC, zerosLen := repeatedDeflate(t, nil, []byte{0}, 1<<30)
	paras, parasCRC, parasLen := repeatedDeflate(t, docPrefix, []byte("<w:p><w:r><w:t>x</w:t></w:r></w:p>"), 1<<30)
	t.Logf("1 GiB of zeros deflates to %d KiB; 1 GiB of paragraphs to %d KiB", len(zeros)>>10, len(paras)>>10)

	tests := []struct {
		name   string
		lim    Limits
		path   string
		target error
	}{
		{
			name:   "1 GiB of zeros: the compression ratio is refused before inflating",
			path:   writeBomb(t, zeros, zerosCRC, uint64(zerosLen)),
			target: ErrTooBig,
		},
		{
			name:   "1 GiB of valid XML, ratio check disabled: the uncompressed budget stops it",
			lim:    Limits{MaxZipRatio: 1 << 40, MaxZipUncompressed: 8 << 20},
			path:   writeBomb(t, paras, parasCRC, uint64(parasLen)),
			target: ErrTooBig,
		},
		{
			name:   "1 GiB of XML declared as 1000 bytes: the lie is caught after 1000 bytes",
			path:   writeBomb(t, paras, parasCRC, 1000),
			target: ErrCorrupt,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err, took, alloc := extractMeasured(t, New(Options{Limits: tt.lim}), tt.path)
			if !errors.Is(err, tt.target) {
				t.Fatalf("err = %v; want %v", err, tt.target)
			}
			if took > 10*time.Second || alloc > 64<<20 {
				t.Errorf("took %v and the heap grew by %d MiB; want well under 10 s and 64 MiB", took, alloc>>20)
			}
			t.Logf("%v in %v, heap grew by at most %d KiB", err, took.Round(time.Millisecond), alloc>>10)
		})
	}
}

// TestZipEntries: an archive with more entries than MaxZipEntries is
// refused before its entries are read.
func TestZipEntries(t *testing.T) {
	build := func(n int) string {
		p := filepath.Join(t.TempDir(), fmt.Sprintf("entries%d.docx", n))
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		zw := zip.NewWriter(f)
		for _, e := range []zipEntry{{"[Content_Types].xml", contentTypes}, {"word/document.xml", `<w:document ` + wNS + `><w:body><w:p><w:r><w:t>ok</w:t></w:r></w:p></w:body></w:document>`}} {
			w, _ := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
			io.WriteString(w, e.body)
		}
		for i := range n {
			if _, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("x/%d", i), Method: zip.Store}); err != nil {
				t.Fatal(err)
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Run("20,000 tiny entries", func(t *testing.T) {
		err, took, alloc := extractMeasured(t, New(Options{}), build(20000))
		if !errors.Is(err, ErrTooBig) {
			t.Fatalf("err = %v; want ErrTooBig", err)
		}
		if took > 5*time.Second || alloc > 64<<20 {
			t.Errorf("took %v and the heap grew by %d MiB", took, alloc>>20)
		}
	})
	t.Run("at the limit", func(t *testing.T) {
		out, err := extractDataWith(t, New(Options{Limits: Limits{MaxZipEntries: 102}}), ctDOCX, "ok.docx", mustRead(t, build(100)))
		if err != nil || out.Text != "ok" {
			t.Fatalf("got %q, %v; want \"ok\"", out.Text, err)
		}
	})
	t.Run("one past the limit", func(t *testing.T) {
		_, err := extractDataWith(t, New(Options{Limits: Limits{MaxZipEntries: 101}}), ctDOCX, "ok.docx", mustRead(t, build(100)))
		if !errors.Is(err, ErrTooBig) {
			t.Fatalf("err = %v; want ErrTooBig", err)
		}
	})
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestZipTokenCap: one text run longer than twice MaxTextBytes (at least
// 1 MiB) is refused rather than buffered whole by the XML decoder.
func TestZipTokenCap(t *testing.T) {
	e := New(Options{Limits: Limits{MaxTextBytes: 256 << 10}})
	huge := docxWith(t, "<w:p><w:r><w:t>"+string(bytes.Repeat([]byte("a"), 3<<20))+"</w:t></w:r></w:p>")
	if _, err := extractDataWith(t, e, ctDOCX, "huge.docx", huge); !errors.Is(err, ErrTooBig) {
		t.Fatalf("err = %v; want ErrTooBig", err)
	}
}
