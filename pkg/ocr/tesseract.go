package ocr

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// orientation runs tesseract's orientation and script detection (psm 0)
// on the image at path and returns how many degrees clockwise the page
// must be turned to stand upright (0, 90, 180 or 270). It returns 0 when
// tesseract is not confident enough or finds too few characters to tell
// (a nearly empty page): turning a page wrongly is worse than not at all.
func (e *Engine) orientation(ctx context.Context, path string, dpi int) int {
	args := []string{path, "stdout", "--psm", "0", "-l", "osd"}
	if dpi > 0 {
		args = append(args, "--dpi", strconv.Itoa(dpi))
	}
	out, err := e.run(ctx, "tesseract", args...)
	if err != nil {
		return 0
	}
	var rotate int
	var conf float64
	for _, line := range strings.Split(string(out), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "Rotate":
			rotate, _ = strconv.Atoi(v)
		case "Orientation confidence":
			conf, _ = strconv.ParseFloat(v, 64)
		}
	}
	if conf < minOrientationConfidence {
		return 0
	}
	switch rotate {
	case 90, 180, 270:
		return rotate
	}
	return 0
}

// minOrientationConfidence is the confidence below which tesseract's
// orientation answer is not acted on. Turned pages of running text
// measured 15–20 here; a page with little text gets less, and a wrong
// turn costs the whole page.
const minOrientationConfidence = 5.0

// word is one word of tesseract's TSV output.
type word struct {
	block, par, line int
	conf             float64
	text             string
}

// recognize runs tesseract on the image at path, its outputs in the
// scratch folder dir, and returns its text
// (lines as tesseract found them, a blank line between paragraphs) and
// the mean confidence of its words (0–100; 0 for no words). When pdfOut
// is not "", tesseract's PDF of the page (the image under an invisible
// text layer) is written there too, from the same recognition.
func (e *Engine) recognize(ctx context.Context, dir, path string, dpi int, pdfOut string) (string, float64, error) {
	base := filepath.Join(dir, "out")
	args := []string{path, base, "-l", e.opts.Languages}
	if dpi > 0 {
		args = append(args, "--dpi", strconv.Itoa(dpi))
	}
	args = append(args, "tsv")
	if pdfOut != "" {
		args = append(args, "pdf")
	}
	if _, err := e.run(ctx, "tesseract", args...); err != nil {
		return "", 0, err
	}
	tsv, err := os.ReadFile(base + ".tsv")
	if err != nil {
		return "", 0, fmt.Errorf("tesseract wrote no TSV: %w", err)
	}
	if pdfOut != "" {
		if err := os.Rename(base+".pdf", pdfOut); err != nil {
			return "", 0, fmt.Errorf("tesseract wrote no PDF: %w", err)
		}
	}
	text, conf := assemble(parseTSV(tsv))
	return text, conf, nil
}

// parseTSV reads the words (level 5) of tesseract's TSV output.
func parseTSV(tsv []byte) []word {
	var words []word
	sc := bufio.NewScanner(bytes.NewReader(tsv))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 12 || f[0] != "5" {
			continue
		}
		text := strings.TrimSpace(f[11])
		if text == "" {
			continue
		}
		w := word{text: text}
		w.block, _ = strconv.Atoi(f[2])
		w.par, _ = strconv.Atoi(f[3])
		w.line, _ = strconv.Atoi(f[4])
		w.conf, _ = strconv.ParseFloat(f[10], 64)
		words = append(words, w)
	}
	return words
}

// assemble joins words into lines and paragraphs, and averages their
// confidence weighted by length (a long word misread matters more than a
// stray dot).
func assemble(words []word) (string, float64) {
	var b strings.Builder
	var sum, weight float64
	for i, w := range words {
		if i > 0 {
			p := words[i-1]
			switch {
			case p.block != w.block || p.par != w.par:
				b.WriteString("\n\n")
			case p.line != w.line:
				b.WriteByte('\n')
			default:
				b.WriteByte(' ')
			}
		}
		b.WriteString(w.text)
		if w.conf >= 0 {
			n := float64(len([]rune(w.text)))
			sum += w.conf * n
			weight += n
		}
	}
	if weight == 0 {
		return b.String(), 0
	}
	return b.String(), sum / weight
}
