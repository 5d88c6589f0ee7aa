package ocr

import (
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/tests/testenv"
)

// renderPage renders page n of a born-digital test PDF in grey.
func renderPage(t *testing.T, n string, dpi string) *gray {
	t.Helper()
	testenv.Tools(t, "pdftoppm")
	prefix := filepath.Join(t.TempDir(), "p")
	out, err := exec.Command("pdftoppm", "-r", dpi, "-gray", "-f", n, "-l", n, "-singlefile",
		"../extract/testdata/pdf/libtasn1.pdf", prefix).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	g, err := readPGM(prefix + ".pgm")
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestSkewAngle(t *testing.T) {
	g := renderPage(t, "5", "150")
	if a := skewAngle(g); a != 0 {
		t.Errorf("an upright page: skew %.3f°, want 0", a)
	}
	for _, want := range []float64{2.5, -1.2, 4} {
		// rotateDegrees(g, -x) turns the page counter-clockwise: its lines
		// then rise to the right by x.
		skewed := rotateDegrees(g, -want)
		got := skewAngle(skewed)
		if math.Abs(got-want) > 0.1 {
			t.Errorf("page turned by %.2f°: skew %.3f°", want, got)
		}
		if back := skewAngle(rotateDegrees(skewed, got)); back != 0 {
			t.Errorf("page turned by %.2f° and straightened: skew %.3f° left", want, back)
		}
	}
	if a := skewAngle(&gray{w: 100, h: 100, pix: make([]byte, 100*100)}); a != 0 {
		t.Errorf("an all-black image: skew %.3f°, want 0", a)
	}
}

func TestRotateClockwise(t *testing.T) {
	// 3×2:  a b c      90° clockwise (2×3):  d a
	//       d e f                            e b
	//                                        f c
	g := &gray{w: 3, h: 2, pix: []byte("abcdef")}
	for _, c := range []struct {
		deg  int
		w, h int
		want string
	}{{0, 3, 2, "abcdef"}, {90, 2, 3, "daebfc"}, {180, 3, 2, "fedcba"}, {270, 2, 3, "cfbead"}} {
		got := rotateClockwise(g, c.deg)
		if got.w != c.w || got.h != c.h || string(got.pix) != c.want {
			t.Errorf("%d°: %dx%d %q, want %dx%d %q", c.deg, got.w, got.h, got.pix, c.w, c.h, c.want)
		}
	}
}

func TestPGMRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.pgm")
	g := &gray{w: 3, h: 2, pix: []byte{0, 50, 100, 150, 200, 255}}
	if err := writePGM(path, g); err != nil {
		t.Fatal(err)
	}
	back, err := readPGM(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.w != 3 || back.h != 2 || string(back.pix) != string(g.pix) {
		t.Errorf("read back %dx%d %v", back.w, back.h, back.pix)
	}
	for _, bad := range []string{"P6\n1 1\n255\nx", "P5\n1 1\n65535\nxx", "P5\n2 2\n255\nabc", "P5\n-1 1\n255\n"} {
		os.WriteFile(path, []byte(bad), 0o600)
		if _, err := readPGM(path); !errors.Is(err, errPGM) {
			t.Errorf("%q: %v, want errPGM", bad, err)
		}
	}
}

// The words any good reading of page 5 of the manual has.
var page5Words = []string{"structure", "parser", "sensitive", "comments", "DEFINITIONS", "BEGIN", "pkix.asn"}

func TestReadPDFScan(t *testing.T) {
	testenv.Tools(t, "tesseract", "pdftoppm", "pdfimages")
	e := New(Options{Parallel: 2})
	ctx := context.Background()
	imgs, err := e.PDFImages(ctx, "testdata/scan.pdf")
	if err != nil {
		t.Fatal(err)
	}
	dpi := map[int]int{}
	for p := 1; p <= 3; p++ {
		im, ok := imgs[p]
		if !ok || im.PPI < 140 || im.PPI > 210 {
			t.Fatalf("page %d: image %+v (present %v), want 150 to 200 ppi (img2pdf fits the turned page into A4)", p, im, ok)
		}
		dpi[p] = im.PPI
	}
	res := e.ReadPDF(ctx, "testdata/scan.pdf", []int{1, 2, 3}, ReadOptions{DPI: dpi, PDFDir: t.TempDir()})
	wantRotation := []int{0, 270, 0}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("page %d: %v", r.Number, r.Err)
		}
		if r.Number != i+1 || r.Rotation != wantRotation[i] {
			t.Errorf("page %d: number %d, rotation %d, want %d", i+1, r.Number, r.Rotation, wantRotation[i])
		}
		if r.DPI != 200 {
			t.Errorf("page %d read at %d dpi, want the minimum 200", r.Number, r.DPI)
		}
		for _, w := range page5Words {
			if !strings.Contains(r.Text, w) {
				t.Errorf("page %d: %q not read; text:\n%s", r.Number, w, r.Text)
			}
		}
		if r.Confidence < 80 {
			t.Errorf("page %d: confidence %.1f, want ≥ 80", r.Number, r.Confidence)
		}
	}
	for _, r := range res {
		// Each page's searchable PDF has the words read, as text.
		out, err := exec.Command("pdftotext", r.PDF, "-").Output()
		if err != nil {
			t.Fatalf("page %d: pdftotext %s: %v", r.Number, r.PDF, err)
		}
		if !strings.Contains(string(out), "DEFINITIONS") {
			t.Errorf("page %d: its searchable PDF's text lacks DEFINITIONS:\n%s", r.Number, out)
		}
	}
	if s := res[2].Skew; math.Abs(s-2.5) > 0.2 {
		t.Errorf("page 3: straightened by %.2f°, want about 2.5°", s)
	}
	if s := res[0].Skew; s != 0 {
		t.Errorf("page 1: straightened by %.2f°, want 0", s)
	}
}

