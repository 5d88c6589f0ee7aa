package ocr

import (
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // the image types ReadImage decodes itself
	_ "image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/docuvault/docuvault/pkg/orientation"
)

// maxPixels bounds a page image: 100 megapixels is an A3 page at 600 dpi.
const maxPixels = 100 << 20

// PDFImage describes the largest image on a PDF page.
type PDFImage struct {
	PPI    int // its resolution on the page, pixels per inch
	Pixels int // width × height
}

// PDFImages lists, per page (from 1), the largest image drawn on it, from
// poppler's `pdfimages -list`. Pages without images are absent.
func (e *Engine) PDFImages(ctx context.Context, pdfPath string) (map[int]PDFImage, error) {
	out, err := e.run(ctx, "pdfimages", "-list", pdfPath)
	if err != nil {
		return nil, err
	}
	return parseImageList(string(out)), nil
}

// parseImageList reads pdfimages -list's table: page num type width height
// color comp bpc enc interp object ID x-ppi y-ppi size ratio.
func parseImageList(list string) map[int]PDFImage {
	pages := map[int]PDFImage{}
	for _, line := range strings.Split(list, "\n") {
		f := strings.Fields(line)
		if len(f) < 14 || f[2] != "image" {
			continue // the header, its rule, masks and stencils
		}
		page, err := strconv.Atoi(f[0])
		if err != nil {
			continue
		}
		w, h := atoiOr(f[3], 0), atoiOr(f[4], 0)
		ppi := atoiOr(f[12], 0)
		if cur, ok := pages[page]; !ok || w*h > cur.Pixels {
			pages[page] = PDFImage{PPI: ppi, Pixels: w * h}
		}
	}
	return pages
}

// Result is one page's OCR, or why it failed.
type Result struct {
	Number int // the page's number, from 1
	Page
	// PDF is the page as a one-page searchable PDF, when ReadOptions.PDFDir
	// was set and the page was read.
	PDF string
	Err error
}

// ReadOptions say how ReadPDF reads pages.
type ReadOptions struct {
	// DPI renders each page (by number) at this resolution; a page absent
	// is rendered at Options.DPI. Either way within [MinDPI, MaxDPI].
	DPI map[int]int
	// PDFDir, when not "", receives each page read as a one-page
	// searchable PDF, page-N.pdf (Result.PDF).
	PDFDir string
}

