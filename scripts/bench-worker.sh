#!/usr/bin/env bash
# Worker throughput benchmark: `docuvault worker --drain --concurrency 2` over
# 1,000 born-digital PDFs of about 5 pages, beside `pdftotext` alone over the
# same files on the same two cores (2 at a time); then over 1,000 DOCX files.
#
#   bash scripts/bench-worker.sh [--out FILE]
#
# Targets (issue 4, raised by issue 18): with the default settings the worker
# files PDFs (text and topics saved) at least 1.0x as fast as pdftotext alone
# reads them; its thumbnails, a later job, are timed too (the drain's exit);
# worker peak RSS at most 200 MiB. The PDFs are made with groff + ps2pdf (ghostscript,
# installed if missing) from 20 different texts and copied to 1,000 files; the
# DOCX files are written by a few lines of Python (zip + XML), 20 different
# ones copied to 1,000. Uploads (not timed) use --allow-duplicates so every
# copy becomes a document with a queued job. Everything the run stores
# (objects, users, jobs in its own Redis namespace) is removed at exit.
#
# The default path is measured in BENCH_ROUNDS rounds, each timing pdftotext
# alone right before the drain of a fresh upload, so that both see the same
# machine (it is shared: other work on it moves both); the verdict is the
# median of the rounds' ratios. After each drain, the same documents go
# through a bare pipeline (scripts/benchworkerfloor: one GET, pdftotext on
# stdin, one UPDATE of the text, nothing else): the floor under any worker
# built on pdftotext here. The report adds where the CPU went.
#
# Knobs: BENCH_FILES=1000 BENCH_CONCURRENCY=2 BENCH_ROUNDS=3
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
START_DIR=$PWD
NFILES=${BENCH_FILES:-1000}
CONC=${BENCH_CONCURRENCY:-2}
ROUNDS=${BENCH_ROUNDS:-3}
TARGET_RATIO=1.0
TARGET_RSS_MIB=200

