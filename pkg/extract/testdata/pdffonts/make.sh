#!/usr/bin/env bash
# Regenerates the fixtures of pkg/extract's font tests (pdf_fonts_test.go):
# PDFs whose simple fonts have no ToUnicode map and no /Encoding, so that
# their text is reachable only through the embedded font program, as some
# producers write them. Each is made by Ghostscript's ps2pdf from a
# PostScript page that re-encodes a font to glyph names of the Adobe Glyph
# List, then /ToUnicode and /Encoding are blanked out of the font
# dictionaries (qpdf --qdf, perl, qpdf). Tests use only the committed files
# and compare their text with the source lines below. Needs (Debian 12):
# ghostscript, fonts-urw-base35, fonts-lmodern, fonts-thai-tlwg-ttf
# (Garuda), texlive-base (the Adobe Glyph List, glyphlist.txt), qpdf, perl,
# python3.
#
#   bash pkg/extract/testdata/pdffonts/make.sh
#
#   type1c-builtin.pdf  Russian, Polish, Czech and German in
#                       NimbusSans-Regular and Vietnamese in LMRoman10-Regular
#                       (latin-cyr.txt): Type 1C (FontFile3) fonts with only
#                       the CFF program's own encoding and charset
#   type1-builtin.pdf   the NimbusSans lines (the first four) at PDF 1.1
#                       (-dCompatibilityLevel=1.1), which has no FontFile3: a
#                       Type 1 (FontFile) font with only the /Encoding array
#                       of the program's clear text
#   truetype-thai.pdf   Thai in Garuda (TIS-620 codes): a symbolic TrueType
#                       font (FontFile2) with only its cmap (1,0)/(3,0) and
#                       post glyph names; pdftotext 22.12 reads it as Latin-1
set -euo pipefail
OUT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

cat > lines.txt <<'TXT'
Ежемесячный отчёт о техническом обслуживании
В марте были проверены все кондиционеры на северном складе.
Серьёзных неисправностей не обнаружено, фильтры заменены в трёх устройствах.
Zażółć gęślą jaźń; Příliš žluťoučký kůň úpěl ďábelské ódy; Größe, Übermaß.
Báo cáo bảo trì hàng tháng của kho phía bắc
Đội bảo trì đã kiểm tra tất cả máy điều hòa; không phát hiện hư hỏng lớn nào.
TXT
cat > thai.txt <<'TXT'
รายงานการบำรุงรักษาประจำเดือน
ในเดือนมีนาคม ทีมงานได้ตรวจสอบเครื่องปรับอากาศทั้งหมด
ไม่พบข้อบกพร่องที่สำคัญ และได้เปลี่ยนแผ่นกรองในเครื่องสามเครื่อง
TXT

# The glyph names of the two fonts, to pick among the AGL's names for a
# character (zdot or zdotaccent) the one the font has.
for font in NimbusSans-Regular LMRoman10-Regular; do
	echo "/$font findfont /CharStrings get { pop == } forall" > names.ps
	gs -q -dSAFER -dNODISPLAY -dBATCH -dNOPAUSE names.ps > "$font.names"
done

python3 - <<'PY'
agl = {}
for line in open("/usr/share/texlive/texmf-dist/fonts/map/glyphlist/glyphlist.txt"):
    if not line.startswith("#"):
        name, hexes = line.strip().split(";")
        if " " not in hexes:
            agl.setdefault(int(hexes, 16), []).append(name)

def namer(font):
    have = {l.strip().lstrip("/") for l in open(font + ".names")}
    return lambda ch: next((n for n in agl[ord(ch)] if n in have), agl[ord(ch)][0])

def reencode(base, new, text, names):
    """PostScript that defines font new as base with codes 128.. given to
    the non-ASCII characters of text, by glyph name; returns it and the
    function that encodes a line."""
    codes, ps = {}, []
    ps.append("/%s findfont dup length dict begin { 1 index /FID ne {def} {pop pop} ifelse } forall" % base)
    ps.append("/Encoding StandardEncoding 256 array copy def")
    for ch in sorted(set(text)):
        if ord(ch) < 128:
            continue
        codes[ch] = 128 + len(codes)
        ps.append("Encoding %d /%s put" % (codes[ch], names(ch)))
    ps.append("currentdict end /%s exch definefont pop" % new)
    def enc(line):
        out = ""
        for ch in line:
            c = codes.get(ch, ord(ch))
            out += chr(c) if c < 128 and ch not in "()\\" else "\\%03o" % c
        return out
    return ps, enc

lines = open("lines.txt").read().splitlines()
sans, vi = lines[:4], lines[4:]
p1, enc_sans = reencode("NimbusSans-Regular", "CyrSans", "".join(sans), namer("NimbusSans-Regular"))
p2, enc_vi = reencode("LMRoman10-Regular", "ViRoman", "".join(vi), namer("LMRoman10-Regular"))
def page(fonts):
    ps, y = ["%!PS"], 760
    for defs, font, enc, group in fonts:
        ps += defs
        ps.append("/%s findfont 11 scalefont setfont" % font)
        for l in group:
            ps.append("50 %d moveto (%s) show" % (y, enc(l)))
            y -= 18
    return "\n".join(ps + ["showpage"]) + "\n"
open("latin-cyr.ps", "w").write(page([(p1, "CyrSans", enc_sans, sans), (p2, "ViRoman", enc_vi, vi)]))
# Ghostscript writes LMRoman10 (OpenType, found by fontconfig) as Type 3 at
# PDF 1.1, so the Type 1 page has only the NimbusSans lines.
open("sans.ps", "w").write(page([(p1, "CyrSans", enc_sans, sans)]))

th = open("thai.txt").read().splitlines()
ps = ["%!PS", "/Garuda findfont dup length dict begin { 1 index /FID ne {def} {pop pop} ifelse } forall",
      "/Encoding StandardEncoding 256 array copy def"]
ps += ["Encoding %d /uni%04X put" % (c, c - 0xA0 + 0x0E00) for c in range(0xA1, 0xFC)]
ps.append("currentdict end /ThaiGaruda exch definefont pop /ThaiGaruda findfont 14 scalefont setfont")
for i, l in enumerate(th):
    s = "".join(chr(b) if b < 0x80 and chr(b) not in "()\\" else "\\%03o" % b for b in l.encode("tis-620"))
    ps.append("50 %d moveto (%s) show" % (760 - 22 * i, s))
ps.append("showpage")
open("thai.ps", "w").write("\n".join(ps) + "\n")
PY

# blank removes /ToUnicode and /Encoding from the font dictionaries of $1
# into $2.
blank() {
	qpdf --qdf --object-streams=disable "$1" qdf.pdf
	perl -pe 's{/(ToUnicode|Encoding) \d+ 0 R}{" " x length($&)}ge' qdf.pdf > blanked.pdf
	qpdf blanked.pdf --object-streams=generate --compress-streams=y "$2"
}
gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -sOutputFile=t1c.pdf latin-cyr.ps
blank t1c.pdf "$OUT/type1c-builtin.pdf"
gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -dCompatibilityLevel=1.1 -sOutputFile=t1.pdf sans.ps
blank t1.pdf "$OUT/type1-builtin.pdf"
gs -q -dSAFER -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -sOutputFile=tt.pdf thai.ps
blank tt.pdf "$OUT/truetype-thai.pdf"
cp lines.txt "$OUT/latin-cyr.txt"
cp thai.txt "$OUT/thai.txt"
ls -l "$OUT"
