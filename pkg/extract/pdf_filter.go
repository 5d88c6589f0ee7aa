package extract

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/ascii85"
	"errors"
	"fmt"
	"io"
)

// This file decodes PDF stream data: the filters that text-bearing streams
// use (Flate, LZW, ASCIIHex, ASCII85, RunLength) and the PNG/TIFF
// predictors. Image-only filters (DCT, JPX, JBIG2, CCITT) are refused: text
// extraction never needs them.

// errPDFBudget is returned when the document's streams decode to more bytes
// than its budget: a decompression bomb, or a document too large to read.
var errPDFBudget = errors.New("its streams expand beyond the extraction limits")

// pdfDecoder decodes streams within a byte budget and reuses its zlib
// reader across streams.
type pdfDecoder struct {
	budget int64
	zr     io.ReadCloser
	br     bytes.Reader
}

// decode returns the decoded data of s, at most limit bytes (and within the
// document's budget).
func (dec *pdfDecoder) decode(d *pdfDoc, s *pdfStream, limit int64) ([]byte, error) {
	var filters []pdfName
	var params []pdfDict
	switch f := d.resolve(s.dict["Filter"]).(type) {
	case pdfName:
		filters = []pdfName{f}
		params = []pdfDict{d.dictOf(s.dict["DecodeParms"])}
	case pdfArray:
		ps := d.arrayOf(s.dict["DecodeParms"])
		for i, v := range f {
			n, _ := d.resolve(v).(pdfName)
			filters = append(filters, n)
			var p pdfDict
			if i < len(ps) {
				p = d.dictOf(ps[i])
			}
			params = append(params, p)
		}
	}
	data := s.raw
	for i, f := range filters {
		lim := min(limit, dec.budget)
		var err error
		switch f {
		case "FlateDecode", "Fl":
			data, err = dec.flate(data, lim)
		case "LZWDecode", "LZW":
			early := 1
			if v, ok := pdfInt(params[i]["EarlyChange"]); ok {
				early = v
			}
			data, err = pdfLzwDecode(data, early, lim)
		case "ASCIIHexDecode", "AHx":
			data = pdfAsciiHexDecode(data)
		case "ASCII85Decode", "A85":
			data, err = pdfAscii85Decode(data)
		case "RunLengthDecode", "RL":
			data, err = pdfRunLengthDecode(data, lim)
		case "Crypt":
		default:
			return nil, fmt.Errorf("unsupported stream filter %s", f)
		}
		if err != nil {
			return nil, err
		}
		if int64(len(data)) > lim {
			return nil, errPDFBudget
		}
		if f == "FlateDecode" || f == "Fl" || f == "LZWDecode" || f == "LZW" {
			data = pdfUnpredict(data, params[i])
		}
		dec.budget -= int64(len(data))
	}
	return data, nil
}

func (dec *pdfDecoder) flate(in []byte, limit int64) ([]byte, error) {
	dec.br.Reset(in)
	var r io.Reader
	var err error
	if dec.zr == nil {
		var zr io.ReadCloser
		if zr, err = zlib.NewReader(&dec.br); err == nil {
			dec.zr = zr
		}
	} else {
		err = dec.zr.(zlib.Resetter).Reset(&dec.br, nil)
	}
	if err == nil {
		r = dec.zr
	} else {
		// A damaged zlib header: try the raw deflate data after it.
		r = flate.NewReader(bytes.NewReader(in[min(2, len(in)):]))
	}
	out := make([]byte, 0, min(int64(len(in))*4+1024, limit+1))
	for {
		if len(out) == cap(out) {
			out = append(out, 0)[:len(out)]
		}
		n, err := r.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if int64(len(out)) > limit {
			return nil, errPDFBudget
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			// Keep what decoded before the damage, as other readers do.
			if len(out) > 0 {
				break
			}
			return nil, fmt.Errorf("damaged compressed stream: %w", err)
		}
	}
	return out, nil
}

// pdfLzwDecode decodes PDF's LZW (8-bit, MSB-first codes of 9 to 12 bits).
func pdfLzwDecode(in []byte, early int, limit int64) ([]byte, error) {
	if early != 0 {
		early = 1
	}
	type entry struct{ start, n int }
	var table [4096]entry
	out := make([]byte, 0, len(in)*3)
	next, width := 258, 9
	prevStart, prevLen := 0, -1
	var bits uint32
	nbits := 0
	for i := 0; ; {
		for nbits < width && i < len(in) {
			bits = bits<<8 | uint32(in[i])
			nbits += 8
			i++
		}
		if nbits < width {
			break
		}
		code := int(bits>>(nbits-width)) & (1<<width - 1)
		nbits -= width
		if code == 256 {
			next, width, prevLen = 258, 9, -1
			continue
		}
		if code == 257 {
			break
		}
		start := len(out)
		switch {
		case code < 256:
			out = append(out, byte(code))
		case code < next && table[code].n > 0:
			e := table[code]
			out = append(out, out[e.start:e.start+e.n]...)
		case code == next && prevLen > 0:
			out = append(out, out[prevStart:prevStart+prevLen]...)
			out = append(out, out[prevStart])
		default:
			return out, nil // a bad code ends the data
		}
		if prevLen > 0 && next < 4096 {
			table[next] = entry{prevStart, prevLen + 1}
			next++
		}
		prevStart, prevLen = start, len(out)-start
		if next+early >= 1<<width && width < 12 {
			width++
		}
		if int64(len(out)) > limit {
			return nil, errPDFBudget
		}
	}
	return out, nil
}

