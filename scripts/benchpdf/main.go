//go:build unix

// Command benchpdf runs the PDF extractor of pkg/extract on files, for the
// PDF benchmark (scripts/bench-pdf.sh). For each file it prints one JSON
// object per line: the text, the method that ran, the note, the error, and
// the CPU time (user+sys of this process and of its children, so that
// pdftotext's own time counts) of each of -runs runs. OCR is off
// (OCRNever): only the text layer is read.
//
//	benchpdf [-mode auto|go|pdftotext] [-runs 3] [-text=false] FILE...
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/docuvault/docuvault/pkg/extract"
)

type result struct {
	File   string    `json:"file"`
	Method string    `json:"method"`
	Note   string    `json:"note,omitempty"`
	Error  string    `json:"error,omitempty"`
	CPUms  []float64 `json:"cpu_ms"`
	Text   string    `json:"text,omitempty"`
}

func main() {
	mode := flag.String("mode", extract.PDFAuto, "PDF extractor: auto, go or pdftotext")
	runs := flag.Int("runs", 3, "runs per file (CPU time of each is reported)")
	withText := flag.Bool("text", true, "print the text of the first run")
	flag.Parse()
	// OCR of pages without text is left out: the benchmark compares the
	// text-layer readers.
	ex := extract.New(extract.Options{PDF: *mode, OCRMode: extract.OCRNever})
	enc := json.NewEncoder(os.Stdout)
	for _, path := range flag.Args() {
		r := result{File: path}
		for i := 0; i < max(*runs, 1); i++ {
			runtime.GC() // garbage of the previous file is not charged to this one
			before := cpu()
			out, err := ex.Extract(context.Background(), extract.Input{Path: path, ContentType: "application/pdf", Filename: filepath.Base(path)})
			r.CPUms = append(r.CPUms, float64(cpu()-before)/float64(time.Millisecond))
			if i == 0 {
				r.Method, r.Note = out.Method, out.Note
				if err != nil {
					r.Error = err.Error()
				}
				if *withText {
					r.Text = out.Text
				}
			}
		}
		if err := enc.Encode(r); err != nil {
			fmt.Fprintln(os.Stderr, "benchpdf:", err)
			os.Exit(1)
		}
	}
}

// cpu is the user+sys time of this process and its waited-for children.
func cpu() time.Duration {
	var self, children syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	tv := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return tv(self.Utime) + tv(self.Stime) + tv(children.Utime) + tv(children.Stime)
}
