// Package extract turns a stored document's bytes into text, one small
// extractor per format, chosen by the content type sniffed at upload.
//
// Every extractor is bounded: the caller's context carries a per-document
// timeout, the text is capped at Limits.MaxTextBytes, archives (DOCX, ODT,
// …) are opened only within Limits' zip-bomb limits, and a panic in an
// extractor becomes an error. Errors say, in a short phrase fit for a
// document's failure reason, what is wrong with the document.
package extract

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/docuvault/docuvault/pkg/ocr"
)

// Sentinel errors; the worker stores their text as a document's failure reason.
var (
	ErrUnsupported = errors.New("no extractor for this content type")
	ErrEncrypted   = errors.New("the document is encrypted or password-protected")
	ErrCorrupt     = errors.New("the document is damaged or not what its type says")
	ErrTooBig      = errors.New("the document expands beyond the extraction limits (a zip bomb?)")
	ErrTimeout     = errors.New("extraction took longer than the per-document timeout")
	// ErrTooManyElements is an office document (OOXML, ODF) whose XML has
	// more elements than Limits.MaxXMLElements. It is an ErrTooBig: the
	// document's own fault, as XML nested too deep is.
	ErrTooManyElements = fmt.Errorf("%w: too many XML elements", ErrTooBig)
)

// Input is one document to extract.
type Input struct {
	// Path is a local file holding the whole content (the worker spools the
	// object to it). Extractors may read it any way they like.
	Path string
	// Size is the file's length in bytes.
	Size int64
	// ContentType is the type sniffed at upload, without parameters.
	ContentType string
	// Filename is the document's name, for what cannot be read (images
	// without OCR).
	Filename string
	// OCR overrides Options.OCRMode for this document ("": the default).
	OCR string
}

// Output is the extracted text and how it was obtained.
type Output struct {
	Text string
	// Method names the extractor that ran: text, html, rtf, ooxml, odf,
	// pdftotext, go-pdf, tesseract, eml, or filename (an image with no OCR).
	Method string
	// Truncated is set when the text was cut at Limits.MaxTextBytes.
	Truncated bool
	// Note says something a person should know, e.g. that OCR was not
	// available and only the filename was used.
	Note string
	// Pages says how each page of a PDF was read; nil for other types.
	Pages []Page
	// SearchablePDF, when not "", is a temporary file the caller must
	// remove: the PDF with its OCR'd pages replaced by their upright page
	// images under an invisible text layer (a searchable copy).
	SearchablePDF string

	// pageImages is, when the Go reader read the PDF, the pixels of the
	// largest image each page draws (-1: an inline image of unknown size),
	// so that telling a scan from a born-digital page needs no pdfimages.
	pageImages []int64
}

// Page says how one page of a document was read.
type Page struct {
	Number int `json:"page"` // from 1
	// Source is how its text was read: PageText (its text layer), PageOCR,
	// PageBoth (a short text layer and OCR of its image) or PageNone (no
	// text found).
	Source string `json:"source"`
	// Confidence is OCR's mean word confidence, 0–100, when OCR ran.
	Confidence *float64 `json:"confidence,omitempty"`
	// Rotation is how many degrees clockwise OCR turned the page to read it.
	Rotation int `json:"rotation,omitempty"`
	// Skew is the angle in degrees OCR straightened the page by.
	Skew float64 `json:"skew,omitempty"`
}

// Page sources.
const (
	PageText = "text"
	PageOCR  = "ocr"
	PageBoth = "both"
	PageNone = "none"
)

// OCR modes (DOCUVAULT_OCR).
const (
	OCRAuto   = "auto"   // pages without a usable text layer
	OCRAlways = "always" // every page, replacing its text layer
	OCRNever  = "never"
)

// Limits bound every extraction.
type Limits struct {
	MaxTextBytes       int           // the text is cut here (at a character boundary)
	Timeout            time.Duration // per document
	MaxZipEntries      int           // archives with more entries are refused
	MaxZipUncompressed int64         // total uncompressed bytes read from an archive
	MaxZipRatio        int64         // an entry expanding more than this many times is refused
	// MaxXMLElements bounds the XML elements read from one office document
	// (all its parts together); one more is ErrTooManyElements.
	MaxXMLElements int64
	// ToolMemory bounds the address space of the external programs
	// extraction runs (pdftotext, qpdf) and ToolCPU their CPU time, through
	// util-linux's prlimit: a PDF that drives one past them is the
	// document's fault (ErrTooBig), not the machine's.
	ToolMemory int64
	ToolCPU    time.Duration
}

