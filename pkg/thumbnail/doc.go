// Package thumbnail makes the small picture of a document's first page
// that the web app shows in its grid: a JPEG at most MaxSide pixels on its
// long side, aiming at MaxBytes or less.
//
// PDFs are rendered by pdftoppm (poppler-utils), under prlimit's memory
// and CPU limits when prlimit is installed; PNG and JPEG images are decoded
// and scaled in Go, refusing those over MaxPixels by their header before
// any pixel is decoded; a JPEG is turned upright by its EXIF Orientation
// (pkg/orientation) first, as phones store portrait shots sideways. Other types have no thumbnail (ErrUnsupported): the
// web app shows an icon of their type. Nothing here is a reason to fail a
// document: the worker turns every error into a note.
package thumbnail
