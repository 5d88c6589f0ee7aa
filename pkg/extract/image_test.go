package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/orientation"
	"github.com/docuvault/docuvault/pkg/orientation/orientationtest"
)

// lookPathOnly returns a LookPath that finds only tesseract, at bin (or
// nothing when bin is empty).
func lookPathOnly(bin string) func(string) (string, error) {
	return func(name string) (string, error) {
		if name == "tesseract" && bin != "" {
			return bin, nil
		}
		return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
	}
}

// fakeTool writes an executable shell script.
func fakeTool(t *testing.T, script string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tesseract")
	if err := os.WriteFile(p, []byte("#!/bin/sh\nPATH=/usr/bin:/bin\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestImageOCR: with tesseract installed, the rendered words of the
// fixtures are read (PNG and WebP, which this Debian's tesseract reads).
func TestImageOCR(t *testing.T) {
	requireTool(t, "tesseract")
	e := New(Options{})
	for _, tt := range []struct{ file, ct string }{
		{"invoice.png", "image/png"},
		{"invoice.webp", "image/webp"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			out, err := extractFixture(t, e, tt.ct, tt.file)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if out.Method == "filename" && tt.ct == "image/webp" {
				// Debian 12's tesseract (leptonica with libwebp) reads WebP:
				// where services are required, not reading it is a failure.
				if os.Getenv("DOCUVAULT_TEST_REQUIRE_SERVICES") == "1" {
					t.Fatalf("this tesseract cannot read WebP and DOCUVAULT_TEST_REQUIRE_SERVICES=1: %s", out.Note)
				}
				t.Skipf("this tesseract cannot read WebP: %s", out.Note)
			}
			if out.Method != "tesseract" || !strings.Contains(out.Text, "Invoice") || !strings.Contains(out.Text, "2025") {
				t.Fatalf("got %q by %q; want \"Invoice 2025\" by tesseract", out.Text, out.Method)
			}
		})
	}
}

// TestImageUnreadable: an image tesseract cannot read is ErrCorrupt with
// tesseract's reason, except a WebP one, which falls back to its filename.
func TestImageUnreadable(t *testing.T) {
	requireTool(t, "tesseract")
	junk := []byte("RIFF\x10\x00\x00\x00WEBPVP8 not really an image")
	t.Run("png", func(t *testing.T) {
		_, err := extractData(t, "image/png", "broken.png", junk)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "OCR could not read") {
			t.Fatalf("err = %v; want ErrCorrupt saying OCR could not read it", err)
		}
	})
	t.Run("webp", func(t *testing.T) {
		out, err := extractData(t, "image/webp", "receipt_2024-03.webp", junk)
		if err != nil {
			t.Fatalf("Extract: %v", err)
		}
		if out.Method != "filename" || out.Text != "receipt 2024 03" || !strings.Contains(out.Note, "OCR could not read this WebP image") {
			t.Fatalf("got %q by %q, note %q; want the filename's words and a note", out.Text, out.Method, out.Note)
		}
	})
}

// TestImageWithoutTesseract: without tesseract the filename's words are the
// text, with a note saying so.
func TestImageWithoutTesseract(t *testing.T) {
	e := New(Options{LookPath: lookPathOnly("")})
	out, err := extractDataWith(t, e, "image/png", "Invoice_2025-scan.png", readFixture(t, "invoice.png"))
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	want := Output{Text: "Invoice 2025 scan", Method: "filename", Note: noTesseractNote}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("got %+v; want %+v", out, want)
	}
	if want := "tesseract is not installed: the image is classified by its filename only"; out.Note != want {
		t.Fatalf("note %q; want %q", out.Note, want)
	}
}

