package thumbnail_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/docuvault/docuvault/pkg/orientation"
	"github.com/docuvault/docuvault/pkg/orientation/orientationtest"
	"github.com/docuvault/docuvault/pkg/thumbnail"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// check decodes a thumbnail and checks its size and format.
func check(t *testing.T, im thumbnail.Image, w, h int) image.Image {
	t.Helper()
	if im.ContentType != "image/jpeg" || im.Ext != ".jpg" {
		t.Errorf("type %s %s", im.ContentType, im.Ext)
	}
	if len(im.Data) > thumbnail.MaxBytes {
		t.Errorf("%d bytes, over %d", len(im.Data), thumbnail.MaxBytes)
	}
	img, err := jpeg.Decode(bytes.NewReader(im.Data))
	if err != nil {
		t.Fatalf("not a JPEG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h || im.Width != w || im.Height != h {
		t.Errorf("%dx%d (says %dx%d), want %dx%d", b.Dx(), b.Dy(), im.Width, im.Height, w, h)
	}
	return img
}

func TestPDFFirstPage(t *testing.T) {
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		if os.Getenv("DOCUVAULT_TEST_REQUIRE_SERVICES") == "1" {
			t.Fatalf("pdftoppm is required (DOCUVAULT_TEST_REQUIRE_SERVICES=1; scripts/services.sh installs poppler-utils): %v", err)
		}
		t.Skip("pdftoppm is not installed")
	}
	var m thumbnail.Maker
	im, err := m.Make(ctx(t), "testdata/groff-ms.pdf", "application/pdf")
	if err != nil {
		t.Fatal(err)
	}
	// A4 portrait: 400 high, 283 wide.
	img := check(t, im, 283, 400)
	// A page of text: mostly white, some dark.
	var dark, light int
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
			switch {
			case g < 100:
				dark++
			case g > 230:
				light++
			}
		}
	}
	if dark == 0 || light < b.Dx()*b.Dy()/2 {
		t.Errorf("does not look like a page of text: %d dark, %d light pixels", dark, light)
	}
}

func TestBrokenPDFIsAnError(t *testing.T) {
	var m thumbnail.Maker
	_, err := m.Make(ctx(t), write(t, "x.pdf", []byte("%PDF-1.4\nnot really\n")), "application/pdf")
	if err == nil || errors.Is(err, thumbnail.ErrUnsupported) {
		t.Errorf("Make of a broken PDF: %v", err)
	}
}

func TestMissingToolIsErrNoTool(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var m thumbnail.Maker
	if _, err := m.Make(ctx(t), "testdata/groff-ms.pdf", "application/pdf"); !errors.Is(err, thumbnail.ErrNoTool) {
		t.Errorf("Make without pdftoppm: %v, want ErrNoTool", err)
	}
}

func TestImagesScaledInGo(t *testing.T) {
	// A wide PNG, transparent on its left half, red on its right.
	wide := image.NewNRGBA(image.Rect(0, 0, 3000, 1000))
	for y := 0; y < 1000; y++ {
		for x := 1500; x < 3000; x++ {
			wide.SetNRGBA(x, y, color.NRGBA{255, 0, 0, 255})
		}
	}
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, wide); err != nil {
		t.Fatal(err)
	}
	var m thumbnail.Maker
	im, err := m.Make(ctx(t), write(t, "wide.png", pngBuf.Bytes()), "image/png")
	if err != nil {
		t.Fatal(err)
	}
	img := check(t, im, 400, 133)
	near := func(c color.Color, r, g, b uint8) bool {
		cr, cg, cb, _ := c.RGBA()
		d := func(a uint32, b uint8) bool { return int(a>>8)-int(b) < 40 && int(b)-int(a>>8) < 40 }
		return d(cr, r) && d(cg, g) && d(cb, b)
	}
	if c := img.At(50, 60); !near(c, 255, 255, 255) {
		t.Errorf("transparent area is %v, want white", c)
	}
	if c := img.At(350, 60); !near(c, 255, 0, 0) {
		t.Errorf("red area is %v, want red", c)
	}

	// A tall JPEG; a small one is not scaled up.
	tall := image.NewGray(image.Rect(0, 0, 1000, 2000))
	var jpgBuf bytes.Buffer
	if err := jpeg.Encode(&jpgBuf, tall, nil); err != nil {
		t.Fatal(err)
	}
	im, err = m.Make(ctx(t), write(t, "tall.jpg", jpgBuf.Bytes()), "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	check(t, im, 200, 400)
	jpgBuf.Reset()
	_ = jpeg.Encode(&jpgBuf, image.NewGray(image.Rect(0, 0, 120, 90)), nil)
	im, err = m.Make(ctx(t), write(t, "small.jpg", jpgBuf.Bytes()), "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	check(t, im, 120, 90)

	// Noise is the worst case for size: the quality is lowered to fit.
	noise := image.NewRGBA(image.Rect(0, 0, 400, 400))
	var x uint32 = 1
	for i := range noise.Pix {
		x = x*1664525 + 1013904223
		noise.Pix[i] = uint8(x >> 24)
	}
	pngBuf.Reset()
	_ = png.Encode(&pngBuf, noise)
	im, err = m.Make(ctx(t), write(t, "noise.png", pngBuf.Bytes()), "image/png")
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Data) > 100<<10 {
		t.Errorf("noise thumbnail is %d bytes", len(im.Data))
	}
}

