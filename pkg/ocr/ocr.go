package ocr

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Sentinel errors.
var (
	// ErrUnavailable: a program OCR needs (tesseract, pdftoppm) is not
	// installed. The document is not at fault; callers keep what else they
	// read and say so.
	ErrUnavailable = errors.New("OCR is not available")
	// ErrTooBig: a page needed more memory or CPU than the limits allow
	// (a huge image, a decompression bomb): the document's own fault.
	ErrTooBig = errors.New("the page is too large to read within the OCR limits")
)

// Options configure an Engine.
type Options struct {
	// Languages are tesseract's, joined by '+': "eng", "eng+deu". Default "eng".
	Languages string
	// Parallel bounds how many pages are read at once by this Engine,
	// across all callers. Default 1.
	Parallel int
	// DPI renders a PDF page whose images' resolution is unknown. Pages
	// with images are rendered at their native resolution, within
	// [MinDPI, MaxDPI]. Defaults 300, 200 and 400.
	DPI, MinDPI, MaxDPI int
	// MaxMemory bounds each external program's address space, in bytes.
	// Default 1.5 GiB.
	MaxMemory int64
	// MaxCPU bounds each external program's CPU time. Default 2 minutes.
	MaxCPU time.Duration
	// TempDir holds the page images while they are read; "" is os.TempDir().
	TempDir string
	// LookPath finds the programs; nil is exec.LookPath.
	LookPath func(string) (string, error)
}

// Engine reads page images. It is safe for concurrent use.
type Engine struct {
	opts    Options
	slots   chan struct{}
	prlimit string

	mu    sync.Mutex
	found map[string]string // program → path, or "" when missing
}

// New returns an Engine.
func New(opts Options) *Engine {
	if opts.Languages == "" {
		opts.Languages = "eng"
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 1
	}
	if opts.DPI <= 0 {
		opts.DPI = 300
	}
	if opts.MinDPI <= 0 {
		opts.MinDPI = 200
	}
	if opts.MaxDPI <= 0 {
		opts.MaxDPI = 400
	}
	if opts.MaxMemory <= 0 {
		opts.MaxMemory = 3 << 29
	}
	if opts.MaxCPU <= 0 {
		opts.MaxCPU = 2 * time.Minute
	}
	if opts.LookPath == nil {
		opts.LookPath = exec.LookPath
	}
	e := &Engine{opts: opts, slots: make(chan struct{}, opts.Parallel), found: map[string]string{}}
	if p, err := opts.LookPath("prlimit"); err == nil {
		e.prlimit = p
	}
	return e
}

// Languages returns the tesseract languages the Engine reads.
func (e *Engine) Languages() string { return e.opts.Languages }

// Available reports whether OCR can run (tesseract is installed), and if
// not, why.
func (e *Engine) Available() error {
	_, err := e.look("tesseract")
	return err
}

// look finds a program once.
func (e *Engine) look(name string) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.found[name]
	if !ok {
		p, _ = e.opts.LookPath(name)
		e.found[name] = p
	}
	if p == "" {
		pkg := map[string]string{"tesseract": "tesseract-ocr", "pdftoppm": "poppler-utils", "pdfimages": "poppler-utils"}[name]
		return "", fmt.Errorf("%w: %s is not installed (Debian package %s)", ErrUnavailable, name, pkg)
	}
	return p, nil
}

// Page is what OCR read on one page.
type Page struct {
	Text string
	// Confidence is tesseract's mean word confidence, 0–100.
	Confidence float64
	// Rotation is how many degrees clockwise the page was turned to stand
	// upright (0, 90, 180, 270).
	Rotation int
	// Skew is the angle in degrees the page was straightened by.
	Skew float64
	// DPI is the resolution the page was read at.
	DPI int
}

// acquire takes one of the Engine's slots.
func (e *Engine) acquire(ctx context.Context) error {
	select {
	case e.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *Engine) release() { <-e.slots }

// readImage reads the grey page image g: upright, straightened, then
// recognised. dir is a scratch folder of the caller's. When pdfOut is not
// "", the upright page is also written there as a one-page PDF: its image
// (JPEG) under an invisible layer of the words read (tesseract's PDF
// renderer), for a searchable copy.
func (e *Engine) readImage(ctx context.Context, dir string, g *gray, dpi int, pdfOut string) (Page, error) {
	p := Page{DPI: dpi}
	// Orientation on a half-size copy when that keeps 150 dpi: the answer
	// is the same and comes about four times sooner. (At 100 dpi it is
	// wrong: a turned page at 200 dpi halved was read as upright Cyrillic.)
	small, osdDPI := g, dpi
	if dpi >= 2*minOrientationDPI { // dpi 0 (unknown): tesseract estimates it
		small, osdDPI = halve(g), dpi/2
	}
	osdPath := filepath.Join(dir, "osd.pgm")
	if err := writePGM(osdPath, small); err != nil {
		return p, fmt.Errorf("write the page image: %w", err)
	}
	p.Rotation = e.orientation(ctx, osdPath, osdDPI)
	if err := ctx.Err(); err != nil {
		return p, err
	}
	g = rotateClockwise(g, p.Rotation)
	if a := skewAngle(g); a != 0 {
		g, p.Skew = rotateDegrees(g, a), a
	}
	path := filepath.Join(dir, "page.pgm")
	write := writePGM
	if pdfOut != "" {
		// The copy's page image: JPEG, as scans are stored, at a tenth of
		// the grey bitmap's size; tesseract embeds it as it is.
		path, write = filepath.Join(dir, "page.jpg"), writeJPEG
	}
	if err := write(path, g); err != nil {
		return p, fmt.Errorf("write the page image: %w", err)
	}
	var err error
	p.Text, p.Confidence, err = e.recognize(ctx, dir, path, dpi, pdfOut)
	return p, err
}

// minOrientationDPI is the least resolution orientation detection is
// given.
const minOrientationDPI = 150

// scratch makes a private folder for one page's images.
func (e *Engine) scratch() (string, func(), error) {
	dir, err := os.MkdirTemp(e.opts.TempDir, "docuvault-ocr-*")
	if err != nil {
		return "", nil, fmt.Errorf("OCR scratch folder: %w", err)
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// atoiOr parses s, or returns def.
func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}
