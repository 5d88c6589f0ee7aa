// Package orientation reads the EXIF Orientation tag of a JPEG (how every
// phone camera marks a portrait or upside-down shot: the pixels are stored
// as the sensor saw them, the tag says how to show them) and turns a
// decoded image upright by it. Go's image/jpeg ignores the tag, so without
// this a phone photo of a page is shown and read sideways.
//
// The reader is for untrusted files: it reads at most the segments before
// the image data, bounds every offset, and treats anything malformed as
// "no orientation" (Normal) rather than an error, since a broken EXIF
// block must never fail a thumbnail or OCR.
package orientation
