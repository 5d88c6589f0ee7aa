#!/usr/bin/env bash
# OCR benchmark (issue 18): `docuvault extract --ocr always --json` beside
# `ocrmypdf --rotate-pages --deskew` and plain `tesseract` on the same
# synthetic scans, with the same tesseract (Debian's) and language (eng).
#
#   bash scripts/bench-ocr.sh [--out FILE] [--no-docuvault]
#
# Corpus (built once, cached in ~/.cache/docuvault/ocr-corpus/KEY/, KEY a
# hash of the recipe): 30 born-digital pages, each from a different source
# or part of one: 24 man pages of Debian packages (coreutils, bash, grep,
# tar, dpkg, apt, poppler-utils, tesseract-ocr, ghostscript, ocrmypdf, ...)
# and 6 licence texts from /usr/share/common-licenses, set with groff
# (-man or -ms, one or two columns, -Tpdf) in 6 font families at 10-12 pt.
# Each page is rendered grey with pdftoppm and turned into the
# variants of scripts/ocr_corpus.py (clean300, clean150, skew_noise300:
# skewed 2-3 degrees, blurred, noisy, specks, JPEG; rot90, rot180, rot270),
# deterministic (fixed seeds), and bound with img2pdf into image-only PDFs
# of 5 pages (6 per variant). The reference text of a page is the
# born-digital page's own text (pdftotext of that page).
#
# Score: word-F1 (bag of lowercased letter/digit tokens) of each tool's text
# of a page against the reference (scripts/ocr_score.py), mean per variant.
# Speed: pages per minute of each tool over every variant (timed separately,
# the order of docuvault and ocrmypdf alternating), CPU seconds per page,
# peak RSS (GNU time's %M: the largest single process) and the whole process
# tree's peak RSS (sampled). ocrmypdf runs one file at a time with --jobs
# BENCH_CONCURRENCY; plain tesseract runs BENCH_CONCURRENCY pages at a time
# (OMP_THREAD_LIMIT=1); docuvault reads BENCH_CONCURRENCY pages at once
# (--parallel), DOCUVAULT_OCR_LANGUAGES=eng, plus BENCH_DV_ARGS (none by
# default). OMP_THREAD_LIMIT is unset for docuvault and ocrmypdf (ocrmypdf
# sets its own).
#
# Targets (issue 18): word-F1 >= 0.98 on clean300 and >= 0.97 on the skewed,
# noisy and rotated variants; docuvault's pages/min >= 1.0x ocrmypdf's at
# equal or better F1; docuvault's peak RSS <= 300 MiB.
#
# Installs if missing (Debian, as root): poppler-utils, tesseract-ocr(-eng,
# -osd), ocrmypdf, img2pdf, groff, python3-pil,
# python3-numpy, time. Needs no services. Builds docuvault into
# .dev/ocr-bench/docuvault. Texts, timings and per-page scores stay in
# .dev/ocr-bench/RUN/. --no-docuvault runs the peers alone.
#
# Knobs: BENCH_CONCURRENCY=2 BENCH_OCR_VARIANTS=clean300,clean150,skew_noise300,rot90,rot180
# (the corpus also has skew_noise150 and rot270)
# DOCUVAULT_BIN= (use this binary instead of building one) BENCH_DV_ARGS=
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
START_DIR=$PWD
CONC=${BENCH_CONCURRENCY:-2}
VARIANTS=${BENCH_OCR_VARIANTS:-clean300,clean150,skew_noise300,rot90,rot180}
read -r -a DV_ARGS <<<"${BENCH_DV_ARGS:-}"
PY=/usr/bin/python3   # Debian's python: python3-pil and python3-numpy live there
PAGES_PER_DOC=5

say() { printf '[bench-ocr %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "FATAL: $*"; exit 1; }

OUT=""
WITH_DV=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --no-docuvault) WITH_DV=0; shift ;;
    -h|--help) sed -n '2,45p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done