// pngHeader is the start of a PNG of w x h pixels: enough for DecodeConfig.
func pngHeader(w, h uint32) []byte {
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit grey
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	_ = binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr[:]...)
	b.Write(chunk)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestHugeImageRefusedByItsHeader(t *testing.T) {
	var m thumbnail.Maker
	_, err := m.Make(ctx(t), write(t, "huge.png", pngHeader(20000, 20000)), "image/png")
	if !errors.Is(err, thumbnail.ErrTooBig) {
		t.Errorf("Make of a 400-megapixel PNG: %v, want ErrTooBig", err)
	}
	// Just under the limit passes the header check (and fails decoding).
	_, err = m.Make(ctx(t), write(t, "big.png", pngHeader(10000, 10000)), "image/png")
	if err == nil || errors.Is(err, thumbnail.ErrTooBig) {
		t.Errorf("Make of a truncated 100-megapixel PNG: %v", err)
	}
}

func TestOtherTypesHaveNone(t *testing.T) {
	var m thumbnail.Maker
	for _, ct := range []string{"text/plain", "image/tiff", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"} {
		if _, err := m.Make(ctx(t), write(t, "x", []byte("hello")), ct); !errors.Is(err, thumbnail.ErrUnsupported) {
			t.Errorf("%s: %v, want ErrUnsupported", ct, err)
		}
		if thumbnail.Supports(ct) {
			t.Errorf("Supports(%s)", ct)
		}
	}
}

// A phone photo of a page: the pixels stored turned or flipped, the EXIF
// Orientation saying how to show them. The thumbnail stands upright: the
// picture is 600x400 (landscape) with a dark square top-left and a red
// one top-right, whatever the stored pixels' order.
func TestPhotoTurnedByEXIFOrientation(t *testing.T) {
	up := image.NewRGBA(image.Rect(0, 0, 600, 400))
	for y := 0; y < 400; y++ {
		for x := 0; x < 600; x++ {
			c := color.RGBA{255, 255, 255, 255}
			switch {
			case x < 200 && y < 200:
				c = color.RGBA{0, 0, 0, 255}
			case x >= 400 && y < 200:
				c = color.RGBA{255, 0, 0, 255}
			}
			up.SetRGBA(x, y, c)
		}
	}
	var m thumbnail.Maker
	for o := orientation.Normal; o <= orientation.Rotate270; o++ {
		j, err := orientationtest.JPEG(orientationtest.Stored(up, o), o, o%2 == 0)
		if err != nil {
			t.Fatal(err)
		}
		im, err := m.Make(ctx(t), write(t, "photo.jpg", j), "image/jpeg")
		if err != nil {
			t.Fatalf("orientation %d: %v", o, err)
		}
		img := check(t, im, 400, 266)
		lum := func(x, y int) uint8 { return color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y }
		red := func(x, y int) bool {
			r, g, b, _ := img.At(x, y).RGBA()
			return r>>8 > 200 && g>>8 < 80 && b>>8 < 80
		}
		if lum(30, 30) > 60 || !red(370, 30) || lum(30, 236) < 200 || lum(370, 236) < 200 {
			t.Errorf("orientation %d: not upright: top-left %d, top-right red %v, bottom %d %d",
				o, lum(30, 30), red(370, 30), lum(30, 236), lum(370, 236))
		}
	}
}

// A JPEG whose EXIF is broken still gets its thumbnail, as stored.
func TestBrokenEXIFIgnored(t *testing.T) {
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, image.NewGray(image.Rect(0, 0, 120, 90)), nil); err != nil {
		t.Fatal(err)
	}
	var m thumbnail.Maker
	for name, exif := range map[string][]byte{
		"IFD past the end": []byte("Exif\x00\x00MM\x00\x2a\xff\xff\xff\xff"),
		"no TIFF":          []byte("Exif\x00\x00"),
		"value 200":        append(orientationtest.EXIF(orientation.Rotate90, true)[:6+8+2+8], 0, 200, 0, 0, 0, 0, 0, 0),
	} {
		im, err := m.Make(ctx(t), write(t, "broken.jpg", orientationtest.WithEXIF(plain.Bytes(), exif)), "image/jpeg")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		check(t, im, 120, 90)
	}
}
