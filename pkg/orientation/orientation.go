package orientation

import (
	"bufio"
	"encoding/binary"
	"image"
	"image/color"
	"io"
)

// Orientation is the value of the EXIF Orientation tag (0x0112): how the
// stored pixels must be turned or flipped to be shown upright. Its
// values, as in the EXIF/TIFF specification, name where the stored
// image's first row and first column are to be shown.
type Orientation int

// The eight orientations.
const (
	Normal         Orientation = 1 // row 0 top, column 0 left: as stored
	FlipH          Orientation = 2 // row 0 top, column 0 right: mirrored left-right
	Rotate180      Orientation = 3 // row 0 bottom, column 0 right
	FlipV          Orientation = 4 // row 0 bottom, column 0 left: mirrored top-bottom
	Transpose      Orientation = 5 // row 0 left, column 0 top
	Rotate90       Orientation = 6 // row 0 right, column 0 top: turn 90° clockwise to show
	Transverse     Orientation = 7 // row 0 right, column 0 bottom
	Rotate270      Orientation = 8 // row 0 left, column 0 bottom: turn 90° counter-clockwise to show
	maxOrientation             = Rotate270
)

// Limits of what Read looks at: a JPEG's EXIF is in an APP1 segment near
// its start, before the image data.
const (
	maxSegments = 64      // marker segments looked at before giving up
	maxScan     = 1 << 20 // bytes read before giving up
)

// Read returns the EXIF orientation of the JPEG read from r, or Normal
// when r is not a JPEG, has no EXIF orientation, or its EXIF is
// malformed. It reads at most the marker segments before the image data
// (and at most maxScan bytes); r is left somewhere in between.
func Read(r io.Reader) Orientation {
	br := bufio.NewReader(io.LimitReader(r, maxScan))
	var soi [2]byte
	if _, err := io.ReadFull(br, soi[:]); err != nil || soi != [2]byte{0xff, 0xd8} {
		return Normal
	}
	for range maxSegments {
		// A marker: 0xff (any fill bytes of 0xff), then its code.
		c, err := br.ReadByte()
		if err != nil || c != 0xff {
			return Normal
		}
		for c == 0xff {
			if c, err = br.ReadByte(); err != nil {
				return Normal
			}
		}
		switch {
		case c == 0xda || c == 0xd9: // start of scan, end of image: no EXIF before them
			return Normal
		case c == 0x01 || (c >= 0xd0 && c <= 0xd7): // no length
			continue
		}
		var lb [2]byte
		if _, err := io.ReadFull(br, lb[:]); err != nil {
			return Normal
		}
		n := int(binary.BigEndian.Uint16(lb[:])) - 2
		if n < 0 {
			return Normal
		}
		if c != 0xe1 { // not APP1
			if _, err := br.Discard(n); err != nil {
				return Normal
			}
			continue
		}
		seg := make([]byte, n)
		if _, err := io.ReadFull(br, seg); err != nil {
			return Normal
		}
		if len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			return fromTIFF(seg[6:])
		}
		// Another APP1 (XMP): the EXIF one may follow.
	}
	return Normal
}

// fromTIFF returns the Orientation in the first IFD of the TIFF structure
// t (an EXIF block after its "Exif\0\0"), Normal when there is none or t
// is malformed.
func fromTIFF(t []byte) Orientation {
	if len(t) < 8 {
		return Normal
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return Normal
	}
	if bo.Uint16(t[2:]) != 42 {
		return Normal
	}
	ifd := uint64(bo.Uint32(t[4:]))
	if ifd+2 > uint64(len(t)) {
		return Normal
	}
	count := uint64(bo.Uint16(t[ifd:]))
	entries := ifd + 2
	for i := range count {
		e := entries + 12*i
		if e+12 > uint64(len(t)) {
			return Normal
		}
		// An entry: tag, type, count (4), value or offset (4).
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		typ, n := bo.Uint16(t[e+2:]), bo.Uint32(t[e+4:])
		if typ != 3 || n < 1 { // SHORT, in the entry itself
			return Normal
		}
		o := Orientation(bo.Uint16(t[e+8:]))
		if o < Normal || o > maxOrientation {
			return Normal
		}
		return o
	}
	return Normal
}

// Swaps reports whether showing an image in orientation o swaps its width
// and height (the orientations turned by 90°).
func (o Orientation) Swaps() bool { return o >= Transpose && o <= Rotate270 }

// Upright returns img as it is to be shown in orientation o: turned and
// flipped so that the stored pixels stand upright. It copies nothing: the
// result reads img's pixels through the turn, its bounds starting at
// (0, 0). For Normal (or a value outside 1–8) it returns img itself.
func Upright(img image.Image, o Orientation) image.Image {
	if o <= Normal || o > maxOrientation {
		return img
	}
	return &turned{src: img, o: o}
}

// turned is an image shown in an orientation.
type turned struct {
	src image.Image
	o   Orientation
}

func (t *turned) ColorModel() color.Model { return t.src.ColorModel() }

func (t *turned) Bounds() image.Rectangle {
	b := t.src.Bounds()
	if t.o.Swaps() {
		return image.Rect(0, 0, b.Dy(), b.Dx())
	}
	return image.Rect(0, 0, b.Dx(), b.Dy())
}

// At returns the colour shown at (x, y): that of the stored pixel that
// lands there.
func (t *turned) At(x, y int) color.Color {
	b := t.src.Bounds()
	w, h := b.Dx(), b.Dy()
	var sx, sy int
	switch t.o {
	case FlipH:
		sx, sy = w-1-x, y
	case Rotate180:
		sx, sy = w-1-x, h-1-y
	case FlipV:
		sx, sy = x, h-1-y
	case Transpose:
		sx, sy = y, x
	case Rotate90:
		sx, sy = y, h-1-x
	case Transverse:
		sx, sy = w-1-y, h-1-x
	case Rotate270:
		sx, sy = w-1-y, x
	default:
		sx, sy = x, y
	}
	return t.src.At(b.Min.X+sx, b.Min.Y+sy)
}
