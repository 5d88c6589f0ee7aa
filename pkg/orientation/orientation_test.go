package orientation_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"github.com/docuvault/docuvault/pkg/orientation"
	"github.com/docuvault/docuvault/pkg/orientation/orientationtest"
)

// picture is an upright 6x4 picture whose every pixel differs, so a wrong
// turn or flip cannot pass.
func picture() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 6, 4))
	for y := 0; y < 4; y++ {
		for x := 0; x < 6; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(40 * x), uint8(60 * y), 7, 255})
		}
	}
	return img
}

func TestReadEveryValue(t *testing.T) {
	small := image.NewGray(image.Rect(0, 0, 8, 8))
	for o := orientation.Normal; o <= orientation.Rotate270; o++ {
		for _, big := range []bool{true, false} {
			j, err := orientationtest.JPEG(small, o, big)
			if err != nil {
				t.Fatal(err)
			}
			if got := orientation.Read(bytes.NewReader(j)); got != o {
				t.Errorf("orientation %d (big-endian %v): read %d", o, big, got)
			}
			if _, err := jpeg.Decode(bytes.NewReader(j)); err != nil {
				t.Errorf("orientation %d: the fixture is not a JPEG: %v", o, err)
			}
		}
	}
}

func TestUprightUndoesEveryOrientation(t *testing.T) {
	up := picture()
	for o := orientation.Normal; o <= orientation.Rotate270; o++ {
		got := orientation.Upright(orientationtest.Stored(up, o), o)
		if b := got.Bounds(); b != up.Bounds() {
			t.Errorf("orientation %d: bounds %v, want %v", o, b, up.Bounds())
			continue
		}
		for y := 0; y < 4; y++ {
			for x := 0; x < 6; x++ {
				if g, w := color.RGBAModel.Convert(got.At(x, y)), up.At(x, y); g != w {
					t.Fatalf("orientation %d: pixel (%d, %d) is %v, want %v", o, x, y, g, w)
				}
			}
		}
	}
}

// A sub-image (bounds not at 0, 0) is turned too.
func TestUprightOfSubImage(t *testing.T) {
	big := image.NewRGBA(image.Rect(0, 0, 20, 20))
	sub := big.SubImage(image.Rect(5, 7, 11, 11)).(*image.RGBA)
	up := picture()
	for y := 0; y < 4; y++ {
		for x := 0; x < 6; x++ {
			sub.Set(5+x, 7+y, up.At(x, y))
		}
	}
	got := orientation.Upright(sub, orientation.Rotate90)
	// Shown turned clockwise: the stored bottom-left is top-left.
	if b := got.Bounds(); b != image.Rect(0, 0, 4, 6) {
		t.Fatalf("bounds %v", b)
	}
	if g, w := got.At(0, 0), up.At(0, 3); g != w {
		t.Errorf("top-left %v, want %v", g, w)
	}
}

func TestMalformedIsNormal(t *testing.T) {
	j, err := orientationtest.JPEG(image.NewGray(image.Rect(0, 0, 8, 8)), orientation.Rotate90, false)
	if err != nil {
		t.Fatal(err)
	}
	exif := orientationtest.EXIF(orientation.Rotate90, false)
	bad := func(f func(e []byte) []byte) []byte {
		plain := append([]byte{}, j[:2]...)
		plain = append(plain, j[2+4+len(exif):]...)
		return orientationtest.WithEXIF(plain, f(append([]byte{}, exif...)))
	}
	cases := map[string][]byte{
		"empty":            nil,
		"not a JPEG":       []byte("\x89PNG\r\n\x1a\n"),
		"SOI only":         {0xff, 0xd8},
		"truncated APP1":   j[:20],
		"value 9":          bad(func(e []byte) []byte { e[6+8+2+8] = 9; return e }),
		"value 0":          bad(func(e []byte) []byte { e[6+8+2+8] = 0; return e }),
		"type LONG":        bad(func(e []byte) []byte { e[6+8+2+2] = 4; return e }),
		"bad byte order":   bad(func(e []byte) []byte { e[6] = 'X'; return e }),
		"bad magic":        bad(func(e []byte) []byte { e[8] = 41; return e }),
		"IFD past the end": bad(func(e []byte) []byte { e[10] = 0xff; return e }),
		"entries past end": bad(func(e []byte) []byte { e[6+8] = 0xff; e[6+8+2] = 0x13; return e }),
		"cut TIFF":         bad(func(e []byte) []byte { return e[:6+8+2+5] }),
		"no Exif header":   bad(func(e []byte) []byte { e[0] = 'x'; return e }),
		"segment length 1": {0xff, 0xd8, 0xff, 0xe1, 0, 1, 0xff, 0xd9},
	}
	for name, data := range cases {
		if got := orientation.Read(bytes.NewReader(data)); got != orientation.Normal {
			t.Errorf("%s: %d, want Normal", name, got)
		}
	}
	// EXIF after another segment (JFIF APP0, an XMP APP1) is still found.
	app0 := []byte{0xff, 0xe0, 0, 4, 'J', 'F'}
	xmp := []byte{0xff, 0xe1, 0, 6, 'h', 't', 't', 'p'}
	j2 := append([]byte{0xff, 0xd8}, app0...)
	j2 = append(j2, xmp...)
	j2 = append(j2, j[2:]...)
	if got := orientation.Read(bytes.NewReader(j2)); got != orientation.Rotate90 {
		t.Errorf("EXIF after APP0 and XMP: %d, want 6", got)
	}
}

func TestUprightOutsideRangeIsTheImage(t *testing.T) {
	img := picture()
	for _, o := range []orientation.Orientation{0, orientation.Normal, 9, -1} {
		if got := orientation.Upright(img, o); got != image.Image(img) {
			t.Errorf("Upright(%d) is not the image itself", o)
		}
	}
}

// FuzzRead: no input panics Read or yields a value outside 1–8.
func FuzzRead(f *testing.F) {
	for o := orientation.Normal; o <= orientation.Rotate270; o++ {
		j, err := orientationtest.JPEG(image.NewGray(image.Rect(0, 0, 8, 8)), o, o%2 == 0)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(j)
	}
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe1, 0, 1})
	f.Add(orientationtest.WithEXIF([]byte{0xff, 0xd8, 0xff, 0xd9}, []byte("Exif\x00\x00MM\x00\x2a\xff\xff\xff\xff")))
	f.Fuzz(func(t *testing.T, data []byte) {
		o := orientation.Read(bytes.NewReader(data))
		if o < orientation.Normal || o > orientation.Rotate270 {
			t.Fatalf("Read returned %d", o)
		}
	})
}
