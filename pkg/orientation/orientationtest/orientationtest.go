// Package orientationtest makes JPEGs as a phone camera saves them, for
// tests: the pixels stored turned or flipped, with an EXIF Orientation
// tag saying how to show them upright.
package orientationtest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"

	"github.com/docuvault/docuvault/pkg/orientation"
)

// Stored returns the pixels a camera stores for the upright picture up
// when it tags them with orientation o. It follows the specification's
// table of where the stored row 0 and column 0 are shown (not the
// package's own turning code, which it is there to check): for o 5–8 the
// stored rows run along the picture's columns.
func Stored(up image.Image, o orientation.Orientation) *image.RGBA {
	b := up.Bounds()
	W, H := b.Dx(), b.Dy()
	// rowAt, colAt: where the stored row 0 and column 0 are shown.
	var rowAt, colAt string
	switch o {
	case orientation.FlipH:
		rowAt, colAt = "top", "right"
	case orientation.Rotate180:
		rowAt, colAt = "bottom", "right"
	case orientation.FlipV:
		rowAt, colAt = "bottom", "left"
	case orientation.Transpose:
		rowAt, colAt = "left", "top"
	case orientation.Rotate90:
		rowAt, colAt = "right", "top"
	case orientation.Transverse:
		rowAt, colAt = "right", "bottom"
	case orientation.Rotate270:
		rowAt, colAt = "left", "bottom"
	default:
		rowAt, colAt = "top", "left"
	}
	w, h := W, H
	if rowAt == "left" || rowAt == "right" {
		w, h = H, W
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for r := 0; r < h; r++ {
		for c := 0; c < w; c++ {
			// The shown position of stored row r, column c.
			var x, y int
			switch rowAt {
			case "top":
				y = r
			case "bottom":
				y = H - 1 - r
			case "left":
				x = r
			case "right":
				x = W - 1 - r
			}
			switch colAt {
			case "left":
				x = c
			case "right":
				x = W - 1 - c
			case "top":
				y = c
			case "bottom":
				y = H - 1 - c
			}
			out.Set(c, r, up.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}

// JPEG encodes img as a JPEG with an EXIF block (APP1) holding only the
// Orientation o, in Motorola (big-endian) or Intel byte order.
func JPEG(img image.Image, o orientation.Orientation, bigEndian bool) ([]byte, error) {
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, img, &jpeg.Options{Quality: 90}); err != nil {
		return nil, err
	}
	return WithEXIF(enc.Bytes(), EXIF(o, bigEndian)), nil
}

// EXIF is an APP1 segment's content: "Exif\0\0" and a TIFF structure
// whose first IFD holds the one entry Orientation o.
func EXIF(o orientation.Orientation, bigEndian bool) []byte {
	var bo binary.AppendByteOrder = binary.LittleEndian
	t := []byte("Exif\x00\x00II")
	if bigEndian {
		bo, t = binary.BigEndian, []byte("Exif\x00\x00MM")
	}
	t = bo.AppendUint16(t, 42)
	t = bo.AppendUint32(t, 8) // IFD0 right after the header
	t = bo.AppendUint16(t, 1) // one entry
	t = bo.AppendUint16(t, 0x0112)
	t = bo.AppendUint16(t, 3) // SHORT
	t = bo.AppendUint32(t, 1)
	t = bo.AppendUint16(t, uint16(o))
	t = bo.AppendUint16(t, 0)
	t = bo.AppendUint32(t, 0) // no next IFD
	return t
}

// WithEXIF returns the JPEG j with an APP1 segment holding exif inserted
// right after its start-of-image marker, as cameras write it.
func WithEXIF(j, exif []byte) []byte {
	out := append([]byte{}, j[:2]...)
	out = append(out, 0xff, 0xe1)
	out = binary.BigEndian.AppendUint16(out, uint16(len(exif)+2))
	out = append(out, exif...)
	return append(out, j[2:]...)
}