func pdfAsciiHexDecode(in []byte) []byte {
	out := make([]byte, 0, len(in)/2)
	var hi byte
	half := false
	for _, c := range in {
		if c == '>' {
			break
		}
		if !pdfIsHex(c) {
			continue
		}
		if half {
			out = append(out, hi<<4|pdfUnhex(c))
		} else {
			hi = pdfUnhex(c)
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4)
	}
	return out
}

func pdfAscii85Decode(in []byte) ([]byte, error) {
	in = bytes.TrimSpace(in)
	in = bytes.TrimPrefix(in, []byte("<~"))
	if i := bytes.Index(in, []byte("~>")); i >= 0 {
		in = in[:i]
	}
	out := make([]byte, 4*len(in)/5+8)
	n, _, err := ascii85.Decode(out, in, true)
	if err != nil {
		return nil, fmt.Errorf("damaged ASCII85 stream: %w", err)
	}
	return out[:n], nil
}

func pdfRunLengthDecode(in []byte, limit int64) ([]byte, error) {
	out := make([]byte, 0, len(in)*2)
	for i := 0; i < len(in); {
		n := int(in[i])
		i++
		switch {
		case n == 128:
			return out, nil
		case n < 128:
			end := min(i+n+1, len(in))
			out = append(out, in[i:end]...)
			i = end
		default:
			if i >= len(in) {
				return out, nil
			}
			for k := 0; k < 257-n; k++ {
				out = append(out, in[i])
			}
			i++
		}
		if int64(len(out)) > limit {
			return nil, errPDFBudget
		}
	}
	return out, nil
}

// pdfUnpredict undoes a PNG (10–15) or TIFF (2) predictor in place where it
// can; data with an unknown or inconsistent predictor is returned as is.
func pdfUnpredict(data []byte, p pdfDict) []byte {
	pred, _ := pdfInt(p["Predictor"])
	if pred < 2 {
		return data
	}
	colors, bpc, cols := 1, 8, 1
	if v, ok := pdfInt(p["Colors"]); ok && v > 0 && v <= 32 {
		colors = v
	}
	if v, ok := pdfInt(p["BitsPerComponent"]); ok && v > 0 && v <= 16 {
		bpc = v
	}
	if v, ok := pdfInt(p["Columns"]); ok && v > 0 && v <= 1<<20 {
		cols = v
	}
	bpp := max(1, (colors*bpc+7)/8)
	rowLen := (colors*bpc*cols + 7) / 8
	if rowLen > len(data) {
		return data
	}
	if pred == 2 {
		if bpc != 8 {
			return data
		}
		for r := 0; r+rowLen <= len(data); r += rowLen {
			row := data[r : r+rowLen]
			for i := bpp; i < len(row); i++ {
				row[i] += row[i-bpp]
			}
		}
		return data
	}
	// PNG: each row is a filter-type byte and rowLen bytes; out grows row by
	// row, the previous row being the last rowLen bytes written.
	out := make([]byte, 0, len(data))
	zero := make([]byte, rowLen)
	for r := 0; r < len(data); r += rowLen + 1 {
		ft := data[r]
		src := data[r+1 : min(r+1+rowLen, len(data))]
		prev := zero
		if len(out) >= rowLen {
			prev = out[len(out)-rowLen:]
		}
		start := len(out)
		out = append(out, src...)
		row := out[start:]
		for i := range row {
			var left, upLeft byte
			if i >= bpp {
				left = row[i-bpp]
				upLeft = prev[i-bpp]
			}
			up := prev[i]
			switch ft {
			case 1:
				row[i] += left
			case 2:
				row[i] += up
			case 3:
				row[i] += byte((int(left) + int(up)) / 2)
			case 4:
				row[i] += pdfPaeth(left, up, upLeft)
			}
		}
	}
	return out
}

func pdfPaeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := pdfAbs(p-int(a)), pdfAbs(p-int(b)), pdfAbs(p-int(c))
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}

func pdfAbs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