if [ -n "$OUT" ] && [ "${OUT#/}" = "$OUT" ]; then OUT="$START_DIR/$OUT"; fi
cd "$ROOT"
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
APT_UPDATED=0
apt_install() {
  say "installing $* (Debian)"
  if [ "$APT_UPDATED" = 0 ]; then as_root apt-get update -qq >/dev/null || die "apt-get update failed"; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null ||
    die "apt-get install $* failed"
}
need() { # need COMMAND PACKAGE
  command -v "$1" >/dev/null || apt_install "$2"
  command -v "$1" >/dev/null || die "$1 still missing after installing $2"
}
need pdftoppm poppler-utils
need pdfseparate poppler-utils
need tesseract tesseract-ocr
need ocrmypdf ocrmypdf
need img2pdf img2pdf
need groff groff-base
# groff-base alone has the groff command but neither the -ms macros nor
# gropdf (-Tpdf). Through -Tps and ps2pdf, pdftotext splits some words
# ("retur n"), which would spoil the reference texts.
groff -ms -Tpdf </dev/null >/dev/null 2>&1 || apt_install groff
need /usr/bin/time time
[ -x "$PY" ] || apt_install python3
for lang in eng osd; do
  tesseract --list-langs 2>/dev/null | grep -qx "$lang" || apt_install "tesseract-ocr-$lang"
done
"$PY" -c 'import PIL' 2>/dev/null || apt_install python3-pil
"$PY" -c 'import numpy' 2>/dev/null || apt_install python3-numpy
"$PY" -c 'import PIL, numpy' || die "python3-pil / python3-numpy not importable by $PY"

# ------------------------------------------------------------------ corpus
# Sources: KIND PATH FONT SIZE PAGE [COLUMNS]. KIND man: a man page under
# /usr/share/man, set with -man; KIND text: a licence, set with -ms. PAGE is
# the page wanted; when it has fewer than 150 words the next ones are tried.
# Fonts: groff's PostScript families T (Times), H (Helvetica), N (New
# Century Schoolbook), P (Palatino), BM (Bookman), C (Courier).
SOURCES=$(cat <<'EOF'
man man1/ls.1 T 10 1
man man1/bash.1 H 10 3
man man1/sort.1 N 11 1
man man1/date.1 P 10 1
man man1/find.1 BM 10 4
man man1/grep.1 T 12 2
man man1/sed.1 H 11 1
man man1/tar.1 N 10 3
man man1/gzip.1 P 12 1
man man1/dpkg.1 T 10 2
man man8/apt-get.8 H 10 2
man man1/pdftoppm.1 N 10 1
man man1/pdftotext.1 P 11 1
man man1/tesseract.1 BM 10 2
man man1/gs.1 T 11 1
man man1/groff.1 H 12 3
man man1/ps2pdf.1 N 10 1
man man1/cp.1 C 10 1
man man1/stat.1 T 10 1
man man1/xargs.1 H 10 2
man man1/diff.1 P 10 1
man man1/ocrmypdf.1 N 11 2
man man1/img2pdf.1 BM 11 1
man man1/bash.1 T 10 40
text GPL-3 T 10 2 1
text Apache-2.0 P 11 1 2
text MPL-2.0 H 10 3 1
text LGPL-2.1 N 10 2 2
text GFDL-1.3 BM 10 2 1
text Artistic T 12 1 1
EOF
)
ALL_VARIANTS=clean300,clean150,skew_noise300,skew_noise150,rot90,rot180,rot270
CORPUS_FORMAT=2
KEY=$( { echo "$CORPUS_FORMAT $PAGES_PER_DOC $ALL_VARIANTS"; echo "$SOURCES"; cat "$ROOT/scripts/ocr_corpus.py"; } | sha256sum | cut -c1-12)
CORPUS="${XDG_CACHE_HOME:-$HOME/.cache}/docuvault/ocr-corpus/$KEY"