// DefaultLimits are the limits used when a field is zero.
func DefaultLimits() Limits {
	return Limits{
		MaxTextBytes:       8 << 20,
		Timeout:            2 * time.Minute,
		MaxZipEntries:      10000,
		MaxZipUncompressed: 512 << 20,
		MaxZipRatio:        200,
		// The largest real documents found have under 20 thousand elements
		// (a python-docx template: 18,639; a readxl workbook: 14,166), and
		// text comes at most 2.7 elements a byte in them, so a document
		// filling MaxTextBytes (where the walks stop) needs under 23
		// million. 25 million take about 17 s of CPU to walk (0.67 µs each).
		MaxXMLElements: 25_000_000,
		ToolMemory:     3 << 29, // 1.5 GiB
		ToolCPU:        2 * time.Minute,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = d.MaxTextBytes
	}
	if l.ToolMemory <= 0 {
		l.ToolMemory = d.ToolMemory
	}
	if l.ToolCPU <= 0 {
		l.ToolCPU = d.ToolCPU
	}
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	if l.MaxZipEntries <= 0 {
		l.MaxZipEntries = d.MaxZipEntries
	}
	if l.MaxZipUncompressed <= 0 {
		l.MaxZipUncompressed = d.MaxZipUncompressed
	}
	if l.MaxZipRatio <= 0 {
		l.MaxZipRatio = d.MaxZipRatio
	}
	if l.MaxXMLElements <= 0 {
		l.MaxXMLElements = d.MaxXMLElements
	}
	return l
}

// PDF extractor choices (DOCUVAULT_PDF_EXTRACTOR).
const (
	PDFAuto      = "auto"      // go; pdftotext where the Go text looks wrong (pdf_auto.go)
	PDFGo        = "go"        // the pure-Go extractor
	PDFPdftotext = "pdftotext" // poppler's pdftotext; an error when it is missing
)

// Options configure an Extractor.
type Options struct {
	Limits Limits
	// PDF is one of PDFAuto (default), PDFGo, PDFPdftotext.
	PDF string
	// LookPath finds external tools (pdftotext, tesseract); nil means
	// exec.LookPath. Tests use it to pretend a tool is missing.
	LookPath func(string) (string, error)
	// OCRMode is one of OCRAuto (default), OCRAlways, OCRNever: which
	// pages of a PDF are read by OCR.
	OCRMode string
	// OCR reads PDF pages without text; nil is an engine of one page at a
	// time, in English, finding its programs with LookPath.
	OCR *ocr.Engine
	// SearchableCopy: when OCR read pages of a PDF, also make its
	// searchable copy (Output.SearchablePDF; needs qpdf), in TempDir.
	SearchableCopy bool
	// TempDir holds searchable copies until the caller removes them; ""
	// is os.TempDir().
	TempDir string
}

// Func is one format's extractor.
type Func func(ctx context.Context, in Input, lim Limits) (Output, error)

// Extractor picks and runs the extractor for a document's content type.
type Extractor struct {
	opts  Options
	funcs map[string]Func
}

// Extract returns the text of in, bounded by the limits. It never panics.
func (e *Extractor) Extract(ctx context.Context, in Input) (out Output, err error) {
	lim := e.opts.Limits.withDefaults()
	f, ok := e.funcs[in.ContentType]
	if !ok {
		return Output{}, fmt.Errorf("%w: %s", ErrUnsupported, in.ContentType)
	}
	if st, err := os.Stat(in.Path); err != nil {
		return Output{}, fmt.Errorf("open the spooled document: %w", err)
	} else if in.Size == 0 {
		in.Size = st.Size()
	}
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			out, err = Output{}, fmt.Errorf("%w: the %s extractor failed on it (%v)", ErrCorrupt, in.ContentType, r)
		}
	}()
	out, err = f(ctx, in, lim)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || (ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded)) {
			return Output{}, fmt.Errorf("%w (%s)", ErrTimeout, lim.Timeout)
		}
		return Output{}, err
	}
	out.Text, out.Truncated = capText(out.Text, lim.MaxTextBytes, out.Truncated)
	return out, nil
}

// capText makes text valid UTF-8 and cuts it at max bytes, at a character
// boundary.
func capText(text string, max int, truncated bool) (string, bool) {
	text = strings.ToValidUTF8(text, "\uFFFD")
	text = strings.ReplaceAll(text, "\x00", "")
	if len(text) <= max {
		return text, truncated
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut], true
}

// HasText reports whether text holds enough to act on: at least four
// letters or digits in words of two or more ("Invoice", "bank tax", not
// "12 ." nor OCR's "ee" on a blank scan). A document without is
// classified by no one.
func HasText(text string) bool {
	n, run := 0, 0
	for _, r := range text + " " {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			run++
			continue
		}
		if run >= 2 {
			if n += run; n >= 4 {
				return true
			}
		}
		run = 0
	}
	return false
}
