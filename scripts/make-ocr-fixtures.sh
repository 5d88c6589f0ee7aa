#!/usr/bin/env bash
# Makes pkg/ocr/testdata/scan.pdf: three pages of a real manual (page 5 of
# pkg/extract/testdata/pdf/libtasn1.pdf) as a scanner or a phone scan app
# would save them: image-only, 150 dpi grey JPEG; the first upright, the
# second turned 90° clockwise, the third skewed by 2.5° with noise. And
# pkg/ocr/testdata/mixed.pdf: a born-digital page, then the scanned one.
# And pkg/ocr/testdata/blank.pdf: a scan of a blank A4 page.
# Needs (Debian 12): poppler-utils, imagemagick, img2pdf, qpdf.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
src=pkg/extract/testdata/pdf/libtasn1.pdf
out=pkg/ocr/testdata
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
convert=/usr/bin/convert # Debian's ImageMagick, not a stand-in on PATH
pdftoppm -r 150 -gray -f 5 -l 5 -singlefile -png "$src" "$tmp/page"
"$convert" "$tmp/page.png" -quality 60 "$tmp/1.jpg"
"$convert" "$tmp/page.png" -rotate 90 -quality 60 "$tmp/2.jpg"
"$convert" "$tmp/page.png" -background white -rotate -2.5 -seed 7 -attenuate 0.3 +noise Gaussian \
  -colorspace Gray -quality 60 "$tmp/3.jpg"
img2pdf --pagesize A4 "$tmp/1.jpg" "$tmp/2.jpg" "$tmp/3.jpg" -o "$out/scan.pdf"
qpdf --empty --pages "$src" 5 "$out/scan.pdf" 1 -- "$out/mixed.pdf"
"$convert" -size 1240x1754 xc:white -colorspace Gray -quality 60 "$tmp/blank.jpg"
img2pdf --pagesize A4 "$tmp/blank.jpg" -o "$out/blank.pdf"
ls -l "$out"
