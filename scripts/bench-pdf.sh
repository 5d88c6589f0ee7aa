#!/usr/bin/env bash
# PDF text benchmark (issue 18): the extractor's `auto` (pure-Go reader
# first, pdftotext where its text looks bad) against pdftotext, on a corpus
# of real PDFs.
#
#   bash scripts/bench-pdf.sh [-runs N]     (default 3 runs per file and tool)
#
# The corpus is built once and cached in ~/.cache/docuvault/pdf-corpus (not
# committed): PDFs shipped in Debian packages (apt-get download, then
# dpkg-deb -x), made by pdfTeX, xdvipdfmx, gropdf, Ghostscript, ReportLab,
# htmldoc and others, in Latin, Cyrillic, Greek, CJK, Hangul and Devanagari
# scripts, plus PDFs made here with pango-view (cairo: Arabic, Hebrew, Thai,
# Devanagari, Chinese, Greek, Russian), groff/ps2pdf, groff -Tpdf, pdflatex
# and mutool. Needs (Debian 12): poppler-utils, ghostscript, groff,
# texlive-latex-base, pango1.0-tools, fonts-noto-core, fonts-wqy-microhei,
# mupdf-tools, python3, Go.
#
# Per file it measures the word-bag F1 of auto's text against pdftotext's
# (NFKC-normalised, lower-cased, split on anything but letters and digits,
# compared as multisets, as in pkg/extract/pdf_f1_test.go) and the CPU time (user+sys
# of the driver and of pdftotext, median of the runs) of auto and of the
# pdftotext path, both run through scripts/benchpdf, which calls
# extract.New(extract.Options{PDF: mode}).Extract.
set -euo pipefail

RUNS=3
while [ $# -gt 0 ]; do
	case $1 in
	-runs) RUNS=$2; shift 2 ;;
	*) echo "usage: $0 [-runs N]" >&2; exit 64 ;;
	esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CORPUS=${DOCUVAULT_PDF_CORPUS:-$HOME/.cache/docuvault/pdf-corpus}
FILES=$CORPUS/files

PACKAGES=(debian-refcard maint-guide-ja maint-guide-zh-cn maint-guide-ru maint-guide-fr maint-guide-it
	developers-reference debian-faq asymptote-doc groff python-reportlab-doc xfig-doc libtasn1-doc
	shared-mime-info debian-reference-ja debian-reference-zh-cn)

