package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/docuvault/docuvault/pkg/exitcode"
	"github.com/docuvault/docuvault/pkg/extract"
	"github.com/docuvault/docuvault/pkg/storage"
)

// extractOptions are the flags of `docuvault extract`.
type extractOptions struct {
	JSON     bool
	OCR      string
	Parallel int
}

func newExtractCommand(a *app) *cobra.Command {
	var o extractOptions
	c := &cobra.Command{
		Use:   "extract PATH... [--json] [--ocr auto|always|never] [--parallel N]",
		Short: "Print the text of files as the worker reads it, and how each page was read (stores nothing)",
		Long: `Read files as the worker would — the type sniffed from the content, PDF
text layers, OCR of scanned pages (DOCUVAULT_OCR, DOCUVAULT_OCR_LANGUAGES) —
and print their text, storing nothing and needing no service.

Without --json each file's text is printed after a header line saying how it
was read; with --json, one line per file:
  {"path","content_type","method","note","truncated","pages":[{"page","source","confidence","rotation","skew"}],"text","error"}
It exits 2 when some file could not be read.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch o.OCR {
			case "", extract.OCRAuto, extract.OCRAlways, extract.OCRNever:
			default:
				return usageErrorf("extract: --ocr must be auto, always or never, not %q", o.OCR)
			}
			if o.Parallel < 1 {
				return usageErrorf("extract: --parallel must be 1 or more, not %d", o.Parallel)
			}
			return a.runExtract(cmd.Context(), o, args)
		},
	}
	c.Flags().BoolVar(&o.JSON, "json", false, "print JSON lines")
	c.Flags().StringVar(&o.OCR, "ocr", "", "which PDF pages OCR reads: auto, always or never (default DOCUVAULT_OCR)")
	c.Flags().IntVar(&o.Parallel, "parallel", runtime.NumCPU(), "pages read by OCR at once")
	return c
}

// extractLine is one file's line of `extract --json`.
type extractLine struct {
	Path        string         `json:"path"`
	ContentType string         `json:"content_type,omitempty"`
	Method      string         `json:"method,omitempty"`
	Note        string         `json:"note,omitempty"`
	Truncated   bool           `json:"truncated,omitempty"`
	Pages       []extract.Page `json:"pages,omitempty"`
	Text        string         `json:"text"`
	Error       string         `json:"error,omitempty"`
}

func (a *app) runExtract(ctx context.Context, o extractOptions, paths []string) error {
	x := a.extractor(o.Parallel, o.OCR, false)
	enc := json.NewEncoder(a.stdout)
	failed := 0
	for _, path := range paths {
		line := readFileText(ctx, x, path)
		if line.Error != "" {
			failed++
		}
		if o.JSON {
			if err := enc.Encode(line); err != nil {
				return err
			}
			continue
		}
		if line.Error != "" {
			fmt.Fprintf(a.stderr, "%s: %s\n", path, line.Error)
			continue
		}
		fmt.Fprintf(a.stdout, "==> %s (%s, %s)\n", path, line.ContentType, line.Method)
		if s := pagesSummary(line.Pages); s != "" {
			fmt.Fprintf(a.stdout, "pages: %s\n", s)
		}
		if line.Note != "" {
			fmt.Fprintf(a.stdout, "note: %s\n", line.Note)
		}
		fmt.Fprintf(a.stdout, "\n%s\n", strings.TrimRight(strings.ReplaceAll(line.Text, "\f", "\n"), "\n"))
	}
	if failed > 0 {
		return exitcode.Some(failed, len(paths), fmt.Errorf("extract: %d of %d files could not be read", failed, len(paths)))
	}
	return nil
}

// readFileText reads one file's text as the worker would.
func readFileText(ctx context.Context, x *extract.Extractor, path string) extractLine {
	line := extractLine{Path: path}
	f, err := os.Open(path)
	if err != nil {
		if pe := (*os.PathError)(nil); errors.As(err, &pe) {
			err = pe.Err
		}
		line.Error = fmt.Sprintf("cannot open: %v", err)
		return line
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		line.Error = "not a regular file"
		return line
	}
	head := make([]byte, storage.SniffLen)
	k, _ := io.ReadFull(f, head)
	line.ContentType, _ = storage.Sniff(head[:k], filepath.Base(path))
	if !x.Supports(line.ContentType) {
		line.Error = fmt.Sprintf("cannot read %s files", line.ContentType)
		return line
	}
	out, err := x.Extract(ctx, extract.Input{Path: path, Size: st.Size(), ContentType: line.ContentType, Filename: filepath.Base(path)})
	if err != nil {
		line.Error = fmt.Sprintf("cannot read: %v", err)
		return line
	}
	line.Method, line.Note, line.Truncated, line.Pages, line.Text = out.Method, out.Note, out.Truncated, out.Pages, out.Text
	return line
}

// pagesSummary says in a few words how a document's pages were read:
// "3: 1 text layer, 2 OCR (confidence 91%)".
func pagesSummary(pages []extract.Page) string {
	if len(pages) == 0 {
		return ""
	}
	count := map[string]int{}
	var conf float64
	var ocred int
	for _, p := range pages {
		count[p.Source]++
		if p.Confidence != nil {
			conf += *p.Confidence
			ocred++
		}
	}
	var parts []string
	for _, k := range []struct{ source, name string }{
		{extract.PageText, "text layer"}, {extract.PageOCR, "OCR"}, {extract.PageBoth, "text layer and OCR"}, {extract.PageNone, "no text"},
	} {
		if n := count[k.source]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k.name))
		}
	}
	s := fmt.Sprintf("%d: %s", len(pages), strings.Join(parts, ", "))
	if ocred > 0 {
		s += fmt.Sprintf(" (OCR confidence %.0f%%)", conf/float64(ocred))
	}
	return s
}

// pageDetail says how OCR read one page: "page 2: OCR, confidence 91%,
// turned 90°, straightened 2.5°".
func pageDetail(p extract.Page) string {
	s := fmt.Sprintf("page %d: %s", p.Number, p.Source)
	if p.Confidence != nil {
		s += fmt.Sprintf(", confidence %.0f%%", *p.Confidence)
	}
	if p.Rotation != 0 {
		s += fmt.Sprintf(", turned %d°", p.Rotation)
	}
	if p.Skew != 0 {
		s += fmt.Sprintf(", straightened %.1f°", p.Skew)
	}
	return s
}