say() { printf '[bench-worker %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "FATAL: $*"; exit 1; }

OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done
if [ -n "$OUT" ] && [ "${OUT#/}" = "$OUT" ]; then OUT="$START_DIR/$OUT"; fi
cd "$ROOT"
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
need_pkg() { # need_pkg COMMAND PACKAGE
  command -v "$1" >/dev/null || install_pkg "$2"
}
install_pkg() { # install_pkg PACKAGE (Debian)
  say "installing $1"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null 2>&1 ||
    { as_root apt-get update -qq >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null; }
}
need_pkg ps2pdf ghostscript
need_pkg groff groff
# groff-base alone has the groff command but not the -ms macros.
groff -ms -Tps </dev/null >/dev/null 2>&1 || install_pkg groff
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
    # In Lua: gocraft/work's unique keys end in a newline, which a shell
    # loop over --scan's lines would drop.
    rcli EVAL "local c, n = '0', 0
      repeat
        local r = redis.call('SCAN', c, 'MATCH', ARGV[1], 'COUNT', 1000)
        c = r[1]
        for _, k in ipairs(r[2]) do redis.call('DEL', k); n = n + 1 end
      until c == '0'
      return n" 0 "$DOCUVAULT_REDIS_NAMESPACE:*" >/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
say "run $RUN_ID; services up"
bash scripts/services.sh up >"$WORK/services.log" 2>&1 || { cat "$WORK/services.log" >&2; die "services.sh up failed"; }
# shellcheck disable=SC1091
. .dev/env
export DOCUVAULT_REDIS_NAMESPACE="bench-worker-$RUN_ID"
BASE_DATABASE_URL=$DATABASE_URL
DV="$WORK/docuvault"
go build -o "$DV" . || die "go build failed"
FLOOR="$WORK/benchworkerfloor"
go build -o "$FLOOR" ./scripts/benchworkerfloor || die "go build ./scripts/benchworkerfloor failed"
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
words=$(pdftotext "$SRC/01.pdf" - | wc -w)
[ "$words" -gt 1000 ] || die "the test PDFs came out empty ($words words in 01.pdf): check groff -ms and ps2pdf"
for n in $(seq -w 1 "$NFILES"); do
  k=$(printf '%02d' $(( (10#$n - 1) % 20 + 1 )))
  cp "$SRC/$k.pdf" "$PDF/doc-$n.pdf"
  cp "$SRC/$k.docx" "$DOCX/doc-$n.docx"
done

# ------------------------------------------------------------------ measuring
HZ=$(getconf CLK_TCK)
# proc_ticks PID: CPU time of PID and its reaped children, in clock ticks
# (pure bash: no process is started, the poller below runs often).
proc_ticks() { local f; read -r -a f <"/proc/$1/stat" 2>/dev/null && echo $((f[13] + f[14] + f[15] + f[16])); }
# svc_ticks: "minio redis" CPU ticks so far of this checkout's dev MinIO and
# Redis ("-" for one that is not a local process). They count every client.
svc_ticks() {
  local f pid out=""
  for f in .dev/minio/minio.pid .dev/redis/redis.pid; do
    pid=$(cat "$f" 2>/dev/null || true)
    out="$out ${pid:+$(proc_ticks "$pid")}"
    [ -n "${out##* }" ] || out="$out-"
  done
  echo "${out# }"
}
# busy_ticks: CPU ticks the whole machine has spent busy so far.
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
# pg_poll APP FILE: until killed, writes to FILE the CPU ticks used so far by
# the PostgreSQL backends whose application_name is APP (the drain's own
# sessions, not the other clients of a shared server); needs a local server.
pg_poll() {
  local -A seen=()
  local n=0 pid t
  while :; do
    if [ $((n % 10)) = 0 ]; then # look for new backends every second
      for pid in $(DATABASE_URL=$BASE_DATABASE_URL pg -v a="$1" <<<"SELECT pid FROM pg_stat_activity WHERE application_name = :'a'" 2>/dev/null); do
        seen[$pid]=${seen[$pid]:-0}
      done
    fi
    t=0
    for pid in "${!seen[@]}"; do
      seen[$pid]=$(proc_ticks "$pid" || echo "${seen[$pid]}")
      t=$((t + seen[$pid]))
    done
    echo "$t" >"$2"
    n=$((n + 1))
    sleep 0.1
  done
}
# measure CMD...: sets WALL (s), RSS (KiB) and CPU (user + sys s, with its
# children) of CMD; SVC ("minio redis" ticks during it), PGCPU (ticks of the
# PostgreSQL sessions named $PG_APP, when set) and OTHER (the share of the
# machine's CPU that other processes took meanwhile, %). Output to
# $WORK/last.*. Only CMD is timed.
measure() {
  local t0 t1 s0 s1 b0 b1 poller=""
  sync
  if [ -n "${PG_APP:-}" ]; then
    echo 0 >"$WORK/pg.ticks"
    pg_poll "$PG_APP" "$WORK/pg.ticks" & poller=$!
  fi
  s0=$(svc_ticks); b0=$(busy_ticks)
  t0=$(date +%s%N); T0=$t0
  /usr/bin/time -v -o "$WORK/last.time" "$@" >"$WORK/last.out" 2>"$WORK/last.err" || { tail -5 "$WORK/last.err" >&2; die "failed: $*"; }
  t1=$(date +%s%N)
  s1=$(svc_ticks); b1=$(busy_ticks)
  PGCPU=0
  if [ -n "$poller" ]; then kill "$poller"; wait "$poller" 2>/dev/null || true; PGCPU=$(cat "$WORK/pg.ticks"); fi
  WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/last.time")
  CPU=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$WORK/last.time")
  SVC=$(awk -v a="$s0" -v b="$s1" 'BEGIN { n = split(a, x, " "); split(b, y, " "); for (i = 1; i <= n; i++) printf "%s%s", (i > 1 ? " " : ""), (x[i] == "-" || y[i] == "-" ? "-" : y[i] - x[i]) }')
  OTHER=$(awk -v busy=$((b1 - b0)) -v cpu="$CPU" -v hz="$HZ" -v svc="$SVC" -v pgc="$PGCPU" -v wall="$WALL" -v n="$(nproc)" 'BEGIN {
    split(svc, x, " "); ours = cpu * hz + pgc + (x[1] == "-" ? 0 : x[1]) + (x[2] == "-" ? 0 : x[2])
    o = (busy - ours) / (n * wall * hz) * 100; printf "%.0f", (o < 0 ? 0 : o) }')
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", n / s }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%s", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# ms per document of a CPU time in seconds (or ticks, with a third argument)
per_doc() { awk -v c="$1" -v n="$2" -v hz="${3:-1}" 'BEGIN { if (c == "-") print "n/a"; else printf "%.2f", c / hz * 1000 / n }'; }

upload_set() { # upload_set KIND DIR: a user of its own and its documents (untimed)
  BW_USER="bw-$RUN_ID-$1"
  "$DV" user add "$BW_USER" --email "$BW_USER@bench.invalid" --quota 100GiB >/dev/null
  "$DV" upload --user "$BW_USER" --recursive --parallel 8 --allow-duplicates "$2" >/dev/null || die "upload of $1 failed"
}
# with_app NAME CMD...: CMD with its database sessions named NAME, to tell
# their CPU time from that of the server's other clients.
with_app() {
  local name=$1 sep='?'
  shift
  case $DATABASE_URL in *\?*) sep='&' ;; esac
  PG_APP="$name" DATABASE_URL="$DATABASE_URL${sep}application_name=$name" "$@"
}
drain_set() { # drain_set KIND PDF-EXTRACTOR: time the drain of BW_USER's documents
  export DOCUVAULT_PDF_EXTRACTOR=$2
  with_app "bench-worker-$RUN_ID" measure "$DV" worker --drain --concurrency "$CONC" --log-level warn
  # The sweeper runs first in --drain: it re-checks documents pending for
  # over a minute (a slow upload's first ones), inside the timed drain.
  SWEPT=$(sed -n 's/.*sweeper queued \([0-9]*\).*/\1/p' "$WORK/last.out")
  local classified
  classified=$(pg -v h="$BW_USER" <<<"SELECT count(*) FROM documents d JOIN users u ON u.id = d.user_id WHERE u.handle = :'h' AND d.status = 'classified'")
  [ "$classified" = "$NFILES" ] || die "$1: $classified of $NFILES documents classified"
  EXTRACTOR=$(pg -v h="$BW_USER" <<<"SELECT string_agg(DISTINCT d.extractor, ',') FROM documents d JOIN users u ON u.id = d.user_id WHERE u.handle = :'h'")
  # FILED: seconds from the drain's start until the last document had its
  # text and topics saved (the save sets updated_at; its thumbnail, a
  # later job of lower priority, does not touch it).
  FILED=$(pg -v h="$BW_USER" -v t0="$T0" <<<"SELECT round((extract(epoch FROM max(d.updated_at)) - :'t0'::numeric / 1e9)::numeric, 3) FROM documents d JOIN users u ON u.id = d.user_id WHERE u.handle = :'h'")
  THUMBS=$(pg -v h="$BW_USER" <<<"SELECT count(*) FROM document_objects o JOIN documents d ON d.id = o.document_id JOIN users u ON u.id = d.user_id WHERE u.handle = :'h' AND o.kind = 'thumbnail'")
}

# The default path against its peer, $ROUNDS rounds: each uploads a fresh
# copy of the PDFs (untimed), then times pdftotext alone and, right after
# it, the drain, so that both see the same machine; the verdict is the
# median of the rounds' ratios.
FILED_WALLS=(); FILED_RATIOS=(); PT_WALLS=(); PT_CPUS=(); W_WALLS=(); W_CPUS=(); RATIOS=(); ROUND_NOTES=(); W_PDF_RSS=0; SWEPTS=(); W_PG=0; SVC_SUM="0 0"; MAX_OTHER=0
F_WALLS=(); F_CPUS=(); F_RATIOS=(); F_PG=0; F_SVC_SUM="0 0"
add_svc() { awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); split(b, y, " "); for (i = 1; i <= n; i++) printf "%s%s", (i > 1 ? " " : ""), (x[i] == "-" || y[i] == "-" ? "-" : x[i] + y[i]) }'; }
for round in $(seq 1 "$ROUNDS"); do
  say "round $round/$ROUNDS: upload $NFILES PDFs (not timed)"
  upload_set "pdf$round" "$PDF"
  say "round $round/$ROUNDS: pdftotext alone, $CONC at a time"
  measure sh -c "ls '$PDF'/*.pdf | xargs -P $CONC -n 8 sh -c 'for f; do pdftotext -enc UTF-8 \"\$f\" - >/dev/null; done' sh"
  PT_WALLS+=("$WALL"); PT_CPUS+=("$CPU"); pt_other=$OTHER
  say "round $round/$ROUNDS: worker --drain --concurrency $CONC, DOCUVAULT_PDF_EXTRACTOR=auto (pdftotext when installed)"
  drain_set "pdf$round" auto
  if [ "${DOCUVAULT_THUMBNAILS:-true}" != false ]; then
    [ "$THUMBS" = "$NFILES" ] || die "pdf$round: $THUMBS of $NFILES PDFs have a thumbnail after the drain"
  fi
  FILED_WALLS+=("$FILED")
  FILED_RATIOS+=("$(awk -v w="$FILED" -v p="${PT_WALLS[-1]}" 'BEGIN { printf "%.2f", p / w }')")
  W_WALLS+=("$WALL"); W_CPUS+=("$CPU"); SWEPTS+=("$SWEPT"); W_PDF_EXTRACTOR=$EXTRACTOR; W_PG=$((W_PG + PGCPU))
  [ "$RSS" -gt "$W_PDF_RSS" ] && W_PDF_RSS=$RSS
  RATIOS+=("$(awk -v w="$WALL" -v p="${PT_WALLS[-1]}" 'BEGIN { printf "%.2f", p / w }')")
  ROUND_NOTES+=("${RATIOS[-1]} ($pt_other%/$OTHER%)")
  MAX_OTHER=$(printf '%s\n' "$MAX_OTHER" "$pt_other" "$OTHER" | sort -g | tail -1)
  SVC_SUM=$(add_svc "$SVC_SUM" "$SVC")
  # The floor: the same documents through the bare pipeline (one GET,
  # pdftotext on stdin, one UPDATE of the text), right after the drain.
  say "round $round/$ROUNDS: the bare pipeline (GET, pdftotext, UPDATE), $CONC at a time"
  with_app "bench-floor-$RUN_ID" measure "$FLOOR" -user "$BW_USER" -concurrency "$CONC"
  grep -qx "$NFILES documents" "$WORK/last.out" || die "the bare pipeline read $(cat "$WORK/last.out"), not $NFILES documents"
  F_WALLS+=("$WALL"); F_CPUS+=("$CPU"); F_PG=$((F_PG + PGCPU)); F_SVC_SUM=$(add_svc "$F_SVC_SUM" "$SVC")
  F_RATIOS+=("$(awk -v w="$WALL" -v p="${PT_WALLS[-1]}" 'BEGIN { printf "%.2f", p / w }')")
done
F_WALL=$(median "${F_WALLS[@]}"); F_RATE=$(rate "$NFILES" "$F_WALL"); F_RATIO=$(median "${F_RATIOS[@]}")
read -r F_MINIO F_REDIS <<<"$F_SVC_SUM"
PT_WALL=$(median "${PT_WALLS[@]}"); PT_RATE=$(rate "$NFILES" "$PT_WALL")
W_PDF_WALL=$(median "${W_WALLS[@]}"); W_PDF_RATE=$(rate "$NFILES" "$W_PDF_WALL")
ratio=$(median "${RATIOS[@]}")
FILED_WALL=$(median "${FILED_WALLS[@]}"); FILED_RATE=$(rate "$NFILES" "$FILED_WALL"); filed_ratio=$(median "${FILED_RATIOS[@]}")
read -r SVC_MINIO SVC_REDIS <<<"$SVC_SUM"
NDOCS=$((NFILES * ROUNDS))

say "worker --drain --concurrency $CONC: $NFILES PDFs, DOCUVAULT_PDF_EXTRACTOR=go"
upload_set pdfgo "$PDF"
drain_set pdfgo go
W_GO_WALL=$FILED; W_GO_RSS=$RSS; W_GO_RATE=$(rate "$NFILES" "$FILED")
say "worker --drain --concurrency $CONC: $NFILES DOCX"
upload_set docx "$DOCX"
drain_set docx auto
W_DOCX_WALL=$WALL; W_DOCX_RSS=$RSS; W_DOCX_RATE=$(rate "$NFILES" "$WALL")

ratio_go=$(awk -v a="$W_GO_RATE" -v b="$PT_RATE" 'BEGIN { printf "%.2f", a / b }')
met() { awk -v a="$1" -v b="$2" -v op="$3" 'BEGIN { if ((op == ">=" && a + 0 >= b + 0) || (op == "<=" && a + 0 <= b + 0)) print "met"; else print "NOT met" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
list() { local out="" v; for v in "$@"; do out="${out:+$out, }$v"; done; echo "$out"; }
sum() { printf '%s\n' "$@" | awk '{ s += $1 } END { print s + 0 }'; }
PT_MS=$(per_doc "$(sum "${PT_CPUS[@]}")" "$NDOCS")
W_MS=$(per_doc "$(sum "${W_CPUS[@]}")" "$NDOCS")
PG_MS=$(per_doc "$W_PG" "$NDOCS" "$HZ"); MINIO_MS=$(per_doc "$SVC_MINIO" "$NDOCS" "$HZ"); REDIS_MS=$(per_doc "$SVC_REDIS" "$NDOCS" "$HZ")
PATH_MS=$(printf '%s\n' "$W_MS" "$PG_MS" "$MINIO_MS" "$REDIS_MS" | awk '$1 != "n/a" { s += $1 } END { printf "%.2f", s }')
CPU_RATIO=$(awk -v a="$PT_MS" -v b="$PATH_MS" 'BEGIN { printf "%.2f", a / b }')
F_MS=$(per_doc "$(sum "${F_CPUS[@]}")" "$NDOCS")
F_PG_MS=$(per_doc "$F_PG" "$NDOCS" "$HZ"); F_MINIO_MS=$(per_doc "$F_MINIO" "$NDOCS" "$HZ"); F_REDIS_MS=$(per_doc "$F_REDIS" "$NDOCS" "$HZ")
F_PATH_MS=$(printf '%s\n' "$F_MS" "$F_PG_MS" "$F_MINIO_MS" "$F_REDIS_MS" | awk '$1 != "n/a" { s += $1 } END { printf "%.2f", s }')
F_CPU_RATIO=$(awk -v a="$PT_MS" -v b="$F_PATH_MS" 'BEGIN { printf "%.2f", a / b }')
BUSY_NOTE=""
if [ "$MAX_OTHER" -gt 10 ]; then
  BUSY_NOTE="
**The machine was busy:** other processes took up to $MAX_OTHER% of its CPU during the timed runs. Wall-clock ratios are then unreliable (a drain's several processes get a larger share of a contended CPU than pdftotext's two, which flatters the worker); the CPU ratio ($CPU_RATIO) is the better estimate."
fi
report=$(cat <<MD
## Worker throughput: \`docuvault worker --drain\` vs \`pdftotext\`

- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC') (run \`$RUN_ID\`); machine: nproc $(nproc), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), load average before the run $LOAD0; docuvault at $(git rev-parse --short HEAD 2>/dev/null || echo "?") (plus any uncommitted changes)
- Reproduce: \`bash scripts/bench-worker.sh\`
- Data: $NFILES PDFs (20 groff + ps2pdf documents of $pages pages on average, copied) and $NFILES DOCX (20 documents, copied); worker with \`--concurrency $CONC\` (each document: claim, stream from MinIO, extract, classify, save); pdftotext alone with $CONC processes at a time, output discarded
- Default path: $ROUNDS rounds, each timing pdftotext alone and then the drain of a fresh upload; walls are medians, the ratio is the median of the rounds' ratios (rounds: $(list "${ROUND_NOTES[@]}"), in brackets the share of the machine's CPU that other processes took during pdftotext alone/the drain); the drains' sweeper re-checked $(list "${SWEPTS[@]}") documents

| case | wall | documents/s | ratio to pdftotext | worker peak RSS | targets |
| --- | --- | --- | --- | --- | --- |
| pdftotext alone, $NFILES PDFs | ${PT_WALL} s | $PT_RATE | 1 | | |
| bare pipeline (scripts/benchworkerfloor: one GET, \`pdftotext - -\`, one UPDATE; rounds: $(list "${F_RATIOS[@]}")) | ${F_WALL} s | $F_RATE | $F_RATIO | | the floor under any worker that reads PDFs with pdftotext and stores the text here |
| worker, $NFILES PDFs, default settings (read by $W_PDF_EXTRACTOR): until the last one's text and topics are saved (rounds: $(list "${FILED_RATIOS[@]}")) | ${FILED_WALL} s | $FILED_RATE | $filed_ratio | | rate ≥ ${TARGET_RATIO}× pdftotext: $(met "$filed_ratio" "$TARGET_RATIO" ">=") |
| the same drains, until the last thumbnail is stored too (drain's exit) | ${W_PDF_WALL} s | $W_PDF_RATE | $ratio | $(mib "$W_PDF_RSS") MiB | RSS ≤ $TARGET_RSS_MIB MiB: $(met "$(mib "$W_PDF_RSS")" "$TARGET_RSS_MIB" "<=") |
| worker, $NFILES PDFs, \`DOCUVAULT_PDF_EXTRACTOR=go\`, until the last one's text and topics are saved (one round) | ${W_GO_WALL} s | $W_GO_RATE | $ratio_go | $(mib "$W_GO_RSS") MiB | rate ≥ ${TARGET_RATIO}× pdftotext: $(met "$ratio_go" "$TARGET_RATIO" ">="); RSS ≤ $TARGET_RSS_MIB MiB: $(met "$(mib "$W_GO_RSS")" "$TARGET_RSS_MIB" "<=") |
| worker, $NFILES DOCX | ${W_DOCX_WALL} s | $W_DOCX_RATE | | $(mib "$W_DOCX_RSS") MiB | RSS ≤ $TARGET_RSS_MIB MiB: $(met "$(mib "$W_DOCX_RSS")" "$TARGET_RSS_MIB" "<=") |

CPU time per PDF on the default path over the $ROUNDS rounds, whole drains (text, topics and thumbnails), in ms per document (MinIO and Redis: every client they had meanwhile); on a machine that both keep busy, the rate ratio is the CPU ratio:

| pdftotext alone (with xargs, sh) | worker (with its pdftotext) | its PostgreSQL sessions | MinIO | Redis | worker path in all | CPU ratio |
| --- | --- | --- | --- | --- | --- | --- |
| $PT_MS | $W_MS | $PG_MS | $MINIO_MS | $REDIS_MS | $PATH_MS | $CPU_RATIO |

The bare pipeline, same rounds, same columns: itself (with its pdftotext) $F_MS, its PostgreSQL sessions $F_PG_MS, MinIO $F_MINIO_MS, Redis $F_REDIS_MS (no client of its own), in all $F_PATH_MS ms per document: **CPU ratio $F_CPU_RATIO**.
$BUSY_NOTE
MD
)
printf '%s\n' "$report"
[ -n "$OUT" ] && printf '%s\n' "$report" >"$OUT"
exit 0
