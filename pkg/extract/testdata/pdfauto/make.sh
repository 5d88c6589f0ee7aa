#!/usr/bin/env bash
# Regenerates the fixtures of pkg/extract's PDFAuto tests (pdf_auto_test.go):
# PDFs on which the pure-Go reader's text trips one of the signals of
# pdf_quality.go, or did before the layout merged accents. Tests use only the
# committed files. Needs (Debian 12): texlive-latex-base, pango1.0-tools,
# fonts-dejavu-core, ghostscript, fonts-urw-base35, qpdf.
#
#   bash pkg/extract/testdata/pdfauto/make.sh
#
#   tex-accents.pdf   pdflatex, OT1 fonts: \"u, \'e, \v{c} … drawn as a spacing
#                     accent and then, backing up, the letter [pdfTeX 1.40]
#   rtl-cairo.pdf     pango-view of Arabic and Hebrew lines, DejaVu Sans
#                     [cairo 1.16: CID TrueType, glyphs in visual order]
#   cyr-type1c.pdf    Ghostscript's ps2pdf of Russian in NimbusSans re-encoded
#                     to CP1251 glyph names, then /Encoding and /ToUnicode
#                     blanked out of the font dictionary (a Type 1C font with
#                     only its built-in encoding, as some producers write).
#                     poppler reads the built-in encoding (Ghostscript's
#                     subset puts it one code off, so its Cyrillic is not
#                     right either); the Go reader falls back to Latin-1.
#   owner-only.pdf    testdata/pdf/groff-ms.pdf encrypted by qpdf, AES-256, with
#                     an owner password and an empty user password (opens
#                     without a password; the Go reader does not decrypt)
set -euo pipefail
OUT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

cat > accents.tex <<'EOF'
\documentclass[11pt]{article}
\begin{document}
\section*{Pr\"ufbericht f\"ur die K\"altemaschine}
Die Pr\"ufung der K\"altemaschine ergab keine M\"angel. Der Pr\"ufer \"uberpr\"ufte
die Dichtungen, die \"Olst\"ande und die L\"ufter; gr\"o\ss ere Sch\"aden wurden nicht
gefunden. Die n\"achste Pr\"ufung ist f\"ur M\"arz geplant.

Le r\'esum\'e de l'\'et\'e: la soci\'et\'e a r\'epar\'e deux fen\^etres, le ch\^ateau
et la fa\c{c}ade; le pr\'esident \'etait tr\`es satisfait. \`A bient\^ot, na\"\i ve
co\"\i ncidence.

\v{C}esk\'y text: P\v{r}\'\i li\v{s} \v{z}lu\v{t}ou\v{c}k\'y k\r{u}\v{n} \'upl\v{e}l \v{d}\'abelsk\'e \'ody.
Magyar: \H{o}r \"ot \H{u}z. Portugu\^es: n\~ao, a\c{c}\~ao, informa\c{c}\~oes.
\end{document}
EOF
pdflatex -interaction=nonstopmode accents.tex > /dev/null
cp accents.pdf "$OUT/tex-accents.pdf"

cat > rtl.txt <<'EOF'
تقرير الصيانة الشهري
تم فحص جميع أجهزة التكييف في المستودع الشمالي خلال شهر مارس.
لم يتم العثور على أي أعطال كبيرة، وتم تغيير المرشحات في ثلاثة أجهزة.
הדוח החודשי של מחלקת התחזוקה
כל מערכות המיזוג במחסן הצפוני נבדקו במהלך חודש מרץ.
לא נמצאו תקלות משמעותיות, והמסננים הוחלפו בשלושה מכשירים.
EOF
pango-view --no-display --font="DejaVu Sans 12" --output=rtl.pdf rtl.txt
cp rtl.pdf "$OUT/rtl-cairo.pdf"

python3 - <<'EOF'
names = {}
for i in range(32):
    names[0xC0 + i] = "afii%d" % (10017 + i)  # А…Я
    names[0xE0 + i] = "afii%d" % (10065 + i)  # а…я
lines = [
    "Ежемесячный отчет о техническом обслуживании",
    "В марте были проверены все кондиционеры на северном складе.",
    "Серьезных неисправностей не обнаружено, фильтры заменены в трех",
    "устройствах. Следующая проверка назначена на апрель, после замены",
    "кровельной изоляции над холодильной камерой и обновления программы",
    "управления зданием. Бюджет квартала не превышен.",
]
def ps_string(s):
    return "".join(chr(b) if b < 0x80 and chr(b) not in "()\\" else "\\%03o" % b for b in s.encode("cp1251"))
ps = ["%!PS",
      "/NimbusSans-Regular findfont dup length dict begin { 1 index /FID ne {def} {pop pop} ifelse } forall",
      "/Encoding StandardEncoding 256 array copy def"]
ps += ["Encoding %d /%s put" % kv for kv in names.items()]
ps.append("currentdict end /CyrSans exch definefont pop /CyrSans findfont 12 scalefont setfont")
for i, l in enumerate(lines):
    ps.append("50 %d moveto (%s) show" % (760 - 18 * i, ps_string(l)))
ps.append("showpage")
open("cyr.ps", "w").write("\n".join(ps) + "\n")
EOF
ps2pdf cyr.ps cyr.pdf
qpdf --qdf --object-streams=disable cyr.pdf cyr-qdf.pdf
perl -pe 's{/(ToUnicode|Encoding) \d+ 0 R}{" " x length($&)}ge' cyr-qdf.pdf > cyr-blanked.pdf
qpdf cyr-blanked.pdf --object-streams=generate --compress-streams=y "$OUT/cyr-type1c.pdf"
qpdf --encrypt "" owner 256 -- "$OUT/../pdf/groff-ms.pdf" "$OUT/owner-only.pdf"
ls -l "$OUT"
