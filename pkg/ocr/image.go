package ocr

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math"
	"os"
	"strconv"
)

// gray is an 8-bit grey image, row after row: what pdftoppm -gray writes
// (PGM) and what tesseract reads.
type gray struct {
	w, h int
	pix  []byte // w*h bytes, 0 black … 255 white
}

func (g *gray) at(x, y int) byte { return g.pix[y*g.w+x] }

// errPGM is returned for a file that is not an 8-bit binary PGM.
var errPGM = errors.New("not an 8-bit binary PGM image")

// readPGM reads a binary (P5) PGM file with a maximum value of 255.
func readPGM(path string) (*gray, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var fields [4]int
	magic := make([]byte, 2)
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != "P5" {
		return nil, errPGM
	}
	for i := 1; i < 4; i++ {
		tok, err := pgmToken(r)
		if err != nil {
			return nil, err
		}
		if fields[i], err = strconv.Atoi(tok); err != nil || fields[i] <= 0 {
			return nil, errPGM
		}
	}
	w, h, maxval := fields[1], fields[2], fields[3]
	if maxval != 255 || w > 1<<16 || h > 1<<16 {
		return nil, fmt.Errorf("%w (%dx%d, max %d)", errPGM, w, h, maxval)
	}
	g := &gray{w: w, h: h, pix: make([]byte, w*h)}
	if _, err := io.ReadFull(r, g.pix); err != nil {
		return nil, fmt.Errorf("%w: %w", errPGM, err)
	}
	return g, nil
}

// pgmToken reads one header token, skipping white space and comments, and
// the single white-space byte after it.
func pgmToken(r *bufio.Reader) (string, error) {
	var tok []byte
	for {
		c, err := r.ReadByte()
		if err != nil {
			return "", errPGM
		}
		switch {
		case c == '#' && len(tok) == 0:
			if _, err := r.ReadString('\n'); err != nil {
				return "", errPGM
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if len(tok) > 0 {
				return string(tok), nil
			}
		default:
			tok = append(tok, c)
			if len(tok) > 12 {
				return "", errPGM
			}
		}
	}
}

// writePGM writes g as a binary PGM file.
func writePGM(path string, g *gray) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "P5\n%d %d\n255\n", g.w, g.h)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(b.Bytes()); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(g.pix); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeJPEG writes g as a grey JPEG file.
func writeJPEG(path string, g *gray) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	img := &image.Gray{Pix: g.pix, Stride: g.w, Rect: image.Rect(0, 0, g.w, g.h)}
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: jpegQuality}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// jpegQuality of a searchable copy's page images: text stays crisp, a
// 300 dpi A4 page is a few hundred KB.
const jpegQuality = 80

// rotateClockwise returns g turned by deg degrees clockwise, deg one of 0,
// 90, 180, 270 (tesseract's "Rotate:" answer).
func rotateClockwise(g *gray, deg int) *gray {
	switch deg {
	case 90:
		out := &gray{w: g.h, h: g.w, pix: make([]byte, len(g.pix))}
		for y := 0; y < g.h; y++ {
			for x := 0; x < g.w; x++ {
				// (x, y) goes to (h-1-y, x).
				out.pix[x*out.w+(g.h-1-y)] = g.pix[y*g.w+x]
			}
		}
		return out
	case 180:
		out := &gray{w: g.w, h: g.h, pix: make([]byte, len(g.pix))}
		n := len(g.pix)
		for i, p := range g.pix {
			out.pix[n-1-i] = p
		}
		return out
	case 270:
		out := &gray{w: g.h, h: g.w, pix: make([]byte, len(g.pix))}
		for y := 0; y < g.h; y++ {
			for x := 0; x < g.w; x++ {
				// (x, y) goes to (y, w-1-x).
				out.pix[(g.w-1-x)*out.w+y] = g.pix[y*g.w+x]
			}
		}
		return out
	default:
		return g
	}
}

// halve returns g at half its width and height (each pixel the mean of
// four), for orientation detection, which needs no more.
func halve(g *gray) *gray {
	out := &gray{w: g.w / 2, h: g.h / 2}
	out.pix = make([]byte, out.w*out.h)
	for y := 0; y < out.h; y++ {
		r0, r1 := g.pix[2*y*g.w:], g.pix[(2*y+1)*g.w:]
		for x := 0; x < out.w; x++ {
			s := int(r0[2*x]) + int(r0[2*x+1]) + int(r1[2*x]) + int(r1[2*x+1])
			out.pix[y*out.w+x] = byte(s / 4)
		}
	}
	return out
}

// Deskew bounds: scans are rarely more than a few degrees off; a larger
// angle is more likely a page of tables or a drawing misread.
const (
	maxSkew       = 6.0  // degrees searched either way
	minSkew       = 0.15 // smaller angles are left alone
	skewSamplePix = 300_000
)