build_corpus() {
	local work=$CORPUS/build
	rm -rf "$work" "$FILES.tmp"
	mkdir -p "$work/debs" "$work/x" "$FILES.tmp"
	(cd "$work/debs" && apt-get download "${PACKAGES[@]}" > /dev/null)
	for deb in "$work"/debs/*.deb; do
		dpkg-deb -x "$deb" "$work/x"
	done
	# Each shipped PDF once, named after its package's folder and file.
	find "$work/x" \( -name '*.pdf' -o -name '*.pdf.gz' \) -type f | sort | while read -r f; do
		name=$(basename "$(dirname "$f")")-$(basename "$f" .gz)
		case $f in
		*.gz) zcat "$f" > "$FILES.tmp/$name" ;;
		*) cp "$f" "$FILES.tmp/$name" ;;
		esac
	done
	make_pdfs "$work/made"
	rm -rf "$FILES"
	mv "$FILES.tmp" "$FILES"
	rm -rf "$work"
}

# make_pdfs makes PDFs with the producers installed here, into $FILES.tmp.
make_pdfs() {
	local dir=$1
	mkdir -p "$dir"
	cd "$dir"
	# pango-view (cairo): one page per script.
	printf '%s\n' \
		"تقرير الصيانة الشهري للمستودع الشمالي" \
		"تم فحص جميع أجهزة التكييف في المستودع الشمالي خلال شهر مارس، ولم يتم العثور على أي أعطال كبيرة." \
		"تم تغيير المرشحات في ثلاثة أجهزة، وسيتم الفحص القادم في شهر أبريل بعد استبدال العزل." > arabic.txt
	printf '%s\n' \
		"הדוח החודשי של מחלקת התחזוקה" \
		"כל מערכות המיזוג במחסן הצפוני נבדקו במהלך חודש מרץ, ולא נמצאו תקלות משמעותיות." \
		"המסננים הוחלפו בשלושה מכשירים, והבדיקה הבאה תתקיים בחודש אפריל." > hebrew.txt
	printf '%s\n' \
		"รายงานการบำรุงรักษาประจำเดือน" \
		"ในเดือนมีนาคม ทีมงานได้ตรวจสอบเครื่องปรับอากาศทั้งหมดในคลังสินค้าทางเหนือ" \
		"ไม่พบข้อบกพร่องที่สำคัญ และได้เปลี่ยนแผ่นกรองในเครื่องสามเครื่อง" > thai.txt
	printf '%s\n' \
		"मासिक रखरखाव रिपोर्ट" \
		"मार्च के महीने में उत्तरी गोदाम के सभी एयर कंडीशनरों की जांच की गई।" \
		"कोई बड़ी खराबी नहीं मिली, और तीन उपकरणों में फिल्टर बदले गए।" > hindi.txt
	printf '%s\n' \
		"北部仓库季度维护报告" \
		"第一季度维修团队完成了四十二次计划检查和十一次计划外维修。" \
		"制冷设备在二月十四日发生一次故障，六小时内恢复，没有货物损失。" > chinese.txt
	printf '%s\n' \
		"Μηνιαία αναφορά συντήρησης" \
		"Τον Μάρτιο ελέγχθηκαν όλα τα κλιματιστικά της βόρειας αποθήκης." \
		"Δεν βρέθηκαν σοβαρές βλάβες και τα φίλτρα αντικαταστάθηκαν σε τρεις συσκευές." > greek.txt
	printf '%s\n' \
		"Ежемесячный отчет о техническом обслуживании" \
		"В марте были проверены все кондиционеры на северном складе." \
		"Серьезных неисправностей не обнаружено, фильтры заменены в трех устройствах." > russian.txt
	printf '%s\n' \
		"Báo cáo bảo trì hàng tháng" \
		"Trong tháng ba, đội bảo trì đã kiểm tra tất cả máy điều hòa ở kho phía bắc." \
		"Không phát hiện hư hỏng lớn nào, bộ lọc đã được thay ở ba thiết bị." > vietnamese.txt
	local font
	for lang in arabic hebrew thai hindi chinese greek russian vietnamese; do
		case $lang in
		chinese) font="WenQuanYi Micro Hei 12" ;;
		*) font="Noto Sans 12" ;;
		esac
		pango-view --no-display --font="$font" --output="$FILES.tmp/made-cairo-$lang.pdf" "$lang.txt"
	done
	# groff: ms macros to PostScript and Ghostscript, and gropdf.
	cat > doc.ms <<'EOF'
.TL
Records Retention Policy
.AU
DocuVault Compliance Office
.NH
Scope
.PP
The policy applies to every record created or received by the company,
whatever its medium: paper, scanned images, electronic documents and
electronic mail. Records held by contractors on the company's behalf are
included. Personal notes that are not shared with anyone else are not records.
.NH
Destruction
.PP
When a retention period ends, the record owner reviews the record and
either destroys it or extends its retention with a written reason.
Destruction must be irreversible: paper is shredded, electronic copies
are deleted from every system, including backups when they rotate.
EOF
	groff -ms -Tps doc.ms > doc.ps
	ps2pdf doc.ps "$FILES.tmp/made-groff-ps2pdf.pdf"
	groff -ms -Tpdf doc.ms > "$FILES.tmp/made-gropdf.pdf"
	# pdflatex: OT1 accents (German, French, Czech).
	cat > accents.tex <<'EOF'
\documentclass[11pt]{article}
\begin{document}
\section*{Pr\"ufbericht f\"ur die K\"altemaschine}
Die Pr\"ufung der K\"altemaschine ergab keine M\"angel. Der Pr\"ufer \"uberpr\"ufte
die Dichtungen, die \"Olst\"ande und die L\"ufter; gr\"o\ss ere Sch\"aden wurden nicht
gefunden. Die n\"achste Pr\"ufung ist f\"ur M\"arz geplant.

Le r\'esum\'e de l'\'et\'e: la soci\'et\'e a r\'epar\'e deux fen\^etres, le ch\^ateau
et la fa\c{c}ade; le pr\'esident \'etait tr\`es satisfait.

\v{C}esk\'y text: P\v{r}\'\i li\v{s} \v{z}lu\v{t}ou\v{c}k\'y k\r{u}\v{n} \'upl\v{e}l \v{d}\'abelsk\'e \'ody.
\end{document}
EOF
	pdflatex -interaction=nonstopmode accents.tex > /dev/null
	cp accents.pdf "$FILES.tmp/made-pdflatex-accents.pdf"
	# mutool create: a page drawn with a standard font.
	cat > page.txt <<'EOF'
%%MediaBox 0 0 595 842
%%Font F1 Times-Roman
BT /F1 12 Tf 72 770 Td 15 TL
(Minutes of the board meeting held on the twelfth of June.) Tj T*
(The chair opened the meeting at ten o'clock and confirmed a quorum.) Tj T*
(Revenue for the first five months reached 4.2 million euros.) Tj T*
(The next meeting will take place on the eleventh of September.) Tj
ET
EOF
	mutool create -o "$FILES.tmp/made-mupdf.pdf" page.txt
	cd - > /dev/null
}

if [ ! -f "$FILES/.done" ]; then
	echo "building the corpus in $CORPUS (once)" >&2
	build_corpus
	touch "$FILES/.done"
fi

(cd "$ROOT" && go build -o "$CORPUS/benchpdf" ./scripts/benchpdf)
mapfile -t PDFS < <(find "$FILES" -name '*.pdf' | sort)
OUT=$CORPUS/results
mkdir -p "$OUT"
"$CORPUS/benchpdf" -mode pdftotext -runs "$RUNS" "${PDFS[@]}" > "$OUT/pdftotext.jsonl"
"$CORPUS/benchpdf" -mode auto -runs "$RUNS" "${PDFS[@]}" > "$OUT/auto.jsonl"
"$CORPUS/benchpdf" -mode go -runs 1 "${PDFS[@]}" > "$OUT/go.jsonl"

python3 - "$OUT" <<'EOF'
import json, statistics, subprocess, sys, unicodedata
from collections import Counter

out = sys.argv[1]
def load(mode):
    return {r["file"]: r for r in map(json.loads, open(f"{out}/{mode}.jsonl"))}
ref, auto, go = load("pdftotext"), load("auto"), load("go")

LIG = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"})
def bag(text):
    words, cur = Counter(), []
    for c in unicodedata.normalize("NFKC", text).lower().translate(LIG):
        if c.isalpha() or unicodedata.category(c) == "Nd":
            cur.append(c)
        elif cur:
            words["".join(cur)] += 1; cur = []
    if cur:
        words["".join(cur)] += 1
    return words
def f1(got, want):
    g, w = bag(got), bag(want)
    ng, nw = sum(g.values()), sum(w.values())
    if ng == 0 or nw == 0:
        return 1.0 if ng == nw else 0.0
    common = sum(min(n, w[k]) for k, n in g.items())
    if common == 0:
        return 0.0
    p, r = common / ng, common / nw
    return 2 * p * r / (p + r)
def producer(path):
    try:
        info = subprocess.run(["pdfinfo", path], capture_output=True, text=True).stdout
    except OSError:
        return "?"
    for line in info.splitlines():
        if line.startswith("Producer:"):
            return line.split(":", 1)[1].strip()[:40]
    return "?"

rows, errors = [], []
for f, r in sorted(ref.items()):
    if r.get("error"):
        errors.append((f, "pdftotext: " + r["error"]))
        continue
    a, g = auto[f], go[f]
    if a.get("error"):
        errors.append((f, "auto: " + a["error"]))
        continue
    rows.append(dict(file=f.rsplit("/", 1)[-1], f1=f1(a["text"], r["text"]),
                     gof1=f1(g.get("text", ""), r["text"]) if not g.get("error") else 0.0,
                     method=a["method"], note=a.get("note", ""),
                     auto=statistics.median(a["cpu_ms"]), ref=statistics.median(r["cpu_ms"]),
                     words=sum(bag(r["text"]).values()), producer=producer(f)))

print(f"{'file':44} {'F1':>6} {'goF1':>6} {'method':9} {'auto ms':>8} {'pdftotext ms':>12} {'words':>7}  producer / note")
for x in rows:
    print(f"{x['file'][:44]:44} {x['f1']:6.3f} {x['gof1']:6.3f} {x['method']:9} {x['auto']:8.1f} {x['ref']:12.1f} {x['words']:7}  {x['producer']}  {x['note'][:90]}")
for f, e in errors:
    print(f"{f.rsplit('/', 1)[-1][:44]:44} error: {e}")
f1s = [x["f1"] for x in rows]
cpu_auto, cpu_ref = sum(x["auto"] for x in rows), sum(x["ref"] for x in rows)
fell = sum(1 for x in rows if x["method"] == "pdftotext")
producers = {x["producer"].split(" ")[0] for x in rows}
print()
print(f"files {len(rows)} (plus {len(errors)} that a reader could not read), producers {len(producers)}")
print(f"auto vs pdftotext word F1: median {statistics.median(f1s):.4f}, >= 0.95 on {sum(v >= 0.95 for v in f1s)}/{len(f1s)} ({100 * sum(v >= 0.95 for v in f1s) / len(f1s):.1f}%), min {min(f1s):.4f}, < 0.85 on {sum(v < 0.85 for v in f1s)}")
print(f"go alone vs pdftotext word F1: median {statistics.median(x['gof1'] for x in rows):.4f}, min {min(x['gof1'] for x in rows):.4f}")
print(f"fell back to pdftotext: {fell}/{len(rows)}")
print(f"CPU (user+sys, median of runs, summed): auto {cpu_auto / 1000:.2f} s, pdftotext {cpu_ref / 1000:.2f} s, ratio {cpu_auto / cpu_ref:.3f}")
EOF