make_corpus() {
  local tmp n=0 kind path font size want cols src whole pages p words got
  tmp=$(mktemp -d "$CORPUS.tmp.XXXXXX")
  mkdir -p "$tmp/build" "$tmp/src" "$tmp/ref" "$tmp/render"
  : >"$tmp/sources.tsv"
  while read -r kind path font size want cols; do
    n=$((n + 1))
    p=$(printf 'p%02d' "$n")
    whole="$tmp/build/$p.pdf"
    if [ "$kind" = man ]; then
      src="/usr/share/man/$path.gz"
      [ -r "$src" ] || die "corpus source $src missing (its package is not installed, or man pages are excluded by dpkg's path-exclude)"
      zcat "$src" | groff -t -man -Tpdf "-f$font" "-rS$size" >"$whole" 2>"$tmp/build/$p.groff" ||
        { cat "$tmp/build/$p.groff" >&2; die "groff failed for $src"; }
    else
      src="/usr/share/common-licenses/$path"
      [ -r "$src" ] || die "corpus source $src missing"
      { printf '.nr PS %s\n.nr VS %s\n' "$size" $((size + 2))
        [ "$cols" = 2 ] && printf '.2C\n'
        printf '.PP\n'
        tr -cd '\11\12\40-\176' <"$src" | sed 's/^\./\\\&./; s/^'"'"'/\\\&'"'"'/' | awk 'NF == 0 { print ".PP"; next } { print }'
      } | groff -ms -Tpdf "-f$font" >"$whole" 2>"$tmp/build/$p.groff" ||
        { cat "$tmp/build/$p.groff" >&2; die "groff failed for $src"; }
    fi
    pages=$(pdfinfo "$whole" | awk '/^Pages:/ { print $2 }')
    [ "${pages:-0}" -gt 0 ] || die "$src rendered to an empty PDF"
    [ "$want" -le "$pages" ] || want=$pages
    # The wanted page, or the next with at least 150 words (wrapping).
    got=""
    for ((i = 0; i < pages; i++)); do
      local pg=$(( (want - 1 + i) % pages + 1 ))
      words=$(pdftotext -f "$pg" -l "$pg" -enc UTF-8 "$whole" - | wc -w)
      if [ "$words" -ge 150 ]; then got=$pg; break; fi
    done
    [ -n "$got" ] || die "$src has no page with 150 words"
    pdfseparate -f "$got" -l "$got" "$whole" "$tmp/src/$p.pdf"
    pdftotext -enc UTF-8 "$tmp/src/$p.pdf" "$tmp/ref/$p.txt"
    pdftoppm -r 300 -gray -png -singlefile "$tmp/src/$p.pdf" "$tmp/render/$p-300"
    pdftoppm -r 150 -gray -png -singlefile "$tmp/src/$p.pdf" "$tmp/render/$p-150"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$kind" "$path" "$font" "$size" "${cols:-1}" "$got/$pages" "$(wc -w <"$tmp/ref/$p.txt")" >>"$tmp/sources.tsv"
  done <<<"$SOURCES"
  say "corpus: $n pages rendered; making the variants ($ALL_VARIANTS)"
  "$PY" "$ROOT/scripts/ocr_corpus.py" variants --pages "$tmp/render" --out "$tmp/img" --variants "$ALL_VARIANTS" >"$tmp/variants.jsonl" ||
    die "scripts/ocr_corpus.py failed"
  # Image-only PDFs of PAGES_PER_DOC pages each, per variant.
  local v d k files
  "$PY" - "$tmp" "$ALL_VARIANTS" "$PAGES_PER_DOC" <<'PYEOF' >"$tmp/docs.json" || die "grouping the pages failed"
import json, os, sys
tmp, variants, per = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3])
pages = sorted(f[:-4] for f in os.listdir(os.path.join(tmp, "ref")))
docs = {v: {"doc%d" % (i // per + 1): pages[i:i + per] for i in range(0, len(pages), per)} for v in variants}
print(json.dumps(docs, indent=1))
PYEOF
  for v in ${ALL_VARIANTS//,/ }; do
    mkdir -p "$tmp/pdf/$v"
    while read -r d files; do
      k=()
      for p in $files; do k+=("$(ls "$tmp/img/$v/$p".*)"); done
      img2pdf -o "$tmp/pdf/$v/$d.pdf" "${k[@]}" || die "img2pdf failed for $v/$d"
    done < <("$PY" -c 'import json,sys; [print(d, " ".join(ps)) for d, ps in json.load(open(sys.argv[1]))[sys.argv[2]].items()]' "$tmp/docs.json" "$v")
  done
  # Image-only: no text for pdftotext to find.
  [ "$(pdftotext "$tmp/pdf/clean300/doc1.pdf" - | tr -d '[:space:]\f' | wc -c)" = 0 ] || die "the scans have a text layer"
  rm -rf "$tmp/build"
  touch "$tmp/.complete"
  rm -rf "$CORPUS"
  mv "$tmp" "$CORPUS"
}
if [ ! -e "$CORPUS/.complete" ]; then
  say "building the corpus in $CORPUS (once)"
  mkdir -p "$(dirname "$CORPUS")"
  make_corpus
else
  say "corpus: $CORPUS (cached)"
fi
for v in ${VARIANTS//,/ }; do
  [ -d "$CORPUS/pdf/$v" ] || die "unknown variant $v (the corpus has: $ALL_VARIANTS)"
done
NSRC=$(wc -l <"$CORPUS/sources.tsv")

# ------------------------------------------------------------------ docuvault
if [ "$WITH_DV" = 1 ]; then
  if [ -n "${DOCUVAULT_BIN:-}" ]; then
    DV=$DOCUVAULT_BIN
    BUILD="DOCUVAULT_BIN=$DV (not built by this run)"
  else
    say "building docuvault"
    mkdir -p "$ROOT/.dev/ocr-bench"
    DV="$ROOT/.dev/ocr-bench/docuvault"
    go build -o "$DV" . || die "go build failed"
    BUILD="$(go version | awk '{ print $3 }'), docuvault from the working tree at $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    if [ -n "$(git status --porcelain 2>/dev/null | head -1)" ]; then BUILD="$BUILD (plus uncommitted changes)"; fi
  fi
  DV_HELP=$("$DV" extract --help 2>&1) || die "$DV has no working \`extract\` command (run with --no-docuvault for the peers alone)"
  # The language goes in DOCUVAULT_OCR_LANGUAGES, and in --ocr-languages
  # too when extract has that flag; --parallel (pages read by OCR at once)
  # is set to BENCH_CONCURRENCY when extract has it.
  DV_FLAGS=(--json --ocr always)
  grep -q -- '--ocr-languages' <<<"$DV_HELP" && DV_FLAGS+=(--ocr-languages eng)
  grep -q -- '--parallel' <<<"$DV_HELP" && DV_FLAGS+=(--parallel "$CONC")
  DV_FLAGS+=(${DV_ARGS[@]+"${DV_ARGS[@]}"})
  TOOLS=docuvault,ocrmypdf,tesseract
else
  BUILD="not run (--no-docuvault)"
  DV_FLAGS=()
  TOOLS=ocrmypdf,tesseract
fi

RUN_ID="$(date -u +%Y%m%d-%H%M%S)"
WORK="$ROOT/.dev/ocr-bench/$RUN_ID"
mkdir -p "$WORK"
say "run $RUN_ID, work files in ${WORK#"$ROOT"/}"

# ------------------------------------------------------------------ measuring
HZ=$(getconf CLK_TCK)
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
# tree_rss_poll PID FILE: until PID ends, writes to FILE the largest sum of
# the RSS (KiB) of PID and all its descendants seen so far.
tree_rss_poll() {
  local max=0 cur
  while kill -0 "$1" 2>/dev/null; do
    cur=$(ps -e -o pid=,ppid=,rss= | awk -v root="$1" '
      { par[$1] = $2; rss[$1] = $3 }
      END { for (p in par) { q = p; n = 0; while (q != root && q > 1 && n++ < 64) q = par[q]; if (q == root) s += rss[p] } print s + 0 }')
    [ "$cur" -gt "$max" ] && max=$cur && echo "$max" >"$2"
    sleep 0.2
  done
}
# measure TOOL VARIANT PAGES CMD...: times CMD (stdout to $WORK/last.out) and
# appends a row to $WORK/timing.tsv.
printf 'tool\tvariant\tpages\twall_s\tcpu_s\tmaxrss_kib\ttree_rss_kib\tother_pct\n' >"$WORK/timing.tsv"
measure() {
  local tool=$1 variant=$2 pages=$3 t0 t1 b0 b1 pid poller rc=0
  shift 3
  sync
  echo 0 >"$WORK/tree.rss"
  b0=$(busy_ticks); t0=$(date +%s%N)
  /usr/bin/time -v -o "$WORK/last.time" "$@" >"$WORK/last.out" 2>"$WORK/last.err" &
  pid=$!
  tree_rss_poll "$pid" "$WORK/tree.rss" & poller=$!
  wait "$pid" || rc=$?
  t1=$(date +%s%N); b1=$(busy_ticks)
  wait "$poller" 2>/dev/null || true
  [ "$rc" = 0 ] || { tail -20 "$WORK/last.err" >&2; die "$tool $variant failed (exit $rc): $*"; }
  local wall cpu rss tree other
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/last.time")
  cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$WORK/last.time")
  tree=$(cat "$WORK/tree.rss")
  # The share of the machine's CPU that other processes took meanwhile
  # (this poller's ps included), %.
  other=$(awk -v busy=$((b1 - b0)) -v cpu="$cpu" -v hz="$HZ" -v wall="$wall" -v n="$(nproc)" 'BEGIN {
    o = (busy - cpu * hz) / (n * wall * hz) * 100; printf "%.0f", (o < 0 ? 0 : o) }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$variant" "$pages" "$wall" "$cpu" "$rss" "$tree" "$other" >>"$WORK/timing.tsv"
  say "  $tool $variant: $pages pages in $wall s ($(awk -v p="$pages" -v w="$wall" 'BEGIN { printf "%.1f", p / w * 60 }') pages/min), CPU $cpu s, peak RSS $((rss / 1024)) MiB (tree $((tree / 1024)) MiB), others took $other% of the CPU"
}

# The tools. Each reads the variant's image-only PDFs.
run_ocrmypdf() { # run_ocrmypdf VARIANT
  local v=$1 f
  mkdir -p "$WORK/ocrmypdf/$v" "$WORK/ocrmypdf-pdf/$v"
  # ocrmypdf sets OMP_THREAD_LIMIT itself when it is not set. The inner
  # script's $1… are its own arguments, hence single quotes.
  # shellcheck disable=SC2016
  measure ocrmypdf "$v" "$NPAGES" env -u OMP_THREAD_LIMIT sh -c '
    out=$1 pdfout=$2 jobs=$3; shift 3
    for f; do
      b=$(basename "$f" .pdf)
      ocrmypdf -q -l eng --rotate-pages --deskew --jobs "$jobs" --output-type pdf --optimize 0 \
        --sidecar "$out/$b.txt" "$f" "$pdfout/$b.pdf" || exit 1
    done' sh "$WORK/ocrmypdf/$v" "$WORK/ocrmypdf-pdf/$v" "$CONC" "$CORPUS/pdf/$v"/*.pdf
}
run_docuvault() { # run_docuvault VARIANT
  local v=$1
  mkdir -p "$WORK/docuvault"
  measure docuvault "$v" "$NPAGES" env -u OMP_THREAD_LIMIT DOCUVAULT_OCR_LANGUAGES=eng "$DV" extract "${DV_FLAGS[@]}" "$CORPUS/pdf/$v"/*.pdf
  cp "$WORK/last.out" "$WORK/docuvault/$v.jsonl"
  cp "$WORK/last.err" "$WORK/docuvault/$v.stderr"
}
run_tesseract() { # run_tesseract VARIANT: pdftoppm -r 300 -gray, then tesseract, page by page
  local v=$1
  mkdir -p "$WORK/tesseract/$v" "$WORK/tmp"
  "$PY" -c '
import json, sys
for d, ps in json.load(open(sys.argv[1]))[sys.argv[2]].items():
    for i, p in enumerate(ps):
        print(sys.argv[3] + "/" + d + ".pdf", i + 1, p)' "$CORPUS/docs.json" "$v" "$CORPUS/pdf/$v" >"$WORK/tesseract-$v.jobs"
  # shellcheck disable=SC2016 # the inner script's $1… are its own
  measure tesseract "$v" "$NPAGES" env OMP_THREAD_LIMIT=1 sh -c '
    xargs -P "$1" -L 1 sh -c "pdftoppm -r 300 -gray -png -singlefile -f \$1 -l \$1 \$0 $3/\$2 &&
      tesseract $3/\$2.png $2/\$2 -l eng >/dev/null 2>&1 && rm -f $3/\$2.png" <"$4"' sh \
    "$CONC" "$WORK/tesseract/$v" "$WORK/tmp" "$WORK/tesseract-$v.jobs"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$(date +%s)
i=0
for v in ${VARIANTS//,/ }; do
  NPAGES=$(for f in "$CORPUS/pdf/$v"/*.pdf; do pdfinfo "$f" | awk '/^Pages:/ { print $2 }'; done | awk '{ s += $1 } END { print s }')
  say "variant $v: $NPAGES pages in $(find "$CORPUS/pdf/$v" -name '*.pdf' | wc -l) files"
  if [ "$WITH_DV" = 1 ] && [ $((i % 2)) = 1 ]; then run_docuvault "$v"; fi
  run_ocrmypdf "$v"
  if [ "$WITH_DV" = 1 ] && [ $((i % 2)) = 0 ]; then run_docuvault "$v"; fi
  run_tesseract "$v"
  i=$((i + 1))
done
T_END=$(date +%s)
rm -rf "$WORK/ocrmypdf-pdf" "$WORK/tmp" # ocrmypdf's output PDFs (only the sidecars are scored), about 80 MB a run
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# ------------------------------------------------------------------ report
"$PY" "$ROOT/scripts/ocr_score.py" score --corpus "$CORPUS" --run "$WORK" --tools "$TOOLS" --variants "$VARIANTS" || die "scoring failed"
TABLES=$("$PY" "$ROOT/scripts/ocr_score.py" report --corpus "$CORPUS" --run "$WORK" --conc "$CONC") || die "the report failed"
MAX_OTHER=$(awk -F'\t' 'NR > 1 && $8 > m { m = $8 } END { print m + 0 }' "$WORK/timing.tsv")
BUSY_NOTE=""
if [ "$MAX_OTHER" -gt 10 ]; then
  BUSY_NOTE="
**The machine was shared:** other processes took up to $MAX_OTHER% of its CPU during the timed runs (load average $LOAD0 before, $LOAD1 after). Wall-clock figures and the pages/min ratio move with that load; CPU seconds per page are the steadier comparison."
fi
SRC_LIST=$(awk -F'\t' '{ printf "%s%s %s (%s %spt%s, page %s, %s words)", (NR > 1 ? "; " : ""), $1, $3, $4, $5, ($6 == 2 ? ", 2 columns" : ""), $7, $8 }' "$CORPUS/sources.tsv")
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
REPORT=$(cat <<EOF
- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC') (run \`$RUN_ID\`, $((T_END - T_START)) s of timed work); machine: nproc $(nproc), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), ${cpu:-unknown CPU}; load average $LOAD0 before, $LOAD1 after
- Build: $BUILD
- Tools: $(tesseract --version 2>&1 | head -1) (Debian, eng, for all three), ocrmypdf $(ocrmypdf --version 2>/dev/null), pdftoppm $(pdftoppm -v 2>&1 | head -1 | awk '{ print $3 }')
- docuvault: \`DOCUVAULT_OCR_LANGUAGES=eng docuvault extract ${DV_FLAGS[*]:-} FILES\`, one process per variant; ocrmypdf: \`ocrmypdf -l eng --rotate-pages --deskew --jobs $CONC --output-type pdf --optimize 0 --sidecar TXT IN OUT\`, one file at a time; tesseract: \`pdftoppm -r 300 -gray\` then \`tesseract PNG OUT -l eng\` (no OSD, no deskew), $CONC pages at a time, OMP_THREAD_LIMIT=1
- Corpus: $NSRC born-digital pages (groff -Tpdf; the reference is each page's pdftotext), as image-only PDFs of $PAGES_PER_DOC pages (img2pdf): clean300/clean150 = pdftoppm -gray at 300/150 dpi; skew_noise300 = 300 dpi skewed 2.0-3.0° (alternating sign), blurred, paper 232/ink 30, Gaussian noise σ 12, 0.08% dark specks, JPEG q 80; rot90/rot180/rot270 = clean300 turned clockwise by that much. Cached in \`${CORPUS/#$HOME/\~}\`. Pages: $SRC_LIST
- Reproduce: \`bash scripts/bench-ocr.sh\`

$TABLES
$BUSY_NOTE
EOF
)
printf '%s\n' "$REPORT"
printf '%s\n' "$REPORT" >"$WORK/report.md"
if [ -n "$OUT" ]; then printf '%s\n' "$REPORT" >"$OUT"; say "report written to $OUT"; fi
say "done; texts, timings and per-page scores in ${WORK#"$ROOT"/}"