// skewAngle estimates by how many degrees the text lines of g slope
// (positive: they rise to the right, counter-clockwise), by the projection
// profile method: the dark pixels are projected onto the vertical axis at
// each candidate angle, and the angle whose profile has the sharpest
// peaks (the largest sum of squares: lines and gaps cleanly apart) wins.
// A coarse search in steps of 0.25° is refined in steps of 0.025°. It
// returns 0 for a page with too little ink to tell.
func skewAngle(g *gray) float64 {
	// Work on at most about 1,000 pixels across.
	step := max(1, g.w/1000)
	thr := darkThreshold(g, step)
	var xs, ys []float64
	for y := 0; y < g.h; y += step {
		for x := 0; x < g.w; x += step {
			if g.pix[y*g.w+x] < thr {
				xs = append(xs, float64(x/step))
				ys = append(ys, float64(y/step))
			}
		}
	}
	n := len(xs)
	if n < 500 {
		return 0
	}
	if n > skewSamplePix { // keep an even sample of them
		k := float64(n) / skewSamplePix
		for i := 0; i < skewSamplePix; i++ {
			j := int(float64(i) * k)
			xs[i], ys[i] = xs[j], ys[j]
		}
		xs, ys, n = xs[:skewSamplePix], ys[:skewSamplePix], skewSamplePix
	}
	if float64(n) > 0.4*float64((g.w/step)*(g.h/step)) {
		return 0 // mostly dark: a photo or a negative, not lines of text
	}
	diag := int(math.Hypot(float64(g.w/step), float64(g.h/step))) + 2
	bins := make([]float64, 2*diag)
	score := func(deg float64) float64 {
		s, c := math.Sincos(deg * math.Pi / 180)
		clear(bins)
		for i := 0; i < n; i++ {
			// The row of the point once the page is turned back by deg.
			r := int(ys[i]*c+xs[i]*s) + diag
			if r >= 0 && r < len(bins) {
				bins[r]++
			}
		}
		var sum float64
		for _, b := range bins {
			sum += b * b
		}
		return sum
	}
	best, bestScore := 0.0, score(0)
	search := func(from, to, by float64) {
		for a := from; a <= to+1e-9; a += by {
			if sc := score(a); sc > bestScore {
				best, bestScore = a, sc
			}
		}
	}
	search(-maxSkew, maxSkew, 0.25)
	c := best
	search(c-0.25, c+0.25, 0.025)
	if math.Abs(best) < minSkew || math.Abs(best) > maxSkew-0.1 {
		return 0
	}
	return best
}

// darkThreshold is Otsu's threshold of g's pixels (every step-th one).
func darkThreshold(g *gray, step int) byte {
	var hist [256]float64
	var total float64
	for y := 0; y < g.h; y += step {
		for x := 0; x < g.w; x += step {
			hist[g.pix[y*g.w+x]]++
			total++
		}
	}
	var sumAll float64
	for i, c := range hist {
		sumAll += float64(i) * c
	}
	var wB, sumB, best float64
	thr := 128
	for t := 0; t < 256; t++ {
		wB += hist[t]
		if wB == 0 {
			continue
		}
		wF := total - wB
		if wF == 0 {
			break
		}
		sumB += float64(t) * hist[t]
		mB, mF := sumB/wB, (sumAll-sumB)/wF
		if v := wB * wF * (mB - mF) * (mB - mF); v > best {
			best, thr = v, t+1
		}
	}
	return byte(min(thr, 255))
}

// rotateDegrees returns g turned by deg degrees (positive: clockwise on
// screen, which straightens lines that rise to the right by deg), same
// size, corners filled white, by bilinear interpolation.
func rotateDegrees(g *gray, deg float64) *gray {
	out := &gray{w: g.w, h: g.h, pix: make([]byte, len(g.pix))}
	s, c := math.Sincos(-deg * math.Pi / 180)
	cx, cy := float64(g.w-1)/2, float64(g.h-1)/2
	for y := 0; y < g.h; y++ {
		dy := float64(y) - cy
		for x := 0; x < g.w; x++ {
			dx := float64(x) - cx
			// The source of (x, y): (x, y) turned back.
			sx := c*dx - s*dy + cx
			sy := s*dx + c*dy + cy
			out.pix[y*g.w+x] = g.bilinear(sx, sy)
		}
	}
	return out
}

// bilinear samples g at (x, y); outside the image is white.
func (g *gray) bilinear(x, y float64) byte {
	if x < 0 || y < 0 || x > float64(g.w-1) || y > float64(g.h-1) {
		return 255
	}
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, g.w-1), min(y0+1, g.h-1)
	fx, fy := x-float64(x0), y-float64(y0)
	a := float64(g.at(x0, y0))*(1-fx) + float64(g.at(x1, y0))*fx
	b := float64(g.at(x0, y1))*(1-fx) + float64(g.at(x1, y1))*fx
	return byte(a*(1-fy) + b*fy + 0.5)
}
