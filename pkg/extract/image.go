package extract

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"strings"
	"time"
	"unicode"

	"github.com/docuvault/docuvault/pkg/ocr"
)

// noTesseractNote is the Note of an image read without OCR.
const noTesseractNote = "tesseract is not installed: the image is classified by its filename only"

// extractImage reads an image's text with tesseract OCR when it is on PATH
// (Options.LookPath), else returns the words of its filename (Method
// "filename") with a Note saying so. An image that tesseract cannot read
// is ErrCorrupt, except a WebP image, which tesseract builds without WebP
// support cannot read: that one falls back to its filename too.
func (e *Extractor) extractImage(ctx context.Context, in Input, lim Limits) (Output, error) {
	bin, err := e.opts.LookPath("tesseract")
	if err != nil {
		return filenameOutput(in.Filename, noTesseractNote), nil
	}
	mode := e.opts.OCRMode
	if in.OCR != "" {
		mode = in.OCR
	}
	if mode == OCRNever {
		return filenameOutput(in.Filename, "OCR is off (DOCUVAULT_OCR=never): the image is classified by its filename only"), nil
	}
	// PNG and JPEG (photos and scans of paper) are turned upright and
	// straightened first; other types go to tesseract as they are.
	page, err := e.opts.OCR.ReadImage(ctx, in.Path)
	switch {
	case err == nil:
		out := Output{Text: page.Text, Method: "tesseract"}
		p := Page{Number: 1, Source: PageOCR, Rotation: page.Rotation, Skew: float64(int(page.Skew*100)) / 100}
		if strings.TrimSpace(page.Text) == "" {
			out.Note, p.Source = "OCR found no text in the image", PageNone
		} else {
			conf := float64(int(page.Confidence*10+0.5)) / 10
			p.Confidence = &conf
		}
		out.Pages = []Page{p}
		return out, nil
	case ctx.Err() != nil:
		return Output{}, fmt.Errorf("run tesseract: %w", ctx.Err())
	case errors.Is(err, ocr.ErrTooBig):
		return Output{}, fmt.Errorf("%w: %v", ErrTooBig, err)
	case !errors.Is(err, ocr.ErrUndecodable):
		return Output{}, fmt.Errorf("%w: OCR could not read the image (%v)", ErrCorrupt, err)
	}
	text, truncated, err := runTesseract(ctx, bin, in.Path, lim.MaxTextBytes)
	switch {
	case err != nil && ctx.Err() != nil:
		return Output{}, fmt.Errorf("run tesseract: %w", ctx.Err())
	case err != nil && in.ContentType == "image/webp":
		return filenameOutput(in.Filename, fmt.Sprintf("OCR could not read this WebP image (%v): the image is classified by its filename only", err)), nil
	case err != nil:
		return Output{}, fmt.Errorf("%w: OCR could not read the image (%v)", ErrCorrupt, err)
	}
	out := Output{Text: text, Method: "tesseract", Truncated: truncated}
	if text == "" {
		out.Note = "OCR found no text in the image"
	}
	return out, nil
}

// runTesseract runs `tesseract PATH stdout`, keeping at most max bytes of
// its output. Its error is the first error line tesseract printed.
func runTesseract(ctx context.Context, bin, imagePath string, max int) (text string, truncated bool, err error) {
	cmd := exec.CommandContext(ctx, bin, imagePath, "stdout")
	// One OCR thread per document: the worker runs documents in parallel.
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	cmd.WaitDelay = 5 * time.Second
	stdout := &capWriter{max: max}
	stderr := &capWriter{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return "", false, errors.New(tesseractReason(string(stderr.b), err))
	}
	text = strings.TrimSpace(strings.ReplaceAll(string(stdout.b), "\f", "\n"))
	return text, stdout.truncated, nil
}

// tesseractReason picks the line of tesseract's stderr that says what went
// wrong.
func tesseractReason(stderr string, err error) string {
	var first string
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "Estimating resolution") || strings.HasPrefix(line, "Warning") {
			continue
		}
		if strings.Contains(line, "rror") {
			first = line
			break
		}
		if first == "" {
			first = line
		}
	}
	if first == "" {
		return err.Error()
	}
	if len(first) > 200 {
		first = first[:200]
	}
	return first
}

// filenameOutput is the text of an image read by its name only.
func filenameOutput(filename, note string) Output {
	return Output{Text: filenameWords(filename), Method: "filename", Note: note}
}

// filenameWords returns a filename without folder and extension, its
// words split on _ - . and spaces: "scan_2024-03.invoice.png" → "scan 2024
// 03 invoice".
func filenameWords(name string) string {
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	name = strings.TrimSuffix(name, path.Ext(name))
	words := strings.FieldsFunc(name, func(r rune) bool {
		return r == '_' || r == '-' || r == '.' || unicode.IsSpace(r)
	})
	return strings.Join(words, " ")
}

// capWriter keeps the first max bytes written to it and drops the rest
// (still accepting it, so that the writer is never blocked).
type capWriter struct {
	b         []byte
	max       int
	truncated bool
}

func (w *capWriter) Write(p []byte) (int, error) {
	room := w.max - len(w.b)
	if len(p) > room {
		w.truncated = true
		w.b = append(w.b, p[:max(room, 0)]...)
		return len(p), nil
	}
	w.b = append(w.b, p...)
	return len(p), nil
}