func TestReadPDFCancelled(t *testing.T) {
	testenv.Tools(t, "tesseract", "pdftoppm")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := New(Options{}).ReadPDF(ctx, "testdata/scan.pdf", []int{1, 2}, ReadOptions{})
	for _, r := range res {
		if !errors.Is(r.Err, context.Canceled) {
			t.Errorf("page %d: %v, want context.Canceled", r.Number, r.Err)
		}
	}
}

func TestMissingTools(t *testing.T) {
	missing := func(string) (string, error) { return "", exec.ErrNotFound }
	e := New(Options{LookPath: missing})
	if err := e.Available(); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "tesseract-ocr") {
		t.Errorf("Available: %v, want ErrUnavailable naming the package", err)
	}
	res := e.ReadPDF(context.Background(), "testdata/scan.pdf", []int{1}, ReadOptions{})
	if !errors.Is(res[0].Err, ErrUnavailable) {
		t.Errorf("ReadPDF: %v, want ErrUnavailable", res[0].Err)
	}
	if _, err := e.ReadImage(context.Background(), "../extract/testdata/invoice.png"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("ReadImage: %v, want ErrUnavailable", err)
	}
}

func TestMemoryLimit(t *testing.T) {
	testenv.Tools(t, "tesseract", "pdftoppm", "prlimit")
	// 40 MiB of address space is far too little for pdftoppm to render a page.
	e := New(Options{MaxMemory: 40 << 20})
	res := e.ReadPDF(context.Background(), "testdata/scan.pdf", []int{1}, ReadOptions{})
	if !errors.Is(res[0].Err, ErrTooBig) {
		t.Errorf("page read under a 40 MiB limit: %v, want ErrTooBig", res[0].Err)
	}
}

func TestParseImageList(t *testing.T) {
	list := `page   num  type   width height color comp bpc  enc interp  object ID x-ppi y-ppi size ratio
--------------------------------------------------------------------------------------------
   1     0 image    1241  1754  gray    1   8  jpeg   no         8  0   150   150  104K 4.9%
   1     1 smask     100   100  gray    1   8  image  no         9  0    72    72  1K 1%
   2     2 image     200   100  rgb     3   8  image  no        12  0    72    72  10K 5%
   2     3 image    2480  3508  gray    1   8  jpeg   no        13  0   300   300  900K 10%
`
	got := parseImageList(list)
	want := map[int]PDFImage{1: {PPI: 150, Pixels: 1241 * 1754}, 2: {PPI: 300, Pixels: 2480 * 3508}}
	if len(got) != len(want) || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
