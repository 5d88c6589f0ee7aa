package thumbnail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	_ "image/png" // decode PNG
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docuvault/docuvault/pkg/orientation"
)

// Limits of a thumbnail and of what is made into one.
const (
	MaxSide   = 400         // pixels on the long side, at most
	MaxBytes  = 60 << 10    // the size aimed at; quality is lowered to reach it
	MaxPixels = 100_000_000 // images larger than this (width x height) are refused
)

// Sentinel errors of Make; test with errors.Is.
var (
	// ErrUnsupported: no thumbnail is made of this type.
	ErrUnsupported = errors.New("no thumbnail for this type")
	// ErrTooBig: the image is over MaxPixels, or rendering it needed more
	// memory than allowed.
	ErrTooBig = errors.New("too large for a thumbnail")
	// ErrNoTool: the program that renders this type (pdftoppm) is not installed.
	ErrNoTool = errors.New("thumbnail tool not installed")
)

// Image is a thumbnail.
type Image struct {
	Data        []byte
	ContentType string // image/jpeg
	Ext         string // .jpg
	Width       int
	Height      int
}

// Maker makes thumbnails. The zero value is ready to use.
type Maker struct {
	// TempDir holds pdftoppm's output while it runs; "" is os.TempDir().
	TempDir string
	// Timeout bounds one thumbnail; 0 means one minute.
	Timeout time.Duration
	// MaxMemory is pdftoppm's address space limit; 0 means 1.5 GiB.
	MaxMemory int64
}

// ContentTypes are the types Make makes thumbnails of.
func ContentTypes() []string { return []string{"application/pdf", "image/png", "image/jpeg"} }

// Supports reports whether Make makes thumbnails of contentType.
func Supports(contentType string) bool {
	return slices.Contains(ContentTypes(), contentType)
}

// Make makes a thumbnail of the first page of the file at path, whose type
// (as sniffed at upload) is contentType. It returns ErrUnsupported for a
// type it does not make thumbnails of.
func (m *Maker) Make(ctx context.Context, path, contentType string) (Image, error) {
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var (
		img image.Image
		err error
	)
	switch contentType {
	case "application/pdf":
		var page []byte
		page, err = m.renderPDF(ctx, path)
		if err == nil && len(page) <= MaxBytes {
			// pdftoppm's own JPEG is the thumbnail: decoding, scaling and
			// encoding it again here cost more CPU than rendering it.
			cfg, cerr := jpeg.DecodeConfig(bytes.NewReader(page))
			if cerr != nil {
				return Image{}, fmt.Errorf("read pdftoppm's page: %w", cerr)
			}
			return Image{Data: page, ContentType: "image/jpeg", Ext: ".jpg", Width: cfg.Width, Height: cfg.Height}, nil
		}
		if err == nil {
			img, err = jpeg.Decode(bytes.NewReader(page))
		}
	case "image/png", "image/jpeg":
		img, err = decodeImage(path)
	default:
		return Image{}, fmt.Errorf("%w: %s", ErrUnsupported, contentType)
	}
	if err != nil {
		return Image{}, err
	}
	if err := ctx.Err(); err != nil {
		return Image{}, err
	}
	small := Scale(img, MaxSide)
	data, err := encode(small)
	if err != nil {
		return Image{}, err
	}
	b := small.Bounds()
	return Image{Data: data, ContentType: "image/jpeg", Ext: ".jpg", Width: b.Dx(), Height: b.Dy()}, nil
}

// decodeImage decodes a PNG or JPEG file, after checking by its header
// that it is at most MaxPixels, and turns a JPEG upright by its EXIF
// Orientation (a phone's portrait photo is stored sideways); a missing or
// malformed EXIF block leaves it as stored.
func decodeImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil {
		return nil, fmt.Errorf("read the image header: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("the image is %dx%d pixels", cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, fmt.Errorf("%w: the %s image is %dx%d pixels (at most %d million)", ErrTooBig, format, cfg.Width, cfg.Height, MaxPixels/1_000_000)
	}
	if _, err := f.Seek(0, 0); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("decode the %s image: %w", format, err)
	}
	if format == "jpeg" {
		if _, err := f.Seek(0, 0); err != nil {
			return nil, err
		}
		img = orientation.Upright(img, orientation.Read(f))
	}
	return img, nil
}

