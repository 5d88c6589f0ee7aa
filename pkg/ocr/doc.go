// Package ocr reads the text of page images: scanned PDF pages and
// photographed or scanned images. Each page is rendered (poppler's
// pdftoppm) at its images' native resolution, turned upright (a JPEG by
// its EXIF Orientation first, then tesseract's orientation detection),
// straightened (a projection-profile deskew, here in Go) and read by
// tesseract, which also gives a confidence per word.
//
// External programs run under a memory and CPU limit (prlimit), one
// tesseract thread each, and at most Options.Parallel at once across all
// the documents an Engine reads, so the worker's concurrency also bounds
// its OCR. A missing program is ErrUnavailable, which callers turn into a
// note rather than a failure.
package ocr