// ReadPDF reads the given pages (from 1) of the PDF at pdfPath, up to
// Options.Parallel at once across the Engine. It returns a result for
// every page asked for, in order; a page not read because ctx ended has
// ctx's error.
func (e *Engine) ReadPDF(ctx context.Context, pdfPath string, pages []int, opt ReadOptions) []Result {
	results := make([]Result, len(pages))
	var wg sync.WaitGroup
	// One goroutine per slot at most: a 500-page scan does not start 500.
	next := make(chan int)
	for w := 0; w < min(e.opts.Parallel, len(pages)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				n := pages[i]
				var pdfOut string
				if opt.PDFDir != "" {
					pdfOut = filepath.Join(opt.PDFDir, "page-"+strconv.Itoa(n)+".pdf")
				}
				results[i].Page, results[i].Err = e.readPDFPage(ctx, pdfPath, n, opt.DPI[n], pdfOut)
				if results[i].Err == nil {
					results[i].PDF = pdfOut
				}
			}
		}()
	}
	for i, p := range pages {
		results[i].Number = p
		if ctx.Err() != nil {
			results[i].Err = ctx.Err()
			continue
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

// readPDFPage renders one page in grey and reads it.
func (e *Engine) readPDFPage(ctx context.Context, pdfPath string, page, dpi int, pdfOut string) (Page, error) {
	if dpi <= 0 {
		dpi = e.opts.DPI
	}
	dpi = min(max(dpi, e.opts.MinDPI), e.opts.MaxDPI)
	return e.inSlot(ctx, func(dir string) (Page, error) {
		return e.renderAndRead(ctx, dir, pdfPath, page, dpi, pdfOut)
	})
}

// renderAndRead renders page of the PDF into dir and reads it.
func (e *Engine) renderAndRead(ctx context.Context, dir, pdfPath string, page, dpi int, pdfOut string) (Page, error) {
	n := strconv.Itoa(page)
	prefix := filepath.Join(dir, "render")
	if _, err := e.run(ctx, "pdftoppm", "-r", strconv.Itoa(dpi), "-gray", "-f", n, "-l", n, "-singlefile", pdfPath, prefix); err != nil {
		return Page{}, err
	}
	g, err := readPGM(prefix + ".pgm")
	if err != nil {
		return Page{}, fmt.Errorf("read the rendered page: %w", err)
	}
	if g.w*g.h > maxPixels {
		return Page{}, fmt.Errorf("%w (%dx%d pixels at %d dpi)", ErrTooBig, g.w, g.h, dpi)
	}
	os.Remove(prefix + ".pgm")
	return e.readImage(ctx, dir, g, dpi, pdfOut)
}

// ErrUndecodable: ReadImage cannot decode this image type itself (only
// PNG and JPEG); the caller may give the file to tesseract as it is.
var ErrUndecodable = errors.New("image type not decoded for OCR")

// ReadImage reads the PNG or JPEG image at path: turned upright (a JPEG
// by its EXIF Orientation first, then by tesseract's orientation
// detection), straightened and recognised (tesseract estimates its resolution).
// Other types are ErrUndecodable.
func (e *Engine) ReadImage(ctx context.Context, path string) (Page, error) {
	if _, err := e.look("tesseract"); err != nil {
		return Page{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return Page{}, err
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil {
		return Page{}, fmt.Errorf("%w: %v", ErrUndecodable, err)
	}
	if cfg.Width*cfg.Height > maxPixels {
		return Page{}, fmt.Errorf("%w (%dx%d pixels)", ErrTooBig, cfg.Width, cfg.Height)
	}
	if _, err := f.Seek(0, 0); err != nil {
		return Page{}, err
	}
	return e.inSlot(ctx, func(dir string) (Page, error) {
		img, _, err := image.Decode(f)
		if err != nil {
			return Page{}, fmt.Errorf("decode the %s image: %w", format, err)
		}
		if format == "jpeg" {
			// A phone photo is stored turned (or mirrored), its EXIF
			// Orientation saying how to show it: tesseract's orientation
			// detection alone misses a line or two of text and any mirror.
			if _, err := f.Seek(0, 0); err != nil {
				return Page{}, err
			}
			img = orientation.Upright(img, orientation.Read(f))
		}
		return e.readImage(ctx, dir, toGray(img), 0, "")
	})
}

// ReadFile reads the image at path as it is, with tesseract alone: for
// the types ReadImage does not decode (TIFF, WebP), whose orientation and
// skew are then not corrected.
func (e *Engine) ReadFile(ctx context.Context, path string) (Page, error) {
	if _, err := e.look("tesseract"); err != nil {
		return Page{}, err
	}
	return e.inSlot(ctx, func(dir string) (p Page, err error) {
		p.Text, p.Confidence, err = e.recognize(ctx, dir, path, 0, "")
		return p, err
	})
}

// inSlot runs fn holding one of the Engine's slots, with a scratch folder
// of its own that is removed afterwards.
func (e *Engine) inSlot(ctx context.Context, fn func(dir string) (Page, error)) (Page, error) {
	if err := e.acquire(ctx); err != nil {
		return Page{}, err
	}
	defer e.release()
	dir, done, err := e.scratch()
	if err != nil {
		return Page{}, err
	}
	defer done()
	return fn(dir)
}

// toGray converts img to 8-bit grey (transparent pixels on white).
func toGray(img image.Image) *gray {
	b := img.Bounds()
	g := &gray{w: b.Dx(), h: b.Dy(), pix: make([]byte, b.Dx()*b.Dy())}
	if src, ok := img.(*image.Gray); ok {
		for y := 0; y < g.h; y++ {
			copy(g.pix[y*g.w:(y+1)*g.w], src.Pix[y*src.Stride:])
		}
		return g
	}
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, gg, bb, a := img.At(x, y).RGBA()
			// Luma (Rec. 601) over white.
			l := (299*r + 587*gg + 114*bb) / 1000
			l = (l*a + 0xffff*(0xffff-a)) / 0xffff
			g.pix[i] = byte(l >> 8)
			i++
		}
	}
	return g
}