// renderPDF renders a PDF's first page with pdftoppm at MaxSide pixels on
// its long side and returns its JPEG.
func (m *Maker) renderPDF(ctx context.Context, path string) ([]byte, error) {
	bin, err := exec.LookPath("pdftoppm")
	if err != nil {
		return nil, fmt.Errorf("%w: pdftoppm (poppler-utils) renders PDFs", ErrNoTool)
	}
	dir, err := os.MkdirTemp(m.TempDir, "docuvault-thumb-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "page")
	argv := []string{bin, "-f", "1", "-l", "1", "-singlefile", "-scale-to", strconv.Itoa(MaxSide), "-jpeg", "-jpegopt", "quality=75", path, out}
	mem := m.MaxMemory
	if mem <= 0 {
		mem = 3 << 29 // 1.5 GiB
	}
	if pl, err := exec.LookPath("prlimit"); err == nil {
		argv = append([]string{pl, "--as=" + strconv.FormatInt(mem, 10), "--cpu=60", "--"}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &limitWriter{w: &stderr, n: 16 << 10}
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("pdftoppm: %w", ctx.Err())
		}
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "bad_alloc") || strings.Contains(msg, "Out of memory") || strings.Contains(msg, "Cannot allocate") {
			return nil, fmt.Errorf("%w: pdftoppm needed more than %d MiB", ErrTooBig, mem>>20)
		}
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("pdftoppm: %s", msg)
	}
	page, err := os.ReadFile(out + ".jpg")
	if err != nil {
		return nil, fmt.Errorf("pdftoppm wrote no page: %w", err)
	}
	return page, nil
}

// limitWriter keeps the first n bytes written to it and drops the rest
// (never failing, so the program is not killed by SIGPIPE).
type limitWriter struct {
	w interface{ Write([]byte) (int, error) }
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if keep := min(len(p), l.n); keep > 0 {
		_, _ = l.w.Write(p[:keep])
		l.n -= keep
	}
	return len(p), nil
}

// encode writes img as a JPEG, lowering the quality until it is at most
// MaxBytes (or the lowest quality is reached).
func encode(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	for _, q := range []int{80, 65, 50, 35} {
		buf.Reset()
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
			return nil, fmt.Errorf("encode the thumbnail: %w", err)
		}
		if buf.Len() <= MaxBytes {
			break
		}
	}
	return bytes.Clone(buf.Bytes()), nil
}

// Scale returns img scaled down to at most side pixels on its long side
// (never up), each pixel the mean of a grid of samples of the area it
// covers, on white where img is transparent.
func Scale(img image.Image, side int) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if w >= h && w > side {
		dw, dh = side, max(1, int(int64(h)*int64(side)/int64(w)))
	} else if h > w && h > side {
		dw, dh = max(1, int(int64(w)*int64(side)/int64(h))), side
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	if dw == w && dh == h {
		draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
		draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Over)
		return dst
	}
	// Samples per destination pixel along each axis: enough to see the
	// whole area for modest reductions, bounded for huge ones.
	sx := min(4, (w+dw-1)/dw)
	sy := min(4, (h+dh-1)/dh)
	n := uint32(sx * sy)
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			var r, g, bl uint32
			for j := 0; j < sy; j++ {
				py := b.Min.Y + int((int64(y)*int64(sy)+int64(j))*int64(h)/int64(dh*sy))
				for i := 0; i < sx; i++ {
					px := b.Min.X + int((int64(x)*int64(sx)+int64(i))*int64(w)/int64(dw*sx))
					cr, cg, cb, ca := img.At(px, py).RGBA()
					// Premultiplied: over white is c + (1 - a).
					r += (cr + 0xffff - ca) >> 8
					g += (cg + 0xffff - ca) >> 8
					bl += (cb + 0xffff - ca) >> 8
				}
			}
			dst.SetRGBA(x, y, color.RGBA{uint8(min(r/n, 255)), uint8(min(g/n, 255)), uint8(min(bl/n, 255)), 255})
		}
	}
	return dst
}