// TestImageFakeTesseract: the command's output is capped, its stderr is
// the error's reason, and the per-document timeout kills it.
func TestImageFakeTesseract(t *testing.T) {
	png := readFixture(t, "invoice.png")
	t.Run("output capped", func(t *testing.T) {
		// Orientation (stdout) finds nothing; recognition writes 20,000 words as TSV.
		bin := fakeTool(t, `[ "$2" = stdout ] && exit 0
{ printf 'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n'
i=0; while [ $i -lt 20000 ]; do printf '5\t1\t1\t1\t1\t%d\t0\t0\t9\t9\t90\tword\n' $i; i=$((i+1)); done; } > "$2.tsv"`)
		e := New(Options{LookPath: lookPathOnly(bin), Limits: Limits{MaxTextBytes: 1000}})
		out, err := extractDataWith(t, e, "image/png", "scan.png", png)
		if err != nil {
			t.Fatalf("Extract: %v", err)
		}
		if out.Method != "tesseract" || !out.Truncated || len(out.Text) > 1000 || !strings.HasPrefix(out.Text, "word word") {
			t.Fatalf("got %d bytes by %q, truncated %v; want at most 1000 by tesseract, truncated", len(out.Text), out.Method, out.Truncated)
		}
	})
	t.Run("failure reason", func(t *testing.T) {
		bin := fakeTool(t, `echo "Estimating resolution as 300" >&2; echo "Error in pixReadStream: Unknown format" >&2; exit 1`)
		_, err := extractDataWith(t, New(Options{LookPath: lookPathOnly(bin)}), "image/png", "scan.png", png)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "Error in pixReadStream: Unknown format") {
			t.Fatalf("err = %v; want ErrCorrupt with tesseract's error line", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		bin := fakeTool(t, `exec sleep 30`)
		e := New(Options{LookPath: lookPathOnly(bin), Limits: Limits{Timeout: 300 * time.Millisecond}})
		start := time.Now()
		_, err := extractDataWith(t, e, "image/png", "scan.png", png)
		if !errors.Is(err, ErrTimeout) || time.Since(start) > 10*time.Second {
			t.Fatalf("err = %v after %v; want ErrTimeout soon after 300ms", err, time.Since(start))
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		bin := fakeTool(t, `exec sleep 30`)
		e := New(Options{LookPath: lookPathOnly(bin)})
		p := filepath.Join(t.TempDir(), "scan.png")
		os.WriteFile(p, png, 0o600)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		_, err := e.Extract(ctx, Input{Path: p, ContentType: "image/png", Filename: "scan.png"})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v; want context.Canceled", err)
		}
	})
}

// TestFilenameWords: the folder and extension go, _ - . split words.
func TestFilenameWords(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Invoice_2025-scan.png", "Invoice 2025 scan"},
		{"scan_2024-03.invoice.final.JPG", "scan 2024 03 invoice final"},
		{`C:\Users\me\Pictures\holiday photo.jpeg`, "holiday photo"},
		{"dir/sub/__weird--name..webp", "weird name"},
		{"noextension", "noextension"},
		{"", ""},
	} {
		t.Run(tt.in, func(t *testing.T) {
			if got := filenameWords(tt.in); got != tt.want {
				t.Errorf("filenameWords(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestImageUpsideDown: a photographed page lying upside down is turned
// upright before it is read, and the page record says so.
func TestImageUpsideDown(t *testing.T) {
	requireTool(t, "tesseract")
	requireTool(t, "pdftoppm")
	dir := t.TempDir()
	if out, err := exec.Command("pdftoppm", "-r", "150", "-gray", "-png", "-f", "5", "-l", "5", "-singlefile",
		"testdata/pdf/libtasn1.pdf", filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	turned := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			turned.Set(b.Max.X-1-x, b.Max.Y-1-y, img.At(x, y))
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, turned); err != nil {
		t.Fatal(err)
	}
	out, err := extractData(t, "image/png", "photo.png", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Pages) != 1 || out.Pages[0].Rotation != 180 || out.Pages[0].Confidence == nil || *out.Pages[0].Confidence < 80 {
		t.Errorf("pages %+v, want one turned 180° read with confidence ≥ 80", out.Pages)
	}
	for _, w := range []string{"DEFINITIONS", "parser", "structure"} {
		if !strings.Contains(out.Text, w) {
			t.Errorf("%q not read:\n%s", w, out.Text)
		}
	}
}

// TestImageOCRPhotoEXIFOrientation: a phone photo of a page is stored
// turned (or, from some front cameras, mirrored) with an EXIF Orientation
// saying how to show it. OCR reads it upright by the tag, whatever
// tesseract's own orientation detection would make of it.
func TestImageOCRPhotoEXIFOrientation(t *testing.T) {
	requireTool(t, "tesseract")
	up, err := png.Decode(bytes.NewReader(readFixture(t, "invoice.png")))
	if err != nil {
		t.Fatal(err)
	}
	e := New(Options{})
	for o := orientation.FlipH; o <= orientation.Rotate270; o++ {
		t.Run(fmt.Sprint(o), func(t *testing.T) {
			j, err := orientationtest.JPEG(orientationtest.Stored(up, o), o, true)
			if err != nil {
				t.Fatal(err)
			}
			out, err := extractDataWith(t, e, "image/jpeg", "photo.jpg", j)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if out.Method != "tesseract" || !strings.Contains(out.Text, "Invoice") || !strings.Contains(out.Text, "2025") {
				t.Fatalf("got %q by %q; want \"Invoice 2025\" by tesseract", out.Text, out.Method)
			}
			// Upright by the tag, tesseract has nothing left to turn.
			if len(out.Pages) != 1 || out.Pages[0].Rotation != 0 {
				t.Errorf("pages %+v; want one page turned 0° by tesseract", out.Pages)
			}
		})
	}
}
