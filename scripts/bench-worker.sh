#!/usr/bin/env bash
# Worker throughput benchmark: `docuvault worker --drain --concurrency 2` over
# 1,000 born-digital PDFs of about 5 pages, beside `pdftotext` alone over the
# same files on the same two cores (2 at a time); then over 1,000 DOCX files.
#
#   bash scripts/bench-worker.sh [--out FILE]
#
# Targets (issue 4): the worker's PDF rate at least 0.8x pdftotext's, worker
# peak RSS at most 200 MiB. The PDFs are made with groff + ps2pdf (ghostscript,
# installed if missing) from 20 different texts and copied to 1,000 files; the
# DOCX files are written by a few lines of Python (zip + XML), 20 different
# ones copied to 1,000. Uploads (not timed) use --allow-duplicates so every
# copy becomes a document with a queued job. Everything the run stores
# (objects, users, jobs in its own Redis namespace) is removed at exit.
#
# Knobs: BENCH_FILES=1000 BENCH_CONCURRENCY=2
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
START_DIR=$PWD
NFILES=${BENCH_FILES:-1000}
CONC=${BENCH_CONCURRENCY:-2}
TARGET_RATIO=0.8
TARGET_RSS_MIB=200

say() { printf '[bench-worker %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "FATAL: $*"; exit 1; }

OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done
if [ -n "$OUT" ] && [ "${OUT#/}" = "$OUT" ]; then OUT="$START_DIR/$OUT"; fi
cd "$ROOT"
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
need_pkg() { # need_pkg COMMAND PACKAGE
  command -v "$1" >/dev/null && return
  say "installing $2"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1 ||
    { as_root apt-get update -qq >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }
}
need_pkg ps2pdf ghostscript
need_pkg groff groff
need_pkg /usr/bin/time time
need_pkg python3 python3

RUN_ID="$(date -u +%Y%m%d-%H%M%S)-$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')"
WORK=$(mktemp -d "/tmp/bench-worker.$RUN_ID.XXXXXX")
PURGE=0
cleanup() {
  if [ "$PURGE" = 1 ]; then
    say "removing the run's documents, objects and jobs"
    local id
    for id in $(pg -v p="bw-$RUN_ID-%" <<<"SELECT id FROM users WHERE handle LIKE :'p'"); do
      "$MC" --config-dir "$WORK/mc" --quiet rm --recursive --force "bench/$MINIO_BUCKET/$id/" >/dev/null 2>&1 || true
    done
    pg -v p="bw-$RUN_ID-%" <<<"DELETE FROM users WHERE handle LIKE :'p'" >/dev/null || true
    for key in $(rcli --scan --pattern "$DOCUVAULT_REDIS_NAMESPACE:*"); do rcli DEL "$key" >/dev/null; done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

say "run $RUN_ID; services up"
bash scripts/services.sh up >"$WORK/services.log" 2>&1 || { cat "$WORK/services.log" >&2; die "services.sh up failed"; }
# shellcheck disable=SC1091
. .dev/env
export DOCUVAULT_REDIS_NAMESPACE="bench-worker-$RUN_ID"
DV="$WORK/docuvault"
go build -o "$DV" . || die "go build failed"
for step in "migrate up" "grant" "bucket init"; do
  # shellcheck disable=SC2086
  "$DV" $step >/dev/null || die "docuvault $step failed"
done

pg() { psql -X -q -At -v ON_ERROR_STOP=1 "${DATABASE_URL:?}" "$@"; }
redis_parts() { python3 -c 'import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p.hostname, p.port or 6379, u.unquote(p.password or ""))' "$REDIS_URL"; }
read -r R_HOST R_PORT R_PASS < <(redis_parts)
rcli() { REDISCLI_AUTH="$R_PASS" redis-cli --no-auth-warning -h "$R_HOST" -p "$R_PORT" "$@"; }
# mc (MinIO's client, built once like bench-upload.sh's) removes the run's
# objects at exit, with the app key.
MC_VERSION=v0.0.0-20250313080218-cf909e1063a9
MC="${XDG_CACHE_HOME:-$HOME/.cache}/docuvault/tools/mc-$MC_VERSION/mc"
if [ ! -x "$MC" ]; then
  say "building mc $MC_VERSION (once)"
  GOFLAGS=-buildvcs=false GOBIN="$(dirname "$MC")" go install "github.com/minio/mc@$MC_VERSION"
fi
printf '%s\n' "$MINIO_SECRET_KEY" | "$MC" --config-dir "$WORK/mc" alias set bench "http://$MINIO_ENDPOINT" "$MINIO_ACCESS_KEY" --api S3v4 >/dev/null 2>&1 ||
  die "mc alias set failed"
PURGE=1

# ------------------------------------------------------------------ data
SRC="$WORK/src"; PDF="$WORK/pdf"; DOCX="$WORK/docx"
mkdir -p "$SRC" "$PDF" "$DOCX"
say "making 20 PDFs (groff + ps2pdf) and 20 DOCX files of about 5 pages"
mapfile -t texts < <(ls /usr/share/common-licenses/* /usr/share/doc/*/copyright 2>/dev/null | head -n 200)
set +o pipefail # head ends the pipes below early, on purpose
for i in $(seq -w 1 20); do
  src="$SRC/$i.txt"
  # About 5 pages: ~15 KB of real prose from the machine's licence texts.
  cat "${texts[$(( (10#$i * 7) % ${#texts[@]} ))]}" "${texts[$(( (10#$i * 13 + 1) % ${#texts[@]} ))]}" | tr -cd '\11\12\40-\176' | head -c 15000 >"$src"
  { printf '.TL\nDocument %s\n.PP\n' "$i"; sed 's/^\./\\\&./' "$src" | awk 'NF == 0 { print ".PP"; next } { print }'; } |
    groff -ms -Tps 2>/dev/null | ps2pdf - "$SRC/$i.pdf"
  python3 - "$src" "$SRC/$i.docx" <<'PY'
import sys, zipfile, html
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
paras = "".join('<w:p><w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>' % html.escape(p) for p in text.split("\n") if p.strip())
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    z.writestr("word/document.xml", '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>%s</w:body></w:document>' % paras)
PY
done
set -o pipefail
pages=$(for f in "$SRC"/*.pdf; do pdfinfo "$f" 2>/dev/null | awk '/^Pages:/ { print $2 }'; done | awk '{ s += $1 } END { printf "%.1f", s / NR }')
for n in $(seq -w 1 "$NFILES"); do
  k=$(printf '%02d' $(( (10#$n - 1) % 20 + 1 )))
  cp "$SRC/$k.pdf" "$PDF/doc-$n.pdf"
  cp "$SRC/$k.docx" "$DOCX/doc-$n.docx"
done

# ------------------------------------------------------------------ measuring
# measure CMD...: sets WALL (s) and RSS (KiB) of CMD, output to $WORK/last.*
measure() {
  local t0 t1
  sync
  t0=$(date +%s%N)
  /usr/bin/time -v -o "$WORK/last.time" "$@" >"$WORK/last.out" 2>"$WORK/last.err" || { tail -5 "$WORK/last.err" >&2; die "failed: $*"; }
  t1=$(date +%s%N)
  WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/last.time")
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", n / s }'; }

say "pdftotext alone: $NFILES PDFs, $CONC at a time"
measure sh -c "ls '$PDF'/*.pdf | xargs -P $CONC -n 8 sh -c 'for f; do pdftotext -enc UTF-8 \"\$f\" - >/dev/null; done' sh"
PT_WALL=$WALL; PT_RATE=$(rate "$NFILES" "$WALL")

run_worker() { # run_worker KIND DIR [PDF-EXTRACTOR]: upload (untimed), then time the drain
  local user="bw-$RUN_ID-$1"
  export DOCUVAULT_PDF_EXTRACTOR=${3:-auto}
  "$DV" user add "$user" --email "$user@bench.invalid" --quota 100GiB >/dev/null
  "$DV" upload --user "$user" --recursive --parallel 8 --allow-duplicates "$2" >/dev/null || die "upload of $1 failed"
  measure "$DV" worker --drain --concurrency "$CONC" --log-level warn
  local classified
  classified=$(pg -v h="$user" <<<"SELECT count(*) FROM documents d JOIN users u ON u.id = d.user_id WHERE u.handle = :'h' AND d.status = 'classified'")
  [ "$classified" = "$NFILES" ] || die "$1: $classified of $NFILES documents classified"
  EXTRACTOR=$(pg -v h="$user" <<<"SELECT string_agg(DISTINCT d.extractor, ',') FROM documents d JOIN users u ON u.id = d.user_id WHERE u.handle = :'h'")
}
say "worker --drain --concurrency $CONC: $NFILES PDFs, DOCUVAULT_PDF_EXTRACTOR=auto (pdftotext when installed)"
run_worker pdf "$PDF" auto
W_PDF_WALL=$WALL; W_PDF_RSS=$RSS; W_PDF_RATE=$(rate "$NFILES" "$WALL"); W_PDF_EXTRACTOR=$EXTRACTOR
say "worker --drain --concurrency $CONC: $NFILES PDFs, DOCUVAULT_PDF_EXTRACTOR=go"
run_worker pdfgo "$PDF" go
W_GO_WALL=$WALL; W_GO_RSS=$RSS; W_GO_RATE=$(rate "$NFILES" "$WALL")
say "worker --drain --concurrency $CONC: $NFILES DOCX"
run_worker docx "$DOCX"
W_DOCX_WALL=$WALL; W_DOCX_RSS=$RSS; W_DOCX_RATE=$(rate "$NFILES" "$WALL")

ratio=$(awk -v a="$W_PDF_RATE" -v b="$PT_RATE" 'BEGIN { printf "%.2f", a / b }')
ratio_go=$(awk -v a="$W_GO_RATE" -v b="$PT_RATE" 'BEGIN { printf "%.2f", a / b }')
met() { awk -v a="$1" -v b="$2" -v op="$3" 'BEGIN { if ((op == ">=" && a + 0 >= b + 0) || (op == "<=" && a + 0 <= b + 0)) print "met"; else print "NOT met" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
report=$(cat <<MD
## Worker throughput: \`docuvault worker --drain\` vs \`pdftotext\`

- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC') (run \`$RUN_ID\`); machine: nproc $(nproc), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); docuvault at $(git rev-parse --short HEAD)
- Reproduce: \`bash scripts/bench-worker.sh\`
- Data: $NFILES PDFs (20 groff + ps2pdf documents of $pages pages on average, copied) and $NFILES DOCX (20 documents, copied); worker with \`--concurrency $CONC\` (each document: claim, stream from MinIO, extract, classify, save); pdftotext alone with $CONC processes at a time, output discarded

| case | wall | documents/s | ratio to pdftotext | worker peak RSS | targets |
| --- | --- | --- | --- | --- | --- |
| pdftotext alone, $NFILES PDFs | ${PT_WALL} s | $PT_RATE | 1 | | |
| worker, $NFILES PDFs, default \`auto\` (read by $W_PDF_EXTRACTOR) | ${W_PDF_WALL} s | $W_PDF_RATE | $ratio | $(mib "$W_PDF_RSS") MiB | rate ≥ ${TARGET_RATIO}× pdftotext: $(met "$ratio" "$TARGET_RATIO" ">="); RSS ≤ $TARGET_RSS_MIB MiB: $(met "$(mib "$W_PDF_RSS")" "$TARGET_RSS_MIB" "<=") |
| worker, $NFILES PDFs, \`DOCUVAULT_PDF_EXTRACTOR=go\` | ${W_GO_WALL} s | $W_GO_RATE | $ratio_go | $(mib "$W_GO_RSS") MiB | rate ≥ ${TARGET_RATIO}× pdftotext: $(met "$ratio_go" "$TARGET_RATIO" ">="); RSS ≤ $TARGET_RSS_MIB MiB: $(met "$(mib "$W_GO_RSS")" "$TARGET_RSS_MIB" "<=") |
| worker, $NFILES DOCX | ${W_DOCX_WALL} s | $W_DOCX_RATE | | $(mib "$W_DOCX_RSS") MiB | RSS ≤ $TARGET_RSS_MIB MiB: $(met "$(mib "$W_DOCX_RSS")" "$TARGET_RSS_MIB" "<=") |
MD
)
printf '%s\n' "$report"
[ -n "$OUT" ] && printf '%s\n' "$report" >"$OUT"
exit 0
